/*
 * atomic.c - atomic file replacement under a lock (see atomic.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "atomic.h"
#include "contain.h"
#include "hash.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

static void sleep_ms(unsigned ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static unsigned long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

int stance_side_path(const char *path, const char *suffix, char *out, size_t outlen) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0, baselen = strlen(base), slen = strlen(suffix);
  int n;
  if (1 + baselen + slen <= NAME_MAX) {
    n = snprintf(out, outlen, "%.*s.%s%s", (int)dirlen, path, base, suffix);
  } else {
    char hex[STANCE_HASH_HEXLEN + 1];
    if (stance_hash_buffer(base, baselen, hex) != 0) return -1;
    n = snprintf(out, outlen, "%.*s.stance-%.24s%s", (int)dirlen, path, hex, suffix);
  }
  return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ---- the lock -------------------------------------------------------------------------------- */

static int no_flock(int e) {
  return e == EOPNOTSUPP || e == ENOLCK || e == ENOSYS || e == EINVAL
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
         || e == ENOTSUP
#endif
      ;
}

/* Whether the exclusive lock file at `path` (with status `st`) belongs to nobody any more. */
static int excl_stale(const char *path, const struct stat *st) {
  char buf[512], host[256];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), n;
  long pid = 0;
  if (time(NULL) - st->st_mtime > STANCE_LOCK_STALE_S) {
    if (fd >= 0) close(fd);
    return 1;
  }
  if (fd < 0) return 0;
  n = (int)read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0; /* being written by its holder */
  buf[n] = '\0';
  if (gethostname(host, sizeof host) != 0) return 0;
  host[sizeof host - 1] = '\0';
  {
    char *sp = strchr(buf, ' '), *nl;
    if (sp == NULL) return 0;
    pid = strtol(buf, NULL, 10);
    if ((nl = strchr(sp + 1, '\n')) != NULL) *nl = '\0';
    if (pid <= 0 || strcmp(sp + 1, host) != 0) return 0;
  }
  return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* One attempt at an exclusive lock file: 0 taken, 1 busy, -1 error (errno). */
static int excl_try(stance_lock *l) {
  char info[320], host[256];
  struct stat st;
  int fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd >= 0) {
    if (gethostname(host, sizeof host) != 0) strcpy(host, "?");
    host[sizeof host - 1] = '\0';
    snprintf(info, sizeof info, "%ld %s\n", (long)getpid(), host);
    if (write_all(fd, info, strlen(info)) != 0) {
      int e = errno;
      close(fd);
      unlink(l->path);
      errno = e;
      return -1;
    }
    l->fd = fd;
    l->excl = 1;
    return 0;
  }
  if (errno != EEXIST) return -1;
  if (lstat(l->path, &st) == 0 && (S_ISLNK(st.st_mode) || excl_stale(l->path, &st))) {
    /* break it: move it aside, and remove it only if it is still the one found stale */
    char aside[4200];
    struct stat moved;
    snprintf(aside, sizeof aside, "%s.broken-%ld", l->path, (long)getpid());
    if (rename(l->path, aside) == 0) {
      if (lstat(aside, &moved) == 0 && moved.st_ino == st.st_ino && moved.st_dev == st.st_dev)
        unlink(aside);
      else if (link(aside, l->path) == 0 || errno == EEXIST)
        unlink(aside); /* a live lock taken by mistake: put back */
    }
  }
  return 1;
}

static int lock_files_only;

void stance_lock_use_files(int on) { lock_files_only = on != 0; }

