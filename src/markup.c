/*
 * markup.c - the line reader of the annotation markup (see markup.h and doc/format.md).
 *
 * Every rule here mirrors one in grammars/tree-sitter-stance/grammar.js:
 *   line end    [ \t]*\r?\n, or the end of the input
 *   record      [a-z][a-z0-9_-]* at column 1, then ([ \t]+ value)*
 *   attribute   [ \t]+ [a-z][a-z0-9_-]* ([ \t]+ value)*, inside a record
 *   text        [ \t]+ '|' text, inside a record (trailing blanks are not text)
 *   comment     [ \t]* '#' [^\r\n]*
 *   value       word [^ \t\r\n"]+ | string "..." with \" \\ \n \r \t \xHH \u{H..}
 * A NUL byte is never valid (tree-sitter reads it as the end of input); bytes that are not
 * UTF-8 are accepted like any other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "markup.h"
#include "swar.h"
#include "text.h"

typedef struct parser {
  const stance_markup_handler *h;
  stance_value *values;
  uint32_t nvalues, cap;
  char *scratch;                /* decoded strings of the current line */
  size_t scratch_cap, scratch_used;
  uint32_t line;
  enum { OUTSIDE, INSIDE, BROKEN } record;
  stance_problem_scope scope;   /* of the line being read */
  const char *next_cr;          /* the first "\r" not before the line being read, or `end` */
  const char *end;
} parser;

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Bytes that end a run of plain string characters, and a word. */
static const unsigned char string_stop[256] = {
    [0] = 1, ['"'] = 1, ['\\'] = 1, ['\r'] = 1};
static const unsigned char word_stop[256] = {
    [0] = 1, [' '] = 1, ['\t'] = 1, ['"'] = 1, ['\r'] = 1};

/* The first byte from s on that ends a run of plain string characters, or `end` (the end of
 * the line: "\n", "\r" or the end of the input `limit`, which bounds what is read): 16 or 8
 * bytes at a time, strings being most of an annotation file. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline const char *plain_run(const char *s, const char *end, const char *limit) {
#if defined(__SSE2__) && defined(__GNUC__)
  const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), cr = _mm_set1_epi8('\r'),
                nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
  while (limit - s >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    int m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)),
                                           _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, nl)),
                                                        _mm_cmpeq_epi8(v, zero))));
    if (m != 0) {
      s += __builtin_ctz((unsigned)m);
      return s < end ? s : end;
    }
    s += 16;
  }
#endif
  while (limit - s >= 8) {
    uint64_t v = stance_load8(s), m;
    m = STANCE_HAS_ZERO(v) | STANCE_HAS_BYTE(v, '"') | STANCE_HAS_BYTE(v, '\\') | STANCE_HAS_BYTE(v, '\r') |
        STANCE_HAS_BYTE(v, '\n');
    if (m != 0) {
      int at = stance_first_set(m);
      if (at < 0) break;
      s += at;
      return s < end ? s : end;
    }
    s += 8;
  }
  while (s < end && !string_stop[(unsigned char)*s]) s++;
  return s;
}

/* The first byte from s on that ends a word, or `end` (as above). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline const char *word_end(const char *s, const char *end, const char *limit) {
#if defined(__SSE2__) && defined(__GNUC__)
  const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), quote = _mm_set1_epi8('"'),
                cr = _mm_set1_epi8('\r'), nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
  while (limit - s >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    int m = _mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, tab)), _mm_cmpeq_epi8(v, quote)),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, nl)), _mm_cmpeq_epi8(v, zero))));
    if (m != 0) {
      s += __builtin_ctz((unsigned)m);
      return s < end ? s : end;
    }
    s += 16;
  }
#endif
  while (limit - s >= 8) {
    uint64_t v = stance_load8(s), m;
    m = STANCE_HAS_ZERO(v) | STANCE_HAS_BYTE(v, ' ') | STANCE_HAS_BYTE(v, '\t') | STANCE_HAS_BYTE(v, '"') |
        STANCE_HAS_BYTE(v, '\r') | STANCE_HAS_BYTE(v, '\n');
    if (m != 0) {
      int at = stance_first_set(m);
      if (at < 0) break;
      s += at;
      return s < end ? s : end;
    }
    s += 8;
  }
  while (s < end && !word_stop[(unsigned char)*s]) s++;
  return s;
}

/* The next "\n" from s on, or NULL: inline, lines being short (a call to memchr costs more
 * than the search itself). */
