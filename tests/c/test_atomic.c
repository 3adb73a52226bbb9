/*
 * The lock and the atomic writer (atomic.h, contain.h): another process's lock is waited
 * for and freed when it dies, with flock and with exclusive lock files; a changed file is
 * refused; nothing is written through a link out of the root; leftovers are cleared.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "check.h"
#include "contain.h"
#include "hash.h"

/* A child that takes the lock of `target` and holds it until killed; its pid. */
static pid_t hold_lock(const char *target) {
  int fds[2];
  pid_t pid;
  char c;
  if (pipe(fds) != 0) return -1;
  pid = fork();
  if (pid == 0) {
    stance_lock l;
    char err[256];
    close(fds[0]);
    if (stance_lock_acquire(&l, target, 5000, err, sizeof err) == 0) (void)!write(fds[1], "l", 1);
    for (;;) pause();
  }
  close(fds[1]);
  if (pid < 0 || read(fds[0], &c, 1) != 1) {
    if (pid > 0) kill(pid, SIGKILL);
    pid = -1;
  }
  close(fds[0]);
  return pid;
}

static void lock_waits_for_another_process_and_is_free_when_it_dies(int files) {
  const char *dir = tmp_dir();
  char target[512], lockpath[512], err[512];
  stance_lock l;
  pid_t pid;
  struct stat st;
  stance_lock_use_files(files);
  snprintf(target, sizeof target, "%s/a.stance", dir);
  snprintf(lockpath, sizeof lockpath, "%s/.a.stance.lock", dir);
  pid = hold_lock(target);
  CHECK(pid > 0);
  CHECK_INT(stance_lock_acquire(&l, target, 150, err, sizeof err), -1);
  CHECK(strstr(err, "being written by another process") != NULL);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  CHECK_INT(lstat(lockpath, &st), 0); /* the dead holder's lock file is still there... */
  CHECK_INT(stance_lock_acquire(&l, target, 2000, err, sizeof err), 0); /* ...and free */
  stance_lock_release(&l);
  CHECK(lstat(lockpath, &st) != 0); /* removed by the one who held it last */
  stance_lock_use_files(0);
  tmp_cleanup(dir);
}

static void lock_with_flock(void) { lock_waits_for_another_process_and_is_free_when_it_dies(0); }
static void lock_with_lock_files(void) { lock_waits_for_another_process_and_is_free_when_it_dies(1); }

static void write_checks_what_it_replaces_and_clears_leftovers(void) {
  const char *dir = tmp_dir();
  char path[512], hex[STANCE_HASH_HEXLEN + 1], stamp[128], err[512];
  stance_write_opts o;
  char *data;
  size_t len;
  struct stat st;
  snprintf(path, sizeof path, "%s/d/a.stance", dir);
  tmp_write(dir, "d/a.stance", "one", (size_t)-1);
  tmp_write(dir, "d/.a.stance.tmp", "half of a killed save", (size_t)-1);
  tmp_write(dir, "d/.a.stance.lock", "", 0);
  memset(&o, 0, sizeof o);
  stance_hash_buffer("other", 5, hex);
  o.expect_hex = hex;
  CHECK_INT(stance_write_file(path, "two", 3, &o, err, sizeof err), 1); /* changed since */
  stance_hash_buffer("one", 3, hex);
  o.new_stamp = stamp;
  o.new_stamp_len = sizeof stamp;
  CHECK_INT(stance_write_file(path, "two", 3, &o, err, sizeof err), 0);
  CHECK_INT(stance_read_file(path, NULL, 0, &data, &len, err, sizeof err), 0);
  CHECK(len == 3 && memcmp(data, "two", 3) == 0);
  free(data);
  CHECK_INT(stat(path, &st), 0);
  {
    char now[128];
    stance_stamp_of(&st, now, sizeof now);
    CHECK_STR(now, stamp);
  }
  snprintf(path, sizeof path, "%s/d/.a.stance.tmp", dir);
  CHECK(lstat(path, &st) != 0);
  snprintf(path, sizeof path, "%s/d/.a.stance.lock", dir);
  CHECK(lstat(path, &st) != 0);
  /* appends: only onto the file as last written */
  snprintf(path, sizeof path, "%s/d/a.stance", dir);
  CHECK_INT(stance_append_file(path, "3", 1, 3, "0:0.0:0", NULL, NULL, 0, err, sizeof err), 1);
  CHECK_INT(stance_append_file(path, "3", 1, 3, stamp, NULL, stamp, sizeof stamp, err, sizeof err), 0);
  tmp_cleanup(dir);
}

