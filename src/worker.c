/*
 * worker.c - a private libuv loop on its own thread, feeding libuv's thread pool, with an
 * event queue that the owner drains after a byte arrives on a pipe.
 *
 * Threads: the owner (submit, drain, wait, free), the loop thread (all uv_* calls on the
 * loop and every after-work callback), and pool threads (job phases, progress). Lock
 * order: worker lock, then job lock; job code never holds its lock while notifying.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job_impl.h"
#include "worker.h"

/* libuv's pool has 4 threads unless UV_THREADPOOL_SIZE says otherwise. */
#define MAX_DEFAULT_TASKS 4

struct stance_worker {
  uv_loop_t loop;
  uv_async_t wake;
  uv_thread_t thread;
  int tasks;
  int fds[2];

  uv_mutex_t lock;              /* guards everything below */
  int stopping;
  uint64_t next_id;
  stance_job *submitted, *submitted_tail;
  stance_job **active;          /* submitted and not yet ended */
  size_t nactive, active_cap;
  stance_event *events;         /* FIFO: events[head .. nevents) */
  size_t head, nevents, events_cap;
  size_t reserved;              /* jobs that may still put events in the queue */
};

static void signal_owner(stance_worker *w) {
  ssize_t n;
  do {
    n = write(w->fds[1], "!", 1);
  } while (n < 0 && errno == EINTR);
  /* EAGAIN: the pipe is full of wake-ups already, which is as good as one more. */
}

/* Capacity is reserved at submit time (two events per job at most: a coalesced progress
 * and the final one), so pushing never allocates and never fails. */
static void push_event(stance_worker *w, stance_event_kind kind, stance_job *job) {
  int was_empty;
  uv_mutex_lock(&w->lock);
  if (w->head > 0 && w->nevents == w->events_cap) {
    memmove(w->events, w->events + w->head, (w->nevents - w->head) * sizeof *w->events);
    w->nevents -= w->head;
    w->head = 0;
  }
  was_empty = w->head == w->nevents;
  w->events[w->nevents].kind = kind;
  w->events[w->nevents].job = job;
  w->nevents++;
  uv_mutex_unlock(&w->lock);
  if (was_empty) signal_owner(w);
}

static void on_progress(void *ctx, stance_job *job) {
  push_event(ctx, STANCE_EVENT_PROGRESS, stance_job_ref(job));
}

static void end_job(stance_worker *w, stance_job *job, stance_job_state state) {
  size_t i;
  stance__job_set_state(job, state);
  uv_mutex_lock(&w->lock);
  for (i = 0; i < w->nactive; i++) {
    if (w->active[i] == job) {
      w->active[i] = w->active[--w->nactive];
      break;
    }
  }
  uv_mutex_unlock(&w->lock);
  /* The worker's reference travels with the event. */
  push_event(w, STANCE_EVENT_DONE, job);
}

static stance_worker *worker_of(stance_job *job) { return job->notify_ctx; }

static void do_finish(uv_work_t *req) {
  stance_job *job = req->data;
  job->phase_rc = job->ops->finish != NULL ? job->ops->finish(job) : 0;
}

static void after_finish(uv_work_t *req, int status) {
  stance_job *job = req->data;
  stance_job_state state = STANCE_JOB_DONE;
  if (status == UV_ECANCELED || stance_job_cancelled(job))
    state = STANCE_JOB_CANCELLED;
  else if (job->phase_rc < 0)
    state = STANCE_JOB_FAILED;
  end_job(worker_of(job), job, state);
}

static void start_finish(stance_job *job) {
  int rc;
  job->phase.data = job;
  rc = uv_queue_work(&worker_of(job)->loop, &job->phase, do_finish, after_finish);
  if (rc != 0) {
    stance_job_fail(job, rc, "cannot queue work: %s", uv_strerror(rc));
    end_job(worker_of(job), job, STANCE_JOB_FAILED);
  }
}

static void do_run(uv_work_t *req) {
  stance_job *job = req->data;
  int rc = job->ops->run != NULL ? job->ops->run(job) : 0;
  if (rc < 0) stance_job_fail(job, rc, "%s failed (%d)", job->ops->kind, rc);
}

static void after_run(uv_work_t *req, int status) {
  stance_job *job = req->data;
  int failed;
  (void)status;
  if (--job->running > 0) return;
  uv_mutex_lock(&job->lock);
  failed = job->failed;
  uv_mutex_unlock(&job->lock);
  if (stance_job_cancelled(job))
    end_job(worker_of(job), job, STANCE_JOB_CANCELLED);
  else if (failed)
    end_job(worker_of(job), job, STANCE_JOB_FAILED);
  else
    start_finish(job);
}

