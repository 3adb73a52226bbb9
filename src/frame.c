/*
 * frame.c - conversions between buffer bytes and file code points, anchoring annotations
 * in a text, and their quote, prefix and suffix. See frame.h.
 */
#define _GNU_SOURCE /* memmem */
#include "frame.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "qgram.h"
#include "worker.h"

struct stance_frame {
  stance_text *t;
  const char *s;
  size_t len, bom;
  int crlf;
};

static stance_frame *frame_new(stance_text *t, int crlf) {
  stance_frame *f = t ? calloc(1, sizeof *f) : NULL;
  if (f == NULL) {
    stance_text_free(t);
    return NULL;
  }
  f->t = t;
  f->s = stance_text_bytes(f->t, &f->len);
  f->bom = f->len >= 3 && memcmp(f->s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  f->crlf = crlf != 0;
  return f;
}

stance_frame *stance_frame_new(const char *file_text, size_t len, int crlf) {
  return frame_new(stance_text_new(file_text, len), crlf);
}

stance_frame *stance_frame_new_take(char *file_text, size_t len, int crlf) {
  return frame_new(stance_text_new_take(file_text, len), crlf);
}

void stance_frame_free(stance_frame *f) {
  if (f == NULL) return;
  stance_text_free(f->t);
  free(f);
}

const stance_text *stance_frame_text(const stance_frame *f) { return f->t; }

/* First buffer byte of line l. */
static size_t buf_line_start(const stance_frame *f, uint32_t l) {
  size_t fs = stance_text_line_start(f->t, l);
  if (l == 0) return 0;
  return fs - f->bom - (f->crlf ? l : 0);
}

size_t stance_frame_to_file(const stance_frame *f, size_t b) {
  size_t fb;
  if (!f->crlf) {
    fb = b + f->bom;
  } else {
    uint32_t lo = 0, hi = stance_text_lines(f->t);
    /* the last line l with buf_line_start(l) <= b */
    while (hi - lo > 1) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (buf_line_start(f, mid) <= b)
        lo = mid;
      else
        hi = mid;
    }
    fb = b + f->bom + lo;
    /* past the content of the last line: after its final "\r\n" */
    if (lo + 1 == stance_text_lines(f->t) &&
        fb > stance_text_line_end(f->t, lo) && stance_text_line_end(f->t, lo) < f->len)
      fb++;
  }
  return fb > f->len ? f->len : fb;
}

size_t stance_frame_to_buf(const stance_frame *f, size_t fb) {
  uint32_t line;
  size_t cb, cc, content, start;
  if (fb > f->len) fb = f->len;
  if (fb <= f->bom) return 0;
  if (!f->crlf) return fb - f->bom;
  stance_text_pos(f->t, fb, &line, &cb, &cc);
  start = stance_text_line_start(f->t, line);
  content = stance_text_line_end(f->t, line) - start;
  if (fb - start > content + 1)
    fb = start + content + 1; /* after the final "\r\n" */
  else if (fb - start > content)
    fb = start + content; /* the "\n" of "\r\n" is the buffer's line end */
  return fb - f->bom - line;
}

size_t stance_frame_buf_to_cp(const stance_frame *f, size_t b) {
  return stance_text_byte_to_cp(f->t, stance_frame_to_file(f, b));
}

size_t stance_frame_cp_to_buf(const stance_frame *f, size_t cp) {
  size_t cps = stance_text_cps(f->t);
  return stance_frame_to_buf(f, stance_text_cp_to_byte(f->t, cp > cps ? cps : cp));
}

size_t stance_frame_buf_len(const stance_frame *f) { return stance_frame_to_buf(f, f->len); }

/* ---- anchoring ------------------------------------------------------------------------- */

/* Byte length of the first `cps` code points of s (or all of it). */
static size_t cp_prefix_len(const char *s, size_t len, size_t cps) {
  size_t i = 0;
  while (cps > 0 && i < len) {
    int n, bad;
    stance_utf8_decode((const unsigned char *)s + i, len - i, &n, &bad);
    i += (size_t)n;
    cps--;
  }
  return i;
}

/* Code points to file bytes; `h` (may be NULL) follows a series of places in order. */
static size_t cp_to_byte(const stance_frame *f, size_t cp, stance_text_hint *h) {
  return h ? stance_text_cp_to_byte_hint(f->t, cp, h) : stance_text_cp_to_byte(f->t, cp);
}

/* Whether the text at spans (file code points) shifted by `delta` is `quote` (the parts
 * joined by a space). */
static int quote_matches(const stance_frame *f, const stance_range *sp, uint32_t n, int64_t delta,
                         const char *quote, size_t qlen, stance_text_hint *h) {
  size_t cps = stance_text_cps(f->t), q = 0;
  uint32_t i;
  for (i = 0; i < n; i++) {
    int64_t a = (int64_t)sp[i].start + delta, b = (int64_t)sp[i].end + delta;
    size_t fa, fb;
    if (a < 0 || b > (int64_t)cps || b < a) return 0;
    fa = cp_to_byte(f, (size_t)a, h);
    fb = cp_to_byte(f, (size_t)b, h);
    if (i > 0) {
      if (q >= qlen || quote[q] != ' ') return 0;
      q++;
    }
    if (fb - fa > qlen - q || memcmp(f->s + fa, quote + q, fb - fa) != 0) return 0;
    q += fb - fa;
  }
  return q == qlen;
}

/* How many bytes of `want` match the text ending at byte `at` (backwards), and of `want`
 * matching from `at` forwards. */
static size_t match_before(const stance_frame *f, size_t at, const char *want) {
  size_t n = want ? strlen(want) : 0, k = 0;
  while (k < n && k < at && f->s[at - 1 - k] == want[n - 1 - k]) k++;
  return k;
}
static size_t match_after(const stance_frame *f, size_t at, const char *want) {
  size_t n = want ? strlen(want) : 0, k = 0;
  while (k < n && at + k < f->len && f->s[at + k] == want[k]) k++;
  return k;
}

#define MAX_OCCURRENCES 200000
#define NO_BUDGET 2 /* a search gave up: the work budget ran out */
#define INF32 UINT32_MAX

/* What one anchoring call shares between its searches: the text's gram index (made when the
 * first search needs it) and the work budget. */
typedef struct anchor_ctx {
  const stance_frame *f;
  stance_qgrams *g;
  stance_budget budget;
} anchor_ctx;

static int ctx_index(anchor_ctx *c) {
  if (c->g == NULL && (c->g = stance_qgrams_new(c->f->s, c->f->len)) == NULL) return STANCE_ENOMEM;
  return STANCE_OK;
}

/* The best place among the occurrences of a quote (exact) or of something close to it. */
typedef struct best_place {
  const stance_frame *f;
  const stance_rec *r;
  const char *quote;
  size_t qlen, near;
  int found;
  int plain;             /* exact: an occurrence is the whole quote (plain_quote) */
  stance_text_hint *hint; /* exact: for the conversions of places in order (NULL: none) */
  int64_t delta;         /* exact: the shift of the spans, in code points */
  size_t a, b, edits;    /* approximate: the place, in file bytes */
  size_t score, dist, at;
} best_place;

/* Is (score, dist, at) better than the best so far? More prefix and suffix, then nearer to
 * where it was, then earlier. */
static int better(const best_place *p, size_t edits, size_t score, size_t dist, size_t at) {
  if (!p->found) return 1;
  if (edits != p->edits) return edits < p->edits;
  if (score != p->score) return score > p->score;
  if (dist != p->dist) return dist < p->dist;
  return at < p->at;
}

/* An occurrence of the first part of the quote at file bytes [at, ...): the whole quote must
 * be there, every part at the same distance. */
