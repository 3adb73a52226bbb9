/*
 * main.c - runs every table of C unit tests and ends with "N passed, M failed".
 * Usage: unit [NAME-SUBSTRING]
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

extern const test_case walk_tests[], hash_tests[], worker_tests[], markup_tests[], store_tests[],
    reader_tests[], fuzz_seed_tests[], atomic_tests[], text_tests[], index_tests[], frame_tests[], cues_tests[],
    load_tests[], atomic_many_tests[], model_tests[], layercache_tests[], brat_tests[], json_tests[], hostalloc_tests[], atomic_race_tests[],
    tidy_tests[];
static const test_case *const suites[] = {walk_tests,   hash_tests,  worker_tests,
                                                markup_tests, store_tests, reader_tests,
                                                fuzz_seed_tests, atomic_tests, text_tests, index_tests, frame_tests,
                                                cues_tests, load_tests, atomic_many_tests, model_tests, layercache_tests, brat_tests,
                                                json_tests, hostalloc_tests, atomic_race_tests, tidy_tests, NULL};

static int failed_checks;

void check_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "    %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  failed_checks++;
}

const char *tmp_dir(void) {
  static char buf[PATH_MAX];
  const char *base = getenv("TMPDIR");
  snprintf(buf, sizeof buf, "%s/stance-unit-XXXXXX", base && *base ? base : "/tmp");
  if (mkdtemp(buf) == NULL) {
    perror("mkdtemp");
    exit(2);
  }
  return buf;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void tmp_cleanup(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

void tmp_write(const char *dir, const char *rel, const char *data, size_t len) {
  char path[PATH_MAX];
  char *p;
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) perror(path);
    *p = '/';
  }
  if (len == (size_t)-1) len = strlen(data);
  f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, len, f) != len) {
    perror(path);
    exit(2);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0, s;
  const char *filter = argc > 1 ? argv[1] : NULL;
  for (s = 0; suites[s] != NULL; s++) {
    const test_case *t;
    for (t = suites[s]; t->name != NULL; t++) {
      int before = failed_checks;
      if (filter != NULL && strstr(t->name, filter) == NULL) continue;
      t->fn();
      if (failed_checks == before) {
        passed++;
      } else {
        failed++;
        fprintf(stderr, "FAIL %s\n", t->name);
      }
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
