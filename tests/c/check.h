/*
 * check.h - the C unit tests' tiny harness: CHECK macros, test tables, temp folders.
 */
#ifndef STANCE_CHECK_H
#define STANCE_CHECK_H

#include <stddef.h>
#include <string.h>

typedef struct test_case {
  const char *name;
  void (*fn)(void);
} test_case;

void check_fail(const char *file, int line, const char *fmt, ...);

#define CHECK(c) \
  do { \
    if (!(c)) check_fail(__FILE__, __LINE__, "%s", #c); \
  } while (0)
#define CHECK_INT(a, b) \
  do { \
    long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) check_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, a_, b_); \
  } while (0)
#define CHECK_STR(a, b) \
  do { \
    const char *a_ = (a), *b_ = (b); \
    if (a_ == NULL || strcmp(a_, b_) != 0) \
      check_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_); \
  } while (0)

/* A fresh folder under $TMPDIR (or /tmp), removed by tmp_cleanup(). */
const char *tmp_dir(void);
void tmp_cleanup(const char *dir);
/* Write `len` bytes (or strlen(data) when len is (size_t)-1) to dir/rel, making folders. */
void tmp_write(const char *dir, const char *rel, const char *data, size_t len);

#endif
