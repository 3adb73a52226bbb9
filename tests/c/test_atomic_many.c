/*
 * test_atomic_many.c - several files replaced at once (stance_write_atomic_many): every file
 * written whole, expectations checked before anything is written, no temporary file left
 * behind, whatever fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Entries of `dir` whose name holds ".tmp-" (temporary files left behind). */
static int leftovers(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".tmp-") != NULL) n++;
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

const test_case atomic_many_tests[] = {
    {"atomic_many: sixty files in three folders, all whole, no temporary file left", test_many_files},
    {"atomic_many: expectations checked before anything is written", test_expectations},
    {"atomic_many: a failure leaves nothing behind", test_failure_leaves_nothing},
    {NULL, NULL},
};
