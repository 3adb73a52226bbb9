/*
 * indexjob.c - prepare: list the folder and compare with the snapshot; run: each task
 * claims a segment's worth of changed documents, reads, hashes and indexes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "indexjob.h"
#include "query.h"
#include "walk.h"

/* A big job is cut into one segment per task, of about equal bytes: every core builds one,
 * and nothing needs merging. Small jobs (updates) make one segment. */
#define MIN_SEGMENT_BYTES (4u * 1024u * 1024u)

typedef struct known {
  char *path;
  uint64_t size;
  int64_t mtime_ns;
} known;

typedef struct todo {
  char *path;
  uint64_t size;
  int64_t mtime_ns;
} todo;

typedef struct seg_result {
  uint32_t first, count;        /* range of `docs` it indexes */
  stance_segment *seg;
} seg_result;

typedef struct indexjob {
  char *root;
  char **include, **exclude, **only;
  known *known;
  size_t nknown;
  /* prepare's result */
  todo *todo;
  size_t ntodo;
  char **removed;
  size_t nremoved;
  seg_result *segs;
  size_t nsegs;
  /* run's result: one entry per todo */
  stance_doc *docs;
  int *ok;
  char **errors;                /* per todo: NULL or the message */
  const char **err_paths, **err_msgs;
  stance_indexjob_stats stats;
  int tasks;
  int applied;
} indexjob;

/* What only prepare, run and apply need: freed once the result is in the index. */
static void release_work(indexjob *j) {
  size_t i;
  for (i = 0; i < j->ntodo; i++) {
    free(j->todo[i].path);
    if (j->errors) free(j->errors[i]);
  }
  free(j->todo);
  j->todo = NULL;
  j->ntodo = 0;
  for (i = 0; i < j->nsegs; i++) stance_segment_unref(j->segs[i].seg);
  free(j->segs);
  j->segs = NULL;
  j->nsegs = 0;
  free(j->docs);
  free(j->ok);
  free(j->errors);
  j->docs = NULL;
  j->ok = NULL;
  j->errors = NULL;
  for (i = 0; i < j->nknown; i++) free(j->known[i].path);
  free(j->known);
  j->known = NULL;
  j->nknown = 0;
}

static void destroy(void *data) {
  indexjob *j = data;
  size_t i;
  if (j == NULL) return;
  free(j->root);
  stance_strv_free(j->include);
  stance_strv_free(j->exclude);
  stance_strv_free(j->only);
  release_work(j);
  for (i = 0; i < j->nremoved; i++) free(j->removed[i]);
  free(j->removed);
  if (j->err_paths != NULL)
    for (i = 0; i < j->stats.failed; i++) {
      free((char *)j->err_paths[i]);
      free((char *)j->err_msgs[i]);
    }
  free(j->err_paths);
  free(j->err_msgs);
  free(j);
}

static int cmp_known(const void *a, const void *b) {
  return strcmp(((const known *)a)->path, ((const known *)b)->path);
}

static const known *find_known(const indexjob *j, const char *path) {
  known key;
  key.path = (char *)path;
  return bsearch(&key, j->known, j->nknown, sizeof *j->known, cmp_known);
}

static int included(const indexjob *j, const char *path) {
  static const char *const defaults[] = {"*.txt", "*.md", NULL};
  const char *const *inc = j->include ? (const char *const *)j->include : defaults;
  char **e;
  int in = 0;
  for (; *inc && !in; inc++) in = stance_glob_match(*inc, path);
  if (!in) return 0;
  for (e = j->exclude; e != NULL && *e != NULL; e++)
    if (stance_glob_match(*e, path)) return 0;
  return 1;
}

static int add_todo(indexjob *j, size_t *cap, const char *path, uint64_t size, int64_t mtime) {
  if (j->ntodo == *cap) {
    size_t c = *cap ? *cap * 2 : 64;
    todo *t = realloc(j->todo, c * sizeof *t);
    if (t == NULL) return -1;
    j->todo = t;
    *cap = c;
  }
  j->todo[j->ntodo].path = stance_strdup(path);
  if (j->todo[j->ntodo].path == NULL) return -1;
  j->todo[j->ntodo].size = size;
  j->todo[j->ntodo].mtime_ns = mtime;
  j->ntodo++;
  return 0;
}

