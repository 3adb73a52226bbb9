/* worker.c and job.c: completion, progress, cancellation, failure, shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "hashjob.h"
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

const test_case worker_tests[] = {
    {"worker_hashes_a_folder", worker_hashes_a_folder},
    {"worker_cancels_a_running_job", worker_cancels_a_running_job},
    {"worker_reports_failure_with_a_message", worker_reports_failure_with_a_message},
    {"worker_free_stops_running_jobs", worker_free_stops_running_jobs},
    {"worker_coalesces_progress", worker_coalesces_progress},
    {"worker_runs_many_jobs_with_distinct_ids", worker_runs_many_jobs_with_distinct_ids},
    {"worker_wait_times_out_when_idle", worker_wait_times_out_when_idle},
    {NULL, NULL}};
