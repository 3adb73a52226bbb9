/* text.c and segment.c: offsets against a naive scan, invalid bytes, words, sentences. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "text.h"

/* The naive model: code point index of each byte, by walking the whole text. */
static void naive(const char *s, size_t len, size_t *cp_of_byte, size_t *byte_of_cp, size_t *ncp) {
  size_t i = 0, cp = 0;
  while (i < len) {
    int n;
    size_t k;
    stance_utf8_decode((const unsigned char *)s + i, len - i, &n, NULL);
    for (k = 0; k < (size_t)n; k++) cp_of_byte[i + k] = cp;
    byte_of_cp[cp] = i;
    i += (size_t)n;
    cp++;
  }
  cp_of_byte[len] = cp;
  byte_of_cp[cp] = len;
  *ncp = cp;
}

static uint64_t rng = 99;
static uint32_t rnd(uint32_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng % n);
}

static void text_offsets_match_a_naive_scan(void) {
  /* valid pieces first; long ASCII runs take the paths that read eight bytes at a time */
  static const char *pieces[] = {"a", "é", "—", "🙂", "\n", "\r\n", "words of plain ASCII text, ",
                                 "one line\nand another\n", "\xff", "\xc3", "\xe2\x80", "Z", " "};
  int round, bad = 0;
  for (round = 0; round < 200; round++) {
    char s[2048];
    size_t len = 0, k, ncp;
    size_t cob[2049], boc[2049];
    stance_text *t;
    int parts = (int)rnd(400), valid = round % 2;
    for (k = 0; k < (size_t)parts && len < 2000; k++) {
      const char *p = pieces[rnd(valid ? 8 : sizeof pieces / sizeof pieces[0])];
      memcpy(s + len, p, strlen(p));
      len += strlen(p);
    }
    naive(s, len, cob, boc, &ncp);
    t = stance_text_new(s, len);
    if (stance_text_cps(t) != ncp) bad++;
    { /* a line starts after each "\n" (a final one opens none) */
      uint32_t line = 0;
      for (k = 0; k < len; k++) {
        if (s[k] != '\n' || k + 1 == len) continue;
        if (stance_text_line_start(t, ++line) != k + 1) bad++;
      }
      if (len > 0 && stance_text_lines(t) != line + 1) bad++;
    }
    for (k = 0; k <= len; k++)
      if (stance_text_byte_to_cp(t, k) != cob[k]) bad++;
    for (k = 0; k <= ncp; k++)
      if (stance_text_cp_to_byte(t, k) != boc[k]) bad++;
    {
      /* with a hint: in order with small and large steps, then anywhere; half the rounds
       * without invalid bytes (the fast path) */
      stance_text_hint h;
      size_t c = 0;
      memset(&h, 0, sizeof h);
      while (c <= ncp) {
        if (stance_text_cp_to_byte_hint(t, c, &h) != boc[c]) bad++;
        c += rnd(4) == 0 ? rnd(300) : rnd(3);
      }
      for (k = 0; k < 200 && ncp > 0; k++) {
        c = rnd((uint32_t)ncp + 1);
        if (stance_text_cp_to_byte_hint(t, c, &h) != boc[c]) bad++;
      }
    }
    stance_text_free(t);
  }
  CHECK_INT(bad, 0);
}

static void text_lines_and_columns(void) {
  const char *s = "ab\r\né x\n\nlast";
  stance_text *t = stance_text_new(s, strlen(s));
  uint32_t line;
  size_t cb, cc;
  CHECK_INT(stance_text_lines(t), 4);
  stance_text_pos(t, 7, &line, &cb, &cc); /* the x */
  CHECK_INT(line, 1);
  CHECK_INT(cb, 3);
  CHECK_INT(cc, 2);
  CHECK_INT(stance_text_line_start(t, 1), 4);
  CHECK_INT(stance_text_line_end(t, 0), 2); /* before \r\n */
  CHECK_INT(stance_text_line_end(t, 2), 9);
  CHECK_INT(stance_text_line_start(t, 3), 10);
  stance_text_free(t);
  t = stance_text_new("one\n", 4);
  CHECK_INT(stance_text_lines(t), 1);
  stance_text_free(t);
}

static void text_reports_invalid_bytes(void) {
  const char *s = "ok \xff\xfe then \xc3";
  size_t first;
  stance_text *t = stance_text_new(s, strlen(s));
  CHECK_INT(stance_text_invalid(t, &first), 3);
  CHECK_INT(first, 3);
  CHECK_INT(stance_text_cps(t), strlen(s));
  stance_text_free(t);
}

