/*
 * job_impl.h - the layout of a job, shared by job.c and worker.c only.
 */
#ifndef STANCE_JOB_IMPL_H
#define STANCE_JOB_IMPL_H

#include <uv.h>

#include "job.h"

#define STANCE__ERRLEN 256

struct stance_job {
  const stance_job_ops *ops;
  void *data;
  uint64_t id;

  uv_mutex_t lock;              /* guards everything below */
  int refs;
  stance_job_state state;
  int cancel;
  int64_t next_item;
  uint64_t claims;
  int has_claims;
  stance_job_progress progress;
  char error[STANCE__ERRLEN];
  int failed;

  /* Progress notification, installed by the worker on submit. */
  void (*notify)(void *ctx, stance_job *job);
  void *notify_ctx;
  int progress_queued;          /* a progress event waits in the worker's queue */
  uint64_t progress_at;         /* uv_hrtime() of the last progress event */

  /* Owned by the worker's loop thread. */
  uv_work_t phase;
  uv_work_t *tasks;
  int ntasks, running;
  int phase_rc;
  stance_job *next;             /* submission queue / active list link */
};

/* Called by the worker once a queued progress event has been handed out. */
void stance__job_progress_taken(stance_job *job);
void stance__job_set_state(stance_job *job, stance_job_state state);

#endif
