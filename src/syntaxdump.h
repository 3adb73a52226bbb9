/*
 * syntaxdump.h - both readers of the markup (the hand-written one in markup.c and the
 * tree-sitter parser) rendered as the same plain text, one line per record, attribute,
 * text line and comment, so that tests and the fuzzer can prove they agree.
 */
#ifndef STANCE_SYNTAXDUMP_H
#define STANCE_SYNTAXDUMP_H

#include "buf.h"

/* Render `buf` as read by markup.c. Returns the number of syntax problems, -1 on OOM. */
int stance_dump_markup(const char *buf, size_t len, stance_buf *out);

/* Render `buf` as parsed by tree-sitter. Returns 1 if the tree has an error, 0 if not,
 * -1 on failure. `sexp`, if not NULL, receives the tree as an S-expression. */
int stance_dump_treesitter(const char *buf, size_t len, stance_buf *out, stance_buf *sexp);

#endif
