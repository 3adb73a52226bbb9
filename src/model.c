/*
 * model.c - the stance model: datasets of labelled sentences, training per target with
 * calibration on held-out folds, and prediction of many sentences in one walk. See model.h.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "linear.h"

#define EMPTY UINT32_MAX

/* ---- feature ids to dense numbers -------------------------------------------------- */

typedef struct idmap {
  uint32_t *keys, *vals;        /* vals[i] == EMPTY: a free slot */
  size_t cap, n;
} idmap;

static size_t slot_of(uint32_t key, size_t cap) { return (size_t)((key * 0x9E3779B1u) ^ (key >> 15)) & (cap - 1); }

static int idmap_grow(idmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 1024, i;
  uint32_t *keys = malloc(cap * sizeof *keys), *vals = malloc(cap * sizeof *vals);
  if (keys == NULL || vals == NULL || cap > SIZE_MAX / 2 / sizeof *keys) {
    free(keys);
    free(vals);
    return -1;
  }
  for (i = 0; i < cap; i++) vals[i] = EMPTY;
  for (i = 0; i < m->cap; i++)
    if (m->vals[i] != EMPTY) {
      size_t s = slot_of(m->keys[i], cap);
      while (vals[s] != EMPTY) s = (s + 1) & (cap - 1);
      keys[s] = m->keys[i];
      vals[s] = m->vals[i];
    }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return 0;
}

/* The number of `key`, given the next number when it is new. EMPTY when out of memory. */
static uint32_t idmap_put(idmap *m, uint32_t key) {
  size_t s;
  if ((m->n + 1) * 2 > m->cap && idmap_grow(m) != 0) return EMPTY;
  if (m->n >= EMPTY - 1) return EMPTY;
  for (s = slot_of(key, m->cap); m->vals[s] != EMPTY; s = (s + 1) & (m->cap - 1))
    if (m->keys[s] == key) return m->vals[s];
  m->keys[s] = key;
  return m->vals[s] = (uint32_t)m->n++;
}


static void idmap_free(idmap *m) {
  free(m->keys);
  free(m->vals);
}

/* ---- memory looked up at random -------------------------------------------------------- */

/* The tables prediction looks up at random (the table of weights, the words' cache): in huge
 * pages from 1 MiB on (stance_lookup_alloc). Freed with free(). NULL when out of memory. */
static void *lookup_alloc(size_t bytes) { return stance_lookup_alloc(bytes, (size_t)1 << 20); }

/* ---- growing arrays ------------------------------------------------------------------ */

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  size_t c = *cap ? *cap : 64;
  void *q;
  if (need <= *cap) return 0;
  while (c < need) {
    if (c > SIZE_MAX / 2 / size) return -1;
    c *= 2;
  }
  if ((q = realloc(*p, c * size)) == NULL) return -1;
  *p = q;
  *cap = c;
  return 0;
}

/* ---- datasets ------------------------------------------------------------------------ */

struct stance_dataset {
  stance_features f;
  int targets, classes;
  idmap ids;
  size_t n, cap;                /* examples */
  size_t *row;                  /* n + 1 */
  uint32_t *col;                /* dense feature numbers, each once in a row */
  uint16_t *cnt;                /* occurrences of each */
  size_t nnz, nnz_cap;
  uint32_t *occ;                /* occurrences per example and block (n x STANCE_BLOCKS) */
  unsigned char *block;         /* per dense feature: its block, */
  uint32_t *last;               /* the last row it was in (from 1), */
  size_t *pos;                  /* and where in col */
  size_t feat_cap;
  signed char *labels;          /* n x targets */
  uint32_t *group;
  uint64_t *terms;
};

void stance_train_opts_default(stance_train_opts *o) {
  o->learner = STANCE_LEARN_SVM;
  o->c = 0.35;
  o->balanced = 0;
  o->folds = 3;
  o->term_offsets = 1;
  o->max_features = STANCE_MODEL_FEATURES;
  o->weights[STANCE_BLOCK_WORDS] = 1;
  o->weights[STANCE_BLOCK_CHARS] = 1;
  o->weights[STANCE_BLOCK_MARKS] = 2;
}

stance_dataset *stance_dataset_new(const stance_features *f, int targets, int classes) {
  stance_dataset *d;
  if (targets < 1 || targets > STANCE_MODEL_MAX_TARGETS || classes < 2 || classes > STANCE_MODEL_MAX_CLASSES)
    return NULL;
  if ((d = calloc(1, sizeof *d)) == NULL) return NULL;
  d->f = *f;
  d->targets = targets;
  d->classes = classes;
  if ((d->row = malloc(sizeof *d->row)) == NULL) {
    free(d);
    return NULL;
  }
  d->row[0] = 0;
  return d;
}

void stance_dataset_free(stance_dataset *d) {
  if (d == NULL) return;
  idmap_free(&d->ids);
  free(d->row);
  free(d->col);
  free(d->cnt);
  free(d->occ);
  free(d->block);
  free(d->last);
  free(d->pos);
  free(d->labels);
  free(d->group);
  free(d->terms);
  free(d);
}

/* Room for `need` features in every per-feature array. */
static int grow_features(stance_dataset *d, size_t need) {
  size_t cap = d->feat_cap ? d->feat_cap : 1024, old = d->feat_cap;
  void *p;
  while (cap < need) {
    if (cap > SIZE_MAX / 2 / sizeof(size_t)) return -1;
    cap *= 2;
  }
  if ((p = realloc(d->block, cap)) == NULL) return -1;
  d->block = p;
  if ((p = realloc(d->last, cap * sizeof *d->last)) == NULL) return -1;
  d->last = p;
  if ((p = realloc(d->pos, cap * sizeof *d->pos)) == NULL) return -1;
  d->pos = p;
  memset(d->last + old, 0, (cap - old) * sizeof *d->last);
  d->feat_cap = cap;
  return 0;
}

/* Room for `need` examples in every per-example array. */
static int grow_examples(stance_dataset *d, size_t need) {
  size_t cap = d->cap ? d->cap : 64;
  void *p;
  while (cap < need) {
    if (cap > SIZE_MAX / 4 / (sizeof(uint64_t) * (size_t)d->targets)) return -1;
    cap *= 2;
  }
  if ((p = realloc(d->occ, cap * STANCE_BLOCKS * sizeof *d->occ)) == NULL) return -1;
  d->occ = p;
  if ((p = realloc(d->group, cap * sizeof *d->group)) == NULL) return -1;
  d->group = p;
  if ((p = realloc(d->terms, cap * sizeof *d->terms)) == NULL) return -1;
  d->terms = p;
  if ((p = realloc(d->row, (cap + 1) * sizeof *d->row)) == NULL) return -1;
  d->row = p;
  if ((p = realloc(d->labels, cap * (size_t)d->targets)) == NULL) return -1;
  d->labels = p;
  d->cap = cap;
  return 0;
}