static int exact_cb(void *ud, size_t at, size_t end, size_t edits) {
  best_place *p = ud;
  const stance_frame *f = p->f;
  const stance_rec *r = p->r;
  size_t cp, last_end, score, dist;
  int64_t d;
  (void)edits;
  if (p->plain) {
    /* the occurrence is the whole quote: its score and distance are known before the check
     * of its code points, which only a place better than the best so far needs (a few, in
     * a repetitive text) */
    score = match_before(f, at, r->f[STANCE_F_PREFIX]) + match_after(f, end, r->f[STANCE_F_SUFFIX]);
    if (p->found && score < p->score) return 0;
    cp = stance_text_byte_to_cp(f->t, at);
    dist = cp > p->near ? cp - p->near : p->near - cp;
    if (!better(p, 0, score, dist, at)) return 0;
    d = (int64_t)cp - (int64_t)r->spans[0].start;
    if (!quote_matches(f, r->spans, r->nspans, d, p->quote, p->qlen, p->hint)) return 0;
  } else {
    cp = stance_text_byte_to_cp(f->t, at);
    d = (int64_t)cp - (int64_t)r->spans[0].start;
    if (!quote_matches(f, r->spans, r->nspans, d, p->quote, p->qlen, p->hint)) return 0;
    last_end = cp_to_byte(f, (size_t)((int64_t)r->spans[r->nspans - 1].end + d), p->hint);
    score = match_before(f, at, r->f[STANCE_F_PREFIX]) + match_after(f, last_end, r->f[STANCE_F_SUFFIX]);
    dist = cp > p->near ? cp - p->near : p->near - cp;
    if (!better(p, 0, score, dist, at)) return 0;
  }
  p->found = 1;
  p->delta = d;
  p->edits = 0;
  p->score = score;
  p->dist = dist;
  p->at = at;
  return 0;
}

/* The best place for the annotation's spans, as a shift `delta` in code points: among the
 * occurrences of the first part of the quote (`nlen` file bytes) where the whole quote
 * matches, the one with the most prefix and suffix around it, then the nearest to where it
 * was. 1 found, 0 none, NO_BUDGET, STANCE_ENOMEM. */
static int best_occurrence(anchor_ctx *c, const stance_rec *r, const char *quote, size_t qlen, size_t nlen,
                           int64_t *delta) {
  best_place p;
  long n;
  if (nlen == 0) return 0;
  if (ctx_index(c) != STANCE_OK) return STANCE_ENOMEM;
  memset(&p, 0, sizeof p);
  p.f = c->f;
  p.r = r;
  p.quote = quote;
  p.qlen = qlen;
  p.near = r->spans[0].start;
  n = stance_qgrams_find(c->g, c->f->s, c->f->len, quote, nlen, MAX_OCCURRENCES, &c->budget, exact_cb, &p);
  if (n < 0) return NO_BUDGET;
  if (!p.found) return 0;
  *delta = p.delta;
  return 1;
}

/* ---- approximate matching ----------------------------------------------------------------- */

static int wordish(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A fuzzy match does not start or end inside a word unless the quote did: the start moves
 * back to the word's start, the end on to the word's end (and over the quote's final
 * punctuation when the text has it there). Only an edge its context does not hold moves. */
static void word_start(const stance_frame *f, const char *q, size_t *a) {
  if (wordish((unsigned char)q[0]))
    while (*a > 0 && *a < f->len && wordish((unsigned char)f->s[*a - 1]) && wordish((unsigned char)f->s[*a])) (*a)--;
}
static void word_end(const stance_frame *f, const char *q, size_t qlen, size_t *b) {
  unsigned char last = (unsigned char)q[qlen - 1];
  if (*b == 0) return;
  if (*b < f->len && wordish((unsigned char)f->s[*b - 1]) && wordish((unsigned char)f->s[*b])) {
    while (*b < f->len && wordish((unsigned char)f->s[*b])) (*b)++;
  }
  if (!wordish(last) && *b < f->len && (unsigned char)f->s[*b] == last && (unsigned char)f->s[*b - 1] != last) (*b)++;
}

/* Snap a byte offset to the start of its UTF-8 character. */
static size_t char_start(const stance_frame *f, size_t b) {
  while (b > 0 && b < f->len && ((unsigned char)f->s[b] & 0xC0) == 0x80) b--;
  return b;
}

static int char_boundary(const stance_frame *f, size_t b) {
  return b == 0 || b >= f->len || ((unsigned char)f->s[b] & 0xC0) != 0x80;
}

static int approx_cb(void *ud, size_t a, size_t b, size_t edits) {
  best_place *p = ud;
  size_t score, dist;
  if (b <= a) return 0;
  score = match_before(p->f, a, p->r->f[STANCE_F_PREFIX]) + match_after(p->f, b, p->r->f[STANCE_F_SUFFIX]);
  dist = a > p->near ? a - p->near : p->near - a;
  if (better(p, edits, score, dist, a)) {
    p->found = 1;
    p->a = a;
    p->b = b;
    p->edits = edits;
    p->score = score;
    p->dist = dist;
    p->at = a;
  }
  return 0;
}

/* ---- edges held by the context ---------------------------------------------------------- */

/* The edits a quote of `m` bytes may have from its new text of `n` bytes when its context
 * holds both edges: a third of the longer (the same both ways: an edit and its revert), at
 * most STANCE_FUZZY_MAX_EDITS; -1 when both are shorter than STANCE_FUZZY_MIN_QUOTE. */
static long held_limit(size_t m, size_t n) {
  size_t longer = m > n ? m : n, k = longer / STANCE_FUZZY_HELD_DIVISOR;
  if (longer < STANCE_FUZZY_MIN_QUOTE) return -1;
  return (long)(k > STANCE_FUZZY_MAX_EDITS ? STANCE_FUZZY_MAX_EDITS : k);
}

#define BAND_MAX (2 * STANCE_FUZZY_MAX_EDITS + 1)

/* The edit distance (bytes) of the quote `q` (m bytes) from the text starting at file byte
 * `x`, for every end x + j with |j - m| <= k (k <= STANCE_FUZZY_MAX_EDITS): cost[j - m + k],
 * exact where it is at most k, above k otherwise. 0, or NO_BUDGET. */
static int edits_from(anchor_ctx *c, const char *q, size_t m, size_t x, size_t k, uint32_t *cost) {
  uint32_t rows[2][BAND_MAX], *prev = rows[0], *cur = rows[1], *t;
  size_t w = 2 * k + 1, o, i, room = c->f->len - x;
  const unsigned char *s = (const unsigned char *)c->f->s + x;
  for (o = 0; o < w; o++) /* row 0: j = o - k text bytes inserted */
    prev[o] = o >= k && o - k <= room ? (uint32_t)(o - k) : INF32;
  for (i = 1; i <= m; i++) {
    uint32_t row_min = INF32;
    unsigned char ch = (unsigned char)q[i - 1];
    if (stance_budget_spend(&c->budget, w) != 0) return NO_BUDGET;
    for (o = 0; o < w; o++) {
      /* text column j = i + o - k */
      uint32_t v = INF32;
      if (i + o < k || i + o - k > room) {
        cur[o] = INF32;
        continue;
      }
      if (i + o - k >= 1 && prev[o] < INF32) v = prev[o] + (s[i + o - k - 1] != ch); /* both */
      if (o + 1 < w && prev[o + 1] < INF32 && prev[o + 1] + 1 < v) v = prev[o + 1] + 1; /* a quote byte gone */
      if (o >= 1 && cur[o - 1] < INF32 && cur[o - 1] + 1 < v) v = cur[o - 1] + 1;       /* a text byte added */
      cur[o] = v;
      if (v < row_min) row_min = v;
    }
    t = prev, prev = cur, cur = t;
    if (row_min > k) { /* rows never get cheaper */
      for (o = 0; o < w; o++) cost[o] = INF32;
      return 0;
    }
  }
  memcpy(cost, prev, w * sizeof *cost);
  return 0;
}

/* Whether the suffix `sx` (sl bytes) holds an end at byte y: all of it there (when shorter
 * than STANCE_HOLD_MIN, it was the text up to the document's end, and must still be). */
static int suffix_holds(const stance_frame *f, const char *sx, size_t sl, size_t y) {
  if (y > f->len || !char_boundary(f, y)) return 0;
  if (sl < STANCE_HOLD_MIN && y + sl != f->len) return 0;
  return f->len - y >= sl && memcmp(f->s + y, sx, sl) == 0;
}

/* The places where the whole prefix ends (candidates of a start held by the context). */
typedef struct held_places {
  const stance_frame *f;
  stance_budget *budget;
  size_t pl, lo, hi; /* a suffix must hold an end in [x + lo, x + hi] */
  const char *sx;
  size_t sl;
  uint32_t *x;
  size_t n, cap;
  int oom, many;
} held_places;

/* More places than this between a whole prefix and suffix (a text that repeats itself):
 * step 3 says nothing, the approximate search decides. */
#define HELD_MAX 256

static int held_keep(held_places *h, size_t x) {
  size_t j;
  if (!char_boundary(h->f, x)) return 0;
  if (stance_budget_spend(h->budget, h->hi - h->lo + 1) != 0) return 1;
  for (j = h->lo; j <= h->hi; j++)
    if (suffix_holds(h->f, h->sx, h->sl, x + j)) break;
  if (j > h->hi) return 0; /* no end held: not a place where both are */
  if (h->n >= HELD_MAX) {
    h->many = 1;
    return 1;
  }
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 16;
    uint32_t *nx = realloc(h->x, cap * sizeof *nx);
    if (nx == NULL) {
      h->oom = 1;
      return 1;
    }
    h->x = nx;
    h->cap = cap;
  }
  h->x[h->n++] = (uint32_t)x;
  return 0;
}

