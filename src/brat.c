/*
 * brat.c - brat's .ann files (see brat.h). Each line is read whole or not at all: a line
 * brat would not read adds a problem and nothing else.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "brat.h"
#include "clock.h"

typedef struct {
  size_t off, len, col; /* col: 1-based, in the line */
} word;

typedef struct {
  stance_brat_doc *d;
  const char *s; /* the whole input */
  size_t line;   /* the physical line (counted at LF) */
  size_t col0;   /* the column the piece being read starts at */
  size_t *ids;   /* open addressing: index + 1 of the object with that ID, 0 empty */
  size_t *hashes; /* the hash of the ID in each slot of ids (compared before the ID: a
                   * lookup reads no object it does not find, a growth none at all) */
  size_t ids_cap, ids_n;
  word *words;
  size_t nwords, cap_words;
} ctx;

/* Room for one more of `size` bytes in *p (n used of *cap); 0 or -1. */
static int grow(void **p, size_t *cap, size_t n, size_t size) {
  size_t c;
  void *q;
  if (n < *cap) return 0;
  c = *cap ? *cap : 64;
  while (c <= n) {
    if (c > ((size_t)-1) / 2 / size) return -1;
    c *= 2;
  }
  q = realloc(*p, c * size);
  if (q == NULL) return -1;
  *p = q;
  *cap = c;
  return 0;
}

static int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* ---- problems ------------------------------------------------------------------------- */

/* A problem at column `col` of the piece being read (message parts added by the caller
 * after msg_start). Returns 1 (the line is skipped) or -1 (out of memory). */
static size_t msg_start(ctx *c) { return c->d->messages.len; }

static void msg_add(ctx *c, const char *s) { stance_buf_adds(&c->d->messages, s); }
static void msg_str(ctx *c, size_t off, size_t len) { stance_buf_add(&c->d->messages, c->s + off, len); }

static int msg_end(ctx *c, size_t start, size_t col) {
  stance_brat_doc *d = c->d;
  stance_brat_problem *p;
  if (d->messages.oom) return -1;
  if (grow((void **)&d->problems, &d->cap_problems, d->nproblems, sizeof *d->problems) != 0) return -1;
  p = &d->problems[d->nproblems++];
  p->line = c->line;
  p->col = c->col0 + col - 1;
  p->msg_off = start;
  p->msg_len = d->messages.len - start;
  return 1;
}

/* A problem of a fixed message. */
static int fail(ctx *c, size_t col, const char *msg) {
  size_t m = msg_start(c);
  msg_add(c, msg);
  return msg_end(c, m, col);
}

/* A problem "PRE'TEXT'POST" (quotes included in pre and post as wanted). */
static int fail_str(ctx *c, size_t col, const char *pre, size_t off, size_t len, const char *post) {
  size_t m = msg_start(c);
  msg_add(c, pre);
  msg_str(c, off, len);
  msg_add(c, post);
  return msg_end(c, m, col);
}

/* ---- IDs ------------------------------------------------------------------------------ */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND \
  do { \
    v0 += v1; \
    v1 = ROTL(v1, 13); \
    v1 ^= v0; \
    v0 = ROTL(v0, 32); \
    v2 += v3; \
    v3 = ROTL(v3, 16); \
    v3 ^= v2; \
    v0 += v3; \
    v3 = ROTL(v3, 21); \
    v3 ^= v0; \
    v2 += v1; \
    v1 = ROTL(v1, 17); \
    v1 ^= v2; \
    v2 = ROTL(v2, 32); \
  } while (0)