static const char *line_end(const char *s, const char *end) {
#if defined(__SSE2__) && defined(__GNUC__)
  const __m128i nl = _mm_set1_epi8('\n');
  while (end - s >= 16) {
    int m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), nl));
    if (m != 0) return s + __builtin_ctz((unsigned)m);
    s += 16;
  }
#endif
  return memchr(s, '\n', (size_t)(end - s));
}

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
/* [a-z0-9_-]: the bytes of a keyword or a key after its first letter */
static const unsigned char name_char[256] = {
    ['-'] = 1, ['_'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
    ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1};
static int is_name_char(char c) { return name_char[(unsigned char)c]; }

/* The first byte from s on (before end) that is not [a-z0-9_-]: eight lowercase letters at
 * a time (no carry between bytes: their high bits are cleared before adding), then byte by
 * byte from the first byte that is not a lowercase letter. */
static inline const char *name_end(const char *s, const char *end) {
  while (end - s >= 8) {
    uint64_t v = stance_load8(s), low = v & ~STANCE_HIGHS;
    uint64_t lower = (low + STANCE_ONES * (0x80 - 'a')) & ~(low + STANCE_ONES * (0x80 - 'z' - 1)) & ~v & STANCE_HIGHS;
    uint64_t other = ~lower & STANCE_HIGHS;
    int at;
    if (other == 0) {
      s += 8;
      continue;
    }
    if ((at = stance_first_set(other)) > 0) s += at;
    break;
  }
  while (s < end && is_name_char(*s)) s++;
  return s;
}
static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static unsigned hex_value(char c) {
  if (c <= '9') return (unsigned)(c - '0');
  if (c >= 'a') return (unsigned)(c - 'a' + 10);
  return (unsigned)(c - 'A' + 10);
}

static void problem(parser *p, stance_problem_kind kind, size_t col0, const char *fmt,
                    const char *arg) {
  char msg[192];
  if (p->h->problem == NULL) return;
  snprintf(msg, sizeof msg, fmt, arg);
  p->h->problem(p->h->ud, kind, p->scope, p->line, (uint32_t)col0 + 1, msg);
}

static void syntax(parser *p, size_t col0, const char *fmt, const char *arg) {
  problem(p, STANCE_PROBLEM_SYNTAX, col0, fmt, arg);
}

/* A printable rendering of the byte at s, for messages. */
static const char *show(char c, char *buf) {
  if (c == '"') return "'\"'";
  if ((unsigned char)c < 0x20 || c == 0x7f) {
    snprintf(buf, 8, "0x%02x", (unsigned)(unsigned char)c);
  } else if ((unsigned char)c >= 0x80) {
    snprintf(buf, 8, "0x%02x", (unsigned)(unsigned char)c);
  } else {
    snprintf(buf, 8, "'%c'", c);
  }
  return buf;
}

size_t stance_markup_unescape(const char *s, size_t len, char *out, int *bad_cp) {
  size_t i = 0, o = 0;
  while (i < len) {
    const char *bs = memchr(s + i, '\\', len - i);
    size_t run = bs ? (size_t)(bs - (s + i)) : len - i;
    memcpy(out + o, s + i, run);
    o += run;
    i += run;
    if (i >= len) break;
    i++; /* the backslash; the escape was validated by the reader */
    switch (s[i]) {
      case 'n': out[o++] = '\n'; i++; break;
      case 'r': out[o++] = '\r'; i++; break;
      case 't': out[o++] = '\t'; i++; break;
      case 'x':
        if (i + 2 >= len) return o;
        out[o++] = (char)(hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]));
        i += 3;
        break;
      case 'u': {
        unsigned cp = 0;
        i += 2; /* u{ */
        while (i < len && s[i] != '}') cp = (cp << 4 | hex_value(s[i++])) & 0xFFFFFFF;
        i++;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          cp = 0xFFFD;
          if (bad_cp) *bad_cp = 1;
        }
        o += stance_utf8_encode(cp, out + o);
        break;
      }
      default: out[o++] = s[i++]; break; /* \" and \\ */
    }
  }
  return o;
}

