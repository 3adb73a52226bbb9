/* walk.c: order, filters, hidden entries, symbolic links in and out of the root. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "walk.h"

static const stance_walk_entry *find(const stance_walk *w, const char *path) {
  size_t i;
  for (i = 0; i < w->n; i++)
    if (strcmp(w->entries[i].path, path) == 0) return &w->entries[i];
  return NULL;
}

static void walk_lists_files_sorted_skipping_hidden(void) {
  const char *d = tmp_dir();
  stance_walk w;
  char err[256];
  tmp_write(d, "b.txt", "bb", (size_t)-1);
  tmp_write(d, "a/z.txt", "z", (size_t)-1);
  tmp_write(d, "a.txt", "aaa", (size_t)-1);
  tmp_write(d, ".stance/schema", "x", (size_t)-1);
  tmp_write(d, ".hidden.txt", "x", (size_t)-1);
  CHECK_INT(stance_walk_run(&w, d, NULL, err, sizeof err), 0);
  CHECK_INT(w.n, 3);
  if (w.n == 3) {
    CHECK_STR(w.entries[0].path, "a.txt");
    CHECK_STR(w.entries[1].path, "a/z.txt");
    CHECK_STR(w.entries[2].path, "b.txt");
    CHECK_INT(w.entries[0].size, 3);
  }
  CHECK_INT(w.total_bytes, 6);
  stance_walk_free(&w);
  tmp_cleanup(d);
}

static void walk_filters_by_extension(void) {
  const char *d = tmp_dir();
  const char *exts[] = {"txt", "md", NULL};
  stance_walk w;
  char err[256];
  tmp_write(d, "one.txt", "1", (size_t)-1);
  tmp_write(d, "two.md", "2", (size_t)-1);
  tmp_write(d, "three.ann", "3", (size_t)-1);
  tmp_write(d, "txt", "bare name is not an extension", (size_t)-1);
  CHECK_INT(stance_walk_run(&w, d, exts, err, sizeof err), 0);
  CHECK_INT(w.n, 2);
  CHECK(find(&w, "one.txt") != NULL);
  CHECK(find(&w, "two.md") != NULL);
  stance_walk_free(&w);
  tmp_cleanup(d);
}

static void walk_refuses_links_out_of_the_root(void) {
  const char *d0 = tmp_dir();
  char outside[PATH_MAX], d[256], link[PATH_MAX], target[PATH_MAX];
  stance_walk w;
  char err[256];
  const stance_walk_entry *e;
  snprintf(d, sizeof d, "%s", d0);
  snprintf(outside, sizeof outside, "%s/outside.txt", d);
  tmp_write(d, "outside.txt", "secret", (size_t)-1);
  tmp_write(d, "root/in.txt", "in", (size_t)-1);
  snprintf(link, sizeof link, "%s/root/out.txt", d);
  CHECK_INT(symlink(outside, link), 0);
  snprintf(link, sizeof link, "%s/root/alias.txt", d);
  snprintf(target, sizeof target, "%s/root/in.txt", d);
  CHECK_INT(symlink(target, link), 0);
  snprintf(link, sizeof link, "%s/root/broken.txt", d);
  CHECK_INT(symlink("/nonexistent/stance", link), 0);
  snprintf(target, sizeof target, "%s/root", d);
  CHECK_INT(stance_walk_run(&w, target, NULL, err, sizeof err), 0);
  e = find(&w, "out.txt");
  CHECK(e != NULL && e->error != NULL && strstr(e->error, "outside") != NULL);
  e = find(&w, "alias.txt");
  CHECK(e != NULL && e->error == NULL && e->size == 2);
  e = find(&w, "broken.txt");
  CHECK(e != NULL && e->error != NULL);
  CHECK_INT(w.total_bytes, 4);
  stance_walk_free(&w);
  tmp_cleanup(d);
}

static void walk_reports_a_missing_root(void) {
  stance_walk w;
  char err[256];
  CHECK(stance_walk_run(&w, "/nonexistent/stance/root", NULL, err, sizeof err) < 0);
  CHECK(strstr(err, "/nonexistent/stance/root") != NULL);
}

static void walk_stops_at_folders_nested_too_deep(void) {
  /* 1900 levels of a/ (what a hostile repository can hold) once overflowed the stack */
  char d[PATH_MAX], rel[PATH_MAX];
  stance_walk w;
  char err[256];
  size_t i, n = 0;
  snprintf(d, sizeof d, "%s", tmp_dir());
  for (i = 0; i < 1900; i++) {
    rel[n++] = 'a';
    rel[n++] = '/';
  }
  memcpy(rel + n, "doc.txt", 8);
  tmp_write(d, rel, "deep", (size_t)-1);
  tmp_write(d, "top.txt", "top", (size_t)-1);
  CHECK_INT(stance_walk_run(&w, d, NULL, err, sizeof err), 0);
  CHECK_INT(w.n, 2);
  if (w.n == 2) {
    CHECK(w.entries[0].error != NULL && strstr(w.entries[0].error, "nested too deep") != NULL);
    CHECK_STR(w.entries[1].path, "top.txt");
  }
  stance_walk_free(&w);
  tmp_cleanup(d);
}

/* A tree deeper than PATH_MAX from / (git checks it out: it works relative to the work
 * tree): the place is listed with its path and the reason, the rest of the corpus too; a
 * walk started below it (an index job's folder) is an entry in error, never a failure. */
