/* reader.c and writer.c: loading, problems, the canonical form and its round trips. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "reader.h"

static const char canonical[] =
    "# Ana's stance annotations\n"
    "format stance 1\n"
    "\n"
    "document \"articles/001 engagement.txt\"\n"
    "  hash sha256:95c4391f95a5ad4ac3e582507b3f956b01f71e4f1e2d0cae9c690965e705e5d1\n"
    "  annotator ana\n"
    "\n"
    "doclabel d1\n"
    "  target engagement\n"
    "  stance favor\n"
    "\n"
    "annotation k7m2q9\n"
    "  span 0-88\n"
    "  label stance\n"
    "  target engagement\n"
    "  stance favor\n"
    "  role claim\n"
    "  quote \"Trump Should Offer Diplomatic Ties to North Korea\\u{2014}\"\n"
    "  prefix \"\"\n"
    "  suffix \"But Insist\"\n"
    "  note\n"
    "    | The headline states the thesis.\n"
    "    |\n"
    "    |   indented \"quote\" line\n"
    "  author ana\n"
    "  created 2026-11-22T10:31:07Z\n"
    "\n"
    "# the second claim\n"
    "annotation zz01\n"
    "  span 120-130 140-150\n"
    "  label premise\n"
    "  confidence 0.75\n"
    "  quote \"caf\xc3\xa9 \\\"x\\\"\\n\\x01\"\n"
    "  note \"one line\"\n"
    "  colour red\n"
    "  # checked twice\n"
    "\n"
    "relation r1\n"
    "  type supports\n"
    "  from zz01\n"
    "  to k7m2q9\n"
    "\n"
    "# end of file\n";

static stance_store *read_str(const char *text, stance_problems *p) {
  stance_problems_init(p);
  return stance_read(text, strlen(text), NULL, p);
}

static char *write_str(const stance_store *s) {
  stance_buf b;
  stance_buf_init(&b);
  CHECK_INT(stance_write(s, &b), STANCE_OK);
  return b.data;
}

static const char *first_problem(const stance_problems *p) {
  static char buf[600];
  if (p->n == 0) return "";
  snprintf(buf, sizeof buf, "%u:%u: %s: %s", p->items[0].line, p->items[0].col,
           p->items[0].severity == STANCE_SEV_ERROR ? "error" : "warning", p->items[0].message);
  return buf;
}

static void reader_round_trips_a_canonical_file_byte_for_byte(void) {
  stance_problems p;
  stance_store *s = read_str(canonical, &p);
  char *out;
  stance_rec *r;
  CHECK(s != NULL);
  CHECK_INT(p.errors, 0);
  CHECK_INT(p.n, 1); /* the unknown attribute `colour` */
  CHECK_STR(first_problem(&p), "35:3: warning: unknown attribute 'colour' in annotation (kept as written)");
  r = stance_store_get(s, "k7m2q9");
  CHECK(r != NULL);
  CHECK_STR(r->f[STANCE_F_NOTE], "The headline states the thesis.\n\n  indented \"quote\" line");
  CHECK_STR(r->f[STANCE_F_QUOTE], "Trump Should Offer Diplomatic Ties to North Korea\xe2\x80\x94");
  CHECK_STR(stance_store_get(s, "zz01")->f[STANCE_F_QUOTE], "caf\xc3\xa9 \"x\"\n\x01");
  CHECK_STR(stance_store_get_header(s, STANCE_H_DOCUMENT), "articles/001 engagement.txt");
  out = write_str(s);
  /* \u{2014} is written as the character itself: that is the only difference. */
  {
    const char *want_from = "\\u{2014}";
    char expect[sizeof canonical + 8];
    const char *at = strstr(canonical, want_from);
    size_t k = (size_t)(at - canonical);
    memcpy(expect, canonical, k);
    memcpy(expect + k, "\xe2\x80\x94", 3);
    strcpy(expect + k + 3, at + strlen(want_from));
    CHECK_STR(out, expect);
    /* and that text is a fixed point */
    stance_problems_free(&p);
    stance_store_free(s);
    s = read_str(expect, &p);
    free(out);
    out = write_str(s);
    CHECK_STR(out, expect);
  }
  free(out);
  stance_problems_free(&p);
  stance_store_free(s);
}