int stance_lock_acquire(stance_lock *l, const char *target, unsigned wait_ms, char *err, size_t errlen) {
  unsigned long long deadline = now_ms() + wait_ms;
  unsigned pause = 1;
  int use_excl = lock_files_only;
  l->fd = -1;
  l->excl = 0;
  if (stance_side_path(target, ".lock", l->path, sizeof l->path) != 0) {
    snprintf(err, errlen, "%s: path too long", target);
    return -1;
  }
  for (;;) {
    int busy;
    if (use_excl) {
      int rc = excl_try(l);
      if (rc < 0) {
        snprintf(err, errlen, "cannot lock %s (%s): %s", target, l->path, strerror(errno));
        return -1;
      }
      busy = rc == 1;
    } else {
      struct stat a, b;
      int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
      if (fd < 0) {
        if (errno == ELOOP || errno == EMLINK) { /* a link planted there: not ours to follow */
          unlink(l->path);
          continue;
        }
        snprintf(err, errlen, "cannot lock %s (%s): %s", target, l->path, strerror(errno));
        return -1;
      }
      if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        /* still the lock file at that name? (its last holder removes it when done) */
        if (fstat(fd, &a) == 0 && lstat(l->path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
          l->fd = fd;
          return 0;
        }
        close(fd);
        continue;
      }
      busy = errno == EWOULDBLOCK || errno == EAGAIN || errno == EINTR;
      if (!busy && no_flock(errno)) {
        close(fd);
        unlink(l->path);
        use_excl = 1;
        continue;
      }
      if (!busy) {
        snprintf(err, errlen, "cannot lock %s (%s): %s", target, l->path, strerror(errno));
        close(fd);
        return -1;
      }
      close(fd);
    }
    if (!busy) return 0;
    if (now_ms() >= deadline) {
      snprintf(err, errlen, "%s is being written by another process (its lock %s was held for %u s)", target,
               l->path, wait_ms / 1000);
      return -1;
    }
    sleep_ms(pause);
    if (pause < 32) pause *= 2;
  }
}

void stance_lock_release(stance_lock *l) {
  if (l->fd < 0) return;
  unlink(l->path); /* while held: whoever opened it before sees it is gone, and retries */
  close(l->fd);
  l->fd = -1;
}

/* ---- writing --------------------------------------------------------------------------------- */

/* SHA-256 of the file now at `path` into `hex` ("" when it does not exist). 0 or -errno. */
static int current_hash(const char *path, char *hex) {
  unsigned char buf[65536];
  uint64_t size;
  struct stat st;
  if (stat(path, &st) != 0) {
    if (errno != ENOENT) return -errno;
    hex[0] = '\0';
    return 0;
  }
  if (!S_ISREG(st.st_mode)) return -EINVAL;
  return stance_hash_file(path, hex, &size, buf, sizeof buf, NULL);
}

static void dir_of(const char *path, char *dir, size_t dirlen) {
  const char *slash = strrchr(path, '/');
  size_t n;
  if (slash == NULL) {
    snprintf(dir, dirlen, ".");
    return;
  }
  n = (size_t)(slash - path);
  if (n == 0) n = 1;
  if (n >= dirlen) n = dirlen - 1;
  memcpy(dir, path, n);
  dir[n] = '\0';
}

/* Open the temporary file beside f->path (the lock is held: the name is ours; whatever a
 * killed writer left there is removed first, and a link there is never followed). */
static int open_tmp(stance_atomic *f, char *err, size_t errlen) {
  struct stat st;
  f->have_old = stat(f->path, &st) == 0;
  f->mode = f->have_old ? (unsigned)(st.st_mode & 07777) : 0666;
  if (stance_side_path(f->path, ".tmp", f->tmp, sizeof f->tmp) != 0) {
    snprintf(err, errlen, "%s: path too long", f->path);
    return -1;
  }
  if (unlink(f->tmp) != 0 && errno != ENOENT) {
    snprintf(err, errlen, "cannot remove %s: %s", f->tmp, strerror(errno));
    f->tmp[0] = '\0';
    return -1;
  }
  /* O_EXCL with 0666: a new file gets the umask applied, as any other new file would */
  f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, f->have_old ? 0600 : 0666);
  if (f->fd < 0) {
    snprintf(err, errlen, "cannot create a temporary file in %s: %s", f->dir, strerror(errno));
    f->tmp[0] = '\0';
    return -1;
  }
  return 0;
}

