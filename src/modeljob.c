/*
 * modeljob.c - training and prediction on the pool (see modeljob.h). Items are every document
 * first (its labels read, its sentences learnt), then the documents to predict: every
 * training item is claimed before any prediction item, so a thread that must wait for the
 * training to end only waits for documents other threads are reading.
 */
#include "modeljob.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "swar.h"
#include "reader.h"
#include "text.h"
#include "walk.h"

typedef struct modeljob {
  char *root;
  stance_model_doc *docs;       /* labels: owned, then grown with the layers' */
  stance_model_result *res;
  size_t ndocs, *pred, npred;
  int classes;
  char **class_names, **layers, *target;
  stance_nb *nb;
  uint32_t examples[STANCE_NB_MAX_CLASSES];
  uv_mutex_t lock;
  uv_cond_t ready_cond;
  size_t trained;
  int ready, sync;              /* ready: 0 not yet, 1 the model is made, -1 it could not be */
} modeljob;

static void destroy(void *data) {
  modeljob *j = data;
  size_t i;
  if (j == NULL) return;
  for (i = 0; i < j->ndocs; i++) {
    free((char *)j->docs[i].path);
    free((stance_model_label *)j->docs[i].labels);
    if (j->res) {
      free(j->res[i].start);
      free(j->res[i].end);
      free(j->res[i].probs);
    }
  }
  free(j->docs);
  free(j->res);
  free(j->pred);
  stance_strv_free(j->class_names);
  stance_strv_free(j->layers);
  free(j->target);
  stance_nb_free(j->nb);
  if (j->sync) {
    uv_cond_destroy(&j->ready_cond);
    uv_mutex_destroy(&j->lock);
  }
  free(j->root);
  free(j);
}

/* ---- a document's sentences, in bytes and code points --------------------------------- */

typedef struct sents {
  size_t *b;                    /* byte spans: b[2k], b[2k + 1] */
  uint32_t *cp;                 /* the same in code points */
  size_t n, cap;
  int oom;
} sents;

static int on_sentence(void *ud, size_t a, size_t b) {
  sents *s = ud;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    size_t *nb = realloc(s->b, 2 * cap * sizeof *nb);
    uint32_t *nc;
    if (nb == NULL) return s->oom = 1;
    s->b = nb;
    if ((nc = realloc(s->cp, 2 * cap * sizeof *nc)) == NULL) return s->oom = 1;
    s->cp = nc;
    s->cap = cap;
  }
  s->b[2 * s->n] = a;
  s->b[2 * s->n + 1] = b;
  s->n++;
  return 0;
}

/* Code points from byte `from` to byte `to`, `cp` being the code point at `from` (what the
 * text model counts: an invalid byte is one). */
static size_t advance_cp(const unsigned char *u, size_t len, size_t from, size_t to, size_t cp) {
  while (from < to) {
    int n = 1;
    if (to - from >= 8 && !(stance_load8((const char *)u + from) & STANCE_HIGHS)) { /* eight ASCII */
      from += 8;
      cp += 8;
      continue;
    }
    if (u[from] >= 0x80) stance_utf8_decode(u + from, len - from, &n, NULL);
    from += (size_t)n;
    cp++;
  }
  return cp;
}

static int sentences_of(const char *text, size_t len, sents *s) {
  size_t k, at = 0, cp = 0;
  s->n = 0;
  stance_sentences(text, len, on_sentence, s);
  if (s->oom) return -1;
  for (k = 0; k < 2 * s->n; k++) {
    cp = advance_cp((const unsigned char *)text, len, at, s->b[k], cp);
    at = s->b[k];
    s->cp[k] = (uint32_t)cp;
  }
  return 0;
}

/* ---- training and prediction --------------------------------------------------------- */

/* Labels overlapping sentence [a, b), followed in order: labels are sorted by start. */
typedef struct sweep {
  const stance_model_label *l;
  size_t n, next;
  size_t *active, nactive;
} sweep;

