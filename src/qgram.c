/*
 * qgram.c - exact and approximate search through an index of 4-byte grams (see qgram.h).
 */
#define _GNU_SOURCE /* memmem */
#include "qgram.h"

#include <stdlib.h>
#include <string.h>


#define Q 4
#define NONE UINT32_MAX
#define INF (UINT32_MAX / 2)

struct stance_qgrams {
  const unsigned char *s;
  size_t n, stride, npos;
  unsigned bits;
  uint32_t *start; /* bucket b holds pos[start[b] .. start[b + 1]) */
  uint32_t *pos;   /* positions, ascending within a bucket */
  /* scratch of approximate searches */
  uint32_t *bins;
  size_t nbins;
  uint32_t *touched, *pass, *size;
  size_t ntouched, touched_cap, pass_cap, size_cap;
  uint32_t *row; /* 4 rows of edit distance: cost and start, previous and current */
  size_t row_cap;
};

static uint32_t gram_at(const unsigned char *p) {
  uint32_t g;
  memcpy(&g, p, Q);
  return g;
}

static uint32_t bucket_of(const stance_qgrams *g, uint32_t gram) {
  return (uint32_t)((gram * 2654435761u) >> (32 - g->bits));
}

stance_qgrams *stance_qgrams_new(const char *text, size_t len) {
  return stance_qgrams_new_sampled(text, len, len <= STANCE_QGRAM_FULL ? 1 : (len + STANCE_QGRAM_FULL - 1) / STANCE_QGRAM_FULL);
}

stance_qgrams *stance_qgrams_new_sampled(const char *text, size_t len, size_t stride) {
  stance_qgrams *g;
  uint32_t *cursor;
  size_t p, i, nb;
  if (len > UINT32_MAX - 16 || stride == 0) return NULL;
  if ((g = calloc(1, sizeof *g)) == NULL) return NULL;
  g->s = (const unsigned char *)text;
  g->n = len;
  g->stride = stride;
  g->npos = len >= Q ? (len - Q) / g->stride + 1 : 0;
  g->bits = 8; /* about two places a bucket: a smaller table, built faster */
  while (g->bits < 24 && ((size_t)2 << g->bits) < g->npos) g->bits++;
  nb = (size_t)1 << g->bits;
  g->start = calloc(nb + 1, sizeof *g->start);
  g->pos = malloc((g->npos ? g->npos : 1) * sizeof *g->pos);
  cursor = malloc(nb * sizeof *cursor);
  if (g->start == NULL || g->pos == NULL || cursor == NULL) {
    free(cursor);
    stance_qgrams_free(g);
    return NULL;
  }
  for (i = 0, p = 0; i < g->npos; i++, p += g->stride) g->start[bucket_of(g, gram_at(g->s + p)) + 1]++;
  for (i = 0; i < nb; i++) g->start[i + 1] += g->start[i];
  memcpy(cursor, g->start, nb * sizeof *cursor);
  for (i = 0, p = 0; i < g->npos; i++, p += g->stride) g->pos[cursor[bucket_of(g, gram_at(g->s + p))]++] = (uint32_t)p;
  free(cursor);
  return g;
}

void stance_qgrams_free(stance_qgrams *g) {
  if (g == NULL) return;
  free(g->start);
  free(g->pos);
  free(g->bins);
  free(g->touched);
  free(g->pass);
  free(g->size);
  free(g->row);
  free(g);
}

int stance_budget_spend(stance_budget *b, uint64_t steps) {
  if (b->exhausted || steps > b->left) {
    b->left = 0;
    b->exhausted = 1;
    return -1;
  }
  b->left -= steps;
  return 0;
}

/* ---- exact ------------------------------------------------------------------------------ */