static void reader_canonicalizes_any_valid_spelling(void) {
  const char *messy =
      "format stance 1\r\n"
      "relation r1\r\n"
      "\ttype   supports\r\n"
      "\tfrom \"b\"\r\n"
      "\tto a   \r\n"
      "annotation b\n  label \"claim\"\n  span 30-40 10-20\n"
      "annotation a\n  note\n  |first\n  | second\n  span 5-6\n  label x\n"
      "document d.txt\n  annotator \"Ana Lee\"";
  const char *expect =
      "format stance 1\n"
      "\n"
      "document \"d.txt\"\n"
      "  annotator \"Ana Lee\"\n"
      "\n"
      "annotation a\n"
      "  span 5-6\n"
      "  label x\n"
      "  note\n"
      "    | first\n"
      "    | second\n"
      "\n"
      "annotation b\n"
      "  span 10-20 30-40\n"
      "  label claim\n"
      "\n"
      "relation r1\n"
      "  type supports\n"
      "  from b\n"
      "  to a\n";
  stance_problems p;
  stance_store *s = read_str(messy, &p);
  char *out = write_str(s);
  CHECK_INT(p.n, 0);
  CHECK_STR(out, expect);
  free(out);
  stance_problems_free(&p);
  stance_store_free(s);
}

static void reader_loads_valid_records_around_broken_ones(void) {
  const char *text =
      "format stance 1\n\n"
      "annotation ok1\n  span 1-2\n  label a\n\n"
      "annotation broken\n  span 3-4\n  label \"unterminated\n\n"
      "annotation nolabel\n  span 5-6\n\n"
      "annotation badspan\n  span 9-7\n  label a\n\n"
      "annotation ok1\n  span 7-8\n  label b\n\n"
      "annotation twice\n  span 7-8\n  label a\n  label b\n\n"
      "frobnicate x\n  y z\n\n"
      "annotation ok2\n  span 10-12\n  label a\n  bogus\n    | kept too\n";
  const char *expect[] = {
      "9:9: error: unterminated string (a string ends on its line)",
      "11:1: error: annotation nolabel has no label",
      "15:8: error: bad span '9-7': it ends where it starts or before (expected START-END with START < END, e.g. "
      "120-245)",
      "18:1: error: duplicate id ok1 (first at line 3)",
      "25:3: error: `label` given twice (first at line 24)",
      "27:1: error: unknown record 'frobnicate' (an annotation file has document, annotation, "
      "relation and doclabel records)",
      "33:3: warning: unknown attribute 'bogus' in annotation (kept as written)",
  };
  stance_problems p;
  stance_store *s = read_str(text, &p);
  size_t i;
  char *out;
  CHECK_INT(p.n, sizeof expect / sizeof expect[0]);
  for (i = 0; i < p.n && i < sizeof expect / sizeof expect[0]; i++) {
    char buf[600];
    snprintf(buf, sizeof buf, "%u:%u: %s: %s", p.items[i].line, p.items[i].col,
             p.items[i].severity == STANCE_SEV_ERROR ? "error" : "warning", p.items[i].message);
    CHECK_STR(buf, expect[i]);
  }
  CHECK_INT(stance_store_count(s, STANCE_REC_ANNOTATION), 2);
  CHECK(stance_store_get(s, "ok1") != NULL && stance_store_get(s, "ok2") != NULL);
  out = write_str(s);
  CHECK(strstr(out, "  bogus\n    | kept too\n") != NULL);
  free(out);
  stance_problems_free(&p);
  stance_store_free(s);
}

