/* brat.c: the .ann reader (lines, columns, problems, limits); the Lua module's tables are
 * tested in tests/lua/brat_spec.lua, and any input by the fuzz target tests/fuzz/brat.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brat.h"
#include "check.h"

static stance_brat_doc doc;
static const char *input;

static void parse(const char *s) {
  input = s;
  stance_brat_free(&doc);
  CHECK_INT(stance_brat_parse(s, strlen(s), &doc), STANCE_BRAT_OK);
}

/* (off, len) of the input as a C string (a static buffer). */
static const char *str(stance_brat_str x) {
  static char buf[4][256];
  static int k;
  char *b = buf[k++ % 4];
  size_t n = x.len < 255 ? x.len : 255;
  memcpy(b, input + x.off, n);
  b[n] = '\0';
  return b;
}

/* Problem i as "line:col: message". */
static const char *problem(size_t i) {
  static char buf[512];
  const stance_brat_problem *p = &doc.problems[i];
  snprintf(buf, sizeof buf, "%zu:%zu: %.*s", p->line, p->col, (int)p->msg_len, doc.messages.data + p->msg_off);
  return buf;
}

static void brat_reads_each_kind_of_line(void) {
  const stance_brat_obj *o;
  parse("T1\tClaim 0 5\tHello\nT2\tPremise 6 8;10 12\tab cd\nA1\tStance T1 For\nM1\tNegation T2\n"
        "R1\tsupports Arg1:T2 Arg2:T1\t\nE1\tBind:T2 Theme:T1 Cause:T2\n*\tEquiv T1 T2\n"
        "N1\tReference T1 Wiki:123\tHello\n#1\tAnnotatorNotes T1\tnote\twith tab\n");
  CHECK_INT(doc.nproblems, 0);
  CHECK_INT(doc.nobjs, 9);
  o = &doc.objs[0];
  CHECK_INT(o->kind, STANCE_BRAT_T);
  CHECK_STR(str(o->id), "T1");
  CHECK_STR(str(o->type), "Claim");
  CHECK_INT(o->count, 1);
  CHECK_INT(doc.spans[o->first].start, 0);
  CHECK_INT(doc.spans[o->first].end, 5);
  CHECK(o->has_text);
  CHECK_STR(str(o->text), "Hello");
  o = &doc.objs[1];
  CHECK_INT(o->count, 2);
  CHECK_INT(doc.spans[o->first + 1].start, 10);
  o = &doc.objs[2];
  CHECK_INT(o->kind, STANCE_BRAT_A);
  CHECK_STR(str(o->type), "Stance");
  CHECK_STR(str(o->target), "T1");
  CHECK_INT(o->target_col, 11);
  CHECK(o->has_value);
  CHECK_STR(str(o->value), "For");
  o = &doc.objs[3];
  CHECK_INT(o->kind, STANCE_BRAT_M);
  CHECK(!o->has_value);
  o = &doc.objs[4];
  CHECK_INT(o->kind, STANCE_BRAT_R);
  CHECK(!o->has_text);
  CHECK_INT(o->count, 2);
  CHECK_STR(str(doc.args[o->first].role), "Arg1");
  CHECK_STR(str(doc.args[o->first].ref), "T2");
  CHECK_INT(doc.args[o->first].col, 18);
  CHECK_INT(doc.args[o->first + 1].col, 26);
  o = &doc.objs[5];
  CHECK_INT(o->kind, STANCE_BRAT_E);
  CHECK_STR(str(o->type), "Bind");
  CHECK_STR(str(o->target), "T2");
  CHECK_INT(o->target_col, 9);
  CHECK_INT(o->count, 2);
  o = &doc.objs[6];
  CHECK_INT(o->kind, STANCE_BRAT_EQUIV);
  CHECK_INT(o->id.len, 0);
  CHECK_INT(o->count, 2);
  CHECK_STR(str(doc.args[o->first + 1].ref), "T2");
  CHECK_INT(doc.args[o->first + 1].col, 12);
  o = &doc.objs[7];
  CHECK_INT(o->kind, STANCE_BRAT_N);
  CHECK_STR(str(o->ref), "Wiki:123");
  o = &doc.objs[8];
  CHECK_INT(o->kind, STANCE_BRAT_NOTE);
  CHECK_STR(str(o->text), "note\twith tab");
  CHECK_INT(o->line, 9);
  stance_brat_free(&doc);
}