static long find_scan(const char *text, size_t len, const char *needle, size_t nlen, size_t max, stance_budget *b,
                      stance_found_cb cb, void *ud) {
  const char *p = text, *end = text + len;
  long found = 0;
  if (nlen == 0 || nlen > len) return 0;
  if (stance_budget_spend(b, len / 8 + 1) != 0) return -1; /* a scan is cheap per byte */
  while (p < end && (size_t)found < max) {
    const char *hit = memmem(p, (size_t)(end - p), needle, nlen);
    if (hit == NULL) break;
    found++;
    if (cb(ud, (size_t)(hit - text), (size_t)(hit - text) + nlen, 0)) break;
    p = hit + 1;
  }
  return found;
}

long stance_qgrams_find(stance_qgrams *g, const char *text, size_t len, const char *needle, size_t nlen, size_t max,
                        stance_budget *b, stance_found_cb cb, void *ud) {
  const unsigned char *nd = (const unsigned char *)needle;
  size_t j, best_j = 0, best_size = SIZE_MAX, first, last;
  long found = 0;
  if (g == NULL || nlen < Q + g->stride - 1) return find_scan(text, len, needle, nlen, max, b, cb, ud);
  if (nlen > g->n) return 0;
  if (g->stride == 1) { /* the rarest gram of the needle */
    for (j = 0; j + Q <= nlen; j++) {
      uint32_t h = bucket_of(g, gram_at(nd + j));
      size_t size = g->start[h + 1] - g->start[h];
      if (size < best_size) {
        best_size = size;
        best_j = j;
      }
    }
    first = last = best_j;
  } else { /* with sampling, each occurrence is seen through exactly one of s offsets */
    first = 0;
    last = g->stride - 1;
  }
  if (stance_budget_spend(b, nlen) != 0) return -1;
  for (j = first; j <= last; j++) {
    uint32_t h = bucket_of(g, gram_at(nd + j)), k;
    if (stance_budget_spend(b, g->start[h + 1] - g->start[h]) != 0) return -1;
    for (k = g->start[h]; k < g->start[h + 1]; k++) {
      size_t p = g->pos[k], at;
      if (p < j) continue;
      at = p - j;
      if (at + nlen > g->n || memcmp(g->s + at, needle, nlen) != 0) continue;
      if ((size_t)found >= max) return found;
      found++;
      if (cb(ud, at, at + nlen, 0)) return found;
    }
  }
  return found;
}

/* ---- approximate ------------------------------------------------------------------------- */

/* The best alignment of pat (m bytes) to a substring of the text whose diagonals (text end
 * minus pattern bytes consumed) stay in [dlo, dhi]: free start and end in the text, fewest
 * edits, then the leftmost end. SIZE_MAX when none has at most k edits, or the budget ran out
 * (b->exhausted). Rows of the dynamic programme follow the pattern; each holds the band. */