int stance_dataset_add(stance_dataset *d, const uint32_t *ids, size_t n, const int *labels, uint32_t group,
                       uint64_t terms) {
  size_t i, k = 0, cap;
  uint32_t occ[STANCE_BLOCKS] = {0}, row;
  int t;
  cap = d->nnz_cap;
  if (grow((void **)&d->col, &cap, d->nnz + n + 1, sizeof *d->col) != 0) return -1;
  cap = d->nnz_cap;
  if (grow((void **)&d->cnt, &cap, d->nnz + n + 1, sizeof *d->cnt) != 0) return -1;
  d->nnz_cap = cap;
  if (d->n + 2 > d->cap && grow_examples(d, d->n + 2) != 0) return -1;
  if (d->n >= UINT32_MAX - 1) return -1;
  row = (uint32_t)d->n + 1;
  /* each feature once in the row, with its count, in the order of first occurrence: `last`
   * says in which row a feature was last seen, `pos` where */
  for (i = 0; i < n; i++) {
    uint32_t b = STANCE_BLOCK_OF(ids[i]) < STANCE_BLOCKS ? STANCE_BLOCK_OF(ids[i]) : STANCE_BLOCK_MARKS, f;
    if ((f = idmap_put(&d->ids, ids[i])) == EMPTY) return -1;
    if (f >= d->feat_cap && grow_features(d, (size_t)f + 1) != 0) return -1;
    if (occ[b] < UINT32_MAX) occ[b]++;
    if (d->last[f] == row) {
      if (d->cnt[d->pos[f]] < UINT16_MAX) d->cnt[d->pos[f]]++;
      continue;
    }
    d->last[f] = row;
    d->pos[f] = d->nnz + k;
    d->block[f] = (unsigned char)b;
    d->col[d->nnz + k] = f;
    d->cnt[d->nnz + k] = 1;
    k++;
  }
  d->nnz += k;
  memcpy(d->occ + d->n * STANCE_BLOCKS, occ, sizeof occ);
  d->group[d->n] = group;
  d->terms[d->n] = terms;
  for (t = 0; t < d->targets; t++) {
    int l = labels ? labels[t] : -1;
    d->labels[d->n * (size_t)d->targets + (size_t)t] = (signed char)(l >= 0 && l < d->classes ? l : -1);
  }
  d->n++;
  d->row[d->n] = d->nnz;
  return 0;
}

/* ---- extracting features ------------------------------------------------------------- */

typedef struct collect {
  const stance_features *f;
  uint32_t **ids;
  size_t *nids, *caps;
  uint64_t *terms;
  int oom;
} collect;

static int push_id(collect *c, size_t k, uint32_t id) {
  if (grow((void **)&c->ids[k], &c->caps[k], c->nids[k] + 1, sizeof **c->ids) != 0) return c->oom = 1;
  c->ids[k][c->nids[k]++] = id;
  return 0;
}

static int collect_feature(void *ud, size_t k, uint32_t id) { return push_id(ud, k, id); }

static int collect_word(void *ud, size_t k, uint64_t hash, const char *w, size_t n, const uint32_t *grams,
                        size_t ngrams) {
  collect *c = ud;
  uint32_t buf[STANCE_FEAT_WORD_MAX];
  size_t i, m = stance_features_word(c->f, hash, w, n, buf);
  for (i = 0; i < m; i++)
    if (push_id(c, k, buf[i])) return 1;
  for (i = 0; i < ngrams; i++)
    if (push_id(c, k, grams[i])) return 1;
  return 0;
}

static int collect_end(void *ud, size_t k, uint64_t terms) {
  collect *c = ud;
  c->terms[k] = terms;
  return 0;
}

int stance_features_extract(const stance_features *f, const char *text, size_t len, const size_t *spans, size_t n,
                            uint32_t **ids, size_t *nids, uint64_t *terms) {
  collect c;
  stance_feature_sink sink;
  size_t *caps = calloc(n ? n : 1, sizeof *caps), k;
  int rc;
  if (caps == NULL) return -1;
  for (k = 0; k < n; k++) {
    ids[k] = NULL;
    nids[k] = 0;
    terms[k] = 0;
  }
  c.f = f;
  c.ids = ids;
  c.nids = nids;
  c.caps = caps;
  c.terms = terms;
  c.oom = 0;
  sink.feature = collect_feature;
  sink.word = collect_word;
  sink.end = collect_end;
  sink.ud = &c;
  rc = stance_features_walk(f, text, len, spans, n, &sink);
  free(caps);
  if (rc != 0 || c.oom) {
    for (k = 0; k < n; k++) {
      free(ids[k]);
      ids[k] = NULL;
      nids[k] = 0;
    }
    return -1;
  }
  return 0;
}

int stance_dataset_add_text(stance_dataset *d, const char *text, size_t len, const int *labels, uint32_t group) {
  size_t whole[2], nids;
  uint32_t *ids;
  uint64_t terms;
  int rc;
  whole[0] = 0;
  whole[1] = len;
  if (stance_features_extract(&d->f, text, len, whole, 1, &ids, &nids, &terms) != 0) return -1;
  rc = stance_dataset_add(d, ids, nids, labels, group, terms);
  free(ids);
  return rc;
}

size_t stance_dataset_size(const stance_dataset *d) { return d->n; }

size_t stance_dataset_count(const stance_dataset *d, int t, int cls, int with_term) {
  size_t i, n = 0;
  if (t < 0 || t >= d->targets) return 0;
  for (i = 0; i < d->n; i++)
    if (d->labels[i * (size_t)d->targets + (size_t)t] == cls && (!with_term || (d->terms[i] >> t & 1))) n++;
  return n;
}

/* ---- models -------------------------------------------------------------------------- */

/* The filter of ids with a row: at least 16 bits per feature (a new text's ids mostly miss
 * the model: 94% of those are told by one bit, without a lookup), 2^16 to 2^27 bits. */
#define BITMAP_MIN 16
#define BITMAP_MAX 27
/* Passes of the solvers over a problem's examples: at most MAX_PASSES, fewer on big problems
 * (at most PASS_BUDGET nonzero values visited in all, and at least MIN_PASSES): on real data
 * the dual coordinate descent is close to its optimum after a few passes, and training stays
 * within a fraction of a second on tens of thousands of sentences. */
#define MAX_PASSES 15
#define MIN_PASSES 3
#define PASS_BUDGET 12e6
/* Examples of a target past which its scores are calibrated on two folds (each half is big
 * enough to calibrate, and training costs half as much as with three). */
#define BIG 4000

struct stance_model {
  stance_features f;
  int targets, classes;
  size_t outputs;               /* targets x classes */
  idmap ids;                    /* feature id -> row of w */
  uint32_t features;
  float *w;                     /* features x outputs */
  double *bias, *per_occ;       /* outputs: the bias, and the weight of the occurrences (NB) */
  double *scale, *offset;       /* targets; outputs: the calibration */
  double *term_offset;          /* outputs: the calibration's offset when the target is named */
  double *threshold;            /* targets: of the decision (best_threshold) */
  unsigned char *seen;          /* outputs: a class seen in training */
  unsigned char *trained;       /* targets */
  uint64_t *bitmap;             /* feature ids that have a row, by their low bits */
  uint32_t bitmap_mask;
  double weights[STANCE_BLOCKS]; /* of the blocks' values */
  /* for prediction: an open-addressing table of entries of `stride` 32-bit words, a feature
   * id then its row of weights, so that a lookup is one cache miss, not two */
  uint32_t *table;
  size_t table_mask, stride;
};