static int add_removed(indexjob *j, size_t *cap, const char *path) {
  if (j->nremoved == *cap) {
    size_t c = *cap ? *cap * 2 : 16;
    char **r = realloc(j->removed, c * sizeof *r);
    if (r == NULL) return -1;
    j->removed = r;
    *cap = c;
  }
  if ((j->removed[j->nremoved] = stance_strdup(path)) == NULL) return -1;
  j->nremoved++;
  return 0;
}

static int64_t mtime_ns(const struct stat *st) {
#if defined(__APPLE__)
  return (int64_t)st->st_mtimespec.tv_sec * 1000000000 + st->st_mtimespec.tv_nsec;
#else
  return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
#endif
}

/* Is `rel` (from a watcher) a safe path below the root: no "..", no absolute path? */
static int safe_rel(const char *rel) {
  const char *p = rel;
  if (*rel == '/' || *rel == '\0') return 0;
  while (*p) {
    const char *seg = p;
    size_t n;
    while (*p && *p != '/') p++;
    n = (size_t)(p - seg);
    if (n == 0 || (n == 2 && seg[0] == '.' && seg[1] == '.') || seg[0] == '.') return 0;
    if (*p == '/') p++;
  }
  return 1;
}

static int prepare(stance_job *job) {
  indexjob *j = stance_job_data(job);
  size_t todo_cap = 0, removed_cap = 0, i;
  uint64_t total = 0, acc = 0, seg_bytes;
  char err[512];
  if (j->only == NULL) {
    stance_walk w;
    int rc = stance_walk_run(&w, j->root, NULL, err, sizeof err);
    char *seen;
    if (rc != 0) return stance_job_fail(job, rc, "%s", err);
    seen = calloc(j->nknown + 1, 1);
    if (seen == NULL) {
      stance_walk_free(&w);
      return stance_job_fail(job, -ENOMEM, "out of memory");
    }
    for (i = 0; i < w.n; i++) {
      const stance_walk_entry *e = &w.entries[i];
      const known *k;
      if (e->error != NULL || !included(j, e->path)) continue;
      j->stats.seen++;
      k = find_known(j, e->path);
      if (k != NULL) seen[k - j->known] = 1;
      if (k != NULL && k->size == e->size && k->mtime_ns == e->mtime_ns) {
        j->stats.unchanged++;
        continue;
      }
      if (add_todo(j, &todo_cap, e->path, e->size, e->mtime_ns) != 0) {
        free(seen);
        stance_walk_free(&w);
        return stance_job_fail(job, -ENOMEM, "out of memory");
      }
    }
    for (i = 0; i < j->nknown; i++)
      if (!seen[i] && add_removed(j, &removed_cap, j->known[i].path) != 0) {
        free(seen);
        stance_walk_free(&w);
        return stance_job_fail(job, -ENOMEM, "out of memory");
      }
    free(seen);
    stance_walk_free(&w);
  } else {
    for (i = 0; j->only[i] != NULL; i++) {
      const char *rel = j->only[i];
      char path[PATH_MAX];
      struct stat st;
      const known *k = find_known(j, rel);
      if (!safe_rel(rel) || !included(j, rel)) continue;
      snprintf(path, sizeof path, "%s/%s", j->root, rel);
      if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (k != NULL && add_removed(j, &removed_cap, rel) != 0)
          return stance_job_fail(job, -ENOMEM, "out of memory");
        continue;
      }
      j->stats.seen++;
      if (k != NULL && k->size == (uint64_t)st.st_size && k->mtime_ns == mtime_ns(&st)) {
        j->stats.unchanged++;
        continue;
      }
      if (add_todo(j, &todo_cap, rel, (uint64_t)st.st_size, mtime_ns(&st)) != 0)
        return stance_job_fail(job, -ENOMEM, "out of memory");
    }
  }
  j->stats.removed = (uint32_t)j->nremoved;
  /* group the documents to index into segments of about SEGMENT_BYTES */
  j->docs = calloc(j->ntodo + 1, sizeof *j->docs);
  j->ok = calloc(j->ntodo + 1, sizeof *j->ok);
  j->errors = calloc(j->ntodo + 1, sizeof *j->errors);
  j->segs = calloc(j->ntodo + 1, sizeof *j->segs);
  if (j->docs == NULL || j->ok == NULL || j->errors == NULL || j->segs == NULL)
    return stance_job_fail(job, -ENOMEM, "out of memory");
  for (i = 0; i < j->ntodo; i++) total += j->todo[i].size;
  {
    uint64_t per = total / (uint64_t)(j->tasks > 0 ? j->tasks : 1) + 1;
    seg_bytes = per > MIN_SEGMENT_BYTES ? per : MIN_SEGMENT_BYTES;
  }
  for (i = 0; i < j->ntodo; i++) {
    /* a new segment every seg_bytes, but never more segments than tasks */
    if (j->nsegs == 0 || (acc >= seg_bytes && j->nsegs < (size_t)(j->tasks > 0 ? j->tasks : 1))) {
      j->segs[j->nsegs].first = (uint32_t)i;
      j->nsegs++;
      acc = 0;
    }
    j->segs[j->nsegs - 1].count++;
    acc += j->todo[i].size;
  }
  stance_job_set_total(job, j->ntodo, total);
  stance_job_set_claims(job, j->nsegs);
  return 0;
}

