/*
 * hashjob.c - prepare lists the folder, run hashes one file at a time per pool thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashjob.h"

#define READ_BUFFER (1u << 20)

typedef struct hashjob {
  char *root;
  char **exts;                  /* NULL-terminated, or NULL */
  stance_walk walk;
  stance_hash_result *results;
  char **errors;                /* per entry, owned */
} hashjob;

static void destroy(void *data) {
  hashjob *h = data;
  size_t i;
  if (h == NULL) return;
  if (h->errors != NULL)
    for (i = 0; i < h->walk.n; i++) free(h->errors[i]);
  free(h->errors);
  free(h->results);
  stance_walk_free(&h->walk);
  stance_strv_free(h->exts);
  free(h->root);
  free(h);
}

static int prepare(stance_job *job) {
  hashjob *h = stance_job_data(job);
  char err[512];
  size_t i;
  int rc = stance_walk_run(&h->walk, h->root, (const char *const *)h->exts, err, sizeof err);
  if (rc != 0) return stance_job_fail(job, rc, "%s", err);
  h->results = calloc(h->walk.n ? h->walk.n : 1, sizeof *h->results);
  h->errors = calloc(h->walk.n ? h->walk.n : 1, sizeof *h->errors);
  if (h->results == NULL || h->errors == NULL)
    return stance_job_fail(job, -ENOMEM, "out of memory");
  for (i = 0; i < h->walk.n; i++) {
    h->results[i].path = h->walk.entries[i].path;
    h->results[i].size = h->walk.entries[i].size;
    h->results[i].error = h->walk.entries[i].error;
  }
  stance_job_set_total(job, h->walk.n, h->walk.total_bytes);
  return 0;
}

static int run(stance_job *job) {
  hashjob *h = stance_job_data(job);
  unsigned char *buf = malloc(READ_BUFFER);
  char path[PATH_MAX];
  int64_t i;
  if (buf == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  while ((i = stance_job_next(job)) >= 0) {
    stance_hash_result *r = &h->results[i];
    int rc;
    if (r->error == NULL) {
      if (snprintf(path, sizeof path, "%s/%s", h->root, r->path) >= (int)sizeof path) {
        r->error = "path too long";
      } else {
        rc = stance_hash_file(path, r->hex, &r->size, buf, READ_BUFFER, job);
        if (rc == -ECANCELED) break;
        if (rc != 0) {
          const char *why = rc == -ENOSYS ? stance_hash_error() : NULL;
          h->errors[i] = stance_strdup(why != NULL ? why : strerror(-rc));
          r->error = h->errors[i] != NULL ? h->errors[i] : "out of memory";
        }
      }
    }
    stance_job_advance(job, 1, 0);
  }
  free(buf);
  return 0;
}

static const stance_job_ops hash_ops = {"hash", prepare, run, NULL, destroy};

stance_job *stance_hashjob_new(const char *root, const char *const *exts) {
  hashjob *h = calloc(1, sizeof *h);
  stance_job *job;
  int oom = 0;
  if (h == NULL || (h->root = stance_strdup(root)) == NULL) goto fail;
  h->exts = stance_strv_dup(exts, &oom);
  if (oom) goto fail;
  if ((job = stance_job_new(&hash_ops, h)) == NULL) goto fail;
  return job;
fail:
  destroy(h);
  return NULL;
}

size_t stance_hashjob_results(stance_job *job, const stance_hash_result **out) {
  hashjob *h = stance_job_data(job);
  *out = h->results;
  return h->results != NULL ? h->walk.n : 0;
}
