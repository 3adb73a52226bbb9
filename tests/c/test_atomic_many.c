/*
 * test_atomic_many.c - several files replaced at once (stance_write_atomic_many): every file
 * written whole, expectations checked before anything is written, no temporary file or lock
 * left behind, whatever fails (a file that cannot be replaced, a folder that vanishes between
 * the steps, another writer holding a lock); names with quotes and newlines; links replaced,
 * never written through; permission bits kept.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "atomic.h"
#include "check.h"
#include "hash.h"

static char *slurp(const char *path) {
  static char buf[4096];
  FILE *f = fopen(path, "rb");
  size_t n;
  if (f == NULL) return NULL;
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

/* Entries of `dir` that are temporary files or locks left behind (".NAME.tmp",
 * ".NAME.lock", or the shorter ".stance-HASH.tmp" of long names). */
static int leftovers(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' && ((len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0) ||
                                (len > 5 && strcmp(e->d_name + len - 5, ".lock") == 0)))
      n++;
  }
  closedir(d);
  return n;
}

static void test_many_files(void) {
  const char *dir = tmp_dir();
  char paths[60][512], datas[60][64], sub[512];
  stance_atomic_file files[60];
  size_t failed = 99, i;
  char err[256];
  snprintf(sub, sizeof sub, "%s/a", dir);
  mkdir(sub, 0777);
  snprintf(sub, sizeof sub, "%s/b", dir);
  mkdir(sub, 0777);
  for (i = 0; i < 60; i++) {
    snprintf(paths[i], sizeof paths[i], "%s/%s/f%02zu.txt", dir, i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : ".", i);
    snprintf(datas[i], sizeof datas[i], "content of file %zu\n", i);
    files[i].path = paths[i];
    files[i].data = datas[i];
    files[i].len = strlen(datas[i]);
    files[i].expect_hex = i % 2 ? "" : NULL;
  }
  CHECK_INT(stance_write_atomic_many(files, 60, 8, &failed, err, sizeof err), 0);
  for (i = 0; i < 60; i++) {
    const char *got = slurp(paths[i]);
    CHECK(got != NULL && strcmp(got, datas[i]) == 0);
  }
  snprintf(sub, sizeof sub, "%s/a", dir);
  CHECK_INT(leftovers(sub), 0);
  CHECK_INT(leftovers(dir), 0);
  tmp_cleanup(dir);
}

static void test_expectations(void) {
  const char *dir = tmp_dir();
  char a[512], b[512], hex[STANCE_HASH_HEXLEN + 1], err[256];
  stance_atomic_file files[2];
  size_t failed = 99;
  snprintf(a, sizeof a, "%s/a.txt", dir);
  snprintf(b, sizeof b, "%s/b.txt", dir);
  tmp_write(dir, "a.txt", "old a\n", (size_t)-1);
  files[0].path = a;
  files[0].data = "new a\n";
  files[0].len = 6;
  files[0].expect_hex = NULL;
  files[1].path = b;
  files[1].data = "new b\n";
  files[1].len = 6;
  files[1].expect_hex = "";
  /* a file that must not exist, and does: nothing is written at all */
  tmp_write(dir, "b.txt", "someone's b\n", (size_t)-1);
  CHECK_INT(stance_write_atomic_many(files, 2, 4, &failed, err, sizeof err), 1);
  CHECK_INT(failed, 1);
  CHECK(strstr(err, "exists already") != NULL);
  CHECK_STR(slurp(a), "old a\n");
  CHECK_STR(slurp(b), "someone's b\n");
  CHECK_INT(leftovers(dir), 0);
  /* the hash of what is there: replaced; another hash: refused */
  stance_hash_buffer("someone's b\n", 12, hex);
  files[1].expect_hex = hex;
  CHECK_INT(stance_write_atomic_many(files, 2, 4, &failed, err, sizeof err), 0);
  CHECK_STR(slurp(a), "new a\n");
  CHECK_STR(slurp(b), "new b\n");
  CHECK_INT(stance_write_atomic_many(files, 2, 4, &failed, err, sizeof err), 1);
  CHECK(strstr(err, "changed on disk") != NULL);
  CHECK_INT(leftovers(dir), 0);
  tmp_cleanup(dir);
}