/* Length of a valid escape at s[0] == '\\', or 0. */
static size_t escape_len(const char *s, const char *end) {
  if (s + 1 >= end) return 0;
  switch (s[1]) {
    case '"': case '\\': case 'n': case 'r': case 't': return 2;
    case 'x': return (s + 3 < end && is_hex(s[2]) && is_hex(s[3])) ? 4 : 0;
    case 'u': {
      const char *q = s + 3;
      if (s + 2 >= end || s[2] != '{') return 0;
      while (q < end && is_hex(*q) && q - (s + 3) < 6) q++;
      if (q == s + 3 || q >= end || *q != '}') return 0;
      return (size_t)(q + 1 - s);
    }
    default: return 0;
  }
}

static int grow_values(parser *p) {
  uint32_t cap = p->cap ? p->cap * 2 : 16;
  stance_value *v = cap > p->cap ? realloc(p->values, cap * sizeof *v) : NULL;
  if (v == NULL) return -1;
  p->values = v;
  p->cap = cap;
  return 0;
}

static inline int push_value(parser *p, const char *text, size_t len, size_t col0,
                             stance_value_kind kind) {
  if (p->nvalues == p->cap && grow_values(p) != 0) return -1;
  p->values[p->nvalues].text = text;
  p->values[p->nvalues].len = (uint32_t)len;
  p->values[p->nvalues].col = (uint32_t)col0 + 1;
  p->values[p->nvalues].kind = kind;
  p->values[p->nvalues].decoded = 0;
  p->nvalues++;
  return 0;
}

/* Read `([ \t]+ value)* [ \t]*` from s to end. 1 if the line is well formed, 0 after a
 * syntax problem, -1 when out of memory. */
static int read_values(parser *p, const char *line, const char *s, const char *end) {
  char buf[8];
  p->nvalues = 0;
  while (s < end) {
    const char *v;
    if (!is_blank(*s)) {
      if (*s == '\0')
        syntax(p, (size_t)(s - line), "a NUL byte is not allowed here", NULL);
      else
        syntax(p, (size_t)(s - line), "unexpected %s: separate values with a space",
               show(*s, buf));
      return 0;
    }
    while (s < end && is_blank(*s)) s++;
    if (s == end) break;
    v = s;
    if (*s == '"') {
      int escapes = 0;
      s++;
      for (;;) {
        s = plain_run(s, end, p->end);
        if (s == end || *s == '\r') {
          syntax(p, (size_t)(v - line), "unterminated string (a string ends on its line)",
                 NULL);
          return 0;
        }
        if (*s == '\0') {
          syntax(p, (size_t)(s - line), "a NUL byte is not allowed here (write \\x00)", NULL);
          return 0;
        }
        if (*s == '"') break;
        {
          size_t n = escape_len(s, end);
          if (n == 0) {
            char esc[3] = {'\\', s + 1 < end ? s[1] : ' ', '\0'};
            syntax(p, (size_t)(s - line),
                   "unknown escape %s (use \\\\, \\\", \\n, \\r, \\t, \\xHH or \\u{HHHH})",
                   esc);
            return 0;
          }
          escapes = 1;
          s += n;
        }
      }
      /* s is at the closing quote */
      if (!escapes) {
        if (push_value(p, v + 1, (size_t)(s - v - 1), (size_t)(v - line), STANCE_VALUE_STRING))
          return -1;
      } else {
        int bad = 0;
        char *out = p->scratch + p->scratch_used;
        size_t n = stance_markup_unescape(v + 1, (size_t)(s - v - 1), out, &bad);
        p->scratch_used += n;
        if (bad)
          problem(p, STANCE_PROBLEM_VALUE, (size_t)(v - line),
                  "invalid code point in \\u{...} (replaced by U+FFFD)", NULL);
        if (push_value(p, out, n, (size_t)(v - line), STANCE_VALUE_STRING)) return -1;
        p->values[p->nvalues - 1].decoded = 1;
      }
      s++;
    } else {
      s = word_end(s, end, p->end);
      if (push_value(p, v, (size_t)(s - v), (size_t)(v - line), STANCE_VALUE_WORD)) return -1;
    }
  }
  return 1;
}

