/*
 * problems.c - a list of problems with positions (see problems.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"

void stance_problems_init(stance_problems *p) { memset(p, 0, sizeof *p); }

void stance_problems_free(stance_problems *p) {
  size_t i;
  for (i = 0; i < p->n; i++) free(p->items[i].message);
  free(p->items);
  stance_problems_init(p);
}

void stance_problems_add(stance_problems *p, uint32_t line, uint32_t col, stance_severity sev,
                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stance_problems_vadd(p, line, col, sev, fmt, ap);
  va_end(ap);
}

void stance_problems_vadd(stance_problems *p, uint32_t line, uint32_t col, stance_severity sev,
                          const char *fmt, va_list ap) {
  char msg[512];
  stance_problem *it;
  if (p->oom) return;
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    stance_problem *ni = realloc(p->items, cap * sizeof *ni);
    if (ni == NULL) {
      p->oom = 1;
      return;
    }
    p->items = ni;
    p->cap = cap;
  }
  vsnprintf(msg, sizeof msg, fmt, ap);
  it = &p->items[p->n];
  it->message = malloc(strlen(msg) + 1);
  if (it->message == NULL) {
    p->oom = 1;
    return;
  }
  memcpy(it->message, msg, strlen(msg) + 1);
  it->line = line;
  it->col = col;
  it->severity = sev;
  it->seq = (uint32_t)p->n;
  p->n++;
  if (sev == STANCE_SEV_ERROR) p->errors++;
}

static int cmp(const void *a, const void *b) {
  const stance_problem *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void stance_problems_sort(stance_problems *p) {
  if (p->n > 1) qsort(p->items, p->n, sizeof *p->items, cmp);
}
