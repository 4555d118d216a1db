/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: decode a document, write its command element back with
 * the generic writer (or write the Fault of the decoding error), decode
 * that output and compare. Aborts when the second decode fails or the
 * trees differ.
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
  fuzz_roundtrip(data, size);
  return 0;
}
