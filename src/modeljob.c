/*
 * modeljob.c - training and prediction on the pool (see modeljob.h). Items are every document
 * first (its labels read, the features of its labelled sentences extracted), then the
 * documents to predict: every reading item is claimed before any prediction item, so a
 * thread that must wait for the training only waits for documents other threads are reading.
 * The thread that reads the last document adds every document's examples to the dataset, in
 * the documents' order, and trains; the others help with its parallel parts and meanwhile
 * prepare the documents to predict (see "documents prepared while the model is trained").
 */
#include "modeljob.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "contain.h"
#include "reader.h"
#include "swar.h"
#include "text.h"
#include "walk.h"

/* The examples of one document, waiting to be added in order. */
typedef struct doc_examples {
  size_t n;
  uint32_t **ids;
  size_t *nids;
  uint64_t *terms;
  signed char *labels;          /* n x targets */
} doc_examples;

typedef struct modeljob {
  char *root;
  stance_model_doc *docs;       /* labels: owned, then grown with the layers' */
  stance_model_result *res;
  doc_examples *ex;
  uint32_t *upto;                /* per document: how far its annotators read it (code points) */
  size_t ndocs, *pred, npred;
  int targets, classes, unit;
  char **target_names, **stance_names, **layers, *prefer;
  /* the annotations folder and each layer's folder (layers[k], then prefer), opened when the
   * job starts (prepare): a layer file is opened from its folder with no link followed (see
   * open_layer_file); -1: not open (dir_err[k] or ann_err says why; a file is then opened
   * from the annotations folder, or not at all) */
  int ann_fd, ann_err, *dir_fd, ndirs;
  stance_features features;
  stance_train_opts train;
  stance_dataset *data;
  stance_model *model;
  uv_mutex_t lock;
  uv_cond_t ready_cond;
  size_t read;
  int ready, sync;              /* ready: 0 not yet, 1 the model is made (or nothing to learn), -1 failed */
  /* a part of the training spread over the threads waiting for the model (help_each):
   * work_fn(work_arg, i) for every i < work_n */
  void (*work_fn)(void *arg, size_t i);
  void *work_arg;
  size_t work_n, work_next, work_done;
} modeljob;

static void free_examples(doc_examples *e) {
  size_t k;
  for (k = 0; k < e->n; k++) free(e->ids[k]);
  free(e->ids);
  free(e->nids);
  free(e->terms);
  free(e->labels);
  memset(e, 0, sizeof *e);
}

