/*
 * atomic.c - atomic file replacement under a lock (see atomic.h).
 */
#if defined(__linux__)
#define _GNU_SOURCE /* sync_file_range, syncfs */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/statfs.h>
#include <sys/utsname.h>
#endif

#include <uv.h>

#include "atomic.h"
#include "clock.h"
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

static unsigned long long now_ms(void) { return (unsigned long long)(stance_now_ns(CLOCK_MONOTONIC) / 1000000); }

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

/* `path` (a lock's, a temporary file's, the file's own) as openat and the others take it with
 * `dirfd`: whole with AT_FDCWD, else its last part (its folder is the one open at dirfd). */
static const char *at_name(int dirfd, const char *path) {
  const char *slash;
  if (dirfd == AT_FDCWD) return path;
  slash = strrchr(path, '/');
  return slash != NULL ? slash + 1 : path;
}

/* ---- the lock -------------------------------------------------------------------------------- */

static int no_flock(int e) {
  return e == EOPNOTSUPP || e == ENOLCK || e == ENOSYS || e == EINVAL
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
         || e == ENOTSUP
#endif
      ;
}

/* Whether the exclusive lock file of `l` (with status `st`) belongs to nobody any more. */
static int excl_stale(const stance_lock *l, const struct stat *st) {
  char buf[512], host[256];
  int fd = openat(l->dirfd, at_name(l->dirfd, l->path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), n;
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
  const char *name = at_name(l->dirfd, l->path);
  int fd = openat(l->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd >= 0) {
    if (gethostname(host, sizeof host) != 0) strcpy(host, "?");
    host[sizeof host - 1] = '\0';
    snprintf(info, sizeof info, "%ld %s\n", (long)getpid(), host);
    if (write_all(fd, info, strlen(info)) != 0) {
      int e = errno;
      close(fd);
      unlinkat(l->dirfd, name, 0);
      errno = e;
      return -1;
    }
    l->fd = fd;
    l->excl = 1;
    return 0;
  }
  if (errno != EEXIST) return -1;
  if (fstatat(l->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (S_ISLNK(st.st_mode) || excl_stale(l, &st))) {
    /* break it: move it aside, and remove it only if it is still the one found stale */
    char aside_path[4200];
    const char *aside;
    struct stat moved;
    snprintf(aside_path, sizeof aside_path, "%s.broken-%ld", l->path, (long)getpid());
    aside = at_name(l->dirfd, aside_path);
    if (renameat(l->dirfd, name, l->dirfd, aside) == 0) {
      if (fstatat(l->dirfd, aside, &moved, AT_SYMLINK_NOFOLLOW) == 0 && moved.st_ino == st.st_ino &&
          moved.st_dev == st.st_dev)
        unlinkat(l->dirfd, aside, 0);
      else if (linkat(l->dirfd, aside, l->dirfd, name, 0) == 0 || errno == EEXIST)
        unlinkat(l->dirfd, aside, 0); /* a live lock taken by mistake: put back */
    }
  }
  return 1;
}

static int lock_files_only;

void stance_lock_use_files(int on) { lock_files_only = on != 0; }

/* stance_lock_acquire that tells a lock still held by another at the end of `wait_ms` (1) from
 * an error (-1); in the folder open at `dirfd` (the lock's name there), or by path
 * (AT_FDCWD). */
static int lock_take(stance_lock *l, int dirfd, const char *target, unsigned wait_ms, char *err, size_t errlen) {
  unsigned long long deadline = now_ms() + wait_ms;
  unsigned pause = 1;
  int use_excl = lock_files_only;
  const char *name;
  l->fd = -1;
  l->excl = 0;
  l->dirfd = dirfd;
  if (stance_side_path(target, ".lock", l->path, sizeof l->path) != 0) {
    snprintf(err, errlen, "%s: path too long", target);
    return -1;
  }
  name = at_name(dirfd, l->path);
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
      int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
      if (fd < 0) {
        if (errno == ELOOP || errno == EMLINK) { /* a link planted there: not ours to follow */
          unlinkat(dirfd, name, 0);
          continue;
        }
        snprintf(err, errlen, "cannot lock %s (%s): %s", target, l->path, strerror(errno));
        return -1;
      }
      if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        /* still the lock file at that name? (its last holder removes it when done) */
        if (fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
          l->fd = fd;
          return 0;
        }
        close(fd);
        continue;
      }
      busy = errno == EWOULDBLOCK || errno == EAGAIN || errno == EINTR;
      if (!busy && no_flock(errno)) {
        close(fd);
        unlinkat(dirfd, name, 0);
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
      snprintf(err, errlen, "%s is being written by another process (its lock %s was held the %u.%03u s waited)",
               target, l->path, wait_ms / 1000, wait_ms % 1000);
      return 1;
    }
    sleep_ms(pause);
    if (pause < 32) pause *= 2;
  }
}

int stance_lock_acquire(stance_lock *l, const char *target, unsigned wait_ms, char *err, size_t errlen) {
  return lock_take(l, AT_FDCWD, target, wait_ms, err, errlen) == 0 ? 0 : -1;
}

int stance_lock_try(stance_lock *l, const char *target, unsigned wait_ms, char *err, size_t errlen) {
  return lock_take(l, AT_FDCWD, target, wait_ms, err, errlen);
}