static void test_failure_leaves_nothing(void) {
  const char *dir = tmp_dir();
  char a[512], b[512], err[256];
  stance_atomic_file files[2];
  size_t failed = 99;
  snprintf(a, sizeof a, "%s/a.txt", dir);
  snprintf(b, sizeof b, "%s/no/such/folder/b.txt", dir);
  files[0].path = a;
  files[0].data = "a\n";
  files[0].len = 2;
  files[0].expect_hex = NULL;
  files[1].path = b;
  files[1].data = "b\n";
  files[1].len = 2;
  files[1].expect_hex = NULL;
  CHECK_INT(stance_write_atomic_many(files, 2, 2, &failed, err, sizeof err), -1);
  CHECK_INT(failed, 1);
  CHECK(slurp(a) == NULL);
  CHECK_INT(leftovers(dir), 0);
  CHECK_INT(stance_write_atomic_many(files, 0, 2, &failed, err, sizeof err), 0);
  tmp_cleanup(dir);
}

/* n files named dir/sub/fNN.txt (sub "" for dir itself), each "new NN\n". */
typedef struct some_files {
  char paths[40][512], datas[40][32];
  stance_atomic_file files[40];
} some_files;

static void make_files(some_files *f, size_t n, const char *dir, const char *const *subs) {
  size_t i;
  for (i = 0; i < n; i++) {
    snprintf(f->paths[i], sizeof f->paths[i], "%s/%s%sf%02zu.txt", dir, subs[i], subs[i][0] ? "/" : "", i);
    snprintf(f->datas[i], sizeof f->datas[i], "new %02zu\n", i);
    f->files[i].path = f->paths[i];
    f->files[i].data = f->datas[i];
    f->files[i].len = strlen(f->datas[i]);
    f->files[i].expect_hex = NULL;
  }
}

/* One file that cannot be replaced (a folder is at its path): the error names it, and no
 * file is touched, the one before it neither; with few files (an fsync each) and with many (a
 * syncfs on Linux). */
static void test_one_fails(void) {
  size_t counts[2] = {4, 12}, c;
  for (c = 0; c < 2; c++) {
    const char *dir = tmp_dir();
    const char *subs[40];
    some_files *f = calloc(1, sizeof *f);
    char err[512], rel[64];
    size_t failed = 99, i, n = counts[c], bad = n / 2;
    CHECK(f != NULL);
    if (f == NULL) return;
    for (i = 0; i < n; i++) subs[i] = "";
    make_files(f, n, dir, subs);
    for (i = 0; i < n; i++) {
      snprintf(rel, sizeof rel, "f%02zu.txt", i);
      if (i != bad) tmp_write(dir, rel, "old\n", (size_t)-1);
    }
    CHECK_INT(mkdir(f->paths[bad], 0777), 0);
    CHECK_INT(stance_write_atomic_many(f->files, n, 4, &failed, err, sizeof err), -1);
    CHECK_INT(failed, bad);
    CHECK(strstr(err, f->paths[bad]) != NULL);
    for (i = 0; i < n; i++)
      if (i != bad) CHECK_STR(slurp(f->paths[i]), "old\n");
    CHECK_INT(leftovers(dir), 0);
    tmp_cleanup(dir);
    free(f);
  }
}

typedef struct vanish {
  int step;
  char folder[512];
} vanish;

static void remove_folder(int step, void *arg) {
  vanish *v = arg;
  if (step == v->step) tmp_cleanup(v->folder);
}

/* The folder of the last files removed between two steps: the error names one of its files;
 * the files before it in other folders are replaced and whole (when the removal came after
 * the flush) or untouched (before it, with an fsync each, which finds the files gone); nothing
 * is left behind. */
