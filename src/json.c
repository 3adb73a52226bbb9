/*
 * json.c - a strict JSON reader and the pieces of a deterministic writer (see json.h).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct reader {
  const unsigned char *s;
  size_t len, pos;
  int max_depth;
  const stance_json_sink *sink;
  void *ud;
  stance_buf *scratch;
  stance_json_error *err;
} reader;

static int fail(reader *r, size_t offset, const char *fmt, const char *arg) {
  snprintf(r->err->message, sizeof r->err->message, fmt, arg);
  r->err->offset = offset;
  return -1;
}

/* The text of `n` bytes at `p` for a message: at most 40 of them, "..." when cut. */
static const char *shown(char *out, size_t cap, const unsigned char *p, size_t n) {
  size_t k = n > 40 ? 40 : n;
  if (k + 4 > cap) k = cap - 4;
  memcpy(out, p, k);
  strcpy(out + k, n > k ? "..." : "");
  return out;
}

static void ws(reader *r) {
  while (r->pos < r->len) {
    unsigned char c = r->s[r->pos];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    r->pos++;
  }
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Four hex digits at p (p + 4 <= end), or -1. */
static long hex4(const unsigned char *p, const unsigned char *end) {
  long v = 0;
  int i, d;
  if (end - p < 4) return -1;
  for (i = 0; i < 4; i++) {
    d = hexval(p[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static void put_utf8(stance_buf *b, unsigned long cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | cp >> 6);
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | cp >> 12);
    u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | cp >> 18);
    u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  stance_buf_add(b, u, n);
}

/* The length of the well-formed UTF-8 sequence at p (p < end, *p >= 0x80), 0 when it is
 * not one, or -1 when the text ends inside it. */
static int utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned char c = p[0], lo = 0x80, hi = 0xBF;
  int n, i;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;      /* overlong */
    if (c == 0xED) hi = 0x9F;      /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;      /* overlong */
    if (c == 0xF4) hi = 0x8F;      /* past U+10FFFF */
  } else {
    return 0;
  }
  for (i = 1; i < n; i++) {
    if (p + i >= end) return -1;
    if (p[i] < lo || p[i] > hi) return 0;
    lo = 0x80;
    hi = 0xBF;
  }
  return n;
}

/* The string whose opening quote is at r->pos, decoded into r->scratch. */
static int string(reader *r) {
  const unsigned char *s = r->s, *end = r->s + r->len, *p = s + r->pos + 1, *run = p;
  size_t open = r->pos;
  stance_buf *b = r->scratch;
  b->len = 0;
  for (;;) {
    unsigned char c;
    /* plain printable ASCII */
    while (p < end && *p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') p++;
    if (p >= end) return fail(r, open, "%sunterminated string", "");
    c = *p;
    if (c >= 0x80) {
      int n = utf8_seq(p, end);
      if (n < 0) return fail(r, open, "%sunterminated string", "");
      if (n == 0) return fail(r, (size_t)(p - s), "%sinvalid UTF-8 in a string", "");
      p += n;
      continue;
    }
    stance_buf_add(b, (const char *)run, (size_t)(p - run));
    if (c == '"') {
      r->pos = (size_t)(p - s) + 1;
      return b->oom ? fail(r, open, "%sout of memory", "") : 0;
    }
    if (c != '\\') return fail(r, (size_t)(p - s), "%scontrol character in string", "");
    if (p + 1 >= end) return fail(r, (size_t)(p - s), "bad escape \\%s", "");
    switch (p[1]) {
    case 'b': stance_buf_addc(b, '\b'); break;
    case 'f': stance_buf_addc(b, '\f'); break;
    case 'n': stance_buf_addc(b, '\n'); break;
    case 'r': stance_buf_addc(b, '\r'); break;
    case 't': stance_buf_addc(b, '\t'); break;
    case '"': stance_buf_addc(b, '"'); break;
    case '\\': stance_buf_addc(b, '\\'); break;
    case '/': stance_buf_addc(b, '/'); break;
    case 'u': {
      long cp = hex4(p + 2, end), low;
      if (cp < 0) return fail(r, (size_t)(p - s), "%sbad \\u escape", "");
      if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(r, (size_t)(p - s), "%slone surrogate", "");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        low = end - (p + 6) >= 2 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8, end) : -1;
        if (low < 0xDC00 || low > 0xDFFF) return fail(r, (size_t)(p - s), "%slone surrogate", "");
        put_utf8(b, 0x10000 + ((unsigned long)cp - 0xD800) * 0x400 + ((unsigned long)low - 0xDC00));
        p += 6;
      } else {
        put_utf8(b, (unsigned long)cp);
      }
      p += 4;
      break;
    }
    default: {
      char e[2];
      e[0] = (char)p[1];
      e[1] = '\0';
      return fail(r, (size_t)(p - s), "bad escape \\%s", e);
    }
    }
    p += 2;
    run = p;
  }
}

