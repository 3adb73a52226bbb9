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

/* ---- a folder to write in, opened from the root ------------------------------------------ */

#define WALK_LINKS 40 /* links followed in one walk at most (Linux's own limit) */

/* Open the folder `real` (a path below `rootfd` with no link, "." nor "..": "" is the root
 * itself) again from the root, following no link. A descriptor or a negative errno. */
static int reopen_real(int rootfd, const char *real) {
  char buf[PATH_MAX];
  char *p = buf;
  int fd = rootfd;
  size_t n = strlen(real);
  if (n == 0) return rootfd;
  if (n >= sizeof buf) return -ENAMETOOLONG;
  memcpy(buf, real, n + 1);
  for (;;) {
    char *slash = strchr(p, '/');
    int next;
    if (slash != NULL) *slash = '\0';
    next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (next < 0) {
      int e = -errno;
      if (fd != rootfd) close(fd);
      return e;
    }
    if (fd != rootfd) close(fd);
    fd = next;
    if (slash == NULL) return fd;
    p = slash + 1;
  }
}

/* Open `rel` below the folder open at `rootfd` (the root), one part at a time from there:
 * each folder with openat(O_NOFOLLOW | O_DIRECTORY), the last part with `last_flags` and
 * O_NOFOLLOW. A link is never followed by the kernel: its target is read (readlinkat) and
 * walked in its place, from the folder it is in (an absolute one from the root, when it
 * names a place below `root_real`, the root resolved: else it leads out). ".." goes back one
 * folder of the walk, and out of the root is STANCE_EOUTSIDE. A part of the original `rel`
 * that is a link and begins at `layer_from` or after is STANCE_ELINK (*link_end then the
 * length of `rel` up to its end). `real` (PATH_MAX bytes, when not NULL) gets where the walk
 * ended below the root ("" the root itself; no link, "." nor ".."). A descriptor (the root's
 * own when the walk ends there), or a negative code. */