/* A target's classifier: k columns of (features + 1) weights (the bias last) and the
 * weight of the occurrences per column. */
typedef struct clf {
  int k;                        /* columns: the seen classes */
  int cls[STANCE_MODEL_MAX_CLASSES];
  double *w, per_occ[STANCE_MODEL_MAX_CLASSES];
} clf;

/* Spread fn(arg, i) for i < n over the threads of `par` (NULL: one after the other). */
static void each(const stance_parallel *par, size_t n, void (*fn)(void *arg, size_t i), void *arg) {
  size_t i;
  if (par != NULL && par->each != NULL && n > 1) {
    par->each(par->ud, n, fn, arg);
    return;
  }
  for (i = 0; i < n; i++) fn(arg, i);
}

/* The binary problems of a classifier (class c against the rest), each on its own: what one
 * needs, and what each gave. */
typedef struct clf_problems {
  const stance_csr *x;
  const uint32_t *idx;
  const int *y;
  const double *cost;
  const stance_train_opts *o;
  size_t m, nf;
  double *alpha, *w;
  int first, passes;
  int rc[STANCE_MODEL_MAX_CLASSES];
} clf_problems;

static void clf_problem(void *arg, size_t i) {
  clf_problems *p = arg;
  int c = p->first + (int)i;
  signed char *yy = malloc(p->m ? p->m : 1);
  double *w = p->w + (size_t)c * p->nf;
  size_t j;
  if (yy == NULL) {
    p->rc[c] = -1;
    return;
  }
  for (j = 0; j < p->m; j++) yy[j] = p->y[j] == c ? 1 : -1;
  p->rc[c] = p->o->learner == STANCE_LEARN_SVM
                 ? stance_linear_svm(p->x, p->idx, p->m, yy, p->cost, 0.1, p->passes, w,
                                     p->alpha ? p->alpha + (size_t)c * p->m : NULL)
                 : stance_linear_lr(p->x, p->idx, p->m, yy, p->cost, 0.1, p->passes, w);
  free(yy);
}

/* Train a classifier of target t on the examples idx[0..m) (their classes in y[]). alpha
 * (SVM; may be NULL): per binary problem (class c: alpha + c * m), the dual variables to
 * start from, which get the solution's; warm: they come from the problem over all the
 * target's examples (a calibration fold's classifier): half the passes. The binary problems
 * are independent: spread over par's threads (each is what it would be alone). */
static int train_clf(const stance_csr *x, const uint32_t *idx, size_t m, const int *y, const int *cls, int k,
                     const stance_train_opts *o, double *alpha, int warm, const stance_parallel *par, clf *out) {
  size_t nf = (size_t)x->features + 1, j;
  size_t count[STANCE_MODEL_MAX_CLASSES] = {0};
  int c, cols = o->learner == STANCE_LEARN_NB || k > 2 ? k : 2, passes;
  double *cost = NULL;
  clf_problems p;
  int rc = 0;
  out->k = k;
  memcpy(out->cls, cls, (size_t)k * sizeof *cls);
  memset(out->per_occ, 0, sizeof out->per_occ);
  if ((out->w = calloc(nf * (size_t)cols, sizeof *out->w)) == NULL) return -1;
  for (j = 0; j < m; j++) count[y[j]]++;
  {
    double nnz = 0;
    for (j = 0; j < m; j++) nnz += (double)(x->row[idx[j] + 1] - x->row[idx[j]]);
    passes = nnz > 0 ? (int)(PASS_BUDGET / nnz) : MAX_PASSES;
    passes = passes > MAX_PASSES ? MAX_PASSES : passes < MIN_PASSES ? MIN_PASSES : passes;
    if (warm) passes = (passes + 1) / 2;
  }
  if (o->learner == STANCE_LEARN_NB) {
    double *w = malloc(nf * (size_t)k * sizeof *w);
    if (w == NULL) return -1;
    rc = stance_linear_nb(x, idx, m, y, k, o->c > 0 ? o->c : 1.0, w, out->per_occ);
    for (j = 0; rc == 0 && j < nf * (size_t)k; j++) out->w[(j % (size_t)k) * nf + j / (size_t)k] = w[j];
    free(w);
    return rc;
  }
  if ((cost = malloc((m ? m : 1) * sizeof *cost)) == NULL) return -1;
  for (j = 0; j < m; j++) {
    double weight = o->balanced && count[y[j]] ? (double)m / ((double)k * (double)count[y[j]]) : 1.0;
    cost[j] = o->c * weight;
  }
  /* two classes: one problem, the first class scoring 0; more: one class against the rest */
  memset(&p, 0, sizeof p);
  p.x = x;
  p.idx = idx;
  p.y = y;
  p.cost = cost;
  p.o = o;
  p.m = m;
  p.nf = nf;
  p.alpha = alpha;
  p.w = out->w;
  p.first = k == 2 ? 1 : 0;
  p.passes = passes;
  each(par, (size_t)(k - p.first), clf_problem, &p);
  for (c = p.first; c < k; c++)
    if (p.rc[c] != 0) rc = -1;
  out->k = k;
  free(cost);
  return rc;
}

/* The k scores of example i. */
static void clf_scores(const clf *c, const stance_csr *x, size_t i, double *s) {
  size_t nf = (size_t)x->features + 1, p;
  int j;
  double sum = 0;
  for (p = x->row[i]; p < x->row[i + 1]; p++) sum += x->val[p];
  for (j = 0; j < c->k; j++) {
    const double *w = c->w + (size_t)j * nf;
    double v = w[nf - 1] + c->per_occ[j] * sum;
    for (p = x->row[i]; p < x->row[i + 1]; p++) v += w[x->col[p]] * (double)x->val[p];
    s[j] = v;
  }
}

/* The decision threshold of a target whose class 0 (no stance) was seen: the likeliest stance
 * is predicted when its calibrated probability reaches it, else no stance. The threshold
 * that gives the held-out scores (n x k, classes y) the best mean F1 over the stances; a
 * probability is right for the decision only when it is calibrated, so the threshold that
 * maximizes F1 is about half the best F1 (Lipton et al. 2014), well below 0.5 for rare
 * stances. But a classifier that cannot tell a stance from none gets its best F1 by
 * predicting the stance everywhere (the same paper): a threshold counts only when its F1
 * beats that of the likeliest stance on every example (threshold 0, F1 `bar`) by a fiftieth
 * of the room above it ((F1 - bar) / (1 - bar) >= 0.02: leaving out a few examples of none
 * by chance is no signal; 0.01-0.02 change no figure of SemEval-2016, the study or the
 * generated sets, 0.03 and more lower SemEval's). When none does, the held-out scores do
 * not tell the stances from none, and the threshold is the one with the best mean F1 over
 * every class, none included: the stance everywhere where none is rare (most tweets of a
 * SemEval target take a stance), none everywhere where the stance is (7 sentences of 113:
 * not "favor 0.06?" on every sentence). */
