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
#include <sys/stat.h>
#include <unistd.h>

#include "job_impl.h"
#include "worker.h"

/* libuv's pool has 4 threads unless UV_THREADPOOL_SIZE says otherwise. */
#define MAX_DEFAULT_TASKS 4
/* Changed paths kept between two drains before the owner is told to rescan instead. */
#define MAX_CHANGES 10000

typedef struct watch {
  uv_fs_event_t handle;
  struct stance_worker *w;
  char *dir, *rel;
  struct watch *next;           /* requests, then the live list */
} watch;

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
  watch *watch_requests;        /* to start on the loop thread */
  uint64_t watch_asked;         /* watch requests made ... */
  uint64_t watch_started;       /* ... and handled by the loop thread (watch_wait) */
  uv_cond_t watched;            /* signalled when watch_started grows */
  int unwatch_requested;
  char **changes;               /* changed paths not yet taken */
  size_t nchanges, changes_cap;
  int overflow;
  /* owned by the loop thread */
  watch *watches;
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
  uint64_t claims = stance_job_claims(job);
  int n, i, rc;
  if (claims == 0) {
    start_finish(job);
    return;
  }
  n = w->tasks;
  if ((uint64_t)n > claims) n = (int)claims;
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

static void free_watch(watch *wt) {
  free(wt->dir);
  free(wt->rel);
  free(wt);
}

static void on_watch_closed(uv_handle_t *h) { free_watch(h->data); }

static void note_change(stance_worker *w, const char *rel, const char *name) {
  size_t n = strlen(rel) + strlen(name) + 2, i;
  char *path;
  int was_empty;
  uv_mutex_lock(&w->lock);
  if (w->overflow) {
    uv_mutex_unlock(&w->lock);
    return;
  }
  path = malloc(n);
  if (path == NULL) {
    w->overflow = 1;
  } else {
    snprintf(path, n, "%s%s%s", rel, *rel ? "/" : "", name);
    for (i = 0; i < w->nchanges; i++) {
      if (strcmp(w->changes[i], path) == 0) break;
    }
    if (i < w->nchanges) {
      free(path);
    } else if (w->nchanges >= MAX_CHANGES) {
      free(path);
      w->overflow = 1;
    } else {
      if (w->nchanges == w->changes_cap) {
        size_t cap = w->changes_cap ? w->changes_cap * 2 : 16;
        char **c = realloc(w->changes, cap * sizeof *c);
        if (c == NULL) {
          free(path);
          w->overflow = 1;
          path = NULL;
        } else {
          w->changes = c;
          w->changes_cap = cap;
        }
      }
      if (path != NULL) w->changes[w->nchanges++] = path;
    }
  }
  was_empty = w->head == w->nevents;
  uv_mutex_unlock(&w->lock);
  if (was_empty) signal_owner(w);
}

static int start_watch(stance_worker *w, watch *wt);

static void on_fs_event(uv_fs_event_t *h, const char *name, int events, int status) {
  watch *wt = h->data;
  (void)events;
  if (status != 0 || name == NULL) {
    note_change(wt->w, wt->rel, "");
    return;
  }
  if (name[0] == '.') return;
  note_change(wt->w, wt->rel, name);
  /* A new folder gets a watch of its own (inotify does not recurse). */
  {
    char path[4096];
    uv_fs_t req;
    snprintf(path, sizeof path, "%s/%s", wt->dir, name);
    if (uv_fs_stat(&wt->w->loop, &req, path, NULL) == 0 && S_ISDIR(req.statbuf.st_mode)) {
      watch *nw = calloc(1, sizeof *nw);
      size_t rn = strlen(wt->rel) + strlen(name) + 2;
      if (nw != NULL && (nw->dir = malloc(strlen(path) + 1)) != NULL &&
          (nw->rel = malloc(rn)) != NULL) {
        strcpy(nw->dir, path);
        snprintf(nw->rel, rn, "%s%s%s", wt->rel, *wt->rel ? "/" : "", name);
        nw->w = wt->w;
        if (start_watch(wt->w, nw) != 0) free_watch(nw);
      } else if (nw != NULL) {
        free_watch(nw);
      }
    }
    uv_fs_req_cleanup(&req);
  }
}

static int start_watch(stance_worker *w, watch *wt) {
  int rc;
  watch *it;
  for (it = w->watches; it != NULL; it = it->next)
    if (strcmp(it->dir, wt->dir) == 0) return -1; /* already watched */
  if ((rc = uv_fs_event_init(&w->loop, &wt->handle)) != 0) return rc;
  wt->handle.data = wt;
  if ((rc = uv_fs_event_start(&wt->handle, on_fs_event, wt->dir, 0)) != 0) {
    /* init'ed handles must be closed: the close callback frees it */
    uv_close((uv_handle_t *)&wt->handle, on_watch_closed);
    return 0;
  }
  wt->next = w->watches;
  w->watches = wt;
  return 0;
}

static void close_watches(stance_worker *w) {
  watch *wt = w->watches, *next;
  for (; wt != NULL; wt = next) {
    next = wt->next;
    uv_close((uv_handle_t *)&wt->handle, on_watch_closed);
  }
  w->watches = NULL;
}