/* read_values() for the line most lines are, one space and one value to the end of the line
 * (a word, or a string without escapes): 1 when the line is that (its value pushed), 0 when
 * read_values() is to read it (anything else, every problem included), -1 when out of memory. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int one_value(parser *p, const char *line, const char *s, const char *end) {
  const char *q;
  p->nvalues = 0;
  if (end - s < 2 || s[0] != ' ') return 0;
  if (s[1] == '"') {
    q = plain_run(s + 2, end, p->end);
    if (q + 1 != end || *q != '"') return 0;
    return push_value(p, s + 2, (size_t)(q - s - 2), (size_t)(s + 1 - line), STANCE_VALUE_STRING) ? -1 : 1;
  }
  if (word_stop[(unsigned char)s[1]]) return 0;
  q = word_end(s + 1, end, p->end);
  if (q != end) return 0;
  return push_value(p, s + 1, (size_t)(q - s - 1), (size_t)(s + 1 - line), STANCE_VALUE_WORD) ? -1 : 1;
}

static int emit(parser *p, stance_line *l) {
  l->line = p->line;
  l->values = p->values;
  l->nvalues = p->nvalues;
  return p->h->line ? p->h->line(p->h->ud, l) : 0;
}

/* A line git writes around a merge conflict, at column 1: seven '<', '|', '=' or '>', then
 * the end of the line or a space (and a label). */
#define CONFLICT_MESSAGE                                                                         \
  "unresolved git merge conflict: run `stance init --git` so the merge driver is registered, "   \
  "then `git merge --abort` and merge again (or resolve by hand)"
static int is_conflict_marker(const char *s, const char *end) {
  int i;
  char c = *s;
  if (end - s < 7 || (c != '<' && c != '|' && c != '=' && c != '>')) return 0;
  for (i = 1; i < 7; i++)
    if (s[i] != c) return 0;
  return end - s == 7 || s[7] == ' ';
}