static void nothing_is_read_or_written_outside_the_root(void) {
  char dir[256], out[256], root[320], link[512], path[512], err[512], fifo[512];
  stance_write_opts o;
  char *data;
  size_t len;
  struct stat st;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(out, sizeof out, "%s", tmp_dir());
  snprintf(root, sizeof root, "%s/corpus", dir);
  tmp_write(dir, "corpus/doc.txt", "text", (size_t)-1);
  tmp_write(out, "secret", "secret", (size_t)-1);
  snprintf(link, sizeof link, "%s/cache", root);
  CHECK_INT(symlink(out, link), 0);
  memset(&o, 0, sizeof o);
  o.root = root;
  snprintf(path, sizeof path, "%s/cache/x.snap", root);
  CHECK_INT(stance_write_file(path, "x", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "leads outside") != NULL);
  snprintf(path, sizeof path, "%s/x.snap", out);
  CHECK(lstat(path, &st) != 0);
  snprintf(path, sizeof path, "%s/cache/secret", root);
  CHECK_INT(stance_read_file(path, root, 0, &data, &len, err, sizeof err), STANCE_EOUTSIDE);
  snprintf(path, sizeof path, "%s/../corpus/../corpus/doc.txt", root);
  CHECK_INT(stance_read_file(path, root, 0, &data, &len, err, sizeof err), 0);
  free(data);
  CHECK_INT(stance_read_file("/dev/zero", NULL, 0, &data, &len, err, sizeof err), STANCE_ENOTREG);
  snprintf(fifo, sizeof fifo, "%s/fifo.txt", root);
  CHECK_INT(mkfifo(fifo, 0600), 0);
  CHECK_INT(stance_read_file(fifo, root, 0, &data, &len, err, sizeof err), STANCE_ENOTREG); /* no wait */
  CHECK_INT(stance_read_file(root, root, 0, &data, &len, err, sizeof err), -EISDIR);
  snprintf(path, sizeof path, "%s/doc.txt", root);
  CHECK_INT(stance_read_file(path, root, 3, &data, &len, err, sizeof err), STANCE_ETOOBIG);
  tmp_cleanup(dir);
  tmp_cleanup(out);
}

/* A link at a layer's folder or a folder between, inside the corpus, is not written through
 * (adversary 14, finding 14): the write is refused naming the link, the file it leads to
 * untouched; a real folder there is written to. */
static void nothing_is_written_through_a_link_among_a_layers_folders(void) {
  char dir[256], root[320], path[512], link[512], err[512];
  stance_write_opts o;
  char *data;
  size_t len;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(root, sizeof root, "%s/corpus", dir);
  tmp_write(dir, "corpus/.stance/annotations/ben/sub/x.txt.stance", "ben", (size_t)-1);
  tmp_write(dir, "corpus/.stance/annotations/ana/y.txt.stance", "ana", (size_t)-1);
  snprintf(link, sizeof link, "%s/.stance/annotations/ana/sub", root);
  CHECK_INT(symlink("../ben/sub", link), 0);
  memset(&o, 0, sizeof o);
  o.root = root;
  snprintf(path, sizeof path, "%s/.stance/annotations/ana/sub/x.txt.stance", root);
  CHECK_INT(stance_check_layer_path(root, path, err, sizeof err), STANCE_ELINK);
  CHECK(strstr(err, "/.stance/annotations/ana/sub: a symbolic link") != NULL);
  CHECK_INT(stance_write_file(path, "ana", 3, &o, err, sizeof err), -1);
  CHECK(strstr(err, "/.stance/annotations/ana/sub: a symbolic link") != NULL);
  snprintf(path, sizeof path, "%s/.stance/annotations/ben/sub/x.txt.stance", root);
  CHECK_INT(stance_read_file(path, root, 0, &data, &len, err, sizeof err), 0);
  CHECK(len == 3 && memcmp(data, "ben", 3) == 0);
  free(data);
  /* the annotator's folder itself, and the file itself */
  snprintf(link, sizeof link, "%s/.stance/annotations/eve", root);
  CHECK_INT(symlink("ben", link), 0);
  snprintf(path, sizeof path, "%s/.stance/annotations/eve/sub/x.txt.stance", root);
  CHECK_INT(stance_write_file(path, "eve", 3, &o, err, sizeof err), -1);
  CHECK(strstr(err, "/.stance/annotations/eve: a symbolic link") != NULL);
  snprintf(link, sizeof link, "%s/.stance/annotations/ana/z.txt.stance", root);
  CHECK_INT(symlink("y.txt.stance", link), 0);
  CHECK_INT(stance_write_file(link, "z", 1, &o, err, sizeof err), -1);
  CHECK(strstr(err, "z.txt.stance: a symbolic link") != NULL);
  /* a real folder: written */
  snprintf(path, sizeof path, "%s/.stance/annotations/ana/y.txt.stance", root);
  CHECK_INT(stance_write_file(path, "ana2", 4, &o, err, sizeof err), 0);
  /* a path not below the annotations folder is not this rule's */
  CHECK_INT(stance_check_layer_path(root, link + strlen(root) + 1, err, sizeof err), 0);
  tmp_cleanup(dir);
}