static int held_cb(void *ud, size_t at, size_t end, size_t edits) {
  held_places *h = ud;
  (void)at;
  (void)edits;
  return held_keep(h, end);
}

/* Find the one-span annotation `r` between its whole prefix and its whole suffix: the text
 * there within held_limit edits of the quote (fewest edits, then nearest to where it was,
 * then first). Both edges are where the context puts them, never widened. 1 found (file code
 * points [*a, *b)), 0 none, NO_BUDGET, STANCE_ENOMEM. */
static int held_find(anchor_ctx *c, const stance_rec *r, const char *q, size_t m, size_t near, size_t *a,
                     size_t *b) {
  const stance_frame *f = c->f;
  const char *px = r->f[STANCE_F_PREFIX], *sx = r->f[STANCE_F_SUFFIX];
  size_t band = m / 2, kk, i, o, best_x = 0, best_y = 0, best_dist = 0;
  uint32_t cost[BAND_MAX], best_edits = INF32;
  held_places h;
  int rc = 0;
  if (px == NULL || sx == NULL || m == 0) return 0; /* no context: nothing holds an edge */
  if (band > STANCE_FUZZY_MAX_EDITS) band = STANCE_FUZZY_MAX_EDITS;
  if (m + band < STANCE_FUZZY_MIN_QUOTE) return 0;
  memset(&h, 0, sizeof h);
  h.f = f;
  h.budget = &c->budget;
  h.pl = strlen(px);
  h.sx = sx;
  h.sl = strlen(sx);
  h.lo = m > band ? m - band : 1;
  if (h.lo == 0) h.lo = 1;
  h.hi = m + band;
  if (h.pl < STANCE_HOLD_MIN) {
    /* a short prefix was the text from the document's start: it must still be */
    if (h.pl <= f->len && memcmp(f->s, px, h.pl) == 0) held_keep(&h, h.pl);
  } else {
    long n;
    if (ctx_index(c) != STANCE_OK) return STANCE_ENOMEM;
    n = stance_qgrams_find(c->g, f->s, f->len, px, h.pl, MAX_OCCURRENCES, &c->budget, held_cb, &h);
    if (n < 0) rc = NO_BUDGET;
  }
  if (h.oom) rc = STANCE_ENOMEM;
  else if (c->budget.exhausted) rc = NO_BUDGET;
  else if (h.many) h.n = 0; /* nothing to say */
  /* 1, 2, 4... edits allowed: the fewest win, and few cost little */
  for (kk = 1; rc == 0 && h.n > 0; kk = kk * 2 < band ? kk * 2 : band) {
    if (kk > band) kk = band;
    for (i = 0; i < h.n && rc == 0; i++) {
      size_t x = h.x[i];
      if (edits_from(c, q, m, x, kk, cost) != 0) {
        rc = NO_BUDGET;
        break;
      }
      for (o = 0; o < 2 * kk + 1; o++) {
        size_t j, y, dist;
        long lim;
        if (cost[o] > kk || m + o < kk) continue;
        j = m + o - kk;
        y = x + j;
        if (j == 0 || (lim = held_limit(m, j)) < 0 || cost[o] > (uint32_t)lim) continue;
        if (!suffix_holds(f, sx, h.sl, y)) continue;
        dist = x > near ? x - near : near - x;
        if (cost[o] < best_edits || (cost[o] == best_edits && (dist < best_dist || (dist == best_dist && x < best_x)))) {
          best_edits = cost[o];
          best_x = x;
          best_y = y;
          best_dist = dist;
        }
      }
    }
    if (best_edits != INF32 || kk >= band) break;
  }
  free(h.x);
  if (rc != 0) return rc;
  if (best_edits == INF32) return 0;
  *a = stance_text_byte_to_cp(f->t, best_x);
  *b = stance_text_byte_to_cp(f->t, best_y);
  return 1;
}

/* Bytes of context that hold an edge of an approximate match where the whole prefix or
 * suffix is not there (8 would be found by chance inside the quote: "or not this " against
 * "Not this "). */
#define HOLD_PART 16

/* The place near byte `at` (within `radius`) where the end of the prefix `px` holds the
 * start: the most of it there, at least HOLD_PART bytes (or all of a shorter one, which was
 * the text from the document's start and must still be), then the nearest. The bytes of it
 * there and *x, or 0. */
static size_t held_start(const stance_frame *f, const char *px, size_t at, size_t radius, size_t *x) {
  size_t pl = px ? strlen(px) : 0, lo = at > radius ? at - radius : 0, hi = at + radius, best = 0, bd = 0, y;
  size_t need = pl < HOLD_PART ? pl : HOLD_PART;
  if (pl == 0) return 0;
  if (hi > f->len) hi = f->len;
  for (y = lo; y <= hi; y++) {
    size_t k, d;
    if (y == 0 || f->s[y - 1] != px[pl - 1] || !char_boundary(f, y)) continue;
    k = match_before(f, y, px);
    if (k < need) continue;
    if (pl < STANCE_HOLD_MIN && y != pl) continue;
    d = y > at ? y - at : at - y;
    if (best == 0 || k > best || (k == best && d < bd)) {
      best = k;
      bd = d;
      *x = y;
    }
  }
  return best;
}

/* The same for the end: the start of the suffix `sx` near byte `at` (a short one: to the
 * document's end). */