static double best_threshold(const double *s, const unsigned char *x, const int *y, size_t n, int k, double a,
                             const double *b, const double *toff) {
  double best = 0.5, best_f = -1, bar = 0, th, fallback = 0.5, fallback_f = -1;
  double *p = malloc((n ? n : 1) * sizeof *p);
  int *guess = malloc((n ? n : 1) * sizeof *guess), c;
  size_t i;
  if (p == NULL || guess == NULL) {
    free(p);
    free(guess);
    return best;
  }
  for (i = 0; i < n; i++) { /* the likeliest stance and its probability */
    double z[STANCE_MODEL_MAX_CLASSES], mx = -HUGE_VAL, sum = 0;
    int g = 1;
    for (c = 0; c < k; c++) {
      z[c] = a * s[i * (size_t)k + (size_t)c] + b[c] + (x[i] ? toff[c] : 0);
      if (z[c] > mx) mx = z[c];
    }
    for (c = 0; c < k; c++) sum += (z[c] = exp(z[c] - mx));
    for (c = 2; c < k; c++)
      if (z[c] > z[g]) g = c;
    p[i] = z[g] / sum;
    guess[i] = g;
  }
  for (th = 0; th < 0.951; th += 0.05) { /* th 0 first: the stance everywhere, the bar */
    size_t tp[STANCE_MODEL_MAX_CLASSES] = {0}, fp[STANCE_MODEL_MAX_CLASSES] = {0}, fn[STANCE_MODEL_MAX_CLASSES] = {0};
    double f = 0, all = 0;
    int nf = 0, na = 0;
    for (i = 0; i < n; i++) {
      int g = p[i] >= th ? guess[i] : 0;
      if (g == y[i]) tp[g]++;
      else fp[g]++, fn[y[i]]++;
    }
    for (c = 0; c < k; c++)
      if (tp[c] + fp[c] + fn[c] > 0) {
        double f1 = 2.0 * (double)tp[c] / (double)(2 * tp[c] + fp[c] + fn[c]);
        all += f1, na++;
        if (c > 0) f += f1, nf++;
      }
    if (na > 0 && all / na > fallback_f + 1e-12) fallback_f = all / na, fallback = th;
    if (th == 0) bar = nf > 0 ? f / nf : 0;
    else if (nf > 0 && f / nf > best_f + 1e-12 && (f / nf - bar) >= 0.02 * (1 - bar)) best_f = f / nf, best = th;
  }
  free(p);
  free(guess);
  return best_f >= 0 ? best : fallback;
}

/* The calibration folds of a target: each fold's classifier is trained on the other folds'
 * examples and scores its own (held out), each on its own (at[f]: where its scores go). */
typedef struct fold_jobs {
  const stance_csr *x;
  const stance_dataset *d;
  const stance_train_opts *o;
  const uint32_t *idx, *fold;
  const int *y, *cls;
  const double *alpha;          /* the classifier of all the examples' dual variables (k x n), or NULL */
  size_t n, *at;
  int k, t;
  double *oof;
  unsigned char *oofx;
  int *oofy, *rc;
} fold_jobs;

static void fold_job(void *arg, size_t i) {
  fold_jobs *p = arg;
  size_t n = p->n, k = (size_t)p->k, ns = 0, j, have = p->at[i], c;
  uint32_t f = (uint32_t)i, *sub = malloc((n ? n : 1) * sizeof *sub);
  int *suby = malloc((n ? n : 1) * sizeof *suby);
  double *subalpha = p->alpha ? malloc(k * (n ? n : 1) * sizeof *subalpha) : NULL;
  clf part;
  memset(&part, 0, sizeof part);
  p->rc[i] = -1;
  if (sub == NULL || suby == NULL || (p->alpha && subalpha == NULL)) goto done;
  for (j = 0; j < n; j++)
    if (p->fold[j] != f) {
      if (p->alpha)
        for (c = 0; c < k; c++) subalpha[c * n + ns] = p->alpha[c * n + j];
      sub[ns] = p->idx[j], suby[ns] = p->y[j], ns++;
    }
  p->rc[i] = 0;
  if (ns == 0 || ns == n) goto done;
  if (p->alpha) /* packed: problem c at c * ns */
    for (c = 1; c < k; c++) memmove(subalpha + c * ns, subalpha + c * n, ns * sizeof *subalpha);
  if ((p->rc[i] = train_clf(p->x, sub, ns, suby, p->cls, p->k, p->o, subalpha, p->alpha != NULL, NULL, &part)) != 0)
    goto done;
  for (j = 0; j < n; j++)
    if (p->fold[j] == f) {
      clf_scores(&part, p->x, p->idx[j], p->oof + have * k);
      p->oofx[have] = (unsigned char)(p->t < 64 && (p->d->terms[p->idx[j]] >> p->t & 1));
      p->oofy[have++] = p->y[j];
    }
done:
  free(part.w);
  free(sub);
  free(suby);
  free(subalpha);
}

/* Train target t: the classifier on all its examples, then the calibration on held-out folds
 * (the folds' SVMs start from its solution: LIBLINEAR's warm start, in half the passes). */