typedef struct words {
  char buf[1024];
  int broken[64], n;
} words;

static int collect(void *ud, size_t start, size_t end, const char *folded, size_t n, int broken) {
  words *w = ud;
  (void)start;
  (void)end;
  strncat(w->buf, folded, n);
  strcat(w->buf, "|");
  w->broken[w->n++] = broken;
  return 0;
}

static void words_follow_grep_and_fold_case(void) {
  words w;
  const char *a = "Kim Jong-un’s ÉTÉ, naïve_x 4.2 İ ²x", *b = "human  rights\nwatch, then";
  memset(&w, 0, sizeof w);
  stance_tokenize(a, strlen(a), collect, &w);
  CHECK_STR(w.buf, "kim|jong|un|s|été|naïve_x|4|2|i|x|");
  memset(&w, 0, sizeof w);
  stance_tokenize(b, strlen(b), collect, &w);
  CHECK_INT(w.n, 4);
  CHECK_INT(w.broken[1], 0); /* blanks and line ends keep a phrase */
  CHECK_INT(w.broken[2], 0);
  CHECK_INT(w.broken[3], 1); /* the comma breaks it */
}

typedef struct sents {
  const char *s;
  char out[4096];
} sents;

static int collect_sentence(void *ud, size_t a, size_t b) {
  sents *c = ud;
  strcat(c->out, "[");
  strncat(c->out, c->s + a, b - a);
  strcat(c->out, "]");
  return 0;
}

static void sentences_handle_abbreviations_quotes_and_decimals(void) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"The U.S. also came under fire. Pyongyang warned.",
       "[The U.S. also came under fire.][Pyongyang warned.]"},
      {"Mr. Okafor said so. Dr. J. R. Haines agreed.", "[Mr. Okafor said so.][Dr. J. R. Haines agreed.]"},
      {"It rose 4.2 percent. Then it fell.", "[It rose 4.2 percent.][Then it fell.]"},
      {"He called it \xe2\x80\x9c" "a tax.\xe2\x80\x9d But most disagreed.",
       "[He called it \xe2\x80\x9c" "a tax.\xe2\x80\x9d][But most disagreed.]"},
      {"Martin Luther King Jr. The dream lives.", "[Martin Luther King Jr.][The dream lives.]"},
      {"Martin Luther King Jr. said so.", "[Martin Luther King Jr. said so.]"},
      {"Why? he asked. Nobody knew!", "[Why? he asked.][Nobody knew!]"},
      {"Headline Without Period\n\nBody text here. More.",
       "[Headline Without Period][Body text here.][More.]"},
      {"It spans\nlines. Next one.", "[It spans\nlines.][Next one.]"},
      {"Wait... what happened? Nothing.", "[Wait... what happened?][Nothing.]"},
      {"At 5 a.m. the bus left.", "[At 5 a.m. the bus left.]"},
      /* acronyms with dots: no break inside or after them before a word that goes on */
      {"Six months after sanctions under U.N. Security Council Resolution 2270, it held.",
       "[Six months after sanctions under U.N. Security Council Resolution 2270, it held.]"},
      {"The U.S.-led talks and the U.S.\xe2\x80\x99 position. Then.",
       "[The U.S.-led talks and the U.S.\xe2\x80\x99 position.][Then.]"},
      {"The U. S. Senate voted. U.N. envoys agreed.", "[The U. S. Senate voted.][U.N. envoys agreed.]"},
      {"The U.S.\xc2\xa0Senate voted.", "[The U.S.\xc2\xa0Senate voted.]"},
      {"He moved to the U.S. He likes it.", "[He moved to the U.S.][He likes it.]"},
      /* a no-break space (or another Unicode space) after a full stop ends a sentence */
      {"It is wrong.\xc2\xa0They are nonsensical.", "[It is wrong.][They are nonsensical.]"},
      {"It is wrong.\xe2\x80\xaf\xc2\xa0They are.\xe3\x80\x80Yes.",
       "[It is wrong.][They are.][Yes.]"},
      {"Ask Mr.\xc2\xa0Kim. He knows.", "[Ask Mr.\xc2\xa0Kim.][He knows.]"},
      /* a domain name or an address before the full stop does not hide the end */
      {"(See www.example.com/a?b=c&d=buffer.) Cuba is next.", "[(See www.example.com/a?b=c&d=buffer.)][Cuba is next.]"},
      {"(See http://38north.org/2014/11/x/.) Cuba is next.", "[(See http://38north.org/2014/11/x/.)][Cuba is next.]"},
      {"Read it at bbc.co.uk. Cuba is next.", "[Read it at bbc.co.uk.][Cuba is next.]"},
      {"Served in the House (D-Calif.) from 1993.", "[Served in the House (D-Calif.) from 1993.]"},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sents c;
    c.s = cases[i].in;
    c.out[0] = '\0';
    stance_sentences(c.s, strlen(c.s), collect_sentence, &c);
    CHECK_STR(c.out, cases[i].out);
  }
}