static void reader_checks_values_against_the_schema(void) {
  const char *text =
      "format stance 1\n\n"
      "annotation a\n  span 1-2\n  label stance\n  stance favour\n  target sanctions\n"
      "  created yesterday\n\n"
      "relation r\n  type supports\n  from a\n  to nowhere\n";
  stance_vocab *v = stance_vocab_new();
  stance_problems p;
  stance_store *s;
  stance_vocab_add(v, STANCE_F_STANCE, "favor");
  stance_vocab_add(v, STANCE_F_STANCE, "against");
  stance_vocab_add(v, STANCE_F_STANCE, "neutral");
  stance_vocab_add(v, STANCE_F_LABEL, "stance");
  stance_problems_init(&p);
  s = stance_read(text, strlen(text), v, &p);
  CHECK_INT(p.errors, 0);
  CHECK_INT(p.n, 3);
  CHECK_STR(p.items[0].message, "unknown stance 'favour' (schema has favor, against, neutral)");
  CHECK_INT(p.items[0].line, 6);
  CHECK_STR(p.items[1].message, "created 'yesterday' is not a time like 2026-11-22T10:31:07Z");
  CHECK_STR(p.items[2].message, "relation r: no annotation with id nowhere");
  CHECK_INT(stance_store_count(s, STANCE_REC_ANNOTATION), 1); /* warnings still load */
  stance_problems_free(&p);
  stance_store_free(s);
  stance_vocab_free(v);
}

static void reader_refuses_newer_formats_and_other_files(void) {
  stance_problems p;
  stance_store *s = read_str("format stance 2\n\nannotation a\n  span 1-2\n  label x\n", &p);
  CHECK_STR(first_problem(&p), "1:15: error: this file is in format version 2, newer than this stance "
                               "reads (1): upgrade stance");
  CHECK_INT(stance_store_count(s, STANCE_REC_ANNOTATION), 0);
  stance_problems_free(&p);
  stance_store_free(s);
  s = read_str("annotation a\n  span 1-2\n  label x\n", &p);
  CHECK_STR(first_problem(&p), "1:1: error: missing `format stance 1` at the top of the file");
  CHECK_INT(stance_store_count(s, STANCE_REC_ANNOTATION), 1);
  stance_problems_free(&p);
  stance_store_free(s);
  s = read_str("", &p);
  CHECK_STR(first_problem(&p), "1:1: error: missing `format stance 1` at the top of the file");
  stance_problems_free(&p);
  stance_store_free(s);
}

/* The same store (its canonical text and every record's line) and the same problems, read
 * in one part or in `parts`; 0 when they differ. */
static int same_in_parts(const char *text, size_t len, int parts, const stance_vocab *v, int *used) {
  stance_problems p1, p2;
  stance_store *s1, *s2;
  char *w1, *w2;
  int same;
  size_t i;
  stance_problems_init(&p1);
  stance_problems_init(&p2);
  s1 = stance_read_parts(text, len, v, &p1, 1, NULL);
  s2 = stance_read_parts(text, len, v, &p2, parts, used);
  CHECK(s1 != NULL && s2 != NULL);
  w1 = write_str(s1);
  w2 = write_str(s2);
  same = strcmp(w1, w2) == 0 && p1.n == p2.n && p1.errors == p2.errors &&
         stance_store_slots(s1) == stance_store_slots(s2);
  for (i = 0; same && i < stance_store_slots(s1); i++)
    same = stance_store_at(s1, (uint32_t)i)->line == stance_store_at(s2, (uint32_t)i)->line;
  for (i = 0; same && i < p1.n; i++)
    same = p1.items[i].line == p2.items[i].line && p1.items[i].col == p2.items[i].col &&
           p1.items[i].severity == p2.items[i].severity &&
           strcmp(p1.items[i].message, p2.items[i].message) == 0;
  if (!same) {
    fprintf(stderr, "    in %d parts: %zu problems (%s), in one: %zu (%s)\n", parts, p2.n,
            first_problem(&p2), p1.n, first_problem(&p1));
  }
  free(w1);
  free(w2);
  stance_store_free(s1);
  stance_store_free(s2);
  stance_problems_free(&p1);
  stance_problems_free(&p2);
  return same;
}

