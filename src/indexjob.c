/*
 * indexjob.c - prepare: find what changed (see indexjob.h); run: each thread claims pieces
 * of the documents to read, reads and hashes them, indexes those whose bytes changed, and
 * turns its builder into a segment whenever it holds enough; finish: statistics.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "clock.h"
#include "hash.h"
#include "indexfile.h"
#include "indexjob.h"
#include "query.h"
#include "walk.h"

/* A builder turns into a segment when it holds this much: what a thread holds at most (the
 * segment is streamed to its file: no copy of it is held as well). */
#define FLUSH_BYTES (24u * 1024u * 1024u)
/* What the builders of n threads hold together at most: FLUSH_BYTES * (n + 1) / 2. When
 * they reach it, the largest becomes a segment: the threads then take turns (one cuts when
 * the other is halfway), so each still cuts at about FLUSH_BYTES (segments as large, as
 * few to merge) while the sum stays half a builder above one thread's (all cut at once
 * held FLUSH_BYTES each). */
#define BUDGET_BYTES(n) ((size_t)FLUSH_BYTES * ((size_t)(n) + 1) / 2)
/* Documents are claimed in pieces of about this many bytes (a thread that finishes early
 * takes more: the threads end together). */
#define CLAIM_BYTES (1024u * 1024u)
/* A stat within this much of the check's start may hide a change made in the same tick of
 * the file system's clock (some keep times to 1 or 2 s): read such a document again next
 * time, and list such a folder again. */
#define RACY_NS (2000000000ll)
/* Documents stat'ed per thread at least (fewer are not worth a thread). */
#define STATS_PER_THREAD 4096

/* What a stat says of a document, as the index records it. */
typedef struct dstat {
  uint64_t size, ino;
  int64_t mtime_ns, ctime_ns;
} dstat;

static void to_dstat(const struct stat *st, dstat *d) {
  d->size = (uint64_t)st->st_size;
  d->ino = (uint64_t)st->st_ino;
  d->mtime_ns = stance_mtime_ns(st);
  d->ctime_ns = stance_ctime_ns(st);
}

typedef struct todo {
  char *path;
  uint64_t size;
  int64_t mtime_ns, ctime_ns;
  uint64_t ino;
  int link;
  int64_t known;                /* the snapshot's id of the document, or -1 when new */
} todo;

typedef enum { T_FAILED = 0, T_INDEXED, T_SAME } todo_state;

typedef struct indexjob {
  char *root, *dir;
  char **include, **exclude, **only;
  uint64_t rule;
  stance_index *base;           /* the index the job was made from (until prepare copies it) */
  uint64_t base_id;
  int rebuild;                  /* from nothing: the result replaces any index */
  stance_index *snap;           /* prepare's copy of base, which finish turns into the result */
  stance_index *result;         /* the new index, for the owner to swap in */
  int tasks;
  int64_t scan_ns;
  /* prepare's result */
  todo *todo;
  size_t ntodo, todo_cap;
  char **removed;
  size_t nremoved, removed_cap;
  stance_dir *dirs;             /* the folders as listed now, when they were looked at */
  uint32_t ndirs, dirs_cap;
  int have_dirs;
  uint32_t *claim_start;        /* piece k: todo [claim_start[k], claim_start[k + 1]) */
  uint32_t nclaims;
  /* run's result */
  uv_mutex_t lock;              /* guards segs, held, builders */
  size_t held;                  /* what the threads' builders hold together (see BUDGET_BYTES) */
  uint32_t builders;            /* threads building now */
  stance_segment **segs;
  size_t nsegs, segs_cap;
  stance_doc *docs;             /* per todo */
  uint8_t *state;
  char **errors;
  const char **err_paths, **err_msgs;
  stance_indexjob_stats stats;
} indexjob;

static int is_racy(const indexjob *j, int64_t mtime, int64_t ctime) {
  return mtime >= j->scan_ns - RACY_NS || ctime >= j->scan_ns - RACY_NS;
}

static void release_work(indexjob *j) {
  size_t i;
  for (i = 0; i < j->ntodo; i++) {
    free(j->todo[i].path);
    if (j->errors) free(j->errors[i]);
  }
  free(j->todo);
  j->todo = NULL;
  j->ntodo = 0;
  for (i = 0; i < j->nsegs; i++) stance_segment_unref(j->segs[i]);
  free(j->segs);
  j->segs = NULL;
  j->nsegs = 0;
  free(j->docs);
  free(j->state);
  free(j->errors);
  free(j->claim_start);
  j->docs = NULL;
  j->state = NULL;
  j->errors = NULL;
  j->claim_start = NULL;
  stance_index_free(j->snap);
  j->snap = NULL;
}

static void destroy(void *data) {
  indexjob *j = data;
  size_t i;
  if (j == NULL) return;
  free(j->root);
  free(j->dir);
  stance_strv_free(j->include);
  stance_strv_free(j->exclude);
  stance_strv_free(j->only);
  release_work(j);
  for (i = 0; i < j->nremoved; i++) free(j->removed[i]);
  free(j->removed);
  for (i = 0; i < j->ndirs; i++) free((char *)(uintptr_t)j->dirs[i].path);
  free(j->dirs);
  if (j->err_paths != NULL)
    for (i = 0; i < j->stats.failed; i++) {
      free((char *)j->err_paths[i]);
      free((char *)j->err_msgs[i]);
    }
  free(j->err_paths);
  free(j->err_msgs);
  stance_index_free(j->base);
  stance_index_free(j->result);
  uv_mutex_destroy(&j->lock);
  free(j);
}