uint64_t stance_brat_hash(const uint64_t key[2], const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL, v1 = key[1] ^ 0x646f72616e646f6dULL;
  uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL, v3 = key[1] ^ 0x7465646279746573ULL;
  uint64_t m, b = (uint64_t)n << 56;
  size_t i;
  for (i = 0; i + 8 <= n; i += 8) {
    memcpy(&m, p + i, 8); /* (the byte order of the machine: the same key and order all along) */
    v3 ^= m;
    SIPROUND;
    v0 ^= m;
  }
  switch (n & 7) {
  case 7: b |= (uint64_t)p[i + 6] << 48; /* fall through */
  case 6: b |= (uint64_t)p[i + 5] << 40; /* fall through */
  case 5: b |= (uint64_t)p[i + 4] << 32; /* fall through */
  case 4: b |= (uint64_t)p[i + 3] << 24; /* fall through */
  case 3: b |= (uint64_t)p[i + 2] << 16; /* fall through */
  case 2: b |= (uint64_t)p[i + 1] << 8; /* fall through */
  case 1: b |= (uint64_t)p[i]; break;
  default: break;
  }
  v3 ^= b;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

/* A 64-bit mix (SplitMix64's). */
static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A key no file can know: the clock (nanoseconds), the process, where this call's stack and
 * this library are (address space layout randomization), and a count of reads. */
static void new_key(uint64_t key[2]) {
  static uint64_t reads;
  uint64_t k = (uint64_t)stance_now_ns(CLOCK_REALTIME);
  int here = 0;
  k = mix(k ^ (uint64_t)(uintptr_t)&here);
  k = mix(k ^ (uint64_t)(uintptr_t)&reads ^ ((uint64_t)getpid() << 32));
  key[0] = mix(k ^ ++reads);
  key[1] = mix(key[0] ^ (uint64_t)clock());
}

static size_t hash_bytes(const ctx *c, const char *s, size_t n) {
  return (size_t)stance_brat_hash(c->d->key, s, n);
}

/* Where the ID (off, len) of hash h is or goes in c->ids. */
static size_t id_slot(const ctx *c, size_t h, size_t off, size_t len) {
  size_t mask = c->ids_cap - 1, i = h & mask;
  c->d->id_lookups++;
  for (;;) {
    size_t k = c->ids[i];
    c->d->id_probes++;
    if (k == 0) return i;
    if (c->hashes[i] == h) {
      const stance_brat_str *id = &c->d->objs[k - 1].id;
      if (id->len == len && memcmp(c->s + id->off, c->s + off, len) == 0) return i;
    }
    i = (i + 1) & mask;
  }
}

/* The object defined with this ID, or NULL. */
static const stance_brat_obj *id_find(const ctx *c, size_t off, size_t len) {
  size_t k;
  if (c->ids_n == 0) return NULL;
  k = c->ids[id_slot(c, hash_bytes(c, c->s + off, len), off, len)];
  return k ? &c->d->objs[k - 1] : NULL;
}

/* Record the last object (it has an ID not defined before); 0 or -1. */
static int id_add(ctx *c) {
  size_t k = c->d->nobjs, i, h;
  const stance_brat_str *id = &c->d->objs[k - 1].id;
  if (c->ids_n + 1 > c->ids_cap / 2) {
    size_t cap = c->ids_cap ? c->ids_cap * 2 : 256, *old = c->ids, *old_hashes = c->hashes, oldcap = c->ids_cap, j;
    if (c->ids_cap > ((size_t)-1) / 4 / sizeof *c->ids) return -1;
    c->ids = calloc(cap, sizeof *c->ids);
    c->hashes = malloc(cap * sizeof *c->hashes);
    if (c->ids == NULL || c->hashes == NULL) {
      free(c->ids);
      free(c->hashes);
      c->ids = old;
      c->hashes = old_hashes;
      return -1;
    }
    c->ids_cap = cap;
    /* (the IDs are different: each goes to the first free slot from its hash) */
    for (j = 0; j < oldcap; j++) {
      if (old[j] != 0) {
        i = old_hashes[j] & (cap - 1);
        c->d->id_probes++;
        while (c->ids[i] != 0) {
          i = (i + 1) & (cap - 1);
          c->d->id_probes++;
        }
        c->ids[i] = old[j];
        c->hashes[i] = old_hashes[j];
      }
    }
    free(old);
    free(old_hashes);
  }
  h = hash_bytes(c, c->s + id->off, id->len);
  i = id_slot(c, h, id->off, id->len);
  c->ids[i] = k;
  c->hashes[i] = h;
  c->ids_n++;
  return 0;
}

/* ---- pieces of a line ------------------------------------------------------------------- */

/* The words of data (off, len), split at blanks, into c->words; `dc` is the column of data.
 * 0 or -1. */
static int split_words(ctx *c, size_t off, size_t len, size_t dc) {
  size_t i = 0;
  c->nwords = 0;
  while (i < len) {
    size_t j;
    if (is_blank((unsigned char)c->s[off + i])) {
      i++;
      continue;
    }
    for (j = i; j < len && !is_blank((unsigned char)c->s[off + j]); j++) {
    }
    if (grow((void **)&c->words, &c->cap_words, c->nwords, sizeof *c->words) != 0) return -1;
    c->words[c->nwords].off = off + i;
    c->words[c->nwords].len = j - i;
    c->words[c->nwords].col = dc + i;
    c->nwords++;
    i = j;
  }
  return 0;
}

/* The first `ch` in (off, len), as an index from off, or len. */
static size_t find_byte(const char *s, size_t off, size_t len, char ch) {
  const char *p = memchr(s + off, ch, len);
  return p ? (size_t)(p - (s + off)) : len;
}

/* Whether (off, len) is all digits (and not empty). */
static int all_digits(const char *s, size_t off, size_t len) {
  size_t i;
  if (len == 0) return 0;
  for (i = 0; i < len; i++)
    if (!is_digit((unsigned char)s[off + i])) return 0;
  return 1;
}

/* The value of (off, len), all digits, leading zeros aside at most MAX_DIGITS of them. */
static int64_t digits_value(const char *s, size_t off, size_t len) {
  int64_t v = 0;
  size_t i;
  for (i = 0; i < len; i++) v = v * 10 + (s[off + i] - '0');
  return v;
}

/* An offset (a whole number) at column `col`; 0, 1 (a problem) or -1. */
static int number(ctx *c, size_t off, size_t len, size_t col, int64_t *out) {
  size_t z = 0;
  if (!all_digits(c->s, off, len)) return fail_str(c, col, "'", off, len, "' is not an offset (a whole number)");
  while (z + 1 < len && c->s[off + z] == '0') z++;
  if (len - z > STANCE_BRAT_MAX_DIGITS) return fail_str(c, col, "offset ", off, len, " is too large");
  *out = digits_value(c->s, off + z, len - z);
  return 0;
}

static stance_brat_str str(size_t off, size_t len) {
  stance_brat_str r;
  r.off = off;
  r.len = len;
  return r;
}

/* ROLE:ID with one colon, both sides not empty: the length of ROLE, or 0. */
static size_t role_id(const char *s, size_t off, size_t len) {
  size_t k = find_byte(s, off, len, ':');
  if (k == 0 || k + 1 >= len) return 0;
  if (memchr(s + off + k + 1, ':', len - k - 1) != NULL) return 0;
  return k;
}

/* c->words[from..] as arguments ROLE:ID of o; 0, 1 or -1. */
static int args_of(ctx *c, stance_brat_obj *o, size_t from, const char *what) {
  stance_brat_doc *d = c->d;
  size_t i;
  o->first = d->nargs;
  o->count = 0;
  for (i = from; i < c->nwords; i++) {
    const word *w = &c->words[i];
    size_t k = role_id(c->s, w->off, w->len);
    stance_brat_arg *a;
    if (k == 0) {
      size_t m = msg_start(c);
      msg_add(c, "'");
      msg_str(c, w->off, w->len);
      msg_add(c, "' is not ROLE:ID (");
      msg_add(c, what);
      msg_add(c, ")");
      return msg_end(c, m, w->col);
    }
    if (grow((void **)&d->args, &d->cap_args, d->nargs, sizeof *d->args) != 0) return -1;
    a = &d->args[d->nargs++];
    a->role = str(w->off, k);
    a->ref = str(w->off + k + 1, w->len - k - 1);
    a->col = w->col + k + 1;
    o->count++;
  }
  return 0;
}

/* ---- each kind of line -------------------------------------------------------------------
 * data: the part after the first tab up to the second (at column dc); each returns 0 (o
 * filled in), 1 (a problem) or -1. */

static int line_t(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  const char *s = c->s;
  stance_brat_doc *d = c->d;
  size_t t = find_byte(s, off, len, ' '), p, q, col;
  if (t == 0 || t == len) return fail(c, dc, "a T line is ID, tab, TYPE START END, tab, text");
  o->type = str(off, t);
  o->first = d->nspans;
  o->count = 0;
  /* the common line, one fragment: TYPE START END */
  p = t + 1;
  for (q = p; q < len && is_digit((unsigned char)s[off + q]); q++) {
  }
  if (q > p && q < len && s[off + q] == ' ' && q - p <= STANCE_BRAT_MAX_DIGITS &&
      all_digits(s, off + q + 1, len - q - 1) && len - q - 1 <= STANCE_BRAT_MAX_DIGITS) {
    int64_t a = digits_value(s, off + p, q - p), b = digits_value(s, off + q + 1, len - q - 1);
    if (a > b) {
      size_t m = msg_start(c);
      msg_add(c, "offsets ");
      msg_str(c, off + p, len - p);
      msg_add(c, ": the start is after the end");
      return msg_end(c, m, dc + t + 1);
    }
    if (grow((void **)&d->spans, &d->cap_spans, d->nspans, sizeof *d->spans) != 0) return -1;
    d->spans[d->nspans].start = a;
    d->spans[d->nspans].end = b;
    d->nspans++;
    o->count = 1;
    return 0;
  }
  /* fragments "START END" joined by ';' (blanks allowed after END) */
  col = dc + t + 1;
  p = t + 1;
  for (;;) {
    size_t plen = find_byte(s, off + p, len - p, ';'), sp, blen;
    size_t part = off + p;
    int64_t a = 0, b = 0;
    int r;
    sp = find_byte(s, part, plen, ' ');
    blen = plen > sp ? plen - sp - 1 : 0;
    while (blen > 0 && is_blank((unsigned char)s[part + sp + 1 + blen - 1])) blen--;
    if (sp == plen || sp == 0 || blen == 0 || memchr(s + part + sp + 1, ' ', blen) != NULL)
      return fail_str(c, col, "bad offsets '", part, plen, "' (START END, fragments joined by ';')");
    if ((r = number(c, part, sp, col, &a)) != 0) return r;
    if ((r = number(c, part + sp + 1, blen, col + sp + 1, &b)) != 0) return r;
    if (a > b) return fail_str(c, col, "offsets ", part, plen, ": the start is after the end");
    if (grow((void **)&d->spans, &d->cap_spans, d->nspans, sizeof *d->spans) != 0) return -1;
    d->spans[d->nspans].start = a;
    d->spans[d->nspans].end = b;
    d->nspans++;
    o->count++;
    col += plen + 1;
    if (p + plen >= len) return 0;
    p += plen + 1;
  }
}

static int line_a(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  const char *s = c->s;
  size_t n1, t0, t1;
  while (len > 0 && is_blank((unsigned char)s[off + len - 1])) len--;
  n1 = find_byte(s, off, len, ' ');
  t0 = n1 + 1;
  if (n1 == 0 || n1 == len || t0 >= len || s[off + t0] == ' ')
    return fail(c, dc, "an A line is ID, tab, NAME TARGET [VALUE]");
  t1 = t0 + find_byte(s, off + t0, len - t0, ' ');
  o->type = str(off, n1);
  o->target = str(off + t0, t1 - t0);
  o->target_col = dc + n1 + 1;
  if (t1 < len) {
    o->value = str(off + t1 + 1, len - t1 - 1);
    o->has_value = 1;
  }
  return 0;
}

static int line_m(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  if (split_words(c, off, len, dc) != 0) return -1;
  if (c->nwords != 2) return fail(c, dc, "an M line is ID, tab, TYPE TARGET");
  o->type = str(c->words[0].off, c->words[0].len);
  o->target = str(c->words[1].off, c->words[1].len);
  o->target_col = c->words[1].col;
  return 0;
}

/* A run of bytes other than ':' and ' ' from i: its end. */
static size_t name_run(const char *s, size_t off, size_t i, size_t len) {
  while (i < len && s[off + i] != ':' && s[off + i] != ' ') i++;
  return i;
}

static int line_r(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  const char *s = c->s;
  stance_brat_doc *d = c->d;
  size_t t = find_byte(s, off, len, ' ');
  int r;
  /* the common line: TYPE ROLE:ID ROLE:ID, single spaces, two roles */
  if (t > 0 && t < len) {
    size_t r1 = t + 1, r1e = name_run(s, off, r1, len), i1, i1e, r2, r2e, i2, i2e;
    if (r1e > r1 && r1e < len && s[off + r1e] == ':') {
      i1 = r1e + 1;
      i1e = name_run(s, off, i1, len);
      if (i1e > i1 && i1e < len && s[off + i1e] == ' ') {
        r2 = i1e + 1;
        r2e = name_run(s, off, r2, len);
        if (r2e > r2 && r2e < len && s[off + r2e] == ':') {
          i2 = r2e + 1;
          i2e = name_run(s, off, i2, len);
          if (i2e > i2 && i2e == len &&
              !(r1e - r1 == r2e - r2 && memcmp(s + off + r1, s + off + r2, r1e - r1) == 0)) {
            stance_brat_arg *a;
            if (grow((void **)&d->args, &d->cap_args, d->nargs + 1, sizeof *d->args) != 0) return -1;
            o->type = str(off, t);
            o->first = d->nargs;
            o->count = 2;
            a = &d->args[d->nargs++];
            a->role = str(off + r1, r1e - r1);
            a->ref = str(off + i1, i1e - i1);
            a->col = dc + i1;
            a = &d->args[d->nargs++];
            a->role = str(off + r2, r2e - r2);
            a->ref = str(off + i2, i2e - i2);
            a->col = dc + i2;
            return 0;
          }
        }
      }
    }
  }
  if (split_words(c, off, len, dc) != 0) return -1;
  if (c->nwords != 3) return fail(c, dc, "an R line is ID, tab, TYPE ROLE:ID ROLE:ID");
  o->type = str(c->words[0].off, c->words[0].len);
  if ((r = args_of(c, o, 1, "a relation argument")) != 0) return r;
  {
    const stance_brat_arg *a = &d->args[o->first], *b = a + 1;
    if (a->role.len == b->role.len && memcmp(s + a->role.off, s + b->role.off, a->role.len) == 0)
      return fail_str(c, c->words[2].col, "both arguments are named ", a->role.off, a->role.len, "");
  }
  return 0;
}

static int line_e(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  size_t k = 0;
  if (split_words(c, off, len, dc) != 0) return -1;
  if (c->nwords > 0) k = role_id(c->s, c->words[0].off, c->words[0].len);
  if (k == 0) return fail(c, dc, "an E line is ID, tab, TYPE:TRIGGER ROLE:ID ...");
  o->type = str(c->words[0].off, k);
  o->target = str(c->words[0].off + k + 1, c->words[0].len - k - 1);
  o->target_col = dc + k + 1;
  return args_of(c, o, 1, "an event argument");
}

static int line_equiv(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  stance_brat_doc *d = c->d;
  size_t i;
  if (split_words(c, off, len, dc) != 0) return -1;
  if (c->nwords < 2) return fail(c, dc, "a * line is *, tab, TYPE ID ID ...");
  o->type = str(c->words[0].off, c->words[0].len);
  o->first = d->nargs;
  o->count = 0;
  for (i = 1; i < c->nwords; i++) {
    stance_brat_arg *a;
    if (grow((void **)&d->args, &d->cap_args, d->nargs, sizeof *d->args) != 0) return -1;
    a = &d->args[d->nargs++];
    a->role = str(c->words[i].off, 0);
    a->ref = str(c->words[i].off, c->words[i].len);
    a->col = c->words[i].col;
    o->count++;
  }
  return 0;
}

static int line_n(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  int ok;
  if (split_words(c, off, len, dc) != 0) return -1;
  ok = c->nwords == 3;
  if (ok) {
    const word *w = &c->words[2];
    size_t k = find_byte(c->s, w->off, w->len, ':');
    ok = k > 0 && k + 1 < w->len;
  }
  if (!ok) return fail(c, dc, "an N line is ID, tab, TYPE TARGET DB:ID, tab, text");
  o->type = str(c->words[0].off, c->words[0].len);
  o->target = str(c->words[1].off, c->words[1].len);
  o->target_col = c->words[1].col;
  o->ref = str(c->words[2].off, c->words[2].len);
  return 0;
}

static int line_note(ctx *c, stance_brat_obj *o, size_t off, size_t len, size_t dc) {
  if (split_words(c, off, len, dc) != 0) return -1;
  if (c->nwords != 2) return fail(c, dc, "a # line is ID, tab, TYPE TARGET, tab, text");
  o->type = str(c->words[0].off, c->words[0].len);
  o->target = str(c->words[1].off, c->words[1].len);
  o->target_col = c->words[1].col;
  return 0;
}

/* Whether the ID (off, len) is one: letters and a number (T1), #, letters or none and a
 * number (#1); what follows the number is not looked at. */
static int is_id(const char *s, size_t off, size_t len) {
  size_t i = 0, l;
  if (len > 0 && s[off] == '#') i = 1;
  l = i;
  while (i < len && is_alpha((unsigned char)s[off + i])) i++;
  if (s[off] != '#' && i == l) return 0;
  return i < len && is_digit((unsigned char)s[off + i]);
}

/* One line (a piece of a physical line that holds more than blanks) at (off, len); 0, 1
 * or -1. */
static int line(ctx *c, size_t off, size_t len) {
  const char *s = c->s;
  stance_brat_doc *d = c->d;
  size_t tab = find_byte(s, off, len, '\t'), data, dlen, dc;
  size_t spans0 = d->nspans, args0 = d->nargs;
  int star, r;
  stance_brat_obj *o;
  stance_brat_kind kind;
  if (tab == len) return fail(c, 1, "expected an ID and a tab");
  star = tab == 1 && s[off] == '*';
  if (!star && !is_id(s, off, tab))
    return fail_str(c, 1, "'", off, tab, "' is not an ID (a letter and a number, e.g. T1, or * for an equivalence)");
  switch (star ? '*' : s[off]) {
  case 'T': kind = STANCE_BRAT_T; break;
  case 'A': kind = STANCE_BRAT_A; break;
  case 'M': kind = STANCE_BRAT_M; break;
  case 'R': kind = STANCE_BRAT_R; break;
  case 'E': kind = STANCE_BRAT_E; break;
  case 'N': kind = STANCE_BRAT_N; break;
  case '#': kind = STANCE_BRAT_NOTE; break;
  case '*': kind = STANCE_BRAT_EQUIV; break;
  default: return fail_str(c, 1, "unknown line '", off, tab, "' (T, A, M, R, E, N, #, *)");
  }
  if (!star) {
    const stance_brat_obj *first = id_find(c, off, tab);
    if (first != NULL) {
      size_t m = msg_start(c);
      msg_str(c, off, tab);
      msg_add(c, " is defined twice (first at line ");
      stance_buf_addu(&d->messages, (unsigned long long)first->line);
      msg_add(c, ")");
      return msg_end(c, m, 1);
    }
  }
  if (grow((void **)&d->objs, &d->cap_objs, d->nobjs, sizeof *d->objs) != 0) return -1;
  o = &d->objs[d->nobjs];
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->line = c->line;
  o->col = c->col0;
  o->id = str(off, star ? 0 : tab);
  data = off + tab + 1;
  dlen = find_byte(s, data, len - tab - 1, '\t');
  if (tab + 1 + dlen < len) {
    o->has_text = 1;
    o->text = str(data + dlen + 1, len - tab - 1 - dlen - 1);
  }
  dc = tab + 2;
  switch (kind) {
  case STANCE_BRAT_T: r = line_t(c, o, data, dlen, dc); break;
  case STANCE_BRAT_A: r = line_a(c, o, data, dlen, dc); break;
  case STANCE_BRAT_M: r = line_m(c, o, data, dlen, dc); break;
  case STANCE_BRAT_R: r = line_r(c, o, data, dlen, dc); break;
  case STANCE_BRAT_E: r = line_e(c, o, data, dlen, dc); break;
  case STANCE_BRAT_N: r = line_n(c, o, data, dlen, dc); break;
  case STANCE_BRAT_NOTE: r = line_note(c, o, data, dlen, dc); break;
  default: r = line_equiv(c, o, data, dlen, dc); break;
  }
  if (r != 0) {
    /* nothing of the line is kept */
    d->nspans = spans0;
    d->nargs = args0;
    return r;
  }
  /* (only T, N and # keep what follows a second tab) */
  if (kind != STANCE_BRAT_T && kind != STANCE_BRAT_N && kind != STANCE_BRAT_NOTE) o->has_text = 0;
  d->nobjs++;
  if (!star && id_add(c) != 0) return -1;
  return 0;
}

/* The length of the line boundary brat sees at i of (s, end), or 0; LF is cut before. */
static size_t break_at(const char *s, size_t i, size_t end) {
  unsigned char b = (unsigned char)s[i];
  switch (b) {
  case '\r': case '\v': case '\f': case 28: case 29: case 30: return 1;
  case 0xc2: return i + 1 < end && (unsigned char)s[i + 1] == 0x85 ? 2 : 0;
  case 0xe2:
    return i + 2 < end && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)
               ? 3
               : 0;
  default: return 0;
  }
}

