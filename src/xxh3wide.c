/*
 * xxh3wide.c - see xxh3wide.h. With GCC on x86-64 (a build not made for AVX2 already),
 * xxhash.h is compiled in this unit for AVX2, under a target pragma (the rest of the program
 * stays baseline x86-64), and used when the processor says it has AVX2. AVX2 reads 32 bytes
 * a step where SSE2 reads 16: about half the instructions for the same value. Any other
 * compiler or processor: 0, and the caller's own XXH3.
 */
#include "xxh3wide.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__AVX2__) && \
    !defined(STANCE_NO_AVX2)
#define STANCE_XXH3_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2")
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <xxhash.h>
static uint64_t xxh3_avx2(const void *data, size_t len) { return XXH3_64bits(data, len); }
#pragma GCC pop_options
#endif

int stance_xxh3_wide(const void *data, size_t len, uint64_t *out) {
#ifdef STANCE_XXH3_AVX2
  /* (libgcc reads the processor's features once, before main) */
  if (__builtin_cpu_supports("avx2")) {
    *out = xxh3_avx2(data, len);
    return 1;
  }
#else
  (void)data;
  (void)len;
  (void)out;
#endif
  return 0;
}
