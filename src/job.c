/*
 * job.c - reference counting, state and progress of a background job.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_impl.h"

/* At most one progress event per job in this interval: a UI cannot show more. */
#define PROGRESS_INTERVAL_NS (20u * 1000u * 1000u)

stance_job *stance_job_new(const stance_job_ops *ops, void *data) {
  stance_job *job = calloc(1, sizeof *job);
  if (job == NULL) return NULL;
  if (uv_mutex_init(&job->lock) != 0) {
    free(job);
    return NULL;
  }
  job->ops = ops;
  job->data = data;
  job->refs = 1;
  job->state = STANCE_JOB_PENDING;
  return job;
}

stance_job *stance_job_ref(stance_job *job) {
  uv_mutex_lock(&job->lock);
  job->refs++;
  uv_mutex_unlock(&job->lock);
  return job;
}

void stance_job_unref(stance_job *job) {
  int refs;
  if (job == NULL) return;
  uv_mutex_lock(&job->lock);
  refs = --job->refs;
  uv_mutex_unlock(&job->lock);
  if (refs > 0) return;
  if (job->ops->destroy != NULL) job->ops->destroy(job->data);
  free(job->tasks);
  uv_mutex_destroy(&job->lock);
  free(job);
}

void *stance_job_data(const stance_job *job) { return job->data; }
const char *stance_job_kind(const stance_job *job) { return job->ops->kind; }
uint64_t stance_job_id(const stance_job *job) { return job->id; }

stance_job_state stance_job_get_state(stance_job *job) {
  stance_job_state s;
  uv_mutex_lock(&job->lock);
  s = job->state;
  uv_mutex_unlock(&job->lock);
  return s;
}

const char *stance_job_state_name(stance_job_state state) {
  switch (state) {
    case STANCE_JOB_PENDING: return "pending";
    case STANCE_JOB_RUNNING: return "running";
    case STANCE_JOB_DONE: return "done";
    case STANCE_JOB_FAILED: return "failed";
    case STANCE_JOB_CANCELLED: return "cancelled";
  }
  return "unknown";
}

void stance__job_set_state(stance_job *job, stance_job_state state) {
  uv_mutex_lock(&job->lock);
  job->state = state;
  uv_mutex_unlock(&job->lock);
}

void stance_job_get_progress(stance_job *job, stance_job_progress *out) {
  uv_mutex_lock(&job->lock);
  *out = job->progress;
  uv_mutex_unlock(&job->lock);
}

const char *stance_job_error(stance_job *job) { return job->error; }

void stance_job_cancel(stance_job *job) {
  uv_mutex_lock(&job->lock);
  job->cancel = 1;
  uv_mutex_unlock(&job->lock);
}

int stance_job_cancelled(stance_job *job) {
  int c;
  uv_mutex_lock(&job->lock);
  c = job->cancel;
  uv_mutex_unlock(&job->lock);
  return c;
}

void stance_job_set_total(stance_job *job, uint64_t items, uint64_t bytes) {
  uv_mutex_lock(&job->lock);
  job->progress.total = items;
  job->progress.total_bytes = bytes;
  uv_mutex_unlock(&job->lock);
}

void stance_job_set_claims(stance_job *job, uint64_t claims) {
  uv_mutex_lock(&job->lock);
  job->claims = claims;
  job->has_claims = 1;
  uv_mutex_unlock(&job->lock);
}

uint64_t stance_job_claims(stance_job *job) {
  uint64_t n;
  uv_mutex_lock(&job->lock);
  n = job->has_claims ? job->claims : job->progress.total;
  uv_mutex_unlock(&job->lock);
  return n;
}

int64_t stance_job_next(stance_job *job) {
  int64_t item = -1;
  uv_mutex_lock(&job->lock);
  if (!job->cancel && !job->failed &&
      (uint64_t)job->next_item < (job->has_claims ? job->claims : job->progress.total))
    item = job->next_item++;
  uv_mutex_unlock(&job->lock);
  return item;
}

void stance_job_advance(stance_job *job, uint64_t items, uint64_t bytes) {
  int notify = 0;
  uint64_t now = uv_hrtime();
  uv_mutex_lock(&job->lock);
  job->progress.done += items;
  job->progress.bytes += bytes;
  if (job->notify != NULL && !job->progress_queued &&
      now - job->progress_at >= PROGRESS_INTERVAL_NS) {
    job->progress_queued = 1;
    job->progress_at = now;
    notify = 1;
  }
  uv_mutex_unlock(&job->lock);
  /* Outside the job's lock: the worker takes its own lock to queue the event. */
  if (notify) job->notify(job->notify_ctx, job);
}

void stance__job_progress_taken(stance_job *job) {
  uv_mutex_lock(&job->lock);
  job->progress_queued = 0;
  uv_mutex_unlock(&job->lock);
}

int stance_job_fail(stance_job *job, int code, const char *fmt, ...) {
  va_list ap;
  uv_mutex_lock(&job->lock);
  if (!job->failed) {
    job->failed = 1;
    va_start(ap, fmt);
    vsnprintf(job->error, sizeof job->error, fmt, ap);
    va_end(ap);
  }
  uv_mutex_unlock(&job->lock);
  return code < 0 ? code : -1;
}