static size_t banded(stance_qgrams *g, const unsigned char *pat, size_t m, size_t k, long long dlo, long long dhi,
                     stance_budget *b, size_t *out_start, size_t *out_end) {
  size_t w, j, o, best = SIZE_MAX;
  uint32_t *pc, *ps, *cc, *cs;
  long long n = (long long)g->n;
  if (dlo < -(long long)m) dlo = -(long long)m;
  if (dhi > n) dhi = n;
  if (dhi < dlo) return SIZE_MAX;
  w = (size_t)(dhi - dlo + 1);
  if (stance_budget_spend(b, w) != 0) return SIZE_MAX; /* row 0; each row is paid as it is made */
  if (g->row_cap < 4 * w) {
    uint32_t *nr = realloc(g->row, 4 * w * sizeof *nr);
    if (nr == NULL) return SIZE_MAX - 1;
    g->row = nr;
    g->row_cap = 4 * w;
  }
  pc = g->row;
  ps = pc + w;
  cc = ps + w;
  cs = cc + w;
  for (o = 0; o < w; o++) { /* row 0: an alignment may start anywhere */
    long long i = dlo + (long long)o;
    pc[o] = i >= 0 && i <= n ? 0 : INF;
    ps[o] = i >= 0 && i <= n ? (uint32_t)i : NONE;
  }
  for (j = 1; j <= m; j++) {
    uint32_t row_min = INF, *t;
    unsigned char c = pat[j - 1];
    if (stance_budget_spend(b, w) != 0) return SIZE_MAX; /* what is done is paid: rows stop early */
    for (o = 0; o < w; o++) {
      long long i = (long long)j + dlo + (long long)o;
      uint32_t v = INF, st = NONE;
      if (i < 0 || i > n) {
        cc[o] = INF;
        cs[o] = NONE;
        continue;
      }
      if (i >= 1 && pc[o] < INF) { /* text byte i - 1 against pattern byte j - 1 */
        v = pc[o] + (g->s[i - 1] != c);
        st = ps[o];
      }
      if (o + 1 < w && pc[o + 1] < INF && pc[o + 1] + 1 < v) { /* pattern byte j - 1 missing */
        v = pc[o + 1] + 1;
        st = ps[o + 1];
      }
      if (o >= 1 && cc[o - 1] < INF && cc[o - 1] + 1 < v) { /* text byte i - 1 extra */
        v = cc[o - 1] + 1;
        st = cs[o - 1];
      }
      cc[o] = v;
      cs[o] = st;
      if (v < row_min) row_min = v;
    }
    if (row_min > k) return SIZE_MAX; /* rows never get cheaper */
    t = pc, pc = cc, cc = t;
    t = ps, ps = cs, cs = t;
  }
  for (o = 0; o < w; o++) { /* o ascending: the leftmost end among the best */
    long long i = (long long)m + dlo + (long long)o;
    if (i < 0 || i > n || pc[o] >= INF || pc[o] > k) continue;
    if (best == SIZE_MAX || pc[o] < best) {
      best = pc[o];
      *out_start = ps[o];
      *out_end = (size_t)i;
    }
  }
  return best;
}