static void brat_problems_name_line_and_column(void) {
  parse("T1\tClaim 5 3\tx\n"                 /* 1 */
        "T2 Claim 0 1\n"                     /* 2: no tab */
        "X1\tFoo\n"                          /* 3 */
        "1T\tClaim 0 1\n"                    /* 4 */
        "T1\tClaim 0 1\n"                    /* 5: T1 was refused: not a duplicate */
        "T1\tClaim 0 2\n"                    /* 6: duplicate of line 5 */
        "T3\tClaim 0 1;x 4\n"                /* 7 */
        "T4\tClaim 0 1234567890123456\n"     /* 8 */
        "T5\tClaim 00000000000000000001 2\n" /* 9: leading zeros count for nothing */
        "R1\tr A:T1 A:T5\n"                  /* 10 */
        "A1\tStance\n"                       /* 11 */
        "N1\tRef T1 Wiki:\n"                 /* 12 */
        "E1\tBind:T1 Theme\n"                /* 13 */
        "   \t  \n"                          /* 14: blank */
        "T6\tClaim 0 1;4 2\n");              /* 15 */
  CHECK_INT(doc.nproblems, 12);
  CHECK_STR(problem(0), "1:10: offsets 5 3: the start is after the end");
  CHECK_STR(problem(1), "2:1: expected an ID and a tab");
  CHECK_STR(problem(2), "3:1: unknown line 'X1' (T, A, M, R, E, N, #, *)");
  CHECK_STR(problem(3), "4:1: '1T' is not an ID (a letter and a number, e.g. T1, or * for an equivalence)");
  CHECK_STR(problem(4), "6:1: T1 is defined twice (first at line 5)");
  CHECK_STR(problem(5), "7:14: 'x' is not an offset (a whole number)");
  CHECK_STR(problem(6), "8:12: offset 1234567890123456 is too large");
  CHECK_STR(problem(7), "10:11: both arguments are named A");
  CHECK_STR(problem(8), "11:4: an A line is ID, tab, NAME TARGET [VALUE]");
  CHECK_STR(problem(9), "12:4: an N line is ID, tab, TYPE TARGET DB:ID, tab, text");
  CHECK_STR(problem(10), "13:12: 'Theme' is not ROLE:ID (an event argument)");
  CHECK_STR(problem(11), "15:14: offsets 4 2: the start is after the end");
  CHECK_INT(doc.nobjs, 2);
  CHECK_INT(doc.spans[doc.objs[1].first].start, 1);
  CHECK_INT(doc.nspans, 2); /* nothing of a refused line is kept */
  CHECK_INT(doc.nargs, 0);
  stance_brat_free(&doc);
}

static void brat_cuts_lines_where_python_does(void) {
  /* a byte order mark; CR, NEL and LS cut a line (columns go on), LF counts lines */
  parse("\xef\xbb\xbfT1\tA 0 1\rT2\tA 0 1\xc2\x85T3\tA 0\xe2\x80\xa8T4\tA 0 1\r\nT5\tB 1 2");
  CHECK_INT(doc.nobjs, 4);
  CHECK_INT(doc.nproblems, 1);
  CHECK_STR(problem(0), "1:25: bad offsets '0' (START END, fragments joined by ';')");
  CHECK_INT(doc.objs[1].col, 10);
  CHECK_INT(doc.objs[2].line, 1);
  CHECK_INT(doc.objs[2].col, 29);
  CHECK_STR(str(doc.objs[3].id), "T5");
  CHECK_INT(doc.objs[3].line, 2);
  CHECK_INT(doc.objs[3].col, 1);
  /* nothing at all, and a lone LF */
  parse("");
  CHECK_INT(doc.nobjs + doc.nproblems, 0);
  parse("\n\n");
  CHECK_INT(doc.nobjs + doc.nproblems, 0);
  stance_brat_free(&doc);
}

static void brat_reads_many_ids(void) {
  /* enough lines for the table of IDs to grow several times; the last is a duplicate */
  size_t n = 5000, i, len = 0;
  char *s = malloc(n * 32 + 32);
  CHECK(s != NULL);
  if (s == NULL) return;
  for (i = 0; i < n; i++) len += (size_t)sprintf(s + len, "T%zu\tClaim %zu %zu\n", i, i, i + 1);
  sprintf(s + len, "T17\tClaim 0 1\n");
  parse(s);
  CHECK_INT(doc.nobjs, n);
  CHECK_INT(doc.nproblems, 1);
  CHECK_STR(problem(0), "5001:1: T17 is defined twice (first at line 18)");
  stance_brat_free(&doc);
  free(s);
}

const test_case brat_tests[] = {{"brat_reads_each_kind_of_line", brat_reads_each_kind_of_line},
                                {"brat_problems_name_line_and_column", brat_problems_name_line_and_column},
                                {"brat_cuts_lines_where_python_does", brat_cuts_lines_where_python_does},
                                {"brat_reads_many_ids", brat_reads_many_ids},
                                {NULL, NULL}};
