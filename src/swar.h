/*
 * swar.h - looking at eight bytes at a time for a few byte values (SIMD within a register).
 */
#ifndef STANCE_SWAR_H
#define STANCE_SWAR_H

#include <stdint.h>
#include <string.h>

#define STANCE_ONES 0x0101010101010101ull
#define STANCE_HIGHS 0x8080808080808080ull
/* Non-zero when a byte of v is zero (exactly when: a set bit may be wrong only above a
 * zero byte). */
#define STANCE_HAS_ZERO(v) (((v) - STANCE_ONES) & ~(v) & STANCE_HIGHS)
/* Non-zero when a byte of v is c. */
#define STANCE_HAS_BYTE(v, c) STANCE_HAS_ZERO((v) ^ (STANCE_ONES * (unsigned char)(c)))

/* The position (0 to 7) in memory of the first byte whose bit is set in a mask made of the
 * above (exact for the first one), or -1 where the byte order does not tell it cheaply. */
static inline int stance_first_set(uint64_t mask) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return __builtin_ctzll(mask) >> 3;
#else
  (void)mask;
  return -1;
#endif
}

static inline uint64_t stance_load8(const char *s) {
  uint64_t v;
  memcpy(&v, s, 8);
  return v;
}

#endif
