/*
 * load.c - loading an annotation file and its document on threads (see load.h).
 *
 * One thread loads the layer cache when there is one to try (then reads the annotation
 * file's bytes and is done). Otherwise a second thread reads the document and makes its
 * frame while the first reads and parses the annotation file, itself in parts on threads when it
 * is big, and places the store in the document once both are ready (itself in parts on
 * threads when it is big: frame.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "load.h"
#include "walk.h"

struct stance_load {
  char *ann_path, *doc_path, *snap_path, *key_prefix;
  stance_vocab *vocab;
  uv_thread_t thread;
  int joined;
  uv_mutex_t lock;              /* guards finished */
  int finished;
  char *doc;
  size_t doc_len;
  int doc_oom;                  /* the document's thread ran out of memory */
  stance_load_result res;
};

/* Every line ends with "\r\n" (and there is at least one): what Neovim reads as 'dos'. */
static int all_crlf(const char *s, size_t len) {
  const char *p = s, *end = s + len;
  int any = 0;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    if (p == s || p[-1] != '\r') return 0;
    any = 1;
    p++;
  }
  return any;
}

/* The document: read, then its frame made (which takes the bytes read: no copy). On a thread
 * of its own, while the annotation file is read and parsed. */
static void prepare_doc(void *arg) {
  stance_load *l = arg;
  size_t cap = 0;
  l->res.doc_errno = stance_read_path(l->doc_path, &l->doc, &cap, &l->doc_len);
  if (l->res.doc_errno == 0 && l->doc_len > STANCE_FRAME_MAX) l->res.doc_errno = EFBIG;
  if (l->res.doc_errno != 0) return;
  l->res.crlf = all_crlf(l->doc, l->doc_len);
  l->res.frame = stance_frame_new_take(l->doc, l->doc_len, l->res.crlf);
  l->doc = NULL;
  if (l->res.frame == NULL) l->doc_oom = 1;
}

static void keep_id(void *ud, const stance_rec *r, int orphan) {
  stance_load_result *res = ud;
  stance_buf *b = orphan == 1 ? &res->orphaned : (orphan == 2 ? &res->fuzzy : &res->moved);
  stance_buf_add(b, r->id, strlen(r->id) + 1);
}

/* The layer cache, when it is there and made for these files: the store and the annotation
 * file's bytes (1); else 0 (nothing kept). */
static int from_cache(stance_load *l) {
  size_t acap = 0;
  const char *why;
  if (l->snap_path == NULL) return 0;
  l->res.store = stance_store_from_snapshot_file(l->snap_path, l->key_prefix, &l->res.key, &why);
  if (l->res.store == NULL) return 0;
  if (stance_store_index(l->res.store) != STANCE_OK) l->res.oom = 1; /* not left to the first redraw */
  l->res.ann_errno = stance_read_path(l->ann_path, &l->res.ann, &acap, &l->res.ann_len);
  if (l->res.ann_errno == 0) return 1;
  stance_store_free(l->res.store); /* the file went: it is read as usual */
  l->res.store = NULL;
  free(l->res.key);
  l->res.key = NULL;
  return 0;
}

static void run(void *arg) {
  stance_load *l = arg;
  size_t acap = 0;
  uv_thread_t doc_thread;
  int doc_started;
  if (from_cache(l)) goto done;
  /* the document is read on its thread while this one reads the annotation file (a load is
   * started for big annotation files: a thread costs less than reading the document first) */
  doc_started = uv_thread_create(&doc_thread, prepare_doc, l) == 0;
  if (!doc_started) prepare_doc(l);
  l->res.ann_errno = stance_read_path(l->ann_path, &l->res.ann, &acap, &l->res.ann_len);
  if (l->res.ann_errno == 0) {
    l->res.store = stance_read(l->res.ann, l->res.ann_len, l->vocab, &l->res.problems);
    if (l->res.store == NULL) l->res.oom = 1;
  }
  if (doc_started) uv_thread_join(&doc_thread);
  if (l->doc_oom) l->res.oom = 1;
  free(l->doc); /* when the frame did not take it */
  l->doc = NULL;
  if (l->res.store != NULL && l->res.frame != NULL && !l->res.oom) {
    /* every quote checked where the file says, whatever hash it records (frame.h) */
    if (stance_frame_anchor_ex(l->res.frame, l->res.store, NULL, &l->res.anchor, keep_id, &l->res) != STANCE_OK ||
        l->res.moved.oom || l->res.fuzzy.oom || l->res.orphaned.oom || stance_store_index(l->res.store) != STANCE_OK)
      l->res.oom = 1;
    else
      l->res.anchored = 1;
  }
done:
  uv_mutex_lock(&l->lock);
  l->finished = 1;
  uv_mutex_unlock(&l->lock);
}

static void free_fields(stance_load *l, int with_lock) {
  free(l->ann_path);
  free(l->doc_path);
  free(l->snap_path);
  free(l->key_prefix);
  free(l->res.key);
  stance_buf_free(&l->res.moved);
  stance_buf_free(&l->res.fuzzy);
  stance_buf_free(&l->res.orphaned);
  stance_vocab_free(l->vocab);
  free(l->doc);
  free(l->res.ann);
  stance_store_free(l->res.store);
  stance_problems_free(&l->res.problems);
  stance_frame_free(l->res.frame);
  if (with_lock) uv_mutex_destroy(&l->lock);
  free(l);
}

stance_load *stance_load_start(const char *ann_path, const char *doc_path, stance_vocab *vocab,
                               const char *snapshot, const char *key_prefix) {
  stance_load *l = calloc(1, sizeof *l);
  if (l == NULL) {
    stance_vocab_free(vocab);
    return NULL;
  }
  l->vocab = vocab;
  stance_problems_init(&l->res.problems);
  stance_buf_init(&l->res.moved);
  stance_buf_init(&l->res.fuzzy);
  stance_buf_init(&l->res.orphaned);
  l->ann_path = stance_strdup(ann_path);
  l->doc_path = stance_strdup(doc_path);
  if (snapshot != NULL && key_prefix != NULL) {
    l->snap_path = stance_strdup(snapshot);
    l->key_prefix = stance_strdup(key_prefix);
  }
  if (l->ann_path == NULL || l->doc_path == NULL || (snapshot && key_prefix && (!l->snap_path || !l->key_prefix)) ||
      uv_mutex_init(&l->lock) != 0) {
    free_fields(l, 0);
    return NULL;
  }
  if (uv_thread_create(&l->thread, run, l) != 0) {
    free_fields(l, 1);
    return NULL;
  }
  return l;
}

int stance_load_finished(stance_load *l) {
  int done;
  uv_mutex_lock(&l->lock);
  done = l->finished;
  uv_mutex_unlock(&l->lock);
  return done;
}

stance_load_result *stance_load_wait(stance_load *l) {
  if (!l->joined) {
    uv_thread_join(&l->thread);
    l->joined = 1;
  }
  return &l->res;
}

void stance_load_free(stance_load *l) {
  if (l == NULL) return;
  stance_load_wait(l);
  free_fields(l, 1);
}
