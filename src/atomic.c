/*
 * atomic.c - atomic file replacement (see atomic.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "atomic.h"
#include "hash.h"

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

/* SHA-256 of the file now at `path`; "" if it does not exist; NULL-ish (-1) on error. */
static int current_hash(const char *path, char *hex) {
  unsigned char buf[65536];
  uint64_t size;
  int rc = stance_hash_file(path, hex, &size, buf, sizeof buf, NULL);
  if (rc == -ENOENT) {
    hex[0] = '\0';
    return 0;
  }
  return rc;
}

int stance_atomic_open(stance_atomic *f, const char *path, char *err, size_t errlen) {
  const char *slash = strrchr(path, '/');
  struct stat st;
  int attempt;
  memset(f, 0, sizeof *f);
  f->fd = -1;
  if (strlen(path) >= sizeof f->path) {
    snprintf(err, errlen, "%s: path too long", path);
    return -1;
  }
  strcpy(f->path, path);
  f->have_old = stat(path, &st) == 0;
  f->mode = f->have_old ? (unsigned)(st.st_mode & 07777) : 0666;
  if (slash == NULL) {
    strcpy(f->dir, ".");
  } else {
    size_t n = (size_t)(slash - path);
    if (n == 0) n = 1;
    memcpy(f->dir, path, n);
    f->dir[n] = '\0';
  }
  for (attempt = 0; attempt < 100 && f->fd < 0; attempt++) {
    int n = snprintf(f->tmp, sizeof f->tmp, "%s/.%s.tmp-%d-%u", f->dir, slash ? slash + 1 : path,
                     (int)getpid(), (unsigned)(uv_hrtime() % 1000000u) + (unsigned)attempt);
    if (n < 0 || (size_t)n >= sizeof f->tmp) {
      snprintf(err, errlen, "%s: path too long", path);
      return -1;
    }
    /* O_EXCL with 0666: a new file gets the umask applied, as any other new file would. */
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, f->have_old ? 0600 : 0666);
    if (f->fd < 0 && errno != EEXIST) break;
  }
  if (f->fd < 0) {
    snprintf(err, errlen, "cannot create a temporary file in %s: %s", f->dir, strerror(errno));
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
    unlink(f->tmp);
    return -1;
  }
  /* The rename itself must reach the disk too. */
  fd = durable ? open(f->dir, O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return 0;
}

static int write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        int durable, char *err, size_t errlen) {
  stance_atomic f;
  if (expect_hex != NULL) {
    char now[STANCE_HASH_HEXLEN + 1];
    int rc = current_hash(path, now);
    if (rc != 0) {
      snprintf(err, errlen, "%s: %s", path, strerror(-rc));
      return -1;
    }
    if (strcmp(now, expect_hex) != 0) {
      snprintf(err, errlen, "%s changed on disk since it was read", path);
      return 1;
    }
  }
  if (stance_atomic_open(&f, path, err, errlen) != 0) return -1;
  stance_atomic_write(&f, data, len);
  return stance_atomic_commit(&f, durable, err, errlen);
}

int stance_write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        char *err, size_t errlen) {
  return write_atomic(path, data, len, expect_hex, 1, err, errlen);
}

int stance_write_atomic_cache(const char *path, const char *data, size_t len, char *err,
                              size_t errlen) {
  return write_atomic(path, data, len, NULL, 0, err, errlen);
}

/* ---- several files at once ----------------------------------------------------------- */

typedef struct pending_file {
  char *tmp;      /* the temporary file, written and closed */
  char *dir;      /* its folder, or NULL when an earlier file has the same one */
  int error;      /* errno of the flush, 0 when fine */
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

static void free_pending(pending_file *p, size_t n, size_t unlink_from) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (i >= unlink_from && p[i].tmp) unlink(p[i].tmp);
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

/* Write files[i] to a temporary file of its folder and close it; p[i] gets its names
 * (`dir` only when no earlier file has the same folder). */
static int write_pending(const stance_atomic_file *files, pending_file *p, size_t i, char *err, size_t errlen) {
  stance_atomic f;
  size_t k;
  int e;
  if (stance_atomic_open(&f, files[i].path, err, errlen) != 0) return -1;
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
  if (close(f.fd) != 0 && e == 0) e = errno;
  if (e != 0) {
    snprintf(err, errlen, "cannot write %s: %s", f.tmp, strerror(e));
    return -1;
  }
  return 0;
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
      free_pending(p, i + 1, 0);
      return rc;
    }
  }
  /* 2. all of them flushed at once */
  flush_all(p, n, threads, 0);
  for (i = 0; i < n; i++) {
    if (p[i].error) {
      *failed = i;
      snprintf(err, errlen, "cannot write %s: %s", p[i].tmp, strerror(p[i].error));
      free_pending(p, n, 0);
      return -1;
    }
  }
  /* 3. the renames, each after a last look at what it replaces */
  for (i = 0; i < n; i++) {
    *failed = i;
    rc = expectation_holds(files[i].path, files[i].expect_hex, err, errlen);
    if (rc == 0 && rename(p[i].tmp, files[i].path) != 0) {
      snprintf(err, errlen, "cannot replace %s: %s", files[i].path, strerror(errno));
      rc = -1;
    }
    if (rc != 0) {
      for (k = 0; k < n; k++) p[k].error = 0;
      flush_all(p, i, threads, 1); /* what was renamed must still reach the disk */
      free_pending(p, n, i);
      return rc;
    }
  }
  /* 4. each folder once, so that the renames reach the disk */
  flush_all(p, n, threads, 1);
  free_pending(p, n, n);
  return 0;
}