/* A reader of a layer (the model job) opens its file from the annotations folder with no link
 * followed at any part (stance_open_below): a link at the annotator's folder, at a folder
 * between or at the file is STANCE_ELINK, with where the link ends; real folders and a real
 * file are opened; a missing part, a file where a folder is and "." or ".." are errors. */
/* A replaced file keeps its mode (set on the temporary file before its fsync, so that the
 * flush carries it), durable or not; a new file gets 0666 less the umask. */
static void a_replaced_file_keeps_its_mode(void) {
  const char *dir = tmp_dir();
  char path[512], err[512];
  struct stat st;
  mode_t mask = umask(022);
  umask(mask);
  snprintf(path, sizeof path, "%s/a.stance", dir);
  tmp_write(dir, "a.stance", "one", (size_t)-1);
  CHECK_INT(chmod(path, 0604), 0);
  CHECK_INT(stance_write_atomic(path, "two", 3, NULL, err, sizeof err), 0);
  CHECK_INT(stat(path, &st), 0);
  CHECK_INT((int)(st.st_mode & 07777), 0604);
  CHECK_INT(chmod(path, 0640), 0);
  CHECK_INT(stance_write_atomic_cache(path, "three", 5, err, sizeof err), 0);
  CHECK_INT(stat(path, &st), 0);
  CHECK_INT((int)(st.st_mode & 07777), 0640);
  snprintf(path, sizeof path, "%s/b.stance", dir);
  CHECK_INT(stance_write_atomic(path, "new", 3, NULL, err, sizeof err), 0);
  CHECK_INT(stat(path, &st), 0);
  CHECK_INT((int)(st.st_mode & 07777), (int)(0666 & ~mask));
  tmp_cleanup(dir);
}

static void a_layer_file_is_opened_with_no_link_followed(void) {
  char dir[256], ann[512], link[600], buf[8];
  size_t end = 0;
  int afd, fd;
  snprintf(dir, sizeof dir, "%s", tmp_dir());
  snprintf(ann, sizeof ann, "%s/corpus/.stance/annotations", dir);
  tmp_write(dir, "corpus/.stance/annotations/ben/sub/x.txt.stance", "ben", (size_t)-1);
  tmp_write(dir, "corpus/.stance/annotations/ana/y.txt.stance", "ana", (size_t)-1);
  tmp_write(dir, "elsewhere.stance", "out", (size_t)-1);
  snprintf(link, sizeof link, "%s/ana/sub", ann);
  CHECK_INT(symlink("../ben/sub", link), 0);
  snprintf(link, sizeof link, "%s/eve", ann);
  CHECK_INT(symlink("ben", link), 0);
  snprintf(link, sizeof link, "%s/ben/z.txt.stance", ann);
  CHECK_INT(symlink("../../../../elsewhere.stance", link), 0);
  snprintf(link, sizeof link, "%s/ben/gone.txt.stance", ann);
  CHECK_INT(symlink("nowhere.stance", link), 0);
  CHECK((afd = open(ann, O_RDONLY | O_DIRECTORY)) >= 0);
  /* real folders and file: opened, the file's bytes */
  CHECK((fd = stance_open_below(afd, "ben/sub/x.txt.stance", O_RDONLY, &end)) >= 0);
  CHECK_INT(read(fd, buf, sizeof buf), 3);
  CHECK(memcmp(buf, "ben", 3) == 0);
  close(fd);
  /* a folder between, the annotator's folder, the file, a link that leads nowhere */
  CHECK_INT(stance_open_below(afd, "ana/sub/x.txt.stance", O_RDONLY, &end), STANCE_ELINK);
  CHECK_INT(end, strlen("ana/sub"));
  CHECK_INT(stance_open_below(afd, "eve/sub/x.txt.stance", O_RDONLY, &end), STANCE_ELINK);
  CHECK_INT(end, strlen("eve"));
  CHECK_INT(stance_open_below(afd, "ben/z.txt.stance", O_RDONLY, &end), STANCE_ELINK);
  CHECK_INT(end, strlen("ben/z.txt.stance"));
  CHECK_INT(stance_open_below(afd, "ben/gone.txt.stance", O_RDONLY, &end), STANCE_ELINK);
  /* what the link leads to is never opened through it; opened as itself, it is */
  CHECK((fd = stance_open_below(afd, "ben/sub", O_RDONLY | O_DIRECTORY, &end)) >= 0);
  close(fd);
  /* no such part, a file where a folder is, and parts that leave the folder or go nowhere */
  CHECK_INT(stance_open_below(afd, "ben/none.txt.stance", O_RDONLY, &end), -ENOENT);
  CHECK_INT(stance_open_below(afd, "zed/x.txt.stance", O_RDONLY, &end), -ENOENT);
  CHECK_INT(stance_open_below(afd, "ana/y.txt.stance/x", O_RDONLY, &end), -ENOTDIR);
  CHECK_INT(stance_open_below(afd, "ben/../ana/y.txt.stance", O_RDONLY, &end), -EINVAL);
  CHECK_INT(stance_open_below(afd, "ben//sub/x.txt.stance", O_RDONLY, &end), -EINVAL);
  CHECK_INT(stance_open_below(afd, "./ben/sub/x.txt.stance", O_RDONLY, &end), -EINVAL);
  close(afd);
  tmp_cleanup(dir);
}