static void destroy(void *data) {
  modeljob *j = data;
  size_t i;
  int k;
  if (j == NULL) return;
  for (i = 0; i < j->ndocs; i++) {
    free((char *)j->docs[i].path);
    free((stance_model_label *)j->docs[i].labels);
    if (j->res) {
      free(j->res[i].start);
      free(j->res[i].end);
      free(j->res[i].probs);
      free(j->res[i].known);
      free(j->res[i].terms);
      while (j->res[i].nskipped > 0) {
        stance_model_skipped *s = &j->res[i].skipped[--j->res[i].nskipped];
        free(s->message);
        free(s->link);
      }
      free(j->res[i].skipped);
    }
    if (j->ex) free_examples(&j->ex[i]);
  }
  for (k = 0; j->dir_fd != NULL && k < j->ndirs; k++)
    if (j->dir_fd[k] >= 0) close(j->dir_fd[k]);
  free(j->dir_fd);
  if (j->ann_fd >= 0) close(j->ann_fd);
  free(j->docs);
  free(j->res);
  free(j->ex);
  free(j->pred);
  free(j->upto);
  stance_strv_free(j->target_names);
  stance_strv_free(j->stance_names);
  stance_strv_free(j->layers);
  free(j->prefer);
  stance_dataset_free(j->data);
  stance_model_free(j->model);
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

static int sentences_of(const char *text, size_t len, int unit, sents *s) {
  size_t k, at = 0, cp = 0;
  s->n = 0;
  stance_units(text, len, unit, on_sentence, s);
  if (s->oom) return -1;
  for (k = 0; k < 2 * s->n; k++) {
    cp = advance_cp((const unsigned char *)text, len, at, s->b[k], cp);
    at = s->b[k];
    s->cp[k] = (uint32_t)cp;
  }
  return 0;
}

/* ---- labels --------------------------------------------------------------------------- */

static int cmp_labels(const void *x, const void *y) {
  const stance_model_label *a = x, *b = y;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  return (a->end > b->end) - (a->end < b->end);
}

static int push_label(stance_model_doc *doc, size_t *room, uint32_t start, uint32_t end, int target, int cls) {
  stance_model_label *l = (stance_model_label *)doc->labels;
  if (doc->nlabels == *room) {
    size_t r = *room ? *room * 2 : 64;
    if ((l = realloc(l, r * sizeof *l)) == NULL) return -1;
    doc->labels = l;
    *room = r;
  }
  l[doc->nlabels].start = start;
  l[doc->nlabels].end = end;
  l[doc->nlabels].target = target;
  l[doc->nlabels].cls = cls;
  doc->nlabels++;
  return 0;
}

/* Open the annotations folder and the folders of the layers (prepare): a layer's folder that
 * is a symbolic link, or that cannot be opened, is left to open_layer_file (it says the link,
 * file by file). */
static void open_folders(modeljob *j) {
  char path[PATH_MAX];
  int k, w = snprintf(path, sizeof path, "%s/.stance/annotations", j->root);
  if (w <= 0 || w >= (int)sizeof path) {
    j->ann_err = ENAMETOOLONG;
    return;
  }
  if ((j->ann_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY)) < 0) {
    j->ann_err = errno;
    return;
  }
  for (k = 0; j->dir_fd != NULL && k < j->ndirs; k++) {
    const char *name = k < j->ndirs - (j->prefer != NULL) ? j->layers[k] : j->prefer;
    j->dir_fd[k] = openat(j->ann_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  }
}

/* Open `layer`'s annotation file of document `doc` (the layer's folder open at `dir`, or -1)
 * with no symbolic link followed from the annotations folder on: the layer's folder, the
 * folders between, the file (doc/format.md 8.4: a layer's file and folders are its own; a
 * link would make another's work learnt as this annotator's). `rel` (PATH_MAX) gets the
 * file's path below the annotations folder. A descriptor, or a negative errno, or
 * STANCE_ELINK with *link_end the length of `rel` up to the end of the part that is a link. */
static int open_layer_file(const modeljob *j, const char *layer, int dir, const stance_model_doc *doc, char *rel,
                           size_t *link_end) {
  static const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY; /* a FIFO is refused by stance_read_fd */
  size_t skip = strlen(layer) + 1;
  int w = snprintf(rel, PATH_MAX, "%s/%s.stance", layer, doc->path), fd;
  if (w <= 0 || w >= PATH_MAX) return -ENAMETOOLONG;
  if (dir < 0) return j->ann_fd < 0 ? -j->ann_err : stance_open_below(j->ann_fd, rel, flags, link_end);
  fd = stance_open_below(dir, rel + skip, flags, link_end);
  if (fd == STANCE_ELINK) *link_end += skip;
  return fd;
}

static int is_conflict(const char *msg) {
  static const char marker[] = "unresolved git merge conflict";
  return msg != NULL && strncmp(msg, marker, sizeof marker - 1) == 0;
}

/* Whether a line of text[0, len) from line a + 1 to line b - 1 (1-based) starts a record (a
 * letter, digit or underscore first). */
static int record_between(const char *text, size_t len, uint32_t a, uint32_t b) {
  uint32_t line = 1;
  size_t i = 0;
  while (i < len && line < b) {
    if (line > a) {
      unsigned char ch = (unsigned char)text[i];
      if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_') return 1;
    }
    while (i < len && text[i] != '\n') i++;
    i++;
    line++;
  }
  return 0;
}

int stance_modeljob_first_error(const char *text, size_t len, const stance_problems *pr, stance_model_skipped *out) {
  const stance_problem *first = NULL, *cut = NULL;
  char *msg;
  size_t k, n;
  for (k = 0; k < pr->n; k++) {
    const stance_problem *p = &pr->items[k];
    if (p->severity != STANCE_SEV_ERROR) continue;
    if (first == NULL || p->line < first->line || (p->line == first->line && p->col < first->col)) first = p;
  }
  if (first == NULL) return 0;
  if (pr->errors > 1 && !is_conflict(first->message)) {
    for (k = 0; k < pr->n; k++) { /* the first marker below it: inside its record or none is */
      const stance_problem *p = &pr->items[k];
      if (p->severity == STANCE_SEV_ERROR && is_conflict(p->message) && p->line > first->line &&
          (cut == NULL || p->line < cut->line))
        cut = p;
    }
    if (cut != NULL && record_between(text, len, first->line, cut->line)) cut = NULL;
  }
  n = strlen(first->message ? first->message : "?") + 1;
  if (cut != NULL) n += strlen(cut->message) + 80;
  if ((msg = malloc(n)) == NULL) return -1;
  if (cut != NULL)
    snprintf(msg, n, "%s, because a git conflict marker cuts its record (line %u: %s)", first->message,
             (unsigned)cut->line, cut->message);
  else
    snprintf(msg, n, "%s", first->message ? first->message : "?");
  out->layer = NULL;
  out->link = NULL;
  out->line = first->line;
  out->col = first->col;
  out->errors = pr->errors;
  out->conflicts = 0;
  out->message = msg;
  return 1;
}

/* Note in `res` that `layer`'s file (text[0, len), read with the problems `pr`) was left out
 * for its errors (stance_modeljob_first_error). 0, or -1 when out of memory. */
static int note_skipped(stance_model_result *res, const char *layer, const char *text, size_t len,
                        const stance_problems *pr) {
  stance_model_skipped one, *s;
  int rc = stance_modeljob_first_error(text, len, pr, &one);
  if (rc <= 0) return rc;
  s = realloc(res->skipped, (res->nskipped + 1) * sizeof *s);
  if (s == NULL) {
    free(one.message);
    return -1;
  }
  res->skipped = s;
  one.layer = layer;
  s[res->nskipped++] = one;
  return 0;
}

/* The first record of an unresolved merge conflict among the problems `pr` (the reader's
 * warning at a `conflict` mark, src/reader.c: "annotation X is in conflict (the 'ours'
 * version of a merge): ..."), and in *n how many there are; NULL when none is. */
static const stance_problem *first_conflict(const stance_problems *pr, size_t *n) {
  static const char mark[] = " is in conflict (the '";
  const stance_problem *first = NULL;
  size_t k;
  *n = 0;
  for (k = 0; k < pr->n; k++) {
    const stance_problem *p = &pr->items[k];
    if (p->severity != STANCE_SEV_WARNING || p->message == NULL || strstr(p->message, mark) == NULL) continue;
    (*n)++;
    if (first == NULL || p->line < first->line || (p->line == first->line && p->col < first->col)) first = p;
  }
  return first;
}

/* Note in `res` that `layer`'s file was left out for the `n` records of an unresolved merge
 * conflict it holds, the first at `p` (its message copied). 0, or -1 when out of memory. */
static int note_conflicts(stance_model_result *res, const char *layer, const stance_problem *p, size_t n) {
  stance_model_skipped *s;
  size_t len = strlen(p->message) + 1;
  char *msg = malloc(len);
  if (msg == NULL) return -1;
  memcpy(msg, p->message, len);
  if ((s = realloc(res->skipped, (res->nskipped + 1) * sizeof *s)) == NULL) {
    free(msg);
    return -1;
  }
  res->skipped = s;
  s += res->nskipped++;
  memset(s, 0, sizeof *s);
  s->layer = layer;
  s->line = p->line;
  s->col = p->col;
  s->conflicts = n;
  s->message = msg;
  return 0;
}

/* Note in `res` that `layer`'s file was left out, at its line 1, for `link` or `message`
 * (malloc'd, taken: freed here when out of memory). 0, or -1 when out of memory. */
static int note_at_line1(stance_model_result *res, const char *layer, char *link, char *message, size_t errors) {
  stance_model_skipped *s;
  if ((link == NULL && message == NULL) || (s = realloc(res->skipped, (res->nskipped + 1) * sizeof *s)) == NULL) {
    free(link);
    free(message);
    return -1;
  }
  res->skipped = s;
  s += res->nskipped++;
  memset(s, 0, sizeof *s);
  s->layer = layer;
  s->line = s->col = 1;
  s->errors = errors;
  s->link = link;
  s->message = message;
  return 0;
}

/* Note in `res` that `layer`'s file (`rel`, below the annotations folder) was left out
 * because the part of it rel[0, end) is a symbolic link (stance.model.skipped says it as the
 * other readers do: stance.layer_link). 0, or -1 when out of memory. */
static int note_link(stance_model_result *res, const char *layer, const char *rel, size_t end) {
  char *link = malloc(end + 1);
  if (link != NULL) {
    memcpy(link, rel, end);
    link[end] = '\0';
  }
  return note_at_line1(res, layer, link, NULL, 0);
}

/* Note in `res` that `layer`'s file is a folder (git carries `ana/DOC.stance/x.stance`): an
 * error at its line 1, said as a file with errors is (stance.annfile reads it so). 0, or -1
 * when out of memory. */
static int note_folder(stance_model_result *res, const char *layer) {
  static const char said[] = "a folder, not an annotation file: nothing in it is read as this layer; remove or rename it";
  char *msg = malloc(sizeof said);
  if (msg != NULL) memcpy(msg, said, sizeof said);
  return note_at_line1(res, layer, NULL, msg, 1);
}

/* Add the labels of `layer`'s annotation file of `doc` (read into *buf), and raise *read to
 * how far its annotator read the document (code points; UINT32_MAX: all): a file marked done,
 * else the end of its last annotation made by the annotator (not one with a `confidence`,
 * which was accepted from a suggestion). 0; -1 when out
 * of memory; else the errno of reading the file (ENOENT: the layer has no file for it),
 * and nothing is added. With `done_only`, a file not marked done adds nothing either and
 * reads as ENOENT (a curation in progress is not the team's decision yet). A file with
 * errors (git's conflict markers, cut short), or that holds records of an unresolved merge
 * conflict (`conflict ours`/`theirs`), adds nothing and reads as ENOENT too, as
 * `stance agree` and `stance report` leave it out: the records it lost would be learnt as "no
 * stance" (a file marked done says every sentence was read), and a curated gold file
 * with errors leaves the document to its annotators; it is noted in `res` (note_skipped). So
 * does a file reached through a symbolic link (the file itself, or a folder between it and
 * the annotations folder: open_layer_file), noted in `res` too (note_link). `dir`: the
 * layer's folder, open (or -1). */
static int add_layer(modeljob *j, stance_model_doc *doc, stance_model_result *res, const char *layer, int dir,
                     char **buf, size_t *cap, size_t *room, uint32_t *read, int done_only) {
  char rel[PATH_MAX];
  size_t len, link_end = 0;
  stance_problems pr;
  stance_store *st;
  const char *status;
  int e, fd;
  size_t errors, nconflicts = 0;
  const stance_problem *conflict;
  uint32_t i, n, last = 0;
  if ((fd = open_layer_file(j, layer, dir, doc, rel, &link_end)) == STANCE_ELINK)
    return note_link(res, layer, rel, link_end) != 0 ? -1 : ENOENT;
  if (fd < 0) return -fd;
  if ((e = stance_read_fd(fd, buf, cap, &len)) == EISDIR) return note_folder(res, layer) != 0 ? -1 : ENOENT;
  if (e != 0) return e == ENOMEM ? -1 : e;
  stance_problems_init(&pr);
  st = stance_read(*buf, len, NULL, &pr);
  errors = pr.errors;
  if (st != NULL && errors > 0 && note_skipped(res, layer, *buf, len, &pr) != 0) {
    stance_store_free(st);
    st = NULL;
  }
  /* records of an unresolved merge conflict: two versions where the annotator has not
   * decided; learnt from neither (nor the rest as "no stance"), as stance agree leaves it out */
  if (st != NULL && errors == 0 && (conflict = first_conflict(&pr, &nconflicts)) != NULL &&
      note_conflicts(res, layer, conflict, nconflicts) != 0) {
    stance_store_free(st);
    st = NULL;
  }
  stance_problems_free(&pr);
  if (st == NULL) return -1;
  if (errors > 0 || nconflicts > 0) { /* what it lets us read is not all its annotator said: as if absent */
    stance_store_free(st);
    return ENOENT;
  }
  status = stance_store_get_header(st, STANCE_H_STATUS);
  if (done_only && (status == NULL || strcmp(status, "done") != 0)) {
    stance_store_free(st);
    return ENOENT;
  }
  n = stance_store_slots(st);
  for (i = 0; i < n; i++) {
    const stance_rec *r = stance_store_at(st, i);
    const char *stance = r->f[STANCE_F_STANCE], *target = r->f[STANCE_F_TARGET];
    int cls = -1, t = -1, c;
    uint32_t sp;
    if (r->dead || r->kind != STANCE_REC_ANNOTATION) continue;
    /* an annotation with a confidence (a suggestion accepted, or a model's) decides its own
     * sentence only: it does not say the annotator read the sentences before it */
    if (r->f[STANCE_F_CONFIDENCE] == NULL)
      for (sp = 0; sp < r->nspans; sp++)
        if (r->spans[sp].end > last) last = r->spans[sp].end;
    if (stance == NULL) continue;
    for (c = 1; c < j->classes; c++)
      if (strcmp(stance, j->stance_names[c - 1]) == 0) cls = c;
    if (j->target_names == NULL) {
      t = 0;
    } else if (target != NULL) {
      for (c = 0; c < j->targets; c++)
        if (strcmp(target, j->target_names[c]) == 0) t = c;
      if (t < 0) continue; /* a target not learnt here */
    } else {
      cls = -1; /* a stance toward no target: it only covers, for every target */
    }
    for (sp = 0; sp < r->nspans; sp++)
      if (push_label(doc, room, r->spans[sp].start, r->spans[sp].end, t, cls) != 0) {
        stance_store_free(st);
        return -1;
      }
  }
  if (status != NULL && strcmp(status, "done") == 0) last = UINT32_MAX;
  if (last > *read) *read = last;
  stance_store_free(st);
  return 0;
}

/* Add the labels of the layers' annotation files of document d (a missing file has none),
 * and into *read how far the annotators read it (code points; UINT32_MAX: all). A document
 * the preferred layer (gold) has a file marked done for (its curation finished) is learnt
 * from that file alone: it is read first, and only when it is not there or not done
 * (ENOENT: no access() beforehand, one system call less per document) are the other layers
 * read. 0, or -1 when out of memory. */
static int read_labels(modeljob *j, size_t d, char **buf, size_t *cap, uint32_t *read) {
  stance_model_doc *doc = &j->docs[d];
  size_t k, room = doc->nlabels;
  int e;
  *read = 0;
  if (j->prefer != NULL) { /* curated: learnt from that file alone */
    e = add_layer(j, doc, &j->res[d], j->prefer, j->dir_fd[j->ndirs - 1], buf, cap, &room, read, 1);
    if (e == -1) return -1;
    if (e != ENOENT && e != ENOTDIR) goto sorted; /* read, or there but unreadable: not pooled */
  }
  for (k = 0; j->layers && j->layers[k]; k++) {
    if (j->prefer != NULL && strcmp(j->layers[k], j->prefer) == 0) continue; /* not there: seen above */
    if (add_layer(j, doc, &j->res[d], j->layers[k], j->dir_fd[k], buf, cap, &room, read, 0) == -1) return -1;
  }
sorted:
  qsort((stance_model_label *)doc->labels, doc->nlabels, sizeof *doc->labels, cmp_labels);
  return 0;
}

/* The class of each target in each sentence (known[k * targets + t], -1 unknown, -2 a target
 * the document does not belong to: neither an example nor predicted). */
static int classes_of(modeljob *j, const stance_model_doc *doc, const sents *s, uint32_t read, signed char *known) {
  size_t k, next = 0, nactive = 0, i;
  size_t *active = malloc((doc->nlabels ? doc->nlabels : 1) * sizeof *active);
  int t;
  if (active == NULL) return -1;
  for (k = 0; k < s->n; k++) {
    uint32_t a = s->cp[2 * k], b = s->cp[2 * k + 1], best_len[STANCE_MODEL_MAX_TARGETS];
    int best[STANCE_MODEL_MAX_TARGETS], covered[STANCE_MODEL_MAX_TARGETS];
    size_t o = 0;
    /* the labels overlapping [a, b): labels are sorted by start */
    while (next < doc->nlabels && doc->labels[next].start < b) active[nactive++] = next++;
    for (i = 0; i < nactive; i++)
      if (doc->labels[active[i]].end > a) active[o++] = active[i];
    nactive = o;
    for (t = 0; t < j->targets; t++) best[t] = -1, best_len[t] = 0, covered[t] = 0;
    for (i = 0; i < nactive; i++) {
      const stance_model_label *l = &doc->labels[active[i]];
      uint32_t from = l->start > a ? l->start : a, to = l->end < b ? l->end : b;
      int t0 = l->target < 0 ? 0 : l->target, t1 = l->target < 0 ? j->targets : l->target + 1;
      if (to <= from) continue;
      /* a span counts for a sentence it overlaps by at least half of the shorter of the two,
       * span by span (a discontinuous annotation's spans are not added up): the rule of
       * agreement and the exports (stance.agreement.items.counts) */
      if (2 * (uint64_t)(to - from) < (uint64_t)(l->end - l->start < b - a ? l->end - l->start : b - a)) continue;
      for (t = t0; t < t1 && t < j->targets; t++) {
        if (l->cls < 0) covered[t] = 1;
        else if (l->cls == 0 && best[t] < 0) best[t] = 0; /* no stance, said outright */
        else if (l->cls > 0 && (best[t] <= 0 || to - from > best_len[t])) best[t] = l->cls, best_len[t] = to - from;
      }
    }
    for (t = 0; t < j->targets; t++) {
      int c = best[t] > 0 ? best[t] : covered[t] ? -1 : best[t] == 0 ? 0 : a < read ? 0 : -1;
      if (doc->outside >> t & 1) c = -2;
      known[k * (size_t)j->targets + (size_t)t] = (signed char)c;
    }
  }
  free(active);
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

/* ---- reading, training, predicting ---------------------------------------------------- */

/* Read document d's labels, and the features of its labelled sentences when it teaches. */
static int read_item(modeljob *j, size_t d, char **text, size_t *cap, sents *s, size_t *bytes) {
  stance_model_doc *doc = &j->docs[d];
  doc_examples *e = &j->ex[d];
  size_t len, k, n = 0, targets = (size_t)j->targets;
  signed char *known;
  size_t *spans;
  uint32_t read;
  int t, rc = -1;
  if (read_labels(j, d, text, cap, &j->upto[d]) != 0) return -1;
  read = j->upto[d];
  if (!doc->learn || (doc->nlabels == 0 && read == 0)) return 0;
  if (read_doc(j, d, text, cap, &len) != 0) return 0;
  *bytes = len;
  if (sentences_of(*text, len, j->unit, s) != 0) return -1;
  j->res[d].sentences = s->n;
  known = malloc((s->n ? s->n : 1) * targets);
  spans = malloc((s->n ? s->n : 1) * 2 * sizeof *spans);
  if (known == NULL || spans == NULL) goto done;
  if (classes_of(j, doc, s, read, known) != 0) goto done;
  /* the sentences with a class for some target */
  for (k = 0; k < s->n; k++) {
    int any = 0;
    for (t = 0; t < j->targets; t++) any |= known[k * targets + (size_t)t] >= 0;
    if (!any) continue;
    spans[2 * n] = s->b[2 * k];
    spans[2 * n + 1] = s->b[2 * k + 1];
    memmove(known + n * targets, known + k * targets, targets);
    n++;
  }
  rc = 0;
  if (n == 0) goto done;
  rc = -1;
  e->ids = calloc(n, sizeof *e->ids);
  e->nids = calloc(n, sizeof *e->nids);
  e->terms = calloc(n, sizeof *e->terms);
  if (e->ids == NULL || e->nids == NULL || e->terms == NULL) goto done;
  if (stance_features_extract(&j->features, *text, len, spans, n, e->ids, e->nids, e->terms) != 0) goto done;
  e->n = n;
  e->labels = known;
  known = NULL;
  rc = 0;
done:
  free(known);
  free(spans);
  return rc;
}

/* stance_parallel.each for the training: the threads waiting for the model (wait_ready) take
 * the calls with this one. */
static void help_each(void *ud, size_t n, void (*fn)(void *arg, size_t i), void *arg) {
  modeljob *j = ud;
  uv_mutex_lock(&j->lock);
  j->work_fn = fn;
  j->work_arg = arg;
  j->work_n = n;
  j->work_next = j->work_done = 0;
  uv_cond_broadcast(&j->ready_cond);
  while (j->work_next < j->work_n) {
    size_t i = j->work_next++;
    uv_mutex_unlock(&j->lock);
    fn(arg, i);
    uv_mutex_lock(&j->lock);
    j->work_done++;
  }
  while (j->work_done < j->work_n) uv_cond_wait(&j->ready_cond, &j->lock);
  j->work_fn = NULL;
  uv_mutex_unlock(&j->lock);
}

/* The last document is read: the examples in order, then the model. 0 or -1. */
static int train_all(modeljob *j) {
  size_t d, k;
  int labels[STANCE_MODEL_MAX_TARGETS], t, any = 0;
  if ((j->data = stance_dataset_new(&j->features, j->targets, j->classes)) == NULL) return -1;
  for (d = 0; d < j->ndocs; d++) {
    doc_examples *e = &j->ex[d];
    for (k = 0; k < e->n; k++) {
      for (t = 0; t < j->targets; t++) labels[t] = e->labels[k * (size_t)j->targets + (size_t)t];
      if (stance_dataset_add(j->data, e->ids[k], e->nids[k], labels, (uint32_t)d, e->terms[k]) != 0) return -1;
      any = 1;
    }
    free_examples(e);
  }
  if (!any) return 0;
  {
    stance_parallel par;
    par.each = help_each;
    par.ud = j;
    return (j->model = stance_model_train_on(j->data, &j->train, &par)) == NULL ? -1 : 0;
  }
}

/* Everything of document d's prediction but the model's scores: its sentences, their classes
 * from the labels, the results' room, and the spans to score (the first *n of s->b; none when
 * the document could not be read: its error is in its result). 0, or -1 when out of memory. */
static int prepare_item(modeljob *j, size_t d, char **text, size_t *cap, sents *s, size_t *len, size_t *n) {
  stance_model_doc *doc = &j->docs[d];
  stance_model_result *r = &j->res[d];
  size_t k, targets = (size_t)j->targets, outputs = targets * (size_t)j->classes;
  int t;
  *n = 0;
  *len = 0;
  if (read_doc(j, d, text, cap, len) != 0) return 0;
  if (sentences_of(*text, *len, j->unit, s) != 0) return -1;
  r->sentences = s->n;
  if (s->n == 0) return 0;
  if ((r->known = malloc(s->n * targets)) == NULL) return -1;
  if (classes_of(j, doc, s, j->upto[d], r->known) != 0) return -1;
  /* the sentences to predict, kept in place at the front of the lists */
  for (k = 0; k < s->n; k++) {
    int unknown = 0;
    for (t = 0; t < j->targets; t++) unknown |= r->known[k * targets + (size_t)t] == -1;
    if (doc->predict != STANCE_PREDICT_ALL && !unknown) continue;
    s->b[2 * *n] = s->b[2 * k];
    s->b[2 * *n + 1] = s->b[2 * k + 1];
    s->cp[2 * *n] = s->cp[2 * k];
    s->cp[2 * *n + 1] = s->cp[2 * k + 1];
    memmove(r->known + *n * targets, r->known + k * targets, targets);
    (*n)++;
  }
  if (*n == 0) return 0;
  r->start = malloc(*n * sizeof *r->start);
  r->end = malloc(*n * sizeof *r->end);
  r->probs = calloc(*n * outputs, sizeof *r->probs);
  r->terms = calloc(*n, sizeof *r->terms);
  if (r->start == NULL || r->end == NULL || r->probs == NULL || r->terms == NULL) return -1;
  for (k = 0; k < *n; k++) {
    r->start[k] = s->cp[2 * k];
    r->end[k] = s->cp[2 * k + 1];
  }
  r->n = *n;
  return 0;
}

/* The model's scores of the n prepared spans of document d (none without a model). */
static int score_item(modeljob *j, size_t d, stance_model_scratch *scratch, const char *text, size_t len,
                      const size_t *spans, size_t n) {
  stance_model_result *r = &j->res[d];
  if (n == 0 || j->model == NULL) return 0;
  return stance_model_predict_spans(j->model, scratch, text, len, spans, n, r->probs, r->terms);
}

/* ---- documents prepared while the model is trained ---------------------------------------- */

/* A thread that finds the model being made (every document read) prepares the documents it
 * takes (reads them, finds their sentences and their classes from the labels) instead of
 * waiting, up to
 * STASH_BYTES of their text, and scores them once the model is made: the training's serial
 * parts (making the dataset, choosing the features) no longer leave the other threads idle. */
#define STASH_BYTES ((size_t)32 << 20)

typedef struct prepared {
  size_t d, len, n;
  char *text;
  size_t *spans;                /* n x 2 bytes */
} prepared;

typedef struct stash {
  prepared *items;
  size_t n, cap, bytes;
} stash;

static void stash_free(stash *st) {
  size_t i;
  for (i = 0; i < st->n; i++) {
    free(st->items[i].text);
    free(st->items[i].spans);
  }
  free(st->items);
  memset(st, 0, sizeof *st);
}

/* Prepare document d (*len bytes) into the stash, with its text (the next read gets a buffer
 * of its own), unless it has nothing to score (*kept 0). 0, or -1 when out of memory. */
static int stash_item(modeljob *j, size_t d, stash *st, char **text, size_t *cap, sents *s, size_t *len, int *kept) {
  prepared *p;
  size_t n;
  *kept = 0;
  if (prepare_item(j, d, text, cap, s, len, &n) != 0) return -1;
  if (n == 0) return 0;
  if (st->n == st->cap) {
    size_t c = st->cap ? st->cap * 2 : 16;
    prepared *items = realloc(st->items, c * sizeof *items);
    if (items == NULL) return -1;
    st->items = items;
    st->cap = c;
  }
  p = &st->items[st->n];
  if ((p->spans = malloc(2 * n * sizeof *p->spans)) == NULL) return -1;
  memcpy(p->spans, s->b, 2 * n * sizeof *p->spans);
  p->d = d;
  p->len = *len;
  p->n = n;
  p->text = *text;
  *text = NULL;
  *cap = 0;
  st->n++;
  st->bytes += *len;
  *kept = 1;
  return 0;
}

/* Score the stashed documents (the model is made), and empty the stash. */
static int score_stash(modeljob *j, stance_job *job, stance_model_scratch *scratch, stash *st) {
  size_t i;
  int rc = 0;
  for (i = 0; i < st->n && rc == 0; i++) {
    prepared *p = &st->items[i];
    rc = score_item(j, p->d, scratch, p->text, p->len, p->spans, p->n);
    stance_job_advance(job, 1, p->len);
  }
  stash_free(st);
  return rc;
}

/* Document i is read; the last one trains. */
static int read_one(modeljob *j) {
  int last, rc = 0;
  uv_mutex_lock(&j->lock);
  last = ++j->read == j->ndocs;
  uv_mutex_unlock(&j->lock);
  if (!last) return 0;
  rc = train_all(j); /* every document is read: nobody else touches the examples */
  uv_mutex_lock(&j->lock);
  j->ready = rc == 0 ? 1 : -1;
  uv_cond_broadcast(&j->ready_cond);
  uv_mutex_unlock(&j->lock);
  return rc;
}

/* One piece of the training's work that the training thread shares (help_each), done here:
 * whether there was one. Called with the lock held, which it leaves and takes again. */
static int help_once(modeljob *j) {
  void (*fn)(void *arg, size_t i) = j->work_fn;
  void *arg = j->work_arg;
  size_t i;
  if (fn == NULL || j->work_next >= j->work_n) return 0;
  i = j->work_next++;
  uv_mutex_unlock(&j->lock);
  fn(arg, i);
  uv_mutex_lock(&j->lock);
  if (++j->work_done == j->work_n) uv_cond_broadcast(&j->ready_cond);
  return 1;
}

/* Wait for the model, helping to make it: 1 ready, -1 it could not be made (out of memory). */
static int wait_ready(modeljob *j) {
  int ready;
  uv_mutex_lock(&j->lock);
  while (!j->ready)
    if (!help_once(j)) uv_cond_wait(&j->ready_cond, &j->lock);
  ready = j->ready;
  uv_mutex_unlock(&j->lock);
  return ready;
}

/* Whether the model is being made: every document is read (so their labels, and what a
 * document's prediction depends on, are known) and the model is not made yet; first the
 * training's pieces of work waiting for a thread are done. *ready: the model's state (0: not
 * made yet; 1 made; -1 failed). */
static int training(modeljob *j, int *ready) {
  int yes;
  uv_mutex_lock(&j->lock);
  while (!j->ready && help_once(j)) {
  }
  *ready = j->ready;
  yes = !j->ready && j->read == j->ndocs;
  uv_mutex_unlock(&j->lock);
  return yes;
}

/* Wait for the model (*ready: its state), and make this thread's scratch for it: 0, or -1
 * when the model or the scratch could not be made (out of memory). */
static int ready_to_score(modeljob *j, int *ready, stance_model_scratch **scratch) {
  if (*ready == 0) *ready = wait_ready(j);
  if (*ready != 1) return -1;
  if (j->model != NULL && *scratch == NULL && (*scratch = stance_model_scratch_new(j->model)) == NULL) return -1;
  return 0;
}

static int prepare(stance_job *job) {
  modeljob *j = stance_job_data(job);
  stance_job_set_total(job, j->ndocs + j->npred, 0);
  if (j->ndocs == 0) j->ready = 1;
  else open_folders(j);
  return 0;
}

static int run(stance_job *job) {
  modeljob *j = stance_job_data(job);
  char *text = NULL;
  size_t cap = 0;
  sents s;
  stash st;
  stance_model_scratch *scratch = NULL;
  int64_t i;
  int rc = 0, ready = 0;
  memset(&s, 0, sizeof s);
  memset(&st, 0, sizeof st);
  while (rc == 0 && (i = stance_job_next(job)) >= 0) {
    size_t d, len = 0, n = 0;
    if ((size_t)i < j->ndocs) {
      rc = read_item(j, (size_t)i, &text, &cap, &s, &len);
      if (read_one(j) != 0) rc = -1;
      stance_job_advance(job, 1, len);
      continue;
    }
    d = j->pred[(size_t)i - j->ndocs];
    if (ready == 0 && st.bytes < STASH_BYTES && training(j, &ready)) {
      int kept;
      rc = stash_item(j, d, &st, &text, &cap, &s, &len, &kept);
      if (!kept) stance_job_advance(job, 1, len); /* done: nothing to score */
      continue;
    }
    if (ready_to_score(j, &ready, &scratch) != 0)
      rc = -1;
    else if ((rc = score_stash(j, job, scratch, &st)) == 0 && (rc = prepare_item(j, d, &text, &cap, &s, &len, &n)) == 0)
      rc = score_item(j, d, scratch, text, len, s.b, n);
    stance_job_advance(job, 1, len);
  }
  if (rc == 0 && st.n > 0) /* the last documents taken were stashed */
    rc = ready_to_score(j, &ready, &scratch) != 0 ? -1 : score_stash(j, job, scratch, &st);
  stash_free(&st);
  stance_model_scratch_free(scratch);
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
  int oom = 0, k;
  if (o->targets < 1 || o->targets > STANCE_MODEL_MAX_TARGETS || o->classes < 2 ||
      o->classes > STANCE_MODEL_MAX_CLASSES || o->stance_names == NULL)
    return NULL;
  for (k = 0; k < o->classes - 1; k++)
    if (o->stance_names[k] == NULL) return NULL;
  for (k = 0; o->target_names && k < o->targets; k++)
    if (o->target_names[k] == NULL) return NULL;
  if ((j = calloc(1, sizeof *j)) == NULL) return NULL;
  j->ann_fd = -1;
  j->targets = o->targets;
  j->unit = o->unit;
  j->classes = o->classes;
  j->features = o->features;
  j->train = o->train;
  j->ndocs = ndocs;
  j->root = stance_strdup(root);
  j->docs = calloc(ndocs ? ndocs : 1, sizeof *j->docs);
  j->res = calloc(ndocs ? ndocs : 1, sizeof *j->res);
  j->ex = calloc(ndocs ? ndocs : 1, sizeof *j->ex);
  j->pred = malloc((ndocs ? ndocs : 1) * sizeof *j->pred);
  j->upto = calloc(ndocs ? ndocs : 1, sizeof *j->upto);
  j->stance_names = stance_strv_dup(o->stance_names, &oom);
  j->target_names = stance_strv_dup(o->target_names, &oom);
  j->layers = stance_strv_dup(o->layers, &oom);
  if (o->prefer != NULL && (j->prefer = stance_strdup(o->prefer)) == NULL) oom = 1;
  for (k = 0; o->layers != NULL && o->layers[k] != NULL; k++) continue;
  j->ndirs = k + (o->prefer != NULL);
  if ((j->dir_fd = malloc((size_t)(j->ndirs ? j->ndirs : 1) * sizeof *j->dir_fd)) == NULL) oom = 1;
  for (k = 0; j->dir_fd != NULL && k < j->ndirs; k++) j->dir_fd[k] = -1;
  if (j->root == NULL || j->docs == NULL || j->res == NULL || j->ex == NULL || j->pred == NULL || j->upto == NULL ||
      j->stance_names == NULL || oom)
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
    size_t n;
    *d = docs[i];
    d->path = NULL;
    d->labels = NULL;
    if ((d->path = stance_strdup(docs[i].path)) == NULL) goto fail;
    l = malloc((docs[i].nlabels ? docs[i].nlabels : 1) * sizeof *l);
    if (l == NULL) goto fail;
    d->labels = l;
    d->nlabels = 0;
    for (n = 0; n < docs[i].nlabels; n++) { /* labels of other targets and classes are not ours */
      stance_model_label x = docs[i].labels[n];
      if (x.target < o->targets && x.cls < o->classes && x.cls >= -1) l[d->nlabels++] = x;
    }
    j->res[i].path = d->path;
    if (d->predict) j->pred[j->npred++] = i;
  }
  if ((job = stance_job_new(&model_ops, j)) == NULL) goto fail;
  return job;
fail:
  destroy(j);
  return NULL;
}

size_t stance_modeljob_results(stance_job *job, const stance_model_result **out) {
  modeljob *j = stance_job_data(job);
  *out = j->res;
  return j->ndocs;
}

const stance_model *stance_modeljob_model(stance_job *job) { return ((modeljob *)stance_job_data(job))->model; }

void stance_modeljob_shape(stance_job *job, int *targets, int *classes) {
  modeljob *j = stance_job_data(job);
  *targets = j->targets;
  *classes = j->classes;
}

size_t stance_modeljob_examples(stance_job *job, int t, int c, int with_term) {
  modeljob *j = stance_job_data(job);
  return j->data ? stance_dataset_count(j->data, t, c, with_term) : 0;
}
