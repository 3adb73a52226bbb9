/*
 * walk.c - recursive, sorted listing of a corpus folder (see walk.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "arena.h"
#include "walk.h"
#include "worker.h"

#define STANCE_STR2(x) #x
#define STANCE_STR(x) STANCE_STR2(x)

typedef struct walk_ctx {
  stance_walk *walk;
  const char *const *exts;
  int names_only;
  char root_real[PATH_MAX];
  size_t root_len;
  char real[PATH_MAX]; /* where a link leads: one buffer, not one per level of folders */
} walk_ctx;

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

static int wanted(const walk_ctx *c, const char *name) {
  const char *const *e;
  size_t n = strlen(name);
  if (c->exts == NULL) return 1;
  for (e = c->exts; *e != NULL; e++) {
    size_t k = strlen(*e);
    if (n > k + 1 && name[n - k - 1] == '.' && strcmp(name + n - k, *e) == 0) return 1;
  }
  return 0;
}

int64_t stance_mtime_ns(const struct stat *st) {
#if defined(__APPLE__)
  return (int64_t)st->st_mtimespec.tv_sec * 1000000000 + st->st_mtimespec.tv_nsec;
#else
  return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
#endif
}

int64_t stance_ctime_ns(const struct stat *st) {
#if defined(__APPLE__)
  return (int64_t)st->st_ctimespec.tv_sec * 1000000000 + st->st_ctimespec.tv_nsec;
#else
  return (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
#endif
}

static int add_dir(stance_walk *w, const char *rel, const struct stat *st) {
  if (w->ndirs == w->dirs_cap) {
    size_t cap = w->dirs_cap ? w->dirs_cap * 2 : 64;
    stance_walk_dir *d = realloc(w->dirs, cap * sizeof *d);
    if (d == NULL) return -ENOMEM;
    w->dirs = d;
    w->dirs_cap = cap;
  }
  if ((w->dirs[w->ndirs].path = dup_str(rel)) == NULL) return -ENOMEM;
  w->dirs[w->ndirs].mtime_ns = stance_mtime_ns(st);
  w->ndirs++;
  return 0;
}

/* An entry; `st` its stat (of the link's target for a link), NULL with an error. */
static int add(stance_walk *w, const char *rel, const struct stat *st, int link, const char *error) {
  stance_walk_entry *e;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 256;
    e = realloc(w->entries, cap * sizeof *e);
    if (e == NULL) return -ENOMEM;
    w->entries = e;
    w->cap = cap;
  }
  e = &w->entries[w->n];
  memset(e, 0, sizeof *e);
  e->path = dup_str(rel);
  if (st != NULL) {
    e->size = (uint64_t)st->st_size;
    e->mtime_ns = stance_mtime_ns(st);
    e->ctime_ns = stance_ctime_ns(st);
    e->ino = (uint64_t)st->st_ino;
  }
  e->link = link;
  e->error = error != NULL ? dup_str(error) : NULL;
  if (e->path == NULL || (error != NULL && e->error == NULL)) {
    free(e->path);
    free(e->error);
    return -ENOMEM;
  }
  w->n++;
  if (error == NULL) w->total_bytes += e->size;
  return 0;
}

/* An entry whose path from / is PATH_MAX bytes or more (git checks out a tree deeper than
 * that: it works relative to the work tree): listed with its path relative to the root and
 * the reason, not entered; the rest of the corpus goes on. */
#define TOO_LONG_MSG "path too long: over PATH_MAX (" STANCE_STR(PATH_MAX) " bytes) from / (ENAMETOOLONG); not listed"
static int add_too_long(stance_walk *w, const char *rel, size_t rel_len, const char *name, size_t len) {
  char *path = malloc(rel_len + 1 + len + 1);
  int rc;
  if (path == NULL) return -ENOMEM;
  memcpy(path, rel, rel_len);
  if (rel_len > 0) path[rel_len] = '/';
  memcpy(path + rel_len + (rel_len > 0), name, len + 1);
  rc = add(w, path, NULL, 0, TOO_LONG_MSG);
  free(path);
  return rc;
}

static int inside_root(const walk_ctx *c, const char *real) {
  return strncmp(real, c->root_real, c->root_len) == 0 &&
         (real[c->root_len] == '/' || real[c->root_len] == '\0' || c->root_len == 1);
}

/* A name read from a folder, with the type readdir() gave (DT_UNKNOWN when it gave none). */
typedef struct dname {
  char *name;
  unsigned char type;
} dname;

static int cmp_names(const void *a, const void *b) {
  return strcmp(((const dname *)a)->name, ((const dname *)b)->name);
}

