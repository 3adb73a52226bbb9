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
  uint64_t key[2];      /* the key of the IDs' hashes (stance_brat_hash), new at each read */
  size_t id_lookups, id_probes; /* IDs looked for or added, and the slots that took: near one
                                 * slot each whatever the IDs (the tests count them) */
} stance_brat_doc;

/* The hash of `n` bytes at `s` under `key` (SipHash-1-3): the tables of IDs and names use
 * it with the key of their read, so that no file can choose IDs that all fall on one slot
 * (an unkeyed hash let crafted IDs make a read quadratic). */
uint64_t stance_brat_hash(const uint64_t key[2], const char *s, size_t n);

/* Read `len` bytes (a byte order mark at the start is skipped) into `d` (which the call
 * initializes; free it with stance_brat_free whatever the result). Returns STANCE_BRAT_OK,
 * or STANCE_BRAT_ENOMEM / STANCE_BRAT_E2BIG (nothing usable read). */
int stance_brat_parse(const char *text, size_t len, stance_brat_doc *d);
void stance_brat_free(stance_brat_doc *d);

/* ---- the common lines straight into a store --------------------------------------------
 *
 * An import (lua/stance/interop/brat_io.lua) makes records of the lines that mean
 * something for a corpus (lua/stance/interop/brat_read.lua). Most .ann files hold only
 * T lines of one fragment, A lines Target, Stance or Role with a value on a T, and R lines
 * Arg1:T Arg2:T: for such a file (and no other line, no problem), the records are made here,
 * in C, exactly as brat_read.lua makes them (tests/fuzz/lua/brat.lua checks that both give
 * the same file). Any other file, or a line that would be reported, is STANCE_BRAT_UNCOMMON:
 * the Lua reader takes the whole file, and says what it says.
 *
 * First stance_brat_fast_plan reads the file and lists its distinct names (T and R types, A
 * values by attribute); the caller gives each the name it has in the corpus (brat.renamer)
 * and, for labels, what the label sets in the schema; then stance_brat_fast_build makes
 * the records into a store: annotations (in the order of their T lines, then relations in
 * the order of their R lines) with fresh IDs, quote, prefix and suffix (32 code points). */

enum { STANCE_BRAT_UNCOMMON = 1, STANCE_BRAT_EIDS = -3, STANCE_BRAT_ERANDOM = -4 };

/* What a distinct name is. */
typedef enum {
  STANCE_BRAT_NAME_LABEL = 0, /* a T's type */
  STANCE_BRAT_NAME_RELATION,  /* an R's type */
  STANCE_BRAT_NAME_TARGET,    /* the value of an A Target */
  STANCE_BRAT_NAME_STANCE,    /* ... Stance */
  STANCE_BRAT_NAME_ROLE,      /* ... Role */
  STANCE_BRAT_NAME_KINDS
} stance_brat_name_kind;

typedef struct {
  stance_brat_doc doc;
  const char *ann;            /* the input (kept by the caller) */
  size_t nt, nr;              /* T and R lines */
  size_t *name_of;            /* per object: the index of its name (T, R: type; A: value) */
  size_t *on;                 /* per object: A: the T object it is on; R: its two T objects (2 each) */
  stance_brat_str *names;     /* the distinct names, in the order first seen */
  unsigned char *kinds;       /* their kinds (stance_brat_name_kind) */
  size_t nnames;
} stance_brat_fast;

/* What a name is in the corpus: NUL-terminated, without NUL inside; for a label, what it
 * sets (target, stance, role; NULL: nothing). */
typedef struct {
  const char *name;
  const char *sets[3];
} stance_brat_name;

/* Read `len` bytes of an .ann into `f` (initialized by the call; free it with
 * stance_brat_fast_free whatever the result). STANCE_BRAT_OK (the names are listed),
 * STANCE_BRAT_UNCOMMON, STANCE_BRAT_ENOMEM or STANCE_BRAT_E2BIG. */
int stance_brat_fast_plan(stance_brat_fast *f, const char *ann, size_t len);
/* The records of a planned file against the document `text` into `store` (empty), the
 * names given (f->nnames of them). `ids`: NULL for fresh random IDs, else 12 characters per
 * record in the order they are made (tests). STANCE_BRAT_OK with *nrecs, STANCE_BRAT_UNCOMMON
 * (the store may hold some records: drop it), STANCE_BRAT_ENOMEM, STANCE_BRAT_EIDS (`ids`
 * too short) or STANCE_BRAT_ERANDOM (the system gave no random bytes). */
struct stance_text;
struct stance_store;
int stance_brat_fast_build(const stance_brat_fast *f, const stance_brat_name *names, const struct stance_text *text,
                           const char *ids, size_t idslen, struct stance_store *store, size_t *nrecs);
void stance_brat_fast_free(stance_brat_fast *f);

#endif