static int walk_below(int rootfd, const char *root, const char *rel, int last_flags, size_t layer_from,
                      size_t *link_end, char *real, int create) {
  char rest[2 * PATH_MAX], target[PATH_MAX], here[PATH_MAX], root_real[PATH_MAX];
  /* what is left to walk is rest[pos..restlen); its last `orig` bytes are rel's own */
  size_t restlen = strlen(rel), rellen = restlen, orig = restlen, pos = 0, reallen = 0;
  int cur = rootfd, links = 0, made = 0, e;
  root_real[0] = '\0';
  if (restlen >= sizeof rest) return -ENAMETOOLONG;
  memcpy(rest, rel, restlen + 1);
  here[0] = '\0';
  for (;;) {
    size_t clen, end, k;
    int last = 1, next;
    char saved;
    struct stat st;
    while (pos < restlen && rest[pos] == '/') pos++;
    if (pos == restlen) break;
    for (clen = 0; pos + clen < restlen && rest[pos + clen] != '/'; clen++) {
    }
    end = pos + clen;
    for (k = end; k < restlen && last; k++)
      if (rest[k] != '/') last = 0;
    if (clen == 1 && rest[pos] == '.') {
      pos = end;
      continue;
    }
    if (clen == 2 && rest[pos] == '.' && rest[pos + 1] == '.') {
      char *up;
      if (reallen == 0) {
        e = STANCE_EOUTSIDE;
        goto fail;
      }
      up = strrchr(here, '/');
      reallen = up != NULL ? (size_t)(up - here) : 0;
      here[reallen] = '\0';
      if (cur != rootfd) close(cur);
      if ((cur = reopen_real(rootfd, here)) < 0) {
        e = cur;
        cur = rootfd;
        goto fail;
      }
      pos = end;
      continue;
    }
    saved = rest[end];
    rest[end] = '\0';
    next = openat(cur, rest + pos,
                  last ? last_flags | O_NOFOLLOW | O_CLOEXEC : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (next >= 0) {
      if (last) {
        if (real != NULL) {
          if (reallen + 1 + clen >= PATH_MAX) {
            close(next);
            e = -ENAMETOOLONG;
            goto fail;
          }
          memcpy(real, here, reallen);
          if (reallen > 0) real[reallen++] = '/';
          memcpy(real + reallen, rest + pos, clen + 1);
        }
        if (cur != rootfd) close(cur);
        close(rootfd);
        return next;
      }
      if (reallen + 1 + clen >= sizeof here) {
        close(next);
        e = -ENAMETOOLONG;
        goto fail;
      }
      if (reallen > 0) here[reallen++] = '/';
      memcpy(here + reallen, rest + pos, clen + 1);
      reallen += clen;
      if (cur != rootfd) close(cur);
      cur = next;
      rest[end] = saved;
      pos = end;
      continue;
    }
    e = -errno;
    /* a folder that is not there: made in the folder the walk holds open (never through a
     * link), flushed there, then opened as any other (a few times at most: another process
     * may remove it meanwhile) */
    if (create && e == -ENOENT && made < WALK_LINKS) {
      made++;
      if (mkdirat(cur, rest + pos, 0777) != 0 && errno != EEXIST) {
        e = -errno;
        goto fail;
      }
      if (fsync(cur) != 0 && errno != EINVAL && errno != EBADF) {
        e = -errno;
        goto fail;
      }
      rest[end] = saved;
      continue;
    }
    /* a link: ELOOP (EMLINK on FreeBSD, ENOTDIR where O_DIRECTORY is looked at first) */
    if ((e != -ELOOP && e != -EMLINK && e != -ENOTDIR) || fstatat(cur, rest + pos, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISLNK(st.st_mode))
      goto fail;
    /* the original text is what is left of `rest` at its end: this part is its own */
    if (restlen - pos <= orig && rellen - (restlen - pos) >= layer_from) {
      if (link_end != NULL) *link_end = rellen - (restlen - end);
      e = STANCE_ELINK;
      goto fail;
    }
    if (++links > WALK_LINKS) {
      e = -ELOOP;
      goto fail;
    }
    {
      ssize_t n = readlinkat(cur, rest + pos, target, sizeof target);
      size_t tlen, left;
      const char *t = target;
      if (n < 0) {
        e = -errno;
        goto fail;
      }
      if ((size_t)n >= sizeof target) {
        e = -ENAMETOOLONG;
        goto fail;
      }
      target[n] = '\0';
      rest[end] = saved;
      if (target[0] == '/') { /* from the root, when it names a place below it */
        size_t rl;
        if (root_real[0] == '\0' && realpath(root, root_real) == NULL) {
          e = -errno;
          goto fail;
        }
        rl = strlen(root_real);
        if (rl == 1) rl = 0; /* the root is "/" */
        if (strncmp(target, root_real, rl) != 0 || (target[rl] != '\0' && target[rl] != '/')) {
          /* or the root as given, when absolute (a link to it by that name) */
          rl = strlen(root);
          while (rl > 0 && root[rl - 1] == '/') rl--;
          if (root[0] != '/' || strncmp(target, root, rl) != 0 || (target[rl] != '\0' && target[rl] != '/')) {
            e = STANCE_EOUTSIDE;
            goto fail;
          }
        }
        t = target + rl;
        if (cur != rootfd) close(cur);
        cur = rootfd;
        reallen = 0;
        here[0] = '\0';
      }
      /* the rest of the walk: the link's target, then what followed the link */
      tlen = strlen(t);
      left = restlen - end;
      if (tlen + 1 + left >= sizeof rest) {
        e = -ENAMETOOLONG;
        goto fail;
      }
      memmove(rest + tlen + 1, rest + end, left + 1);
      memcpy(rest, t, tlen);
      rest[tlen] = '/';
      restlen = tlen + 1 + left;
      if (orig > left) orig = left;
      pos = 0;
    }
  }
  /* ended on a folder ("", ".", "..", a link to a folder as the last part) */
  if (real != NULL) memcpy(real, here, reallen + 1);
  if (cur != rootfd) close(rootfd);
  return cur;
fail:
  if (cur != rootfd) close(cur);
  close(rootfd);
  return e;
}

/* The folder of `path` and its name: `dir` (PATH_MAX bytes) as stance_check_write names it. */
static int dir_and_name(const char *path, char *dir, const char **name) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    strcpy(dir, ".");
    *name = path;
  } else {
    size_t n = (size_t)(slash - path);
    if (n >= PATH_MAX) return -ENAMETOOLONG;
    if (n == 0) n = 1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    *name = slash + 1;
  }
  return 0;
}

static int open_root(const char *root) {
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
  return fd >= 0 ? fd : -errno;
}

static int layer_link(const char *path, size_t n, char *err, size_t errlen) {
  snprintf(err, errlen, "%.*s: a symbolic link: a layer's file and folders must be its own; not written through",
           (int)n, path);
  return STANCE_ELINK;
}