static int train_target(stance_model *m, const stance_dataset *d, const stance_csr *x, int t,
                        const stance_train_opts *o, const stance_parallel *par) {
  size_t n = 0, i, j, count[STANCE_MODEL_MAX_CLASSES] = {0};
  int cls[STANCE_MODEL_MAX_CLASSES], remap[STANCE_MODEL_MAX_CLASSES], k = 0, c, folds, f, rc = -1;
  uint32_t *idx = NULL, *fold = NULL, *groups = NULL;
  int *y = NULL, *oofy = NULL;
  unsigned char *oofx = NULL;
  double *alpha = NULL;
  double *oof = NULL, a = 1, b[STANCE_MODEL_MAX_CLASSES] = {0}, toff[STANCE_MODEL_MAX_CLASSES] = {0}, threshold = 0.5;
  size_t ngroups = 0, nf = (size_t)x->features + 1;
  clf model;
  memset(&model, 0, sizeof model);
  for (i = 0; i < d->n; i++) {
    int l = d->labels[i * (size_t)d->targets + (size_t)t];
    if (l >= 0) count[l]++, n++;
  }
  for (c = 0; c < d->classes; c++) {
    remap[c] = -1;
    if (count[c]) remap[c] = k, cls[k++] = c;
  }
  if (k < 2) return 0; /* nothing to tell apart */
  idx = malloc(n * sizeof *idx);
  y = malloc(n * sizeof *y);
  fold = malloc(n * sizeof *fold);
  oofy = malloc(n * sizeof *oofy);
  groups = malloc(n * sizeof *groups);
  oof = malloc(n * (size_t)k * sizeof *oof);
  oofx = malloc(n ? n : 1);
  if (!idx || !y || !fold || !oofy || !groups || !oof || !oofx) goto done;
  for (i = 0, j = 0; i < d->n; i++) {
    int l = d->labels[i * (size_t)d->targets + (size_t)t];
    if (l < 0) continue;
    idx[j] = (uint32_t)i;
    y[j] = remap[l];
    j++;
  }
  /* folds by document (the groups in the order they come), or by example */
  for (j = 0; j < n; j++) {
    size_t g = ngroups;
    if (ngroups > 0 && groups[ngroups - 1] == d->group[idx[j]]) g = ngroups - 1; /* examples come by document */
    else
      for (g = 0; g < ngroups && groups[g] != d->group[idx[j]]; g++) {
      }
    if (g == ngroups) groups[ngroups++] = d->group[idx[j]];
    fold[j] = (uint32_t)g;
  }
  folds = o->folds;
  if (n > BIG && folds > 2) folds = 2; /* big enough for two halves: half the cost */
  if (ngroups >= 2) {
    if ((size_t)folds > ngroups) folds = (int)ngroups;
    for (j = 0; j < n; j++) fold[j] %= (uint32_t)(folds > 0 ? folds : 1);
  } else {
    if ((size_t)folds > n) folds = (int)n;
    for (j = 0; j < n; j++) fold[j] = (uint32_t)(j % (size_t)(folds > 0 ? folds : 1));
  }
  /* the classifier on all the examples first: its dual variables start the folds' */
  if (o->learner == STANCE_LEARN_SVM && folds >= 2) {
    if ((alpha = calloc((size_t)k * n, sizeof *alpha)) == NULL) goto done;
  }
  if (train_clf(x, idx, n, y, cls, k, o, alpha, 0, par, &model) != 0) goto done;
  if (folds >= 2) {
    size_t have = 0;
    fold_jobs fj;
    memset(&fj, 0, sizeof fj);
    fj.x = x;
    fj.d = d;
    fj.o = o;
    fj.idx = idx;
    fj.fold = fold;
    fj.y = y;
    fj.cls = cls;
    fj.alpha = alpha;
    fj.n = n;
    fj.k = k;
    fj.t = t;
    fj.oof = oof;
    fj.oofx = oofx;
    fj.oofy = oofy;
    fj.at = calloc((size_t)folds + 1, sizeof *fj.at);
    fj.rc = calloc((size_t)folds, sizeof *fj.rc);
    if (fj.at == NULL || fj.rc == NULL) {
      free(fj.at);
      free(fj.rc);
      goto done;
    }
    /* where each fold's held-out scores go: in the order of the folds, then of the examples */
    for (j = 0; j < n; j++) fj.at[fold[j] + 1]++;
    for (f = 0; f < folds; f++) {
      if (fj.at[f + 1] == n) fj.at[f + 1] = 0; /* the only fold: nothing to learn from */
      fj.at[f + 1] += fj.at[f];
    }
    have = fj.at[folds];
    each(par, (size_t)folds, fold_job, &fj);
    for (f = 0; f < folds; f++)
      if (fj.rc[f] != 0) rc = -2;
    free(fj.at);
    free(fj.rc);
    if (rc == -2) {
      rc = -1;
      goto done;
    }
    stance_calibrate(oof, oofx, oofy, have, k, &a, b, o->term_offsets ? toff : NULL);
    if (cls[0] == 0) threshold = best_threshold(oof, oofx, oofy, have, k, a, b, toff);
  }
  /* into the model's table: the target's columns */
  {
    size_t base = (size_t)t * (size_t)m->classes;
    for (c = 0; c < k; c++) {
      size_t out = base + (size_t)cls[c];
      const double *w = model.w + (size_t)c * nf;
      uint32_t fe;
      for (fe = 0; fe < x->features; fe++) m->w[(size_t)fe * m->outputs + out] = (float)w[fe];
      m->bias[out] = w[nf - 1];
      m->per_occ[out] = model.per_occ[c];
      m->offset[out] = b[c];
      m->term_offset[out] = toff[c];
      m->seen[out] = 1;
    }
    m->scale[t] = a;
    m->threshold[t] = threshold;
    m->trained[t] = 1;
  }
  rc = 0;
done:
  free(model.w);
  free(alpha);
  free(idx);
  free(y);
  free(fold);
  free(oofy);
  free(groups);
  free(oof);
  free(oofx);
  return rc;
}

/* What one occurrence of a feature of each block is worth in an example with occ[b]
 * occurrences of the block's features: words and chars are normalized per block (their
 * vector has length weight), marks count as they are (times weight). */
static void block_scales(const double *weights, const uint32_t *occ, float *scale) {
  int b;
  for (b = 0; b < STANCE_BLOCKS; b++)
    scale[b] = b == STANCE_BLOCK_MARKS ? (float)weights[b] : occ[b] ? (float)(weights[b] / sqrt((double)occ[b])) : 0;
}

static size_t table_slot(uint32_t id, size_t mask) { return (size_t)((id * 0x9E3779B1u) ^ (id >> 13)) & mask; }

/* The prediction table from the rows of w (then freed with the map of ids). 0 or -1. */
static int make_table(stance_model *m) {
  size_t cap = 16, i;
  while (cap < 2 * (size_t)m->features) {
    if (cap > SIZE_MAX / 4 / (m->outputs + 1) / sizeof *m->table) return -1;
    cap *= 2;
  }
  m->stride = m->outputs + 1;
  if ((m->table = lookup_alloc(cap * m->stride * sizeof *m->table)) == NULL) return -1;
  m->table_mask = cap - 1;
  for (i = 0; i < cap; i++) m->table[i * m->stride] = EMPTY;
  for (i = 0; i < m->ids.cap; i++) {
    uint32_t id = m->ids.keys[i], *e;
    size_t slot;
    if (m->ids.vals[i] == EMPTY) continue;
    if (id == EMPTY) id = EMPTY - 1; /* the one id that would read as a free slot */
    for (slot = table_slot(id, m->table_mask); m->table[slot * m->stride] != EMPTY; slot = (slot + 1) & m->table_mask) {
    }
    e = m->table + slot * m->stride;
    e[0] = id;
    memcpy(e + 1, m->w + (size_t)m->ids.vals[i] * m->outputs, m->outputs * sizeof(float));
  }
  free(m->w);
  m->w = NULL;
  idmap_free(&m->ids);
  memset(&m->ids, 0, sizeof m->ids);
  return 0;
}

/* Past this many examples of a feature, more do not keep it longer (max_features). */
#define COUNT_MAX 64

/* The features the model learns: every one when they are at most `max` (0: no limit), else
 * those of the most examples: of at least c examples, the least c that leaves at most `max`
 * (or COUNT_MAX). Numbered anew in the order of the dataset's numbers (keep[f]: the new
 * number, EMPTY when left out); the examples' values are those of these features (their rows
 * into row, col). How many. */
static uint32_t kept_features(const stance_dataset *d, size_t max, uint32_t *keep, size_t *row, uint32_t *col) {
  size_t f, i, p, k = 0, left, at[COUNT_MAX + 1] = {0};
  uint32_t n = 0, c = 1;
  for (f = 0; f < d->ids.n; f++) keep[f] = 0;
  for (p = 0; p < d->nnz; p++) /* a feature is once in a row: its rows */
    if (keep[d->col[p]] < COUNT_MAX) keep[d->col[p]]++;
  for (f = 0; f < d->ids.n; f++) at[keep[f]]++;
  for (left = d->ids.n; max > 0 && left > max && c < COUNT_MAX; c++) left -= at[c];
  for (f = 0; f < d->ids.n; f++) keep[f] = keep[f] >= c ? n++ : EMPTY;
  row[0] = 0;
  for (i = 0; i < d->n; i++) {
    for (p = d->row[i]; p < d->row[i + 1]; p++)
      if (keep[d->col[p]] != EMPTY) col[k++] = keep[d->col[p]];
    row[i + 1] = k;
  }
  return n;
}

