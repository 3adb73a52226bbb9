/*
 * cuejob.c - prepare lists the folder; run reads one document at a time per pool thread and
 * counts its cues by category. See cuejob.h.
 */
#include "cuejob.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

typedef struct cuejob {
  char *root;
  char **exts;
  const stance_cues *cues;
  stance_walk walk;
  stance_cue_result *results;
} cuejob;

static void destroy(void *data) {
  cuejob *c = data;
  if (c == NULL) return;
  free(c->results);
  stance_walk_free(&c->walk);
  stance_strv_free(c->exts);
  free(c->root);
  free(c);
}

static int prepare(stance_job *job) {
  cuejob *c = stance_job_data(job);
  char err[512];
  size_t i;
  int rc = stance_walk_run(&c->walk, c->root, (const char *const *)c->exts, err, sizeof err);
  if (rc != 0) return stance_job_fail(job, rc, "%s", err);
  c->results = calloc(c->walk.n ? c->walk.n : 1, sizeof *c->results);
  if (c->results == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  for (i = 0; i < c->walk.n; i++) {
    c->results[i].path = c->walk.entries[i].path;
    c->results[i].size = c->walk.entries[i].size;
    c->results[i].error = c->walk.entries[i].error;
  }
  stance_job_set_total(job, c->walk.n, c->walk.total_bytes);
  return 0;
}

static int count(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue) {
  stance_cue_result *r = ud;
  (void)start;
  (void)end;
  (void)cue;
  if (category >= 1 && category <= STANCE_CUEJOB_MAX_CATEGORIES) r->counts[category - 1]++;
  r->matches++;
  return 0;
}

static int run(stance_job *job) {
  cuejob *c = stance_job_data(job);
  char path[PATH_MAX], *text = NULL; /* one buffer for every file this thread reads */
  size_t cap = 0;
  int64_t i;
  while ((i = stance_job_next(job)) >= 0) {
    stance_cue_result *r = &c->results[i];
    size_t len = 0;
    if (r->error == NULL) {
      if (snprintf(path, sizeof path, "%s/%s", c->root, r->path) >= (int)sizeof path) {
        r->error = "path too long";
      } else {
        int e = stance_read_path(path, &text, &cap, &len);
        if (e != 0)
          r->error = e == ENOMEM ? "out of memory" : "cannot read";
        else if (stance_cues_match(c->cues, text, len, count, r) < 0)
          r->error = "out of memory";
      }
    }
    stance_job_advance(job, 1, len);
  }
  free(text);
  return 0;
}

static const stance_job_ops cue_ops = {"cues", prepare, run, NULL, destroy};

stance_job *stance_cuejob_new(const char *root, const char *const *exts, const stance_cues *cues) {
  cuejob *c = calloc(1, sizeof *c);
  stance_job *job;
  int oom = 0;
  if (c == NULL || (c->root = stance_strdup(root)) == NULL) goto fail;
  c->cues = cues;
  c->exts = stance_strv_dup(exts, &oom);
  if (oom) goto fail;
  if ((job = stance_job_new(&cue_ops, c)) == NULL) goto fail;
  return job;
fail:
  destroy(c);
  return NULL;
}

size_t stance_cuejob_results(stance_job *job, const stance_cue_result **out) {
  cuejob *c = stance_job_data(job);
  *out = c->results;
  return c->results != NULL ? c->walk.n : 0;
}