static size_t held_end(const stance_frame *f, const char *sx, size_t at, size_t radius, size_t *y) {
  size_t sl = sx ? strlen(sx) : 0, lo = at > radius ? at - radius : 0, hi = at + radius, best = 0, bd = 0, x;
  size_t need = sl < HOLD_PART ? sl : HOLD_PART;
  if (sl == 0 || f->len == 0) return 0;
  if (hi >= f->len) hi = f->len - 1;
  for (x = lo; x <= hi; x++) {
    size_t k, d;
    if (f->s[x] != sx[0] || !char_boundary(f, x)) continue;
    k = match_after(f, x, sx);
    if (k < need) continue;
    if (sl < STANCE_HOLD_MIN && x + sl != f->len) continue;
    d = x > at ? x - at : at - x;
    if (best == 0 || k > best || (k == best && d < bd)) {
      best = k;
      bd = d;
      *y = x;
    }
  }
  return best;
}

/* The byte edits of the quote `q` (m bytes) from the text [x, y): 0..k, -1 when more than k
 * (k <= STANCE_FUZZY_MAX_EDITS), NO_BUDGET as -NO_BUDGET. */
static long edits_between(anchor_ctx *c, const char *q, size_t m, size_t x, size_t y, size_t k) {
  uint32_t cost[BAND_MAX];
  size_t j = y - x;
  if (y < x || (j > m ? j - m : m - j) > k) return -1;
  if (edits_from(c, q, m, x, k, cost) != 0) return -NO_BUDGET;
  return cost[j + k - m] > k ? -1 : (long)cost[j + k - m];
}

/* Find the one-span annotation `r` approximately (see stance_frame_anchor): on success its
 * new spans in file code points [*a, *b) and 1; 0 when not found; NO_BUDGET; STANCE_ENOMEM. */
static int fuzzy_find(anchor_ctx *c, const stance_rec *r, const char *q, size_t qlen, size_t *a, size_t *b) {
  const stance_frame *f = c->f;
  size_t k = qlen / STANCE_FUZZY_DIVISOR, start_cp, kk, x = 0, y = 0;
  best_place p;
  const char *px = r->f[STANCE_F_PREFIX], *sx = r->f[STANCE_F_SUFFIX];
  size_t ka, kb, wa, wb;
  long n;
  int held;
  if (k > STANCE_FUZZY_MAX_EDITS) k = STANCE_FUZZY_MAX_EDITS;
  start_cp = r->spans[0].start > stance_text_cps(f->t) ? stance_text_cps(f->t) : r->spans[0].start;
  /* between its whole prefix and suffix first: where both edges are held, the context decides */
  held = held_find(c, r, q, qlen, stance_text_cp_to_byte(f->t, start_cp), a, b);
  if (held != 0) return held;
  if (qlen < STANCE_FUZZY_MIN_QUOTE) return 0;
  if (ctx_index(c) != STANCE_OK) return STANCE_ENOMEM;
  memset(&p, 0, sizeof p);
  p.f = f;
  p.r = r;
  p.quote = q;
  p.qlen = qlen;
  p.near = stance_text_cp_to_byte(f->t, start_cp);
  /* With 1, 2, 4... edits allowed, up to k: the fewest edits win, and a search that allows
   * few is far cheaper (its filter counts only the rarest grams of the quote, and lets few
   * places through), so an annotation whose text changed a little is found at the cost of
   * an exact search, and only one not found so gets the search of k edits. Each search
   * loses no place within its edits: the first that finds any has found the best. */
  for (kk = 1;; kk = kk * 2 < k ? kk * 2 : k) {
    n = stance_qgrams_approx(c->g, q, qlen, kk, &c->budget, approx_cb, &p);
    if (n == -2) return STANCE_ENOMEM;
    if (n < 0) return NO_BUDGET;
    if (p.found || kk >= k) break;
  }
  if (!p.found) return 0;
  /* Each edge where its context holds it (a free alignment's edge may slide into the next
   * word or sentence over an edited word), else widened to whole words. */
  ka = held_start(f, px, p.a, 2 * k + HOLD_PART, &x);
  kb = held_end(f, sx, p.b, 2 * k + HOLD_PART, &y);
  wa = p.a;
  wb = p.b;
  word_start(f, q, &wa);
  word_end(f, q, qlen, &wb);
  if (ka > 0 && ka == strlen(px) && kb > 0 && kb == strlen(sx)) {
    /* the whole prefix and suffix there: the text between is the annotation's only within
     * the limit of step 3 (which it is not, or step 3 had found it): an edit and its revert
     * alike are orphans */
    long lim = held_limit(qlen, y > x ? y - x : 0), e;
    if (lim < 0 || y <= x) return 0;
    e = edits_between(c, q, qlen, x, y, (size_t)lim);
    if (e == -NO_BUDGET) return NO_BUDGET;
    if (e < 0) return 0;
    p.a = x;
    p.b = y;
  } else {
    size_t sa = ka ? x : wa, sb = kb ? y : wb;
    if (ka || kb) {
      /* a part of the context holds an edge: kept when the quote is within its limit there */
      long e = sb > sa ? edits_between(c, q, qlen, sa, sb, k) : -1;
      if (e == -NO_BUDGET) return NO_BUDGET;
      if (e < 0) sa = wa, sb = wb;
    }
    p.a = sa;
    p.b = sb;
  }
  p.a = char_start(f, p.a);
  if (p.b < f->len) p.b = char_start(f, p.b);
  if (p.b <= p.a) return 0;
  *a = stance_text_byte_to_cp(f->t, p.a);
  *b = stance_text_byte_to_cp(f->t, p.b);
  return 1;
}

static void to_buf_spans(const stance_frame *f, stance_rec *r, int64_t delta, stance_text_hint *h) {
  uint32_t i;
  for (i = 0; i < r->nspans; i++) {
    size_t a = cp_to_byte(f, (size_t)((int64_t)r->spans[i].start + delta), h);
    size_t b = cp_to_byte(f, (size_t)((int64_t)r->spans[i].end + delta), h);
    r->spans[i].start = (uint32_t)stance_frame_to_buf(f, a);
    r->spans[i].end = (uint32_t)stance_frame_to_buf(f, b);
  }
}

int stance_frame_anchor(const stance_frame *f, stance_store *s, stance_anchor_result *res,
                        stance_anchor_cb cb, void *ud) {
  return stance_frame_anchor_ex(f, s, NULL, res, cb, ud);
}

static void make_orphan(stance_rec *r, stance_anchor_result *res, stance_anchor_cb cb, void *ud) {
  r->orphan = 1;
  res->orphaned++;
  if (cb) cb(ud, r, 1);
}

/* Where the file says, on threads: the annotations of a large store whose quote is where
 * their spans say (or that have no quote and fit in the text) are placed by parts of the
 * slots at once, each part on a thread of its own with its own hint; the others are left to
 * the pass in order that follows (searches, orphans, the callback), which then does for them
 * what it does without this pass: the result is the same, only sooner where there are
 * cores. Each thread writes the spans of its own records and its own bytes of `left`. */
#define ANCHOR_PART_MIN 16384u /* slots: below this, a thread costs more than it saves */
#define ANCHOR_PARTS_MAX 8

typedef struct anchor_part {
  const stance_frame *f;
  stance_store *s;
  uint32_t lo, hi, placed;
  unsigned char *left; /* indexed by slot: 1 when left to the pass in order */
  uv_thread_t thread;
  int started;
} anchor_part;

static int skipped(const stance_rec *r) {
  return r->dead || r->orphan || r->kind != STANCE_REC_ANNOTATION || r->nspans == 0;
}