static void start_run(stance_job *job) {
  stance_worker *w = worker_of(job);
  stance_job_progress p;
  int n, i, rc;
  stance_job_get_progress(job, &p);
  if (p.total == 0) {
    start_finish(job);
    return;
  }
  n = w->tasks;
  if ((uint64_t)n > p.total) n = (int)p.total;
  job->tasks = calloc((size_t)n, sizeof *job->tasks);
  if (job->tasks == NULL) {
    stance_job_fail(job, UV_ENOMEM, "out of memory");
    end_job(w, job, STANCE_JOB_FAILED);
    return;
  }
  job->ntasks = n;
  for (i = 0; i < n; i++) {
    job->tasks[i].data = job;
    rc = uv_queue_work(&w->loop, &job->tasks[i], do_run, after_run);
    if (rc != 0) {
      /* The tasks already queued finish the job; the claim loop makes one task enough. */
      stance_job_fail(job, rc, "cannot queue work: %s", uv_strerror(rc));
      break;
    }
    job->running++;
  }
  if (job->running == 0) end_job(w, job, STANCE_JOB_FAILED);
}

static void do_prepare(uv_work_t *req) {
  stance_job *job = req->data;
  job->phase_rc = job->ops->prepare != NULL ? job->ops->prepare(job) : 0;
}

static void after_prepare(uv_work_t *req, int status) {
  stance_job *job = req->data;
  if (status == UV_ECANCELED || stance_job_cancelled(job))
    end_job(worker_of(job), job, STANCE_JOB_CANCELLED);
  else if (job->phase_rc < 0)
    end_job(worker_of(job), job, STANCE_JOB_FAILED);
  else
    start_run(job);
}

static void on_wake(uv_async_t *handle) {
  stance_worker *w = handle->data;
  stance_job *job, *next;
  int stopping, rc;
  uv_mutex_lock(&w->lock);
  job = w->submitted;
  w->submitted = w->submitted_tail = NULL;
  stopping = w->stopping;
  uv_mutex_unlock(&w->lock);
  for (; job != NULL; job = next) {
    next = job->next;
    job->next = NULL;
    if (stopping || stance_job_cancelled(job)) {
      end_job(w, job, STANCE_JOB_CANCELLED);
      continue;
    }
    stance__job_set_state(job, STANCE_JOB_RUNNING);
    job->phase.data = job;
    rc = uv_queue_work(&w->loop, &job->phase, do_prepare, after_prepare);
    if (rc != 0) {
      stance_job_fail(job, rc, "cannot queue work: %s", uv_strerror(rc));
      end_job(w, job, STANCE_JOB_FAILED);
    }
  }
  /* Once the wake handle is closed, uv_run returns as soon as queued work has drained. */
  if (stopping && !uv_is_closing((uv_handle_t *)&w->wake))
    uv_close((uv_handle_t *)&w->wake, NULL);
}

static void loop_main(void *arg) {
  stance_worker *w = arg;
  uv_run(&w->loop, UV_RUN_DEFAULT);
}

static int set_pipe_flags(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  fl = fcntl(fd, F_GETFD);
  if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) return -1;
  return 0;
}