static int start(stance_atomic *f, const char *path, char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  f->fd = -1;
  f->lock.fd = -1;
  if (strlen(path) >= sizeof f->path) {
    snprintf(err, errlen, "%s: path too long", path);
    return -1;
  }
  strcpy(f->path, path);
  dir_of(path, f->dir, sizeof f->dir);
  return stance_lock_acquire(&f->lock, path, STANCE_LOCK_WAIT_MS, err, errlen);
}

int stance_atomic_open(stance_atomic *f, const char *path, char *err, size_t errlen) {
  if (start(f, path, err, errlen) != 0) return -1;
  if (open_tmp(f, err, errlen) != 0) {
    stance_lock_release(&f->lock);
    return -1;
  }
  return 0;
}

int stance_atomic_write(stance_atomic *f, const void *data, size_t len) {
  if (f->failed) return -1;
  if (write_all(f->fd, data, len) != 0) {
    f->failed = errno ? errno : EIO;
    return -1;
  }
  return 0;
}

int stance_atomic_pwrite(stance_atomic *f, const void *data, size_t len, uint64_t offset) {
  if (f->failed) return -1;
  if (pwrite(f->fd, data, len, (off_t)offset) != (ssize_t)len) {
    f->failed = errno ? errno : EIO;
    return -1;
  }
  return 0;
}

void stance_atomic_abort(stance_atomic *f) {
  if (f->fd >= 0) close(f->fd);
  f->fd = -1;
  if (f->tmp[0]) unlink(f->tmp);
  f->tmp[0] = '\0';
  stance_lock_release(&f->lock);
}

int stance_atomic_commit(stance_atomic *f, int durable, char *err, size_t errlen) {
  int fd;
  if (f->failed || (durable && fsync(f->fd) != 0) || (f->have_old && fchmod(f->fd, (mode_t)f->mode) != 0)) {
    snprintf(err, errlen, "cannot write %s: %s", f->tmp, strerror(f->failed ? f->failed : errno));
    stance_atomic_abort(f);
    return -1;
  }
  if (close(f->fd) != 0) {
    f->fd = -1;
    snprintf(err, errlen, "cannot write %s: %s", f->tmp, strerror(errno));
    stance_atomic_abort(f);
    return -1;
  }
  f->fd = -1;
  if (rename(f->tmp, f->path) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", f->path, strerror(errno));
    stance_atomic_abort(f);
    return -1;
  }
  f->tmp[0] = '\0';
  /* The rename itself must reach the disk too. */
  fd = durable ? open(f->dir, O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  stance_lock_release(&f->lock);
  return 0;
}

/* Whether the file at `path` is what `o` expects, under its lock: 0 yes, 1 no, -1 error. */
static int still_expected(const char *path, const stance_write_opts *o, char *err, size_t errlen) {
  if (o->expect_hex != NULL) {
    char now[STANCE_HASH_HEXLEN + 1];
    int rc = current_hash(path, now);
    if (rc != 0) {
      snprintf(err, errlen, "%s: %s", path, rc == -EINVAL ? "not a regular file" : strerror(-rc));
      return -1;
    }
    if (strcmp(now, o->expect_hex) != 0) {
      snprintf(err, errlen, "%s changed on disk since it was read", path);
      return 1;
    }
  } else if (o->expect_stamp != NULL) {
    char now[128];
    struct stat st;
    if (stat(path, &st) != 0) {
      if (errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
      }
      now[0] = '\0';
    } else {
      stance_stamp_of(&st, now, sizeof now);
    }
    if (strcmp(now, o->expect_stamp) != 0) {
      snprintf(err, errlen, "%s changed on disk since it was read", path);
      return 1;
    }
  }
  return 0;
}

int stance_write_file(const char *path, const char *data, size_t len, const stance_write_opts *o, char *err,
                      size_t errlen) {
  stance_atomic f;
  int rc;
  if (o->root != NULL && stance_check_write(o->root, path, err, errlen) != 0) return -1;
  if (o->new_hex != NULL && stance_hash_buffer(data, len, o->new_hex) != 0) {
    const char *why = stance_hash_error();
    snprintf(err, errlen, "%s: hashing failed%s%s", path, why != NULL ? ": " : "", why != NULL ? why : "");
    return -1;
  }
  if (start(&f, path, err, errlen) != 0) return -1;
  if ((rc = still_expected(path, o, err, errlen)) != 0) {
    stance_lock_release(&f.lock);
    return rc;
  }
  if (open_tmp(&f, err, errlen) != 0) {
    stance_lock_release(&f.lock);
    return -1;
  }
  stance_atomic_write(&f, data, len);
  /* the commit releases the lock: the stamp is taken before, from the new file (size, time
   * and inode do not change when it is renamed) */
  if (f.failed || (o->durable && fsync(f.fd) != 0) || (f.have_old && fchmod(f.fd, (mode_t)f.mode) != 0)) {
    snprintf(err, errlen, "cannot write %s: %s", f.tmp, strerror(f.failed ? f.failed : errno));
    stance_atomic_abort(&f);
    return -1;
  }
  if (o->new_stamp != NULL) {
    struct stat st;
    if (fstat(f.fd, &st) == 0)
      stance_stamp_of(&st, o->new_stamp, o->new_stamp_len); /* the same inode after the rename */
    else
      o->new_stamp[0] = '\0';
  }
  return stance_atomic_commit(&f, o->durable, err, errlen) != 0 ? -1 : 0;
}

int stance_write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        char *err, size_t errlen) {
  stance_write_opts o;
  memset(&o, 0, sizeof o);
  o.expect_hex = expect_hex;
  o.durable = 1;
  return stance_write_file(path, data, len, &o, err, errlen);
}

