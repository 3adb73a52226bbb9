/*
 * problems.h - what a reader found wrong in a file: position, severity, message.
 *
 * An error means something in the file could not be loaded faithfully (a syntax error, a
 * record without an ID, a newer format): such a file must not be overwritten without the
 * user's say-so. A warning means the file was read completely but breaks a rule (an
 * unknown stance, a dangling relation): everything is kept and written back as it was.
 */
#ifndef STANCE_PROBLEMS_H
#define STANCE_PROBLEMS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { STANCE_SEV_ERROR = 0, STANCE_SEV_WARNING = 1 } stance_severity;

typedef struct stance_problem {
  uint32_t line, col;           /* 1-based; col in bytes */
  stance_severity severity;
  char *message;
  uint32_t seq;                 /* order found, to keep it among equal positions */
} stance_problem;

typedef struct stance_problems {
  stance_problem *items;
  size_t n, cap;
  size_t errors;
  int oom;
} stance_problems;

void stance_problems_init(stance_problems *p);
void stance_problems_free(stance_problems *p);
void stance_problems_add(stance_problems *p, uint32_t line, uint32_t col, stance_severity sev,
                         const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
#include <stdarg.h>
void stance_problems_vadd(stance_problems *p, uint32_t line, uint32_t col, stance_severity sev,
                          const char *fmt, va_list ap);
/* Sort by line, then column (stable for equal positions). */
void stance_problems_sort(stance_problems *p);

#endif