static uint64_t rng = 7;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* For any input: reading never fails, and canonical text is a fixed point. */
static void reader_canonical_form_is_a_fixed_point_under_mutation(void) {
  static const char alphabet[] = " \n\"\\#|-0123456789abzAN\t\xc3";
  char buf[2048];
  size_t base = strlen(canonical);
  int round, bad = 0, clean = 0;
  for (round = 0; round < 3000; round++) {
    size_t len = base, e, edits = 1 + next() % 3;
    stance_problems p1, p2;
    stance_store *s1, *s2;
    char *w1, *w2;
    memcpy(buf, canonical, base);
    for (e = 0; e < edits; e++) {
      size_t pos = next() % len;
      char c = alphabet[next() % (sizeof alphabet - 1)];
      if (next() % 2) {
        buf[pos] = c;
      } else if (len > 1) {
        memmove(buf + pos, buf + pos + 1, len - pos - 1);
        len--;
      }
    }
    stance_problems_init(&p1);
    s1 = stance_read(buf, len, NULL, &p1);
    if (s1 == NULL) {
      bad++;
      continue;
    }
    w1 = write_str(s1);
    stance_problems_init(&p2);
    s2 = stance_read(w1, strlen(w1), NULL, &p2);
    w2 = write_str(s2);
    if (strcmp(w1, w2) != 0 || p2.errors != 0) {
      if (bad < 2) fprintf(stderr, "    not a fixed point:\n%s\n----\n%s\n", w1, w2);
      bad++;
    }
    if (p1.errors == 0) clean++;
    if (!same_in_parts(buf, len, 2 + round % 3, NULL, NULL)) bad++;
    free(w1);
    free(w2);
    stance_store_free(s1);
    stance_store_free(s2);
    stance_problems_free(&p1);
    stance_problems_free(&p2);
  }
  CHECK_INT(bad, 0);
  CHECK(clean > 100);
}

/* A big file is read in parts on threads: the result is the one of reading it whole,
 * whatever falls near the cuts (problems, duplicates and relations across parts, comments
 * before records, a second `document`, comments at the end). */
/* A store taken from outside (a layer cache) keeps only comments that read back as
 * comments: lines of `#` are taken as they are, anything else is written and read back. */
static void store_check_takes_comments_and_refuses_what_reads_as_records(void) {
  const char *file = "# head\nformat stance 1\n\ndocument \"d.txt\"\n  annotator ana\n  # inner\n\n"
                     "# before a1\nannotation a1\n  span 0-5\n  label favor\n  # in a1\n\n# tail\n";
  /* lines that are no comments, kept at column 1 (before `format`, before `document`, at the
   * end): the store is written and read back, and the record they make is refused (indented
   * in `document`, they read back as its attributes) */
  static const stance_kept at_column_1[] = {STANCE_T_HEAD, STANCE_T_DOC_COMMENTS, STANCE_T_TAIL};
  static const char *const bad = "# ok\nannotation x\n  span 0-1\n  label l\n";
  stance_problems p;
  stance_store *s;
  int t;
  stance_problems_init(&p);
  s = stance_read(file, strlen(file), NULL, &p);
  CHECK(s != NULL && p.errors == 0);
  CHECK(stance_store_check(s) == NULL);
  for (t = 0; t < 3; t++) {
    stance_store *c = stance_read(file, strlen(file), NULL, &p);
    CHECK(c != NULL);
    CHECK_INT(stance_store_set_text(c, at_column_1[t], bad), STANCE_OK);
    CHECK(stance_store_check(c) != NULL);
    stance_store_free(c);
  }
  stance_store_free(s);
  stance_problems_free(&p);
}

