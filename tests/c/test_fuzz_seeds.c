/* Every input in tests/fuzz/seeds/<target>/ (the fuzzer's seeds and the crashes it once found)
 * keeps the properties its target checks: run on each build, plain and under ASan/UBSan, not
 * only under libFuzzer. The list of targets is made by the Makefile from the files of tests/fuzz/. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef struct stance_fuzz_entry {
  const char *name;
  int (*fn)(const uint8_t *data, size_t size);
} stance_fuzz_entry;
extern const stance_fuzz_entry stance_fuzz_targets[]; /* generated: build/gen/fuzz_targets.c */

static const char *current_seed = "";

void stance_fuzz_failed(const char *what, const char *file, int line);
void stance_fuzz_failed(const char *what, const char *file, int line) {
  check_fail(file, line, "property violated: %s (input %s)", what, current_seed);
}

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  long n;
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf != NULL) *len = (size_t)n;
  fclose(f);
  return buf;
}

static void fuzz_seeds_keep_the_fuzzer_properties(void) {
  const stance_fuzz_entry *t;
  int targets = 0;
  for (t = stance_fuzz_targets; t->name != NULL; t++) {
    char dir[512];
    DIR *d;
    struct dirent *de;
    int files = 0;
    snprintf(dir, sizeof dir, "tests/fuzz/seeds/%s", t->name);
    d = opendir(dir);
    if (d == NULL) {
      check_fail(__FILE__, __LINE__, "fuzz target %s has no seeds (%s)", t->name, dir);
      continue;
    }
    while ((de = readdir(d)) != NULL) {
      char path[1024];
      unsigned char *buf;
      size_t n = 0;
      if (de->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      buf = slurp(path, &n);
      if (buf == NULL) {
        check_fail(__FILE__, __LINE__, "cannot read %s", path);
        continue;
      }
      current_seed = path;
      t->fn(buf, n);
      current_seed = "";
      free(buf);
      files++;
    }
    closedir(d);
    if (files == 0) check_fail(__FILE__, __LINE__, "fuzz target %s has no seeds in %s", t->name, dir);
    targets++;
  }
  CHECK(targets >= 1);
}

const test_case fuzz_seed_tests[] = {
    {"fuzz_seeds_keep_the_fuzzer_properties", fuzz_seeds_keep_the_fuzzer_properties},
    {NULL, NULL}};