int stance_write_atomic_cache(const char *path, const char *data, size_t len, char *err,
                              size_t errlen) {
  stance_write_opts o;
  memset(&o, 0, sizeof o);
  return stance_write_file(path, data, len, &o, err, errlen);
}

int stance_append_file(const char *path, const char *data, size_t len, uint64_t expect_size,
                       const char *expect_stamp, const char *root, char *stamp_out, size_t stamp_len,
                       char *err, size_t errlen) {
  stance_lock lock;
  struct stat st;
  char now[128];
  size_t done = 0;
  int fd, rc = 0;
  if (root != NULL && stance_check_write(root, path, err, errlen) != 0) return -1;
  if (stance_lock_acquire(&lock, path, STANCE_LOCK_WAIT_MS, err, errlen) != 0) return -1;
  fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    stance_lock_release(&lock);
    return -1;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != expect_size) {
    rc = 1;
  } else if (expect_stamp != NULL) {
    stance_stamp_of(&st, now, sizeof now);
    if (strcmp(now, expect_stamp) != 0) rc = 1;
  }
  if (rc == 1) {
    snprintf(err, errlen, "%s changed on disk since it was written", path);
    close(fd);
    stance_lock_release(&lock);
    return 1;
  }
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      /* take the partial record back off: the file stays as it was */
      (void)!ftruncate(fd, (off_t)expect_size);
      snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
      close(fd);
      stance_lock_release(&lock);
      return -1;
    }
    done += (size_t)n;
  }
  if (fdatasync(fd) != 0) {
    int e = errno;
    (void)!ftruncate(fd, (off_t)expect_size);
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
    close(fd);
    stance_lock_release(&lock);
    return -1;
  }
  if (stamp_out != NULL && stamp_len > 0) {
    if (fstat(fd, &st) == 0)
      stance_stamp_of(&st, stamp_out, stamp_len);
    else
      stamp_out[0] = '\0';
  }
  if (close(fd) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    stance_lock_release(&lock);
    return -1;
  }
  stance_lock_release(&lock);
  return 0;
}

/* ---- several files at once ----------------------------------------------------------- */