static void sweep_to(sweep *w, uint32_t a, uint32_t b) {
  size_t i, o = 0;
  while (w->next < w->n && w->l[w->next].start < b) w->active[w->nactive++] = w->next++;
  for (i = 0; i < w->nactive; i++)
    if (w->l[w->active[i]].end > a) w->active[o++] = w->active[i];
  w->nactive = o;
}

static int cmp_labels(const void *x, const void *y) {
  const stance_model_label *a = x, *b = y;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  return (a->end > b->end) - (a->end < b->end);
}

/* Add the labels of the layers' annotation files of document d (a missing file has none).
 * 0, or -1 when out of memory. */
static int read_labels(modeljob *j, size_t d, char **buf, size_t *cap) {
  stance_model_doc *doc = &j->docs[d];
  size_t k, have = doc->nlabels, room = doc->nlabels;
  for (k = 0; j->layers && j->layers[k]; k++) {
    char path[PATH_MAX];
    size_t len, slot;
    stance_problems pr;
    stance_store *st;
    int e;
    uint32_t i, n;
    if (snprintf(path, sizeof path, "%s/.stance/annotations/%s/%s.stance", j->root, j->layers[k], doc->path) >=
        (int)sizeof path)
      continue;
    if ((e = stance_read_path(path, buf, cap, &len)) != 0) {
      if (e == ENOMEM) return -1;
      continue;
    }
    stance_problems_init(&pr);
    st = stance_read(*buf, len, NULL, &pr);
    stance_problems_free(&pr);
    if (st == NULL) return -1;
    n = stance_store_slots(st);
    for (i = 0; i < n; i++) {
      const stance_rec *r = stance_store_at(st, i);
      const char *stance = r->f[STANCE_F_STANCE];
      int cls = -1, c;
      uint32_t sp;
      if (r->dead || r->kind != STANCE_REC_ANNOTATION || stance == NULL) continue;
      if (j->target && (r->f[STANCE_F_TARGET] == NULL || strcmp(r->f[STANCE_F_TARGET], j->target) != 0)) continue;
      for (c = 0; c < j->classes; c++)
        if (strcmp(stance, j->class_names[c]) == 0) cls = c;
      for (sp = 0; sp < r->nspans; sp++) {
        stance_model_label *l = (stance_model_label *)doc->labels;
        if (have == room) {
          room = room ? room * 2 : 64;
          if ((l = realloc(l, room * sizeof *l)) == NULL) {
            stance_store_free(st);
            return -1;
          }
          doc->labels = l;
        }
        slot = have++;
        l[slot].start = r->spans[sp].start;
        l[slot].end = r->spans[sp].end;
        l[slot].cls = cls;
      }
    }
    stance_store_free(st);
  }
  doc->nlabels = have;
  qsort((stance_model_label *)doc->labels, doc->nlabels, sizeof *doc->labels, cmp_labels);
  return 0;
}

static int read_doc(modeljob *j, size_t d, char **text, size_t *cap, size_t *len) {
  char path[PATH_MAX];
  int e;
  if (snprintf(path, sizeof path, "%s/%s", j->root, j->docs[d].path) >= (int)sizeof path) {
    j->res[d].error = "path too long";
    return -1;
  }
  if ((e = stance_read_path(path, text, cap, len)) != 0) {
    j->res[d].error = e == ENOMEM ? "out of memory" : e == ENOENT ? "no such file" : "cannot read";
    return -1;
  }
  return 0;
}

