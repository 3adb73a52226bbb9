/*
 * buf.c - growable byte buffer (see buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void stance_buf_init(stance_buf *b) { memset(b, 0, sizeof *b); }

void stance_buf_free(stance_buf *b) {
  free(b->data);
  stance_buf_init(b);
}

char *stance_buf_reserve(stance_buf *b, size_t n) {
  if (b->oom) return NULL;
  if (b->cap - b->len < n + 1) {
    size_t cap = b->cap ? b->cap : 256;
    char *d;
    while (cap - b->len < n + 1) {
      if (cap > ((size_t)-1) / 2) {
        b->oom = 1;
        return NULL;
      }
      cap *= 2;
    }
    d = realloc(b->data, cap);
    if (d == NULL) {
      b->oom = 1;
      return NULL;
    }
    b->data = d;
    b->cap = cap;
  }
  return b->data + b->len;
}

void stance_buf_add(stance_buf *b, const char *s, size_t n) {
  char *p = stance_buf_reserve(b, n);
  if (p == NULL) return;
  memcpy(p, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void stance_buf_adds(stance_buf *b, const char *s) { stance_buf_add(b, s, strlen(s)); }

void stance_buf_addc(stance_buf *b, char c) {
  char *p = stance_buf_reserve(b, 1);
  if (p == NULL) return;
  *p = c;
  b->len++;
  b->data[b->len] = '\0';
}

void stance_buf_addu(stance_buf *b, unsigned long long v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  {
    char *p = stance_buf_reserve(b, (size_t)n);
    int i;
    if (p == NULL) return;
    for (i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    b->len += (size_t)n;
    b->data[b->len] = '\0';
  }
}

void stance_buf_addf(stance_buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  char *p;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  p = stance_buf_reserve(b, (size_t)n);
  if (p == NULL) return;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}
