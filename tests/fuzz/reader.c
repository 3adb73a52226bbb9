/*
 * Fuzz target "reader": annotation files (see fuzz.h). For every input:
 *   - reading never crashes, leaks or overflows (ASan, UBSan);
 *   - the hand-written reader and the tree-sitter parser agree: same verdict (syntax
 *     error or not) and, without errors, the same lines;
 *   - the canonical form is a fixed point: write(read(write(read(x)))) == write(read(x)),
 *     and reading a canonical text finds no error;
 *   - a file with errors has its first error said as the model job says it (modeljob.h:
 *     stance_modeljob_first_error): at the first error's place, its message first.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "modeljob.h"
#include "reader.h"
#include "syntaxdump.h"

/* Whether the first error of `text` (read with the problems `p`) is said at its place, its
 * message first (or out of memory); and that a text without errors has none said. */
static int first_said(const char *text, size_t len, const stance_problems *p) {
  stance_model_skipped one;
  const stance_problem *first = NULL;
  size_t k;
  int rc = stance_modeljob_first_error(text, len, p, &one), ok;
  for (k = 0; k < p->n; k++)
    if (p->items[k].severity == STANCE_SEV_ERROR &&
        (first == NULL || p->items[k].line < first->line ||
         (p->items[k].line == first->line && p->items[k].col < first->col)))
      first = &p->items[k];
  if (rc < 0) return 1;
  if (rc == 0) return first == NULL;
  ok = first != NULL && one.line == first->line && one.col == first->col && one.errors == p->errors &&
       one.message != NULL &&
       strncmp(one.message, first->message ? first->message : "?", strlen(first->message ? first->message : "?")) == 0;
  free(one.message);
  return ok;
}

static char *canonical(const char *text, size_t len, size_t *out_len, size_t *errors, int *said) {
  stance_problems p;
  stance_store *s;
  stance_buf b;
  stance_problems_init(&p);
  s = stance_read(text, len, NULL, &p);
  *said = first_said(text, len, &p);
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
  int problems, has_error, same, ok, fixed, said = 1, said2 = 1;
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

  w1 = canonical(text, size, &n1, &e1, &said);
  FUZZ_CHECK(said, "the first error said at its place");
  if (w1 == NULL) return 0;
  w2 = canonical(w1, n1, &n2, &e2, &said2);
  ok = w2 != NULL;
  fixed = ok && n1 == n2 && (n1 == 0 || memcmp(w1, w2, n1) == 0);
  free(w1);
  free(w2);
  FUZZ_CHECK(ok, "canonical text reads");
  FUZZ_CHECK(said2, "the first error said at its place");
  FUZZ_CHECK(e2 == 0, "canonical text has no error");
  FUZZ_CHECK(fixed, "canonical form is a fixed point");
  return 0;
}
