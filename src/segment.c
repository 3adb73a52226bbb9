/*
 * segment.c - words, paragraphs and sentences of a text (see text.h).
 */
#include <stdlib.h>
#include <string.h>

#include "swar.h"
#include "text.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

/* ---- words ---------------------------------------------------------------------------- */

static int little_endian(void) {
  uint16_t x = 1;
  return *(const uint8_t *)&x == 1;
}

/* Eight bytes as a little-endian number (byte 0 lowest, whatever the machine). */
static inline uint64_t le64(const unsigned char *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* The high bit of each byte of x (bytes below 0x80 only) in [lo, hi]. */
static inline uint64_t bytes_between(uint64_t x, unsigned lo, unsigned hi) {
  uint64_t above_hi = x + STANCE_ONES * (127 - hi), from_lo = x + STANCE_ONES * (128 - lo);
  return from_lo & ~above_hi & STANCE_HIGHS;
}

static inline uint64_t upper_bytes(uint64_t x) { return bytes_between(x & ~STANCE_HIGHS, 'A', 'Z'); }

/* The high bit of each byte that is an ASCII word character (letter, digit, '_'). */
static inline uint64_t ascii_word_bytes(uint64_t x) {
  uint64_t a = x & ~STANCE_HIGHS, ascii = ~x & STANCE_HIGHS;
  return (bytes_between(a, 'a', 'z') | bytes_between(a, 'A', 'Z') | bytes_between(a, '0', '9') |
          bytes_between(a, '_', '_')) &
         ascii;
}

/* The index of the first byte whose high bit is clear in m (m not all set). */
static inline size_t first_clear(uint64_t m) {
  uint64_t c = ~m & STANCE_HIGHS;
#if defined(__GNUC__) || defined(__clang__)
  return (size_t)__builtin_ctzll(c) >> 3;
#else
  size_t k = 0;
  while (!(c & 0x80)) {
    c >>= 8;
    k++;
  }
  return k;
#endif
}

/* ASCII: 1 word character, 2 blank (space, tab, line end), 0 anything else. */
static const unsigned char ascii_class[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};

/* ASCII lowercase. */
static const unsigned char lower[128] = {
    0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,  16,  17,  18,
    19,  20,  21,  22,  23,  24,  25,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,
    38,  39,  40,  41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  52,  53,  54,  55,  56,
    57,  58,  59,  60,  61,  62,  63,  64,  'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k',
    'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 91,  92,  93,  94,
    95,  96,  97,  98,  99,  100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113,
    114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127};

long stance_tokenize(const char *s, size_t len, stance_token_cb cb, void *ud) {
  const unsigned char *u = (const unsigned char *)s;
  char small[256];
  char *buf = small;
  size_t cap = sizeof small, i = 0;
  long count = 0;
  int broken = 0;
  while (i < len) {
    size_t start, o = 0;
    int n;
    uint32_t cp;
    /* the gap before the next word */
    while (i < len) {
      if (u[i] < 0x80) {
        unsigned char c = ascii_class[u[i]];
        if (c == 1) break;
        if (c == 0) broken = 1;
        i++;
        continue;
      }
      cp = stance_utf8_decode(u + i, len - i, &n, NULL);
      if (stance_is_word_cp(cp)) break;
      /* Unicode blanks (no-break space, ideographic space...) do not break a phrase */
      if (!(cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
            cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x85))
        broken = 1;
      i += (size_t)n;
    }
    if (i >= len) break;
    start = i;
    /* the word, folded as it goes: runs of ASCII eight bytes at a time, the rest character
     * by character */
    for (;;) {
      size_t j = i;
      /* room for the run, and for an 8-byte store past it */
      for (;;) {
        if (o + 16 > cap) {
          char *nb;
          cap *= 2;
          nb = buf == small ? malloc(cap) : realloc(buf, cap);
          if (nb == NULL) {
            if (buf != small) free(buf);
            return -1;
          }
          if (buf == small) memcpy(nb, small, o);
          buf = nb;
        }
        if (j + 8 <= len) {
          uint64_t x = le64(u + j), m = ascii_word_bytes(x), lowered;
          size_t k = m == STANCE_HIGHS ? 8 : first_clear(m);
          lowered = x | ((m & upper_bytes(x)) >> 2); /* 'A'..'Z' + 0x20 */
          memcpy(buf + o, &lowered, 8);
          if (!little_endian()) {
            size_t b;
            for (b = 0; b < k; b++) buf[o + b] = (char)lower[u[j + b]];
          }
          o += k;
          j += k;
          if (k < 8) break;
          continue;
        }
        while (j < len && u[j] < 0x80 && ascii_class[u[j]] == 1 && o + 8 <= cap) buf[o++] = (char)lower[u[j++]];
        if (j < len && u[j] < 0x80 && ascii_class[u[j]] == 1) continue; /* the buffer is full */
        break;
      }
      i = j;
      if (i >= len || u[i] < 0x80) break;
      cp = stance_utf8_decode(u + i, len - i, &n, NULL);
      if (!stance_is_word_cp(cp)) break;
      o += stance_fold((const char *)u + i, (size_t)n, buf + o);
      i += (size_t)n;
    }
    count++;
    if (cb != NULL && cb(ud, start, i, buf, o, broken)) break;
    broken = 0;
  }
  if (buf != small) free(buf);
  return count;
}

/* ---- paragraphs --------------------------------------------------------------------------- */

static int blank_line(const char *s, size_t a, size_t b) {
  size_t i;
  for (i = a; i < b; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
  return 1;
}

static void trim(const char *s, size_t *a, size_t *b) {
  while (*a < *b && (s[*a] == ' ' || s[*a] == '\t' || s[*a] == '\r' || s[*a] == '\n')) (*a)++;
  while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t' || s[*b - 1] == '\r' || s[*b - 1] == '\n'))
    (*b)--;
}

/* A byte order mark (U+FEFF, EF BB BF) at the very start of a document is no text: no
 * paragraph, sentence or line starts with it (offsets stay byte offsets into the file). */
static size_t leading_bom(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  return len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF ? 3 : 0;
}

int stance_paragraphs(const char *s, size_t len, stance_span_fn cb, void *ud) {
  size_t i = leading_bom(s, len), start = 0;
  int in = 0, count = 0;
  while (i <= len) {
    const char *nl = i < len ? memchr(s + i, '\n', len - i) : NULL;
    size_t end = nl ? (size_t)(nl - s) : len;
    int blank = blank_line(s, i, end);
    if (!blank && !in) {
      start = i;
      in = 1;
    } else if (blank && in) {
      size_t a = start, b = i;
      trim(s, &a, &b);
      count++;
      if (cb(ud, a, b)) return count;
      in = 0;
    }
    if (nl == NULL) break;
    i = end + 1;
  }
  if (in) {
    size_t a = start, b = len;
    trim(s, &a, &b);
    count++;
    cb(ud, a, b);
  }
  return count;
}

/* ---- sentences ----------------------------------------------------------------------------- */

/* Never the end of a sentence: titles and other words that introduce what follows. */
static const char *const titles[] = {
    "Mr", "Mrs", "Ms", "Mx", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Col", "Lt", "Sgt",
    "Capt", "Cmdr", "Adm", "Maj", "Rev", "Hon", "Pres", "Amb", "Sec", "St", "Mt", "Ft", "No",
    "Nos", "vs", "v", "cf", "e.g", "i.e", "viz", "approx", "ca", "Fig", "fig", "Vol", "vol",
    "pp", "p", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov",
    "Dec", NULL};
/* May end a sentence, but usually do not: end it only before a clear sentence start. */
static const char *const abbreviations[] = {"Jr", "Sr", "Inc", "Ltd", "Co", "Corp", "Bros",
                                            "etc", "al", "Esq", "Ph.D", "a.m", "p.m", NULL};
/* Words that clearly start a sentence after an abbreviation or acronym. */
static const char *const starters[] = {
    "The", "A", "An", "This", "That", "These", "Those", "It", "Its", "He", "She", "We", "They",
    "I", "You", "His", "Her", "Our", "Their", "In", "On", "At", "For", "But", "And", "Yet", "So",
    "Or", "If", "When", "While", "Although", "Though", "However", "Still", "Meanwhile", "There",
    "Here", "What", "Why", "How", "Who", "Such", "Many", "Most", "Some", "Nor", "As", "After",
    "Before", "Since", "Instead", "Indeed", "Yes", "No", "Not", NULL};

/* A list of words, with what tells most words apart without reading it: the first bytes of
 * its entries (a bit per byte value) and the length of its longest. */
typedef struct word_list {
  const char *const *words;
  uint64_t firsts[4];
  size_t longest;
} word_list;

static void word_list_init(word_list *l, const char *const *words) {
  l->words = words;
  memset(l->firsts, 0, sizeof l->firsts);
  l->longest = 0;
  for (; *words; words++) {
    unsigned char c = (unsigned char)(*words)[0];
    size_t n = strlen(*words);
    l->firsts[c >> 6] |= 1ull << (c & 63);
    if (n > l->longest) l->longest = n;
  }
}

/* Whether w (n bytes) is in the list. Asked at nearly every full stop: most words are told
 * by their first byte or their length alone. */
static int in_list(const word_list *l, const char *w, size_t n) {
  const char *const *list;
  unsigned char c;
  if (n == 0 || n > l->longest) return 0;
  c = (unsigned char)w[0];
  if (!(l->firsts[c >> 6] >> (c & 63) & 1)) return 0;
  for (list = l->words; *list; list++)
    if ((*list)[0] == w[0] && strlen(*list) == n && memcmp(*list, w, n) == 0) return 1;
  return 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The length of the blank at s[i] (before `end`): ASCII white space, or a Unicode space
 * (no-break space, the spaces of U+2000 to U+200A, narrow no-break space, ideographic
 * space, line and paragraph separators, next line); 0 when there is none. A no-break space
 * after a full stop separates sentences like a space: typesetters put one after "Mr." to
 * keep it with the name, and the abbreviation rules keep those together. */
static size_t blank_at(const char *s, size_t i, size_t end) {
  const unsigned char *u = (const unsigned char *)s;
  if (i >= end) return 0;
  if (is_space(s[i])) return 1;
  if (u[i] < 0xC2) return 0;
  if (u[i] == 0xC2 && i + 1 < end) return (u[i + 1] == 0xA0 || u[i + 1] == 0x85) ? 2 : 0;
  if (i + 2 >= end) return 0;
  if (u[i] == 0xE2 && u[i + 1] == 0x80)
    return (u[i + 2] >= 0x80 && u[i + 2] <= 0x8A) || u[i + 2] == 0xA8 || u[i + 2] == 0xA9 ||
                   u[i + 2] == 0xAF
               ? 3
               : 0;
  if (u[i] == 0xE2 && u[i + 1] == 0x81 && u[i + 2] == 0x9F) return 3;
  if (u[i] == 0xE3 && u[i + 1] == 0x80 && u[i + 2] == 0x80) return 3;
  if (u[i] == 0xE1 && u[i + 1] == 0x9A && u[i + 2] == 0x80) return 3;
  return 0;
}

/* The length of the blank that ends at s[i - 1] (not before `start`), 0 when none. */
static size_t blank_before(const char *s, size_t start, size_t i) {
  size_t k;
  if (i > start && is_space(s[i - 1])) return 1;
  if (i > start && (unsigned char)s[i - 1] < 0x80) return 0; /* a longer blank ends in a byte >= 0x80 */
  for (k = 2; k <= 3; k++)
    if (i >= start + k && blank_at(s, i - k, i) == k) return k;
  return 0;
}

/* [*a, *b) without blanks at either end. */
static void trim_blanks(const char *s, size_t *a, size_t *b) {
  size_t k;
  while ((k = blank_at(s, *a, *b)) > 0) *a += k;
  while ((k = blank_before(s, *a, *b)) > 0) *b -= k;
}

/* Is the word w (n bytes, with a dot inside) an abbreviation written with dots, like
 * U.S, U.N, e.g, Ph.D or a.m: letters in groups of one or two? A domain name or an
 * address (www.example.com, 38north.org/2014/x/, bbc.co.uk) is not one: the full stop
 * after it ends a sentence like after any word. */
static int dotted_abbreviation(const char *w, size_t n) {
  size_t i, run = 0;
  for (i = 0; i < n; i++) {
    char c = w[i];
    if (c == '.') {
      if (run == 0 || run > 2) return 0;
      run = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      run++;
    } else {
      return 0;
    }
  }
  return run >= 1 && run <= 2;
}

/* A closing quote or bracket: ' " ) ] and the curly quotes ’ ” (UTF-8). Returns its length. */
static int closer_at(const char *s, size_t i, size_t end) {
  if (s[i] == '"' || s[i] == '\'' || s[i] == ')' || s[i] == ']') return 1;
  if (i + 2 < end && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
      ((unsigned char)s[i + 2] == 0x99 || (unsigned char)s[i + 2] == 0x9D))
    return 3;
  return 0;
}

/* Does the text at i begin like a sentence: an upper-case letter, a digit, or an opening
 * quote or bracket? Returns 1 and the first word's extent in *w, *wn. */
static int sentence_start(const char *s, size_t i, size_t end, const char **w, size_t *wn) {
  const unsigned char *u = (const unsigned char *)s;
  size_t j = i;
  int n;
  uint32_t cp;
  /* opening quotes and brackets */
  while (j < end) {
    if (s[j] == '"' || s[j] == '\'' || s[j] == '(' || s[j] == '[') {
      j++;
    } else if (j + 2 < end && u[j] == 0xE2 && u[j + 1] == 0x80 && (u[j + 2] == 0x98 || u[j + 2] == 0x9C)) {
      j += 3;
    } else {
      break;
    }
  }
  if (j >= end) return 0;
  cp = stance_utf8_decode(u + j, end - j, &n, NULL);
  *w = s + j;
  *wn = 0;
  while (j + *wn < end) {
    if (u[j + *wn] < 0x80) { /* ASCII: a word character by itself */
      if (!stance_is_word_cp(u[j + *wn])) break;
      (*wn)++;
      continue;
    }
    if (!stance_is_word_cp(stance_utf8_decode(u + j + *wn, end - j - *wn, &n, NULL))) break;
    *wn += (size_t)n;
  }
  if (cp >= '0' && cp <= '9') return 1;
  return stance_fold_cp(cp) != cp || j > i; /* upper case, or after an opening quote */
}

typedef struct sent_ctx {
  const char *s;
  stance_span_fn cb;
  void *ud;
  int count, stop;
  word_list titles, abbreviations, starters;
} sent_ctx;

/* Should the '.' at `dot` end the sentence, given the word before it [wa, dot) and what
 * follows? */
static int period_ends(const sent_ctx *c, size_t wa, size_t dot, const char *next, size_t next_n) {
  size_t n = dot - wa;
  const char *w = c->s + wa;
  if (n == 0) return 1;
  if (in_list(&c->titles, w, n)) return 0;
  /* an initial: one upper-case letter (J. R. Haines) */
  if (n == 1 && w[0] >= 'A' && w[0] <= 'Z') return in_list(&c->starters, next, next_n) && next_n > 1;
  if (in_list(&c->abbreviations, w, n) || (memchr(w, '.', n) != NULL && dotted_abbreviation(w, n)))
    return in_list(&c->starters, next, next_n);
  return 1;
}

static int emit(sent_ctx *c, size_t a, size_t b) {
  trim_blanks(c->s, &a, &b);
  if (a >= b) return 0;
  c->count++;
  if (c->cb(c->ud, a, b)) c->stop = 1;
  return c->stop;
}

/* Where the word ending at `term` begins, without opening quotes or brackets. */
static size_t word_before(const char *s, size_t pa, size_t term) {
  const unsigned char *u = (const unsigned char *)s;
  size_t wa = term;
  while (wa > pa && blank_before(s, pa, wa) == 0) wa--;
  for (;;) {
    if (wa < term && (s[wa] == '"' || s[wa] == '\'' || s[wa] == '(' || s[wa] == '[')) {
      wa++;
    } else if (wa + 2 < term && u[wa] == 0xE2 && u[wa + 1] == 0x80 &&
               (u[wa + 2] == 0x98 || u[wa + 2] == 0x9C)) {
      wa += 3;
    } else {
      return wa;
    }
  }
}

/* The first '.', '!' or '?' from i on (or pb): sixteen bytes at a time where SSE2 is there
 * (every x86-64), else eight. */
static size_t next_terminator(const char *s, size_t i, size_t pb) {
#if defined(__SSE2__) && defined(__GNUC__)
  const __m128i dot = _mm_set1_epi8('.'), bang = _mm_set1_epi8('!'), ask = _mm_set1_epi8('?');
  while (pb - i >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    int m = _mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, bang)), _mm_cmpeq_epi8(v, ask)));
    if (m != 0) return i + (size_t)__builtin_ctz((unsigned)m);
    i += 16;
  }