static int push(uint32_t **v, size_t *n, size_t *cap, uint32_t x) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 1024;
    uint32_t *nv = realloc(*v, c * sizeof *nv);
    if (nv == NULL) return -1;
    *v = nv;
    *cap = c;
  }
  (*v)[(*n)++] = x;
  return 0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Count the places of the pattern's gram at offset j on their bands of diagonals (offset by
 * m to stay positive). A bucket may hold other grams too (the hash's collisions): counting
 * them only lets more bands through, never fewer. */
static int count_hits(stance_qgrams *g, const unsigned char *pat, size_t j, size_t m, size_t w, stance_budget *b) {
  uint32_t h = bucket_of(g, gram_at(pat + j)), k;
  if (stance_budget_spend(b, g->start[h + 1] - g->start[h]) != 0) return -1;
  for (k = g->start[h]; k < g->start[h + 1]; k++) {
    uint32_t bin = (uint32_t)((g->pos[k] + m - j) / w);
    if (g->bins[bin]++ == 0 && push(&g->touched, &g->ntouched, &g->touched_cap, bin) != 0) return -2;
  }
  return 0;
}

long stance_qgrams_approx(stance_qgrams *g, const char *pattern, size_t m, size_t k, stance_budget *b,
                          stance_found_cb cb, void *ud) {
  const unsigned char *pat = (const unsigned char *)pattern;
  size_t w = k + 1, s, j, i, ngrams, npass = 0;
  long long threshold, lemma;
  long reported = 0;
  int count_filter, rc = 0;
  uint32_t *size;
  if (g == NULL || m < Q || m > g->n + k) return 0;
  s = g->stride;
  ngrams = m - Q + 1;
  if (g->bins == NULL || g->nbins < (g->n + m) / w + 3) {
    size_t nb = (g->n + m) / w + 3, usual = (g->n + m) / 4 + 3; /* k >= 3 for quotes of 16 bytes */
    if (nb < usual) nb = usual;
    free(g->bins);
    if ((g->bins = calloc(nb, sizeof *g->bins)) == NULL) {
      g->nbins = 0;
      return -2;
    }
    g->nbins = nb;
  }
  if (g->size_cap < 2 * ngrams) {
    uint32_t *ns = realloc(g->size, 2 * ngrams * sizeof *ns);
    if (ns == NULL) return -2;
    g->size = ns;
    g->size_cap = 2 * ngrams;
  }
  size = g->size; /* size[j]: places of the gram at j; then the grams by size */
  g->ntouched = 0;
  if (stance_budget_spend(b, 2 * m) != 0) return -1;
  for (j = 0; j < ngrams; j++) {
    uint32_t h = bucket_of(g, gram_at(pat + j));
    size[j] = g->start[h + 1] - g->start[h];
  }
  /* the lemma: grams a match with k edits keeps (with sampling, at sampled places) */
  lemma = (long long)ngrams - (long long)(k * Q);
  if (s > 1) lemma = (lemma - (long long)((k + 1) * (s - 1))) / (long long)s;
  count_filter = lemma >= 1;
  if (count_filter) {
    /* The commonest grams cost the most and say the least: leave out of the count as many
     * as keeps the threshold at a third of the lemma (each left out lowers it by one). */
    long long keep = lemma / 2 > 1 ? lemma / 2 : 1, skip = lemma - keep;
    uint32_t cut = UINT32_MAX;
    if (skip > 0) {
      uint32_t *sorted = size + ngrams;
      memcpy(sorted, size, ngrams * sizeof *sorted);
      qsort(sorted, ngrams, sizeof *sorted, cmp_u32);
      cut = sorted[ngrams - (size_t)skip]; /* grams this common or more are left out... */
    }
    threshold = lemma;
    for (j = 0; j < ngrams && rc == 0; j++) {
      if (size[j] >= cut && skip > 0) { /* ...as many as may be */
        skip--;
        threshold--;
        continue;
      }
      rc = count_hits(g, pat, j, m, w, b);
    }
  } else {
    /* k + 1 pieces, one intact: the rarest gram of each gives candidates */
    size_t len = m / (k + 1);
    threshold = 1;
    if (len < Q + s - 1) return 0; /* too short to be found approximately */
    for (i = 0; i <= k && rc == 0; i++) {
      size_t lo = i * len, hi = lo + len - Q, best = lo;
      if (s == 1) {
        for (j = lo; j <= hi; j++)
          if (size[j] < size[best]) best = j;
        rc = count_hits(g, pat, best, m, w, b);
      } else {
        for (j = lo; j < lo + s && rc == 0; j++) rc = count_hits(g, pat, j, m, w, b);
      }
    }
  }
  /* the bands that pass: with the count filter, where a bin and the next reach the threshold */
  for (i = 0; i < g->ntouched && rc == 0; i++) {
    uint32_t bin = g->touched[i];
    long long n = g->bins[bin];
    if (count_filter && bin + 1 < g->nbins) n += g->bins[bin + 1];
    if (n >= threshold && push(&g->pass, &npass, &g->pass_cap, bin) != 0) rc = -2;
  }
  for (i = 0; i < g->ntouched; i++) g->bins[g->touched[i]] = 0;
  g->ntouched = 0;
  if (rc == 0 && npass > 1) qsort(g->pass, npass, sizeof *g->pass, cmp_u32);
  for (i = 0; i < npass && rc == 0;) {
    /* a run of consecutive bins that pass, searched as one band of diagonals */
    uint32_t first = g->pass[i], last = first;
    size_t st = 0, en = 0, d;
    long long dlo, dhi;
    for (i++; i < npass && g->pass[i] <= last + 1; i++) last = g->pass[i];
    if (count_filter) last++; /* the pair's second bin */
    dlo = (long long)first * (long long)w - (long long)m - (long long)k;
    dhi = ((long long)last + 1) * (long long)w - 1 - (long long)m + (long long)k;
    d = banded(g, pat, m, k, dlo, dhi, b, &st, &en);
    if (d == SIZE_MAX - 1)
      rc = -2;
    else if (b->exhausted)
      rc = -1;
    else if (d != SIZE_MAX) {
      reported++;
      if (cb(ud, st, en, d)) break;
    }
  }
  if (rc == -2) return -2;
  if (rc != 0) return -1;
  return reported;
}