static void place_part(void *arg) {
  anchor_part *p = arg;
  size_t cps = stance_text_cps(p->f->t);
  stance_text_hint hint;
  uint32_t i;
  memset(&hint, 0, sizeof hint);
  for (i = p->lo; i < p->hi; i++) {
    stance_rec *r = stance_store_at(p->s, i);
    const char *quote;
    if (skipped(r)) continue;
    quote = r->f[STANCE_F_QUOTE];
    if (quote == NULL ? r->spans[r->nspans - 1].end <= cps
                      : quote_matches(p->f, r->spans, r->nspans, 0, quote, strlen(quote), &hint)) {
      to_buf_spans(p->f, r, 0, &hint);
      p->placed++;
    } else {
      p->left[i] = 1;
    }
  }
}

/* The bytes `left` (one per slot, malloc'd) after the parallel pass, with the count of those
 * it placed; NULL when the store is too small, there is one core, or out of memory (then
 * nothing was placed: the pass in order does it all). */
static unsigned char *place_in_parallel(const stance_frame *f, stance_store *s, uint32_t *placed) {
  uint32_t slots = stance_store_slots(s), n = slots / ANCHOR_PART_MIN, k;
  unsigned cpus = stance_cpus();
  anchor_part parts[ANCHOR_PARTS_MAX];
  unsigned char *left;
  *placed = 0;
  if (n > cpus) n = cpus;
  if (n > ANCHOR_PARTS_MAX) n = ANCHOR_PARTS_MAX;
  if (n < 2 || (left = calloc(slots, 1)) == NULL) return NULL;
  memset(parts, 0, sizeof parts);
  for (k = 0; k < n; k++) {
    parts[k].f = f;
    parts[k].s = s;
    parts[k].left = left;
    parts[k].lo = (uint32_t)((uint64_t)slots * k / n);
    parts[k].hi = (uint32_t)((uint64_t)slots * (k + 1) / n);
  }
  for (k = 1; k < n; k++) parts[k].started = uv_thread_create(&parts[k].thread, place_part, &parts[k]) == 0;
  place_part(&parts[0]);
  for (k = 1; k < n; k++) {
    if (parts[k].started)
      uv_thread_join(&parts[k].thread);
    else
      place_part(&parts[k]); /* no thread: here */
  }
  for (k = 0; k < n; k++) *placed += parts[k].placed;
  return left;
}

/* ---- searching for many annotations ------------------------------------------------------ */

/* An annotation of the pass in order that is not where the file says: what it needs
 * (searching, or made an orphan for want of a quote) and, once searched for exactly, the
 * best place found. Searches are made for all of them before the pass in order acts on them
 * (moves them, calls back), which then does in order what it did before. */
enum { P_NO_QUOTE, P_SEARCH, P_WAIT, P_SHORT, P_FOUND, P_NONE, P_NO_BUDGET };

typedef struct pending {
  best_place p;
  size_t nlen; /* file bytes of the quote's first part */
  /* what the pass over the text looks for, and where the quote's first part is in it */
  const char *needle;
  size_t needle_len, needle_off;
  char *with_context; /* prefix, quote, suffix (malloc'd) */
  size_t full; /* prefix + suffix: the best score there is */
  uint32_t slot, next, members, next_member;
  uint32_t *occ, nocc, capocc; /* the places of its needle (when it holds the needle's list) */
  int state, done, member;
} pending;

static size_t field_len(const char *s) { return s ? strlen(s) : 0; }

/* Near where it was: an edit moves the annotations after it by the same number of code
 * points, so the shifts that placed the ones before are tried first, then (a bounded number
 * of times) every occurrence within NEAR_RADIUS code points of where it was. A place found so
 * is taken only when nothing else could beat it: it has the whole prefix and suffix (the
 * best score there is) and every occurrence nearer than it was looked at. Then it is the
 * place the search of the whole text would choose. */
#define NEAR_RADIUS 4096u /* code points either side */
#define NEAR_SHIFTS 4     /* shifts remembered, the last that worked first */
#define NEAR_PROBES 256   /* looks near without a shift, per call: each reads 2 * NEAR_RADIUS */

typedef struct near_hints {
  stance_text_hint lo, hi, cand, cb; /* each follows its own series of places, in order */
} near_hints;

/* Every occurrence of the first part whose first code point is within `radius` of where the
 * annotation was, offered to exact_cb. */
static void scan_near(pending *q, size_t radius, near_hints *h) {
  const stance_frame *f = q->p.f;
  size_t cps = stance_text_cps(f->t), near = q->p.near, lo, hi, end;
  lo = cp_to_byte(f, near > radius ? near - radius : 0, &h->lo);
  hi = cp_to_byte(f, near + radius < cps ? near + radius : cps, &h->hi);
  end = hi + q->nlen <= f->len ? hi + q->nlen : f->len;
  while (lo + q->nlen <= end) {
    const char *at = memmem(f->s + lo, end - lo, q->p.quote, q->nlen);
    if (at == NULL) break;
    lo = (size_t)(at - f->s);
    exact_cb(&q->p, lo, lo + q->nlen, 0);
    lo++;
  }
}

static int near_accepted(const pending *q, size_t radius) {
  return q->p.found && q->p.score == q->full && q->p.dist <= radius;
}

/* Whether the annotation is found near where it was (q->p then holds the place). */
static int find_near(pending *q, int64_t *shifts, int *nshifts, int *probes, near_hints *h) {
  const stance_frame *f = q->p.f;
  const stance_rec *r = q->p.r;
  int k, rc = 0;
  q->p.hint = &h->cb;
  for (k = 0; k < *nshifts; k++) {
    int64_t d = shifts[k];
    size_t radius = (size_t)(d < 0 ? -d : d), at, last_end;
    if (radius > NEAR_RADIUS) continue; /* shifts come from looks near; never a wider scan */
    if (!quote_matches(f, r->spans, r->nspans, d, q->p.quote, q->p.qlen, &h->cand)) continue;
    at = cp_to_byte(f, (size_t)((int64_t)r->spans[0].start + d), &h->cand);
    last_end = cp_to_byte(f, (size_t)((int64_t)r->spans[r->nspans - 1].end + d), &h->cand);
    if (match_before(f, at, r->f[STANCE_F_PREFIX]) + match_after(f, last_end, r->f[STANCE_F_SUFFIX]) != q->full)
      continue;
    scan_near(q, radius, h);
    if (near_accepted(q, radius)) {
      d = q->p.delta;
      memmove(shifts + 1, shifts, (size_t)k * sizeof *shifts);
      shifts[0] = d;
      rc = 1;
      break;
    }
    q->p.found = 0;
  }
  if (rc == 0 && *probes < NEAR_PROBES) {
    (*probes)++;
    scan_near(q, NEAR_RADIUS, h);
    if (near_accepted(q, NEAR_RADIUS)) {
      if (*nshifts < NEAR_SHIFTS) (*nshifts)++;
      memmove(shifts + 1, shifts, (size_t)(*nshifts - 1) * sizeof *shifts);
      shifts[0] = q->p.delta;
      rc = 1;
    } else {
      q->p.found = 0;
    }
  }
  q->p.hint = NULL; /* the hints are this pass's */
  return rc;
}

/* The whole text, once for all the annotations left: their needles are keyed by their first
 * 16, 8 or 4 bytes in a table, and each position of the text is looked up in it (one pass
 * per key width in use). A place found, and a place offered to an annotation, each cost
 * FIND_STEPS of the budget; without budget left the search stops, and the annotations it
 * had not finished are not searched. What each annotation is offered is every place of its
 * needle (up to MAX_OCCURRENCES, in the text's order), as a search of its own would be. */
static const size_t key_widths[] = { 16, 8, 4 };

static uint64_t key_at(const char *p, size_t w) {
  uint64_t a = 0, b = 0, h;
  if (w == 16) {
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
  } else if (w == 8) {
    memcpy(&a, p, 8);
  } else {
    uint32_t x;
    memcpy(&x, p, 4);
    a = x;
  }
  h = (a * 0x9E3779B97F4A7C15ull) ^ ((b + w) * 0xC2B2AE3D27D4EB4Full);
  return h ^ (h >> 31);
}

