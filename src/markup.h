/*
 * markup.h - the syntax of the annotation markup (doc/format.md), read line by line.
 *
 * A hand-written reader equivalent to the tree-sitter grammar in
 * grammars/tree-sitter-stance (tests and a fuzzer prove that both accept the same inputs
 * and find the same structure), but an order of magnitude faster. It calls back once per
 * line with the line decoded; it allocates nothing per line.
 *
 * Lines and columns are 1-based; columns count bytes.
 */
#ifndef STANCE_MARKUP_H
#define STANCE_MARKUP_H

#include <stddef.h>
#include <stdint.h>

typedef enum { STANCE_VALUE_WORD = 0, STANCE_VALUE_STRING = 1 } stance_value_kind;

typedef struct stance_value {
  const char *text;             /* decoded bytes; valid during the callback only */
  uint32_t len;
  uint32_t col;
  stance_value_kind kind;
  int decoded;                  /* a string with escapes, decoded: `text` may hold any byte
                                   (a NUL too); else `text` is the file's bytes, no NUL */
} stance_value;

typedef enum {
  STANCE_LINE_RECORD = 0,       /* `keyword values...` at column 1 */
  STANCE_LINE_ATTRIBUTE,        /* indented `key values...` inside a record */
  STANCE_LINE_TEXT,             /* indented `| text` inside a record */
  STANCE_LINE_COMMENT,          /* `# ...`, anywhere */
  STANCE_LINE_BLANK
} stance_line_kind;

typedef struct stance_line {
  stance_line_kind kind;
  uint32_t line, col;           /* where the keyword, key, '|' or '#' is */
  const char *name;             /* keyword or key; text after '|' (no trailing blanks);
                                   the comment after '#' */
  uint32_t name_len;
  const stance_value *values;
  uint32_t nvalues;
  int in_record;                /* comment lines: inside a record's attributes */
} stance_line;

typedef enum {
  STANCE_PROBLEM_SYNTAX = 0,    /* the line is not in the language; it is skipped */
  STANCE_PROBLEM_VALUE          /* the line parses, but a value is wrong (e.g. \u{D800}) */
} stance_problem_kind;

/* Where a problem is, for whoever builds records from the lines. */
typedef enum {
  STANCE_SCOPE_OUTSIDE = 0,     /* a line outside any record (comment, stray indented line) */
  STANCE_SCOPE_HEADER,          /* a record's first line: the record ends there, broken */
  STANCE_SCOPE_INSIDE           /* a line of the current record: the record is broken */
} stance_problem_scope;

typedef struct stance_markup_handler {
  /* Return non-zero to stop the parse (stance_markup_parse then returns that value). */
  int (*line)(void *ud, const stance_line *line);
  void (*problem)(void *ud, stance_problem_kind kind, stance_problem_scope scope, uint32_t line,
                  uint32_t col, const char *message);
  void *ud;
} stance_markup_handler;

/* Parse `len` bytes. Returns 0, the non-zero value a line callback returned, or -1 when
 * out of memory. A line with a syntax problem is reported and not passed to `line`; the
 * lines of a record whose header is broken are skipped silently. */
int stance_markup_parse(const char *buf, size_t len, const stance_markup_handler *h);
/* The same for a part of a file that starts at line `first_line` (1-based) and at the start
 * of a line outside any record. `last_line` (if not NULL) receives the number of the last
 * line read. */
int stance_markup_parse_from(const char *buf, size_t len, uint32_t first_line,
                             const stance_markup_handler *h, uint32_t *last_line);

/* Decode the body of a string literal (between the quotes, escapes valid) into `out`
 * (at least `len` bytes). Returns the decoded length; invalid code points become U+FFFD
 * and set *bad_cp. */
size_t stance_markup_unescape(const char *s, size_t len, char *out, int *bad_cp);

/* Append `s` to `out` as a string literal of the markup (quotes included), escaping what
 * must be: quote, backslash, control characters, and bytes that are not valid UTF-8.
 * `out` needs 4 * len + 2 bytes. Returns the bytes written. */
size_t stance_markup_quote(const char *s, size_t len, char *out);

/* Whether `s` can be written as a bare word (non-empty, no blank, quote or control
 * character, valid UTF-8). */
int stance_markup_is_word(const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if the bytes there are not one. */
int stance_utf8_valid_at(const unsigned char *s, size_t len);

#endif
