/* worker.c and job.c: completion, progress, cancellation, failure, shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include <math.h>
#include <string.h>

#include "hashjob.h"
#include "modeljob.h"
#include "worker.h"

/* Drain until `job` delivers its DONE event; counts the progress events seen on the way. */
static int run_to_end(stance_worker *w, stance_job *job, int *progress_events) {
  stance_event ev[16];
  int done = 0, spins = 0;
  if (progress_events) *progress_events = 0;
  while (!done && spins++ < 10000) {
    size_t n, i;
    stance_worker_wait(w, 1000);
    n = stance_worker_drain(w, ev, 16);
    for (i = 0; i < n; i++) {
      if (ev[i].job == job && ev[i].kind == STANCE_EVENT_DONE) done = 1;
      if (ev[i].job == job && ev[i].kind == STANCE_EVENT_PROGRESS && progress_events)
        (*progress_events)++;
      stance_job_unref(ev[i].job);
    }
  }
  return done;
}

static void worker_hashes_a_folder(void) {
  const char *d = tmp_dir();
  char err[256], name[64], body[256], hex[STANCE_HASH_HEXLEN + 1];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  const stance_hash_result *r;
  stance_job_progress p;
  stance_job *job;
  size_t n, i;
  int k;
  CHECK(w != NULL);
  for (k = 0; k < 50; k++) {
    snprintf(name, sizeof name, "doc%02d.txt", k);
    snprintf(body, sizeof body, "document number %d\n", k);
    tmp_write(d, name, body, (size_t)-1);
  }
  job = stance_hashjob_new(d, NULL);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(stance_job_id(job) > 0);
  CHECK(run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
  n = stance_hashjob_results(job, &r);
  CHECK_INT(n, 50);
  for (i = 0; i < n; i++) {
    snprintf(name, sizeof name, "doc%02d.txt", (int)i);
    snprintf(body, sizeof body, "document number %d\n", (int)i);
    stance_hash_buffer(body, strlen(body), hex);
    CHECK_STR(r[i].path, name);
    CHECK(r[i].error == NULL);
    CHECK_STR(r[i].hex, hex);
  }
  stance_job_get_progress(job, &p);
  CHECK_INT(p.done, 50);
  CHECK_INT(p.total, 50);
  CHECK_INT(p.bytes, p.total_bytes);
  stance_job_unref(job);
  stance_worker_free(w);
  tmp_cleanup(d);
}

/* The model job: trains on the labelled documents, then predicts the sentences no label
 * covers, on several pool threads, as a model trained and applied sentence by sentence. */
static void worker_trains_and_predicts_a_model(void) {
  const char *d = tmp_dir();
  char err[256], name[64];
  static const char *texts[3] = {"We should talk. Talks work. Sanctions failed.\n\nThey must not fail. Perhaps.",
                                 "Sanctions failed clearly. We should not talk. Talks never work.",
                                 "Caf\xc3\xa9 talks work. Sanctions must not fail. Perhaps we should. Never."};
  stance_model_label l0[] = {{0, 15, 0}, {16, 27, 0}, {28, 45, 1}}, l1[] = {{26, 45, 1}, {0, 25, 2}};
  stance_model_doc docs[3];
  stance_model_opts o;
  static const char *names[] = {"a", "b", "c", NULL}, *layers[] = {"x", NULL};
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_cues *cues = stance_cues_new();
  stance_nb *ref;
  stance_job *job;
  const stance_model_result *r;
  uint32_t ex[3];
  int k;
  CHECK(w != NULL && cues != NULL);
  CHECK(stance_cues_add(cues, "should", 6, 1) >= 0);
  CHECK(stance_cues_add(cues, "fail*", 5, 2) >= 0);
  for (k = 0; k < 3; k++) {
    snprintf(name, sizeof name, "d%d.txt", k);
    tmp_write(d, name, texts[k], (size_t)-1);
  }
  /* d2's labels are in an annotation file of the layer "x" (and one of another target) */
  tmp_write(d, ".stance/annotations/x/d2.txt.stance",
            "format stance 1\n\ndocument d2.txt\n\nannotation a1\n  span 17-41\n  label l\n  target t\n"
            "  stance b\n\nannotation a2\n  span 42-60\n  label l\n  target other\n  stance a\n",
            (size_t)-1);
  memset(docs, 0, sizeof docs);
  docs[0].path = "d0.txt", docs[0].labels = l0, docs[0].nlabels = 3, docs[0].predict = 1;
  docs[1].path = "d1.txt", docs[1].labels = l1, docs[1].nlabels = 2, docs[1].predict = 1;
  docs[2].path = "d2.txt", docs[2].predict = 1;
  memset(&o, 0, sizeof o);
  o.classes = 3;
  o.class_names = names;
  o.layers = layers;
  o.target = "t";
  o.cues = cues;
  job = stance_modeljob_new(d, docs, 3, &o);
  CHECK(job != NULL);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
  CHECK_INT(stance_modeljob_results(job, &r, ex), 3);
  CHECK_INT(ex[0], 2);
  CHECK_INT(ex[1], 3); /* "Sanctions failed." in d0, "We should not talk." in d1, d2's from its file */
  CHECK_INT(ex[2], 1);
  /* the same model, sentence by sentence */
  ref = stance_nb_new(3, cues);
  CHECK(stance_nb_add(ref, "We should talk.", 15, 0) == 0);
  CHECK(stance_nb_add(ref, "Talks work.", 11, 0) == 0);
  CHECK(stance_nb_add(ref, "Sanctions failed.", 17, 1) == 0);
  CHECK(stance_nb_add(ref, "Sanctions failed clearly.", 25, 2) == 0);
  CHECK(stance_nb_add(ref, "We should not talk.", 19, 1) == 0);
  CHECK(stance_nb_add(ref, "Sanctions must not fail.", 24, 1) == 0);
  CHECK_INT(r[0].sentences, 5);
  CHECK_INT(r[0].n, 2); /* "They must not fail." and "Perhaps." */
  CHECK_INT(r[0].start[0], 47);
  CHECK_INT(r[0].end[1], 75);
  CHECK_INT(r[1].n, 1);
  CHECK_INT(r[2].n, 3); /* not the sentence of the file's label; the other target's does not count */
  CHECK_INT(r[2].start[1], 42); /* code points, not bytes */
  for (k = 0; k < 3; k++) {
    size_t i;
    for (i = 0; i < r[k].n; i++) {
      double p[3];
      int c;
      size_t a = r[k].start[i], b = r[k].end[i];
      if (k == 2) a += a > 3, b += b > 3; /* after the one two-byte character */
      CHECK(stance_nb_predict(ref, texts[k] + a, b - a, p) == 0);
      for (c = 0; c < 3; c++) CHECK(fabs(p[c] - r[k].probs[i * 3 + (size_t)c]) < 1e-9);
    }
  }
  stance_nb_free(ref);
  stance_job_unref(job);
  stance_cues_free(cues);
  stance_worker_free(w);
  tmp_cleanup(d);
}

/* A job whose single item runs until it is cancelled. */
static int block_run(stance_job *job) {
  while (stance_job_next(job) >= 0) {
    while (!stance_job_cancelled(job)) uv_sleep(1);
  }
  return 0;
}
static int block_prepare(stance_job *job) {
  stance_job_set_total(job, 1, 0);
  return 0;
}
static const stance_job_ops block_ops = {"block", block_prepare, block_run, NULL, NULL};

static void worker_cancels_a_running_job(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *job = stance_job_new(&block_ops, NULL);
  CHECK_INT(stance_worker_submit(w, job), 0);
  while (stance_job_get_state(job) == STANCE_JOB_PENDING) uv_sleep(1);
  CHECK_INT(stance_worker_active(w), 1);
  stance_job_cancel(job);
  CHECK(run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_CANCELLED);
  CHECK_INT(stance_worker_active(w), 0);
  stance_job_unref(job);
  stance_worker_free(w);
}

static void worker_reports_failure_with_a_message(void) {
  char err[256];
  stance_worker *w = stance_worker_new(0, err, sizeof err);
  stance_job *job = stance_hashjob_new("/nonexistent/stance/corpus", NULL);
  CHECK(stance_worker_tasks(w) >= 1);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_FAILED);
  CHECK(strstr(stance_job_error(job), "/nonexistent/stance/corpus") != NULL);
  stance_job_unref(job);
  stance_worker_free(w);
}

