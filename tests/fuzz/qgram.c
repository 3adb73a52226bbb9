/*
 * Fuzz target "qgram": the searches that re-anchor annotations (src/qgram.c), against brute
 * force. Input: one byte of settings (k, sampling stride), a pattern, "\0\0", a text.
 *   - exact search finds every occurrence memmem finds, and nothing else;
 *   - approximate search loses no match: when some substring of the text is within k edits
 *     of the pattern, the fewest edits reported is the fewest possible;
 *   - what it reports is true: the region is within the reported edits of the pattern;
 *   - with a tiny budget it gives up cleanly.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "qgram.h"

typedef struct found {
  size_t n, best, starts[4096];
  int bad;
} found;

static int on_exact(void *ud, size_t start, size_t end, size_t edits) {
  found *f = ud;
  (void)end;
  (void)edits;
  if (f->n < 4096) f->starts[f->n] = start;
  f->n++;
  return 0;
}

/* Edit distance between a and b (bytes), whole strings. */
static size_t distance(const unsigned char *a, size_t n, const unsigned char *b, size_t m, size_t *row) {
  size_t i, j;
  for (j = 0; j <= m; j++) row[j] = j;
  for (i = 1; i <= n; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (j = 1; j <= m; j++) {
      size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < v) v = up + 1;
      if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
      diag = up;
      row[j] = v;
    }
  }
  return row[m];
}

/* The fewest edits between the pattern and any substring of the text. */
static size_t best_anywhere(const unsigned char *t, size_t n, const unsigned char *p, size_t m, size_t *prev,
                            size_t *cur) {
  size_t i, j, best;
  for (j = 0; j <= m; j++) prev[j] = j;
  best = prev[m];
  for (i = 1; i <= n; i++) {
    size_t *x;
    cur[0] = 0;
    for (j = 1; j <= m; j++) {
      size_t v = prev[j - 1] + (t[i - 1] != p[j - 1]);
      if (prev[j] + 1 < v) v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      cur[j] = v;
    }
    if (cur[m] < best) best = cur[m];
    x = prev, prev = cur, cur = x;
  }
  return best;
}

typedef struct approx_check {
  const unsigned char *t, *p;
  size_t n, m, k, best, reports;
  size_t *row;
  int lie;
} approx_check;

static int on_approx(void *ud, size_t start, size_t end, size_t edits) {
  approx_check *c = ud;
  c->reports++;
  if (start > end || end > c->n || edits > c->k ||
      distance(c->t + start, end - start, c->p, c->m, c->row) > edits)
    c->lie = 1;
  if (edits < c->best) c->best = edits;
  return 0;
}

STANCE_FUZZ_TARGET(qgram) {
  const char *pat, *text;
  size_t m, n, k, stride, i, *rows;
  stance_qgrams *g;
  stance_budget b;
  found f;
  approx_check c;
  long r;
  int complete = 1;
  if (size < 1) return 0;
  k = data[0] & 15;
  stride = 1 + ((data[0] >> 4) & 3);
  stance_fuzz_split(data + 1, size - 1, "\0\0", 2, &pat, &m, &text, &n);
  if (m == 0 || m > 256 || n > 8192) return 0;
  g = stance_qgrams_new_sampled(text, n, stride);
  if (g == NULL) return 0;
  /* exact */
  memset(&f, 0, sizeof f);
  b.left = UINT64_MAX / 4;
  b.exhausted = 0;
  r = stance_qgrams_find(g, text, n, pat, m, 4096, &b, on_exact, &f);
  {
    size_t want = 0;
    const char *at = text;
    while (n >= m && at + m <= text + n) {
      const char *hit = memmem(at, (size_t)(text + n - at), pat, m);
      size_t j, seen = 0;
      if (hit == NULL) break;
      for (j = 0; j < f.n && j < 4096; j++) seen |= f.starts[j] == (size_t)(hit - text);
      if (want < 4096 && !seen) complete = 0;
      want++;
      at = hit + 1;
    }
    for (i = 0; i < f.n && i < 4096; i++)
      if (f.starts[i] + m > n || memcmp(text + f.starts[i], pat, m) != 0) complete = 0;
    if (want <= 4096 && (size_t)r != want) complete = 0;
  }
  /* approximate */
  rows = malloc(4 * (m + 1) * sizeof *rows);
  if (rows == NULL) {
    stance_qgrams_free(g);
    return 0;
  }
  memset(&c, 0, sizeof c);
  c.t = (const unsigned char *)text;
  c.p = (const unsigned char *)pat;
  c.n = n;
  c.m = m;
  c.k = k;
  c.best = SIZE_MAX;
  c.row = rows + 2 * (m + 1);
  b.left = UINT64_MAX / 4;
  r = stance_qgrams_approx(g, pat, m, k, &b, on_approx, &c);
  {
    size_t truth = best_anywhere(c.t, n, c.p, m, rows, rows + (m + 1));
    /* patterns too short to cut in k + 1 pieces of a gram are not searched (say so: 0) */
    int searchable = m >= 4 && m / (k + 1) >= 4 + stride - 1;
    int lossless = r < 0 || !searchable || truth > k || c.best == truth;
    /* a tiny budget: gives up, or finishes; never crashes */
    stance_budget tiny;
    tiny.left = data[0] & 63;
    tiny.exhausted = 0;
    (void)stance_qgrams_approx(g, pat, m, k, &tiny, on_approx, &c);
    free(rows);
    stance_qgrams_free(g);
    FUZZ_CHECK(complete, "exact search finds what memmem finds");
    FUZZ_CHECK(r >= 0, "an unbounded budget is not used up");
    FUZZ_CHECK(!c.lie, "a reported place is within its edits of the pattern");
    FUZZ_CHECK(lossless, "approximate search loses no match");
  }
  return 0;
}
