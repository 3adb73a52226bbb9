/*
 * buf.h - a growable byte buffer. On allocation failure the buffer remembers it (`oom`)
 * and ignores further appends, so that callers check once at the end.
 */
#ifndef STANCE_BUF_H
#define STANCE_BUF_H

#include <stddef.h>

typedef struct stance_buf {
  char *data;
  size_t len, cap;
  int oom;
} stance_buf;

void stance_buf_init(stance_buf *b);
void stance_buf_free(stance_buf *b);
/* Make room for `n` more bytes; returns a pointer to them or NULL (and sets oom). */
char *stance_buf_reserve(stance_buf *b, size_t n);
void stance_buf_add(stance_buf *b, const char *s, size_t n);
void stance_buf_adds(stance_buf *b, const char *s);
void stance_buf_addc(stance_buf *b, char c);
void stance_buf_addu(stance_buf *b, unsigned long long v);
void stance_buf_addf(stance_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
