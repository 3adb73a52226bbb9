/*
 * worker.h - runs jobs on a private libuv loop and thread pool, and tells the owner
 * about progress and completion through a file descriptor it can watch.
 *
 * The owner (one thread: the Lua host, or Neovim's main loop) submits jobs and drains
 * events; it never waits on the pool. Whenever the event queue goes from empty to
 * non-empty, a byte is written to the descriptor returned by stance_worker_fd(), so the
 * owner can poll it (Neovim: vim.loop.new_poll; the host: poll(2) via stance_worker_wait).
 */
#ifndef STANCE_WORKER_H
#define STANCE_WORKER_H

#include "job.h"

typedef struct stance_worker stance_worker;

typedef enum {
  STANCE_EVENT_PROGRESS = 0,
  STANCE_EVENT_DONE,            /* terminal: see stance_job_get_state() for how it ended */
} stance_event_kind;

typedef struct stance_event {
  stance_event_kind kind;
  stance_job *job;              /* one reference, owned by whoever drains the event */
} stance_event;

/* How many threads stance's work may keep busy at once: the cores this process may run on
 * (its CPU affinity, as taskset sets it), or $STANCE_THREADS when that is a number from 1 to
 * 256 (to leave cores to other work, or to measure on one core). */
unsigned stance_cpus(void);

/* A worker running up to `tasks` pieces of one job at once (0: stance_cpus(), at most 4,
 * the size of libuv's pool). NULL on failure, with a message in `err`. */
stance_worker *stance_worker_new(int tasks, char *err, size_t errlen);

/* Stops the worker: cancels every job, waits for the pool to let go of them, frees all.
 * Undrained events are dropped (their references released). NULL is a no-op. */
void stance_worker_free(stance_worker *w);

int stance_worker_fd(const stance_worker *w);
int stance_worker_tasks(const stance_worker *w);

/* Queue `job` (the worker takes its own reference) and give it an id. 0 or a negative
 * libuv error code (UV_ECANCELED once the worker is stopping). */
int stance_worker_submit(stance_worker *w, stance_job *job);

/* Move up to `max` events into `out`; returns how many. Never blocks. */
size_t stance_worker_drain(stance_worker *w, stance_event *out, size_t max);

/* Block until an event is queued or `timeout_ms` passes (-1: no limit) or a signal
 * arrives. 1 if events are waiting, 0 on timeout or interruption. */
int stance_worker_wait(stance_worker *w, int timeout_ms);

/* How many submitted jobs have not yet delivered their DONE event to the queue. */
int stance_worker_active(stance_worker *w);

/* Watch the folder `dir` for changes (libuv fs events on the worker's loop). Changed
 * names are reported as `rel`/name (`rel` "" for the root); new subfolders are watched
 * too. Names starting with a dot are ignored. 0, or a negative libuv error code. */
int stance_worker_watch(stance_worker *w, const char *dir, const char *rel);
/* Wait until the loop thread has started every watch asked for so far (a change made after
 * that is reported), at most `timeout_ms`. 1 when they are started, 0 on time out. */
int stance_worker_watch_wait(stance_worker *w, int timeout_ms);
/* Stop watching everything. */
void stance_worker_unwatch(stance_worker *w);
/* Take the changed paths reported since the last call (each once): the caller frees each
 * string and the array. *overflow is set when too many changed to list (rescan all). */
size_t stance_worker_changes(stance_worker *w, char ***paths, int *overflow);

#endif