static int cmp_entries(const void *a, const void *b) {
  return strcmp(((const stance_walk_entry *)a)->path, ((const stance_walk_entry *)b)->path);
}

/* `abs` and `rel` are buffers of PATH_MAX holding the folder; entries are appended.
 * `depth`: folders above this one below where the walk started (a corpus cannot nest them
 * deep enough to overflow the stack: past STANCE_WALK_MAX_DEPTH a folder is listed as an
 * error). */
static int walk_dir(walk_ctx *c, char *abs, size_t abs_len, char *rel, size_t rel_len, unsigned depth) {
  DIR *d;
  struct dirent *de;
  dname *names = NULL;
  size_t n = 0, cap = 0, i;
  int rc = 0;
  struct stat dst;
  if (depth > STANCE_WALK_MAX_DEPTH) return add(c->walk, rel, NULL, 0, "folders nested too deep: not listed");
  d = opendir(abs);
  if (d == NULL) return add(c->walk, rel_len ? rel : ".", NULL, 0, strerror(errno));
  /* the folder's time before its names are read: a change while listing shows next time */
  if (fstat(dirfd(d), &dst) == 0 && (rc = add_dir(c->walk, rel, &dst)) != 0) {
    closedir(d);
    return rc;
  }
  while ((de = readdir(d)) != NULL) {
    char *name;
    if (de->d_name[0] == '.') continue;
    if (n == cap) {
      dname *nn;
      cap = cap ? cap * 2 : 64;
      nn = realloc(names, cap * sizeof *nn);
      if (nn == NULL) {
        rc = -ENOMEM;
        goto done;
      }
      names = nn;
    }
    if ((name = dup_str(de->d_name)) == NULL) {
      rc = -ENOMEM;
      goto done;
    }
    names[n].name = name;
#if defined(DT_UNKNOWN)
    names[n].type = de->d_type;
#else
    names[n].type = 0;
#endif
    n++;
  }
  qsort(names, n, sizeof *names, cmp_names);
  for (i = 0; i < n && rc == 0; i++) {
    const char *nm = names[i].name;
    size_t len = strlen(nm);
    struct stat st;
    if (abs_len + 1 + len >= PATH_MAX || rel_len + 1 + len >= PATH_MAX) {
      rc = add_too_long(c->walk, rel, rel_len, nm, len);
      continue;
    }
    abs[abs_len] = '/';
    memcpy(abs + abs_len + 1, nm, len + 1);
    if (rel_len > 0) rel[rel_len] = '/';
    memcpy(rel + rel_len + (rel_len > 0), nm, len + 1);
#if defined(DT_REG)
    /* names only: a regular file as readdir() says needs no stat */
    if (c->names_only && (names[i].type == DT_REG || names[i].type == DT_DIR)) {
      if (names[i].type == DT_DIR)
        rc = walk_dir(c, abs, abs_len + 1 + len, rel, rel_len + (rel_len > 0) + len, depth + 1);
      else if (wanted(c, nm))
        rc = add(c->walk, rel, NULL, 0, NULL);
      abs[abs_len] = '\0';
      rel[rel_len] = '\0';
      continue;
    }
#endif
    /* relative to the open folder: no path lookup from the root for each entry */
    if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      rc = add(c->walk, rel, NULL, 0, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
      rc = walk_dir(c, abs, abs_len + 1 + len, rel, rel_len + (rel_len > 0) + len, depth + 1);
    } else if (S_ISREG(st.st_mode)) {
      if (wanted(c, nm)) rc = add(c->walk, rel, &st, 0, NULL);
    } else if (S_ISLNK(st.st_mode) && wanted(c, nm)) {
      struct stat tst;
      if (realpath(abs, c->real) == NULL)
        rc = add(c->walk, rel, NULL, 1, "broken symbolic link");
      else if (!inside_root(c, c->real))
        rc = add(c->walk, rel, NULL, 1, "symbolic link leads outside the corpus root");
      else if (stat(c->real, &tst) != 0 || !S_ISREG(tst.st_mode))
        rc = add(c->walk, rel, NULL, 1, "symbolic link to something other than a file");
      else
        rc = add(c->walk, rel, &tst, 1, NULL);
    }
    abs[abs_len] = '\0';
    rel[rel_len] = '\0';
  }
done:
  for (i = 0; i < n; i++) free(names[i].name);
  free(names);
  closedir(d);
  return rc;
}