static size_t key_width(size_t nlen) { return nlen >= 16 ? 16 : nlen >= 8 ? 8 : 4; }

#define NO_NEXT UINT32_MAX
/* steps of the budget an occurrence offered to an annotation costs (and one per 16 bytes of
 * what was compared): the look at its context and its code points */
#define FIND_STEPS 40

static int grow_u32(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x) {
  if (*n == *cap) {
    uint32_t c = *cap ? *cap * 2 : 4;
    uint32_t *nv = c > *cap ? realloc(*v, (size_t)c * sizeof *nv) : NULL;
    if (nv == NULL) return -1;
    *v = nv;
    *cap = c;
  }
  (*v)[(*n)++] = x;
  return 0;
}

/* Whether the occurrence at file byte `at` is a place of the quote (its code points). */
static int valid_at(const pending *p, size_t at) {
  const stance_rec *r = p->p.r;
  int64_t d = (int64_t)stance_text_byte_to_cp(p->p.f->t, at) - (int64_t)r->spans[0].start;
  return quote_matches(p->p.f, r->spans, r->nspans, d, p->p.quote, p->p.qlen, NULL);
}

/* Search for the needles of the pending annotations of state P_SEARCH: each ends P_FOUND,
 * P_NONE or P_NO_BUDGET. The annotations with the same needle share one: its places (up to
 * MAX_OCCURRENCES, in the text's order) are collected in one pass, then offered to each of
 * them; with `nearest` (needles of the quote with its whole context, plain_quote), only the
 * nearest place on either side of where each was (every place has the best score there is:
 * the nearest wins). 0 or STANCE_ENOMEM. */
static int find_needles(anchor_ctx *c, pending *q, uint32_t nq, int nearest) {
  const stance_frame *f = c->f;
  uint32_t i, n = 0, *table = NULL;
  uint64_t *bits = NULL;
  size_t cap = 1024, mask, wi;
  int widths = 0, rc = STANCE_OK, stopped = 0;
  for (i = 0; i < nq; i++)
    if (q[i].state == P_SEARCH) n++;
  if (n == 0) return STANCE_OK;
  while (cap < 2 * (size_t)n) cap *= 2;
  mask = cap - 1;
  table = calloc(cap, sizeof *table); /* an annotation with the key, + 1; 0: empty */
  bits = calloc(1024, sizeof *bits); /* 65536 bits of the keys' hashes: most positions stop here */
  if (table == NULL || bits == NULL) {
    rc = STANCE_ENOMEM;
    goto done;
  }
  /* Keys (the needle's first 16, 8 or 4 bytes) lead to a list of the distinct needles with
   * that key (through `next`), each to the annotations that have it (`members`, through
   * `next_member`, in slot order). */
  for (i = nq; i-- > 0;) {
    pending *p = &q[i];
    size_t w, h;
    uint64_t hash;
    uint32_t k;
    if (p->state != P_SEARCH) continue;
    p->next = p->members = p->next_member = NO_NEXT;
    p->nocc = 0;
    p->member = p->done = 0;
    w = key_width(p->needle_len);
    hash = key_at(p->needle, w);
    widths |= w == 16 ? 1 : w == 8 ? 2 : 4;
    bits[(hash >> 48) >> 6] |= 1ull << ((hash >> 48) & 63);
    for (h = hash & mask; table[h] != 0; h = (h + 1) & mask) {
      k = table[h] - 1;
      if (key_width(q[k].needle_len) == w && memcmp(q[k].needle, p->needle, w) == 0) break;
    }
    if (table[h] == 0) {
      table[h] = i + 1;
    } else {
      for (k = table[h] - 1; k != NO_NEXT; k = q[k].next)
        if (q[k].needle_len == p->needle_len && memcmp(q[k].needle, p->needle, p->needle_len) == 0) break;
      if (k != NO_NEXT) { /* the same needle: one member more (backwards: in slot order) */
        p->next_member = q[k].members;
        p->member = 1;
        q[k].members = i;
        continue;
      }
      p->next = table[h] - 1; /* a needle more with this key */
      table[h] = i + 1;
    }
  }
  for (wi = 0; wi < 3 && !stopped; wi++) {
    size_t w = key_widths[wi], pos;
    if (!(widths & (1 << wi)) || f->len < w) continue;
    for (pos = 0; pos + w <= f->len && !stopped; pos++) {
      uint64_t hash = key_at(f->s + pos, w), looked = 0;
      size_t h;
      uint32_t k = NO_NEXT;
      if (!(bits[(hash >> 48) >> 6] & (1ull << ((hash >> 48) & 63)))) continue;
      for (h = hash & mask; table[h] != 0; h = (h + 1) & mask) {
        k = table[h] - 1;
        looked++;
        if (key_width(q[k].needle_len) == w && memcmp(q[k].needle, f->s + pos, w) == 0) break;
      }
      /* every slot and needle looked at costs a step: needles from a collaborator's file that
       * share a key (or crowd the table) must not make each position of the text cost them
       * all, without end */
      if (stance_budget_spend(&c->budget, looked) != 0) {
        stopped = 1;
        break;
      }
      if (table[h] == 0) continue;
      for (; k != NO_NEXT; k = q[k].next) {
        pending *p = &q[k];
        if (stance_budget_spend(&c->budget, 1) != 0) {
          stopped = 1;
          break;
        }
        if (pos + p->needle_len > f->len || memcmp(f->s + pos + w, p->needle + w, p->needle_len - w) != 0 ||
            p->nocc >= MAX_OCCURRENCES)
          continue;
        if (stance_budget_spend(&c->budget, FIND_STEPS) != 0) {
          stopped = 1;
          break;
        }
        if (grow_u32(&p->occ, &p->nocc, &p->capocc, (uint32_t)pos) != 0) {
          rc = STANCE_ENOMEM;
          goto done;
        }
      }
    }
  }
  /* each needle's places to each of its annotations */
  for (i = 0; i < nq && !stopped; i++) {
    pending *rep = &q[i];
    uint32_t m;
    if (rep->state != P_SEARCH || rep->member) continue;
    for (m = i; m != NO_NEXT && !stopped; m = m == i ? rep->members : q[m].next_member) {
      pending *p = &q[m];
      uint32_t k, lo = 0, hi = rep->nocc;
      if (!nearest) {
        for (k = 0; k < rep->nocc; k++) {
          size_t at = rep->occ[k] + p->needle_off;
          if (stance_budget_spend(&c->budget, FIND_STEPS) != 0) {
            stopped = 1;
            break;
          }
          exact_cb(&p->p, at, at + p->nlen, 0);
        }
      } else {
        /* the first place at or after where it was, and the last before */
        size_t cps = stance_text_cps(f->t), near = stance_text_cp_to_byte(f->t, p->p.near < cps ? p->p.near : cps);
        while (lo < hi) {
          uint32_t mid = lo + (hi - lo) / 2;
          if (rep->occ[mid] + p->needle_off < near)
            lo = mid + 1;
          else
            hi = mid;
        }
        for (k = lo; k < rep->nocc && !stopped; k++) {
          stopped = stance_budget_spend(&c->budget, FIND_STEPS) != 0;
          if (!stopped && valid_at(p, rep->occ[k] + p->needle_off)) break;
        }
        if (k < rep->nocc && !stopped) exact_cb(&p->p, rep->occ[k] + p->needle_off, rep->occ[k] + p->needle_off + p->nlen, 0);
        for (k = lo; k-- > 0 && !stopped;) {
          stopped = stance_budget_spend(&c->budget, FIND_STEPS) != 0;
          if (!stopped && valid_at(p, rep->occ[k] + p->needle_off)) {
            exact_cb(&p->p, rep->occ[k] + p->needle_off, rep->occ[k] + p->needle_off + p->nlen, 0);
            break;
          }
        }
      }
      if (!stopped) p->done = 1;
    }
  }
  for (i = 0; i < nq; i++)
    if (q[i].state == P_SEARCH) q[i].state = !q[i].done ? P_NO_BUDGET : q[i].p.found ? P_FOUND : P_NONE;
done:
  for (i = 0; i < nq; i++) {
    free(q[i].occ);
    q[i].occ = NULL;
    q[i].nocc = q[i].capocc = 0;
  }
  free(table);
  free(bits);
  return rc;
}