static int included(const indexjob *j, const char *path) {
  static const char *const defaults[] = {"*.txt", "*.md", NULL};
  const char *const *inc = j->include ? (const char *const *)j->include : defaults;
  char **e;
  int in = 0;
  for (; *inc && !in; inc++) in = stance_glob_match(*inc, path);
  if (!in) return 0;
  for (e = j->exclude; e != NULL && *e != NULL; e++)
    if (stance_glob_match(*e, path)) return 0;
  return 1;
}

/* The include/exclude rule as a number: documents chosen by another rule are listed again. */
uint64_t stance_indexjob_rule(const char *const *include, const char *const *exclude) {
  uint64_t h = 1469598103934665603ull;
  const char *const *lists[2];
  int k;
  lists[0] = include;
  lists[1] = exclude;
  for (k = 0; k < 2; k++) {
    const char *const *v;
    for (v = lists[k]; v != NULL && *v != NULL; v++) {
      const unsigned char *c;
      for (c = (const unsigned char *)*v; *c; c++) h = (h ^ *c) * 1099511628211ull;
      h = (h ^ 0xFF) * 1099511628211ull;
    }
    h = (h ^ 0xFE) * 1099511628211ull;
  }
  return h;
}

static int add_todo(indexjob *j, const char *path, const dstat *st, int link, int64_t known) {
  todo *t;
  if (j->ntodo == j->todo_cap) {
    size_t c = j->todo_cap ? j->todo_cap * 2 : 64;
    t = realloc(j->todo, c * sizeof *t);
    if (t == NULL) return -1;
    j->todo = t;
    j->todo_cap = c;
  }
  t = &j->todo[j->ntodo];
  if ((t->path = stance_strdup(path)) == NULL) return -1;
  t->size = st->size;
  t->mtime_ns = st->mtime_ns;
  t->ctime_ns = st->ctime_ns;
  t->ino = st->ino;
  t->link = link;
  t->known = known;
  j->ntodo++;
  return 0;
}

static int add_todo_entry(indexjob *j, const stance_walk_entry *e, int64_t known) {
  dstat st;
  st.size = e->size;
  st.ino = e->ino;
  st.mtime_ns = e->mtime_ns;
  st.ctime_ns = e->ctime_ns;
  return add_todo(j, e->path, &st, e->link, known);
}

static int add_removed(indexjob *j, const char *path) {
  if (j->nremoved == j->removed_cap) {
    size_t c = j->removed_cap ? j->removed_cap * 2 : 16;
    char **r = realloc(j->removed, c * sizeof *r);
    if (r == NULL) return -1;
    j->removed = r;
    j->removed_cap = c;
  }
  if ((j->removed[j->nremoved] = stance_strdup(path)) == NULL) return -1;
  j->nremoved++;
  return 0;
}

static int add_dir(indexjob *j, const char *path, int64_t mtime) {
  if (j->ndirs == j->dirs_cap) {
    uint32_t c = j->dirs_cap ? j->dirs_cap * 2 : 64;
    stance_dir *d = realloc(j->dirs, (size_t)c * sizeof *d);
    if (d == NULL) return -1;
    j->dirs = d;
    j->dirs_cap = c;
  }
  memset(&j->dirs[j->ndirs], 0, sizeof *j->dirs);
  if ((j->dirs[j->ndirs].path = stance_strdup(path)) == NULL) return -1;
  j->dirs[j->ndirs].mtime_ns = mtime;
  j->dirs[j->ndirs].racy = mtime >= j->scan_ns - RACY_NS;
  j->dirs[j->ndirs].path_owned = 1;
  j->ndirs++;
  return 0;
}

/* Does the stat still describe what the index holds? */
static int same_stat(const stance_doc *d, const dstat *st) {
  return st->size == d->size && st->mtime_ns == d->mtime_ns && st->ctime_ns == d->ctime_ns && st->ino == d->ino;
}

static int taken_by(const void *ud, const char *rel) { return included((const indexjob *)ud, rel); }

/* The stat of document `rel`: of the file itself, or of the file a symbolic link leads to
 * when that is inside the root (*link set) and not another document (stance_walk_alias). 0, or
 * -1 (gone, or not a document any more). */
static int doc_stat(const indexjob *j, int rootfd, const char *root_real, const char *rel, dstat *out, int *link) {
  struct stat st;
  *link = 0;
  if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  if (S_ISLNK(st.st_mode)) {
    char abs[PATH_MAX], real[PATH_MAX];
    size_t n = strlen(root_real);
    if ((size_t)snprintf(abs, sizeof abs, "%s/%s", root_real, rel) >= sizeof abs || realpath(abs, real) == NULL)
      return -1;
    if (strncmp(real, root_real, n) != 0 || (real[n] != '/' && n > 1)) return -1;
    if (stance_walk_alias_target(root_real, real, taken_by, j)) return -1; /* another name of a document */
    if (stat(real, &st) != 0) return -1;
    *link = 1;
  }
  if (!S_ISREG(st.st_mode)) return -1;
  to_dstat(&st, out);
  return 0;
}

/* ---- the whole corpus listed (no folders known, or another rule) --------------------------- */