static void test_folder_vanishes(void) {
  int steps[2] = {1, 2}, s;
  size_t counts[2] = {4, 12}, c;
  for (s = 0; s < 2; s++) {
    for (c = 0; c < 2; c++) {
      const char *dir = tmp_dir();
      const char *subs[40];
      some_files *f = calloc(1, sizeof *f);
      vanish v;
      char err[512], sub[512];
      size_t failed = 99, i, n = counts[c], first_gone = n - 2;
      int rc;
      CHECK(f != NULL);
      if (f == NULL) return;
      snprintf(sub, sizeof sub, "%s/a", dir);
      mkdir(sub, 0777);
      snprintf(v.folder, sizeof v.folder, "%s/b", dir);
      mkdir(v.folder, 0777);
      v.step = steps[s];
      for (i = 0; i < n; i++) subs[i] = i < first_gone ? "a" : "b";
      make_files(f, n, dir, subs);
      stance_atomic_many_test_hook(remove_folder, &v);
      rc = stance_write_atomic_many(f->files, n, 4, &failed, err, sizeof err);
      stance_atomic_many_test_hook(NULL, NULL);
      CHECK_INT(rc, -1);
      CHECK(failed >= first_gone && failed < n);
      CHECK(strstr(err, "/b/") != NULL);
      for (i = 0; i < first_gone; i++) {
        const char *got = slurp(f->paths[i]);
        CHECK(got == NULL || strcmp(got, f->datas[i]) == 0);
        if (steps[s] == 2) CHECK(got != NULL); /* flushed: the renames went ahead up to the gone folder */
      }
      CHECK_INT(leftovers(sub), 0);
      tmp_cleanup(dir);
      free(f);
    }
  }
}

/* Names with quotes, a newline, spaces and a backslash: written as they are. */
static void test_odd_names(void) {
  const char *dir = tmp_dir();
  const char *names[5] = {"a\"quoted\".txt", "it's.txt", "new\nline.txt", "sp ace\\.txt", "-dash.txt"};
  char paths[5][512], err[512];
  stance_atomic_file files[5];
  size_t failed = 99, i;
  for (i = 0; i < 5; i++) {
    snprintf(paths[i], sizeof paths[i], "%s/%s", dir, names[i]);
    files[i].path = paths[i];
    files[i].data = names[i];
    files[i].len = strlen(names[i]);
    files[i].expect_hex = "";
  }
  CHECK_INT(stance_write_atomic_many(files, 5, 2, &failed, err, sizeof err), 0);
  for (i = 0; i < 5; i++) CHECK_STR(slurp(paths[i]), names[i]);
  CHECK_INT(leftovers(dir), 0);
  tmp_cleanup(dir);
}

/* A link at a file's path is replaced by the file; what it pointed to is never written. An
 * existing file keeps its permission bits; a new one gets 0666 less the umask. */
static void test_links_and_modes(void) {
  const char *dir = tmp_dir();
  char outside[512], link_path[512], kept[512], fresh[512], err[512];
  stance_atomic_file files[3];
  struct stat st;
  size_t failed = 99;
  mode_t mask = umask(022);
  umask(mask);
  snprintf(outside, sizeof outside, "%s/outside.txt", dir);
  snprintf(link_path, sizeof link_path, "%s/link.txt", dir);
  snprintf(kept, sizeof kept, "%s/kept.txt", dir);
  snprintf(fresh, sizeof fresh, "%s/fresh.txt", dir);
  tmp_write(dir, "outside.txt", "outside\n", (size_t)-1);
  tmp_write(dir, "kept.txt", "old\n", (size_t)-1);
  CHECK_INT(chmod(kept, 0640), 0);
  CHECK_INT(symlink(outside, link_path), 0);
  files[0].path = link_path;
  files[0].data = "through\n";
  files[0].len = 8;
  files[0].expect_hex = NULL;
  files[1].path = kept;
  files[1].data = "kept\n";
  files[1].len = 5;
  files[1].expect_hex = NULL;
  files[2].path = fresh;
  files[2].data = "fresh\n";
  files[2].len = 6;
  files[2].expect_hex = "";
  CHECK_INT(stance_write_atomic_many(files, 3, 2, &failed, err, sizeof err), 0);
  CHECK_STR(slurp(outside), "outside\n");
  CHECK(lstat(link_path, &st) == 0 && S_ISREG(st.st_mode));
  CHECK_STR(slurp(link_path), "through\n");
  CHECK(stat(kept, &st) == 0 && (st.st_mode & 07777) == 0640);
  CHECK_STR(slurp(kept), "kept\n");
  CHECK(stat(fresh, &st) == 0 && (st.st_mode & 07777) == (0666 & ~mask));
  CHECK_INT(leftovers(dir), 0);
  tmp_cleanup(dir);
}