/* A number as the pattern -?%d+%.?%d*[eE]?[-+]?%d* finds it at r->pos, read as Lua's
 * tonumber reads it; 1 when there is none there (not a number at all). */
static int number(reader *r, stance_json_scalar *v) {
  const unsigned char *s = r->s + r->pos, *end = r->s + r->len, *p = s, *digits;
  size_t n;
  char shown_num[48], *text, *stop;
  int is_int, neg = 0;
  if (p < end && *p == '-') {
    neg = 1;
    p++;
  }
  digits = p;
  while (p < end && *p >= '0' && *p <= '9') p++;
  if (p == digits) return 1;
  is_int = 1;
  if (p < end && *p == '.') {
    p++;
    is_int = 0;
  }
  while (p < end && *p >= '0' && *p <= '9') p++;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    is_int = 0;
  }
  if (p < end && (*p == '-' || *p == '+')) {
    p++;
    is_int = 0;
  }
  while (p < end && *p >= '0' && *p <= '9') p++;
  n = (size_t)(p - s);
  /* a leading zero, but for 0.5, 0e1 */
  if (digits[0] == '0' && digits + 1 < p && digits[1] >= '0' && digits[1] <= '9')
    return fail(r, r->pos, "bad number %s", shown(shown_num, sizeof shown_num, s, n));
  if (is_int) {
    /* as Lua: an integer when it fits, else a float */
    unsigned long long a = 0, lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
    const unsigned char *q;
    for (q = digits; q < p; q++) {
      unsigned d = (unsigned)(*q - '0');
      if (a > (lim - d) / 10) break;
      a = a * 10 + d;
    }
    if (q == p) {
      v->type = STANCE_JSON_INTEGER;
      v->integer = neg ? (a == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)a) : (long long)a;
      v->number = (double)v->integer;
      r->pos += n;
      return 0;
    }
  }
  r->scratch->len = 0;
  text = stance_buf_reserve(r->scratch, n);
  if (text == NULL) return fail(r, r->pos, "%sout of memory", "");
  memcpy(text, s, n);
  text[n] = '\0';
  errno = 0;
  v->number = strtod(text, &stop);
  if (stop != text + n) return fail(r, r->pos, "bad number %s", shown(shown_num, sizeof shown_num, s, n));
  if (isnan(v->number) || isinf(v->number))
    return fail(r, r->pos, "number out of range %s", shown(shown_num, sizeof shown_num, s, n));
  v->type = STANCE_JSON_FLOAT;
  r->pos += n;
  return 0;
}

static int value(reader *r, int depth);

static int array(reader *r, int depth) {
  const stance_json_sink *k = r->sink;
  if (k->open(r->ud, 0, r->pos, r->err)) return -1;
  r->pos++;
  ws(r);
  if (r->pos < r->len && r->s[r->pos] == ']') {
    r->pos++;
    return k->close(r->ud, 0, r->err);
  }
  for (;;) {
    unsigned char c;
    if (value(r, depth + 1)) return -1;
    ws(r);
    if (r->pos >= r->len) return fail(r, r->pos, "%sexpected ',' or ']'", "");
    c = r->s[r->pos++];
    if (c == ']') return k->close(r->ud, 0, r->err);
    if (c != ',') return fail(r, r->pos - 1, "%sexpected ',' or ']'", "");
  }
}

static int object(reader *r, int depth) {
  const stance_json_sink *k = r->sink;
  if (k->open(r->ud, 1, r->pos, r->err)) return -1;
  r->pos++;
  ws(r);
  if (r->pos < r->len && r->s[r->pos] == '}') {
    r->pos++;
    return k->close(r->ud, 1, r->err);
  }
  for (;;) {
    unsigned char c;
    size_t at;
    ws(r);
    if (r->pos >= r->len || r->s[r->pos] != '"') return fail(r, r->pos, "%sexpected a string key", "");
    at = r->pos;
    if (string(r)) return -1;
    if (k->key(r->ud, r->scratch->data ? r->scratch->data : "", r->scratch->len, at, r->err)) return -1;
    ws(r);
    if (r->pos >= r->len || r->s[r->pos] != ':') return fail(r, r->pos, "%sexpected ':'", "");
    r->pos++;
    if (value(r, depth + 1)) return -1;
    ws(r);
    if (r->pos >= r->len) return fail(r, r->pos, "%sexpected ',' or '}'", "");
    c = r->s[r->pos++];
    if (c == '}') return k->close(r->ud, 1, r->err);
    if (c != ',') return fail(r, r->pos - 1, "%sexpected ',' or '}'", "");
  }
}

