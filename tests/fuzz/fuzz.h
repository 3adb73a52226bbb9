/*
 * fuzz.h - the fuzz targets of tests/fuzz/: one target per file, each a reader of outside
 * data (annotation files, schemas, lexicons, caches, documents...) exercised with
 * arbitrary bytes. See tests/fuzz/README.md for how to add one.
 *
 * A target is written once:
 *
 *   #include "fuzz.h"
 *   STANCE_FUZZ_TARGET(name) {        // data, size: the input
 *     ...
 *     FUZZ_CHECK(property, "what the property says");
 *     return 0;
 *   }
 *
 * and built twice: under libFuzzer (make test-fuzz; STANCE_LIBFUZZER defined), where it is
 * the program's LLVMFuzzerTestOneInput and a violated property aborts with the input saved;
 * and into the C unit tests (plain and under ASan/UBSan), where every input of
 * tests/fuzz/seeds/<name>/ is run through it and a violated property is a failed test.
 */
#ifndef STANCE_FUZZ_H
#define STANCE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef STANCE_LIBFUZZER
#define STANCE_FUZZ_TARGET(name) \
  int stance_fuzz_##name(const uint8_t *data, size_t size); \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return stance_fuzz_##name(data, size); } \
  int stance_fuzz_##name(const uint8_t *data, size_t size)
static inline void stance_fuzz_failed(const char *what, const char *file, int line) {
  fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
  abort();
}
#else
#define STANCE_FUZZ_TARGET(name) \
  int stance_fuzz_##name(const uint8_t *data, size_t size); \
  int stance_fuzz_##name(const uint8_t *data, size_t size)
/* Defined by the unit tests (tests/c/test_fuzz_seeds.c): records a failed check. */
void stance_fuzz_failed(const char *what, const char *file, int line);
#endif

/* Check a property; when it does not hold, report it and leave the target (returning 0). */
#define FUZZ_CHECK(cond, what) \
  do { \
    if (!(cond)) { \
      stance_fuzz_failed((what), __FILE__, __LINE__); \
      return 0; \
    } \
  } while (0)

/* Split an input in two at the first occurrence of `sep` (for targets that read two things,
 * e.g. an annotation file and its document): *a, *alen before it, *b, *blen after it (the
 * whole input and nothing when there is none). */
static inline void stance_fuzz_split(const uint8_t *data, size_t size, const char *sep, size_t seplen,
                                     const char **a, size_t *alen, const char **b, size_t *blen) {
  size_t i;
  *a = (const char *)data;
  *alen = size;
  *b = (const char *)data + size;
  *blen = 0;
  for (i = 0; seplen > 0 && i + seplen <= size; i++) {
    size_t k = 0;
    while (k < seplen && data[i + k] == (uint8_t)sep[k]) k++;
    if (k == seplen) {
      *alen = i;
      *b = (const char *)data + i + seplen;
      *blen = size - i - seplen;
      return;
    }
  }
}

#endif