int stance_open_write_dir(const char *root, const char *path, stance_write_dir *wd, char *err, size_t errlen) {
  static const char ann[] = ".stance/annotations/";
  char dir[PATH_MAX], relbuf[PATH_MAX];
  const char *rel = NULL;
  size_t rl, layer_from = (size_t)-1, link_end = 0, prefix = 0;
  struct stat st;
  int rc, fd = -1;
  wd->fd = -1;
  wd->layer = 0;
  wd->below[0] = '\0';
  if ((rc = dir_and_name(path, dir, &wd->name)) != 0) return fail(rc, path, err, errlen);
  if (wd->name[0] == '\0' || strcmp(wd->name, ".") == 0 || strcmp(wd->name, "..") == 0)
    return fail(-EISDIR, path, err, errlen);
  /* the folder below the root: as written, when the path begins with the root */
  rl = strlen(root);
  while (rl > 1 && root[rl - 1] == '/') rl--;
  if (rl == 1 && root[0] == '/' && path[0] == '/') {
    rel = path + 1;
  } else if (rl > 0 && strncmp(path, root, rl) == 0 && path[rl] == '/') {
    rel = path + rl + 1;
  }
  if (rel != NULL) {
    size_t n = wd->name > rel ? (size_t)(wd->name - 1 - rel) : 0;
    prefix = (size_t)(rel - path);
    memcpy(relbuf, rel, n);
    relbuf[n] = '\0';
    /* an annotation file: no link among its own folders, from the annotator's on */
    if (strncmp(rel, ann, sizeof ann - 1) == 0) {
      wd->layer = 1;
      layer_from = sizeof ann - 1;
    }
    if ((fd = open_root(root)) < 0) return fail(fd, root, err, errlen);
    fd = walk_below(fd, root, relbuf, O_RDONLY | O_DIRECTORY | O_NOCTTY, layer_from, &link_end, wd->below, 0);
    if (fd == STANCE_ELINK) return layer_link(path, prefix + link_end, err, errlen);
  }
  if (rel == NULL || (fd == STANCE_EOUTSIDE && !wd->layer)) {
    /* else (or when ".." leaves the root on the way: "root/../root/x", not in a layer's
     * path) where its folder resolves now; the walk below then checks it, part by part */
    char real[PATH_MAX], root_real[PATH_MAX];
    size_t n;
    if (realpath(dir, real) == NULL) return fail(-errno, dir, err, errlen);
    if (realpath(root, root_real) == NULL) return fail(-errno, dir, err, errlen);
    if (!stance_real_inside(root_real, real)) return fail(STANCE_EOUTSIDE, dir, err, errlen);
    n = strlen(root_real);
    rel = real + (n == 1 ? 1 : n);
    while (*rel == '/') rel++;
    snprintf(relbuf, sizeof relbuf, "%s", rel);
    if ((fd = open_root(root)) < 0) return fail(fd, root, err, errlen);
    fd = walk_below(fd, root, relbuf, O_RDONLY | O_DIRECTORY | O_NOCTTY, (size_t)-1, NULL, wd->below, 0);
  }
  if (fd < 0) return fail(fd, dir, err, errlen);
  wd->fd = fd;
  /* the file itself: replacing a link replaces the link, but what it holds now is read first
   * (the hash check), so a link out is refused as well; a layer's file is never one */
  if (fstatat(fd, wd->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
    if (wd->layer) {
      rc = layer_link(path, strlen(path), err, errlen);
    } else {
      int t = stance_open_write_target(root, wd, O_RDONLY | O_NONBLOCK | O_NOCTTY);
      if (t >= 0) close(t);
      rc = t == STANCE_EOUTSIDE ? fail(t, path, err, errlen) : 0;
    }
    if (rc != 0) {
      close(fd);
      wd->fd = -1;
      return rc;
    }
  }
  return 0;
}

int stance_open_write_target(const char *root, const stance_write_dir *wd, int flags) {
  char rel[PATH_MAX];
  int fd, n;
  struct stat st;
  fd = openat(wd->fd, wd->name, flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) return fd;
  fd = -errno;
  if ((fd != -ELOOP && fd != -EMLINK) || fstatat(wd->fd, wd->name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISLNK(st.st_mode))
    return fd;
  /* a link: where it leads from the folder walked, below the root only */
  n = snprintf(rel, sizeof rel, "%s%s%s", wd->below, wd->below[0] ? "/" : "", wd->name);
  if (n < 0 || (size_t)n >= sizeof rel) return -ENAMETOOLONG;
  if ((fd = open_root(root)) < 0) return fd;
  return walk_below(fd, root, rel, flags, (size_t)-1, NULL, NULL, 0);
}

int stance_mkdir_inside(const char *root, const char *path, char *err, size_t errlen) {
  size_t rl = strlen(root);
  const char *rel;
  int fd;
  while (rl > 1 && root[rl - 1] == '/') rl--;
  if (rl == 1 && root[0] == '/' && path[0] == '/') {
    rel = path + 1;
  } else if (rl > 0 && strncmp(path, root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0')) {
    rel = path + rl;
  } else {
    return fail(STANCE_EOUTSIDE, path, err, errlen);
  }
  if (strlen(rel) >= PATH_MAX) return fail(-ENAMETOOLONG, path, err, errlen);
  if ((fd = open_root(root)) < 0) return fail(fd, root, err, errlen);
  fd = walk_below(fd, root, rel, O_RDONLY | O_DIRECTORY | O_NOCTTY, (size_t)-1, NULL, NULL, 1);
  if (fd < 0) return fail(fd, path, err, errlen);
  close(fd);
  return 0;
}
