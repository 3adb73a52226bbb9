/*
 * text.c - the text model (see text.h).
 *
 * Positions: line starts (for lines) and, every CP_STEP bytes, the code point index of
 * that byte (for code points): byte -> code point is a table lookup plus a scan of at
 * most CP_STEP bytes; code point -> byte is a binary search over the same table.
 */
#include <stdlib.h>
#include <string.h>

#include "markup.h"
#include "swar.h"
#include "text.h"
#include "unicode_data.h"

#define CP_STEP 64

/* ---- characters ------------------------------------------------------------------------ */

uint32_t stance_utf8_decode(const unsigned char *s, size_t len, int *n, int *invalid) {
  int k = s[0] < 0x80 ? 1 : stance_utf8_valid_at(s, len);
  if (k == 0) {
    *n = 1;
    if (invalid) *invalid = 1;
    return 0xFFFD;
  }
  *n = k;
  switch (k) {
    case 1: return s[0];
    case 2: return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    case 3: return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    default:
      return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
             (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
  }
}

int stance_is_word_cp(uint32_t cp) {
  size_t lo = 0, hi = STANCE_WORD_RANGES;
  if (cp < 0x80)
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
           cp == '_';
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < stance_word_ranges[mid][0])
      hi = mid;
    else if (cp > stance_word_ranges[mid][1])
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

uint32_t stance_fold_cp(uint32_t cp) {
  size_t lo = 0, hi = STANCE_LOWER_RUNS;
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const int32_t *r = stance_lower_runs[mid];
    if (cp < (uint32_t)r[0]) {
      hi = mid;
    } else if (cp > (uint32_t)r[1]) {
      lo = mid + 1;
    } else {
      if ((cp - (uint32_t)r[0]) % (uint32_t)r[3] == 0) return (uint32_t)((int32_t)cp + r[2]);
      return cp;
    }
  }
  return cp;
}

size_t stance_utf8_encode(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t stance_fold(const char *s, size_t len, char *out) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, o = 0;
  while (i < len) {
    int n;
    if (u[i] < 0x80) {
      out[o++] = (char)((u[i] >= 'A' && u[i] <= 'Z') ? u[i] + 32 : u[i]);
      i++;
      continue;
    }
    o += stance_utf8_encode(stance_fold_cp(stance_utf8_decode(u + i, len - i, &n, NULL)), out + o);
    i += (size_t)n;
  }
  return o;
}

/* ---- the document ------------------------------------------------------------------------ */

struct stance_text {
  char *s;
  size_t len, cps, invalid, first_invalid;
  size_t *lines;                /* start byte of each line, then len (a sentinel) */
  uint32_t nlines;
  uint32_t *cp_at;              /* cp_at[k] = code point index of byte k * CP_STEP */
  size_t ncp;
};

/* Bytes that do not begin a code point: continuation bytes of a valid sequence. */
static int starts_cp(const unsigned char *s, size_t len, size_t i) {
  size_t back;
  if ((s[i] & 0xC0) != 0x80) return 1;
  /* A continuation byte starts a code point only if no valid sequence covers it. */
  for (back = 1; back <= 3 && back <= i; back++) {
    int n = stance_utf8_valid_at(s + i - back, len - (i - back));
    if (n > (int)back) return 0;
    if ((s[i - back] & 0xC0) != 0x80) break;
  }
  return 1;
}

/* The CP_STEP bytes at u are all ASCII. */
static int ascii_block(const unsigned char *u) {
  uint64_t any = 0;
  int j;
  for (j = 0; j < CP_STEP; j += 8) any |= stance_load8((const char *)u + j);
  return (any & STANCE_HIGHS) == 0;
}

/* A line starts at byte `at`. 0, or -1 when out of memory. */
static int add_line(stance_text *t, size_t *cap, size_t at) {
  if (t->nlines + 1 >= *cap) {
    size_t *nl = realloc(t->lines, *cap * 2 * sizeof *nl);
    if (nl == NULL) return -1;
    t->lines = nl;
    *cap *= 2;
  }
  t->lines[t->nlines++] = at;
  return 0;
}

/* The lines that start after a "\n" among the eight bytes at u + at: a candidate for each
 * (and maybe a false one above it), checked. 0, or -1 when out of memory. */