#define LONG_NAME "dddddddddddddddddddddddddddddddddddddddddddddddd" /* 48 bytes */
static void walk_lists_a_place_deeper_than_path_max(void) {
  char d[PATH_MAX], rel[PATH_MAX];
  stance_walk w;
  char err[256];
  int fd, levels = 0, i;
  const stance_walk_entry *e = NULL;
  size_t k;
  snprintf(d, sizeof d, "%s", tmp_dir());
  tmp_write(d, "top.txt", "top", (size_t)-1);
  fd = open(d, O_RDONLY | O_DIRECTORY);
  CHECK(fd >= 0);
  /* made with mkdirat/openat: no path from / that long is ever used */
  while (fd >= 0 && levels * 49 < PATH_MAX + 200) {
    int next;
    CHECK_INT(mkdirat(fd, LONG_NAME, 0777), 0);
    next = openat(fd, LONG_NAME, O_RDONLY | O_DIRECTORY);
    close(fd);
    fd = next;
    levels++;
  }
  if (fd >= 0) {
    int f = openat(fd, "deep.txt", O_WRONLY | O_CREAT, 0666);
    CHECK(f >= 0 && write(f, "deep", 4) == 4);
    if (f >= 0) close(f);
    close(fd);
  }
  CHECK_INT(stance_walk_run(&w, d, NULL, err, sizeof err), 0);
  CHECK(find(&w, "top.txt") != NULL && find(&w, "top.txt")->error == NULL);
  for (k = 0; k < w.n; k++)
    if (w.entries[k].error != NULL) e = &w.entries[k];
  CHECK(e != NULL);
  if (e != NULL) {
    CHECK(strncmp(e->path, LONG_NAME "/" LONG_NAME "/", 98) == 0);
    CHECK(strstr(e->error, "path too long") != NULL && strstr(e->error, "ENAMETOOLONG") != NULL);
  }
  stance_walk_free(&w);
  /* below: a folder whose path from / is too long */
  rel[0] = '\0';
  for (i = 0; i < levels - 1 && strlen(rel) + 50 < sizeof rel; i++) strcat(rel, i ? "/" LONG_NAME : LONG_NAME);
  memset(&w, 0, sizeof w);
  CHECK_INT(stance_walk_below(&w, d, rel, NULL, err, sizeof err), 0);
  CHECK(w.n == 1 && w.entries[0].error != NULL && strstr(w.entries[0].error, "ENAMETOOLONG") != NULL);
  stance_walk_free(&w);
  /* removed from the bottom up, through descriptors (nftw would need the long paths) */
  for (i = levels; i > 0; i--) {
    int j;
    fd = open(d, O_RDONLY | O_DIRECTORY);
    for (j = 1; j < i && fd >= 0; j++) {
      int next = openat(fd, LONG_NAME, O_RDONLY | O_DIRECTORY);
      close(fd);
      fd = next;
    }
    if (fd < 0) break;
    if (i == levels) {
      int last = openat(fd, LONG_NAME, O_RDONLY | O_DIRECTORY);
      if (last >= 0) {
        unlinkat(last, "deep.txt", 0);
        close(last);
      }
    }
    unlinkat(fd, LONG_NAME, AT_REMOVEDIR);
    close(fd);
  }
  tmp_cleanup(d);
}

/* A big file read in two halves at once (stance_read_path_threads) is the same bytes as read
 * in one go; a reused buffer too; a file of one byte and an empty one read whole. */
static void read_path_threads_reads_the_same_bytes(void) {
  const char *d = tmp_dir();
  size_t size = ((size_t)16 << 20) + 4097, i, cap = 0, len = 0, cap2 = 0, len2 = 0;
  char *text = malloc(size), *a = NULL, *b = NULL, path[PATH_MAX];
  CHECK(text != NULL);
  if (text == NULL) return;
  for (i = 0; i < size; i++) text[i] = (char)('a' + (i * 7 + i / 4099) % 26);
  tmp_write(d, "big.stance", text, size);
  snprintf(path, sizeof path, "%s/big.stance", d);
  CHECK_INT(stance_read_path(path, &a, &cap, &len), 0);
  CHECK_INT(stance_read_path_threads(path, &b, &cap2, &len2), 0);
  CHECK(len == size && len2 == size && a != NULL && b != NULL && memcmp(a, text, size) == 0 &&
        memcmp(b, text, size) == 0);
  CHECK_INT(stance_read_path_threads(path, &b, &cap2, &len2), 0); /* the buffer reused */
  CHECK(len2 == size && memcmp(b, text, size) == 0);
  tmp_write(d, "one.stance", "x", 1);
  snprintf(path, sizeof path, "%s/one.stance", d);
  CHECK_INT(stance_read_path_threads(path, &b, &cap2, &len2), 0);
  CHECK(len2 == 1 && b[0] == 'x');
  tmp_write(d, "empty.stance", "", 0);
  snprintf(path, sizeof path, "%s/empty.stance", d);
  CHECK_INT(stance_read_path_threads(path, &b, &cap2, &len2), 0);
  CHECK_INT(len2, 0);
  snprintf(path, sizeof path, "%s", d);
  CHECK_INT(stance_read_path_threads(path, &b, &cap2, &len2), EISDIR);
  free(a);
  free(b);
  free(text);
  tmp_cleanup(d);
}

const test_case walk_tests[] = {
    {"read_path_threads_reads_the_same_bytes", read_path_threads_reads_the_same_bytes},
    {"walk_stops_at_folders_nested_too_deep", walk_stops_at_folders_nested_too_deep},
    {"walk_lists_a_place_deeper_than_path_max", walk_lists_a_place_deeper_than_path_max},
    {"walk_lists_files_sorted_skipping_hidden", walk_lists_files_sorted_skipping_hidden},
    {"walk_filters_by_extension", walk_filters_by_extension},
    {"walk_refuses_links_out_of_the_root", walk_refuses_links_out_of_the_root},
    {"walk_reports_a_missing_root", walk_reports_a_missing_root},
    {NULL, NULL}};
