/*
 * brat.h - the syntax of brat's .ann files (standoff), read as brat's own reader reads them
 * (server/src/annotation.py); what the lines mean for a corpus is
 * lua/stance/interop/brat_read.lua's concern.
 *
 * Lines are cut at LF (and counted there, as editors do), then at every other line
 * boundary brat's reader sees (Python's str.splitlines: CR, VT, FF, FS, GS, RS, NEL, LS,
 * PS). A line brat would not read is a problem (line, column in bytes, 1-based); the rest is
 * read. Nothing is copied: strings are byte ranges of the input.
 */
#ifndef STANCE_BRAT_H
#define STANCE_BRAT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Offsets longer than this many digits (leading zeros aside) are refused. */
#define STANCE_BRAT_MAX_DIGITS 15
/* Inputs longer than this are refused whole (STANCE_BRAT_E2BIG). */
#define STANCE_BRAT_MAX_BYTES ((size_t)1 << 32)

enum { STANCE_BRAT_OK = 0, STANCE_BRAT_ENOMEM = -1, STANCE_BRAT_E2BIG = -2 };

/* What a line is. */
typedef enum {
  STANCE_BRAT_T,     /* text-bound: ID TYPE START END[;START END...] [text] */
  STANCE_BRAT_A,     /* attribute: ID NAME TARGET [VALUE] */
  STANCE_BRAT_M,     /* modifier (old attribute): ID TYPE TARGET */
  STANCE_BRAT_R,     /* relation: ID TYPE ROLE:ID ROLE:ID */
  STANCE_BRAT_E,     /* event: ID TYPE:TRIGGER ROLE:ID ... */
  STANCE_BRAT_N,     /* normalization: ID TYPE TARGET DB:ID [text] */
  STANCE_BRAT_NOTE,  /* #ID TYPE TARGET [text] */
  STANCE_BRAT_EQUIV  /* * TYPE ID ID ... */
} stance_brat_kind;

/* `len` bytes at `off` of the input. */
typedef struct {
  size_t off, len;
} stance_brat_str;

typedef struct {
  int64_t start, end; /* code points, as written */
} stance_brat_span;

/* ROLE:ID (R, E) or a member (*: role empty); col: the column of the ID. */
typedef struct {
  stance_brat_str role, ref;
  size_t col;
} stance_brat_arg;

typedef struct {
  stance_brat_kind kind;
  size_t line, col;          /* where the line starts */
  stance_brat_str id;        /* empty for * */
  stance_brat_str type;      /* T R E N *: the type; A M: the name; #: the kind of note */
  stance_brat_str target;    /* A M N #: the target; E: the trigger */
  size_t target_col;         /* (column of the target or trigger) */
  stance_brat_str value;     /* A: the value when has_value */
  stance_brat_str ref;       /* N: DB:ID */
  stance_brat_str text;      /* T N #: what follows the second tab, when has_text */
  int has_value, has_text;
  size_t first, count;       /* T: spans[first..]; R E *: args[first..] */
} stance_brat_obj;

typedef struct {
  size_t line, col;
  size_t msg_off, msg_len; /* in messages.data */
} stance_brat_problem;

typedef struct {
  stance_brat_obj *objs; /* in the order of the file */
  size_t nobjs, cap_objs;
  stance_brat_span *spans;
  size_t nspans, cap_spans;
  stance_brat_arg *args;
  size_t nargs, cap_args;
  stance_brat_problem *problems;
  size_t nproblems, cap_problems;
  stance_buf messages; /* the problems' messages, one after the other */
} stance_brat_doc;

/* Read `len` bytes (a byte order mark at the start is skipped) into `d` (which the call
 * initializes; free it with stance_brat_free whatever the result). Returns STANCE_BRAT_OK,
 * or STANCE_BRAT_ENOMEM / STANCE_BRAT_E2BIG (nothing usable read). */
int stance_brat_parse(const char *text, size_t len, stance_brat_doc *d);
void stance_brat_free(stance_brat_doc *d);

#endif
