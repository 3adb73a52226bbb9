/*
 * A libFuzzer target for the annotation reader (make test-fuzz). For every input:
 *   - reading never crashes, leaks or overflows (ASan, UBSan);
 *   - the hand-written reader and the tree-sitter parser agree: same verdict (syntax
 *     error or not) and, without errors, the same lines;
 *   - the canonical form is a fixed point: write(read(write(read(x)))) == write(read(x)),
 *     and reading a canonical text finds no error.
 * A violated property aborts, which libFuzzer reports with the input that caused it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "syntaxdump.h"

static void check(int ok, const char *what, const uint8_t *data, size_t size) {
  if (ok) return;
  fprintf(stderr, "property violated: %s (input of %zu bytes)\n", what, size);
  (void)data;
  abort();
}

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  stance_buf a, b;
  int problems, has_error;
  size_t n1 = 0, n2 = 0, e1 = 0, e2 = 0;
  char *w1, *w2;

  stance_buf_init(&a);
  stance_buf_init(&b);
  problems = stance_dump_markup(text, size, &a);
  has_error = stance_dump_treesitter(text, size, &b, NULL);
  check(problems >= 0 && has_error >= 0, "both readers run", data, size);
  check((problems > 0) == (has_error == 1), "same verdict as tree-sitter", data, size);
  if (!has_error)
    check(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0),
          "same lines as tree-sitter", data, size);
  stance_buf_free(&a);
  stance_buf_free(&b);

  w1 = canonical(text, size, &n1, &e1);
  if (w1 != NULL) {
    w2 = canonical(w1, n1, &n2, &e2);
    check(w2 != NULL, "canonical text reads", data, size);
    check(e2 == 0, "canonical text has no error", data, size);
    check(n1 == n2 && (n1 == 0 || memcmp(w1, w2, n1) == 0), "canonical form is a fixed point", data,
          size);
    free(w2);
  }
  free(w1);
  return 0;
}
