/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fuzz targets and their replay driver. */
#ifndef WAITSET_FUZZ_COMMON_H
#define WAITSET_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Decode `data` fed in pieces of `chunk` bytes. Returns 0 or the error
 * code, folded with a hash of the decoded fields so that different
 * outcomes compare unequal. Aborts on an inconsistent decoder state. */
int fuzz_decode(const uint8_t *data, size_t size, size_t chunk,
                int accept_other);

/* Decode, encode, decode again and compare; aborts on a mismatch. */
void fuzz_roundtrip(const uint8_t *data, size_t size);

#endif /* WAITSET_FUZZ_COMMON_H */