/* Walk root/rel (rel "" for the root itself) into c->walk. */
static int walk_from(walk_ctx *c, const char *root, const char *rel, char *err, size_t errlen) {
  char abs[PATH_MAX], relbuf[PATH_MAX];
  struct stat st;
  int rc;
  size_t rl = strlen(rel);
  if (realpath(root, c->root_real) == NULL || stat(c->root_real, &st) != 0) {
    rc = -errno;
    snprintf(err, errlen, "%s: %s", root, strerror(errno));
    return rc;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: not a directory", root);
    return -ENOTDIR;
  }
  c->root_len = strlen(c->root_real);
  if (c->root_len + 1 + rl >= PATH_MAX) {
    /* a folder below the root too deep to open: said as an entry, as walk_dir does */
    if (rl > 0) {
      rc = add(c->walk, rel, NULL, 0, TOO_LONG_MSG);
      if (rc != 0) snprintf(err, errlen, "%s: %s", root, strerror(-rc));
      return rc;
    }
    snprintf(err, errlen, "%s: path too long", root);
    return -ENAMETOOLONG;
  }
  memcpy(abs, c->root_real, c->root_len + 1);
  if (rl > 0) {
    abs[c->root_len] = '/';
    memcpy(abs + c->root_len + 1, rel, rl + 1);
  }
  memcpy(relbuf, rel, rl + 1);
  rc = walk_dir(c, abs, rl > 0 ? c->root_len + 1 + rl : c->root_len, relbuf, rl, 0);
  if (rc != 0) snprintf(err, errlen, "%s: %s", root, strerror(-rc));
  return rc;
}

int stance_walk_run(stance_walk *walk, const char *root, const char *const *exts,
                    char *err, size_t errlen) {
  return stance_walk_run_names(walk, root, exts, 0, err, errlen);
}

int stance_walk_run_names(stance_walk *walk, const char *root, const char *const *exts,
                          int names_only, char *err, size_t errlen) {
  walk_ctx c;
  int rc;
  memset(walk, 0, sizeof *walk);
  c.walk = walk;
  c.exts = exts;
  c.names_only = names_only;
  if ((rc = walk_from(&c, root, "", err, errlen)) != 0) {
    stance_walk_free(walk);
    return rc;
  }
  /* Folder by folder sorting is not always a global order ("a/b" vs "a.txt"): sort once
   * more, when needed. */
  {
    size_t i;
    for (i = 1; i < walk->n && strcmp(walk->entries[i - 1].path, walk->entries[i].path) < 0; i++) {
    }
    if (i < walk->n) qsort(walk->entries, walk->n, sizeof *walk->entries, cmp_entries);
  }
  return 0;
}

int stance_walk_below(stance_walk *walk, const char *root, const char *rel,
                      const char *const *exts, char *err, size_t errlen) {
  walk_ctx c;
  c.walk = walk;
  c.exts = exts;
  c.names_only = 0;
  return walk_from(&c, root, rel, err, errlen);
}

void stance_walk_free(stance_walk *walk) {
  size_t i;
  for (i = 0; i < walk->n; i++) {
    free(walk->entries[i].path);
    free(walk->entries[i].error);
  }
  for (i = 0; i < walk->ndirs; i++) free(walk->dirs[i].path);
  free(walk->dirs);
  free(walk->entries);
  memset(walk, 0, sizeof *walk);
}

char *stance_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

void stance_strv_free(char **v) {
  size_t i;
  if (v == NULL) return;
  for (i = 0; v[i] != NULL; i++) free(v[i]);
  free(v);
}

char **stance_strv_dup(const char *const *v, int *oom) {
  size_t n = 0, i;
  char **c;
  if (v == NULL) return NULL;
  while (v[n] != NULL) n++;
  if ((c = calloc(n + 1, sizeof *c)) == NULL) {
    *oom = 1;
    return NULL;
  }
  for (i = 0; i < n; i++) {
    if ((c[i] = stance_strdup(v[i])) == NULL) {
      stance_strv_free(c);
      *oom = 1;
      return NULL;
    }
  }
  return c;
}

/* Past this size, a file read with threads has its second half read on a thread of its own. */
#define SPLIT_READ ((size_t)16 << 20)

typedef struct range_read {
  int fd, err;
  char *at;
  size_t len, got;
  off_t off;
} range_read;

/* `len` bytes at `off` into `at` (fewer at the end of the file); the pages asked for first. */
static void read_range(void *arg) {
  range_read *r = arg;
  stance_prefault(r->at, r->len);
  while (r->got < r->len) {
    ssize_t got = pread(r->fd, r->at + r->got, r->len - r->got, r->off + (off_t)r->got);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      r->err = errno;
      return;
    }
    if (got == 0) return;
    r->got += (size_t)got;
  }
}

