/*
 * syntaxdump.c - render both readers of the markup alike (see syntaxdump.h).
 *
 * Lines of the dump:  R<line>:<keyword>[ W<word>| S<"string">]...
 *                     A<line>:<key>[ values]...   T<line>:<text>   C<line>:<0|1>:<comment>
 */
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "markup.h"
#include "syntaxdump.h"

const TSLanguage *tree_sitter_stance(void);

static void add_value(stance_buf *out, stance_value_kind kind, const char *s, size_t len) {
  stance_buf_addc(out, ' ');
  if (kind == STANCE_VALUE_WORD) {
    stance_buf_addc(out, 'W');
    stance_buf_add(out, s, len);
  } else {
    char *p;
    stance_buf_addc(out, 'S');
    p = stance_buf_reserve(out, 4 * len + 2);
    if (p != NULL) {
      out->len += stance_markup_quote(s, len, p);
      out->data[out->len] = '\0';
    }
  }
}

typedef struct dump_ctx {
  stance_buf *out;
  int syntax_problems;
} dump_ctx;

static int on_line(void *ud, const stance_line *l) {
  dump_ctx *c = ud;
  uint32_t i;
  switch (l->kind) {
    case STANCE_LINE_BLANK: return 0;
    case STANCE_LINE_RECORD: stance_buf_addc(c->out, 'R'); break;
    case STANCE_LINE_ATTRIBUTE: stance_buf_addc(c->out, 'A'); break;
    case STANCE_LINE_TEXT: stance_buf_addc(c->out, 'T'); break;
    case STANCE_LINE_COMMENT: stance_buf_addc(c->out, 'C'); break;
  }
  stance_buf_addu(c->out, l->line);
  stance_buf_addc(c->out, ':');
  if (l->kind == STANCE_LINE_COMMENT) stance_buf_adds(c->out, l->in_record ? "1:" : "0:");
  stance_buf_add(c->out, l->name, l->name_len);
  for (i = 0; i < l->nvalues; i++)
    add_value(c->out, l->values[i].kind, l->values[i].text, l->values[i].len);
  stance_buf_addc(c->out, '\n');
  return 0;
}

static void on_problem(void *ud, stance_problem_kind kind, stance_problem_scope scope,
                       uint32_t line, uint32_t col, const char *msg) {
  (void)scope;
  dump_ctx *c = ud;
  (void)line;
  (void)col;
  (void)msg;
  if (kind == STANCE_PROBLEM_SYNTAX) c->syntax_problems++;
}

int stance_dump_markup(const char *buf, size_t len, stance_buf *out) {
  dump_ctx c = {out, 0};
  stance_markup_handler h = {on_line, on_problem, &c};
  if (stance_markup_parse(buf, len, &h) < 0 || out->oom) return -1;
  return c.syntax_problems;
}

/* ---- tree-sitter side -------------------------------------------------------------- */

static void add_node_value(stance_buf *out, TSNode n, const char *buf) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (strcmp(ts_node_type(n), "word") == 0 || ts_node_has_error(n) || b - a < 2) {
    /* Words, and strings that error recovery made up (only the verdict counts then). */
    add_value(out, STANCE_VALUE_WORD, buf + a, b - a);
  } else {
    size_t inner = b - a - 2;
    char *tmp = malloc(inner + 1);
    size_t dec;
    if (tmp == NULL) {
      out->oom = 1;
      return;
    }
    dec = stance_markup_unescape(buf + a + 1, inner, tmp, NULL);
    add_value(out, STANCE_VALUE_STRING, tmp, dec);
    free(tmp);
  }
}

static void dump_line_node(stance_buf *out, TSNode n, const char *buf, int in_record) {
  const char *type = ts_node_type(n);
  uint32_t line = ts_node_start_point(n).row + 1, i, count = ts_node_named_child_count(n);
  if (strcmp(type, "comment") == 0) {
    uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
    stance_buf_addc(out, 'C');
    stance_buf_addu(out, line);
    stance_buf_adds(out, in_record ? ":1:" : ":0:");
    stance_buf_add(out, buf + a + 1, b - a - 1);
    stance_buf_addc(out, '\n');
    return;
  }
  if (strcmp(type, "text") == 0) {
    stance_buf_addc(out, 'T');
    stance_buf_addu(out, line);
    stance_buf_addc(out, ':');
    for (i = 0; i < count; i++) {
      TSNode c = ts_node_named_child(n, i);
      stance_buf_add(out, buf + ts_node_start_byte(c), ts_node_end_byte(c) - ts_node_start_byte(c));
    }
    stance_buf_addc(out, '\n');
    return;
  }
  /* record or attribute: its name, then its values */
  stance_buf_addc(out, strcmp(type, "record") == 0 ? 'R' : 'A');
  stance_buf_addu(out, line);
  stance_buf_addc(out, ':');
  for (i = 0; i < count; i++) {
    TSNode c = ts_node_named_child(n, i);
    const char *ct = ts_node_type(c);
    if (strcmp(ct, "keyword") == 0 || strcmp(ct, "key") == 0)
      stance_buf_add(out, buf + ts_node_start_byte(c), ts_node_end_byte(c) - ts_node_start_byte(c));
    else if (strcmp(ct, "word") == 0 || strcmp(ct, "string") == 0)
      add_node_value(out, c, buf);
  }
  stance_buf_addc(out, '\n');
  for (i = 0; i < count; i++) {
    TSNode c = ts_node_named_child(n, i);
    const char *ct = ts_node_type(c);
    if (strcmp(ct, "attribute") == 0 || strcmp(ct, "text") == 0 || strcmp(ct, "comment") == 0)
      dump_line_node(out, c, buf, 1);
  }
}

int stance_dump_treesitter(const char *buf, size_t len, stance_buf *out, stance_buf *sexp) {
  TSParser *parser = ts_parser_new();
  TSTree *tree;
  TSNode root;
  uint32_t i, n;
  int has_error;
  if (parser == NULL || !ts_parser_set_language(parser, tree_sitter_stance())) {
    if (parser) ts_parser_delete(parser);
    return -1;
  }
  tree = ts_parser_parse_string(parser, NULL, buf, (uint32_t)len);
  if (tree == NULL) {
    ts_parser_delete(parser);
    return -1;
  }
  root = ts_tree_root_node(tree);
  has_error = ts_node_has_error(root);
  n = ts_node_named_child_count(root);
  for (i = 0; i < n; i++) dump_line_node(out, ts_node_named_child(root, i), buf, 0);
  if (sexp != NULL) {
    char *s = ts_node_string(root);
    if (s != NULL) {
      stance_buf_adds(sexp, s);
      free(s);
    } else {
      sexp->oom = 1;
    }
  }
  ts_tree_delete(tree);
  ts_parser_delete(parser);
  return out->oom ? -1 : has_error;
}