/* One line, without its end ("\n" or "\r\n"). */
static int parse_line(parser *p, const char *line, const char *end) {
  stance_line l;
  const char *s = line, *name;
  char buf[8];
  int rc;
  memset(&l, 0, sizeof l);
  p->nvalues = 0;
  p->scratch_used = 0;
  /* next_cr is p->end when the input has no "\r" past the line being read: one compare per
   * line (the lines of a file written with "\r\n" ends see theirs, each, once) */
  if (p->next_cr < line) { /* one search for the next, not one per line */
    p->next_cr = memchr(line, '\r', (size_t)(p->end - line));
    if (p->next_cr == NULL) p->next_cr = p->end;
  }
  if (p->next_cr < end) {
    /* Only the \r of a \r\n line end is allowed, and that one is gone already. */
    const char *cr = p->next_cr;
    {
      const char *q = line;
      while (q < cr && is_blank(*q)) q++;
      if (q == line && *q != '#')
        p->scope = STANCE_SCOPE_HEADER;
      else if (q > line && q < cr && *q != '#' && p->record == INSIDE)
        p->scope = STANCE_SCOPE_INSIDE;
      else
        p->scope = STANCE_SCOPE_OUTSIDE;
      syntax(p, (size_t)(cr - line), "a carriage return must be followed by a newline", NULL);
      if (q == line)
        p->record = *q == '#' ? OUTSIDE : BROKEN;
      else if (q < cr && *q != '#' && p->record == INSIDE)
        p->record = BROKEN;
      return 0;
    }
  }
  if (end - s >= 2 && s[0] == ' ' && s[1] == ' ') s += 2; /* an attribute's indent, at once */
  while (s < end && is_blank(*s)) s++;
  p->scope = STANCE_SCOPE_OUTSIDE;
  if (s == end) { /* blank line: ends a record */
    p->record = OUTSIDE;
    l.kind = STANCE_LINE_BLANK;
    return emit(p, &l);
  }
  if (*s == '#') {
    const char *nul = memchr(s, '\0', (size_t)(end - s));
    if (s == line) p->record = OUTSIDE; /* a comment at column 1 ends a record */
    if (nul != NULL) {
      syntax(p, (size_t)(nul - line), "a NUL byte is not allowed here", NULL);
      return 0;
    }
    l.kind = STANCE_LINE_COMMENT;
    l.col = (uint32_t)(s - line) + 1;
    l.name = s + 1;
    l.name_len = (uint32_t)(end - s - 1);
    l.in_record = p->record == INSIDE && s > line;
    if (p->record == BROKEN && s > line) return 0;
    return emit(p, &l);
  }
  if (s == line) { /* a record's header */
    p->scope = STANCE_SCOPE_HEADER;
    if (is_conflict_marker(s, end)) {
      p->record = BROKEN;
      syntax(p, 0, CONFLICT_MESSAGE, NULL);
      return 0;
    }
    if (!is_lower(*s)) {
      p->record = BROKEN;
      if (*s == '\0')
        syntax(p, 0, "a NUL byte is not allowed here", NULL);
      else
        syntax(p, 0, "unexpected %s: a record starts with a lowercase keyword at column 1",
               show(*s, buf));
      return 0;
    }
    name = s;
    s = name_end(s, end);
    l.kind = STANCE_LINE_RECORD;
    l.col = 1;
    l.name = name;
    l.name_len = (uint32_t)(s - name);
    rc = one_value(p, line, s, end);
    if (rc == 0) rc = read_values(p, line, s, end);
    if (rc < 0) return -1;
    if (rc == 0) {
      p->record = BROKEN;
      return 0;
    }
    p->record = INSIDE;
    return emit(p, &l);
  }
  /* An indented line: an attribute or a text line of the record above. */
  if (p->record == BROKEN) return 0;
  if (p->record == INSIDE) p->scope = STANCE_SCOPE_INSIDE;
  if (p->record == OUTSIDE) {
    syntax(p, (size_t)(s - line),
           "indented line outside a record (a blank line or a comment at column 1 ends a "
           "record)",
           NULL);
    return 0;
  }
  if (*s == '|') {
    const char *t = s + 1, *e = end, *nul;
    while (e > t && is_blank(e[-1])) e--;
    nul = memchr(t, '\0', (size_t)(e - t));
    if (nul != NULL) {
      syntax(p, (size_t)(nul - line), "a NUL byte is not allowed here", NULL);
      p->record = BROKEN;
      return 0;
    }
    l.kind = STANCE_LINE_TEXT;
    l.col = (uint32_t)(s - line) + 1;
    l.name = t;
    l.name_len = (uint32_t)(e - t);
    return emit(p, &l);
  }
  if (!is_lower(*s)) {
    p->record = BROKEN;
    if (*s == '\0')
      syntax(p, (size_t)(s - line), "a NUL byte is not allowed here", NULL);
    else
      syntax(p, (size_t)(s - line),
             "unexpected %s: an attribute name starts with a lowercase letter",
             show(*s, buf));
    return 0;
  }
  name = s;
  s = name_end(s, end);
  l.kind = STANCE_LINE_ATTRIBUTE;
  l.col = (uint32_t)(name - line) + 1;
  l.name = name;
  l.name_len = (uint32_t)(s - name);
  rc = one_value(p, line, s, end);
  if (rc == 0) rc = read_values(p, line, s, end);
  if (rc < 0) return -1;
  if (rc == 0) {
    p->record = BROKEN;
    return 0;
  }
  return emit(p, &l);
}