static int literal(reader *r, const char *word, stance_json_type t) {
  size_t n = strlen(word);
  stance_json_scalar v;
  if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0) return 1;
  memset(&v, 0, sizeof v);
  v.type = t;
  if (r->sink->scalar(r->ud, &v, r->pos, r->err)) return -1;
  r->pos += n;
  return 0;
}

static int value(reader *r, int depth) {
  unsigned char c;
  stance_json_scalar v;
  size_t at;
  int rc;
  if (depth > r->max_depth) return fail(r, r->pos, "%snesting too deep", "");
  ws(r);
  if (r->pos >= r->len) return fail(r, r->pos, "%sunexpected end of input", "");
  c = r->s[r->pos];
  if (c == '{') return object(r, depth);
  if (c == '[') return array(r, depth);
  at = r->pos;
  memset(&v, 0, sizeof v);
  if (c == '"') {
    if (string(r)) return -1;
    v.type = STANCE_JSON_STRING;
    v.str = r->scratch->data ? r->scratch->data : "";
    v.len = r->scratch->len;
    return r->sink->scalar(r->ud, &v, at, r->err);
  }
  if ((rc = literal(r, "true", STANCE_JSON_TRUE)) <= 0) return rc;
  if ((rc = literal(r, "false", STANCE_JSON_FALSE)) <= 0) return rc;
  if ((rc = literal(r, "null", STANCE_JSON_NULL)) <= 0) return rc;
  rc = number(r, &v);
  if (rc == 0) return r->sink->scalar(r->ud, &v, at, r->err);
  if (rc < 0) return -1;
  {
    char ch[2];
    ch[0] = (char)c;
    ch[1] = '\0';
    return fail(r, r->pos, "unexpected character '%s'", ch);
  }
}

int stance_json_read(const char *s, size_t len, int max_depth, const stance_json_sink *sink, void *ud,
                     stance_buf *scratch, stance_json_error *err) {
  reader r;
  r.s = (const unsigned char *)s;
  r.len = len;
  r.pos = 0;
  r.max_depth = max_depth;
  r.sink = sink;
  r.ud = ud;
  r.scratch = scratch;
  r.err = err;
  err->message[0] = '\0';
  err->offset = 0;
  if (value(&r, 0)) return -1;
  ws(&r);
  if (r.pos < len) return fail(&r, r.pos, "%strailing characters", "");
  return 0;
}

size_t stance_json_put_string(stance_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
  size_t invalid = 0;
  stance_buf_addc(b, '"');
  while (p < end) {
    unsigned char c = *p;
    const char *e = NULL;
    char u[6];
    if (c >= 0x80) {
      int n = utf8_seq(p, end);
      if (n > 0) {
        p += n;
        continue;
      }
      /* JSON is UTF-8 (RFC 8259 8.1): a byte that starts no well-formed sequence is U+FFFD */
      stance_buf_add(b, (const char *)run, (size_t)(p - run));
      stance_buf_add(b, "\xEF\xBF\xBD", 3);
      invalid++;
      run = ++p;
      continue;
    }
    if (c >= 0x20 && c != 0x7F && c != '"' && c != '\\') {
      p++;
      continue;
    }
    stance_buf_add(b, (const char *)run, (size_t)(p - run));
    switch (c) {
    case '"': e = "\\\""; break;
    case '\\': e = "\\\\"; break;
    case '\b': e = "\\b"; break;
    case '\f': e = "\\f"; break;
    case '\n': e = "\\n"; break;
    case '\r': e = "\\r"; break;
    case '\t': e = "\\t"; break;
    default:
      u[0] = '\\';
      u[1] = 'u';
      u[2] = '0';
      u[3] = '0';
      u[4] = hex[c >> 4];
      u[5] = hex[c & 15];
      stance_buf_add(b, u, 6);
    }
    if (e != NULL) stance_buf_add(b, e, 2);
    p++;
    run = p;
  }
  stance_buf_add(b, (const char *)run, (size_t)(p - run));
  stance_buf_addc(b, '"');
  return invalid;
}

#define TWO53 9007199254740992.0

int stance_json_put_number(stance_buf *b, double v) {
  if (isnan(v) || isinf(v)) return -1;
  if (v == floor(v) && fabs(v) < TWO53)
    stance_buf_addf(b, "%lld", (long long)v);
  else
    stance_buf_addf(b, "%.17g", v);
  return 0;
}

void stance_json_put_integer(stance_buf *b, long long v) {
  if (v == LLONG_MIN || (v > -9007199254740992LL && v < 9007199254740992LL))
    stance_buf_addf(b, "%lld", v);
  else
    stance_buf_addf(b, "%.17g", (double)v);
}