typedef struct pending_file {
  char *tmp;      /* the temporary file, written and closed */
  char *dir;      /* its folder, or NULL when an earlier file has the same one */
  int error;      /* errno of the flush, 0 when fine */
  dev_t dev;      /* the temporary file's identity: another writer of the same file */
  ino_t ino;      /*   replaces it (under the lock) while the others are written */
} pending_file;

typedef struct flush_work {
  pending_file *files;
  size_t n, next;
  int dirs;   /* flush the folders (1) or the files (0) */
  int locked; /* the lock could be made (else one thread does it all) */
  uv_mutex_t lock;
} flush_work;

static void flush_some(void *arg) {
  flush_work *w = arg;
  for (;;) {
    size_t i;
    const char *path;
    int fd;
    if (w->locked) uv_mutex_lock(&w->lock);
    i = w->next++;
    if (w->locked) uv_mutex_unlock(&w->lock);
    if (i >= w->n) return;
    path = w->dirs ? w->files[i].dir : w->files[i].tmp;
    if (path == NULL) continue;
    /* fsync through a descriptor opened for reading flushes the file all the same (on
     * Linux and the BSDs; a folder can only be opened so) */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      w->files[i].error = errno;
      continue;
    }
    if (fsync(fd) != 0 && !(w->dirs && (errno == EINVAL || errno == EBADF))) w->files[i].error = errno;
    close(fd);
  }
}

/* fsync the temporary files (dirs = 0) or the folders (dirs = 1) of files[0..n) on up to
 * `threads` threads: the disk sees the flushes together instead of one after another. */
static void flush_all(pending_file *files, size_t n, int threads, int dirs) {
  flush_work w;
  uv_thread_t tids[32];
  int i, started = 0;
  w.files = files;
  w.n = n;
  w.next = 0;
  w.dirs = dirs;
  w.locked = uv_mutex_init(&w.lock) == 0;
  if (threads > 32) threads = 32;
  if ((size_t)threads > n) threads = (int)n;
  for (i = 1; w.locked && i < threads; i++)
    if (uv_thread_create(&tids[started], flush_some, &w) == 0) started++;
  flush_some(&w);
  for (i = 0; i < started; i++) uv_thread_join(&tids[i]);
  if (w.locked) uv_mutex_destroy(&w.lock);
}

/* Whether p's temporary file is still the one written (not replaced by another writer of
 * the same file, which removes what a killed writer left). */
static int still_ours(const pending_file *p) {
  struct stat st;
  return p->tmp != NULL && lstat(p->tmp, &st) == 0 && st.st_dev == p->dev && st.st_ino == p->ino;
}

static void free_pending(const stance_atomic_file *files, pending_file *p, size_t n, size_t unlink_from) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (i >= unlink_from && p[i].tmp) {
      stance_lock lock;
      char err[64];
      if (stance_lock_acquire(&lock, files[i].path, STANCE_LOCK_WAIT_MS, err, sizeof err) == 0) {
        if (still_ours(&p[i])) unlink(p[i].tmp);
        stance_lock_release(&lock);
      }
    }
    free(p[i].tmp);
    free(p[i].dir);
  }
  free(p);
}

/* 0 when `path` is as `expect_hex` wants it; 1 (with a message) when not; -1 on error. */
static int expectation_holds(const char *path, const char *expect_hex, char *err, size_t errlen) {
  char now[STANCE_HASH_HEXLEN + 1];
  int rc;
  if (expect_hex == NULL) return 0;
  rc = current_hash(path, now);
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(-rc));
    return -1;
  }
  if (strcmp(now, expect_hex) != 0) {
    snprintf(err, errlen, expect_hex[0] ? "%s changed on disk since it was read" : "%s exists already", path);
    return 1;
  }
  return 0;
}

static char *dup_str(const char *s) {
  size_t len = strlen(s) + 1;
  char *d = malloc(len);
  if (d != NULL) memcpy(d, s, len);
  return d;
}

/* Write files[i] to its temporary file (".NAME.tmp", made under the file's lock, which is
 * released once it is closed) and note which file it is; p[i] gets its names (`dir` only
 * when no earlier file has the same folder). */