static int train_doc(modeljob *j, size_t d, char **text, size_t *cap, sents *s, size_t *bytes) {
  const stance_model_doc *doc = &j->docs[d];
  size_t len, k, *active;
  sweep w;
  int teaches = 0;
  if (read_labels(j, d, text, cap) != 0) return -1;
  for (k = 0; k < doc->nlabels; k++)
    if (doc->labels[k].cls >= 0) teaches = 1;
  if (!teaches) return 0;
  if (read_doc(j, d, text, cap, &len) != 0) return 0;
  *bytes = len;
  if (sentences_of(*text, len, s) != 0) return -1;
  if ((active = malloc((doc->nlabels ? doc->nlabels : 1) * sizeof *active)) == NULL) return -1;
  memset(&w, 0, sizeof w);
  w.l = doc->labels;
  w.n = doc->nlabels;
  w.active = active;
  for (k = 0; k < s->n; k++) {
    uint32_t a = s->cp[2 * k], b = s->cp[2 * k + 1], best_len = 0;
    int best = -1;
    size_t i;
    sweep_to(&w, a, b);
    for (i = 0; i < w.nactive; i++) { /* the label covering most of the sentence */
      const stance_model_label *l = &w.l[w.active[i]];
      uint32_t from = l->start > a ? l->start : a, to = l->end < b ? l->end : b;
      if (l->cls >= 0 && to > from && to - from > best_len) best = l->cls, best_len = to - from;
    }
    if (best >= 0) {
      int rc;
      uv_mutex_lock(&j->lock);
      rc = stance_nb_add(j->nb, *text + s->b[2 * k], s->b[2 * k + 1] - s->b[2 * k], best);
      if (rc == 0) j->examples[best]++;
      uv_mutex_unlock(&j->lock);
      if (rc != 0) {
        free(active);
        return -1;
      }
    }
  }
  j->res[d].sentences = s->n;
  free(active);
  return 0;
}

static int predict_doc(modeljob *j, size_t d, char **text, size_t *cap, sents *s, size_t *bytes) {
  const stance_model_doc *doc = &j->docs[d];
  stance_model_result *r = &j->res[d];
  size_t len, k, n = 0;
  uint32_t max_end = 0;
  size_t next = 0;
  if (read_doc(j, d, text, cap, &len) != 0) return 0;
  *bytes = len;
  if (sentences_of(*text, len, s) != 0) return -1;
  r->sentences = s->n;
  /* the sentences no label covers, kept in place at the front of the lists */
  for (k = 0; k < s->n; k++) {
    uint32_t a = s->cp[2 * k], b = s->cp[2 * k + 1];
    while (next < doc->nlabels && doc->labels[next].start < b) {
      if (doc->labels[next].end > max_end) max_end = doc->labels[next].end;
      next++;
    }
    if (max_end > a) continue; /* a label starting before the end reaches past the start */
    s->b[2 * n] = s->b[2 * k];
    s->b[2 * n + 1] = s->b[2 * k + 1];
    s->cp[2 * n] = a;
    s->cp[2 * n + 1] = b;
    n++;
  }
  if (n == 0) return 0;
  r->start = malloc(n * sizeof *r->start);
  r->end = malloc(n * sizeof *r->end);
  r->probs = malloc(n * (size_t)j->classes * sizeof *r->probs);
  if (r->start == NULL || r->end == NULL || r->probs == NULL) return -1;
  if (stance_nb_predict_spans(j->nb, *text, len, s->b, n, r->probs) != 0) return -1;
  for (k = 0; k < n; k++) {
    r->start[k] = s->cp[2 * k];
    r->end[k] = s->cp[2 * k + 1];
  }
  r->n = n;
  return 0;
}

/* The last training document is counted: the model is made ready for predictions. */
static int trained_one(modeljob *j) {
  int rc = 0;
  uv_mutex_lock(&j->lock);
  if (++j->trained == j->ndocs) {
    rc = stance_nb_prepare(j->nb);
    j->ready = rc == 0 ? 1 : -1;
    uv_cond_broadcast(&j->ready_cond);
  }
  uv_mutex_unlock(&j->lock);
  return rc;
}

/* Wait for the model: 1 ready, -1 it could not be made (out of memory). */
static int wait_ready(modeljob *j) {
  int ready;
  uv_mutex_lock(&j->lock);
  while (!j->ready) uv_cond_wait(&j->ready_cond, &j->lock);
  ready = j->ready;
  uv_mutex_unlock(&j->lock);
  return ready;
}

static int prepare(stance_job *job) {
  modeljob *j = stance_job_data(job);
  stance_job_set_total(job, j->ndocs + j->npred, 0);
  if (j->ndocs == 0) {
    if (stance_nb_prepare(j->nb) != 0) return stance_job_fail(job, -ENOMEM, "out of memory");
    j->ready = 1;
  }
  return 0;
}

