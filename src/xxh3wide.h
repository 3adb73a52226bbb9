/*
 * xxh3wide.h - XXH3-64 of a long input with AVX2 (the value xxhash.h's XXH3_64bits gives),
 * where the build can make that code and the processor runs it: for the inputs checked
 * whole (the layer cache verifies each entry it hands out).
 */
#ifndef STANCE_XXH3WIDE_H
#define STANCE_XXH3WIDE_H

#include <stddef.h>
#include <stdint.h>

/* 1 and the hash in *out, or 0 (no AVX2 here: the caller hashes with xxhash.h's own). */
int stance_xxh3_wide(const void *data, size_t len, uint64_t *out);

#endif
