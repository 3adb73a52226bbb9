/*
 * The atomic writer given a root, against a corpus that changes under it (atomic.h,
 * doc/format.md 8.5): a folder of the path swapped for a link out of the corpus between the
 * check of the path and the writes (stance_atomic_test_hook calls in that window) never has
 * anything written through it: the write lands in the folder that was checked, or is refused;
 * nothing appears outside. Also: links and ".." in the path, a layer's file that is a link,
 * names with quotes and a newline, and names too long for their side files' names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "check.h"
#include "contain.h"

/* What a hook does at its step: move the folder `from` aside to `moved`, and put a link to
 * `to` in its place (or, with file_link, make `from` a link to `to`, the file itself). */
typedef struct swap {
  int step, done, file_link;
  char from[512], moved[600], to[512];
} swap;

static void swap_hook(int step, const char *path, void *arg) {
  swap *s = arg;
  (void)path;
  if (step != s->step || s->done) return;
  s->done = 1;
  if (s->file_link) {
    CHECK_INT(unlink(s->from), 0);
  } else {
    CHECK_INT(rename(s->from, s->moved), 0);
  }
  CHECK_INT(symlink(s->to, s->from), 0);
}

/* Entries in folder `dir` (less . and ..). */
static int entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(d);
  return n;
}

/* The content of `path` is `want` (NULL: there is no such file). */
static void check_file(const char *path, const char *want) {
  char *data = NULL, err[512];
  size_t len = 0;
  int rc = stance_read_file(path, NULL, 0, &data, &len, err, sizeof err);
  if (want == NULL) {
    CHECK_INT(rc, -ENOENT);
  } else {
    CHECK_INT(rc, 0);
    if (rc == 0) {
      CHECK_INT(len, strlen(want));
      CHECK(len == strlen(want) && memcmp(data, want, len) == 0);
    }
  }
  free(data);
}

static void prepare(swap *s, const char *dir, char *root, size_t rootlen, char *out, size_t outlen) {
  snprintf(root, rootlen, "%s/corpus", dir);
  snprintf(out, outlen, "%s/outside", dir);
  tmp_write(dir, "corpus/cache/a.snap", "old", (size_t)-1);
  tmp_write(dir, "outside/a.snap", "OUT", (size_t)-1); /* as long as the file: an append would fit */
  memset(s, 0, sizeof *s);
  snprintf(s->from, sizeof s->from, "%s/cache", root);
  snprintf(s->moved, sizeof s->moved, "%s/cache.checked", root);
  snprintf(s->to, sizeof s->to, "%s", out);
}

/* The folder `cache` of corpus/cache/a.snap swapped for a link to a folder outside at `step`
 * (1: just after the check; 2: lock held, before the temporary file and the rename): the
 * outside folder is as it was; the write went to the folder checked (moved aside by the
 * swap) or was refused with a message, and no side file is left there. */
static void swap_then_write(int step, int lock_files) {
  char dir[256], root[320], out[320], path[512], err[1024], checked[700];
  stance_write_opts o;
  swap s;
  int rc;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  prepare(&s, dir, root, sizeof root, out, sizeof out);
  s.step = step;
  snprintf(path, sizeof path, "%s/cache/a.snap", root);
  memset(&o, 0, sizeof o);
  o.root = root;
  o.durable = 1;
  stance_lock_use_files(lock_files);
  stance_atomic_test_hook(swap_hook, &s);
  err[0] = '\0';
  rc = stance_write_file(path, "new", 3, &o, err, sizeof err);
  stance_atomic_test_hook(NULL, NULL);
  stance_lock_use_files(0);
  CHECK(s.done);
  /* nothing outside: its one file as it was, no lock, no temporary file */
  snprintf(checked, sizeof checked, "%s/a.snap", out);
  check_file(checked, "OUT");
  CHECK_INT(entries(out), 1);
  snprintf(checked, sizeof checked, "%s/a.snap", s.moved);
  if (rc == 0) {
    check_file(checked, "new");
  } else {
    CHECK_INT(rc, -1);
    CHECK(err[0] != '\0');
    check_file(checked, "old");
  }
  CHECK_INT(entries(s.moved), 1);
  tmp_cleanup(dir);
}