stance_worker *stance_worker_new(int tasks, char *err, size_t errlen) {
  stance_worker *w = calloc(1, sizeof *w);
  int rc, stage = 0;
  if (w == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (tasks <= 0) {
    tasks = (int)uv_available_parallelism();
    if (tasks > MAX_DEFAULT_TASKS) tasks = MAX_DEFAULT_TASKS;
  }
  w->tasks = tasks;
  w->fds[0] = w->fds[1] = -1;
  if (pipe(w->fds) != 0 || set_pipe_flags(w->fds[0]) != 0 || set_pipe_flags(w->fds[1]) != 0) {
    snprintf(err, errlen, "cannot create the notification pipe: %s", strerror(errno));
    goto fail;
  }
  if ((rc = uv_mutex_init(&w->lock)) != 0) goto uv_fail;
  stage = 1;
  if ((rc = uv_loop_init(&w->loop)) != 0) goto uv_fail;
  stage = 2;
  w->wake.data = w;
  if ((rc = uv_async_init(&w->loop, &w->wake, on_wake)) != 0) goto uv_fail;
  stage = 3;
  if ((rc = uv_thread_create(&w->thread, loop_main, w)) != 0) goto uv_fail;
  return w;

uv_fail:
  snprintf(err, errlen, "cannot start the worker: %s", uv_strerror(rc));
fail:
  if (stage >= 3) uv_close((uv_handle_t *)&w->wake, NULL);
  if (stage >= 2) {
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
  }
  if (stage >= 1) uv_mutex_destroy(&w->lock);
  if (w->fds[0] >= 0) close(w->fds[0]);
  if (w->fds[1] >= 0) close(w->fds[1]);
  free(w);
  return NULL;
}

void stance_worker_free(stance_worker *w) {
  size_t i;
  if (w == NULL) return;
  uv_mutex_lock(&w->lock);
  w->stopping = 1;
  for (i = 0; i < w->nactive; i++) stance_job_cancel(w->active[i]);
  uv_mutex_unlock(&w->lock);
  uv_async_send(&w->wake);
  uv_thread_join(&w->thread);
  uv_loop_close(&w->loop);
  for (i = w->head; i < w->nevents; i++) stance_job_unref(w->events[i].job);
  free(w->events);
  free(w->active);
  uv_mutex_destroy(&w->lock);
  close(w->fds[0]);
  close(w->fds[1]);
  free(w);
}

int stance_worker_fd(const stance_worker *w) { return w->fds[0]; }
int stance_worker_tasks(const stance_worker *w) { return w->tasks; }

static int reserve(stance_worker *w) {
  size_t need = 2 * (w->reserved + 1);
  if (w->events_cap < need) {
    size_t cap = w->events_cap ? w->events_cap * 2 : 16;
    stance_event *ev;
    while (cap < need) cap *= 2;
    ev = realloc(w->events, cap * sizeof *ev);
    if (ev == NULL) return UV_ENOMEM;
    w->events = ev;
    w->events_cap = cap;
  }
  if (w->nactive == w->active_cap) {
    size_t cap = w->active_cap ? w->active_cap * 2 : 8;
    stance_job **a = realloc(w->active, cap * sizeof *a);
    if (a == NULL) return UV_ENOMEM;
    w->active = a;
    w->active_cap = cap;
  }
  return 0;
}

int stance_worker_submit(stance_worker *w, stance_job *job) {
  int rc;
  uv_mutex_lock(&w->lock);
  if (w->stopping) {
    uv_mutex_unlock(&w->lock);
    return UV_ECANCELED;
  }
  if ((rc = reserve(w)) != 0) {
    uv_mutex_unlock(&w->lock);
    return rc;
  }
  job->id = ++w->next_id;
  job->notify = on_progress;
  job->notify_ctx = w;
  stance_job_ref(job);
  w->reserved++;
  w->active[w->nactive++] = job;
  if (w->submitted_tail != NULL)
    w->submitted_tail->next = job;
  else
    w->submitted = job;
  w->submitted_tail = job;
  uv_mutex_unlock(&w->lock);
  return uv_async_send(&w->wake);
}

size_t stance_worker_drain(stance_worker *w, stance_event *out, size_t max) {
  size_t n = 0;
  char buf[64];
  uv_mutex_lock(&w->lock);
  while (read(w->fds[0], buf, sizeof buf) > 0) {
  }
  while (n < max && w->head < w->nevents) {
    out[n] = w->events[w->head++];
    if (out[n].kind == STANCE_EVENT_PROGRESS)
      stance__job_progress_taken(out[n].job);
    else
      w->reserved--;
    n++;
  }
  if (w->head == w->nevents) w->head = w->nevents = 0;
  /* Events left behind: make sure the owner comes back for them. */
  if (w->head < w->nevents) signal_owner(w);
  uv_mutex_unlock(&w->lock);
  return n;
}

int stance_worker_wait(stance_worker *w, int timeout_ms) {
  uint64_t deadline = uv_hrtime() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
  for (;;) {
    struct pollfd p;
    char buf[64];
    int waiting, wait_ms = timeout_ms;
    uv_mutex_lock(&w->lock);
    waiting = w->head < w->nevents;
    /* A stale wake-up byte would make poll() return at once, again and again. */
    if (!waiting)
      while (read(w->fds[0], buf, sizeof buf) > 0) {
      }
    uv_mutex_unlock(&w->lock);
    if (waiting) return 1;
    if (timeout_ms >= 0) {
      uint64_t now = uv_hrtime();
      if (now >= deadline) return 0;
      wait_ms = (int)((deadline - now + 999999u) / 1000000u);
    }
    p.fd = w->fds[0];
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, wait_ms) <= 0) return 0;
  }
}

int stance_worker_active(stance_worker *w) {
  int n;
  uv_mutex_lock(&w->lock);
  n = (int)w->nactive;
  uv_mutex_unlock(&w->lock);
  return n;
}