static int run(stance_job *job) {
  indexjob *j = stance_job_data(job);
  stance_segment_builder *b = stance_builder_new();
  char *text = NULL;
  size_t cap = 0;
  int64_t s;
  if (b == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  while ((s = stance_job_next(job)) >= 0) {
    seg_result *r = &j->segs[s];
    uint32_t i;
    for (i = r->first; i < r->first + r->count; i++) {
      char path[PATH_MAX];
      size_t len = 0;
      int err;
      long words;
      stance_doc *d = &j->docs[i];
      if (stance_job_cancelled(job)) break;
      snprintf(path, sizeof path, "%s/%s", j->root, j->todo[i].path);
      err = stance_read_path(path, &text, &cap, &len);
      if (err != 0) {
        if (err == ENOMEM) {
          free(text);
          stance_builder_free(b);
          return stance_job_fail(job, -ENOMEM, "out of memory");
        }
        j->errors[i] = stance_strdup(strerror(err));
        stance_job_advance(job, 1, j->todo[i].size);
        continue;
      }
      /* provisional number: the position in `todo`; apply() makes it a document id */
      words = stance_builder_add(b, i, text, len);
      if (words < 0) {
        free(text);
        stance_builder_free(b);
        return stance_job_fail(job, -ENOMEM, "out of memory");
      }
      d->path = j->todo[i].path;
      d->size = len;
      d->mtime_ns = j->todo[i].mtime_ns;
      d->words = (uint32_t)words;
      stance_hash_buffer(text, len, d->hash);
      j->ok[i] = 1;
      stance_job_advance(job, 1, len);
    }
    r->seg = stance_builder_finish(b);
    if (r->seg == NULL) {
      free(text);
      stance_builder_free(b);
      return stance_job_fail(job, -ENOMEM, "out of memory");
    }
  }
  free(text);
  stance_builder_free(b);
  return 0;
}

static int finish(stance_job *job) {
  indexjob *j = stance_job_data(job);
  size_t i, k = 0;
  /* Rounding can leave one more segment than tasks: fold the extras into one. */
  if (j->nsegs > (size_t)(j->tasks > 0 ? j->tasks : 1)) {
    stance_segment **list = malloc(j->nsegs * sizeof *list);
    stance_segment *merged;
    size_t n = 0;
    if (list == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
    for (i = 0; i < j->nsegs; i++)
      if (j->segs[i].seg != NULL) list[n++] = j->segs[i].seg;
    merged = stance_segments_merge(list, (uint32_t)n, NULL, NULL);
    free(list);
    if (merged == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
    for (i = 0; i < j->nsegs; i++) {
      stance_segment_unref(j->segs[i].seg);
      j->segs[i].seg = NULL;
    }
    j->segs[0].seg = merged;
    j->nsegs = 1;
  }
  for (i = 0; i < j->ntodo; i++) {
    if (j->ok[i]) {
      j->stats.indexed++;
      j->stats.bytes += j->docs[i].size;
    } else {
      j->stats.failed++;
    }
  }
#if defined(__GLIBC__)
  /* The builders' memory is free now; give it back, so that the process keeps only the
   * index (glibc keeps freed memory of its threads' arenas otherwise). */
  malloc_trim(0);
#endif
  j->err_paths = calloc(j->stats.failed + 1, sizeof *j->err_paths);
  j->err_msgs = calloc(j->stats.failed + 1, sizeof *j->err_msgs);
  if (j->err_paths == NULL || j->err_msgs == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  for (i = 0; i < j->ntodo; i++) {
    if (j->errors[i] != NULL) {
      /* the messages move to the list; the paths are copied, as apply() frees `todo` */
      j->err_paths[k] = stance_strdup(j->todo[i].path);
      j->err_msgs[k] = j->errors[i];
      j->errors[i] = NULL;
      if (j->err_paths[k] == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
      k++;
    }
  }
  return 0;
}

static const stance_job_ops index_ops = {"index", prepare, run, finish, destroy};

stance_job *stance_indexjob_new(const char *root, const char *const *include,
                                const char *const *exclude, const char *const *only,
                                const stance_index *current, int tasks) {
  indexjob *j = calloc(1, sizeof *j);
  int oom = 0;
  uint32_t i, n;
  stance_job *job;
  if (j == NULL) return NULL;
  j->tasks = tasks;
  j->root = stance_strdup(root);
  j->include = stance_strv_dup(include, &oom);
  j->exclude = stance_strv_dup(exclude, &oom);
  j->only = stance_strv_dup(only, &oom);
  n = current ? stance_index_ndocs(current) : 0;
  j->known = calloc(n + 1, sizeof *j->known);
  if (j->root == NULL || j->known == NULL || oom) goto fail;
  for (i = 0; i < n; i++) {
    const stance_doc *d = stance_index_doc(current, i);
    if (d->deleted) continue;
    j->known[j->nknown].path = stance_strdup(d->path);
    if (j->known[j->nknown].path == NULL) goto fail;
    j->known[j->nknown].size = d->size;
    j->known[j->nknown].mtime_ns = d->mtime_ns;
    j->nknown++;
  }
  qsort(j->known, j->nknown, sizeof *j->known, cmp_known);
  if ((job = stance_job_new(&index_ops, j)) == NULL) goto fail;
  return job;
fail:
  destroy(j);
  return NULL;
}

int stance_indexjob_apply(stance_job *job, stance_index *ix) {
  indexjob *j = stance_job_data(job);
  size_t i;
  if (strcmp(stance_job_kind(job), "index") != 0 || j->applied) return 0;
  j->applied = 1;
  for (i = 0; i < j->nremoved; i++) stance_index_delete(ix, j->removed[i]);
  for (i = 0; i < j->ntodo; i++)
    if (!j->ok[i]) stance_index_delete(ix, j->todo[i].path);
  if (stance_index_reserve(ix, (uint32_t)j->ntodo) != 0) return -1;
  for (i = 0; i < j->nsegs; i++) {
    stance_segment *seg = j->segs[i].seg;
    uint32_t k;
    if (seg == NULL) continue;
    for (k = 0; k < seg->ndocs; k++) {
      int64_t id = stance_index_add_doc(ix, &j->docs[seg->docs[k]]);
      if (id < 0) return -1;
      seg->docs[k] = (uint32_t)id;
    }
    if (seg->ndocs > 0 && stance_index_add_segment(ix, seg) != 0) return -1;
  }
  release_work(j);
  return 0;
}

void stance_indexjob_stats_get(stance_job *job, stance_indexjob_stats *out) {
  indexjob *j = stance_job_data(job);
  *out = j->stats;
}

size_t stance_indexjob_errors(stance_job *job, const char *const **paths,
                              const char *const **messages) {
  indexjob *j = stance_job_data(job);
  *paths = j->err_paths;
  *messages = j->err_msgs;
  return j->err_paths ? j->stats.failed : 0;
}