/* Whether an occurrence of the quote of `r` (`nlen` file bytes of its first part) is the
 * whole of its one span, starting a character: then its score is the prefix before it and
 * the suffix after its last byte, known without a conversion to code points. */
static int plain_quote(const stance_rec *r, const char *quote, size_t qlen, size_t nlen) {
  return r->nspans == 1 && nlen == qlen && qlen > 0 && ((unsigned char)quote[0] & 0xC0) != 0x80;
}

/* Search for the annotations of state P_SEARCH in the whole text. First with their prefix
 * and suffix around the quote where there are any: a place with both whole has the best
 * score there is, so the best of these is the best of all (usually the only one); then those
 * not found so, by their quote alone. 0 or STANCE_ENOMEM. */
static int find_all(anchor_ctx *c, pending *q, uint32_t nq) {
  uint32_t i, with = 0;
  int rc;
  for (i = 0; i < nq; i++) {
    pending *p = &q[i];
    const stance_rec *r = p->p.r;
    size_t plen, slen;
    if (p->state != P_SEARCH) continue;
    p->needle = p->p.quote;
    p->needle_len = p->nlen;
    p->needle_off = 0;
    if (p->full == 0 || !plain_quote(r, p->p.quote, p->p.qlen, p->nlen)) continue;
    plen = field_len(r->f[STANCE_F_PREFIX]);
    slen = field_len(r->f[STANCE_F_SUFFIX]);
    if ((p->with_context = malloc(plen + p->nlen + slen + 1)) == NULL) return STANCE_ENOMEM;
    memcpy(p->with_context, r->f[STANCE_F_PREFIX] ? r->f[STANCE_F_PREFIX] : "", plen);
    memcpy(p->with_context + plen, p->p.quote, p->nlen);
    memcpy(p->with_context + plen + p->nlen, r->f[STANCE_F_SUFFIX] ? r->f[STANCE_F_SUFFIX] : "", slen + 1);
    p->needle = p->with_context;
    p->needle_len = plen + p->nlen + slen;
    p->needle_off = plen;
    with++;
  }
  if (with > 0) {
    for (i = 0; i < nq; i++)
      if (q[i].state == P_SEARCH && q[i].with_context == NULL) q[i].state = P_WAIT;
    if ((rc = find_needles(c, q, nq, 1)) != STANCE_OK) return rc;
    for (i = 0; i < nq; i++) {
      pending *p = &q[i];
      if (p->state == P_WAIT) p->state = c->budget.exhausted ? P_NO_BUDGET : P_SEARCH;
      if (p->with_context == NULL || p->state == P_NO_BUDGET) continue;
      if (p->state == P_FOUND && p->p.score == p->full) continue;
      /* not with its whole context: by its quote alone */
      p->state = P_SEARCH;
      p->p.found = 0;
      p->done = 0;
      p->needle = p->p.quote;
      p->needle_len = p->nlen;
      p->needle_off = 0;
    }
  }
  return find_needles(c, q, nq, 0);
}

/* The annotations of the pass in order that are not where the file says, in slot order. */
typedef struct pendings {
  pending *q;
  uint32_t n, cap;
} pendings;

static pending *pend(pendings *ps, const stance_frame *f, stance_rec *r, int state) {
  pending *q;
  if (ps->n == ps->cap) {
    uint32_t cap = ps->cap ? ps->cap * 2 : 64;
    pending *nq = cap > ps->cap ? realloc(ps->q, (size_t)cap * sizeof *nq) : NULL;
    if (nq == NULL) return NULL;
    ps->q = nq;
    ps->cap = cap;
  }
  q = &ps->q[ps->n++];
  memset(q, 0, sizeof *q);
  q->slot = r->index;
  q->state = state;
  q->p.f = f;
  q->p.r = r;
  return q;
}

int stance_frame_anchor_ex(const stance_frame *f, stance_store *s, const stance_anchor_opts *opts,
                           stance_anchor_result *res, stance_anchor_cb cb, void *ud) {
  uint32_t i, slots = stance_store_slots(s), searched = 0;
  size_t cps = stance_text_cps(f->t);
  stance_text_hint hint;
  anchor_ctx c;
  pendings ps;
  int64_t shifts[NEAR_SHIFTS];
  near_hints hints;
  int nshifts = 0, probes = 0, rc = STANCE_OK;
  unsigned char *left;
  memset(&hint, 0, sizeof hint);
  memset(res, 0, sizeof *res);
  memset(&c, 0, sizeof c);
  memset(&ps, 0, sizeof ps);
  memset(&hints, 0, sizeof hints);
  c.f = f;
  c.budget.left = opts != NULL && opts->budget > 0 ? opts->budget
                                                   : STANCE_ANCHOR_BUDGET + (uint64_t)STANCE_ANCHOR_BUDGET_PER_BYTE * f->len;
  left = place_in_parallel(f, s, &res->placed);
  /* where the file says (whatever its recorded hash: a quote is checked, never trusted), or
   * pending */
  for (i = 0; i < slots && rc == STANCE_OK; i++) {
    stance_rec *r = stance_store_at(s, i);
    const char *quote;
    pending *q;
    size_t qlen;
    if ((left != NULL && !left[i]) || skipped(r)) continue;
    quote = r->f[STANCE_F_QUOTE];
    if (quote == NULL) {
      /* nothing to check against: trust the offsets if they fit */
      if (r->spans[r->nspans - 1].end <= cps) {
        to_buf_spans(f, r, 0, &hint);
        res->placed++;
      } else if (pend(&ps, f, r, P_NO_QUOTE) == NULL) {
        rc = STANCE_ENOMEM;
      }
      continue;
    }
    qlen = strlen(quote);
    /* (left by the parallel pass: not where the file says) */
    if (left == NULL && quote_matches(f, r->spans, r->nspans, 0, quote, qlen, &hint)) {
      to_buf_spans(f, r, 0, &hint);
      res->placed++;
      continue;
    }
    if ((q = pend(&ps, f, r, P_SEARCH)) == NULL) {
      rc = STANCE_ENOMEM;
      continue;
    }
    /* Elsewhere: the first part of the quote (as many code points as the first span had),
     * with every other part at the same distance. */
    q->p.quote = quote;
    q->p.qlen = qlen;
    q->p.near = r->spans[0].start;
    q->nlen = cp_prefix_len(quote, qlen, r->spans[0].end - r->spans[0].start);
    q->full = field_len(r->f[STANCE_F_PREFIX]) + field_len(r->f[STANCE_F_SUFFIX]);
    q->p.plain = plain_quote(r, quote, qlen, q->nlen);
    if (q->nlen < 4 || (opts != NULL && opts->each)) q->state = P_SHORT; /* searched on its own, as it comes */
    else if (find_near(q, shifts, &nshifts, &probes, &hints)) q->state = P_FOUND;
  }
  if (rc == STANCE_OK) rc = find_all(&c, ps.q, ps.n);
  /* in order: moved, found approximately, or orphans */
  for (i = 0; i < ps.n && rc == STANCE_OK; i++) {
    pending *q = &ps.q[i];
    stance_rec *r = (stance_rec *)q->p.r;
    int64_t delta = q->p.delta;
    size_t delta_a, delta_b;
    int found;
    if (q->state == P_NO_QUOTE) {
      make_orphan(r, res, cb, ud);
      continue;
    }
    if (q->state != P_FOUND && c.budget.exhausted) { /* no work left for searches: kept as it is, said so */
      res->unsearched++;
      make_orphan(r, res, cb, ud);
      continue;
    }
    if (opts != NULL && opts->progress != NULL && ++searched % 32 == 0) opts->progress(opts->progress_ud, q->slot, slots);
    found = q->state == P_FOUND ? 1 : q->state == P_NO_BUDGET ? NO_BUDGET : 0;
    if (q->state == P_SHORT) found = best_occurrence(&c, r, q->p.quote, q->p.qlen, q->nlen, &delta);
    if (found == STANCE_ENOMEM) {
      rc = STANCE_ENOMEM;
      break;
    }
    if (found == 1) {
      to_buf_spans(f, r, delta, &hints.lo); /* (the look near is over: its hint is free) */
      r->touched = 1;
      res->moved++;
      if (cb) cb(ud, r, 0);
      continue;
    }
    if (found == 0 && r->nspans == 1) found = fuzzy_find(&c, r, q->p.quote, q->p.qlen, &delta_a, &delta_b);
    if (found == STANCE_ENOMEM) {
      rc = STANCE_ENOMEM;
      break;
    }
    if (found == 1) {
      size_t a = stance_frame_to_buf(f, stance_text_cp_to_byte(f->t, delta_a));
      size_t b = stance_frame_to_buf(f, stance_text_cp_to_byte(f->t, delta_b));
      r->spans[0].start = (uint32_t)a;
      r->spans[0].end = (uint32_t)b;
      r->touched = 1;
      res->moved++;
      res->fuzzy++;
      if (cb) cb(ud, r, 2);
      continue;
    }
    if (found == NO_BUDGET) res->unsearched++;
    make_orphan(r, res, cb, ud);
  }
  for (i = 0; i < ps.n; i++) free(ps.q[i].with_context);
  free(ps.q);
  free(left);
  stance_qgrams_free(c.g);
  stance_store_reindex(s);
  return rc;
}