static void swap_after_the_check_write(void) { swap_then_write(1, 0); }
static void swap_under_the_lock_write(void) { swap_then_write(2, 0); }
static void swap_under_the_lock_write_lock_files(void) { swap_then_write(2, 1); }
static void swap_after_the_check_write_lock_files(void) { swap_then_write(1, 1); }

/* The same for an append: "OUT" outside has the size the append expects, and stays so. */
static void swap_then_append(int step) {
  char dir[256], root[320], out[320], path[512], err[1024], checked[700];
  swap s;
  int rc;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  prepare(&s, dir, root, sizeof root, out, sizeof out);
  s.step = step;
  snprintf(path, sizeof path, "%s/cache/a.snap", root);
  stance_atomic_test_hook(swap_hook, &s);
  err[0] = '\0';
  rc = stance_append_file_wait(path, "+", 1, 3, NULL, root, 0, NULL, 0, err, sizeof err);
  stance_atomic_test_hook(NULL, NULL);
  CHECK(s.done);
  snprintf(checked, sizeof checked, "%s/a.snap", out);
  check_file(checked, "OUT");
  CHECK_INT(entries(out), 1);
  snprintf(checked, sizeof checked, "%s/a.snap", s.moved);
  if (rc == 0) {
    check_file(checked, "old+");
  } else {
    CHECK(rc == -1 || rc == 1);
    CHECK(err[0] != '\0');
    check_file(checked, "old");
  }
  CHECK_INT(entries(s.moved), 1);
  tmp_cleanup(dir);
}

static void swap_after_the_check_append(void) { swap_then_append(1); }
static void swap_under_the_lock_append(void) { swap_then_append(2); }

/* A layer's folder swapped for a link to another annotator's folder (inside the corpus):
 * ben's file is never written as ana's. */
static void swap_a_layers_folder_for_another_annotators(void) {
  char dir[256], root[320], path[600], err[1024], ben[700], moved[700];
  stance_write_opts o;
  swap s;
  int step, rc;
  for (step = 1; step <= 2; step++) {
    snprintf(dir, sizeof dir, "%s", tmp_dir());
    snprintf(root, sizeof root, "%s/corpus", dir);
    tmp_write(dir, "corpus/.stance/annotations/ana/sub/x.txt.stance", "ana", (size_t)-1);
    tmp_write(dir, "corpus/.stance/annotations/ben/sub/x.txt.stance", "ben", (size_t)-1);
    memset(&s, 0, sizeof s);
    s.step = step;
    snprintf(s.from, sizeof s.from, "%s/.stance/annotations/ana/sub", root);
    snprintf(s.moved, sizeof s.moved, "%s/.stance/annotations/ana/sub.checked", root);
    snprintf(s.to, sizeof s.to, "../ben/sub");
    snprintf(path, sizeof path, "%s/x.txt.stance", s.from);
    memset(&o, 0, sizeof o);
    o.root = root;
    stance_atomic_test_hook(swap_hook, &s);
    rc = stance_write_file(path, "ana2", 4, &o, err, sizeof err);
    stance_atomic_test_hook(NULL, NULL);
    CHECK(s.done);
    snprintf(ben, sizeof ben, "%s/.stance/annotations/ben/sub/x.txt.stance", root);
    check_file(ben, "ben");
    snprintf(ben, sizeof ben, "%s/.stance/annotations/ben/sub", root);
    CHECK_INT(entries(ben), 1);
    snprintf(moved, sizeof moved, "%s/x.txt.stance", s.moved);
    check_file(moved, rc == 0 ? "ana2" : "ana");
    CHECK_INT(entries(s.moved), 1);
    tmp_cleanup(dir);
  }
}

/* A layer's file that is a link (to another annotator's file): refused, never written
 * through nor replaced, whether it was one before the write or became one under the lock;
 * an append refuses it too. */
