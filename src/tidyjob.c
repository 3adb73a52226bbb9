/*
 * tidyjob.c - read, parse, write canonical, replace if unchanged: all in prepare (one file,
 * one thread), with a look at cancellation between the steps. Once the locked write has
 * begun it is not stopped: its outcome is what it did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "buf.h"
#include "contain.h"
#include "hash.h"
#include "problems.h"
#include "tidyjob.h"
#include "walk.h"

#define STAMP_LEN 128
#define WHY_LEN 1280

typedef struct tidyjob {
  char *path, *expect, *root;
  char *headers[STANCE_H_COUNT];
  stance_vocab *vocab;
  unsigned lock_wait_ms;
  int durable;
  /* the outcome, written by the job's thread, read once the job has ended */
  stance_tidy_outcome outcome;
  char why[WHY_LEN];
  char stamp[STAMP_LEN];
  char hash[STANCE_HASH_HEXLEN + 1];
  char *text;
  size_t len;
} tidyjob;

static void (*test_hook)(int step, void *arg);
static void *test_hook_arg;

void stance_tidyjob_test_hook(void (*fn)(int step, void *arg), void *arg) {
  test_hook = fn;
  test_hook_arg = arg;
}

static void destroy(void *data) {
  tidyjob *t = data;
  int h;
  if (t == NULL) return;
  free(t->path);
  free(t->expect);
  free(t->root);
  for (h = 0; h < STANCE_H_COUNT; h++) free(t->headers[h]);
  stance_vocab_free(t->vocab);
  free(t->text);
  free(t);
}

/* The stamp of `path` itself (lstat, as the editor's stamp: a link is never followed), ""
 * when there is none; -1 (errno) on another failure. */
static int stamp_now(const char *path, char *out) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    out[0] = '\0';
    return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
  }
  stance_stamp_of(&st, out, STAMP_LEN);
  return 0;
}

/* The outcome `o`, said as "PATH: WHY" (or "PATH WHY" when `why` begins with a space or a
 * colon). */
static int end_with(tidyjob *t, stance_tidy_outcome o, const char *why) {
  t->outcome = o;
  snprintf(t->why, sizeof t->why, "%s%s%s", t->path, why[0] == ' ' || why[0] == ':' ? "" : ": ", why);
  return 0;
}

/* Whether the job was asked to stop: then nothing more is done. */
static int stopped(stance_job *job, tidyjob *t) {
  if (!stance_job_cancelled(job)) return 0;
  t->outcome = STANCE_TIDY_CANCELLED;
  return 1;
}

static int prepare(stance_job *job) {
  tidyjob *t = stance_job_data(job);
  char now[STAMP_LEN], err[1024];
  char *data = NULL;
  size_t len = 0;
  stance_problems problems;
  stance_store *store;
  stance_buf out;
  stance_write_opts wo;
  int h, rc;
  /* its progress says how far it went (1: begun; 2: its locked write begun, not stopped any
   * more), read by whoever stops it: a job stopped before it began never writes anything,
   * as it looks at cancellation only after it says so */
  stance_job_advance(job, 1, 0);
  if (stopped(job, t)) return 0;
  /* only the file the editor knows: the stamp first (a file changed since is merged by the
   * editor, which knows what it held), then read, then the stamp again (not changed while
   * read: an append makes it longer, a replacement gives it another inode) */
  if (stamp_now(t->path, now) != 0) return end_with(t, STANCE_TIDY_FAILED, strerror(errno));
  if (strcmp(now, t->expect) != 0) return end_with(t, STANCE_TIDY_CHANGED, " changed on disk since the editor read it");
  rc = stance_read_file(t->path, t->root, 0, &data, &len, err, sizeof err);
  if (rc != 0) {
    if (rc == -ENOENT) return end_with(t, STANCE_TIDY_CHANGED, " is gone");
    if (rc == -ENOMEM) return stance_job_fail(job, -ENOMEM, "out of memory");
    t->outcome = STANCE_TIDY_FAILED;
    snprintf(t->why, sizeof t->why, "%s", err); /* (it names the file) */
    return 0;
  }
  if (stamp_now(t->path, now) != 0 || strcmp(now, t->expect) != 0) {
    free(data);
    return end_with(t, STANCE_TIDY_CHANGED, " changed on disk while read");
  }
  if (stopped(job, t)) {
    free(data);
    return 0;
  }
  stance_problems_init(&problems);
  store = stance_read(data != NULL ? data : "", len, t->vocab, &problems);
  if (store == NULL || problems.oom) {
    stance_store_free(store);
    stance_problems_free(&problems);
    free(data);
    return stance_job_fail(job, -ENOMEM, "out of memory");
  }
  if (problems.errors > 0) {
    /* never written over: what could not be read whole would be lost */
    size_t i;
    char where[512];
    where[0] = '\0';
    for (i = 0; i < problems.n; i++) {
      if (problems.items[i].severity == STANCE_SEV_ERROR) {
        snprintf(where, sizeof where, ":%u:%u: %s", (unsigned)problems.items[i].line,
                 (unsigned)problems.items[i].col, problems.items[i].message ? problems.items[i].message : "");
        break;
      }
    }
    stance_store_free(store);
    stance_problems_free(&problems);
    free(data);
    return end_with(t, STANCE_TIDY_ERRORS, where[0] ? where : " has errors");
  }
  stance_problems_free(&problems);
  if (test_hook != NULL) test_hook(1, test_hook_arg);
  for (h = 0; h < STANCE_H_COUNT; h++) {
    if (t->headers[h] != NULL && stance_store_set_header(store, (stance_header)h, t->headers[h]) != STANCE_OK) {
      stance_store_free(store);
      free(data);
      return stance_job_fail(job, -ENOMEM, "out of memory");
    }
  }
  stance_buf_init(&out);
  rc = stance_write(store, &out);
  stance_store_free(store);
  if (rc != STANCE_OK || out.oom) {
    stance_buf_free(&out);
    free(data);
    return stance_job_fail(job, -ENOMEM, "out of memory");
  }
  if (out.len == len && (len == 0 || memcmp(out.data, data, len) == 0)) {
    /* canonical already: the editor takes the text it has as canonical */
    stance_buf_free(&out);
    t->text = data;
    t->len = len;
    snprintf(t->stamp, sizeof t->stamp, "%s", t->expect);
    t->outcome = STANCE_TIDY_SAME;
    return 0;
  }
  free(data);
  if (stopped(job, t)) {
    stance_buf_free(&out);
    return 0;
  }
  stance_job_advance(job, 1, 0);
  if (test_hook != NULL) test_hook(2, test_hook_arg);
  /* under the file's lock, only while it still has the stamp read (an append or a write by
   * anyone since: nothing written, the editor merges); from here on it is not stopped */
  memset(&wo, 0, sizeof wo);
  wo.expect_stamp = t->expect;
  wo.root = t->root;
  wo.durable = t->durable;
  wo.new_hex = t->hash;
  wo.new_stamp = t->stamp;
  wo.new_stamp_len = sizeof t->stamp;
  wo.lock_wait_ms = t->lock_wait_ms;
  rc = stance_write_file(t->path, out.data != NULL ? out.data : "", out.len, &wo, err, sizeof err);
  if (rc != 0) {
    stance_buf_free(&out);
    t->hash[0] = t->stamp[0] = '\0';
    snprintf(t->why, sizeof t->why, "%s", err);
    t->outcome = rc == 1 ? STANCE_TIDY_CHANGED : rc == 2 ? STANCE_TIDY_BUSY : STANCE_TIDY_FAILED;
    return 0;
  }
  t->text = out.data; /* taken: not freed with the buffer */
  t->len = out.len;
  t->outcome = STANCE_TIDY_WRITTEN;
  return 0;
}