typedef struct holder {
  stance_lock lock;
} holder;

static void let_go_later(void *arg) {
  holder *h = arg;
  struct timespec ts = {0, 200 * 1000000L};
  nanosleep(&ts, NULL);
  stance_lock_release(&h->lock);
}

/* Another writer holds the lock of a file in the middle: the batch lets go of the locks it
 * holds (it never waits for one while holding others), waits, and writes everything once the
 * lock is free; with flock and with exclusive lock files. */
static void test_lock_held_by_another(void) {
  int files_mode;
  for (files_mode = 0; files_mode < 2; files_mode++) {
    const char *dir = tmp_dir();
    const char *subs[40];
    some_files *f = calloc(1, sizeof *f);
    holder h;
    uv_thread_t tid;
    char err[512];
    size_t failed = 99, i, n = 10;
    CHECK(f != NULL);
    if (f == NULL) return;
    stance_lock_use_files(files_mode);
    for (i = 0; i < n; i++) subs[i] = "";
    make_files(f, n, dir, subs);
    CHECK_INT(stance_lock_acquire(&h.lock, f->paths[5], 1000, err, sizeof err), 0);
    CHECK_INT(uv_thread_create(&tid, let_go_later, &h), 0);
    CHECK_INT(stance_write_atomic_many(f->files, n, 4, &failed, err, sizeof err), 0);
    uv_thread_join(&tid);
    for (i = 0; i < n; i++) CHECK_STR(slurp(f->paths[i]), f->datas[i]);
    CHECK_INT(leftovers(dir), 0);
    stance_lock_use_files(0);
    tmp_cleanup(dir);
    free(f);
  }
}

/* Many files with exclusive lock files (no flock): one shared lock file, linked. */
static void test_many_files_lock_files(void) {
  stance_lock_use_files(1);
  test_many_files();
  stance_lock_use_files(0);
}

/* The same path twice in one batch: refused before anything is done, naming the path and
 * its second place (not "written by another process" at the first one's rename). */
static void test_same_path_twice(void) {
  const char *dir = tmp_dir();
  const char *subs[40];
  some_files *f = calloc(1, sizeof *f);
  char err[512], want[700];
  size_t failed = 99, i, n = 6;
  CHECK(f != NULL);
  if (f == NULL) return;
  for (i = 0; i < n; i++) subs[i] = "";
  make_files(f, n, dir, subs);
  tmp_write(dir, "f01.txt", "old\n", (size_t)-1);
  f->files[4].path = f->paths[1]; /* f01.txt again, at 4 */
  err[0] = '\0';
  CHECK_INT(stance_write_atomic_many(f->files, n, 4, &failed, err, sizeof err), -1);
  CHECK_INT(failed, 4);
  snprintf(want, sizeof want, "%s is named twice in one batch of files written at once: each file may be in it once",
           f->paths[1]);
  CHECK_STR(err, want);
  CHECK_STR(slurp(f->paths[1]), "old\n");
  for (i = 0; i < n; i++)
    if (i != 1 && i != 4) CHECK(access(f->paths[i], F_OK) != 0);
  CHECK_INT(leftovers(dir), 0);
  tmp_cleanup(dir);
  free(f);
}

/* A batch over two file systems (TMPDIR and /dev/shm, when they are two): the shared lock
 * (the first file's) cannot be linked as the lock of a file on the other one (EXDEV), which
 * takes a lock of its own; in a child whose limit of descriptors leaves no budget for held
 * locks too (each such lock let go once its file is written, and taken again at its rename);
 * with flock and with exclusive lock files. Every file whole, nothing left behind. */