stance_model *stance_model_train(const stance_dataset *d, const stance_train_opts *o) {
  return stance_model_train_on(d, o, NULL);
}

stance_model *stance_model_train_on(const stance_dataset *d, const stance_train_opts *o, const stance_parallel *par) {
  stance_model *m = calloc(1, sizeof *m);
  stance_csr x;
  float *val = NULL;
  uint32_t *keep = NULL, *col = NULL;
  size_t i, p, q, nb, *row = NULL;
  int t;
  if (m == NULL) return NULL;
  m->f = d->f;
  m->targets = d->targets;
  m->classes = d->classes;
  m->outputs = (size_t)d->targets * (size_t)d->classes;
  keep = malloc((d->ids.n ? d->ids.n : 1) * sizeof *keep);
  row = malloc((d->n + 1) * sizeof *row);
  col = malloc((d->nnz ? d->nnz : 1) * sizeof *col);
  if (keep == NULL || row == NULL || col == NULL) goto fail;
  m->features = kept_features(d, o->max_features, keep, row, col);
  m->w = calloc(((size_t)m->features ? m->features : 1) * m->outputs, sizeof *m->w);
  m->bias = calloc(m->outputs, sizeof *m->bias);
  m->per_occ = calloc(m->outputs, sizeof *m->per_occ);
  m->offset = calloc(m->outputs, sizeof *m->offset);
  m->term_offset = calloc(m->outputs, sizeof *m->term_offset);
  m->seen = calloc(m->outputs, 1);
  m->scale = calloc((size_t)m->targets, sizeof *m->scale);
  m->threshold = calloc((size_t)m->targets, sizeof *m->threshold);
  m->trained = calloc((size_t)m->targets, 1);
  {
    int bits = BITMAP_MIN;
    while (bits < BITMAP_MAX && ((size_t)1 << bits) < 16 * (size_t)m->features) bits++;
    m->bitmap_mask = (uint32_t)(((uint64_t)1 << bits) - 1);
    nb = ((size_t)1 << bits) >> 6;
  }
  m->bitmap = calloc(nb, sizeof *m->bitmap);
  val = malloc((row[d->n] ? row[d->n] : 1) * sizeof *val);
  if (!m->w || !m->bias || !m->per_occ || !m->offset || !m->term_offset || !m->seen || !m->scale || !m->threshold || !m->trained || !m->bitmap || !val)
    goto fail;
  /* the ids: a copy of the dataset's map */
  m->ids.cap = d->ids.cap;
  m->ids.n = d->ids.n;
  if (d->ids.cap) {
    m->ids.keys = malloc(d->ids.cap * sizeof *m->ids.keys);
    m->ids.vals = malloc(d->ids.cap * sizeof *m->ids.vals);
    if (m->ids.keys == NULL || m->ids.vals == NULL) goto fail;
    memcpy(m->ids.keys, d->ids.keys, d->ids.cap * sizeof *m->ids.keys);
    for (i = 0; i < d->ids.cap; i++) {
      m->ids.vals[i] = d->ids.vals[i] == EMPTY ? EMPTY : keep[d->ids.vals[i]]; /* EMPTY: left out */
      if (m->ids.vals[i] != EMPTY) {
        uint32_t b = d->ids.keys[i] & m->bitmap_mask;
        m->bitmap[b >> 6] |= 1ull << (b & 63);
      }
    }
  }
  memcpy(m->weights, o->weights, sizeof m->weights);
  for (i = 0; i < d->n; i++) {
    float scale[STANCE_BLOCKS];
    block_scales(m->weights, d->occ + i * STANCE_BLOCKS, scale);
    for (p = d->row[i], q = row[i]; p < d->row[i + 1]; p++)
      if (keep[d->col[p]] != EMPTY) val[q++] = (float)d->cnt[p] * scale[d->block[d->col[p]]];
  }
  x.n = d->n;
  x.row = row;
  x.col = col;
  x.val = val;
  x.features = m->features;
  for (t = 0; t < d->targets; t++) {
    m->scale[t] = 1;
    m->threshold[t] = 0.5;
    if (train_target(m, d, &x, t, o, par) != 0) goto fail;
  }
  free(val);
  free(keep);
  free(row);
  free(col);
  val = NULL, keep = col = NULL, row = NULL;
  if (make_table(m) != 0) goto fail;
  return m;
fail:
  free(val);
  free(keep);
  free(row);
  free(col);
  stance_model_free(m);
  return NULL;
}

void stance_model_free(stance_model *m) {
  if (m == NULL) return;
  free(m->table);
  idmap_free(&m->ids);
  free(m->w);
  free(m->bias);
  free(m->per_occ);
  free(m->offset);
  free(m->term_offset);
  free(m->seen);
  free(m->scale);
  free(m->threshold);
  free(m->trained);
  free(m->bitmap);
  free(m);
}

int stance_model_targets(const stance_model *m) { return m->targets; }
size_t stance_model_features(const stance_model *m) { return m->features; }
int stance_model_classes(const stance_model *m) { return m->classes; }
int stance_model_trained(const stance_model *m, int t) { return t >= 0 && t < m->targets && m->trained[t]; }
double stance_model_scale(const stance_model *m, int t) { return t >= 0 && t < m->targets ? m->scale[t] : 0; }
double stance_model_threshold(const stance_model *m, int t) {
  return t >= 0 && t < m->targets ? m->threshold[t] : 0.5;
}

/* ---- prediction ---------------------------------------------------------------------- */

/* Words whose features' weights are kept summed (Zipf: most of a text's): 131072 for a model
 * of few outputs (8 MB a thread), fewer for larger entries, down to 16384. Each miss is a
 * score of random reads of the table: 16384 missed one word in five of a news corpus, 65536
 * (as pairs of 48 bytes) one in fifteen of the 200 MB corpus of make bench (70k words, each
 * filled four times over on each thread: the pairs of entries overflow). A scratch that has
 * missed as many words as half its entries is predicting a large corpus: it grows once, to
 * twice that (16 MB), keeping the words it has, which halves the fills there, while a small
 * job keeps to 8 MB. */
#define CACHE_MAX 131072
#define CACHE_MIN 16384
#define CACHE_BYTES (8u << 20)
#define CACHE_GROWN_BYTES (16u << 20)

/* A cache of words: per entry, in one place (one cache line, aligned, for up to 6 outputs),
 * the word's hash | 1 (0: empty), its occurrences of words and chars features, and the sums
 * of their weights (2 x outputs floats). Two ways: a word has a pair of entries, the newest
 * first (a new word moves the newest to the second, a word found in the second swaps them;
 * of a news corpus's 60k words, fewer collide). Only the newest is fetched ahead: most words
 * are found there, in one cache line instead of the two a pair of 48 bytes spans. */
struct stance_model_scratch {
  size_t outputs, stride;       /* stride: the entry's size in floats */
  size_t mask;                  /* entries - 1 (a power of two) */
  size_t misses, grow_at;       /* words not found; past grow_at, the cache grows (SIZE_MAX: never) */
  float *cache;
};