static void on_wake(uv_async_t *handle) {
  stance_worker *w = handle->data;
  stance_job *job, *next;
  int stopping, rc;
  watch *requests;
  uint64_t asked;
  int unwatch;
  uv_mutex_lock(&w->lock);
  job = w->submitted;
  w->submitted = w->submitted_tail = NULL;
  stopping = w->stopping;
  requests = w->watch_requests;
  w->watch_requests = NULL;
  asked = w->watch_asked;
  unwatch = w->unwatch_requested;
  w->unwatch_requested = 0;
  uv_mutex_unlock(&w->lock);
  if (unwatch || stopping) close_watches(w);
  while (requests != NULL) {
    watch *after = requests->next;
    requests->next = NULL;
    if (stopping || start_watch(w, requests) != 0) free_watch(requests);
    requests = after;
  }
  uv_mutex_lock(&w->lock);
  if (asked > w->watch_started) w->watch_started = asked;
  uv_cond_broadcast(&w->watched);
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

unsigned stance_cpus(void) {
  const char *env = getenv("STANCE_THREADS");
  if (env != NULL && *env != '\0') {
    char *end;
    long n = strtol(env, &end, 10);
    if (*end == '\0' && n >= 1 && n <= 256) return (unsigned)n;
  }
  return uv_available_parallelism();
}

stance_worker *stance_worker_new(int tasks, char *err, size_t errlen) {
  stance_worker *w = calloc(1, sizeof *w);
  int rc, stage = 0;
  if (w == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (tasks <= 0) {
    tasks = (int)stance_cpus();
    if (tasks > MAX_DEFAULT_TASKS) tasks = MAX_DEFAULT_TASKS;
  }
  w->tasks = tasks;
  w->fds[0] = w->fds[1] = -1;
  if (pipe(w->fds) != 0 || set_pipe_flags(w->fds[0]) != 0 || set_pipe_flags(w->fds[1]) != 0) {
    snprintf(err, errlen, "cannot create the notification pipe: %s", strerror(errno));
    goto fail;
  }
  if ((rc = uv_mutex_init(&w->lock)) != 0) goto uv_fail;
  if ((rc = uv_cond_init(&w->watched)) != 0) {
    uv_mutex_destroy(&w->lock);
    goto uv_fail;
  }
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
  if (stage >= 1) {
    uv_cond_destroy(&w->watched);
    uv_mutex_destroy(&w->lock);
  }
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
  for (i = 0; i < w->nchanges; i++) free(w->changes[i]);
  free(w->changes);
  while (w->watch_requests != NULL) {
    watch *next = w->watch_requests->next;
    free_watch(w->watch_requests);
    w->watch_requests = next;
  }
  free(w->active);
  uv_cond_destroy(&w->watched);
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
    waiting = w->head < w->nevents || w->nchanges > 0 || w->overflow;
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

int stance_worker_watch(stance_worker *w, const char *dir, const char *rel) {
  watch *wt = calloc(1, sizeof *wt);
  if (wt == NULL) return UV_ENOMEM;
  wt->w = w;
  wt->dir = malloc(strlen(dir) + 1);
  wt->rel = malloc(strlen(rel) + 1);
  if (wt->dir == NULL || wt->rel == NULL) {
    free_watch(wt);
    return UV_ENOMEM;
  }
  strcpy(wt->dir, dir);
  strcpy(wt->rel, rel);
  uv_mutex_lock(&w->lock);
  if (w->stopping) {
    uv_mutex_unlock(&w->lock);
    free_watch(wt);
    return UV_ECANCELED;
  }
  wt->next = w->watch_requests;
  w->watch_requests = wt;
  w->watch_asked++;
  uv_mutex_unlock(&w->lock);
  return uv_async_send(&w->wake);
}

int stance_worker_watch_wait(stance_worker *w, int timeout_ms) {
  uint64_t deadline = uv_hrtime() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
  int started;
  uv_mutex_lock(&w->lock);
  while (w->watch_started < w->watch_asked && !w->stopping) {
    uint64_t now = uv_hrtime();
    if (now >= deadline || uv_cond_timedwait(&w->watched, &w->lock, deadline - now) != 0) break;
  }
  started = w->watch_started >= w->watch_asked;
  uv_mutex_unlock(&w->lock);
  return started;
}

void stance_worker_unwatch(stance_worker *w) {
  uv_mutex_lock(&w->lock);
  w->unwatch_requested = 1;
  while (w->watch_requests != NULL) {
    watch *next = w->watch_requests->next;
    free_watch(w->watch_requests);
    w->watch_requests = next;
  }
  uv_mutex_unlock(&w->lock);
  uv_async_send(&w->wake);
}

size_t stance_worker_changes(stance_worker *w, char ***paths, int *overflow) {
  size_t n;
  uv_mutex_lock(&w->lock);
  *paths = w->changes;
  n = w->nchanges;
  *overflow = w->overflow;
  w->changes = NULL;
  w->nchanges = w->changes_cap = 0;
  w->overflow = 0;
  uv_mutex_unlock(&w->lock);
  return n;
}

int stance_worker_active(stance_worker *w) {
  int n;
  uv_mutex_lock(&w->lock);
  n = (int)w->nactive;
  uv_mutex_unlock(&w->lock);
  return n;
}