static int write_across(some_files *f, size_t n, int low_limit) {
  size_t failed = 99, i;
  char err[512];
  if (low_limit) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 10;
    rl.rlim_cur = 64;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return 11;
  }
  if (stance_write_atomic_many(f->files, n, 4, &failed, err, sizeof err) != 0) {
    fprintf(stderr, "    write_atomic_many: %s (file %zu)\n", err, failed);
    return 12;
  }
  for (i = 0; i < n; i++) {
    const char *got = slurp(f->paths[i]);
    if (got == NULL || strcmp(got, f->datas[i]) != 0) return 13;
  }
  return 0;
}

static void test_links_refused(void) {
  const char *shm = getenv("STANCE_TEST_SHM") ? getenv("STANCE_TEST_SHM") : "/dev/shm";
  char here[256], there[256], probe_a[300], probe_b[300];
  struct stat sa, sb;
  int mode, low;
  snprintf(here, sizeof here, "%s", tmp_dir());
  snprintf(there, sizeof there, "%s/stance-unit-XXXXXX", shm);
  if (stat(here, &sa) != 0 || stat(shm, &sb) != 0 || sa.st_dev == sb.st_dev || mkdtemp(there) == NULL) {
    fprintf(stderr, "    (skipped: %s is not a file system of its own next to %s)\n", shm, here);
    tmp_cleanup(here);
    return;
  }
  /* link() between the two is refused, as the batch will find */
  snprintf(probe_a, sizeof probe_a, "%s/probe", here);
  snprintf(probe_b, sizeof probe_b, "%s/probe", there);
  tmp_write(here, "probe", "x", (size_t)-1);
  CHECK(link(probe_a, probe_b) != 0 && errno == EXDEV);
  unlink(probe_a);
  for (mode = 0; mode < 2; mode++) {
    for (low = 0; low < 2; low++) {
      some_files *f = calloc(1, sizeof *f);
      size_t i, n = 40;
      pid_t pid;
      int status = -1;
      CHECK(f != NULL);
      if (f == NULL) return;
      for (i = 0; i < n; i++) {
        /* the first file here (the shared lock), then every other one there */
        snprintf(f->paths[i], sizeof f->paths[i], "%s/f%02zu.txt", i % 2 ? there : here, i);
        snprintf(f->datas[i], sizeof f->datas[i], "new %02zu %d%d\n", i, mode, low);
        f->files[i].path = f->paths[i];
        f->files[i].data = f->datas[i];
        f->files[i].len = strlen(f->datas[i]);
        f->files[i].expect_hex = NULL;
      }
      stance_lock_use_files(mode);
      if (!low) {
        CHECK_INT(write_across(f, n, 0), 0);
      } else {
        pid = fork();
        if (pid == 0) _exit(write_across(f, n, 1));
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        for (i = 0; i < n; i++) CHECK_STR(slurp(f->paths[i]), f->datas[i]);
      }
      stance_lock_use_files(0);
      CHECK_INT(leftovers(here), 0);
      CHECK_INT(leftovers(there), 0);
      free(f);
    }
  }
  tmp_cleanup(here);
  tmp_cleanup(there);
}

const test_case atomic_many_tests[] = {
    {"atomic_many: the same path twice refused before anything, naming it", test_same_path_twice},
    {"atomic_many: links refused (two file systems): a lock per file; with a low limit of descriptors",
     test_links_refused},
    {"atomic_many: sixty files in three folders, all whole, no temporary file left", test_many_files},
    {"atomic_many: expectations checked before anything is written", test_expectations},
    {"atomic_many: a failure leaves nothing behind", test_failure_leaves_nothing},
    {"atomic_many: a file that cannot be replaced is named, no other file touched", test_one_fails},
    {"atomic_many: a folder that vanishes between the steps", test_folder_vanishes},
    {"atomic_many: names with quotes, newlines, spaces", test_odd_names},
    {"atomic_many: links replaced not followed, permission bits kept", test_links_and_modes},
    {"atomic_many: another writer's lock waited for, never while holding others", test_lock_held_by_another},
    {"atomic_many: sixty files with exclusive lock files", test_many_files_lock_files},
    {NULL, NULL},
};