static int run(stance_job *job) {
  modeljob *j = stance_job_data(job);
  char *text = NULL;
  size_t cap = 0;
  sents s;
  int64_t i;
  int rc = 0;
  memset(&s, 0, sizeof s);
  while (rc == 0 && (i = stance_job_next(job)) >= 0) {
    size_t bytes = 0;
    if ((size_t)i < j->ndocs) {
      rc = train_doc(j, (size_t)i, &text, &cap, &s, &bytes);
      if (trained_one(j) != 0) rc = -1;
    } else {
      rc = wait_ready(j) == 1 ? predict_doc(j, j->pred[(size_t)i - j->ndocs], &text, &cap, &s, &bytes) : -1;
    }
    stance_job_advance(job, 1, bytes);
  }
  free(text);
  free(s.b);
  free(s.cp);
  return rc == 0 ? 0 : stance_job_fail(job, -ENOMEM, "out of memory");
}

static const stance_job_ops model_ops = {"model", prepare, run, NULL, destroy};

stance_job *stance_modeljob_new(const char *root, const stance_model_doc *docs, size_t ndocs,
                                const stance_model_opts *o) {
  modeljob *j;
  stance_job *job;
  size_t i;
  int oom = 0;
  if (o->classes < 2 || o->classes > STANCE_NB_MAX_CLASSES || o->class_names == NULL) return NULL;
  if ((j = calloc(1, sizeof *j)) == NULL) return NULL;
  j->classes = o->classes;
  j->ndocs = ndocs;
  j->root = stance_strdup(root);
  j->docs = calloc(ndocs ? ndocs : 1, sizeof *j->docs);
  j->res = calloc(ndocs ? ndocs : 1, sizeof *j->res);
  j->pred = malloc((ndocs ? ndocs : 1) * sizeof *j->pred);
  j->nb = stance_nb_new(o->classes, o->cues);
  j->class_names = stance_strv_dup(o->class_names, &oom);
  j->layers = stance_strv_dup(o->layers, &oom);
  if (o->target != NULL && (j->target = stance_strdup(o->target)) == NULL) oom = 1;
  if (j->root == NULL || j->docs == NULL || j->res == NULL || j->pred == NULL || j->nb == NULL ||
      j->class_names == NULL || oom)
    goto fail;
  if (uv_mutex_init(&j->lock) != 0) goto fail;
  if (uv_cond_init(&j->ready_cond) != 0) {
    uv_mutex_destroy(&j->lock);
    goto fail;
  }
  j->sync = 1;
  for (i = 0; i < ndocs; i++) {
    stance_model_doc *d = &j->docs[i];
    stance_model_label *l;
    size_t k;
    *d = docs[i];
    d->path = NULL;
    d->labels = NULL;
    if ((d->path = stance_strdup(docs[i].path)) == NULL) goto fail;
    l = malloc((docs[i].nlabels ? docs[i].nlabels : 1) * sizeof *l);
    if (l == NULL) goto fail;
    if (docs[i].nlabels) memcpy(l, docs[i].labels, docs[i].nlabels * sizeof *l);
    for (k = 0; k < docs[i].nlabels; k++)
      if (l[k].cls >= o->classes) l[k].cls = -1;
    d->labels = l;
    j->res[i].path = d->path;
    if (d->predict) j->pred[j->npred++] = i;
  }
  if ((job = stance_job_new(&model_ops, j)) == NULL) goto fail;
  return job;
fail:
  destroy(j);
  return NULL;
}

size_t stance_modeljob_results(stance_job *job, const stance_model_result **out, uint32_t *examples) {
  modeljob *j = stance_job_data(job);
  if (examples) memcpy(examples, j->examples, (size_t)j->classes * sizeof *examples);
  *out = j->res;
  return j->ndocs;
}

int stance_modeljob_classes(stance_job *job) { return ((modeljob *)stance_job_data(job))->classes; }
