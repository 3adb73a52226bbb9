/*
 * Fuzz target "reader": annotation files (see fuzz.h). For every input:
 *   - reading never crashes, leaks or overflows (ASan, UBSan);
 *   - the hand-written reader and the tree-sitter parser agree: same verdict (syntax
 *     error or not) and, without errors, the same lines;
 *   - the canonical form is a fixed point: write(read(write(read(x)))) == write(read(x)),
 *     and reading a canonical text finds no error.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reader.h"
#include "syntaxdump.h"

static char *canonical(const char *text, size_t len, size_t *out_len, size_t *errors) {
  stance_problems p;
  stance_store *s;
  stance_buf b;
  stance_problems_init(&p);
  s = stance_read(text, len, NULL, &p);
  if (s == NULL) {
    stance_problems_free(&p);
    return NULL;
  }
  stance_buf_init(&b);
  stance_write(s, &b);
  *errors = p.errors;
  *out_len = b.len;
  stance_store_free(s);
  stance_problems_free(&p);
  return b.data;
}

STANCE_FUZZ_TARGET(reader) {
  const char *text = (const char *)data;
  stance_buf a, b;
  int problems, has_error, same, ok, fixed;
  size_t n1 = 0, n2 = 0, e1 = 0, e2 = 0;
  char *w1, *w2;

  stance_buf_init(&a);
  stance_buf_init(&b);
  problems = stance_dump_markup(text, size, &a);
  has_error = stance_dump_treesitter(text, size, &b, NULL);
  same = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
  stance_buf_free(&a);
  stance_buf_free(&b);
  FUZZ_CHECK(problems >= 0 && has_error >= 0, "both readers run");
  FUZZ_CHECK((problems > 0) == (has_error == 1), "same verdict as tree-sitter");
  FUZZ_CHECK(has_error || same, "same lines as tree-sitter");

  w1 = canonical(text, size, &n1, &e1);
  if (w1 == NULL) return 0;
  w2 = canonical(w1, n1, &n2, &e2);
  ok = w2 != NULL;
  fixed = ok && n1 == n2 && (n1 == 0 || memcmp(w1, w2, n1) == 0);
  free(w1);
  free(w2);
  FUZZ_CHECK(ok, "canonical text reads");
  FUZZ_CHECK(e2 == 0, "canonical text has no error");
  FUZZ_CHECK(fixed, "canonical form is a fixed point");
  return 0;
}