static int add_lines8(stance_text *t, size_t *cap, const unsigned char *u, size_t at) {
  uint64_t m = STANCE_HAS_BYTE(stance_load8((const char *)u + at), '\n');
  while (m != 0) {
    int first = stance_first_set(m);
    size_t b, from = first < 0 ? 0 : (size_t)first, to = first < 0 ? 8 : (size_t)first + 1;
    for (b = from; b < to; b++)
      if (u[at + b] == '\n' && add_line(t, cap, at + b + 1) != 0) return -1;
    m = first < 0 ? 0 : m & (m - 1);
  }
  return 0;
}

static stance_text *text_build(char *owned, size_t len);

stance_text *stance_text_new(const char *s, size_t len) {
  char *copy = malloc(len + 1);
  if (copy == NULL) return NULL;
  memcpy(copy, s, len);
  return text_build(copy, len);
}

stance_text *stance_text_new_take(char *s, size_t len) { return text_build(s, len); }

/* The text of `owned` (len bytes and room for one more), which it takes (freed on failure). */
static stance_text *text_build(char *owned, size_t len) {
  stance_text *t = calloc(1, sizeof *t);
  const unsigned char *u;
  size_t i = 0, cap = 64, cp = 0, k;
  if (t == NULL) {
    free(owned);
    return NULL;
  }
  t->s = owned;
  t->ncp = len / CP_STEP + 1;
  t->cp_at = malloc(t->ncp * sizeof *t->cp_at);
  t->lines = malloc(cap * sizeof *t->lines);
  if (t->cp_at == NULL || t->lines == NULL) {
    stance_text_free(t);
    return NULL;
  }
  t->s[len] = '\0';
  t->len = len;
  u = (const unsigned char *)t->s;
  t->lines[t->nlines++] = 0;
  k = 0;
  while (i < len) {
    size_t next = k * CP_STEP, stop; /* the next block boundary to record: next >= i */
    if (i == next) {
      if (i + CP_STEP <= len && ascii_block(u + i)) {
        /* a block of ASCII: a code point per byte, only the line ends to find */
        size_t j;
        t->cp_at[k++] = (uint32_t)cp;
        for (j = 0; j < CP_STEP; j += 8) {
          if (add_lines8(t, &cap, u, i + j) != 0) {
            stance_text_free(t);
            return NULL;
          }
        }
        i += CP_STEP;
        cp += CP_STEP;
        continue;
      }
      t->cp_at[k++] = (uint32_t)cp; /* a character starts at the boundary */
      next += CP_STEP;
    }
    /* the characters before the next boundary: ASCII ones need only their line ends, found
     * eight bytes at a time where there are eight of them */
    stop = next < len ? next : len;
    while (i < stop) {
      int n = 1, bad = 0;
      if (stop - i >= 8) {
        uint64_t v = stance_load8((const char *)u + i);
        if ((v & STANCE_HIGHS) == 0) {
          if (add_lines8(t, &cap, u, i) != 0) {
            stance_text_free(t);
            return NULL;
          }
          i += 8;
          cp += 8;
          continue;
        }
      }
      if (u[i] < 0x80) {
        if (u[i] == '\n' && add_line(t, &cap, i + 1) != 0) {
          stance_text_free(t);
          return NULL;
        }
        i++;
        cp++;
        continue;
      }
      stance_utf8_decode(u + i, len - i, &n, &bad);
      if (bad) {
        if (t->invalid == 0) t->first_invalid = i;
        t->invalid++;
      }
      /* the boundaries inside this character get its index */
      while (k * CP_STEP < i + (size_t)n && k < t->ncp) t->cp_at[k++] = (uint32_t)cp;
      i += (size_t)n;
      cp++;
    }
  }
  while (k < t->ncp) t->cp_at[k++] = (uint32_t)cp;
  t->cps = cp;
  /* A final "\n" does not open a line of its own. */
  if (t->nlines > 1 && t->lines[t->nlines - 1] == len) t->nlines--;
  t->lines[t->nlines] = len;
  return t;
}

void stance_text_free(stance_text *t) {
  if (t == NULL) return;
  free(t->s);
  free(t->cp_at);
  free(t->lines);
  free(t);
}

const char *stance_text_bytes(const stance_text *t, size_t *len) {
  if (len) *len = t->len;
  return t->s;
}
size_t stance_text_cps(const stance_text *t) { return t->cps; }
uint32_t stance_text_lines(const stance_text *t) { return t->len == 0 ? 0 : t->nlines; }
size_t stance_text_invalid(const stance_text *t, size_t *first) {
  if (first) *first = t->first_invalid;
  return t->invalid;
}