static const stance_job_ops tidy_ops = {"tidy", prepare, NULL, NULL, destroy};

int stance_tidyjob_run_here(stance_job *job) { return prepare(job); }

static char *dup_or_null(const char *s, int *oom) {
  char *d;
  if (s == NULL) return NULL;
  if ((d = stance_strdup(s)) == NULL) *oom = 1;
  return d;
}

stance_job *stance_tidyjob_new(const stance_tidy_opts *o) {
  tidyjob *t;
  stance_job *job;
  int oom = 0, h;
  if (o == NULL || o->path == NULL || o->expect_stamp == NULL) return NULL;
  if ((t = calloc(1, sizeof *t)) == NULL) return NULL;
  t->path = dup_or_null(o->path, &oom);
  t->expect = dup_or_null(o->expect_stamp, &oom);
  t->root = dup_or_null(o->root, &oom);
  for (h = 0; h < STANCE_H_COUNT; h++) t->headers[h] = dup_or_null(o->headers[h], &oom);
  if (o->vocab != NULL && (t->vocab = stance_vocab_copy(o->vocab)) == NULL) oom = 1;
  t->lock_wait_ms = o->lock_wait_ms;
  t->durable = o->durable;
  if (oom || (job = stance_job_new(&tidy_ops, t)) == NULL) {
    destroy(t);
    return NULL;
  }
  return job;
}

stance_tidy_outcome stance_tidyjob_outcome(stance_job *job, const char **why) {
  tidyjob *t = stance_job_data(job);
  stance_tidy_outcome o = t->outcome;
  if (why != NULL) *why = t->why[0] ? t->why : stance_job_error(job);
  /* a job that failed (out of memory) or was stopped before it began */
  if (o == STANCE_TIDY_NONE) {
    stance_job_state s = stance_job_get_state(job);
    if (s == STANCE_JOB_CANCELLED) o = STANCE_TIDY_CANCELLED;
    else if (s == STANCE_JOB_FAILED) o = STANCE_TIDY_FAILED;
  }
  return o;
}

const char *stance_tidy_outcome_name(stance_tidy_outcome o) {
  switch (o) {
    case STANCE_TIDY_NONE: return "none";
    case STANCE_TIDY_WRITTEN: return "written";
    case STANCE_TIDY_SAME: return "same";
    case STANCE_TIDY_CHANGED: return "changed";
    case STANCE_TIDY_BUSY: return "busy";
    case STANCE_TIDY_ERRORS: return "errors";
    case STANCE_TIDY_FAILED: return "failed";
    case STANCE_TIDY_CANCELLED: return "cancelled";
  }
  return "none";
}

const char *stance_tidyjob_stamp(stance_job *job) { return ((tidyjob *)stance_job_data(job))->stamp; }
const char *stance_tidyjob_hash(stance_job *job) { return ((tidyjob *)stance_job_data(job))->hash; }

char *stance_tidyjob_take_text(stance_job *job, size_t *len) {
  tidyjob *t = stance_job_data(job);
  char *text = t->text;
  *len = t->len;
  t->text = NULL;
  t->len = 0;
  return text;
}