typedef struct cache_entry {
  uint64_t key;
  uint32_t occ[2];
} cache_entry;
#define ENTRY_HEAD (sizeof(cache_entry) / sizeof(float))
#define LINE_FLOATS (64 / sizeof(float))

/* A word's pair of entries (two ways: the newest first). */
static size_t cache_slot(const stance_model_scratch *s, uint64_t hash) { return (size_t)(hash >> 40) & s->mask & ~(size_t)1; }

/* The entries of a cache of at most `bytes` (at least CACHE_MIN), of `stride` floats each. */
static size_t cache_entries(size_t stride, size_t bytes, size_t most) {
  size_t n = most;
  while (n > CACHE_MIN && n * stride * sizeof(float) > bytes) n /= 2;
  return n;
}

stance_model_scratch *stance_model_scratch_new(const stance_model *m) {
  stance_model_scratch *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->outputs = m->outputs;
  s->stride = ENTRY_HEAD + 2 * m->outputs;
  s->stride = (s->stride + LINE_FLOATS - 1) / LINE_FLOATS * LINE_FLOATS; /* an entry on whole lines */
  s->mask = cache_entries(s->stride, CACHE_BYTES, CACHE_MAX) - 1;
  s->grow_at = (s->mask + 1) / 2;
  if ((s->cache = lookup_alloc((s->mask + 1) * s->stride * sizeof *s->cache)) == NULL) {
    free(s);
    return NULL;
  }
  return s;
}

/* The cache, twice as large, with the words it holds (each pair of entries spreads over two
 * pairs of the larger cache, the newest first again); kept as it is when there is no memory
 * for it. */
static void scratch_grow(stance_model_scratch *s) {
  size_t n = cache_entries(s->stride, CACHE_GROWN_BYTES, 2 * CACHE_MAX), i, bytes = s->stride * sizeof(float);
  size_t was = s->mask + 1;
  float *cache, *old = s->cache;
  s->grow_at = SIZE_MAX;
  if (n <= was || (cache = lookup_alloc(n * bytes)) == NULL) return;
  s->cache = cache;
  s->mask = n - 1;
  for (i = 0; i < was; i++) { /* the old entries, the newest of each pair first */
    const float *e = old + i * s->stride;
    uint64_t key = ((const cache_entry *)(const void *)e)->key;
    float *to;
    if (key == 0) continue;
    to = cache + cache_slot(s, key) * s->stride;
    if (((cache_entry *)(void *)to)->key != 0) to += s->stride; /* the newest way is taken */
    memcpy(to, e, bytes);
  }
  free(old);
}

size_t stance_model_scratch_entries(const stance_model_scratch *s) { return s->mask + 1; }

void stance_model_scratch_free(stance_model_scratch *s) {
  if (s == NULL) return;
  free(s->cache);
  free(s);
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* Whether the filter lets `id` through: whether it may have a row (most ids of a new text
 * have none, and are told by one bit, without a lookup). */
static int may_have_row(const stance_model *m, uint32_t id) {
  uint32_t b = id & m->bitmap_mask;
  return (int)(m->bitmap[b >> 6] >> (b & 63) & 1);
}

/* Ask for the table's entry of `id` ahead of its lookup. */
static void prefetch_row(const stance_model *m, uint32_t id) {
  PREFETCH(m->table + table_slot(id == EMPTY ? EMPTY - 1 : id, m->table_mask) * m->stride);
}

/* The row of an id the filter let through, or NULL. */
static const float *row_of(const stance_model *m, uint32_t id) {
  size_t slot;
  if (id == EMPTY) id = EMPTY - 1;
  for (slot = table_slot(id, m->table_mask);; slot = (slot + 1) & m->table_mask) {
    const uint32_t *e = m->table + slot * m->stride;
    if (e[0] == id) return (const float *)(const void *)(e + 1);
    if (e[0] == EMPTY) return NULL;
  }
}

/* acc[i] += x[i] for i < n, in the sums' type: add_floats into doubles (a sentence's sums),
 * add_floats_f into floats (a word's sums in the cache). Four at a time, which -O2 turns into
 * vector instructions (a loop of unknown length it does not): each acc[i] gets the same
 * additions in the same order, so the sums are the same, bit for bit. */
#define ADD_FLOATS(name, type)                                                \
  static void name(type *restrict acc, const float *restrict x, size_t n) {  \
    size_t i = 0;                                                             \
    for (; i + 4 <= n; i += 4) {                                              \
      acc[i] += x[i];                                                         \
      acc[i + 1] += x[i + 1];                                                 \
      acc[i + 2] += x[i + 2];                                                 \
      acc[i + 3] += x[i + 3];                                                 \
    }                                                                         \
    for (; i < n; i++) acc[i] += x[i];                                        \
  }
ADD_FLOATS(add_floats, double)
ADD_FLOATS(add_floats_f, float)

#define AHEAD_MAX 16
/* Words wait in a queue of WORDS_AHEAD while their entries of the cache are fetched. */
#define WORDS_AHEAD 4

typedef struct queued_word {
  uint64_t hash;
  size_t n;
  char text[STANCE_FEAT_WORD_BYTES];
} queued_word;

typedef struct pwalk {
  const stance_model *m;
  stance_model_scratch *s;
  double *acc;                  /* STANCE_BLOCKS x outputs */
  double *probs;
  uint32_t occ[STANCE_BLOCKS];
  uint64_t *terms;
  uint32_t queue[AHEAD_MAX];
  size_t q0, nq;
  queued_word words[WORDS_AHEAD];
  size_t w0, nw;
} pwalk;

/* Features wait in a queue of AHEAD while their table entries are fetched: the lookups of
 * a sentence's pairs and triples overlap instead of waiting for memory one by one. */
#define AHEAD AHEAD_MAX

static void add_row(pwalk *w, uint32_t id) {
  uint32_t b = STANCE_BLOCK_OF(id) < STANCE_BLOCKS ? STANCE_BLOCK_OF(id) : STANCE_BLOCK_MARKS;
  const float *r = row_of(w->m, id);
  if (r) add_floats(w->acc + (size_t)b * w->m->outputs, r, w->m->outputs);
}

static void drain(pwalk *w) {
  size_t i;
  for (i = 0; i < w->nq; i++) add_row(w, w->queue[(w->q0 + i) % AHEAD]);
  w->nq = 0;
}

/* A feature other than a word's own: its row waits in the queue while it is fetched. */
static void queue_feature(pwalk *w, uint32_t id) {
  uint32_t b = STANCE_BLOCK_OF(id) < STANCE_BLOCKS ? STANCE_BLOCK_OF(id) : STANCE_BLOCK_MARKS;
  w->occ[b]++;
  if (!may_have_row(w->m, id)) return;
  prefetch_row(w->m, id);
  if (w->nq == AHEAD) { /* the oldest, fetched by now */
    add_row(w, w->queue[w->q0]);
    w->q0 = (w->q0 + 1) % AHEAD;
    w->nq--;
  }
  w->queue[(w->q0 + w->nq) % AHEAD] = id;
  w->nq++;
}

static int p_feature(void *ud, size_t k, uint32_t id) {
  (void)k;
  queue_feature(ud, id);
  return 0;
}


/* A word not in the first way of its pair of entries: its entry made the first, found in the
 * second (they swap) or made from its own features' rows (the first moves to the second);
 * first the cache grows when it has missed enough words (a large corpus). Its entry. Apart
 * from add_word, so that the path of most words stays short. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static float *
fill_word(const stance_model *m, stance_model_scratch *s, uint64_t hash, const char *word, size_t n) {
  uint64_t key = hash | 1;
  size_t o, outs = m->outputs, bytes = (ENTRY_HEAD + 2 * outs) * sizeof(float);
  float *entry, *sum;
  cache_entry *head;
  int b;
  if (++s->misses > s->grow_at) scratch_grow(s);
  entry = s->cache + cache_slot(s, hash) * s->stride;
  sum = entry + ENTRY_HEAD;
  head = (cache_entry *)(void *)entry;
  if (((cache_entry *)(void *)(entry + s->stride))->key == key) { /* the older way: it becomes the newest */
    float tmp[ENTRY_HEAD + 2 * STANCE_MODEL_MAX_TARGETS * STANCE_MODEL_MAX_CLASSES];
    memcpy(tmp, entry, bytes);
    memcpy(entry, entry + s->stride, bytes);
    memcpy(entry + s->stride, tmp, bytes);
  } else { /* the sums of the word's own features' weights, kept */
    uint32_t ids[STANCE_FEAT_WORD_MAX];
    size_t i, nid = stance_features_word(&m->f, hash, word, n, ids), have = 0;
    memcpy(entry + s->stride, entry, bytes); /* the newest becomes the older */
    for (o = 0; o < 2 * outs; o++) sum[o] = 0;
    head->occ[0] = head->occ[1] = 0;
    for (i = 0; i < nid; i++) {
      head->occ[STANCE_BLOCK_OF(ids[i]) == STANCE_BLOCK_CHARS]++;
      if (may_have_row(m, ids[i])) prefetch_row(m, ids[have++] = ids[i]); /* the misses at once */
    }
    for (i = 0; i < have; i++) {
      const float *r = row_of(m, ids[i]);
      b = STANCE_BLOCK_OF(ids[i]) == STANCE_BLOCK_CHARS;
      if (r) add_floats_f(sum + (size_t)b * outs, r, outs);
    }
    head->key = key;
  }
  return entry;
}