int stance_markup_parse(const char *buf, size_t len, const stance_markup_handler *h) {
  return stance_markup_parse_from(buf, len, 1, h, NULL);
}

int stance_markup_parse_from(const char *buf, size_t len, uint32_t first_line,
                             const stance_markup_handler *h, uint32_t *last_line) {
  parser p;
  const char *s = buf, *end = buf + len;
  int rc = 0;
  memset(&p, 0, sizeof p);
  p.h = h;
  p.record = OUTSIDE;
  p.line = first_line - 1;
  /* A byte order mark is skipped, as tree-sitter and Vim do. */
  if (first_line == 1 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) s += 3;
  p.end = end;
  p.next_cr = memchr(s, '\r', (size_t)(end - s));
  if (p.next_cr == NULL) p.next_cr = end;
  while (s < end && rc == 0) {
    const char *nl = line_end(s, end);
    const char *e = nl ? nl : end;
    size_t n;
    p.line++;
    if (nl != NULL && e > s && e[-1] == '\r') e--;
    n = (size_t)(e - s);
    /* Decoded strings are never longer than their source: one line's worth suffices. */
    if (n > p.scratch_cap) {
      size_t cap = p.scratch_cap ? p.scratch_cap : 256;
      char *sc;
      while (cap < n) cap *= 2;
      sc = realloc(p.scratch, cap);
      if (sc == NULL) {
        rc = -1;
        break;
      }
      p.scratch = sc;
      p.scratch_cap = cap;
    }
    rc = parse_line(&p, s, e);
    s = nl ? nl + 1 : end;
  }
  free(p.values);
  free(p.scratch);
  if (last_line) *last_line = p.line;
  return rc;
}

int stance_utf8_valid_at(const unsigned char *s, size_t len) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return (len >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (len < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;      /* overlong */
    if (c == 0xED && s[1] >= 0xA0) return 0;     /* surrogates */
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (len < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;      /* overlong */
    if (c == 0xF4 && s[1] >= 0x90) return 0;     /* above U+10FFFF */
    return 4;
  }
  return 0;
}

/* 0: copied as is; 1: needs an escape; 2: first byte of a multi-byte sequence. */
static const unsigned char quote_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};

size_t stance_markup_quote(const char *s, size_t len, char *out) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, o = 0;
  out[o++] = '"';
  while (i < len) {
    size_t run = i;
    unsigned char c;
    while (run < len && quote_class[u[run]] == 0) run++;
    memcpy(out + o, u + i, run - i);
    o += run - i;
    i = run;
    if (i >= len) break;
    c = u[i];
    if (quote_class[c] == 2) {
      int n = stance_utf8_valid_at(u + i, len - i);
      if (n > 0) {
        memcpy(out + o, u + i, (size_t)n);
        o += (size_t)n;
        i += (size_t)n;
        continue;
      }
    }
    out[o++] = '\\';
    switch (c) {
      case '"': out[o++] = '"'; break;
      case '\\': out[o++] = '\\'; break;
      case '\n': out[o++] = 'n'; break;
      case '\r': out[o++] = 'r'; break;
      case '\t': out[o++] = 't'; break;
      default:
        out[o++] = 'x';
        out[o++] = hex[c >> 4];
        out[o++] = hex[c & 15];
    }
    i++;
  }
  out[o++] = '"';
  return o;
}

int stance_markup_is_word(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  if (len == 0) return 0;
  while (i < len) {
    unsigned char c = u[i];
    if (c <= 0x20 || c == '"' || c == 0x7f) return 0;
    if (c < 0x80) {
      i++;
    } else {
      int n = stance_utf8_valid_at(u + i, len - i);
      if (n == 0) return 0;
      i += (size_t)n;
    }
  }
  return 1;
}