/* A writer that may wait only briefly for another's lock says so (2) and writes nothing; once
 * the lock is free it writes. */
static void a_brief_wait_for_a_held_lock_says_busy(void) {
  const char *dir = tmp_dir();
  char path[512], err[512], stamp[128];
  stance_lock held, other;
  stance_write_opts o;
  char *data;
  size_t len;
  struct stat st;
  snprintf(path, sizeof path, "%s/a.stance", dir);
  tmp_write(dir, "a.stance", "one", (size_t)-1);
  CHECK_INT(stance_lock_acquire(&held, path, 1000, err, sizeof err), 0);
  memset(&o, 0, sizeof o);
  o.lock_wait_ms = 30;
  CHECK_INT(stance_write_file(path, "two", 3, &o, err, sizeof err), 2);
  CHECK(strstr(err, "being written by another process") != NULL);
  CHECK_INT(stat(path, &st), 0);
  stance_stamp_of(&st, stamp, sizeof stamp);
  CHECK_INT(stance_append_file_wait(path, "3", 1, 3, stamp, NULL, 30, NULL, 0, err, sizeof err), 2);
  CHECK_INT(stance_lock_try(&other, path, 30, err, sizeof err), 1); /* held: 1, not an error */
  CHECK_INT(stance_read_file(path, NULL, 0, &data, &len, err, sizeof err), 0);
  CHECK(len == 3 && memcmp(data, "one", 3) == 0); /* nothing written */
  free(data);
  stance_lock_release(&held);
  CHECK_INT(stance_append_file_wait(path, "3", 1, 3, stamp, NULL, 30, NULL, 0, err, sizeof err), 0);
  CHECK_INT(stance_write_file(path, "two", 3, &o, err, sizeof err), 0);
  tmp_cleanup(dir);
}

const test_case atomic_tests[] = {
    {"a_brief_wait_for_a_held_lock_says_busy", a_brief_wait_for_a_held_lock_says_busy},
    {"lock_with_flock", lock_with_flock},
    {"lock_with_lock_files", lock_with_lock_files},
    {"write_checks_what_it_replaces_and_clears_leftovers", write_checks_what_it_replaces_and_clears_leftovers},
    {"nothing_is_read_or_written_outside_the_root", nothing_is_read_or_written_outside_the_root},
    {"nothing_is_written_through_a_link_among_a_layers_folders", nothing_is_written_through_a_link_among_a_layers_folders},
    {"a_layer_file_is_opened_with_no_link_followed", a_layer_file_is_opened_with_no_link_followed},
    {"a_replaced_file_keeps_its_mode", a_replaced_file_keeps_its_mode},
    {NULL, NULL}};
