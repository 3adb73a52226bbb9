/*
 * nb.c - multinomial naive Bayes over hashed words, word pairs and cue categories. See nb.h.
 */
#include "nb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define BUCKETS (1u << STANCE_NB_BITS)

struct stance_nb {
  int classes;
  const stance_cues *cues;
  uint32_t *counts;                       /* [class][bucket] */
  uint64_t total[STANCE_NB_MAX_CLASSES];  /* features counted per class */
  uint32_t docs[STANCE_NB_MAX_CLASSES];   /* examples per class */
  uint32_t used;                          /* buckets seen at all (the vocabulary size) */
  unsigned char *seen;
  /* log P(feature | class), made on the first prediction after training (NULL: not yet) */
  float *logp;
  double logprior[STANCE_NB_MAX_CLASSES];
};

stance_nb *stance_nb_new(int classes, const stance_cues *cues) {
  stance_nb *m;
  if (classes < 2 || classes > STANCE_NB_MAX_CLASSES) return NULL;
  if ((m = calloc(1, sizeof *m)) == NULL) return NULL;
  m->classes = classes;
  m->cues = cues;
  m->counts = calloc((size_t)classes * BUCKETS, sizeof *m->counts);
  m->seen = calloc(BUCKETS, 1);
  if (m->counts == NULL || m->seen == NULL) {
    stance_nb_free(m);
    return NULL;
  }
  return m;
}

void stance_nb_free(stance_nb *m) {
  if (m == NULL) return;
  free(m->logp);
  free(m->counts);
  free(m->seen);
  free(m);
}

/* The features of a text, as bucket numbers, into a growing array. */
typedef struct feats {
  uint32_t *b;
  size_t n, cap;
  uint64_t prev;
  int have_prev, oom;
} feats;

/* The feature of two adjacent words from their hashes (a multiply-xorshift mix: cheaper
 * than hashing the pair again). */
static uint64_t pair_hash(uint64_t prev, uint64_t h) {
  uint64_t x = prev ^ (h * 0x9E3779B97F4A7C15ull);
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  return x ^ (x >> 32);
}

static void push(feats *f, uint64_t h) {
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 64;
    uint32_t *nb = realloc(f->b, cap * sizeof *nb);
    if (nb == NULL) {
      f->oom = 1;
      return;
    }
    f->b = nb;
    f->cap = cap;
  }
  f->b[f->n++] = (uint32_t)(h & (BUCKETS - 1));
}

/* The features: a word (folded), and the category of a cue. */
static uint64_t word_hash(const char *w, size_t n) { return XXH3_64bits_withSeed(w, n, 1); }
static uint64_t cue_hash(uint32_t category) { return XXH3_64bits_withSeed(&category, sizeof category, 7); }

static int on_word(void *ud, size_t start, size_t end, const char *w, size_t n, int broken) {
  feats *f = ud;
  uint64_t h = word_hash(w, n);
  (void)start;
  (void)end;
  push(f, h);
  if (f->have_prev && !broken) push(f, pair_hash(f->prev, h)); /* word pair */
  f->prev = h;
  f->have_prev = 1;
  return f->oom;
}

static int on_cue(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue) {
  feats *f = ud;
  (void)start;
  (void)end;
  (void)cue;
  push(f, cue_hash(category));
  return f->oom;
}

static int features(const stance_nb *m, const char *text, size_t len, feats *f) {
  memset(f, 0, sizeof *f);
  if (stance_tokenize(text, len, on_word, f) < 0) f->oom = 1;
  if (!f->oom && m->cues != NULL && stance_cues_match(m->cues, text, len, on_cue, f) < 0) f->oom = 1;
  if (f->oom) {
    free(f->b);
    return -1;
  }
  return 0;
}

int stance_nb_add(stance_nb *m, const char *text, size_t len, int cls) {
  feats f;
  size_t i;
  if (cls < 0 || cls >= m->classes) return -1;
  if (features(m, text, len, &f) != 0) return -1;
  for (i = 0; i < f.n; i++) {
    m->counts[(size_t)cls * BUCKETS + f.b[i]]++;
    if (!m->seen[f.b[i]]) {
      m->seen[f.b[i]] = 1;
      m->used++;
    }
  }
  m->total[cls] += f.n;
  m->docs[cls]++;
  free(m->logp); /* the table is made again at the next prediction */
  m->logp = NULL;
  free(f.b);
  return 0;
}

/* The table of log-probabilities: one lookup per feature and class when predicting. */
int stance_nb_prepare(stance_nb *m) {
  uint32_t ndocs = 0, b;
  int c;
  if (m->logp != NULL) return 0;
  if ((m->logp = malloc((size_t)m->classes * BUCKETS * sizeof *m->logp)) == NULL) return -1;
  for (c = 0; c < m->classes; c++) ndocs += m->docs[c];
  /* bucket by bucket, the classes side by side: a feature's lookups share a cache line */
  for (c = 0; c < m->classes; c++) {
    double denom = (double)m->total[c] + (double)(m->used + 1);
    const uint32_t *cnt = m->counts + (size_t)c * BUCKETS;
    float unseen = (float)log(1.0 / denom);
    m->logprior[c] = log(((double)m->docs[c] + 1.0) / ((double)ndocs + (double)m->classes));
    for (b = 0; b < BUCKETS; b++)
      m->logp[(size_t)b * (size_t)m->classes + (size_t)c] = cnt[b] ? (float)log(((double)cnt[b] + 1.0) / denom) : unseen;
  }
  return 0;
}