void stance_lock_release(stance_lock *l) {
  if (l->fd < 0) return;
  /* while held: whoever opened it before sees it is gone, and retries */
  unlinkat(l->dirfd, at_name(l->dirfd, l->path), 0);
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

/* The status of the file f replaces, as a reader sees it (a link followed: below the root
 * only, given one). 0, or a negative errno (-ENOENT: none) or STANCE_EOUTSIDE. */
static int target_stat(const stance_atomic *f, struct stat *st) {
  int fd, rc = 0;
  if (f->wd == NULL) return stat(f->path, st) == 0 ? 0 : -errno;
  if (fstatat(f->dirfd, f->wd->name, st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (!S_ISLNK(st->st_mode)) return 0;
  if ((fd = stance_open_write_target(f->root, f->wd, O_RDONLY | O_NONBLOCK | O_NOCTTY)) < 0) return fd;
  if (fstat(fd, st) != 0) rc = -errno;
  close(fd);
  return rc;
}

/* SHA-256 of the file f replaces into `hex` ("" when it does not exist). 0, -EINVAL (not a
 * regular file), another negative errno, or STANCE_EOUTSIDE. */
static int target_hash(const stance_atomic *f, char *hex) {
  unsigned char buf[65536];
  uint64_t size;
  int fd, rc;
  if (f->wd == NULL) return current_hash(f->path, hex);
  fd = stance_open_write_target(f->root, f->wd, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (fd == -ENOENT) {
    hex[0] = '\0';
    return 0;
  }
  if (fd < 0) return fd;
  rc = stance_hash_fd(fd, hex, &size, buf, sizeof buf, NULL);
  close(fd);
  return rc;
}

/* Open the temporary file beside f->path (the lock is held: the name is ours; whatever a
 * killed writer left there is removed, and a link there is never followed). */
static int open_tmp(stance_atomic *f, char *err, size_t errlen) {
  struct stat st;
  const char *tmp;
  f->have_old = target_stat(f, &st) == 0;
  f->mode = f->have_old ? (unsigned)(st.st_mode & 07777) : 0666;
  if (stance_side_path(f->path, ".tmp", f->tmp, sizeof f->tmp) != 0) {
    snprintf(err, errlen, "%s: path too long", f->path);
    return -1;
  }
  tmp = at_name(f->dirfd, f->tmp);
  /* O_EXCL with 0666: a new file gets the umask applied, as any other new file would */
  f->fd = openat(f->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, f->have_old ? 0600 : 0666);
  if (f->fd < 0 && errno == EEXIST) {
    if (unlinkat(f->dirfd, tmp, 0) != 0 && errno != ENOENT) {
      snprintf(err, errlen, "cannot remove %s: %s", f->tmp, strerror(errno));
      f->tmp[0] = '\0';
      return -1;
    }
    f->fd = openat(f->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, f->have_old ? 0600 : 0666);
  }
  if (f->fd < 0) {
    snprintf(err, errlen, "cannot create a temporary file in %s: %s", f->dir, strerror(errno));
    f->tmp[0] = '\0';
    return -1;
  }
  return 0;
}

/* `f` ready for `path` (nothing open), in the folder `wd` holds (NULL: by path). */
static void atomic_init(stance_atomic *f, const char *root, const stance_write_dir *wd) {
  memset(f, 0, sizeof *f);
  f->fd = -1;
  f->lock.fd = -1;
  f->lock.dirfd = AT_FDCWD;
  f->dirfd = wd != NULL ? wd->fd : AT_FDCWD;
  f->root = wd != NULL ? root : NULL;
  f->wd = wd;
}

/* Ready `f` for `path` and take its lock, waiting up to `wait_ms`: 0, 1 (still held by
 * another), -1. */
static int start_waiting(stance_atomic *f, const char *path, const char *root, const stance_write_dir *wd,
                         unsigned wait_ms, char *err, size_t errlen) {
  atomic_init(f, root, wd);
  if (strlen(path) >= sizeof f->path) {
    snprintf(err, errlen, "%s: path too long", path);
    return -1;
  }
  strcpy(f->path, path);
  dir_of(path, f->dir, sizeof f->dir);
  return lock_take(&f->lock, f->dirfd, path, wait_ms, err, errlen);
}

int stance_atomic_open(stance_atomic *f, const char *path, char *err, size_t errlen) {
  if (start_waiting(f, path, NULL, NULL, STANCE_LOCK_WAIT_MS, err, errlen) != 0) return -1;
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
  if (f->tmp[0]) unlinkat(f->dirfd, at_name(f->dirfd, f->tmp), 0);
  f->tmp[0] = '\0';
  stance_lock_release(&f->lock);
}

int stance_atomic_commit(stance_atomic *f, int durable, char *err, size_t errlen) {
  int fd;
  /* the mode first: the fsync then carries it with the data (after the fsync, only the
   * folder's flush would, and only on a file system whose journal is one for all) */
  if (f->failed || (f->have_old && fchmod(f->fd, (mode_t)f->mode) != 0) || (durable && fsync(f->fd) != 0)) {
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
  if (renameat(f->dirfd, at_name(f->dirfd, f->tmp), f->dirfd, at_name(f->dirfd, f->path)) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", f->path, strerror(errno));
    stance_atomic_abort(f);
    return -1;
  }
  f->tmp[0] = '\0';
  /* The rename itself must reach the disk too: the folder held, or the one at its path. */
  if (durable && f->dirfd != AT_FDCWD) {
    fsync(f->dirfd);
  } else if (durable && (fd = open(f->dir, O_RDONLY | O_CLOEXEC)) >= 0) {
    fsync(fd);
    close(fd);
  }
  stance_lock_release(&f->lock);
  return 0;
}

static void (*race_hook)(int step, const char *path, void *arg);
static void *race_hook_arg;

void stance_atomic_test_hook(void (*fn)(int step, const char *path, void *arg), void *arg) {
  race_hook = fn;
  race_hook_arg = arg;
}

#define RACE_HOOK(step, path) \
  do { \
    if (race_hook != NULL) race_hook((step), (path), race_hook_arg); \
  } while (0)

/* Whether the file f replaces is what `o` expects, under its lock: 0 yes, 1 no, -1 error. */
static int still_expected(const stance_atomic *f, const stance_write_opts *o, char *err, size_t errlen) {
  const char *path = f->path;
  if (o->expect_hex != NULL) {
    char now[STANCE_HASH_HEXLEN + 1];
    int rc = target_hash(f, now);
    if (rc != 0) {
      snprintf(err, errlen, "%s: %s", path,
               rc == -EINVAL           ? "not a regular file"
               : rc == STANCE_EOUTSIDE ? "leads outside the corpus (links and .. are resolved)"
                                       : strerror(-rc));
      return -1;
    }
    if (strcmp(now, o->expect_hex) != 0) {
      snprintf(err, errlen, "%s changed on disk since it was read", path);
      return 1;
    }
  } else if (o->expect_stamp != NULL) {
    char now[128];
    struct stat st;
    int rc = target_stat(f, &st);
    if (rc != 0) {
      if (rc != -ENOENT) {
        snprintf(err, errlen, "%s: %s", path,
                 rc == STANCE_EOUTSIDE ? "leads outside the corpus (links and .. are resolved)" : strerror(-rc));
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

/* Under the lock, just before the temporary file and the rename: a layer's file that became
 * a link since the folder was opened is not replaced either. 0, or -1 with a message. */
static int layer_file_still_own(const stance_atomic *f, char *err, size_t errlen) {
  struct stat st;
  if (f->wd == NULL || !f->wd->layer) return 0;
  if (fstatat(f->dirfd, f->wd->name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode)) return 0;
  snprintf(err, errlen, "%s: a symbolic link: a layer's file and folders must be its own; not written through",
           f->path);
  return -1;
}

int stance_write_file(const char *path, const char *data, size_t len, const stance_write_opts *o, char *err,
                      size_t errlen) {
  stance_atomic f;
  stance_write_dir wd;
  int rc;
  /* given a root: the folder checked is the folder held, and every write below is in it */
  if (o->root != NULL && stance_open_write_dir(o->root, path, &wd, err, errlen) != 0) return -1;
  if (o->root != NULL) RACE_HOOK(1, path);
  if (o->new_hex != NULL && stance_hash_buffer(data, len, o->new_hex) != 0) {
    const char *why = stance_hash_error();
    snprintf(err, errlen, "%s: hashing failed%s%s", path, why != NULL ? ": " : "", why != NULL ? why : "");
    rc = -1;
    goto done;
  }
  rc = start_waiting(&f, path, o->root, o->root != NULL ? &wd : NULL,
                     o->lock_wait_ms ? o->lock_wait_ms : STANCE_LOCK_WAIT_MS, err, errlen);
  if (rc != 0) {
    rc = rc == 1 ? 2 : -1;
    goto done;
  }
  if ((rc = still_expected(&f, o, err, errlen)) != 0) {
    stance_lock_release(&f.lock);
    goto done;
  }
  if (o->root != NULL) RACE_HOOK(2, path);
  if (layer_file_still_own(&f, err, errlen) != 0 || open_tmp(&f, err, errlen) != 0) {
    stance_lock_release(&f.lock);
    rc = -1;
    goto done;
  }
  stance_atomic_write(&f, data, len);
  /* the commit releases the lock: the stamp is taken before, from the new file (size, time
   * and inode do not change when it is renamed, nor with the commit's fchmod and fsync) */
  if (o->new_stamp != NULL) {
    struct stat st;
    if (fstat(f.fd, &st) == 0)
      stance_stamp_of(&st, o->new_stamp, o->new_stamp_len); /* the same inode after the rename */
    else
      o->new_stamp[0] = '\0';
  }
  rc = stance_atomic_commit(&f, o->durable, err, errlen) != 0 ? -1 : 0;
done:
  if (o->root != NULL) close(wd.fd);
  return rc;
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
  return stance_append_file_wait(path, data, len, expect_size, expect_stamp, root, 0, stamp_out, stamp_len, err,
                                 errlen);
}

/* The append of stance_append_file_wait, its lock held, into the file open at `fd`. */
static int append_locked(int fd, const char *path, const char *data, size_t len, uint64_t expect_size,
                         const char *expect_stamp, char *stamp_out, size_t stamp_len, char *err, size_t errlen) {
  struct stat st;
  char now[128];
  size_t done = 0;
  int rc = 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != expect_size) {
    rc = 1;
  } else if (expect_stamp != NULL) {
    stance_stamp_of(&st, now, sizeof now);
    if (strcmp(now, expect_stamp) != 0) rc = 1;
  }
  if (rc == 1) {
    snprintf(err, errlen, "%s changed on disk since it was written", path);
    close(fd);
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
      return -1;
    }
    done += (size_t)n;
  }
  if (fdatasync(fd) != 0) {
    int e = errno;
    (void)!ftruncate(fd, (off_t)expect_size);
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
    close(fd);
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
    return -1;
  }
  return 0;
}

int stance_append_file_wait(const char *path, const char *data, size_t len, uint64_t expect_size,
                            const char *expect_stamp, const char *root, unsigned wait_ms, char *stamp_out,
                            size_t stamp_len, char *err, size_t errlen) {
  stance_lock lock;
  stance_write_dir wd;
  int dirfd = AT_FDCWD, fd, rc;
  /* given a root: the folder checked is the folder held, and the append is in it */
  if (root != NULL) {
    if (stance_open_write_dir(root, path, &wd, err, errlen) != 0) return -1;
    dirfd = wd.fd;
    RACE_HOOK(1, path);
  }
  if ((rc = lock_take(&lock, dirfd, path, wait_ms ? wait_ms : STANCE_LOCK_WAIT_MS, err, errlen)) != 0) {
    rc = rc == 1 ? 2 : -1;
    goto done;
  }
  if (root != NULL) RACE_HOOK(2, path);
  fd = openat(dirfd, at_name(dirfd, path), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    rc = -1;
  } else {
    rc = append_locked(fd, path, data, len, expect_size, expect_stamp, stamp_out, stamp_len, err, errlen);
  }
  stance_lock_release(&lock);
done:
  if (root != NULL) close(wd.fd);
  return rc;
}

/* ---- several files at once ----------------------------------------------------------- */

/* Every temporary file is written (its lock held up to its rename); then all of them reach
 * the disk in one flush: one syncfs(2) per file system where Linux guarantees that it is an
 * fsync of every file on it, else an fsync each (their write-out started as each was
 * written), on threads so that the disk sees them together; then the renames; then each
 * folder once. (An fsync of one file for all, as git's core.fsyncMethod=batch, does not carry
 * the other files' inodes on a file system without a journal, such as ext4 made without one.) */

#define SHARED_LOCK (-2) /* pending_file.lock_fd of a name of the batch's shared lock */

typedef struct pending_file {
  char *tmp;       /* the temporary file, written and closed; NULL once renamed or removed */
  char *lock_path; /* the file's lock, while it is held from the write to the rename */
  int lock_fd;     /* its descriptor, or SHARED_LOCK */
  int lock_excl;
  size_t folder; /* index in the batch's folders */
  dev_t dev;     /* the temporary file's identity: another writer of the same file replaces */
  ino_t ino;     /*   it (under the lock) when the lock was let go meanwhile */
} pending_file;

typedef struct batch_folder {
  char *path;
  size_t first; /* its first file */
  int device;   /* index in the batch's devices, -1 when none */
} batch_folder;

#define BATCH_DEVICES 8

typedef struct batch_device {
  dev_t dev;
  int fd;     /* a folder on it, opened before anything was written there: syncfs through it
                 reports every write error on the file system since */
  int fits;   /* syncfs is an fsync of every file there (batch_syncfs_fits) */
  int syncfs; /* the files there are flushed with syncfs */
  size_t files, folders, first;
} batch_device;

typedef struct batch {
  const stance_atomic_file *files;
  pending_file *p;
  size_t n;
  batch_folder *folders;
  size_t nfolders, capfolders;
  batch_device devices[BATCH_DEVICES];
  int ndevices;
  size_t held, budget; /* locks held now, and how many may be with a descriptor each */
  /* The batch's shared lock: one lock file, held through one descriptor, and a hard link to
   * it as the lock of each other file (a lock file another process opens there is this one,
   * and held), so that a batch makes one file for its locks, not one per file; a name is let
   * go by removing it, the file once no name is left. */
  int shared_fd, shared_excl;
  size_t shared_names;
  char shared_path[4096];
  uint64_t bytes;
  int threads;
} batch;

static void (*many_hook)(int step, void *arg);
static void *many_hook_arg;

void stance_atomic_many_test_hook(void (*fn)(int step, void *arg), void *arg) {
  many_hook = fn;
  many_hook_arg = arg;
}

static char *dup_str(const char *s) {
  size_t len = strlen(s) + 1;
  char *d = malloc(len);
  if (d != NULL) memcpy(d, s, len);
  return d;
}

/* How many locks a batch may hold at once: each is a descriptor; half of what the process may
 * open, less a reserve, is left to everything else. */
static size_t lock_budget(void) {
  struct rlimit rl;
  rlim_t soft = 256;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) soft = rl.rlim_cur;
  if (soft == RLIM_INFINITY || soft > 8192) soft = 8192;
  return soft >= 512 ? (size_t)(soft / 2 - 128) : 0;
}

#if defined(__linux__)
/* Whether syncfs(2) on the file system of `fd` is an fsync of every file on it that reports
 * their write errors: Linux waits for the writes (sync(2), NOTES), and reports write-back
 * errors of any file through syncfs since 5.8; on these file systems, which flush their own
 * caches and the disk's (a FUSE or network file system may not). */
static int batch_syncfs_fits(int fd) {
  struct utsname u;
  struct statfs s;
  int major = 0, minor = 0;
  if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2) return 0;
  if (major < 5 || (major == 5 && minor < 8) || fstatfs(fd, &s) != 0) return 0;
  switch ((unsigned long)s.f_type) {
  case 0xEF53UL:     /* ext2, ext3, ext4 */
  case 0x58465342UL: /* xfs */
  case 0x9123683EUL: /* btrfs */
  case 0xF2F52010UL: /* f2fs */
  case 0x01021994UL: /* tmpfs (nothing to flush) */
    return 1;
  default:
    return 0;
  }
}

/* Bytes waiting to be written out on the whole system (Dirty + Writeback of /proc/meminfo):
 * a syncfs waits for those of its file system too. */
static uint64_t dirty_bytes(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[160];
  unsigned long long kb, sum = 0;
  if (f == NULL) return 0;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "Dirty: %llu", &kb) == 1 || sscanf(line, "Writeback: %llu", &kb) == 1) sum += kb;
  fclose(f);
  return (uint64_t)sum * 1024u;
}
#endif

/* Let go of file i's lock when the batch holds it. */
static void let_go(batch *b, size_t i) {
  pending_file *p = &b->p[i];
  if (p->lock_path == NULL) return;
  if (p->lock_fd == SHARED_LOCK) {
    unlink(p->lock_path); /* the others still hold theirs: the file goes with the last name */
    if (--b->shared_names == 0) {
      close(b->shared_fd);
      b->shared_fd = -1;
    }
  } else {
    stance_lock l;
    l.fd = p->lock_fd;
    l.excl = p->lock_excl;
    l.dirfd = AT_FDCWD;
    snprintf(l.path, sizeof l.path, "%s", p->lock_path);
    stance_lock_release(&l);
  }
  free(p->lock_path);
  p->lock_path = NULL;
  b->held--;
}

static void let_go_all(batch *b) {
  size_t i;
  for (i = 0; i < b->n && b->held > 0; i++) let_go(b, i);
}

/* Take file i's lock. Never waits for one lock while holding others (two batches over the
 * same files in another order would wait for each other): when it is not free at once, the
 * held ones are let go first (their files are checked again before their renames). */
static int lock_file(batch *b, size_t i, stance_lock *l, char *err, size_t errlen) {
  if (b->held > 0) {
    int rc = lock_take(l, AT_FDCWD, b->files[i].path, 0, err, errlen);
    if (rc <= 0) return rc;
    let_go_all(b);
  }
  return stance_lock_acquire(l, b->files[i].path, STANCE_LOCK_WAIT_MS, err, errlen);
}

/* 0 when `path` is as `expect_hex` wants it; 1 (with a message) when not; -1 on error. */
static int expectation_holds(const char *path, const char *expect_hex, char *err, size_t errlen) {
  char now[STANCE_HASH_HEXLEN + 1];
  int rc;
  if (expect_hex == NULL) return 0;
  rc = current_hash(path, now);
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", path, rc == -EINVAL ? "not a regular file" : strerror(-rc));
    return -1;
  }
  if (strcmp(now, expect_hex) != 0) {
    snprintf(err, errlen, expect_hex[0] ? "%s changed on disk since it was read" : "%s exists already", path);
    return 1;
  }
  return 0;
}

/* Whether p's temporary file is still the one written (not replaced by another writer of
 * the same file, which removes what a killed writer left). */
static int still_ours(const pending_file *p) {
  struct stat st;
  return p->tmp != NULL && lstat(p->tmp, &st) == 0 && st.st_dev == p->dev && st.st_ino == p->ino;
}

/* The folder of file i in the batch's list (opened on Linux, before anything is written in
 * it, to know its file system). 0 or -1. */
static int add_folder(batch *b, size_t i, char *err, size_t errlen) {
  char dir[4096];
  size_t k;
  batch_folder *fo;
  dir_of(b->files[i].path, dir, sizeof dir);
  if (i > 0 && strcmp(b->folders[b->p[i - 1].folder].path, dir) == 0) {
    k = b->p[i - 1].folder;
  } else {
    for (k = 0; k < b->nfolders; k++)
      if (strcmp(b->folders[k].path, dir) == 0) break;
  }
  if (k == b->nfolders) {
    if (b->nfolders == b->capfolders) {
      size_t cap = b->capfolders ? b->capfolders * 2 : 8;
      batch_folder *grown;
      if (cap > SIZE_MAX / sizeof *grown || (grown = realloc(b->folders, cap * sizeof *grown)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      b->folders = grown;
      b->capfolders = cap;
    }
    fo = &b->folders[k];
    if ((fo->path = dup_str(dir)) == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    fo->first = i;
    fo->device = -1;
    b->nfolders++;
#if defined(__linux__)
    {
      struct stat st;
      int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), d;
      if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot write %s: its folder %s: %s", b->files[i].path, dir, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
      }
      for (d = 0; d < b->ndevices; d++)
        if (b->devices[d].dev == st.st_dev) break;
      if (d == b->ndevices && d < BATCH_DEVICES) {
        batch_device *dv = &b->devices[d];
        memset(dv, 0, sizeof *dv);
        dv->dev = st.st_dev;
        dv->fd = fd;
        dv->fits = batch_syncfs_fits(fd);
        dv->first = i;
        b->ndevices++;
        fd = -1;
      }
      if (fd >= 0) close(fd);
      if (d < b->ndevices) {
        fo->device = d;
        b->devices[d].folders++;
      }
    }
#endif
  }
  b->p[i].folder = k;
  if (b->folders[k].device >= 0) b->devices[b->folders[k].device].files++;
  return 0;
}

/* Write file i to its temporary file (".NAME.tmp", made under the file's lock, after its
 * expectation is checked under it), start its write-out, close it, and keep the lock while
 * the budget allows. 0, 1 (the expectation failed), -1. */
static int write_one(batch *b, size_t i, char *err, size_t errlen) {
  const stance_atomic_file *file = &b->files[i];
  pending_file *p = &b->p[i];
  stance_atomic f;
  struct stat st;
  int e, rc;
  atomic_init(&f, NULL, NULL);
  if (strlen(file->path) >= sizeof f.path) {
    snprintf(err, errlen, "%s: path too long", file->path);
    return -1;
  }
  strcpy(f.path, file->path);
  dir_of(f.path, f.dir, sizeof f.dir);
  if (b->shared_fd >= 0 && stance_side_path(f.path, ".lock", f.lock.path, sizeof f.lock.path) == 0 &&
      link(b->shared_path, f.lock.path) == 0) {
    f.lock.fd = SHARED_LOCK; /* held: the shared lock's file (else another holds it, or no links here) */
    f.lock.excl = b->shared_excl;
  } else if (lock_file(b, i, &f.lock, err, errlen) != 0) {
    return -1;
  }
  rc = expectation_holds(f.path, file->expect_hex, err, errlen);
  if (rc == 0 && lstat(f.path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    snprintf(err, errlen, "cannot replace %s: not a regular file", f.path);
    rc = -1;
  }
  if (rc == 0 && open_tmp(&f, err, errlen) != 0) rc = -1;
  if (rc == 0 && (p->tmp = dup_str(f.tmp)) == NULL) {
    close(f.fd);
    unlink(f.tmp);
    snprintf(err, errlen, "out of memory");
    rc = -1;
  }
  if (rc == 0 && (p->lock_path = dup_str(f.lock.path)) == NULL) {
    close(f.fd);
    unlink(f.tmp);
    free(p->tmp);
    p->tmp = NULL;
    snprintf(err, errlen, "out of memory");
    rc = -1;
  }
  if (rc != 0) {
    if (f.lock.fd == SHARED_LOCK)
      unlink(f.lock.path);
    else
      stance_lock_release(&f.lock);
    return rc;
  }
  /* the batch holds the lock from here (let_go) */
  p->lock_fd = f.lock.fd;
  p->lock_excl = f.lock.excl;
  b->held++;
  if (f.lock.fd == SHARED_LOCK) b->shared_names++;
  f.lock.fd = -1;
  stance_atomic_write(&f, file->data, file->len);
  e = f.failed;
  if (e == 0 && f.have_old && fchmod(f.fd, (mode_t)f.mode) != 0) e = errno;
  if (e == 0 && fstat(f.fd, &st) != 0) e = errno;
#if defined(__linux__)
  /* when it is to be fsynced, its write-out starts now, while the next ones are written: a
   * hint (the fsync waits for it and reports its errors). Not before a syncfs, which writes
   * them all out together for less (40 ms of CPU for 800 small files instead of 60). */
  {
    int dev = b->folders[p->folder].device;
    if (e == 0 && (dev < 0 || !b->devices[dev].fits || b->n < 8))
      (void)sync_file_range(f.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  }
#endif
  if (close(f.fd) != 0 && e == 0) e = errno;
  f.fd = -1;
  if (e != 0) {
    snprintf(err, errlen, "cannot write %s: %s", f.tmp, strerror(e));
    unlink(f.tmp);
    free(p->tmp);
    p->tmp = NULL;
    let_go(b, i);
    return -1;
  }
  p->dev = st.st_dev;
  p->ino = st.st_ino;
  if (p->lock_fd != SHARED_LOCK) {
    if (b->shared_fd < 0) { /* the batch's shared lock from now on */
      snprintf(b->shared_path, sizeof b->shared_path, "%s", p->lock_path);
      b->shared_fd = p->lock_fd;
      b->shared_excl = p->lock_excl;
      b->shared_names = 1;
      p->lock_fd = SHARED_LOCK;
    } else if (b->held - b->shared_names > b->budget) {
      let_go(b, i); /* a descriptor each: as many as the budget allows, the others let go */
    }
  }
  return 0;
}

typedef struct flush_work {
  const char **paths;
  int *errors;
  size_t n, next;
  int locked; /* the mutex could be made (else one thread does it all) */
  uv_mutex_t lock;
} flush_work;

static void flush_some(void *arg) {
  flush_work *w = arg;
  for (;;) {
    size_t i;
    int fd;
    if (w->locked) uv_mutex_lock(&w->lock);
    i = w->next++;
    if (w->locked) uv_mutex_unlock(&w->lock);
    if (i >= w->n) return;
    /* fsync through a descriptor opened for reading flushes the file all the same (on
     * Linux and the BSDs; a folder can only be opened so) */
    fd = open(w->paths[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      w->errors[i] = errno;
      continue;
    }
    if (fsync(fd) != 0 && errno != EINVAL && errno != EBADF) w->errors[i] = errno;
    close(fd);
  }
}

/* fsync paths[0..n) on up to `threads` threads: the disk sees the flushes together instead
 * of one after another. errors[i]: 0 or errno. */
static void flush_paths(const char **paths, int *errors, size_t n, int threads) {
  flush_work w;
  uv_thread_t tids[32];
  int i, started = 0;
  if (n == 0) return;
  w.paths = paths;
  w.errors = errors;
  w.n = n;
  w.next = 0;
  w.locked = uv_mutex_init(&w.lock) == 0;
  if (threads > 32) threads = 32;
  if ((size_t)threads > n) threads = (int)n;
  for (i = 1; w.locked && i < threads; i++)
    if (uv_thread_create(&tids[started], flush_some, &w) == 0) started++;
  flush_some(&w);
  for (i = 0; i < started; i++) uv_thread_join(&tids[i]);
  if (w.locked) uv_mutex_destroy(&w.lock);
}

/* The temporary files on disk: syncfs for the file systems that take it, fsync for the rest.
 * 0, or -1 with *failed and a message. */
static int flush_files(batch *b, size_t *failed, char *err, size_t errlen) {
  const char **paths = NULL;
  int *errors, d, any = 0;
  size_t i, m = 0;
#if defined(__linux__)
  uint64_t limit = b->bytes > UINT64_MAX / 16 ? UINT64_MAX : b->bytes * 16;
  if (limit < (uint64_t)128 << 20) limit = (uint64_t)128 << 20;
  for (d = 0; d < b->ndevices; d++) any |= b->devices[d].fits && b->devices[d].files >= 8;
  /* syncfs writes out the whole file system's waiting data: not when others have much of it */
  if (any && dirty_bytes() <= limit) {
    for (d = 0; d < b->ndevices; d++) {
      batch_device *dv = &b->devices[d];
      if (!dv->fits || dv->files < 8) continue;
      dv->syncfs = 1;
      if (syncfs(dv->fd) != 0) {
        *failed = dv->first;
        snprintf(err, errlen, "cannot write %s and the others in its file system: %s", b->files[dv->first].path,
                 strerror(errno));
        return -1;
      }
    }
  }
#else
  (void)d;
  (void)any;
#endif
  if (b->n > SIZE_MAX / sizeof *paths || (paths = malloc(b->n * sizeof *paths)) == NULL ||
      (errors = calloc(b->n, sizeof *errors)) == NULL) {
    free(paths);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < b->n; i++) {
    int dev = b->folders[b->p[i].folder].device;
    if (dev < 0 || !b->devices[dev].syncfs) paths[m++] = b->p[i].tmp;
  }
  flush_paths(paths, errors, m, b->threads);
  for (i = 0; i < m; i++) {
    if (errors[i] != 0) {
      size_t k;
      for (k = 0; k < b->n && b->p[k].tmp != paths[i]; k++) {
      }
      *failed = k;
      snprintf(err, errlen, "cannot write %s: %s", paths[i], strerror(errors[i]));
      break;
    }
  }
  free(paths);
  free(errors);
  return i < m ? -1 : 0;
}

/* The folders of files[0..upto) on disk (their renames): one syncfs for a file system where
 * the files were flushed so and that holds several of them, an fsync each for the others.
 * 0, or -1 with *failed (the first file of the folder) and a message. */
static int flush_folders(batch *b, size_t upto, size_t *failed, char *err, size_t errlen) {
  const char **paths;
  int *errors, d;
  size_t i, m = 0, *which;
#if defined(__linux__)
  for (d = 0; d < b->ndevices; d++) {
    batch_device *dv = &b->devices[d];
    if (!dv->syncfs || dv->folders <= 2 || dv->first >= upto) continue;
    if (syncfs(dv->fd) != 0) {
      *failed = dv->first;
      snprintf(err, errlen, "%s and the others were replaced, but their file system could not be flushed: %s",
               b->files[dv->first].path, strerror(errno));
      return -1;
    }
    dv->syncfs = 2; /* its folders are flushed */
  }
#else
  (void)d;
#endif
  if (b->nfolders > SIZE_MAX / sizeof *which || (paths = malloc(b->nfolders * sizeof *paths)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  errors = calloc(b->nfolders, sizeof *errors);
  which = malloc(b->nfolders * sizeof *which);
  if (errors == NULL || which == NULL) {
    free(paths);
    free(errors);
    free(which);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < b->nfolders; i++) {
    batch_folder *fo = &b->folders[i];
    if (fo->first >= upto || (fo->device >= 0 && b->devices[fo->device].syncfs == 2)) continue;
    which[m] = i;
    paths[m++] = fo->path;
  }
  flush_paths(paths, errors, m, b->threads);
  for (i = 0; i < m && errors[i] == 0; i++) {
  }
  if (i < m) {
    *failed = b->folders[which[i]].first;
    snprintf(err, errlen, "%s was replaced, but its folder could not be flushed: %s",
             b->files[b->folders[which[i]].first].path, strerror(errors[i]));
  }
  free(paths);
  free(errors);
  free(which);
  return i < m ? -1 : 0;
}

/* File i's temporary file renamed over it, under its lock; when the lock was let go since
 * the write, after a last look at what it replaces. 0, 1 (changed), -1. */
static int rename_one(batch *b, size_t i, char *err, size_t errlen) {
  const stance_atomic_file *file = &b->files[i];
  pending_file *p = &b->p[i];
  stance_lock lock;
  int rc = 0, held = p->lock_path != NULL;
  if (!held) {
    if (lock_file(b, i, &lock, err, errlen) != 0) return -1;
    rc = expectation_holds(file->path, file->expect_hex, err, errlen);
    if (rc == 0 && !still_ours(p)) {
      snprintf(err, errlen, "%s was written by another process meanwhile", file->path);
      rc = 1;
    }
  }
  if (rc == 0 && rename(p->tmp, file->path) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", file->path, strerror(errno));
    rc = -1;
  }
  if (rc == 0) {
    free(p->tmp);
    p->tmp = NULL;
  }
  if (held)
    let_go(b, i);
  else
    stance_lock_release(&lock);
  return rc;
}

/* Remove the temporary files not renamed (under their locks: only when still ours), let go
 * of every lock, free all. */
static void batch_free(batch *b) {
  size_t i;
  int d;
  for (i = 0; i < b->n; i++) {
    if (b->p[i].tmp != NULL && b->p[i].lock_path != NULL) {
      unlink(b->p[i].tmp);
      free(b->p[i].tmp);
      b->p[i].tmp = NULL;
    }
  }
  let_go_all(b);
  for (i = 0; i < b->n; i++) {
    if (b->p[i].tmp != NULL) {
      stance_lock lock;
      char err[64];
      if (stance_lock_acquire(&lock, b->files[i].path, STANCE_LOCK_WAIT_MS, err, sizeof err) == 0) {
        if (still_ours(&b->p[i])) unlink(b->p[i].tmp);
        stance_lock_release(&lock);
      }
      free(b->p[i].tmp);
    }
  }
  for (i = 0; i < b->nfolders; i++) free(b->folders[i].path);
  for (d = 0; d < b->ndevices; d++)
    if (b->devices[d].fd >= 0) close(b->devices[d].fd);
  free(b->folders);
  free(b->p);
}

typedef struct named {
  const char *path;
  size_t i;
} named;

static int by_path(const void *a, const void *b) {
  const named *x = a, *y = b;
  int c = strcmp(x->path, y->path);
  return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/* A misuse refused before anything is done: a path named twice in the batch (its second
 * write would take the first one's lock and temporary file, and the first one's rename then
 * fail as "written by another process"). 0, or -1 with *failed the later of the first pair
 * and a message naming the path. */
static int twice(const stance_atomic_file *files, size_t n, size_t *failed, char *err, size_t errlen) {
  named *v;
  size_t i, worst = n;
  if (n < 2) return 0;
  if (n > SIZE_MAX / sizeof *v || (v = malloc(n * sizeof *v)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < n; i++) {
    v[i].path = files[i].path;
    v[i].i = i;
  }
  qsort(v, n, sizeof *v, by_path);
  for (i = 1; i < n; i++)
    if (strcmp(v[i - 1].path, v[i].path) == 0 && v[i].i < worst) worst = v[i].i;
  free(v);
  if (worst == n) return 0;
  *failed = worst;
  snprintf(err, errlen, "%s is named twice in one batch of files written at once: each file may be in it once",
           files[worst].path);
  return -1;
}

int stance_write_atomic_many(const stance_atomic_file *files, size_t n, int threads, size_t *failed,
                             char *err, size_t errlen) {
  batch b;
  size_t i;
  int rc = 0;
  *failed = 0;
  if (n == 0) return 0;
  if (twice(files, n, failed, err, errlen) != 0) return -1;
  memset(&b, 0, sizeof b);
  if (n > SIZE_MAX / sizeof *b.p || (b.p = calloc(n, sizeof *b.p)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  b.files = files;
  b.n = n;
  b.threads = threads < 1 ? 1 : threads;
  b.budget = lock_budget();
  b.shared_fd = -1;
  /* 1. every temporary file written and closed, each after its expectation */
  for (i = 0; i < n && rc == 0; i++) {
    *failed = i;
    b.bytes += files[i].len;
    rc = add_folder(&b, i, err, errlen);
    if (rc == 0) rc = write_one(&b, i, err, errlen);
  }
  if (rc == 0 && many_hook != NULL) many_hook(1, many_hook_arg);
  /* 2. all of them on disk at once */
  if (rc == 0) rc = flush_files(&b, failed, err, errlen);
  if (rc == 0 && many_hook != NULL) many_hook(2, many_hook_arg);
  /* 3. the renames, in order */
  for (i = 0; i < n && rc == 0; i++) {
    *failed = i;
    rc = rename_one(&b, i, err, errlen);
    if (rc != 0) {
      /* what was renamed must still reach the disk */
      size_t ignored;
      char ignored_err[64];
      (void)flush_folders(&b, i, &ignored, ignored_err, sizeof ignored_err);
    }
  }
  if (rc == 0 && many_hook != NULL) many_hook(3, many_hook_arg);
  /* 4. each folder once, so that the renames reach the disk */
  if (rc == 0) rc = flush_folders(&b, n, failed, err, errlen);
  batch_free(&b);
  return rc;
}