static void reader_reads_in_parts_as_it_reads_whole(void) {
  stance_buf b;
  stance_vocab *v = stance_vocab_new();
  int i, parts, bad = 0;
  CHECK_INT(stance_vocab_add(v, STANCE_F_LABEL, "claim"), STANCE_OK);
  CHECK_INT(stance_vocab_add(v, STANCE_F_LABEL, "premise"), STANCE_OK);
  stance_buf_init(&b);
  stance_buf_adds(&b, "# head\nformat stance 1\n\ndocument d.txt\n  annotator ana\n\n");
  for (i = 0; i < 400; i++) {
    char rec[512];
    int k = i % 17;
    if (k == 3) stance_buf_adds(&b, "# before a record\n");
    if (k == 5) stance_buf_adds(&b, "# waits across a blank line\n\n");
    if (k == 7 && i > 100) /* the same ID again, then a third time; a label not in the schema */
      snprintf(rec, sizeof rec, "annotation a%d\n  span %d-%d\n  label %s\n\n", i - (i % 2 ? 90 : 107),
               i * 10, i * 10 + 5, i % 3 ? "claim" : "opinion");
    else if (k == 9)
      snprintf(rec, sizeof rec, "relation r%d\n  type supports\n  from a%d\n  to a%d\n\n", i, (i * 7) % 400,
               i % 3 ? (i * 13) % 400 : 9999);
    else if (k == 11)
      snprintf(rec, sizeof rec, "annotation a%d\n  span %d-%d\n  label opinion\n  stance ?\n\n", i, i * 10,
               i * 10 + 5);
    else if (k == 13)
      snprintf(rec, sizeof rec, "annotation a%d\n  span x\n  label claim\n  # inner\n\n", i);
    else
      snprintf(rec, sizeof rec,
               "annotation a%d\n  span %d-%d\n  label %s\n  quote \"q\\u{E9} %d\"\n  note\n    | line\n\n", i,
               i * 10, i * 10 + 5, i % 2 ? "claim" : "premise", i);
    stance_buf_adds(&b, rec);
  }
  stance_buf_adds(&b, "# the end\n");
  CHECK(!b.oom);
  for (parts = 2; parts <= 8; parts++)
    if (!same_in_parts(b.data, b.len, parts, v, NULL)) bad++;
  /* no ID twice: read in parts without reading whole again */
  {
    stance_buf u;
    stance_buf_init(&u);
    stance_buf_adds(&u, "format stance 1\n\n");
    for (i = 0; i < 300; i++)
      stance_buf_addf(&u, "%sannotation u%d\n  span 1-%d\n  label %s\n  quote \"x\"\n  modified 2026\n\n",
                      i % 5 ? "" : "# c\n", i, i + 2, i % 7 ? "claim" : "opinion");
    for (i = 0; i < 300; i += 10) /* relations across parts, and to nothing */
      stance_buf_addf(&u, "relation r%d\n  type supports\n  from u%d\n  to u%d\n\n", i, i, i % 50 ? (i * 37) % 300 : 999);
    for (parts = 2; parts <= 8; parts++) {
      int used = 0;
      if (!same_in_parts(u.data, u.len, parts, v, &used)) bad++;
      CHECK_INT(used, parts);
    }
    stance_buf_free(&u);
  }
  /* a second document record in a later part: read whole again, same problems */
  stance_buf_adds(&b, "\ndocument other.txt\n  annotator ben\n\nannotation z1\n  span 1-2\n  label claim\n");
  for (parts = 2; parts <= 4; parts++)
    if (!same_in_parts(b.data, b.len, parts, v, NULL)) bad++;
  CHECK_INT(bad, 0);
  stance_buf_free(&b);
  stance_vocab_free(v);
}

/* Whether a problem at line:col says `what`. */
static int problem_at(const stance_problems *p, uint32_t line, uint32_t col, const char *what) {
  size_t i;
  for (i = 0; i < p->n; i++)
    if (p->items[i].line == line && p->items[i].col == col && strstr(p->items[i].message, what) != NULL) return 1;
  return 0;
}

/* What the reader scans several bytes at a time (words, names, IDs) and checks only where it
 * must (a NUL only in a decoded string) is read and refused as byte by byte, at its column. */