static void worker_free_stops_running_jobs(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *a = stance_job_new(&block_ops, NULL), *b = stance_job_new(&block_ops, NULL);
  CHECK_INT(stance_worker_submit(w, a), 0);
  CHECK_INT(stance_worker_submit(w, b), 0);
  while (stance_job_get_state(a) == STANCE_JOB_PENDING) uv_sleep(1);
  stance_worker_free(w); /* must not hang on the blocking jobs */
  CHECK_INT(stance_job_get_state(a), STANCE_JOB_CANCELLED);
  CHECK_INT(stance_job_get_state(b), STANCE_JOB_CANCELLED);
  stance_job_unref(a);
  stance_job_unref(b);
}

static int many_prepare(stance_job *job) {
  stance_job_set_total(job, 200000, 0);
  return 0;
}
static int many_run(stance_job *job) {
  while (stance_job_next(job) >= 0) stance_job_advance(job, 1, 1);
  return 0;
}
static const stance_job_ops many_ops = {"many", many_prepare, many_run, NULL, NULL};

static void worker_coalesces_progress(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *job = stance_job_new(&many_ops, NULL);
  stance_job_progress p;
  uint64_t t0 = uv_hrtime(), ms;
  int events = 0;
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(run_to_end(w, job, &events));
  ms = (uv_hrtime() - t0) / 1000000u;
  stance_job_get_progress(job, &p);
  CHECK_INT(p.done, 200000);
  CHECK_INT(p.bytes, 200000);
  /* 200000 advances, but at most one event per 20 ms interval. */
  CHECK(events <= (int)(ms / 20) + 2);
  stance_job_unref(job);
  stance_worker_free(w);
}