/* The first bytes of the line boundaries break_at finds. */
static const unsigned char may_break[256] = {['\r'] = 1, ['\v'] = 1, ['\f'] = 1, [28] = 1,
                                             [29] = 1,   [30] = 1,   [0xc2] = 1, [0xe2] = 1};

/* A piece (between line boundaries) at (off, len), at column c->col0. */
static int piece(ctx *c, size_t off, size_t len) {
  size_t i;
  for (i = 0; i < len; i++)
    if (!is_blank((unsigned char)c->s[off + i])) return line(c, off, len) < 0 ? -1 : 0;
  return 0;
}

int stance_brat_parse(const char *text, size_t len, stance_brat_doc *d) {
  ctx c;
  size_t pos = 0;
  int rc = STANCE_BRAT_OK;
  memset(d, 0, sizeof *d);
  stance_buf_init(&d->messages);
  new_key(d->key);
  if (len > STANCE_BRAT_MAX_BYTES) return STANCE_BRAT_E2BIG;
  memset(&c, 0, sizeof c);
  c.d = d;
  c.s = text;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) pos = 3;
  for (;;) {
    size_t end = pos + find_byte(text, pos, len - pos, '\n'), start = pos, i = pos;
    c.line++;
    c.col0 = 1;
    while (i < end) {
      size_t b = may_break[(unsigned char)text[i]] ? break_at(text, i, end) : 0;
      if (b == 0) {
        i++;
        continue;
      }
      if (piece(&c, start, i - start) != 0) goto oom;
      c.col0 += i - start + b;
      i += b;
      start = i;
    }
    if (piece(&c, start, end - start) != 0) goto oom;
    if (end >= len) break;
    pos = end + 1;
  }
  goto done;
oom:
  rc = STANCE_BRAT_ENOMEM;
done:
  free(c.ids);
  free(c.hashes);
  free(c.words);
  return rc;
}

void stance_brat_free(stance_brat_doc *d) {
  free(d->objs);
  free(d->spans);
  free(d->args);
  free(d->problems);
  stance_buf_free(&d->messages);
  memset(d, 0, sizeof *d);
}