static void reader_scans_long_words_and_names_and_finds_nul_escapes(void) {
  static const char text[] =
      "format stance 1\n"
      "\n"
      "annotation abcdefghijklmnopqrstuvwxyz0123456789-._:ABC\n"
      "  span 10-20\n"
      "  label abcdefghijklmnopqrstuvwxyz0123456789\r\n"
      "  target t\t \n"
      "  abcdefghijklmnop-0_x \"kept\"\n"
      "\n"
      "annotation b\n"
      "  span 1-2\n"
      "  label \"a\\x00b\"\n"
      "\n"
      "annotation c\n"
      "  span 1-2\n"
      "  label \"a\\u{0}b\"\n"
      "  abcdefghABC x\n"
      "\n"
      "annotation d\n"
      "  span 1-2\n"
      "  label ok\n"
      "  quote abcdefghijklmnopqrst\"u\n"
      "\n"
      "annotation abcdefghijklmnop!\n"
      "  span 1-2\n"
      "  label x\n"
      "\n"
      "annotation e\n"
      "  span 0-12345678901\n"
      "  label x\n";
  stance_problems p;
  stance_store *s = read_str(text, &p);
  const stance_rec *r;
  CHECK(s != NULL);
  if (s == NULL) return;
  r = stance_store_get(s, "abcdefghijklmnopqrstuvwxyz0123456789-._:ABC");
  CHECK(r != NULL && r->nspans == 1 && strcmp(r->f[STANCE_F_LABEL], "abcdefghijklmnopqrstuvwxyz0123456789") == 0 &&
        strcmp(r->f[STANCE_F_TARGET], "t") == 0 && r->extras != NULL &&
        strstr(r->extras, "abcdefghijklmnop-0_x \"kept\"") != NULL);
  CHECK(problem_at(&p, 7, 3, "unknown attribute 'abcdefghijklmnop-0_x'"));
  /* a NUL decoded from an escape: an error (the file is never rewritten), the value cut there */
  CHECK(problem_at(&p, 11, 9, "a NUL byte (\\x00, \\u{0}) cannot be kept"));
  CHECK(problem_at(&p, 15, 9, "a NUL byte (\\x00, \\u{0}) cannot be kept"));
  r = stance_store_get(s, "b");
  CHECK(r != NULL && strcmp(r->f[STANCE_F_LABEL], "a") == 0);
  CHECK(problem_at(&p, 16, 11, "unexpected 'A': separate values with a space"));
  CHECK(problem_at(&p, 21, 29, "unexpected '\"': separate values with a space"));
  CHECK(problem_at(&p, 23, 12, "bad id 'abcdefghijklmnop!'"));
  CHECK(problem_at(&p, 28, 8, "bad span '0-12345678901': an offset past the largest, 4294967295"));
  CHECK(p.n == 7);
  CHECK(stance_store_get(s, "c") == NULL && stance_store_get(s, "d") == NULL && stance_store_get(s, "e") == NULL);
  stance_store_free(s);
  stance_problems_free(&p);
}

/* Why a span is refused, said in its words: an offset past the largest (however many digits),
 * an end not after its start, anything else; the largest offset is read. */
static void reader_says_why_a_span_is_bad(void) {
  const char *text =
      "format stance 1\n\n"
      "annotation a1\n  span 4294967296-4294967300\n  label a\n\n"
      "annotation a2\n  span 141-99999999999999999999999999999999999999999999999999999999999999999999999\n  label a\n\n"
      "annotation a3\n  span 5-5\n  label a\n\n"
      "annotation a4\n  span 2x-50\n  label a\n\n"
      "annotation a5\n  span 4294967294-4294967295\n  label a\n";
  stance_problems p;
  stance_store *s = read_str(text, &p);
  CHECK(problem_at(&p, 4, 8, "bad span '4294967296-4294967300': an offset past the largest, 4294967295"));
  CHECK(problem_at(&p, 8, 8, "...': an offset past the largest, 4294967295"));
  CHECK(problem_at(&p, 12, 8, "bad span '5-5': it ends where it starts or before"));
  CHECK(problem_at(&p, 16, 8, "bad span '2x-50' (expected START-END"));
  CHECK(p.n == 4);
  CHECK(stance_store_get(s, "a5") != NULL);
  stance_store_free(s);
  stance_problems_free(&p);
}

const test_case reader_tests[] = {
    {"reader_says_why_a_span_is_bad", reader_says_why_a_span_is_bad},
    {"reader_scans_long_words_and_names_and_finds_nul_escapes", reader_scans_long_words_and_names_and_finds_nul_escapes},
    {"reader_reads_in_parts_as_it_reads_whole", reader_reads_in_parts_as_it_reads_whole},
    {"store_check_takes_comments_and_refuses_what_reads_as_records",
     store_check_takes_comments_and_refuses_what_reads_as_records},
    {"reader_round_trips_a_canonical_file_byte_for_byte", reader_round_trips_a_canonical_file_byte_for_byte},
    {"reader_canonicalizes_any_valid_spelling", reader_canonicalizes_any_valid_spelling},
    {"reader_loads_valid_records_around_broken_ones", reader_loads_valid_records_around_broken_ones},
    {"reader_checks_values_against_the_schema", reader_checks_values_against_the_schema},
    {"reader_refuses_newer_formats_and_other_files", reader_refuses_newer_formats_and_other_files},
    {"reader_canonical_form_is_a_fixed_point_under_mutation",
     reader_canonical_form_is_a_fixed_point_under_mutation},
    {NULL, NULL}};