/* ---- quote, prefix, suffix ---------------------------------------------------------------- */

static char *slice(const char *s, size_t a, size_t b) {
  char *out = malloc(b - a + 1);
  if (out == NULL) return NULL;
  memcpy(out, s + a, b - a);
  out[b - a] = '\0';
  return out;
}

int stance_frame_context(const stance_frame *f, const stance_range *spans, uint32_t n,
                         uint32_t context, char **quote, char **prefix, char **suffix) {
  size_t total = 0, q = 0, cps = stance_text_cps(f->t), first, last, ca, cb;
  uint32_t i;
  *quote = *prefix = *suffix = NULL;
  if (n == 0) return STANCE_EINVAL;
  for (i = 0; i < n; i++)
    total += stance_frame_to_file(f, spans[i].end) - stance_frame_to_file(f, spans[i].start) + 1;
  if ((*quote = malloc(total + 1)) == NULL) return STANCE_ENOMEM;
  for (i = 0; i < n; i++) {
    size_t a = stance_frame_to_file(f, spans[i].start), b = stance_frame_to_file(f, spans[i].end);
    if (i > 0) (*quote)[q++] = ' ';
    memcpy(*quote + q, f->s + a, b - a);
    q += b - a;
  }
  (*quote)[q] = '\0';
  first = stance_frame_to_file(f, spans[0].start);
  last = stance_frame_to_file(f, spans[n - 1].end);
  ca = stance_text_byte_to_cp(f->t, first);
  cb = stance_text_byte_to_cp(f->t, last);
  {
    /* the context is the text next to the quote: up to a NUL byte of the document at most (a
     * value cannot hold one, doc/format.md 8.4), never the text beyond it cut short */
    size_t pa = stance_text_cp_to_byte(f->t, ca > context ? ca - context : 0), pb = first;
    size_t sa = last, sb = stance_text_cp_to_byte(f->t, cb + context < cps ? cb + context : cps);
    const char *z;
    for (z = f->s + pb; z > f->s + pa; z--)
      if (z[-1] == '\0') break;
    pa = (size_t)(z - f->s);
    z = sb > sa ? memchr(f->s + sa, '\0', sb - sa) : NULL;
    if (z != NULL) sb = (size_t)(z - f->s);
    *prefix = slice(f->s, pa, pb);
    *suffix = slice(f->s, sa, sb);
  }
  if (*prefix == NULL || *suffix == NULL) {
    free(*quote);
    free(*prefix);
    free(*suffix);
    *quote = *prefix = *suffix = NULL;
    return STANCE_ENOMEM;
  }
  return STANCE_OK;
}

/* Refresh one record (see stance_frame_refresh): 1 when refreshed, 0 when skipped or
 * collapsed, or STANCE_ENOMEM. */
static int refresh_one(const stance_frame *f, stance_store *s, stance_rec *r, uint32_t context,
                       stance_anchor_cb cb, void *ud) {
  stance_range keep[64], *kept = keep;
  uint32_t k, nk = 0;
  char *quote, *prefix, *suffix;
  int rc;
  if (r->dead || r->orphan || !r->touched || r->kind != STANCE_REC_ANNOTATION) return 0;
  if (r->nspans > 64 && (kept = malloc(r->nspans * sizeof *kept)) == NULL) return STANCE_ENOMEM;
  for (k = 0; k < r->nspans; k++)
    if (r->spans[k].end > r->spans[k].start) kept[nk++] = r->spans[k];
  if (nk == 0) {
    if (kept != keep) free(kept);
    if (cb) cb(ud, r, 1);
    return 0;
  }
  rc = nk < r->nspans ? stance_store_set_spans(s, r->id, kept, nk) : STANCE_OK;
  if (rc == STANCE_OK) rc = stance_frame_context(f, r->spans, r->nspans, context, &quote, &prefix, &suffix);
  if (kept != keep) free(kept);
  if (rc != STANCE_OK) return STANCE_ENOMEM;
  if (stance_store_set_field(s, r->id, STANCE_F_QUOTE, quote) != STANCE_OK ||
      stance_store_set_field(s, r->id, STANCE_F_PREFIX, prefix) != STANCE_OK ||
      stance_store_set_field(s, r->id, STANCE_F_SUFFIX, suffix) != STANCE_OK)
    rc = STANCE_ENOMEM;
  free(quote);
  free(prefix);
  free(suffix);
  if (rc != STANCE_OK) return rc;
  r->touched = 0;
  return 1;
}

int stance_frame_refresh(const stance_frame *f, stance_store *s, uint32_t context,
                         stance_anchor_cb cb, void *ud) {
  uint32_t i, slots = stance_store_slots(s);
  int done = 0;
  for (i = 0; i < slots; i++) {
    int rc = refresh_one(f, s, stance_store_at(s, i), context, cb, ud);
    if (rc < 0) return rc;
    done += rc;
  }
  return done;
}

int stance_frame_refresh_ids(const stance_frame *f, stance_store *s, const char *const *ids, size_t n,
                             uint32_t context, stance_anchor_cb cb, void *ud) {
  size_t i;
  int done = 0;
  for (i = 0; i < n; i++) {
    stance_rec *r = stance_store_get(s, ids[i]);
    int rc = r != NULL ? refresh_one(f, s, r, context, cb, ud) : 0;
    if (rc < 0) return rc;
    done += rc;
  }
  return done;
}
