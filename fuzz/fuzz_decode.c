/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: decode one document in chunks whose sizes come from the
 * first input byte, with and without generic commands, and check that
 * every chunking gives the same outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <waitset/xml.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t chunk;
  int accept_other;
  int whole;
  int chunked;

  if (size == 0)
    return 0;
  chunk = (size_t)(data[0] & 0x0f) + 1;
  accept_other = (data[0] & 0x10) != 0;
  data++;
  size--;
  whole = fuzz_decode(data, size, size == 0 ? 1 : size, accept_other);
  chunked = fuzz_decode(data, size, chunk, accept_other);
  if (whole != chunked)
    abort();
  return 0;
}
