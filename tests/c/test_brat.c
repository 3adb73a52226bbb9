/* brat.c: the .ann reader (lines, columns, problems, limits); bratfast.c: the common lines
 * straight into a store; the Lua module's tables are tested in tests/lua/brat_spec.lua, and
 * any input by the fuzz target tests/fuzz/brat.c (which checks the C path against the Lua
 * reader). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brat.h"
#include "check.h"
#include "store.h"
#include "text.h"

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

/* The hash the reader's table of IDs had (FNV-1a, 64 bits, unkeyed), on the low 16 bits of
 * its state: they depend on nothing else (the multiplication carries upwards only). */
static unsigned fnv_low16(unsigned h, const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) h = ((h ^ (unsigned char)s[i]) * 0x01b3u) & 0xffffu; /* (the prime's low bits) */
  return h;
}

/* IDs crafted against an unkeyed hash: 2^14 IDs "T" + 14 pieces of three letters, each piece
 * one of two that lead the hash's low 16 bits to the same state, so that all of them fall on
 * one slot of a table of up to 2^16 (quadratic: 2^27 slots looked at). Under the keyed hash
 * the reader looks at about one slot per ID however they are chosen (the probes counted, not
 * the time). */
static void brat_ids_crafted_to_collide(void) {
  enum { PIECES = 14 };
  static const char az[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static unsigned short seen[65536];
  char pieces[PIECES][2][3];
  unsigned state = (unsigned)(14695981039346656037ULL & 0xffffu);
  size_t n = (size_t)1 << PIECES, j, len = 0, line;
  char *s;
  state = fnv_low16(state, "T", 1);
  for (j = 0; j < PIECES; j++) { /* a pair of pieces from this state to one next state */
    int found = 0;
    size_t a;
    memset(seen, 0, sizeof seen);
    for (a = 0; a < 62 * 62 * 62 && !found; a++) {
      char p[3];
      unsigned next;
      p[0] = az[a / 3844];
      p[1] = az[a / 62 % 62];
      p[2] = az[a % 62];
      next = fnv_low16(state, p, 3);
      if (seen[next] != 0) {
        size_t k = seen[next] - 1u;
        pieces[j][0][0] = az[k / 3844];
        pieces[j][0][1] = az[k / 62 % 62];
        pieces[j][0][2] = az[k % 62];
        memcpy(pieces[j][1], p, 3);
        state = next;
        found = 1;
      } else if (a < 65535) {
        seen[next] = (unsigned short)(a + 1);
      }
    }
    CHECK(found);
    if (!found) return;
  }
  s = malloc(n * (1 + 3 * PIECES + 16) + 1);
  CHECK(s != NULL);
  if (s == NULL) return;
  for (line = 0; line < n; line++) {
    unsigned h = (unsigned)(14695981039346656037ULL & 0xffffu);
    s[len++] = 'T';
    for (j = 0; j < PIECES; j++) {
      memcpy(s + len, pieces[j][(line >> j) & 1], 3);
      len += 3;
    }
    h = fnv_low16(h, s + len - 1 - 3 * PIECES, 1 + 3 * PIECES);
    CHECK_INT(h, state); /* they do collide under the unkeyed hash */
    memcpy(s + len, "\tClaim 0 1\n", 11);
    len += 11;
  }
  s[len] = '\0';
  parse(s);
  CHECK_INT(doc.nobjs, n);
  CHECK_INT(doc.nproblems, 0);
  CHECK(doc.id_lookups >= n);
  /* linear probing at a load of at most 1/2, plus the moves to each larger table */
  CHECK(doc.id_probes <= 4 * doc.id_lookups + 4 * n);
  if (doc.id_probes > 4 * doc.id_lookups + 4 * n)
    fprintf(stderr, "    %zu slots looked at for %zu IDs\n", doc.id_probes, doc.id_lookups);
  stance_brat_free(&doc);
  free(s);
}

/* ---- the common lines straight into a store ------------------------------------------ */

/* Plan and build `ann` against `doc` with names taken as they are (labels "Claim" set the
 * target "t"); the result, and the store (NULL unless made). */
static int fast(const char *ann, const char *text, stance_store **out) {
  stance_brat_fast f;
  stance_brat_name names[16];
  static char buf[16][64];
  stance_text *t = stance_text_new(text, strlen(text));
  size_t i, n;
  int rc = stance_brat_fast_plan(&f, ann, strlen(ann));
  *out = NULL;
  CHECK(t != NULL);
  if (rc == STANCE_BRAT_OK) {
    CHECK(f.nnames <= 16);
    for (i = 0; i < f.nnames && i < 16; i++) {
      size_t len = f.names[i].len < 63 ? f.names[i].len : 63;
      memcpy(buf[i], ann + f.names[i].off, len);
      buf[i][len] = '\0';
      memset(&names[i], 0, sizeof names[i]);
      names[i].name = buf[i];
      if (f.kinds[i] == STANCE_BRAT_NAME_LABEL && strcmp(buf[i], "Claim") == 0) names[i].sets[0] = "t";
    }
    *out = stance_store_new();
    CHECK(*out != NULL);
    rc = stance_brat_fast_build(&f, names, t, "aaaaaaaaaaa1aaaaaaaaaaa2aaaaaaaaaaa3aaaaaaaaaaa4", 48, *out, &n);
    if (rc == STANCE_BRAT_OK) CHECK_INT((int)n, (int)(f.nt + f.nr));
  }
  stance_brat_fast_free(&f);
  stance_text_free(t);
  return rc;
}

static void brat_fast_makes_the_records(void) {
  stance_store *s;
  const stance_rec *r;
  /* "Épsilon 😀 is" : É is 2 bytes, 😀 4; offsets in code points */
  const char *text = "Alpha binds \xc3\x89psilon \xf0\x9f\x98\x80 is here.";
  CHECK_INT(fast("T1\tClaim 0 5\tAlpha\nT2\tPremise 12 19\t\xc3\x89psilon and more\nR1\tsupports Arg1:T2 "
                 "Arg2:T1\t\nA1\tStance T2 For\nT3\tPremise 20 21\t\xf0\x9f\x98\x80\n",
                 text, &s),
            STANCE_BRAT_OK);
  CHECK_INT((int)stance_store_count(s, STANCE_REC_ANNOTATION), 3);
  CHECK_INT((int)stance_store_count(s, STANCE_REC_RELATION), 1);
  r = stance_store_get(s, "aaaaaaaaaaa1");
  CHECK(r != NULL && r->kind == STANCE_REC_ANNOTATION);
  CHECK_STR(r->f[STANCE_F_LABEL], "Claim");
  CHECK_STR(r->f[STANCE_F_TARGET], "t"); /* what the label sets */
  CHECK_STR(r->f[STANCE_F_QUOTE], "Alpha");
  CHECK_STR(r->f[STANCE_F_PREFIX], "");
  CHECK_STR(r->f[STANCE_F_SUFFIX], " binds \xc3\x89psilon \xf0\x9f\x98\x80 is here.");
  r = stance_store_get(s, "aaaaaaaaaaa2");
  CHECK(r != NULL && r->nspans == 1 && r->spans[0].start == 12 && r->spans[0].end == 19);
  CHECK_STR(r->f[STANCE_F_QUOTE], "\xc3\x89psilon");
  CHECK_STR(r->f[STANCE_F_STANCE], "For");
  CHECK(r->f[STANCE_F_TARGET] == NULL);
  CHECK_STR(r->f[STANCE_F_PREFIX], "Alpha binds ");
  r = stance_store_get(s, "aaaaaaaaaaa3");
  CHECK_STR(r->f[STANCE_F_QUOTE], "\xf0\x9f\x98\x80");
  CHECK_STR(r->f[STANCE_F_SUFFIX], " is here.");
  r = stance_store_get(s, "aaaaaaaaaaa4"); /* relations after the annotations */
  CHECK(r != NULL && r->kind == STANCE_REC_RELATION);
  CHECK_STR(r->f[STANCE_F_TYPE], "supports");
  CHECK_STR(r->f[STANCE_F_FROM], "aaaaaaaaaaa2");
  CHECK_STR(r->f[STANCE_F_TO], "aaaaaaaaaaa1");
  stance_store_free(s);
  /* T IDs that are not T1, T2, ...: hashed */
  CHECK_INT(fast("T01\tPremise 0 5\tAlpha\nT9\tPremise 6 11\tbinds\nR1\tsupports Arg1:T9 Arg2:T01\n", text, &s),
            STANCE_BRAT_OK);
  r = stance_store_get(s, "aaaaaaaaaaa3");
  CHECK(r != NULL && strcmp(r->f[STANCE_F_FROM], "aaaaaaaaaaa2") == 0 && strcmp(r->f[STANCE_F_TO], "aaaaaaaaaaa1") == 0);
  stance_store_free(s);
  /* nothing at all */
  CHECK_INT(fast("", text, &s), STANCE_BRAT_OK);
  CHECK_INT((int)stance_store_slots(s), 0);
  stance_store_free(s);
}

static void brat_fast_leaves_the_rest_to_the_lua_reader(void) {
  static const char *const uncommon[] = {
      "T1\tClaim 0 5\tAlpha\nbad line\n",                       /* a problem */
      "T1\tClaim 0 5;6 11\tAlpha binds\n",                       /* fragments */
      "T1\tDocument_label 0 5\tAlpha\n",                         /* a document label? */
      "T1\tClaim 0 5\n",                                          /* no text */
      "T1\tClaim 0 5\tAlphx\n",                                  /* not the document's */
      "T1\tClaim 0 0\t\n",                                        /* empty */
      "T1\tClaim 0 500\tAlpha\n",                                /* past the end */
      "T1\tClaim 0 5\tAlpha\nA1\tConfidence T1 0.5\n",           /* another attribute */
      "T1\tClaim 0 5\tAlpha\nA1\tStance T1\n",                   /* no value */
      "T1\tClaim 0 5\tAlpha\nA1\tStance T1 For\nA2\tStance T1 Against\n", /* twice */
      "T1\tClaim 0 5\tAlpha\nA1\tTarget T1 u\n",                 /* not what its label sets */
      "T1\tClaim 0 5\tAlpha\nR1\ts Arg1:T1 Arg2:T1\nA1\tStance R1 For\n", /* on a relation */
      "T1\tClaim 0 5\tAlpha\nR1\ts Arg1:T1 Arg2:T2\n",            /* to no T */
      "T1\tClaim 0 5\tAlpha\nR1\ts From:T1 To:T1\n",              /* other roles */
      "T1\tClaim 0 5\tAlpha\nE1\tClaim:T1\n",                     /* an event */
      "T1\tClaim 0 5\tAlpha\n#1\tAnnotatorNotes T1\tnote\n",      /* a note */
      "T1\tClaim 0 5\tAlpha\n*\tSame T1 T1\n",                    /* an equivalence */
      NULL};
  size_t i;
  for (i = 0; uncommon[i] != NULL; i++) {
    stance_store *s;
    int rc = fast(uncommon[i], "Alpha binds Beta.", &s);
    if (rc != STANCE_BRAT_UNCOMMON) check_fail(__FILE__, __LINE__, "taken in C: %s", uncommon[i]);
    stance_store_free(s);
  }
}

const test_case brat_tests[] = {{"brat_fast_makes_the_records", brat_fast_makes_the_records},
                                {"brat_fast_leaves_the_rest_to_the_lua_reader", brat_fast_leaves_the_rest_to_the_lua_reader},{"brat_reads_each_kind_of_line", brat_reads_each_kind_of_line},
                                {"brat_problems_name_line_and_column", brat_problems_name_line_and_column},
                                {"brat_cuts_lines_where_python_does", brat_cuts_lines_where_python_does},
                                {"brat_reads_many_ids", brat_reads_many_ids},
                                {"brat_ids_crafted_to_collide", brat_ids_crafted_to_collide},
                                {NULL, NULL}};
