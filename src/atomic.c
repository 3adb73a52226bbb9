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