static int write_pending(const stance_atomic_file *files, pending_file *p, size_t i, char *err, size_t errlen) {
  stance_atomic f;
  struct stat st;
  size_t k;
  int e;
  if (start(&f, files[i].path, err, errlen) != 0) return -1;
  if (open_tmp(&f, err, errlen) != 0) {
    stance_lock_release(&f.lock);
    return -1;
  }
  p[i].tmp = dup_str(f.tmp);
  for (k = 0; k < i; k++)
    if (p[k].dir != NULL && strcmp(p[k].dir, f.dir) == 0) break;
  if (k == i) p[i].dir = dup_str(f.dir);
  if (p[i].tmp == NULL || (k == i && p[i].dir == NULL)) {
    stance_atomic_abort(&f);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  stance_atomic_write(&f, files[i].data, files[i].len);
  e = f.failed;
  if (e == 0 && f.have_old && fchmod(f.fd, (mode_t)f.mode) != 0) e = errno;
  if (e == 0 && fstat(f.fd, &st) != 0) e = errno;
  if (close(f.fd) != 0 && e == 0) e = errno;
  f.fd = -1;
  stance_lock_release(&f.lock);
  if (e != 0) {
    snprintf(err, errlen, "cannot write %s: %s", f.tmp, strerror(e));
    return -1;
  }
  p[i].dev = st.st_dev;
  p[i].ino = st.st_ino;
  return 0;
}

/* Under the file's lock: its expectation checked once more, then its temporary file renamed
 * over it. 0, 1 (changed), -1. */
static int rename_pending(const stance_atomic_file *file, pending_file *p, char *err, size_t errlen) {
  stance_lock lock;
  int rc;
  if (stance_lock_acquire(&lock, file->path, STANCE_LOCK_WAIT_MS, err, errlen) != 0) return -1;
  rc = expectation_holds(file->path, file->expect_hex, err, errlen);
  if (rc == 0 && !still_ours(p)) {
    snprintf(err, errlen, "%s was written by another process meanwhile", file->path);
    rc = 1;
  }
  if (rc == 0 && rename(p->tmp, file->path) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", file->path, strerror(errno));
    rc = -1;
  }
  stance_lock_release(&lock);
  return rc;
}

int stance_write_atomic_many(const stance_atomic_file *files, size_t n, int threads, size_t *failed,
                             char *err, size_t errlen) {
  pending_file *p;
  size_t i, k;
  int rc;
  *failed = 0;
  if (n == 0) return 0;
  if (n > SIZE_MAX / sizeof *p || (p = calloc(n, sizeof *p)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  /* 1. every temporary file written and closed (a descriptor each would run out) */
  for (i = 0; i < n; i++) {
    *failed = i;
    rc = expectation_holds(files[i].path, files[i].expect_hex, err, errlen);
    if (rc == 0 && write_pending(files, p, i, err, errlen) != 0) rc = -1;
    if (rc != 0) {
      free_pending(files, p, i + 1, 0);
      return rc;
    }
  }
  /* 2. all of them flushed at once */
  flush_all(p, n, threads, 0);
  for (i = 0; i < n; i++) {
    if (p[i].error) {
      *failed = i;
      snprintf(err, errlen, "cannot write %s: %s", p[i].tmp, strerror(p[i].error));
      free_pending(files, p, n, 0);
      return -1;
    }
  }
  /* 3. the renames, each after a last look at what it replaces */
  for (i = 0; i < n; i++) {
    *failed = i;
    rc = rename_pending(&files[i], &p[i], err, errlen);
    if (rc != 0) {
      for (k = 0; k < n; k++) p[k].error = 0;
      flush_all(p, i, threads, 1); /* what was renamed must still reach the disk */
      free_pending(files, p, n, i);
      return rc;
    }
  }
  /* 4. each folder once, so that the renames reach the disk */
  flush_all(p, n, threads, 1);
  free_pending(files, p, n, n);
  return 0;
}