/* A word's own features: their sums from the cache, or made and kept there. */
static void add_word(pwalk *w, uint64_t hash, const char *word, size_t n) {
  stance_model_scratch *s = w->s;
  float *entry = s->cache + cache_slot(s, hash) * s->stride;
  const cache_entry *head = (const cache_entry *)(const void *)entry;
  if (head->key != (hash | 1)) {
    entry = fill_word(w->m, s, hash, word, n);
    head = (const cache_entry *)(const void *)entry;
  }
  w->occ[0] += head->occ[0];
  w->occ[1] += head->occ[1];
  add_floats(w->acc, entry + ENTRY_HEAD, 2 * s->outputs); /* the words then the chars block, as in acc */
}

static void drain_words(pwalk *w) {
  size_t i;
  for (i = 0; i < w->nw; i++) {
    const queued_word *q = &w->words[(w->w0 + i) % WORDS_AHEAD];
    add_word(w, q->hash, q->text, q->n);
  }
  w->nw = 0;
}

/* The word waits while its entry of the cache is fetched; the oldest is added. */
static int p_word(void *ud, size_t k, uint64_t hash, const char *word, size_t n, const uint32_t *grams,
                  size_t ngrams) {
  pwalk *w = ud;
  queued_word *q;
  size_t i;
  (void)k;
  {
    PREFETCH(w->s->cache + cache_slot(w->s, hash) * w->s->stride); /* the newest way */
  }
  if (w->nw == WORDS_AHEAD) {
    q = &w->words[w->w0];
    add_word(w, q->hash, q->text, q->n);
    w->w0 = (w->w0 + 1) % WORDS_AHEAD;
    w->nw--;
  }
  q = &w->words[(w->w0 + w->nw) % WORDS_AHEAD];
  q->hash = hash;
  q->n = n < STANCE_FEAT_WORD_BYTES ? n : STANCE_FEAT_WORD_BYTES;
  memcpy(q->text, word, q->n);
  w->nw++;
  for (i = 0; i < ngrams; i++) queue_feature(w, grams[i]);
  return 0;
}


static int p_end(void *ud, size_t k, uint64_t terms) {
  pwalk *w = ud;
  const stance_model *m = w->m;
  double *p = w->probs + k * m->outputs, total = 0;
  float scale[STANCE_BLOCKS];
  int t, c, b;
  drain_words(w);
  drain(w);
  if (w->terms) w->terms[k] = terms;
  block_scales(m->weights, w->occ, scale);
  for (b = 0; b < STANCE_BLOCKS; b++) total += (double)scale[b] * w->occ[b]; /* the sum of the values */
  for (t = 0; t < m->targets; t++) {
    size_t base = (size_t)t * (size_t)m->classes;
    double best = -HUGE_VAL, sum = 0;
    if (!m->trained[t]) {
      for (c = 0; c < m->classes; c++) p[base + (size_t)c] = 0;
      continue;
    }
    for (c = 0; c < m->classes; c++) {
      size_t o = base + (size_t)c;
      double z = m->bias[o] + m->per_occ[o] * total;
      if (!m->seen[o]) continue;
      for (b = 0; b < STANCE_BLOCKS; b++) z += w->acc[(size_t)b * m->outputs + o] * scale[b];
      z = m->scale[t] * z + m->offset[o] + (t < 64 && (terms >> t & 1) ? m->term_offset[o] : 0);
      p[o] = z;
      if (z > best) best = z;
    }
    for (c = 0; c < m->classes; c++) {
      size_t o = base + (size_t)c;
      if (m->seen[o]) sum += (p[o] = exp(p[o] - best > -700 ? p[o] - best : -700)); /* a seen class: never 0 */
    }
    for (c = 0; c < m->classes; c++) {
      size_t o = base + (size_t)c;
      p[o] = m->seen[o] ? p[o] / sum : 0;
    }
  }
  for (c = 0; (size_t)c < STANCE_BLOCKS * m->outputs; c++) w->acc[c] = 0;
  for (b = 0; b < STANCE_BLOCKS; b++) w->occ[b] = 0;
  return 0;
}

int stance_model_predict_spans(const stance_model *m, stance_model_scratch *s, const char *text, size_t len,
                               const size_t *spans, size_t n, double *probs, uint64_t *terms) {
  pwalk w;
  stance_feature_sink sink;
  double acc[STANCE_BLOCKS * STANCE_MODEL_MAX_TARGETS * STANCE_MODEL_MAX_CLASSES];
  size_t o;
  if (n == 0) return 0;
  for (o = 0; o < STANCE_BLOCKS * m->outputs; o++) acc[o] = 0;
  memset(&w, 0, sizeof w);
  w.m = m;
  w.s = s;
  w.acc = acc;
  w.probs = probs;
  w.terms = terms;
  sink.feature = p_feature;
  sink.word = p_word;
  sink.end = p_end;
  sink.ud = &w;
  return stance_features_walk(&m->f, text, len, spans, n, &sink);
}