#endif
  while (pb - i >= 8) {
    uint64_t v = stance_load8(s + i);
    if (STANCE_HAS_BYTE(v, '.') | STANCE_HAS_BYTE(v, '!') | STANCE_HAS_BYTE(v, '?')) break;
    i += 8;
  }
  while (i < pb && s[i] != '.' && s[i] != '!' && s[i] != '?') i++;
  return i;
}

static int paragraph_sentences(void *ud, size_t pa, size_t pb) {
  sent_ctx *c = ud;
  const char *s = c->s;
  size_t i = pa, start = pa;
  while (i < pb) {
    size_t term = i, tend, after, j;
    const char *next;
    size_t next_n;
    if (s[i] != '.' && s[i] != '!' && s[i] != '?') {
      i = next_terminator(s, i, pb);
      continue;
    }
    /* the run of terminators (?!, ...), then closing quotes and brackets */
    tend = term;
    while (tend < pb && (s[tend] == '.' || s[tend] == '!' || s[tend] == '?')) tend++;
    after = tend;
    for (;;) {
      int k = after < pb ? closer_at(s, after, pb) : 0;
      if (k == 0) break;
      after += (size_t)k;
    }
    i = after;
    /* only before a blank (4.2, U.S.A and e.g. inside a word are not ends) */
    if (after < pb && blank_at(s, after, pb) == 0) continue;
    j = after;
    while (j < pb) {
      size_t k = blank_at(s, j, pb);
      if (k == 0) break;
      j += k;
    }
    if (j >= pb) break; /* the paragraph's end is a sentence end anyway */
    if (!sentence_start(s, j, pb, &next, &next_n)) continue;
    if (s[term] == '.' && tend - term > 1) {
      /* an ellipsis ends a sentence only before a clear start */
      if (!in_list(&c->starters, next, next_n)) continue;
    } else if (s[term] == '.' && tend - term == 1) {
      if (!period_ends(c, word_before(s, pa, term), term, next, next_n)) continue;
    }
    if (emit(c, start, after)) return 1;
    start = after;
  }
  return emit(c, start, pb);
}