/* ---- many spans of one text in one walk ----------------------------------------------- */

typedef struct spans_walk {
  const stance_nb *m;
  const size_t *spans;
  size_t n, k;                  /* the span the last word was in (n: none yet) */
  double *acc;                  /* log-probabilities per span and class */
  uint64_t prev;
  int have_prev;
  size_t base;                  /* where the walk started in the text */
  stance_cue_stream *cues;
  uint32_t feat[256];           /* features of span k not summed yet */
  size_t nfeat;
} spans_walk;
#define FEATS 256

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif
#define AHEAD 16 /* features looked up ahead: the table is bigger than the caches */

/* Sum the features of span w->k gathered so far (the table's rows fetched ahead). */
static void flush(spans_walk *w) {
  const stance_nb *m = w->m;
  size_t i, n = w->nfeat, classes = (size_t)m->classes;
  double *acc = w->acc + w->k * classes;
  int c;
  for (i = 0; i < n && i < AHEAD; i++) PREFETCH(m->logp + (size_t)w->feat[i] * classes);
  for (i = 0; i < n; i++) {
    const float *lp = m->logp + (size_t)w->feat[i] * classes;
    if (i + AHEAD < n) PREFETCH(m->logp + (size_t)w->feat[i + AHEAD] * classes);
    for (c = 0; c < m->classes; c++) acc[c] += lp[c];
  }
  w->nfeat = 0;
}

static void add_feature(spans_walk *w, uint64_t h) {
  if (w->nfeat == FEATS) flush(w);
  w->feat[w->nfeat++] = (uint32_t)(h & (BUCKETS - 1));
}

static int spans_cue(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue) {
  spans_walk *w = ud;
  (void)start;
  (void)end;
  (void)cue;
  add_feature(w, cue_hash(category));
  return 0;
}

static int spans_word(void *ud, size_t rstart, size_t rend, const char *word, size_t n, int broken) {
  spans_walk *w = ud;
  uint64_t h;
  size_t start = rstart + w->base, end = rend + w->base, k = w->k == w->n ? 0 : w->k;
  while (k < w->n && start >= w->spans[2 * k + 1]) k++;
  if (k == w->n) return 1; /* past the last span */
  if (start < w->spans[2 * k] || end > w->spans[2 * k + 1]) return 0; /* between spans */
  if (k != w->k) { /* the first word of a span: nothing before it counts */
    if (w->k != w->n) flush(w);
    w->k = k;
    w->have_prev = 0;
    if (w->cues) stance_cue_stream_reset(w->cues);
  }
  h = word_hash(word, n);
  add_feature(w, h);
  if (w->have_prev && !broken) add_feature(w, pair_hash(w->prev, h));
  w->prev = h;
  w->have_prev = 1;
  if (w->cues) stance_cue_stream_word(w->cues, rstart, rend, word, n, broken);
  return 0;
}

int stance_nb_predict_spans(stance_nb *m, const char *text, size_t len, const size_t *spans, size_t n,
                            double *probs) {
  spans_walk w;
  size_t k, from, to;
  int c, rc = 0;
  if (n == 0) return 0;
  if (stance_nb_prepare(m) != 0) return -1;
  memset(&w, 0, sizeof w);
  w.m = m;
  w.spans = spans;
  w.n = n;
  w.k = n;
  w.acc = probs;
  for (k = 0; k < n; k++)
    for (c = 0; c < m->classes; c++) probs[k * (size_t)m->classes + (size_t)c] = m->logprior[c];
  /* the words from the first span's start to the last one's end (offsets from `from`) */
  from = spans[0] < len ? spans[0] : len;
  to = spans[2 * n - 1] < len ? spans[2 * n - 1] : len;
  w.base = from;
  if (m->cues != NULL && (w.cues = stance_cue_stream_new(m->cues, text + from, spans_cue, &w)) == NULL) return -1;
  if (to > from && stance_tokenize(text + from, to - from, spans_word, &w) < 0) rc = -1;
  if (w.k != n) flush(&w);
  stance_cue_stream_free(w.cues);
  if (rc != 0) return rc;
  for (k = 0; k < n; k++) { /* log-probabilities to probabilities */
    double *p = probs + k * (size_t)m->classes, best = -INFINITY, sum = 0;
    for (c = 0; c < m->classes; c++)
      if (p[c] > best) best = p[c];
    for (c = 0; c < m->classes; c++) sum += (p[c] = exp(p[c] - best));
    for (c = 0; c < m->classes; c++) p[c] /= sum;
  }
  return 0;
}

uint32_t stance_nb_count(const stance_nb *m, int cls) {
  return cls >= 0 && cls < m->classes ? m->docs[cls] : 0;
}

int stance_nb_predict(stance_nb *m, const char *text, size_t len, double *probs) {
  size_t whole[2];
  whole[0] = 0;
  whole[1] = len;
  return stance_nb_predict_spans(m, text, len, whole, 1, probs);
}