/* The file's two halves read at the same time: *n gets the bytes read from its start
 * without a gap (a file cut meanwhile ends at the first half's end), or an errno value. */
static int read_halves(int fd, char *buf, size_t size, size_t *n) {
  range_read a, b;
  uv_thread_t t;
  int started;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.fd = b.fd = fd;
  a.at = buf;
  a.len = size / 2;
  b.at = buf + a.len;
  b.len = size - a.len;
  b.off = (off_t)a.len;
  started = uv_thread_create(&t, read_range, &b) == 0;
  read_range(&a);
  if (started)
    uv_thread_join(&t);
  else
    read_range(&b);
  if (a.err != 0) return a.err;
  if (a.got < a.len) {
    *n = a.got;
    return 0;
  }
  if (b.err != 0) return b.err;
  *n = a.len + b.got;
  return 0;
}

/* The file open at `fd` (opened with O_NONBLOCK: a FIFO is refused here instead of waiting
 * for a writer) read whole, as stance_read_path says; `fd` is closed. */
static int read_fd(int fd, char **buf, size_t *cap, size_t *len, int threads) {
  int e, flags;
  size_t n = 0;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { /* a device, a FIFO, a folder: never read */
    e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    close(fd);
    return e;
  }
  if ((flags = fcntl(fd, F_GETFL)) != -1) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  /* room for the whole file and one byte more (to see the end without growing) */
  if ((uint64_t)st.st_size + 1 > *cap && (uint64_t)st.st_size < SIZE_MAX) {
    char *nb = realloc(*buf, (size_t)st.st_size + 1);
    if (nb == NULL) {
      close(fd);
      return ENOMEM;
    }
    *buf = nb;
    *cap = (size_t)st.st_size + 1;
  }
  if (threads > 1 && (uint64_t)st.st_size >= SPLIT_READ && (uint64_t)st.st_size < *cap) {
    if ((e = read_halves(fd, *buf, (size_t)st.st_size, &n)) != 0 || lseek(fd, (off_t)n, SEEK_SET) < 0) {
      if (e == 0) e = errno;
      close(fd);
      return e;
    }
  } else if ((uint64_t)st.st_size >= (1 << 20) && (uint64_t)st.st_size < *cap) {
    /* a big file's pages asked for at once, not one fault per page as read() fills them */
    stance_prefault(*buf, (size_t)st.st_size);
  }
  for (;;) {
    ssize_t got;
    if (n == *cap) {
      size_t ncap = *cap ? *cap * 2 : 65536;
      char *nb = realloc(*buf, ncap);
      if (nb == NULL) {
        close(fd);
        return ENOMEM;
      }
      *buf = nb;
      *cap = ncap;
    }
    got = read(fd, *buf + n, *cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      e = errno;
      close(fd);
      return e;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  *len = n;
  return 0;
}

static int read_path(const char *path, char **buf, size_t *cap, size_t *len, int threads) {
  /* O_NONBLOCK: a FIFO is refused by read_fd instead of waiting for a writer */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return errno;
  return read_fd(fd, buf, cap, len, threads);
}

int stance_read_path(const char *path, char **buf, size_t *cap, size_t *len) {
  return read_path(path, buf, cap, len, 1);
}

int stance_read_fd(int fd, char **buf, size_t *cap, size_t *len) { return read_fd(fd, buf, cap, len, 1); }

int stance_read_path_threads(const char *path, char **buf, size_t *cap, size_t *len) {
  unsigned cpus = stance_cpus();
  return read_path(path, buf, cap, len, cpus > 1 ? 2 : 1);
}

int stance_walk_alias_target(const char *root_real, const char *real, int (*taken)(const void *ud, const char *rel),
                             const void *ud) {
  size_t n = strlen(root_real);
  const char *t, *c;
  if (n == 1 && root_real[0] == '/') n = 0; /* the root folder itself */
  if (strncmp(real, root_real, n) != 0 || real[n] != '/') return 0;
  t = real + n + 1;
  if (*t == '.' || *t == '\0') return 0;
  for (c = t; (c = strchr(c, '/')) != NULL; c++)
    if (c[1] == '.') return 0;
  return taken(ud, t);
}

int stance_walk_alias(const char *root_real, const char *rel, int (*taken)(const void *ud, const char *rel),
                      const void *ud) {
  char abs[PATH_MAX], real[PATH_MAX];
  if ((size_t)snprintf(abs, sizeof abs, "%s/%s", root_real, rel) >= sizeof abs || realpath(abs, real) == NULL) return 0;
  return stance_walk_alias_target(root_real, real, taken, ud);
}
