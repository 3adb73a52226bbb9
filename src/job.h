/*
 * job.h - a unit of background work run by a stance_worker.
 *
 * A job runs in three phases, all on the worker's thread pool, never on the caller's thread:
 *   prepare()  once: find out how much there is to do (e.g. list a folder), then call
 *              stance_job_set_total();
 *   run()      on up to `tasks` pool threads at once; each call claims items with
 *              stance_job_next() until it returns -1, and reports with stance_job_advance();
 *   finish()   once, after every run() returned and only if nothing failed or was cancelled.
 * Any phase may be NULL. A phase returns 0, or a negative code after stance_job_fail().
 *
 * Jobs are reference counted and thread safe; nothing here touches a lua_State.
 */
#ifndef STANCE_JOB_H
#define STANCE_JOB_H

#include <stddef.h>
#include <stdint.h>

typedef struct stance_job stance_job;

typedef enum {
  STANCE_JOB_PENDING = 0,
  STANCE_JOB_RUNNING,
  STANCE_JOB_DONE,
  STANCE_JOB_FAILED,
  STANCE_JOB_CANCELLED
} stance_job_state;

typedef struct stance_job_ops {
  const char *kind;
  int (*prepare)(stance_job *job);
  int (*run)(stance_job *job);
  int (*finish)(stance_job *job);
  /* Frees the data given to stance_job_new(); called when the last reference goes. */
  void (*destroy)(void *data);
} stance_job_ops;

typedef struct stance_job_progress {
  uint64_t done, total;             /* items */
  uint64_t bytes, total_bytes;      /* bytes processed / expected (0 when unknown) */
} stance_job_progress;

/* A new job holding one reference (the caller's); NULL when out of memory. Owns `data`. */
stance_job *stance_job_new(const stance_job_ops *ops, void *data);
stance_job *stance_job_ref(stance_job *job);
void stance_job_unref(stance_job *job);

void *stance_job_data(const stance_job *job);
const char *stance_job_kind(const stance_job *job);
uint64_t stance_job_id(const stance_job *job);
stance_job_state stance_job_get_state(stance_job *job);
const char *stance_job_state_name(stance_job_state state);
void stance_job_get_progress(stance_job *job, stance_job_progress *out);
/* The failure message ("" if none); valid while the job lives and has finished. */
const char *stance_job_error(stance_job *job);

/* Ask the job to stop; safe from any thread, at any time, more than once. */
void stance_job_cancel(stance_job *job);
int stance_job_cancelled(stance_job *job);

/* For the phases. */
void stance_job_set_total(stance_job *job, uint64_t items, uint64_t bytes);
/* Items are what run() claims; by default as many as the progress total. A job whose
 * progress counts something else (documents) sets its claimable items (segments) here. */
void stance_job_set_claims(stance_job *job, uint64_t claims);
uint64_t stance_job_claims(stance_job *job);
/* The next unclaimed item index, or -1 when all are claimed or the job was cancelled. */
int64_t stance_job_next(stance_job *job);
void stance_job_advance(stance_job *job, uint64_t items, uint64_t bytes);
/* Record a failure (first one wins) and return `code` (negative) for the phase to return. */
int stance_job_fail(stance_job *job, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
