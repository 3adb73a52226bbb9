/* Every input in tests/fuzz/seeds (the fuzzer's seeds and the crashes it once found) keeps
 * the properties the fuzzer checks: run here on each build, not only under libFuzzer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void fuzz_seeds_keep_the_fuzzer_properties(void) {
  DIR *d = opendir("tests/fuzz/seeds");
  struct dirent *de;
  int files = 0;
  CHECK(d != NULL);
  if (d == NULL) return;
  while ((de = readdir(d)) != NULL) {
    char path[512];
    FILE *f;
    long n;
    unsigned char *buf;
    struct stat st;
    if (de->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "tests/fuzz/seeds/%s", de->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue; /* other targets' seed folders */
    f = fopen(path, "rb");
    if (f == NULL) continue;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
      LLVMFuzzerTestOneInput(buf, (size_t)n); /* aborts on a violated property */
      files++;
    }
    free(buf);
    fclose(f);
  }
  closedir(d);
  CHECK(files >= 3);
}

const test_case fuzz_seed_tests[] = {
    {"fuzz_seeds_keep_the_fuzzer_properties", fuzz_seeds_keep_the_fuzzer_properties},
    {NULL, NULL}};
