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

static int write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        int durable, char *err, size_t errlen);

int stance_write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        char *err, size_t errlen) {
  return write_atomic(path, data, len, expect_hex, 1, err, errlen);
}

int stance_write_atomic_cache(const char *path, const char *data, size_t len, char *err,
                              size_t errlen) {
  return write_atomic(path, data, len, NULL, 0, err, errlen);
}

static int write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        int durable, char *err, size_t errlen) {
  char tmp[PATH_MAX], dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  struct stat st;
  int fd = -1, have_old, attempt;
  mode_t mode = 0666;
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
  have_old = stat(path, &st) == 0;
  if (have_old) mode = st.st_mode & 07777;
  if (slash == NULL) {
    strcpy(dir, ".");
  } else {
    size_t n = (size_t)(slash - path);
    if (n == 0) n = 1;
    if (n >= sizeof dir) {
      snprintf(err, errlen, "%s: path too long", path);
      return -1;
    }
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  for (attempt = 0; attempt < 100 && fd < 0; attempt++) {
    int n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp-%d-%u", dir, slash ? slash + 1 : path, (int)getpid(),
                     (unsigned)(uv_hrtime() % 1000000u) + (unsigned)attempt);
    if (n < 0 || (size_t)n >= sizeof tmp) {
      snprintf(err, errlen, "%s: path too long", path);
      return -1;
    }
    /* O_EXCL with 0666: a new file gets the umask applied, as any other new file would. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, have_old ? 0600 : 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir, strerror(errno));
    return -1;
  }
  if (write_all(fd, data, len) != 0 || (durable && fsync(fd) != 0) ||
      (have_old && fchmod(fd, mode) != 0)) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    close(fd);
    unlink(tmp);
    return -1;
  }
  if (close(fd) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    unlink(tmp);
    return -1;
  }
  if (rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
    unlink(tmp);
    return -1;
  }
  /* The rename itself must reach the disk too. */
  fd = durable ? open(dir, O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return 0;
}