static void paragraphs_are_separated_by_blank_lines(void) {
  sents c;
  c.s = "  one\ntwo\n \t\nthree\n\n\n";
  c.out[0] = '\0';
  CHECK_INT(stance_paragraphs(c.s, strlen(c.s), collect_sentence, &c), 2);
  CHECK_STR(c.out, "[one\ntwo][three]");
}

/* `unit line`: one post per line; a line never ends inside, nor does a unit cross a line
 * end, whatever the punctuation (a tweet ending in a hashtag, an unclosed parenthesis). */
static void lines_are_units(void) {
  sents c;
  c.s = "First post about it #tag\nSecond (open #tag\r\n  \n\tThird. Two sentences!  \nlast";
  c.out[0] = '\0';
  CHECK_INT(stance_lines(c.s, strlen(c.s), collect_sentence, &c), 4);
  CHECK_STR(c.out, "[First post about it #tag][Second (open #tag][Third. Two sentences!][last]");
  c.out[0] = '\0';
  CHECK_INT(stance_units(c.s, strlen(c.s), STANCE_UNIT_SENTENCE, collect_sentence, &c), 3);
  CHECK_STR(c.out, "[First post about it #tag\nSecond (open #tag][Third.][Two sentences!  \nlast]");
  c.out[0] = '\0';
  CHECK_INT(stance_lines("", 0, collect_sentence, &c), 0);
  CHECK_INT(stance_lines("\n \n", 3, collect_sentence, &c), 0);
}

/* A byte order mark at the start of a document belongs to no unit; offsets stay the file's. */
static void a_leading_bom_is_no_text(void) {
  sents c;
  c.s = "\xef\xbb\xbf" "First one. Second.\nThird";
  c.out[0] = '\0';
  CHECK_INT(stance_sentences(c.s, strlen(c.s), collect_sentence, &c), 3);
  CHECK_STR(c.out, "[First one.][Second.][Third]");
  c.out[0] = '\0';
  CHECK_INT(stance_lines(c.s, strlen(c.s), collect_sentence, &c), 2);
  CHECK_STR(c.out, "[First one. Second.][Third]");
  c.out[0] = '\0';
  CHECK_INT(stance_paragraphs(c.s, strlen(c.s), collect_sentence, &c), 1);
  CHECK_STR(c.out, "[First one. Second.\nThird]");
  /* only a document's BOM, only at its start: one alone is no unit, one inside stays */
  c.s = "\xef\xbb\xbf\n\nA.\xef\xbb\xbf";
  c.out[0] = '\0';
  CHECK_INT(stance_sentences(c.s, strlen(c.s), collect_sentence, &c), 1);
  CHECK_STR(c.out, "[A.\xef\xbb\xbf]");
  c.out[0] = '\0';
  CHECK_INT(stance_lines(c.s, strlen(c.s), collect_sentence, &c), 1);
  CHECK_INT(stance_lines("\xef\xbb\xbf", 3, collect_sentence, &c), 0);
  CHECK_INT(stance_sentences("\xef\xbb", 2, collect_sentence, &c), 1);
}

const test_case text_tests[] = {
    {"a_leading_bom_is_no_text", a_leading_bom_is_no_text},
    {"lines_are_units", lines_are_units},
    {"text_offsets_match_a_naive_scan", text_offsets_match_a_naive_scan},
    {"text_lines_and_columns", text_lines_and_columns},
    {"text_reports_invalid_bytes", text_reports_invalid_bytes},
    {"words_follow_grep_and_fold_case", words_follow_grep_and_fold_case},
    {"sentences_handle_abbreviations_quotes_and_decimals",
     sentences_handle_abbreviations_quotes_and_decimals},
    {"paragraphs_are_separated_by_blank_lines", paragraphs_are_separated_by_blank_lines},
    {NULL, NULL}};