static void worker_runs_many_jobs_with_distinct_ids(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *jobs[20];
  stance_event ev[8];
  int k, done = 0, spins = 0;
  uint64_t seen = 0;
  for (k = 0; k < 20; k++) {
    jobs[k] = stance_job_new(&many_ops, NULL);
    CHECK_INT(stance_worker_submit(w, jobs[k]), 0);
    CHECK_INT(stance_job_id(jobs[k]), k + 1);
  }
  while (done < 20 && spins++ < 100000) {
    size_t n, i;
    stance_worker_wait(w, 1000);
    n = stance_worker_drain(w, ev, 8); /* smaller than the queue: drain must come back */
    for (i = 0; i < n; i++) {
      if (ev[i].kind == STANCE_EVENT_DONE) {
        done++;
        seen |= (uint64_t)1 << stance_job_id(ev[i].job);
      }
      stance_job_unref(ev[i].job);
    }
  }
  CHECK_INT(done, 20);
  CHECK_INT(seen, ((uint64_t)1 << 21) - 2);
  for (k = 0; k < 20; k++) stance_job_unref(jobs[k]);
  stance_worker_free(w);
}

static void worker_wait_times_out_when_idle(void) {
  char err[256];
  stance_worker *w = stance_worker_new(1, err, sizeof err);
  stance_event ev[4];
  CHECK_INT(stance_worker_wait(w, 10), 0);
  CHECK_INT(stance_worker_drain(w, ev, 4), 0);
  stance_worker_free(w);
}

/* Once watch_wait returns, a change right after is reported (no race with the loop thread
 * starting the watch): on a loaded machine, a write made just after asking used to be lost. */
static void worker_reports_a_change_made_right_after_watch_wait(void) {
  char err[256];
  int round;
  for (round = 0; round < 20; round++) {
    const char *d = tmp_dir();
    stance_worker *w = stance_worker_new(1, err, sizeof err);
    char **paths = NULL;
    int overflow = 0, spins = 0, found = 0;
    size_t n = 0, i;
    CHECK(w != NULL);
    CHECK_INT(stance_worker_watch(w, d, ""), 0);
    CHECK_INT(stance_worker_watch_wait(w, 5000), 1);
    tmp_write(d, "new.txt", "text\n", (size_t)-1);
    while (!found && spins++ < 500) {
      stance_worker_wait(w, 10);
      n = stance_worker_changes(w, &paths, &overflow);
      for (i = 0; i < n; i++) {
        if (strcmp(paths[i], "new.txt") == 0) found = 1;
        free(paths[i]);
      }
      free(paths);
      paths = NULL;
    }
    CHECK(found || overflow);
    stance_worker_free(w);
  }
}

const test_case worker_tests[] = {
    {"worker_reports_a_change_made_right_after_watch_wait", worker_reports_a_change_made_right_after_watch_wait},
    {"worker_trains_and_predicts_a_model", worker_trains_and_predicts_a_model},
    {"worker_hashes_a_folder", worker_hashes_a_folder},
    {"worker_cancels_a_running_job", worker_cancels_a_running_job},
    {"worker_reports_failure_with_a_message", worker_reports_failure_with_a_message},
    {"worker_free_stops_running_jobs", worker_free_stops_running_jobs},
    {"worker_coalesces_progress", worker_coalesces_progress},
    {"worker_runs_many_jobs_with_distinct_ids", worker_runs_many_jobs_with_distinct_ids},
    {"worker_wait_times_out_when_idle", worker_wait_times_out_when_idle},
    {NULL, NULL}};
