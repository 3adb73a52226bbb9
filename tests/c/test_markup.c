/* markup.c: lines, values, escapes, problems; and agreement with the tree-sitter parser. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "markup.h"
#include "syntaxdump.h"

typedef struct collected {
  stance_buf dump;
  char problems[2048];
  int nsyntax, nvalue;
} collected;

static collected *parse(const char *text) {
  static collected c;
  stance_buf_free(&c.dump);
  c.problems[0] = '\0';
  c.nsyntax = stance_dump_markup(text, strlen(text), &c.dump);
  return &c;
}

static void on_problem(void *ud, stance_problem_kind kind, stance_problem_scope scope,
                       uint32_t line, uint32_t col, const char *msg) {
  (void)scope;
  collected *c = ud;
  size_t n = strlen(c->problems);
  snprintf(c->problems + n, sizeof c->problems - n, "%u:%u:%s:%s\n", line, col,
           kind == STANCE_PROBLEM_SYNTAX ? "syntax" : "value", msg);
}

static const char *problems(const char *text) {
  static collected c;
  stance_markup_handler h = {NULL, on_problem, &c};
  c.problems[0] = '\0';
  stance_markup_parse(text, strlen(text), &h);
  return c.problems;
}

static void markup_reads_records_attributes_text_and_comments(void) {
  collected *c = parse(
      "# head\n"
      "format stance 1\n"
      "\n"
      "annotation k7m2\n"
      "  span 10-20 30-40\n"
      "  quote \"he said \\\"no\\\"\\n\"\n"
      "  # inner\n"
      "  note\n"
      "    | first line  \n"
      "    |\n"
      "  label claim   \n");
  CHECK_INT(c->nsyntax, 0);
  CHECK_STR(c->dump.data,
            "C1:0: head\n"
            "R2:format Wstance W1\n"
            "R4:annotation Wk7m2\n"
            "A5:span W10-20 W30-40\n"
            "A6:quote S\"he said \\\"no\\\"\\n\"\n"
            "C7:1: inner\n"
            "A8:note\n"
            "T9: first line\n"
            "T10:\n"
            "A11:label Wclaim\n");
}

static void markup_accepts_crlf_and_a_last_line_without_newline(void) {
  collected *c = parse("doc \"a b\"\r\n  hash sha256:00\r\n  x y");
  CHECK_INT(c->nsyntax, 0);
  CHECK_STR(c->dump.data, "R1:doc S\"a b\"\nA2:hash Wsha256:00\nA3:x Wy\n");
  c = parse("k a\n   ");
  CHECK_INT(c->nsyntax, 0);
}

static void markup_decodes_every_escape(void) {
  collected *c = parse("k \"\\t\\\\\\x41\\u{e9}\\u{1F642}\\r\"\n");
  CHECK_INT(c->nsyntax, 0);
  CHECK_STR(c->dump.data, "R1:k S\"\\t\\\\A\xc3\xa9\xf0\x9f\x99\x82\\r\"\n");
}

static void markup_reports_problems_with_line_and_column(void) {
  CHECK_STR(problems("k \"abc\n"), "1:3:syntax:unterminated string (a string ends on its line)\n");
  CHECK_STR(problems("k a\n  b \"x\\q\"\n"),
            "2:7:syntax:unknown escape \\q (use \\\\, \\\", \\n, \\r, \\t, \\xHH or \\u{HHHH})\n");
  CHECK_STR(problems("k a\"b\"\n"), "1:4:syntax:unexpected '\"': separate values with a space\n");
  CHECK_STR(problems("\n  attr 1\n"),
            "2:3:syntax:indented line outside a record (a blank line or a comment at column 1 "
            "ends a record)\n");
  CHECK_STR(problems("Format x\n"),
            "1:1:syntax:unexpected 'F': a record starts with a lowercase keyword at column 1\n");
  CHECK_STR(problems("k\n  1x\n"),
            "2:3:syntax:unexpected '1': an attribute name starts with a lowercase letter\n");
  CHECK_STR(problems("k a\rb\n"), "1:4:syntax:a carriage return must be followed by a newline\n");
  CHECK_STR(problems("k \"\\u{D800}\"\n"),
            "1:3:value:invalid code point in \\u{...} (replaced by U+FFFD)\n");
}

static void markup_skips_the_lines_of_a_broken_record(void) {
  collected *c = parse("k \"x\n  a 1\n  b 2\n\nok 1\n  c 3\n");
  CHECK_INT(c->nsyntax, 1);
  CHECK_STR(c->dump.data, "R5:ok W1\nA6:c W3\n");
}

static void markup_quotes_what_must_be_quoted(void) {
  char out[64];
  size_t n = stance_markup_quote("a\"b\\c\nd\x01\xff\xc3\xa9", 11, out);
  out[n] = '\0';
  CHECK_STR(out, "\"a\\\"b\\\\c\\nd\\x01\\xff\xc3\xa9\"");
  CHECK(stance_markup_is_word("claim", 5));
  CHECK(stance_markup_is_word("sha256:ab", 9));
  CHECK(!stance_markup_is_word("two words", 9));
  CHECK(!stance_markup_is_word("", 0));
  CHECK(!stance_markup_is_word("a\"b", 3));
  CHECK(!stance_markup_is_word("\xff", 1));
}

/* ---- agreement with tree-sitter ---------------------------------------------------- */