int stance_lines(const char *s, size_t len, stance_span_fn cb, void *ud) {
  sent_ctx c;
  size_t a = 0;
  memset(&c, 0, sizeof c);
  c.s = s;
  c.cb = cb;
  c.ud = ud;
  a = leading_bom(s, len);
  while (a < len && !c.stop) {
    const char *nl = memchr(s + a, '\n', len - a);
    size_t b = nl ? (size_t)(nl - s) : len;
    emit(&c, a, b); /* trimmed of its blanks ("\r" too); a blank line is no unit */
    a = b + 1;
  }
  return c.count;
}

int stance_units(const char *s, size_t len, int unit, stance_span_fn cb, void *ud) {
  return unit == STANCE_UNIT_LINE ? stance_lines(s, len, cb, ud) : stance_sentences(s, len, cb, ud);
}

int stance_sentences(const char *s, size_t len, stance_span_fn cb, void *ud) {
  sent_ctx c;
  c.s = s;
  c.cb = cb;
  c.ud = ud;
  c.count = 0;
  c.stop = 0;
  word_list_init(&c.titles, titles);
  word_list_init(&c.abbreviations, abbreviations);
  word_list_init(&c.starters, starters);
  stance_paragraphs(s, len, paragraph_sentences, &c);
  return c.count;
}