static int prepare_walk(stance_job *job, indexjob *j, const uint32_t *order, uint32_t nknown) {
  const stance_doc *docs = stance_index_docs(j->snap);
  stance_walk w;
  char err[512], root_real[PATH_MAX];
  size_t i, k = 0;
  int rc = stance_walk_run(&w, j->root, NULL, err, sizeof err);
  if (rc != 0) return stance_job_fail(job, rc, "%s", err);
  if (realpath(j->root, root_real) == NULL) {
    stance_walk_free(&w);
    return stance_job_fail(job, -errno, "%s: %s", j->root, strerror(errno));
  }
  for (i = 0; i < w.ndirs; i++)
    if (add_dir(j, w.dirs[i].path, w.dirs[i].mtime_ns) != 0) goto oom;
  j->have_dirs = 1;
  j->stats.listed = (uint32_t)w.ndirs;
  /* both lists are in path order: walk them side by side */
  for (i = 0; i < w.n; i++) {
    const stance_walk_entry *e = &w.entries[i];
    int64_t known = -1;
    if (e->error != NULL || !included(j, e->path) || (e->link && stance_walk_alias(root_real, e->path, taken_by, j))) continue;
    j->stats.seen++;
    while (k < nknown && strcmp(docs[order[k]].path, e->path) < 0) {
      if (add_removed(j, docs[order[k]].path) != 0) goto oom;
      k++;
    }
    if (k < nknown && strcmp(docs[order[k]].path, e->path) == 0) known = order[k++];
    if (known >= 0) {
      const stance_doc *d = &docs[known];
      if (!d->racy && e->size == d->size && e->mtime_ns == d->mtime_ns && e->ctime_ns == d->ctime_ns &&
          e->ino == d->ino) {
        j->stats.unchanged++;
        continue;
      }
    }
    if (add_todo_entry(j, e, known) != 0) goto oom;
  }
  for (; k < nknown; k++)
    if (add_removed(j, docs[order[k]].path) != 0) goto oom;
  stance_walk_free(&w);
  return 0;
oom:
  stance_walk_free(&w);
  return stance_job_fail(job, -ENOMEM, "out of memory");
}

/* ---- the quick check: folders first, then one stat per document ------------------------------- */

typedef struct stat_part {
  const indexjob *j;
  const uint32_t *order;
  uint32_t from, to;
  int rootfd;
  const char *root_real;
  uint8_t *verdict;             /* per order index: 0 same, 1 changed, 2 gone */
  dstat *st;                    /* per order index, for changed ones */
  uint8_t *link;
  const uint8_t *checked;       /* looked at while listing folders already */
} stat_part;

/* The stat of document `rel` when it is a plain file, asked of the open folder `dirfd`
 * holding it by its last name (one name looked up instead of the whole path: the lookups
 * are most of a check's cost); what is not a plain file (a link, gone) is asked again by
 * doc_stat. */
static int doc_stat_in(const indexjob *j, int dirfd, int rootfd, const char *root_real, const char *rel,
                       const char *name, dstat *out, int *link) {
  struct stat st;
  if (dirfd >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
    *link = 0;
    to_dstat(&st, out);
    return 0;
  }
  return doc_stat(j, rootfd, root_real, rel, out, link);
}

static void stat_range(void *arg) {
  stat_part *p = arg;
  const stance_doc *docs = stance_index_docs(p->j->snap);
  char folder[PATH_MAX];
  size_t flen = 0;
  int dirfd = -1, have = 0;
  uint32_t i;
  for (i = p->from; i < p->to; i++) {
    const stance_doc *d = &docs[p->order[i]];
    const char *slash, *name;
    size_t len;
    int link;
    if (p->checked[i]) continue;
    /* the documents are in path order: those of one folder come together */
    slash = strrchr(d->path, '/');
    len = slash ? (size_t)(slash - d->path) : 0;
    name = slash ? slash + 1 : d->path;
    if (!have || len != flen || memcmp(folder, d->path, len) != 0) {
      if (dirfd >= 0) close(dirfd);
      dirfd = -1;
      have = 0;
      if (len < sizeof folder) {
        memcpy(folder, d->path, len);
        folder[len] = '\0';
        flen = len;
        have = 1;
        dirfd = len ? openat(p->rootfd, folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dup(p->rootfd);
      }
    }
    if (doc_stat_in(p->j, dirfd, p->rootfd, p->root_real, d->path, name, &p->st[i], &link) != 0) {
      p->verdict[i] = 2;
    } else {
      p->link[i] = (uint8_t)link;
      p->verdict[i] = d->racy || link != d->link || !same_stat(d, &p->st[i]);
    }
  }
  if (dirfd >= 0) close(dirfd);
}

/* The known documents directly in folder `path` ("" the root): [*lo, *hi) of `order`. */
static void docs_in(const stance_doc *docs, const uint32_t *order, uint32_t n, const char *path,
                    uint32_t *lo_out, uint32_t *hi_out) {
  size_t plen = strlen(path);
  uint32_t lo = 0, hi = n;
  if (plen == 0) {
    *lo_out = 0;
    *hi_out = n;
    return;
  }
  /* every path starting with "path/" is in one run of the sorted list */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = strncmp(docs[order[mid]].path, path, plen);
    if (c < 0 || (c == 0 && docs[order[mid]].path[plen] < '/'))
      lo = mid + 1;
    else
      hi = mid;
  }
  *lo_out = lo;
  hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const char *p = docs[order[mid]].path;
    if (strncmp(p, path, plen) == 0 && p[plen] == '/')
      lo = mid + 1;
    else
      hi = mid;
  }
  *hi_out = lo;
}

static int known_dir(const stance_dir *dirs, uint32_t n, const char *path) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = strcmp(dirs[mid].path, path);
    if (c == 0) return 1;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static int cmp_dirs(const void *a, const void *b) {
  return strcmp(((const stance_dir *)a)->path, ((const stance_dir *)b)->path);
}

/* List folder `rel` again (its time changed): new entries become todo (new documents,
 * whole new subfolders), known documents in it are compared now. */