static void a_layer_file_that_is_a_link(void) {
  char dir[256], root[320], path[500], err[1024], ben[700];
  stance_write_opts o;
  swap s;
  struct stat st;
  int step;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(root, sizeof root, "%s/corpus", dir);
  tmp_write(dir, "corpus/.stance/annotations/ana/x.txt.stance", "ana", (size_t)-1);
  tmp_write(dir, "corpus/.stance/annotations/ben/x.txt.stance", "ben", (size_t)-1);
  snprintf(path, sizeof path, "%s/.stance/annotations/ana/x.txt.stance", root);
  snprintf(ben, sizeof ben, "%s/.stance/annotations/ben/x.txt.stance", root);
  memset(&o, 0, sizeof o);
  o.root = root;
  for (step = 1; step <= 2; step++) {
    memset(&s, 0, sizeof s);
    s.step = step;
    s.file_link = 1;
    snprintf(s.from, sizeof s.from, "%s", path);
    snprintf(s.to, sizeof s.to, "../ben/x.txt.stance");
    stance_atomic_test_hook(swap_hook, &s);
    err[0] = '\0';
    CHECK_INT(stance_write_file(path, "ana2", 4, &o, err, sizeof err), -1);
    stance_atomic_test_hook(NULL, NULL);
    CHECK(s.done);
    CHECK(strstr(err, "x.txt.stance: a symbolic link") != NULL);
    CHECK_INT(lstat(path, &st), 0);
    CHECK(S_ISLNK(st.st_mode)); /* not replaced either */
    check_file(ben, "ben");
    /* the same, the link there from the start */
    CHECK_INT(stance_write_file(path, "ana2", 4, &o, err, sizeof err), -1);
    CHECK(strstr(err, "x.txt.stance: a symbolic link") != NULL);
    CHECK_INT(stance_append_file_wait(path, "+", 1, 3, NULL, root, 0, NULL, 0, err, sizeof err), -1);
    check_file(ben, "ben");
    CHECK_INT(unlink(path), 0);
    tmp_write(dir, "corpus/.stance/annotations/ana/x.txt.stance", "ana", (size_t)-1);
  }
  tmp_cleanup(dir);
}