/* The first byte of the character that contains byte i. */
static size_t char_start(const stance_text *t, size_t i) {
  const unsigned char *u = (const unsigned char *)t->s;
  size_t back = 0;
  while (i > 0 && back < 3 && !starts_cp(u, t->len, i)) i--, back++;
  return i;
}

size_t stance_text_byte_to_cp(const stance_text *t, size_t b) {
  const unsigned char *u = (const unsigned char *)t->s;
  size_t k, i, cp;
  if (b >= t->len) return t->cps;
  k = b / CP_STEP;
  cp = t->cp_at[k]; /* the character that contains byte k * CP_STEP */
  i = char_start(t, k * CP_STEP);
  for (;;) {
    int n = 1;
    if (u[i] >= 0x80) stance_utf8_decode(u + i, t->len - i, &n, NULL);
    if (i + (size_t)n > b) return cp;
    i += (size_t)n;
    cp++;
  }
}

/* The last block from `lo` on whose first code point is at or before c (cp_at[lo] <= c). */
static size_t block_of(const stance_text *t, size_t c, size_t lo) {
  size_t hi = t->ncp;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (t->cp_at[mid] <= c)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* From byte i, at code point cp, to the byte of code point c (cp <= c < t->cps). */
static size_t scan_to(const stance_text *t, size_t i, size_t cp, size_t c) {
  const unsigned char *u = (const unsigned char *)t->s;
  if (t->invalid == 0) {
    while (cp < c) { /* valid UTF-8: a code point is a byte that is no continuation byte */
      i++;
      while ((u[i] & 0xC0) == 0x80) i++;
      cp++;
    }
    return i;
  }
  while (cp < c && i < t->len) {
    int n = 1;
    if (u[i] >= 0x80) stance_utf8_decode(u + i, t->len - i, &n, NULL);
    i += (size_t)n;
    cp++;
  }
  return i;
}

size_t stance_text_cp_to_byte(const stance_text *t, size_t c) {
  size_t k;
  if (c >= t->cps) return t->len;
  k = block_of(t, c, 0);
  return scan_to(t, char_start(t, k * CP_STEP), t->cp_at[k], c);
}

size_t stance_text_cp_to_byte_hint(const stance_text *t, size_t c, stance_text_hint *h) {
  size_t k, i;
  if (c >= t->cps) return t->len;
  if (!h->valid || t->cp_at[h->k] > c) {
    i = stance_text_cp_to_byte(t, c);
  } else {
    /* forward from the last block: a few steps, else a binary search over the rest */
    size_t lo = h->k, steps = 0;
    while (lo + 1 < t->ncp && t->cp_at[lo + 1] <= c && steps < 8) lo++, steps++;
    if (lo + 1 < t->ncp && t->cp_at[lo + 1] <= c) lo = block_of(t, c, lo);
    if (lo == h->k && h->cp <= c) /* the same block, after the last place */
      i = scan_to(t, h->byte, h->cp, c);
    else
      i = scan_to(t, char_start(t, lo * CP_STEP), t->cp_at[lo], c);
  }
  k = i / CP_STEP;
  while (k > 0 && t->cp_at[k] > c) k--; /* the block holding i: its first code point may start before */
  h->valid = 1;
  h->k = k;
  h->cp = c;
  h->byte = i;
  return i;
}

static uint32_t line_of(const stance_text *t, size_t b) {
  uint32_t lo = 0, hi = t->nlines;
  while (hi - lo > 1) {
    uint32_t mid = (lo + hi) / 2;
    if (t->lines[mid] <= b)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

void stance_text_pos(const stance_text *t, size_t b, uint32_t *line, size_t *col_bytes,
                     size_t *col_cps) {
  uint32_t l;
  if (b > t->len) b = t->len;
  l = line_of(t, b);
  if (line) *line = l;
  if (col_bytes) *col_bytes = b - t->lines[l];
  if (col_cps) *col_cps = stance_text_byte_to_cp(t, b) - stance_text_byte_to_cp(t, t->lines[l]);
}

size_t stance_text_line_start(const stance_text *t, uint32_t line) {
  return line <= t->nlines ? t->lines[line] : t->len;
}

size_t stance_text_line_end(const stance_text *t, uint32_t line) {
  size_t e;
  if (line >= t->nlines) return t->len;
  e = t->lines[line + 1];
  if (e > t->lines[line] && t->s[e - 1] == '\n') e--;
  if (e > t->lines[line] && t->s[e - 1] == '\r') e--;
  return e;
}