static int agreed_errors, agreed_clean;

static int agree(const char *text, size_t len, int verbose) {
  stance_buf a, b;
  int problems_, has_error, ok;
  stance_buf_init(&a);
  stance_buf_init(&b);
  problems_ = stance_dump_markup(text, len, &a);
  has_error = stance_dump_treesitter(text, len, &b, NULL);
  ok = (problems_ > 0) == (has_error == 1) &&
       (has_error || (a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0)));
  if (ok) {
    if (has_error)
      agreed_errors++;
    else
      agreed_clean++;
  }
  if (!ok && verbose) {
    fprintf(stderr, "    disagreement on %u bytes: markup %d problems, tree-sitter error %d\n",
            (unsigned)len, problems_, has_error);
    fprintf(stderr, "    input: ");
    fwrite(text, 1, len, stderr);
    fprintf(stderr, "\n    markup:\n%s    tree-sitter:\n%s", a.data ? a.data : "",
            b.data ? b.data : "");
  }
  stance_buf_free(&a);
  stance_buf_free(&b);
  return ok;
}

static const char *const seeds[] = {
    "format stance 1\n\ndocument \"a.txt\"\n  hash sha256:ff\n  annotator ana\n",
    "annotation k7\n  span 1-2 3-4\n  quote \"x\\\"y\\u{1F642}\"\n  note\n    | line\n    |\n",
    "# c\nrelation r1\n  type supports\n  from a\n  to b\n  # inner\n\n  # outer\n",
    "k a b c\r\n  x \"\" y\r\n",
    "k\n  t \"\\x00\\t\"   \n   \n",
    "label claim\n  key c\n  color #c0392b\n  name \"Claim é\"",
    "k\n  |  padded text  \n  | \xff raw bytes\n",
    "k a\n\n\n  \n# end",
    "target engagement\n  key e\n",
};

static void markup_agrees_with_treesitter_on_known_inputs(void) {
  static const char *const bad[] = {
      "k \"abc\n", "k a\"b\"\n", "\n  attr 1\n", "Format x\n", "k\n  1x\n", "k a\rb\n",
      "k \"\\q\"\n", "k\n  \"x\"\n", "  | t\n", "k\n  b \"x\"y\n", "k a\r", "\xef\xbb\xbfk a\n",
  };
  size_t i;
  for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) CHECK(agree(seeds[i], strlen(seeds[i]), 1));
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(agree(bad[i], strlen(bad[i]), 1));
  CHECK(agree("k a\0b\n", 6, 1));
  CHECK(agree("# a\0\n", 5, 1));
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Random edits of the seeds with the characters that matter to the syntax. */
static void markup_agrees_with_treesitter_on_mutations(void) {
  static const char alphabet[] = " \t\n\r\"\\#|axu{}0-9AZ_\xc3\xff";
  char buf[512];
  int round, disagreements = 0;
  agreed_errors = agreed_clean = 0;
  for (round = 0; round < 20000; round++) {
    const char *seed = seeds[next() % (sizeof seeds / sizeof seeds[0])];
    size_t len = strlen(seed), edits = 1 + next() % 4, e;
    memcpy(buf, seed, len);
    for (e = 0; e < edits; e++) {
      size_t pos = len ? next() % len : 0;
      char c = alphabet[next() % (sizeof alphabet - 1)];
      switch (next() % 3) {
        case 0: buf[pos] = c; break;                                   /* replace */
        case 1:                                                       /* insert */
          if (len < sizeof buf - 1) {
            memmove(buf + pos + 1, buf + pos, len - pos);
            buf[pos] = c;
            len++;
          }
          break;
        default:                                                      /* delete */
          if (len > 0) {
            memmove(buf + pos, buf + pos + 1, len - pos - 1);
            len--;
          }
      }
    }
    if (!agree(buf, len, disagreements < 3)) disagreements++;
  }
  CHECK_INT(disagreements, 0);
  /* Both outcomes must be well represented for the agreement to mean something. */
  CHECK(agreed_errors > 2000);
  CHECK(agreed_clean > 2000);
}

const test_case markup_tests[] = {
    {"markup_reads_records_attributes_text_and_comments",
     markup_reads_records_attributes_text_and_comments},
    {"markup_accepts_crlf_and_a_last_line_without_newline",
     markup_accepts_crlf_and_a_last_line_without_newline},
    {"markup_decodes_every_escape", markup_decodes_every_escape},
    {"markup_reports_problems_with_line_and_column", markup_reports_problems_with_line_and_column},
    {"markup_skips_the_lines_of_a_broken_record", markup_skips_the_lines_of_a_broken_record},
    {"markup_quotes_what_must_be_quoted", markup_quotes_what_must_be_quoted},
    {"markup_agrees_with_treesitter_on_known_inputs", markup_agrees_with_treesitter_on_known_inputs},
    {"markup_agrees_with_treesitter_on_mutations", markup_agrees_with_treesitter_on_mutations},
    {NULL, NULL}};