/* ".." and links in the path, as before: resolved, and refused only when they lead out. */
static void dots_and_links_in_the_path(void) {
  char dir[256], root[320], path[800], err[1024], want[700], link[800];
  stance_write_opts o;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(root, sizeof root, "%s/corpus", dir);
  tmp_write(dir, "corpus/cache/a.snap", "old", (size_t)-1);
  tmp_write(dir, "outside/keep", "out", (size_t)-1);
  memset(&o, 0, sizeof o);
  o.root = root;
  /* inside: written where it resolves */
  snprintf(path, sizeof path, "%s/cache/../b.snap", root);
  CHECK_INT(stance_write_file(path, "b", 1, &o, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s/b.snap", root);
  check_file(want, "b");
  snprintf(path, sizeof path, "%s/../corpus/cache/c.snap", root);
  CHECK_INT(stance_write_file(path, "c", 1, &o, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s/cache/c.snap", root);
  check_file(want, "c");
  /* a link to a folder inside (relative, then absolute), and one whose target has ".." */
  snprintf(link, sizeof link, "%s/alias", root);
  CHECK_INT(symlink("cache", link), 0);
  snprintf(path, sizeof path, "%s/alias/d.snap", root);
  CHECK_INT(stance_write_file(path, "d", 1, &o, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s/cache/d.snap", root);
  check_file(want, "d");
  snprintf(link, sizeof link, "%s/cache/back", root);
  CHECK_INT(symlink("../cache", link), 0);
  snprintf(path, sizeof path, "%s/cache/back/back/e.snap", root);
  CHECK_INT(stance_write_file(path, "e", 1, &o, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s/cache/e.snap", root);
  check_file(want, "e");
  snprintf(link, sizeof link, "%s/abs", root);
  CHECK_INT(symlink(root, link), 0);
  snprintf(path, sizeof path, "%s/abs/cache/f.snap", root);
  CHECK_INT(stance_write_file(path, "f", 1, &o, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s/cache/f.snap", root);
  check_file(want, "f");
  /* out: by "..", by a link whose target climbs out, by an absolute link out */
  snprintf(path, sizeof path, "%s/../outside/x.snap", root);
  CHECK_INT(stance_write_file(path, "x", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "leads outside the corpus") != NULL);
  snprintf(path, sizeof path, "%s/cache/../../outside/x.snap", root);
  CHECK_INT(stance_write_file(path, "x", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "leads outside the corpus") != NULL);
  snprintf(link, sizeof link, "%s/cache/up", root);
  CHECK_INT(symlink("../../outside", link), 0);
  snprintf(path, sizeof path, "%s/cache/up/x.snap", root);
  CHECK_INT(stance_write_file(path, "x", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "leads outside the corpus") != NULL);
  CHECK_INT(stance_append_file_wait(path, "x", 1, 3, NULL, root, 0, NULL, 0, err, sizeof err), -1);
  CHECK(strstr(err, "leads outside the corpus") != NULL);
  snprintf(link, sizeof link, "%s/out", root);
  snprintf(want, sizeof want, "%s/outside", dir);
  CHECK_INT(symlink(want, link), 0);
  snprintf(path, sizeof path, "%s/out/x.snap", root);
  CHECK_INT(stance_write_file(path, "x", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "leads outside the corpus") != NULL);
  /* the file itself a link out (not a layer's): refused, as before */
  snprintf(link, sizeof link, "%s/cache/g.snap", root);
  snprintf(want, sizeof want, "%s/outside/keep", dir);
  CHECK_INT(symlink(want, link), 0);
  CHECK_INT(stance_write_file(link, "g", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "leads outside the corpus") != NULL);
  check_file(want, "out");
  snprintf(want, sizeof want, "%s/outside", dir);
  CHECK_INT(entries(want), 1);
  /* the root given through a link, and a link inside naming the root by that name */
  snprintf(want, sizeof want, "%s/root-link", dir);
  CHECK_INT(symlink("corpus", want), 0);
  o.root = want;
  snprintf(link, sizeof link, "%s/by-name", root);
  snprintf(path, sizeof path, "%s/cache", want);
  CHECK_INT(symlink(path, link), 0);
  snprintf(path, sizeof path, "%s/by-name/i.snap", want);
  CHECK_INT(stance_write_file(path, "i", 1, &o, err, sizeof err), 0);
  snprintf(path, sizeof path, "%s/cache/i.snap", root);
  check_file(path, "i");
  /* a root written with a trailing slash; a corpus whose .stance is a link inside it (a
   * layer's own folders are the ones below .stance/annotations/) */
  snprintf(want, sizeof want, "%s/", root);
  o.root = want;
  snprintf(path, sizeof path, "%s/cache/h.snap", root);
  CHECK_INT(stance_write_file(path, "h", 1, &o, err, sizeof err), 0);
  check_file(path, "h");
  o.root = root;
  tmp_write(dir, "corpus/real-stance/annotations/ana/x.txt.stance", "ana", (size_t)-1);
  snprintf(link, sizeof link, "%s/.stance", root);
  CHECK_INT(symlink("real-stance", link), 0);
  snprintf(path, sizeof path, "%s/.stance/annotations/ana/x.txt.stance", root);
  CHECK_INT(stance_write_file(path, "ana2", 4, &o, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s/real-stance/annotations/ana/x.txt.stance", root);
  check_file(want, "ana2");
  snprintf(link, sizeof link, "%s/real-stance/annotations/eve", root);
  CHECK_INT(symlink("ana", link), 0);
  snprintf(path, sizeof path, "%s/.stance/annotations/eve/x.txt.stance", root);
  CHECK_INT(stance_write_file(path, "eve", 3, &o, err, sizeof err), -1);
  CHECK(strstr(err, "/.stance/annotations/eve: a symbolic link") != NULL);
  check_file(want, "ana2");
  /* a folder that is not there: its name and why */
  snprintf(path, sizeof path, "%s/none/x.snap", root);
  CHECK_INT(stance_write_file(path, "x", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "/none: No such file or directory") != NULL);
  tmp_cleanup(dir);
}

/* Names with quotes and a newline, and a name whose side files' names would be too long (a
 * name derived from its hash: stance_side_path): written, appended to, nothing left beside
 * them, with a root and without. */
static int lock_seen;

static void see_lock(int step, const char *path, void *arg) {
  char side[PATH_MAX];
  struct stat st;
  (void)arg;
  if (step != 2) return;
  CHECK_INT(stance_side_path(path, ".lock", side, sizeof side), 0);
  CHECK_INT(lstat(side, &st), 0);
  lock_seen++;
}

static void odd_and_long_names(void) {
  char dir[256], root[320], path[1024], err[1024], stamp[128], name[300];
  stance_write_opts o;
  int k, r;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(root, sizeof root, "%s/corpus", dir);
  tmp_write(dir, "corpus/cache/keep", "", 0);
  memset(name, 'n', 250);
  memcpy(name + 250, ".snap", 6); /* 255 bytes: ".NAME.lock" would be 261 */
  for (k = 0; k < 2; k++) {
    for (r = 0; r < 2; r++) {
      if (k == 0)
        snprintf(path, sizeof path, "%s/cache/a \"b\" 'c'\nd.snap", root);
      else
        snprintf(path, sizeof path, "%s/cache/%s", root, name);
      memset(&o, 0, sizeof o);
      o.root = r ? root : NULL;
      o.new_stamp = stamp;
      o.new_stamp_len = sizeof stamp;
      lock_seen = 0;
      stance_atomic_test_hook(see_lock, NULL);
      CHECK_INT(stance_write_file(path, "one", 3, &o, err, sizeof err), 0);
      CHECK_INT(stance_append_file_wait(path, "+", 1, 3, stamp, o.root, 0, NULL, 0, err, sizeof err), 0);
      stance_atomic_test_hook(NULL, NULL);
      CHECK_INT(lock_seen, r ? 2 : 0);
      check_file(path, "one+");
      snprintf(path, sizeof path, "%s/cache", root);
      CHECK_INT(entries(path), 2); /* keep, and the file */
      snprintf(path, sizeof path, "%s/cache/%s", root, k == 0 ? "a \"b\" 'c'\nd.snap" : name);
      CHECK_INT(unlink(path), 0);
    }
  }
  tmp_cleanup(dir);
}


/* stance_mkdir_inside: folders made from the root part by part; a link inside is walked, one
 * out (or a ".." out) is refused before anything is made outside, dangling or not. */
static void folders_made_from_the_root(void) {
  char dir[256], root[320], out[320], path[800], link[800], err[1024];
  struct stat st;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(root, sizeof root, "%s/corpus", dir);
  snprintf(out, sizeof out, "%s/outside", dir);
  tmp_write(dir, "corpus/cache/keep", "k", (size_t)-1);
  tmp_write(dir, "outside/keep", "o", (size_t)-1);
  /* nested folders made; the root and an existing folder are success */
  snprintf(path, sizeof path, "%s/a/b/c", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), 0);
  CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), 0);
  CHECK_INT(stance_mkdir_inside(root, root, err, sizeof err), 0);
  snprintf(path, sizeof path, "%s/", root);
  CHECK_INT(stance_mkdir_inside(path, root, err, sizeof err), 0);
  /* a link to a folder inside: made where it leads */
  snprintf(link, sizeof link, "%s/alias", root);
  CHECK_INT(symlink("cache", link), 0);
  snprintf(path, sizeof path, "%s/alias/new/deeper", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), 0);
  snprintf(path, sizeof path, "%s/cache/new/deeper", root);
  CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
  /* a dangling link inside: its target made */
  snprintf(link, sizeof link, "%s/later", root);
  CHECK_INT(symlink("made/by/link", link), 0);
  snprintf(path, sizeof path, "%s/later/x", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), 0);
  snprintf(path, sizeof path, "%s/made/by/link/x", root);
  CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
  /* a link out (to a folder, and dangling: relative and absolute): refused, nothing made */
  snprintf(link, sizeof link, "%s/out", root);
  CHECK_INT(symlink("../outside", link), 0);
  snprintf(path, sizeof path, "%s/out/ana", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), STANCE_EOUTSIDE);
  CHECK(strstr(err, "leads outside the corpus") != NULL);
  snprintf(link, sizeof link, "%s/gone", root);
  snprintf(path, sizeof path, "%s/missing", out);
  CHECK_INT(symlink(path, link), 0);
  snprintf(path, sizeof path, "%s/gone/ana", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), STANCE_EOUTSIDE);
  snprintf(link, sizeof link, "%s/gone2", root);
  CHECK_INT(symlink("../outside/missing2", link), 0);
  snprintf(path, sizeof path, "%s/gone2", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), STANCE_EOUTSIDE);
  /* ".." out, and a path not below the root */
  snprintf(path, sizeof path, "%s/a/../../outside/dots", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), STANCE_EOUTSIDE);
  CHECK_INT(stance_mkdir_inside(root, out, err, sizeof err), STANCE_EOUTSIDE);
  snprintf(path, sizeof path, "%sx/y", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), STANCE_EOUTSIDE);
  CHECK_INT(entries(out), 1);
  /* a file where a folder should be */
  snprintf(path, sizeof path, "%s/cache/keep/sub", root);
  CHECK_INT(stance_mkdir_inside(root, path, err, sizeof err), -ENOTDIR);
  tmp_cleanup(dir);
}

/* A folder of the path swapped for a link out and back, over and over, by another thread
 * while folders are made below it: nothing is ever made outside. */
typedef struct flipper {
  char from[512], moved[600], to[512];
  volatile int stop;
  int flips;
} flipper;

static void *flip(void *arg) {
  flipper *f = arg;
  while (!f->stop) {
    if (rename(f->from, f->moved) != 0) continue;
    if (symlink(f->to, f->from) == 0) {
      unlink(f->from);
      f->flips++;
    }
    rename(f->moved, f->from);
  }
  return NULL;
}

static void folders_made_while_a_folder_is_swapped(void) {
  char dir[256], root[320], out[320], path[800], err[1024];
  flipper f;
  pthread_t th;
  int i, made = 0, refused = 0;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(root, sizeof root, "%s/corpus", dir);
  snprintf(out, sizeof out, "%s/outside", dir);
  tmp_write(dir, "corpus/cache/keep", "k", (size_t)-1);
  tmp_write(dir, "outside/keep", "o", (size_t)-1);
  memset(&f, 0, sizeof f);
  snprintf(f.from, sizeof f.from, "%s/cache", root);
  snprintf(f.moved, sizeof f.moved, "%s/cache.aside", root);
  snprintf(f.to, sizeof f.to, "%s", out);
  CHECK_INT(pthread_create(&th, NULL, flip, &f), 0);
  for (i = 0; i < 3000; i++) {
    snprintf(path, sizeof path, "%s/cache/n%d/m", root, i % 50);
    if (stance_mkdir_inside(root, path, err, sizeof err) == 0) made++; else refused++;
  }
  f.stop = 1;
  pthread_join(th, NULL);
  CHECK(f.flips > 0);
  CHECK(made + refused == 3000);
  CHECK_INT(entries(out), 1);
  tmp_cleanup(dir);
}

const test_case atomic_race_tests[] = {
    {"swap_after_the_check_write", swap_after_the_check_write},
    {"swap_under_the_lock_write", swap_under_the_lock_write},
    {"swap_after_the_check_write_lock_files", swap_after_the_check_write_lock_files},
    {"swap_under_the_lock_write_lock_files", swap_under_the_lock_write_lock_files},
    {"swap_after_the_check_append", swap_after_the_check_append},
    {"swap_under_the_lock_append", swap_under_the_lock_append},
    {"swap_a_layers_folder_for_another_annotators", swap_a_layers_folder_for_another_annotators},
    {"a_layer_file_that_is_a_link", a_layer_file_that_is_a_link},
    {"dots_and_links_in_the_path", dots_and_links_in_the_path},
    {"odd_and_long_names", odd_and_long_names},
    {"folders_made_from_the_root", folders_made_from_the_root},
    {"folders_made_while_a_folder_is_swapped", folders_made_while_a_folder_is_swapped},
    {NULL, NULL}};
