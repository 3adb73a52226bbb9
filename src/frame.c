/*
 * frame.c - conversions between buffer bytes and file code points, anchoring annotations
 * in a text, and their quote, prefix and suffix. See frame.h.
 */
#define _GNU_SOURCE /* memmem */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

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

/* Whether the text at spans (file code points) is `quote` (the parts joined by a space). */
static int quote_matches(const stance_frame *f, const stance_range *sp, uint32_t n, int64_t delta,
                         const char *quote, size_t qlen) {
  size_t cps = stance_text_cps(f->t), q = 0;
  uint32_t i;
  for (i = 0; i < n; i++) {
    int64_t a = (int64_t)sp[i].start + delta, b = (int64_t)sp[i].end + delta;
    size_t fa, fb;
    if (a < 0 || b > (int64_t)cps) return 0;
    fa = stance_text_cp_to_byte(f->t, (size_t)a);
    fb = stance_text_cp_to_byte(f->t, (size_t)b);
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

/* The best place for the annotation's spans, as a shift `delta` in code points: among the
 * occurrences of the first part of the quote (`needle`, file bytes) where the whole quote
 * matches, the one with the most prefix and suffix around it, then the nearest to where it
 * was. Returns 0 when there is none. */
static int best_occurrence(const stance_frame *f, const stance_rec *r, const char *quote, size_t qlen,
                           size_t nlen, int64_t *delta) {
  const char *p = f->s, *end = f->s + f->len;
  const char *prefix = r->f[STANCE_F_PREFIX], *suffix = r->f[STANCE_F_SUFFIX];
  size_t best_score = 0, best_dist = 0, seen = 0, near = r->spans[0].start;
  int found = 0;
  if (nlen == 0) return 0;
  while (p < end && seen < MAX_OCCURRENCES) {
    const char *hit = memmem(p, (size_t)(end - p), quote, nlen);
    size_t at, cp, score, dist, last_end;
    int64_t d;
    if (hit == NULL) break;
    seen++;
    p = hit + 1;
    at = (size_t)(hit - f->s);
    cp = stance_text_byte_to_cp(f->t, at);
    d = (int64_t)cp - (int64_t)r->spans[0].start;
    if (!quote_matches(f, r->spans, r->nspans, d, quote, qlen)) continue;
    last_end = stance_text_cp_to_byte(f->t, (size_t)((int64_t)r->spans[r->nspans - 1].end + d));
    score = match_before(f, at, prefix) + match_after(f, last_end, suffix);
    dist = cp > near ? cp - near : near - cp;
    if (!found || score > best_score || (score == best_score && dist < best_dist)) {
      found = 1;
      *delta = d;
      best_score = score;
      best_dist = dist;
    }
  }
  return found;
}

/* ---- approximate matching ----------------------------------------------------------------- */

/* The substring of text[lo, hi) closest to q (edit distance over bytes, free start and end
 * in the text): its start and end. prev, cur, pstart, cstart hold qlen + 1 cells each.
 * Returns the distance, or SIZE_MAX if none is within max. The leftmost best end wins. */
static size_t best_substring(const char *text, size_t lo, size_t hi, const char *q, size_t qlen, size_t max,
                             size_t *out_start, size_t *out_end, size_t *prev, size_t *cur, size_t *pstart,
                             size_t *cstart) {
  size_t best = SIZE_MAX, i, j;
  /* column j = bytes of q consumed; rows walk the text */
  for (j = 0; j <= qlen; j++) {
    prev[j] = j;
    pstart[j] = lo;
  }
  if (prev[qlen] <= max) {
    best = prev[qlen];
    *out_start = lo;
    *out_end = lo;
  }
  for (i = lo; i < hi; i++) {
    cur[0] = 0;
    cstart[0] = i + 1;
    for (j = 1; j <= qlen; j++) {
      size_t sub = prev[j - 1] + (text[i] == q[j - 1] ? 0 : 1), del = prev[j] + 1, ins = cur[j - 1] + 1;
      size_t v = sub, st = pstart[j - 1];
      if (del < v) {
        v = del;
        st = pstart[j];
      }
      if (ins < v) {
        v = ins;
        st = cstart[j - 1];
      }
      cur[j] = v;
      cstart[j] = st;
    }
    if (cur[qlen] < best) {
      best = cur[qlen];
      *out_start = cstart[qlen];
      *out_end = i + 1;
    }
    {
      size_t *t = prev;
      prev = cur;
      cur = t;
      t = pstart;
      pstart = cstart;
      cstart = t;
    }
  }
  return best <= max ? best : SIZE_MAX;
}

static int wordish(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A fuzzy match does not start or end inside a word unless the quote did: the start moves
 * back to the word's start, the end on to the word's end (and over the quote's final
 * punctuation when the text has it there). */
static void word_bounds(const stance_frame *f, const char *q, size_t qlen, size_t *a, size_t *b) {
  unsigned char first = (unsigned char)q[0], last = (unsigned char)q[qlen - 1];
  if (wordish(first))
    while (*a > 0 && wordish((unsigned char)f->s[*a - 1]) && wordish((unsigned char)f->s[*a])) (*a)--;
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

/* Find the one-span annotation `r` approximately (see stance_frame_anchor): on success its
 * new spans in file code points [*a, *b) and 1; 0 when not found; -1 out of memory. */
static int fuzzy_find(const stance_frame *f, const stance_rec *r, const char *q, size_t qlen, size_t *a, size_t *b) {
  size_t k = qlen / STANCE_FUZZY_DIVISOR, pieces, plen, p, best = SIZE_MAX, best_score = 0, best_dist = 0;
  size_t near = stance_text_cp_to_byte(f->t, r->spans[0].start > stance_text_cps(f->t) ? stance_text_cps(f->t)
                                                                                        : r->spans[0].start);
  size_t *cells, seen = 0, checked[64], nchecked = 0;
  size_t found_a = 0, found_b = 0;
  if (k > STANCE_FUZZY_MAX_EDITS) k = STANCE_FUZZY_MAX_EDITS;
  if (qlen < STANCE_FUZZY_MIN_QUOTE) return 0;
  pieces = k + 1;
  plen = qlen / pieces;
  if (plen < 3) {
    pieces = qlen / 3;
    plen = 3;
    if (pieces < k + 1) return 0; /* too short to allow that many edits */
  }
  if ((cells = malloc(4 * (qlen + 1) * sizeof *cells)) == NULL) return -1;
  for (p = 0; p < pieces && seen < MAX_OCCURRENCES; p++) {
    const char *piece = q + p * plen, *at = f->s, *end = f->s + f->len;
    while (at < end && seen < MAX_OCCURRENCES) {
      const char *hit = memmem(at, (size_t)(end - at), piece, plen);
      size_t cand, lo, hi, s0 = 0, e0 = 0, d;
      if (hit == NULL) break;
      seen++;
      at = hit + 1;
      cand = (size_t)(hit - f->s);
      cand = cand > p * plen ? cand - p * plen : 0;
      lo = cand > k ? cand - k : 0;
      hi = cand + qlen + k < f->len ? cand + qlen + k : f->len;
      {
        size_t c, dup = 0;
        for (c = 0; c < nchecked && !dup; c++) dup = cand <= checked[c] + k && cand + k >= checked[c];
        if (dup) continue;
        checked[nchecked < 64 ? nchecked++ : (size_t)(seen % 64)] = cand;
      }
      d = best_substring(f->s, lo, hi, q, qlen, k, &s0, &e0, cells, cells + (qlen + 1), cells + 2 * (qlen + 1),
                         cells + 3 * (qlen + 1));
      if (d != SIZE_MAX && e0 > s0) {
        size_t score = match_before(f, s0, r->f[STANCE_F_PREFIX]) + match_after(f, e0, r->f[STANCE_F_SUFFIX]);
        size_t dist = s0 > near ? s0 - near : near - s0;
        if (best == SIZE_MAX || d < best || (d == best && (score > best_score || (score == best_score && dist < best_dist)))) {
          best = d;
          best_score = score;
          best_dist = dist;
          found_a = s0;
          found_b = e0;
        }
      }
    }
  }
  free(cells);
  if (best == SIZE_MAX) return 0;
  word_bounds(f, q, qlen, &found_a, &found_b);
  found_a = char_start(f, found_a);
  if (found_b < f->len) found_b = char_start(f, found_b);
  if (found_b <= found_a) return 0;
  *a = stance_text_byte_to_cp(f->t, found_a);
  *b = stance_text_byte_to_cp(f->t, found_b);
  return 1;
}

/* Code points to buffer bytes; `h` (may be NULL) follows a series of spans in order. */
static size_t cp_to_byte(const stance_frame *f, size_t cp, stance_text_hint *h) {
  return h ? stance_text_cp_to_byte_hint(f->t, cp, h) : stance_text_cp_to_byte(f->t, cp);
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
  return stance_frame_anchor_ex(f, s, 0, res, cb, ud);
}

int stance_frame_anchor_ex(const stance_frame *f, stance_store *s, int trust, stance_anchor_result *res,
                           stance_anchor_cb cb, void *ud) {
  uint32_t i, slots = stance_store_slots(s);
  size_t cps = stance_text_cps(f->t);
  stance_text_hint hint;
  memset(&hint, 0, sizeof hint);
  memset(res, 0, sizeof *res);
  for (i = 0; i < slots; i++) {
    stance_rec *r = stance_store_at(s, i);
    const char *quote;
    size_t qlen, first_len, delta_a, delta_b;
    int64_t delta;
    if (r->dead || r->orphan || r->kind != STANCE_REC_ANNOTATION || r->nspans == 0) continue;
    quote = r->f[STANCE_F_QUOTE];
    if (quote == NULL || trust) {
      /* nothing to check against: trust the offsets if they fit */
      if (r->spans[r->nspans - 1].end <= cps) {
        to_buf_spans(f, r, 0, &hint);
        res->placed++;
      } else {
        r->orphan = 1;
        res->orphaned++;
        if (cb) cb(ud, r, 1);
      }
      continue;
    }
    qlen = strlen(quote);
    if (quote_matches(f, r->spans, r->nspans, 0, quote, qlen)) {
      to_buf_spans(f, r, 0, &hint);
      res->placed++;
      continue;
    }
    /* Elsewhere: the first part of the quote (as many code points as the first span had),
     * with every other part at the same distance. */
    first_len = cp_prefix_len(quote, qlen, r->spans[0].end - r->spans[0].start);
    if (best_occurrence(f, r, quote, qlen, first_len, &delta)) {
      to_buf_spans(f, r, delta, NULL);
      r->touched = 1;
      res->moved++;
      if (cb) cb(ud, r, 0);
      continue;
    }
    if (r->nspans == 1) {
      int fz = fuzzy_find(f, r, quote, qlen, &delta_a, &delta_b);
      if (fz < 0) return STANCE_ENOMEM;
      if (fz > 0) {
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
    }
    r->orphan = 1;
    res->orphaned++;
    if (cb) cb(ud, r, 1);
  }
  stance_store_reindex(s);
  return STANCE_OK;
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
  *prefix = slice(f->s, stance_text_cp_to_byte(f->t, ca > context ? ca - context : 0), first);
  *suffix = slice(f->s, last, stance_text_cp_to_byte(f->t, cb + context < cps ? cb + context : cps));
  if (*prefix == NULL || *suffix == NULL) {
    free(*quote);
    free(*prefix);
    free(*suffix);
    *quote = *prefix = *suffix = NULL;
    return STANCE_ENOMEM;
  }
  return STANCE_OK;
}

int stance_frame_refresh(const stance_frame *f, stance_store *s, uint32_t context,
                         stance_anchor_cb cb, void *ud) {
  uint32_t i, k, slots = stance_store_slots(s);
  int done = 0;
  for (i = 0; i < slots; i++) {
    stance_rec *r = stance_store_at(s, i);
    stance_range keep[64], *kept = keep;
    uint32_t nk = 0;
    char *quote, *prefix, *suffix;
    int rc;
    if (r->dead || r->orphan || !r->touched || r->kind != STANCE_REC_ANNOTATION) continue;
    if (r->nspans > 64 && (kept = malloc(r->nspans * sizeof *kept)) == NULL) return STANCE_ENOMEM;
    for (k = 0; k < r->nspans; k++)
      if (r->spans[k].end > r->spans[k].start) kept[nk++] = r->spans[k];
    if (nk == 0) {
      if (kept != keep) free(kept);
      if (cb) cb(ud, r, 1);
      continue;
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
    done++;
  }
  return done;
}