static int relist(indexjob *j, int rootfd, const char *root_real, const char *rel, const stance_dir *old,
                  uint32_t nold, const uint32_t *order, uint32_t nknown, uint8_t *checked, uint8_t *verdict,
                  dstat *sts, uint8_t *links, char *err, size_t errlen) {
  const stance_doc *docs = stance_index_docs(j->snap);
  stance_walk w;
  uint32_t lo, hi;
  size_t i;
  int rc;
  memset(&w, 0, sizeof w);
  /* this folder only: subfolders already known have their own entry */
  {
    char path[PATH_MAX];
    int fd;
    DIR *d;
    struct dirent *de;
    struct stat dst;
    size_t rl = strlen(rel);
    fd = rl ? openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : dup(rootfd);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
      if (fd >= 0) close(fd);
      return 0; /* gone since: its documents will be found gone */
    }
    if (fstat(dirfd(d), &dst) != 0 || add_dir(j, rel, stance_mtime_ns(&dst)) != 0) {
      closedir(d);
      snprintf(err, errlen, "out of memory");
      return -ENOMEM;
    }
    j->stats.listed++;
    docs_in(docs, order, nknown, rel, &lo, &hi);
    while ((de = readdir(d)) != NULL) {
      struct stat st;
      dstat ds;
      const char *name = de->d_name;
      int link;
      if (name[0] == '.') continue;
      if ((size_t)snprintf(path, sizeof path, "%s%s%s", rel, rl ? "/" : "", name) >= sizeof path) continue;
      if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        if (!known_dir(old, nold, path)) {
          rc = stance_walk_below(&w, j->root, path, NULL, err, errlen);
          if (rc != 0 && rc != -ENOENT && rc != -ENOTDIR) {
            closedir(d);
            stance_walk_free(&w);
            return rc;
          }
        }
        continue;
      }
      if (!included(j, path)) continue;
      if (doc_stat(j, rootfd, root_real, path, &ds, &link) != 0) continue;
      {
        /* known? (a direct child of rel, among [lo, hi)) */
        uint32_t a = lo, b = hi;
        int64_t found = -1;
        while (a < b) {
          uint32_t mid = a + (b - a) / 2;
          int c = strcmp(docs[order[mid]].path, path);
          if (c == 0) {
            found = mid;
            break;
          }
          if (c < 0)
            a = mid + 1;
          else
            b = mid;
        }
        if (found >= 0) {
          const stance_doc *kd = &docs[order[found]];
          checked[found] = 1;
          sts[found] = ds;
          links[found] = (uint8_t)link;
          verdict[found] = kd->racy || link != kd->link || !same_stat(kd, &ds);
          continue;
        }
        j->stats.seen++;
        if (add_todo(j, path, &ds, link, -1) != 0) {
          closedir(d);
          stance_walk_free(&w);
          snprintf(err, errlen, "out of memory");
          return -ENOMEM;
        }
      }
    }
    closedir(d);
  }
  /* new subfolders, whole */
  for (i = 0; i < w.ndirs; i++)
    if (add_dir(j, w.dirs[i].path, w.dirs[i].mtime_ns) != 0) goto oom;
  j->stats.listed += (uint32_t)w.ndirs;
  for (i = 0; i < w.n; i++) {
    const stance_walk_entry *e = &w.entries[i];
    if (e->error != NULL || !included(j, e->path) || (e->link && stance_walk_alias(root_real, e->path, taken_by, j))) continue;
    j->stats.seen++;
    if (add_todo_entry(j, e, -1) != 0) goto oom;
  }
  stance_walk_free(&w);
  return 0;
oom:
  stance_walk_free(&w);
  snprintf(err, errlen, "out of memory");
  return -ENOMEM;
}

