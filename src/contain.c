/*
 * contain.c - reading and writing only what a corpus may make stance touch (see contain.h).
 */
#include "contain.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int stance_real_inside(const char *root_real, const char *real) {
  size_t n = strlen(root_real);
  if (n == 1 && root_real[0] == '/') return real[0] == '/';
  return strncmp(real, root_real, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

int stance_resolve_inside(const char *root, const char *path, char *real) {
  char root_real[PATH_MAX];
  if (realpath(path, real) == NULL) return -errno;
  if (root == NULL) return 0;
  if (realpath(root, root_real) == NULL) return -errno;
  return stance_real_inside(root_real, real) ? 0 : STANCE_EOUTSIDE;
}

static int fail(int rc, const char *path, char *err, size_t errlen) {
  const char *why = rc == STANCE_EOUTSIDE ? "leads outside the corpus (links and .. are resolved)"
                    : rc == STANCE_ENOTREG ? "is not a regular file"
                    : rc == STANCE_ETOOBIG ? "is too large"
                                           : strerror(-rc);
  snprintf(err, errlen, "%s: %s", path, why);
  return rc;
}

int stance_read_file(const char *path, const char *root, size_t max, char **data, size_t *len, char *err,
                     size_t errlen) {
  char real[PATH_MAX];
  const char *open_path = path;
  struct stat st;
  char *buf;
  size_t n = 0, cap;
  int fd, rc, flags;
  *data = NULL;
  *len = 0;
  if (root != NULL) {
    if ((rc = stance_resolve_inside(root, path, real)) != 0) return fail(rc, path, err, errlen);
    open_path = real; /* what was checked is what is opened */
  }
  /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just after) */
  fd = open(open_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return fail(-errno, path, err, errlen);
  if (fstat(fd, &st) != 0) {
    rc = -errno;
    close(fd);
    return fail(rc, path, err, errlen);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return fail(S_ISDIR(st.st_mode) ? -EISDIR : STANCE_ENOTREG, path, err, errlen);
  }
  if ((flags = fcntl(fd, F_GETFL)) != -1) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if ((uint64_t)st.st_size >= (uint64_t)SIZE_MAX / 2 || (max > 0 && (uint64_t)st.st_size > (uint64_t)max)) {
    close(fd);
    return fail(STANCE_ETOOBIG, path, err, errlen);
  }
  cap = (size_t)st.st_size + 1;
  if ((buf = malloc(cap)) == NULL) {
    close(fd);
    return fail(-ENOMEM, path, err, errlen);
  }
  for (;;) {
    ssize_t got;
    char probe;
    if (n + 1 < cap) {
      got = read(fd, buf + n, cap - 1 - n);
    } else { /* as large as it said: at the end, unless it grew while read */
      got = read(fd, &probe, 1);
      if (got == 1) {
        size_t ncap = cap * 2;
        char *nb;
        if (ncap < cap || (max > 0 && n >= max)) {
          free(buf);
          close(fd);
          return fail(STANCE_ETOOBIG, path, err, errlen);
        }
        if ((nb = realloc(buf, ncap)) == NULL) {
          free(buf);
          close(fd);
          return fail(-ENOMEM, path, err, errlen);
        }
        buf = nb;
        cap = ncap;
        buf[n] = probe;
      }
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      rc = -errno;
      free(buf);
      close(fd);
      return fail(rc, path, err, errlen);
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  if (max > 0 && n > max) {
    free(buf);
    return fail(STANCE_ETOOBIG, path, err, errlen);
  }
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return 0;
}

int stance_check_layer_path(const char *root, const char *path, char *err, size_t errlen) {
  static const char ann[] = "/.stance/annotations/";
  char buf[PATH_MAX];
  char *p;
  size_t rl, n;
  struct stat st;
  if (root == NULL) return 0;
  rl = strlen(root);
  while (rl > 1 && root[rl - 1] == '/') rl--;
  if (strncmp(path, root, rl) != 0 || strncmp(path + rl, ann, sizeof ann - 1) != 0) return 0;
  n = strlen(path);
  if (n >= sizeof buf) return fail(-ENAMETOOLONG, path, err, errlen);
  memcpy(buf, path, n + 1);
  /* each part after the annotations folder: the annotator's folder, the folders between, the file */
  for (p = buf + rl + sizeof ann - 1; *p != '\0';) {
    char *slash = strchr(p, '/');
    if (slash != NULL) *slash = '\0';
    if (lstat(buf, &st) == 0 && S_ISLNK(st.st_mode)) {
      snprintf(err, errlen, "%s: a symbolic link: a layer's file and folders must be its own; not written through",
               buf);
      return STANCE_ELINK;
    }
    if (slash == NULL) break;
    *slash = '/';
    p = slash + 1;
  }
  return 0;
}

int stance_open_below(int dirfd, const char *rel, int flags, size_t *link_end) {
  char buf[PATH_MAX];
  char *p = buf;
  size_t n = strlen(rel);
  int fd = dirfd;
  if (n >= sizeof buf) return -ENAMETOOLONG;
  memcpy(buf, rel, n + 1);
  for (;;) {
    char *slash = strchr(p, '/');
    struct stat st;
    int next, e;
    if (slash != NULL) *slash = '\0';
    if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
      if (fd != dirfd) close(fd);
      return -EINVAL;
    }
    next = openat(fd, p, slash != NULL ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY
                                       : flags | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      /* a link: ELOOP (EMLINK on FreeBSD, ENOTDIR where O_DIRECTORY is looked at first) */
      e = -errno;
      if ((e == -ELOOP || e == -EMLINK || e == -ENOTDIR) && fstatat(fd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        if (link_end != NULL) *link_end = (size_t)(p - buf) + strlen(p);
        e = STANCE_ELINK;
      }
      if (fd != dirfd) close(fd);
      return e;
    }
    if (fd != dirfd) close(fd);
    if (slash == NULL) return next;
    fd = next;
    p = slash + 1;
  }
}

int stance_check_write(const char *root, const char *path, char *err, size_t errlen) {
  char dir[PATH_MAX], real[PATH_MAX];
  const char *slash = strrchr(path, '/');
  struct stat st;
  int rc;
  if (root == NULL) return 0;
  if (slash == NULL) {
    strcpy(dir, ".");
  } else {
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir) return fail(-ENAMETOOLONG, path, err, errlen);
    if (n == 0) n = 1;
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  if ((rc = stance_resolve_inside(root, dir, real)) != 0) return fail(rc, dir, err, errlen);
  /* an annotation file: no link among its folders below the annotations folder, nor itself */
  if ((rc = stance_check_layer_path(root, path, err, errlen)) != 0) return rc;
  /* the file itself: replacing a link replaces the link, but what it holds now is read
   * first (the hash check), so a link out is refused as well */
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
    rc = stance_resolve_inside(root, path, real);
    if (rc == STANCE_EOUTSIDE) return fail(rc, path, err, errlen);
  }
  return 0;
}

/* `v` in decimal at *p (with its sign), when it fits before `end` (one byte kept for the NUL) */
static int put_dec(char **p, char *end, long long v) {
  char digits[24];
  int n = 0;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do {
    digits[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u != 0);
  if (end - *p <= n + (v < 0)) return -1;
  if (v < 0) *(*p)++ = '-';
  while (n > 0) *(*p)++ = digits[--n];
  return 0;
}

/* (what snprintf("%lld:%lld.%ld:%lld") gives, without its cost: a script's pass makes one for
 * every document) */
void stance_stamp_of(const struct stat *st, char *out, size_t outlen) {
#if defined(__APPLE__)
  long ns = (long)st->st_mtimespec.tv_nsec;
#else
  long ns = (long)st->st_mtim.tv_nsec;
#endif
  char *p = out, *end = out + outlen;
  if (outlen == 0) return;
  if (put_dec(&p, end, (long long)st->st_size) != 0 || end - p < 2) goto cut;
  *p++ = ':';
  if (put_dec(&p, end, (long long)st->st_mtime) != 0 || end - p < 2) goto cut;
  *p++ = '.';
  if (put_dec(&p, end, (long long)ns) != 0 || end - p < 2) goto cut;
  *p++ = ':';
  if (put_dec(&p, end, (long long)(int64_t)st->st_ino) != 0) goto cut;
  *p = '\0';
  return;
cut: /* (never with the 128 bytes callers give) */
  out[0] = '\0';
}