static int prepare_check(stance_job *job, indexjob *j, const uint32_t *order, uint32_t nknown) {
  const stance_doc *docs = stance_index_docs(j->snap);
  uint32_t nold, i;
  const stance_dir *old = stance_index_dirs(j->snap, &nold);
  char root_real[PATH_MAX], err[512];
  uint8_t *verdict = NULL, *checked = NULL, *links = NULL;
  dstat *sts = NULL;
  int rootfd, rc = 0;
  if (realpath(j->root, root_real) == NULL || (rootfd = open(root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return stance_job_fail(job, -errno, "%s: %s", j->root, strerror(errno));
  verdict = calloc((size_t)nknown + 1, 1);
  checked = calloc((size_t)nknown + 1, 1);
  links = calloc((size_t)nknown + 1, 1);
  sts = malloc(((size_t)nknown + 1) * sizeof *sts);
  if (verdict == NULL || checked == NULL || links == NULL || sts == NULL) {
    rc = stance_job_fail(job, -ENOMEM, "out of memory");
    goto done;
  }
  j->have_dirs = 1;
  /* folders: unchanged ones hold the same names; changed (or racy) ones are listed again */
  for (i = 0; i < nold; i++) {
    struct stat st;
    const char *p = old[i].path;
    if (fstatat(rootfd, p[0] ? p : ".", &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (!old[i].racy && stance_mtime_ns(&st) == old[i].mtime_ns) {
      if (add_dir(j, p, old[i].mtime_ns) != 0) {
        rc = stance_job_fail(job, -ENOMEM, "out of memory");
        goto done;
      }
      j->dirs[j->ndirs - 1].racy = 0; /* seen unchanged across two checks */
      continue;
    }
    rc = relist(j, rootfd, root_real, p, old, nold, order, nknown, checked, verdict, sts, links, err, sizeof err);
    if (rc != 0) {
      rc = stance_job_fail(job, rc, "%s", err);
      goto done;
    }
  }
  qsort(j->dirs, j->ndirs, sizeof *j->dirs, cmp_dirs);
  /* documents: one stat each, on several threads when there are many */
  {
    uint32_t nt = (uint32_t)(j->tasks > 0 ? j->tasks : 1), t;
    stat_part parts[16];
    uv_thread_t threads[16];
    int started[16];
    if (nt > 16) nt = 16;
    if (nt > nknown / STATS_PER_THREAD + 1) nt = nknown / STATS_PER_THREAD + 1;
    for (t = 0; t < nt; t++) {
      parts[t].j = j;
      parts[t].order = order;
      parts[t].from = (uint32_t)((uint64_t)nknown * t / nt);
      parts[t].to = (uint32_t)((uint64_t)nknown * (t + 1) / nt);
      parts[t].rootfd = rootfd;
      parts[t].root_real = root_real;
      parts[t].verdict = verdict;
      parts[t].st = sts;
      parts[t].link = links;
      parts[t].checked = checked;
      started[t] = t > 0 && uv_thread_create(&threads[t], stat_range, &parts[t]) == 0;
    }
    stat_range(&parts[0]);
    for (t = 1; t < nt; t++) {
      if (started[t])
        uv_thread_join(&threads[t]);
      else
        stat_range(&parts[t]);
    }
  }
  for (i = 0; i < nknown && rc == 0; i++) {
    const stance_doc *d = &docs[order[i]];
    if (verdict[i] == 2) {
      if (add_removed(j, d->path) != 0) rc = -1;
      continue;
    }
    j->stats.seen++;
    if (verdict[i] == 0) {
      j->stats.unchanged++;
      continue;
    }
    if (add_todo(j, d->path, &sts[i], links[i], order[i]) != 0) rc = -1;
  }
  if (rc != 0) rc = stance_job_fail(job, -ENOMEM, "out of memory");
done:
  close(rootfd);
  free(verdict);
  free(checked);
  free(links);
  free(sts);
  return rc;
}

/* ---- the check alone, on the caller's thread (stance_index_current) --------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#define FLAG_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define FLAG_SET(x) __atomic_store_n(&(x), 1, __ATOMIC_RELAXED)
#define CLAIM(x, n) __atomic_fetch_add(&(x), (n), __ATOMIC_RELAXED)
#else
#define FLAG_GET(x) (x)
#define FLAG_SET(x) ((x) = 1)
#define CLAIM(x, n) ((x) += (n), (x) - (n)) /* one thread only: see stance_index_current */
#endif

/* Documents are claimed CURRENT_CLAIM at a time (neighbours in path order, mostly of one
 * folder): a thread that is given less time by a busy machine takes fewer. */
#define CURRENT_CLAIM 256u

typedef struct cur_check {
  const indexjob *j;
  const stance_meta *m;
  uint32_t n;
  int rootfd;
  const char *root_real;
  uint32_t next;                /* the first document not claimed yet */
  int differs;                  /* set by the thread that found a difference: all end */
} cur_check;

/* Claim documents of the saved index and compare each with one stat, as stat_range does,
 * until none are left or one differs (or its entry is damaged, or out of path order: the
 * entry before a claim is read too, to check the order across claims). */
static void current_claims(void *arg) {
  cur_check *c = arg;
  char folder[PATH_MAX];
  size_t flen = 0;
  int dirfd = -1, have = 0;
  for (;;) {
    const char *prev = NULL;
    uint32_t i, from, to;
    if (FLAG_GET(c->differs) || (from = CLAIM(c->next, CURRENT_CLAIM)) >= c->n) break;
    to = c->n - from < CURRENT_CLAIM ? c->n : from + CURRENT_CLAIM;
    if (from > 0) {
      stance_doc d;
      if (stance_meta_stat(c->m, from - 1, &d) != 0) goto differs;
      prev = d.path;
    }
    for (i = from; i < to; i++) {
      stance_doc d;
      dstat st;
      const char *slash, *name;
      size_t len;
      int link;
      /* a damaged entry, or one out of order (the saved documents are in strict path
       * order): the update decodes them all, finds out and says so */
      if (stance_meta_stat(c->m, i, &d) != 0 || d.racy || (prev != NULL && strcmp(prev, d.path) >= 0)) goto differs;
      prev = d.path;
      slash = strrchr(d.path, '/');
      len = slash ? (size_t)(slash - d.path) : 0;
      name = slash ? slash + 1 : d.path;
      if (!have || len != flen || memcmp(folder, d.path, len) != 0) {
        if (dirfd >= 0) close(dirfd);
        dirfd = -1;
        have = 0;
        if (len < sizeof folder) {
          memcpy(folder, d.path, len);
          folder[len] = '\0';
          flen = len;
          have = 1;
          dirfd = len ? openat(c->rootfd, folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dup(c->rootfd);
        }
      }
      if (doc_stat_in(c->j, dirfd, c->rootfd, c->root_real, d.path, name, &st, &link) != 0 || link != d.link ||
          !same_stat(&d, &st))
        goto differs;
    }
  }
  if (dirfd >= 0) close(dirfd);
  return;
differs:
  FLAG_SET(c->differs);
  if (dirfd >= 0) close(dirfd);
}

int stance_index_current(const stance_index *ix, const char *root, const char *const *include,
                         const char *const *exclude, int threads, uint32_t *ndocs) {
  *ndocs = 0;
  /* documents chosen by another rule, or folders never listed: the update lists the corpus */
  if (stance_index_meta(ix) == NULL || stance_index_rule(ix) != stance_indexjob_rule(include, exclude) ||
      stance_meta_ndirs(stance_index_meta(ix)) == 0)
    return 0;
  return stance__index_compare(ix, root, include, exclude, threads, ndocs);
}

int stance__index_compare(const stance_index *ix, const char *root, const char *const *include,
                          const char *const *exclude, int threads, uint32_t *ndocs) {
  const stance_meta *m = stance_index_meta(ix);
  indexjob j;
  cur_check c;
  char root_real[PATH_MAX];
  uint32_t nd, i, nt, t;
  uv_thread_t tids[16];
  int started[16], rootfd;
  *ndocs = 0;
  if (m == NULL) return 0;
  nd = stance_meta_ndirs(m);
  memset(&j, 0, sizeof j);
  j.include = (char **)(uintptr_t)include;
  j.exclude = (char **)(uintptr_t)exclude;
  if (realpath(root, root_real) == NULL || (rootfd = open(root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return 0;
  memset(&c, 0, sizeof c);
  c.j = &j;
  c.m = m;
  c.n = stance_meta_ndocs(m);
  c.rootfd = rootfd;
  c.root_real = root_real;
  /* folders first: one changed since it was listed may hold new names (a document added,
   * renamed, a new subfolder) */
  for (i = 0; i < nd && !c.differs; i++) {
    stance_dir d;
    struct stat st;
    if (stance_meta_dir(m, i, &d) != 0 || d.racy ||
        fstatat(rootfd, d.path[0] ? d.path : ".", &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
        stance_mtime_ns(&st) != d.mtime_ns)
      c.differs = 1;
  }
  /* documents: one stat each, on more threads when there are many */
  nt = threads > 0 ? (uint32_t)threads : 1;
  if (nt > 16) nt = 16;
  if (nt > c.n / STATS_PER_THREAD + 1) nt = c.n / STATS_PER_THREAD + 1;
#if !defined(__GNUC__) && !defined(__clang__)
  nt = 1;
#endif
  if (!c.differs) {
    for (t = 1; t < nt; t++) started[t] = uv_thread_create(&tids[t], current_claims, &c) == 0;
    current_claims(&c);
    for (t = 1; t < nt; t++)
      if (started[t]) uv_thread_join(&tids[t]);
  }
  close(rootfd);
  if (c.differs) return 0;
  *ndocs = c.n;
  return 1;
}

/* ---- the paths a watcher reported ------------------------------------------------------------ */

static int prepare_only(stance_job *job, indexjob *j) {
  char root_real[PATH_MAX];
  size_t i;
  int rootfd;
  if (realpath(j->root, root_real) == NULL || (rootfd = open(root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return stance_job_fail(job, -errno, "%s: %s", j->root, strerror(errno));
  for (i = 0; j->only[i] != NULL; i++) {
    const char *rel = j->only[i];
    dstat st;
    int link;
    int64_t k;
    if (!stance_index_path_ok(rel, strlen(rel), 0) || !included(j, rel)) continue;
    k = stance_index_find(j->snap, rel);
    if (doc_stat(j, rootfd, root_real, rel, &st, &link) != 0) {
      if (k >= 0 && add_removed(j, rel) != 0) goto oom;
      continue;
    }
    j->stats.seen++;
    if (k >= 0) {
      const stance_doc *d = stance_index_doc(j->snap, (uint32_t)k);
      if (!d->racy && link == d->link && same_stat(d, &st)) {
        j->stats.unchanged++;
        continue;
      }
    }
    if (add_todo(j, rel, &st, link, k) != 0) goto oom;
  }
  close(rootfd);
  return 0;
oom:
  close(rootfd);
  return stance_job_fail(job, -ENOMEM, "out of memory");
}

static int prepare(stance_job *job) {
  indexjob *j = stance_job_data(job);
  uint32_t nknown = 0, i, ndirs;
  const uint32_t *order = NULL;
  uint64_t total = 0, acc = 0;
  int rc;
  j->scan_ns = stance_now_ns(CLOCK_REALTIME);
  /* the job's own copy, made here on the worker: the owner's thread pays nothing */
  j->snap = j->base != NULL ? stance_index_copy(j->base) : stance_index_new();
  stance_index_free(j->base);
  j->base = NULL;
  if (j->snap == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  /* a loaded index's documents, decoded here; found damaged, never trusted: from nothing */
  if ((rc = stance_index_decode(j->snap)) == STANCE_INDEX_DAMAGED) {
    stance_index_free(j->snap);
    if ((j->snap = stance_index_new()) == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
    j->stats.damaged = 1;
  } else if (rc != 0) {
    return stance_job_fail(job, -ENOMEM, "out of memory");
  }
  stance_index_dirs(j->snap, &ndirs);
  if (j->only == NULL && (order = stance_index_by_path(j->snap, &nknown)) == NULL)
    return stance_job_fail(job, -ENOMEM, "out of memory");
  if (j->only != NULL)
    rc = prepare_only(job, j);
  else if (ndirs > 0 && stance_index_rule(j->snap) == j->rule)
    rc = prepare_check(job, j, order, nknown);
  else
    rc = prepare_walk(job, j, order, nknown);
  if (rc != 0) return rc;
  j->stats.removed = (uint32_t)j->nremoved;
  j->docs = calloc(j->ntodo + 1, sizeof *j->docs);
  j->state = calloc(j->ntodo + 1, 1);
  j->errors = calloc(j->ntodo + 1, sizeof *j->errors);
  j->claim_start = calloc(j->ntodo + 2, sizeof *j->claim_start);
  if (j->docs == NULL || j->state == NULL || j->errors == NULL || j->claim_start == NULL)
    return stance_job_fail(job, -ENOMEM, "out of memory");
  /* pieces of about CLAIM_BYTES, in path order */
  for (i = 0; i < j->ntodo; i++) {
    if (i == 0 || acc >= CLAIM_BYTES) {
      j->claim_start[j->nclaims++] = i;
      acc = 0;
    }
    acc += j->todo[i].size;
    total += j->todo[i].size;
  }
  j->claim_start[j->nclaims] = (uint32_t)j->ntodo;
  stance_job_set_total(job, j->ntodo, total);
  stance_job_set_claims(job, j->nclaims);
  return 0;
}

/* ---- reading and indexing ---------------------------------------------------------------------- */

/* The builder's documents as a segment, written to the index's folder when there is one. */
static int flush(stance_job *job, indexjob *j, stance_segment_builder *b, int any) {
  stance_segment *seg;
  char err[512];
  int oom = 0;
  if (!any) return 0;
  /* written as it is made; in a folder that cannot be written (a read-only corpus), the
   * segment stays in memory */
  seg = NULL;
  if (j->dir != NULL && (seg = stance_builder_to_file(b, j->dir, &oom, err, sizeof err)) == NULL && oom)
    return stance_job_fail(job, -ENOMEM, "out of memory");
  if (seg == NULL && (seg = stance_builder_finish(b)) == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  uv_mutex_lock(&j->lock);
  if (j->nsegs == j->segs_cap) {
    size_t cap = j->segs_cap ? j->segs_cap * 2 : 16;
    stance_segment **ns = realloc(j->segs, cap * sizeof *ns);
    if (ns == NULL) {
      uv_mutex_unlock(&j->lock);
      stance_segment_unref(seg);
      return stance_job_fail(job, -ENOMEM, "out of memory");
    }
    j->segs = ns;
    j->segs_cap = cap;
  }
  j->segs[j->nsegs++] = seg;
  uv_mutex_unlock(&j->lock);
  return 0;
}

/* Whether the builder, now holding `mine` (counted in j->held as *counted), is to become a
 * segment now: when it holds FLUSH_BYTES, or when the builders together hold their budget
 * and it holds at least its share of it (with two threads: the larger). Its memory leaves
 * the sum once it is cut. */
static int cut_now(indexjob *j, size_t mine, size_t *counted) {
  int cut;
  uv_mutex_lock(&j->lock);
  j->held += mine - *counted;
  *counted = mine;
  cut = mine >= FLUSH_BYTES || (j->held >= BUDGET_BYTES(j->builders) && mine * j->builders >= j->held);
  if (cut) {
    j->held -= mine;
    *counted = 0;
  }
  uv_mutex_unlock(&j->lock);
  return cut;
}

static int run(stance_job *job) {
  indexjob *j = stance_job_data(job);
  stance_segment_builder *b = stance_builder_new();
  const stance_doc *known = stance_index_docs(j->snap);
  char *text = NULL;
  size_t cap = 0, counted = 0;
  int64_t c;
  int any = 0, rc = 0;
  if (b == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  uv_mutex_lock(&j->lock);
  j->builders++;
  uv_mutex_unlock(&j->lock);
  while (rc == 0 && (c = stance_job_next(job)) >= 0) {
    uint32_t i;
    for (i = j->claim_start[c]; i < j->claim_start[c + 1]; i++) {
      char path[PATH_MAX];
      size_t len = 0;
      int err;
      long words;
      stance_doc *d = &j->docs[i];
      const todo *t = &j->todo[i];
      if (stance_job_cancelled(job)) break;
      snprintf(path, sizeof path, "%s/%s", j->root, t->path);
      err = stance_read_path(path, &text, &cap, &len);
      if (err != 0) {
        if (err == ENOMEM) {
          rc = stance_job_fail(job, -ENOMEM, "out of memory");
          break;
        }
        j->errors[i] = stance_strdup(strerror(err));
        stance_job_advance(job, 1, t->size);
        continue;
      }
      d->path = t->path;
      d->size = len;
      d->mtime_ns = t->mtime_ns;
      d->ctime_ns = t->ctime_ns;
      d->ino = t->ino;
      d->link = (uint8_t)t->link;
      d->racy = (uint8_t)is_racy(j, t->mtime_ns, t->ctime_ns);
      if (stance_hash_raw(text, len, d->hash) != 0) {
        const char *why = stance_hash_error();
        rc = stance_job_fail(job, -ENOMEM, "%s", why != NULL ? why : "out of memory");
        break;
      }
      /* a document whose stat changed but not its bytes is not indexed again */
      if (t->known >= 0 && memcmp(known[t->known].hash, d->hash, 32) == 0 && known[t->known].size == len) {
        d->words = known[t->known].words;
        j->state[i] = T_SAME;
        stance_job_advance(job, 1, len);
        continue;
      }
      /* provisional number: the position in `todo`; build_result() makes it a document id */
      words = stance_builder_add(b, i, text, len);
      if (words < 0) {
        rc = stance_job_fail(job, -ENOMEM, "out of memory");
        break;
      }
      any = 1;
      d->words = (uint32_t)words;
      j->state[i] = T_INDEXED;
      stance_job_advance(job, 1, len);
      if (cut_now(j, stance_builder_memory(b), &counted)) {
        rc = flush(job, j, b, any);
        any = 0;
        /* its blocks go back: kept for its next segment, they would count as the sum's
         * all the same (the threads' turns would hold as much as cuts all at once) */
        stance_builder_trim(b);
#if defined(__GLIBC__)
        malloc_trim(0);
#endif
      }
    }
  }
  uv_mutex_lock(&j->lock);
  j->held -= counted;
  j->builders--;
  uv_mutex_unlock(&j->lock);
  if (rc == 0) rc = flush(job, j, b, any);
  free(text);
  stance_builder_free(b);
  return rc;
}

/* The job's copy of the index with what it found brought in: the complete new index,
 * made here so that the owner only swaps it in (stance_indexjob_take). */
static int build_result(stance_job *job, indexjob *j) {
  stance_index *ix = j->snap;
  size_t i;
  for (i = 0; i < j->nremoved; i++) stance_index_delete(ix, j->removed[i]);
  for (i = 0; i < j->ntodo; i++) {
    if (j->state[i] == T_FAILED) {
      stance_index_delete(ix, j->todo[i].path);
    } else if (j->state[i] == T_SAME) {
      int64_t id = stance_index_find(ix, j->todo[i].path);
      if (id >= 0) stance_index_touch(ix, (uint32_t)id, &j->docs[i]);
    }
  }
  if (j->nsegs > 0 && stance_index_reserve(ix, (uint32_t)j->ntodo) != 0) goto oom;
  for (i = 0; i < j->nsegs; i++) {
    stance_segment *seg = j->segs[i];
    uint32_t k;
    for (k = 0; k < seg->ndocs; k++) {
      int64_t id = stance_index_add_doc(ix, &j->docs[seg->docs[k]]);
      if (id < 0) goto oom;
      seg->docs[k] = (uint32_t)id;
    }
    if (seg->ndocs > 0 && stance_index_add_segment(ix, seg) != 0) goto oom;
  }
  if (j->have_dirs) {
    stance_index_set_dirs(ix, j->dirs, j->ndirs, j->rule);
    j->dirs = NULL;
    j->ndirs = 0;
  }
  if (stance_index_ready(ix) != 0) goto oom;
  j->snap = NULL;
  j->result = ix;
  release_work(j);
  return 0;
oom:
  return stance_job_fail(job, -ENOMEM, "out of memory");
}

static int finish(stance_job *job) {
  indexjob *j = stance_job_data(job);
  size_t i, k = 0;
  for (i = 0; i < j->ntodo; i++) {
    if (j->state[i] == T_INDEXED) {
      j->stats.indexed++;
      j->stats.bytes += j->docs[i].size;
    } else if (j->state[i] == T_SAME) {
      j->stats.verified++;
      j->stats.unchanged++;
    } else {
      j->stats.failed++;
    }
  }
#if defined(__GLIBC__)
  /* The builders' memory is free now; give it back, so that the process keeps only the
   * index (glibc keeps freed memory of its threads' arenas otherwise). */
  malloc_trim(0);
#endif
  j->err_paths = calloc(j->stats.failed + 1, sizeof *j->err_paths);
  j->err_msgs = calloc(j->stats.failed + 1, sizeof *j->err_msgs);
  if (j->err_paths == NULL || j->err_msgs == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  for (i = 0; i < j->ntodo; i++) {
    if (j->state[i] == T_FAILED && j->errors[i] != NULL) {
      /* the messages move to the list; the paths are copied, as build_result() frees `todo` */
      j->err_paths[k] = stance_strdup(j->todo[i].path);
      j->err_msgs[k] = j->errors[i];
      j->errors[i] = NULL;
      if (j->err_paths[k] == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
      k++;
    }
  }
  j->stats.failed = (uint32_t)k;
  return build_result(job, j);
}

static const stance_job_ops index_ops = {"index", prepare, run, finish, destroy};

stance_job *stance_indexjob_new(const char *root, const char *const *include,
                                const char *const *exclude, const char *const *only,
                                const stance_index *current, int tasks, const char *dir) {
  indexjob *j = calloc(1, sizeof *j);
  int oom = 0;
  stance_job *job;
  if (j == NULL) return NULL;
  if (uv_mutex_init(&j->lock) != 0) {
    free(j);
    return NULL;
  }
  j->tasks = tasks;
  j->root = stance_strdup(root);
  j->dir = dir != NULL ? stance_strdup(dir) : NULL;
  j->include = stance_strv_dup(include, &oom);
  j->exclude = stance_strv_dup(exclude, &oom);
  j->only = stance_strv_dup(only, &oom);
  j->rule = stance_indexjob_rule((const char *const *)j->include, (const char *const *)j->exclude);
  /* a reference, not a copy: the owner never changes an index once it is shared */
  j->rebuild = current == NULL;
  j->base = current != NULL ? stance_index_ref((stance_index *)(uintptr_t)current) : NULL;
  j->base_id = current != NULL ? stance_index_id(current) : 0;
  if (j->root == NULL || (dir != NULL && j->dir == NULL) || oom) goto fail;
  if ((job = stance_job_new(&index_ops, j)) == NULL) goto fail;
  return job;
fail:
  destroy(j);
  return NULL;
}

stance_index *stance_indexjob_take(stance_job *job, const stance_index *current, int *stale) {
  indexjob *j = stance_job_data(job);
  stance_index *ix;
  *stale = 0;
  if (strcmp(stance_job_kind(job), "index") != 0 || j->result == NULL) return NULL;
  if (!j->rebuild && (current == NULL || stance_index_id(current) != j->base_id)) {
    *stale = 1;
    return NULL;
  }
  ix = j->result;
  j->result = NULL;
  return ix;
}

void stance_indexjob_stats_get(stance_job *job, stance_indexjob_stats *out) {
  indexjob *j = stance_job_data(job);
  *out = j->stats;
}

size_t stance_indexjob_errors(stance_job *job, const char *const **paths,
                              const char *const **messages) {
  indexjob *j = stance_job_data(job);
  *paths = j->err_paths;
  *messages = j->err_msgs;
  return j->err_paths ? j->stats.failed : 0;
}

/* ---- freeing an index on the worker ------------------------------------------------------------ */

static int release_prepare(stance_job *job) {
  stance_index **ix = stance_job_data(job);
  stance_job_set_total(job, 1, 0);
  stance_index_free(*ix);
  *ix = NULL;
  stance_job_advance(job, 1, 0);
  return 0;
}

static void release_destroy(void *data) {
  stance_index **ix = data;
  if (ix == NULL) return;
  stance_index_free(*ix);
  free(ix);
}

static const stance_job_ops release_ops = {"release-index", release_prepare, NULL, NULL, release_destroy};

stance_job *stance_releasejob_new(stance_index *ix) {
  stance_index **slot = malloc(sizeof *slot);
  stance_job *job;
  if (slot == NULL) return NULL;
  *slot = ix;
  if ((job = stance_job_new(&release_ops, slot)) == NULL) {
    free(slot);
    return NULL;
  }
  return job;
}
