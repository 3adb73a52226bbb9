/* frame.c and stance_store_shift: conversions between buffer bytes and file code points,
 * spans that follow edits (checked against a brute-force model, with the interval index
 * queried after every edit), anchoring by quote, and refreshing quotes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "frame.h"
#include "reader.h"
#include "snapshot.h"
#include "store.h"

static int add_span(stance_store *s, const char *id, const stance_range *rg, uint32_t n, const char *quote,
                    const char *prefix, const char *suffix) {
  stance_rec r;
  memset(&r, 0, sizeof r);
  r.kind = STANCE_REC_ANNOTATION;
  r.id = (char *)id;
  r.spans = (stance_range *)rg;
  r.nspans = n;
  r.f[STANCE_F_LABEL] = "claim";
  r.f[STANCE_F_QUOTE] = (char *)quote;
  r.f[STANCE_F_PREFIX] = (char *)prefix;
  r.f[STANCE_F_SUFFIX] = (char *)suffix;
  return stance_store_add(s, &r, NULL);
}

static void frame_converts_bom_crlf_and_utf8(void) {
  /* file: BOM, "é\r\nab\r\n" ; buffer: "é\nab\n" */
  const char file[] = "\xEF\xBB\xBF\xC3\xA9\r\nab\r\n";
  stance_frame *f = stance_frame_new(file, sizeof file - 1, 1);
  CHECK(f != NULL);
  CHECK_INT(stance_frame_buf_len(f), 6);
  CHECK_INT(stance_frame_to_file(f, 0), 3);    /* é */
  CHECK_INT(stance_frame_to_file(f, 2), 5);    /* the line end: "\r" */
  CHECK_INT(stance_frame_to_file(f, 3), 7);    /* a */
  CHECK_INT(stance_frame_to_file(f, 6), 11);   /* the end */
  CHECK_INT(stance_frame_to_buf(f, 0), 0);     /* inside the BOM */
  CHECK_INT(stance_frame_to_buf(f, 5), 2);
  CHECK_INT(stance_frame_to_buf(f, 6), 2);     /* the "\n" of "\r\n" */
  CHECK_INT(stance_frame_to_buf(f, 7), 3);
  /* code points of the file: BOM 0, é 1, \r 2, \n 3, a 4 */
  CHECK_INT(stance_frame_buf_to_cp(f, 0), 1);
  CHECK_INT(stance_frame_buf_to_cp(f, 3), 4);
  CHECK_INT(stance_frame_cp_to_buf(f, 4), 3);
  CHECK_INT(stance_frame_cp_to_buf(f, 1), 0);
  stance_frame_free(f);
  f = stance_frame_new("plain\ntext\n", 11, 0);
  CHECK_INT(stance_frame_to_file(f, 7), 7);
  CHECK_INT(stance_frame_buf_to_cp(f, 7), 7);
  stance_frame_free(f);
}

/* The brute-force model of a span following an edit, as documented in store.h. */
static uint32_t model_map(uint32_t x, int is_end, uint32_t pos, uint32_t old_end, uint32_t new_end) {
  if (pos == old_end) return (is_end ? x > pos : x >= pos) ? x + (new_end - pos) : x;
  if (x <= pos) return x;
  if (x >= old_end) return x - old_end + new_end;
  return is_end ? new_end : pos;
}

typedef struct seen {
  uint32_t n;
  uint32_t recs[4096];
} seen;

static int note(void *ud, stance_rec *r, uint32_t span) {
  seen *s = ud;
  (void)span;
  if (s->n < 4096) s->recs[s->n++] = r->index;
  return 0;
}

static void shift_follows_edits_like_the_model(void) {
  enum { N = 400, EDITS = 3000 };
  stance_store *s = stance_store_new();
  static stance_range model[N];
  char id[16];
  uint32_t i, e, len = 20000;
  unsigned seed = 12345;
  for (i = 0; i < N; i++) {
    uint32_t a = (uint32_t)(rand_r(&seed) % (len - 50)), b = a + 1 + (uint32_t)(rand_r(&seed) % 40);
    model[i].start = a;
    model[i].end = b;
    snprintf(id, sizeof id, "a%u", i);
    CHECK_INT(add_span(s, id, &model[i], 1, NULL, NULL, NULL), STANCE_OK);
  }
  for (e = 0; e < EDITS; e++) {
    uint32_t pos = (uint32_t)(rand_r(&seed) % len), kind = (uint32_t)rand_r(&seed) % 3, old_end, new_end;
    uint32_t del = (uint32_t)(rand_r(&seed) % 30), ins = 1 + (uint32_t)(rand_r(&seed) % 30);
    if (kind == 0) { /* insert */
      old_end = pos;
      new_end = pos + ins;
    } else if (kind == 1) { /* delete */
      old_end = pos + del > len ? len : pos + del;
      new_end = pos;
    } else { /* replace */
      old_end = pos + del > len ? len : pos + del;
      new_end = pos + ins;
    }
    CHECK(stance_store_shift(s, pos, old_end, new_end, 8, NULL, NULL) >= 0);
    len = len - (old_end - pos) + (new_end - pos);
    for (i = 0; i < N; i++) {
      uint32_t a = model_map(model[i].start, 0, pos, old_end, new_end);
      uint32_t b = model_map(model[i].end, 1, pos, old_end, new_end);
      if (b < a) b = a;
      model[i].start = a;
      model[i].end = b;
    }
    if (e % 50 == 0 || e == EDITS - 1) {
      uint32_t q;
      for (i = 0; i < N; i++) {
        const stance_rec *r = stance_store_at(s, i);
        if (r->spans[0].start != model[i].start || r->spans[0].end != model[i].end) {
          CHECK(0 && "a span differs from the model");
          fprintf(stderr, "    edit %u: a%u is %u-%u, model %u-%u\n", e, i, r->spans[0].start, r->spans[0].end,
                  model[i].start, model[i].end);
          break;
        }
      }
      for (q = 0; q < 40; q++) {
        seen got;
        uint32_t a = (uint32_t)(rand_r(&seed) % (len + 1)), b = a + (uint32_t)(rand_r(&seed) % 200), want = 0;
        got.n = 0;
        stance_store_query(s, a, b, note, &got);
        for (i = 0; i < N; i++) {
          uint32_t qb = b > a ? b : a + 1;
          if (model[i].start < qb && model[i].end > a) want++;
        }
        CHECK_INT(got.n, want);
      }
    }
  }
  stance_store_free(s);
}

static void shift_reports_touched_spans(void) {
  stance_store *s = stance_store_new();
  stance_range a = {10, 20}, b = {100, 110};
  add_span(s, "a", &a, 1, NULL, NULL, NULL);
  add_span(s, "b", &b, 1, NULL, NULL, NULL);
  CHECK_INT(stance_store_shift(s, 12, 15, 12, 4, NULL, NULL), 1); /* delete inside a */
  CHECK(stance_store_get(s, "a")->touched && !stance_store_get(s, "b")->touched);
  CHECK_INT(stance_store_get(s, "a")->spans[0].end, 17);
  CHECK_INT(stance_store_get(s, "b")->spans[0].start, 97);
  CHECK_INT(stance_store_shift(s, 5, 30, 5, 0, NULL, NULL), 1); /* delete all of a */
  CHECK_INT(stance_store_get(s, "a")->spans[0].start, 5);
  CHECK_INT(stance_store_get(s, "a")->spans[0].end, 5);
  CHECK_INT(stance_store_shift(s, 72, 72, 75, 0, NULL, NULL), 1); /* insert at b's start */
  CHECK_INT(stance_store_get(s, "b")->spans[0].start, 75);
  CHECK_INT(stance_store_get(s, "b")->spans[0].end, 85);
  CHECK_INT(stance_store_shift(s, 85, 85, 90, 0, NULL, NULL), 1); /* insert at b's end */
  CHECK_INT(stance_store_get(s, "b")->spans[0].end, 85);
  stance_store_free(s);
}

static void anchor_finds_annotations_again(void) {
  /* the document changed: "Preface. " was inserted, "The dog ran." removed */
  const char *text = "Preface. The cat sat. The fox ran. The cat sat again.";
  stance_frame *f = stance_frame_new(text, strlen(text), 0);
  stance_store *s = stance_store_new();
  stance_anchor_result res;
  stance_range same = {0, 8}, moved = {13, 25}, second = {26, 37}, gone = {0, 12}, two[2] = {{0, 3}, {4, 7}};
  /* "Preface." still at 0-8 */
  CHECK_INT(add_span(s, "same", &same, 1, "Preface.", "", " The"), STANCE_OK);
  /* "The fox ran." was at 13-25 before the insert; now at 22 */
  CHECK_INT(add_span(s, "moved", &moved, 1, "The fox ran.", "sat. ", " The"), STANCE_OK);
  /* the second "The cat sat" (followed by " again") */
  CHECK_INT(add_span(s, "second", &second, 1, "The cat sat", "ran. ", " again."), STANCE_OK);
  CHECK_INT(add_span(s, "gone", &gone, 1, "The dog ran.", "", ""), STANCE_OK);
  /* two parts, "The" and "fox", moved together */
  CHECK_INT(add_span(s, "two", two, 2, "The fox", "", ""), STANCE_OK);
  CHECK_INT(stance_frame_anchor(f, s, &res, NULL, NULL), STANCE_OK);
  CHECK_INT(res.placed, 1);
  CHECK_INT(res.moved, 3);
  CHECK_INT(res.orphaned, 1);
  CHECK_INT(stance_store_get(s, "moved")->spans[0].start, 22);
  CHECK_INT(stance_store_get(s, "second")->spans[0].start, 35);
  CHECK_INT(stance_store_get(s, "two")->spans[0].start, 22);
  CHECK_INT(stance_store_get(s, "two")->spans[1].start, 26);
  CHECK(stance_store_get(s, "gone")->orphan);
  CHECK_INT(stance_store_get(s, "gone")->spans[0].start, 0); /* kept as it was */
  {
    seen got;
    got.n = 0;
    stance_store_query(s, 0, 100, note, &got);
    CHECK_INT(got.n, 5); /* 4 placed annotations (one with two spans); not the orphan */
  }
  stance_frame_free(f);
  stance_store_free(s);
}

static void anchor_finds_changed_quotes_fuzzily(void) {
  /* "The quick brown fox ran very fast over the hill." became "... quite fast ..." and moved;
   * a quote with too many changes, and a two-part one, are orphans */
  const char *text = "Intro. The quick brown fox ran quite fast over the hill. Then the fox slept. Later.";
  stance_frame *f = stance_frame_new(text, strlen(text), 0);
  stance_store *s = stance_store_new();
  stance_anchor_result res;
  stance_range one = {0, 48}, far = {30, 50}, two[2] = {{0, 3}, {4, 7}};
  CHECK_INT(add_span(s, "edited", &one, 1, "The quick brown fox ran very fast over the hill.", "", " Then"), STANCE_OK);
  CHECK_INT(add_span(s, "rewritten", &far, 1, "A cat sat on the mat all day.", "", ""), STANCE_OK);
  CHECK_INT(add_span(s, "parts", two, 2, "The dog", "", ""), STANCE_OK);
  CHECK_INT(stance_frame_anchor(f, s, &res, NULL, NULL), STANCE_OK);
  CHECK_INT(res.moved, 1);
  CHECK_INT(res.fuzzy, 1);
  CHECK_INT(res.orphaned, 2);
  CHECK_INT(stance_store_get(s, "edited")->spans[0].start, 7);
  CHECK_INT(stance_store_get(s, "edited")->spans[0].end, 56);
  CHECK(stance_store_get(s, "edited")->touched);
  CHECK(stance_store_get(s, "rewritten")->orphan);
  CHECK(stance_store_get(s, "parts")->orphan);
  stance_frame_free(f);
  stance_store_free(s);
}

/* Anchor one annotation (quote, prefix, suffix; its old place at code point `old`) in
 * `text`: 1 and its new place in code points, or 0 (an orphan). */
static int place_one(const char *text, size_t old, const char *quote, const char *prefix, const char *suffix,
                     size_t *a, size_t *b) {
  stance_frame *f = stance_frame_new(text, strlen(text), 0);
  stance_store *s = stance_store_new();
  stance_anchor_result res;
  stance_range r;
  const stance_rec *rec;
  int placed = 0;
  const char *c;
  r.start = (uint32_t)old;
  r.end = r.start;
  for (c = quote; *c; c++) r.end += ((unsigned char)*c & 0xC0) != 0x80; /* code points */
  CHECK_INT(add_span(s, "x", &r, 1, quote, prefix, suffix), STANCE_OK);
  CHECK_INT(stance_frame_anchor(f, s, &res, NULL, NULL), STANCE_OK);
  rec = stance_store_get(s, "x");
  if (!rec->orphan) {
    placed = 1;
    *a = stance_frame_buf_to_cp(f, rec->spans[0].start);
    *b = stance_frame_buf_to_cp(f, rec->spans[0].end);
  }
  stance_frame_free(f);
  stance_store_free(s);
  return placed;
}

static void anchor_keeps_the_edges_its_context_holds(void) {
  /* the report's round trip: a quote's first word replaced by "Insisting on", then put back;
   * both times the span is exactly the quote's extent between its prefix and suffix (before,
   * the start went 5 characters back into the sentence before, the end was cut short) */
  const char *old = "Critics said the charge would empty the shops. It did not. Retail footfall in the centre\n"
                    "rose by 4.2 percent last year, faster than in the suburbs. People who no longer sit in\ntraffic.";
  const char *edited = "Critics said the charge would empty the shops. It did not. Insisting on footfall in the centre\n"
                       "rose by 4.2 percent last year, faster than in the suburbs. People who no longer sit in\ntraffic.";
  const char *q_old = "Retail footfall in the centre\nrose by 4.2 percent last year, faster than in the suburbs.";
  const char *q_new = "Insisting on footfall in the centre\nrose by 4.2 percent last year, faster than in the suburbs.";
  const char *prefix = "ld empty the shops. It did not. ", *suffix = " People who no longer sit in\ntra";
  size_t a = 0, b = 0, at = (size_t)(strstr(old, "Retail") - old);
  char q[128], t[512];
  int k;
  CHECK(place_one(edited, at, q_old, prefix, suffix, &a, &b));
  CHECK_INT(a, at);
  CHECK_INT(b, at + strlen(q_new));
  CHECK(place_one(old, at, q_new, prefix, suffix, &a, &b));
  CHECK_INT(a, at);
  CHECK_INT(b, at + strlen(q_old));
  /* the limit is the same both ways: a third of the longer (88 bytes: 29 edits), here the
   * first k bytes replaced */
  for (k = 29; k <= 30; k++) {
    memcpy(q, q_old, strlen(q_old) + 1);
    memset(q, 'X', (size_t)k);
    snprintf(t, sizeof t, "%.*s%s%s", (int)at, old, q, old + at + strlen(q_old));
    CHECK_INT(place_one(t, at, q_old, prefix, suffix, &a, &b), k == 29);
    CHECK_INT(place_one(old, at, q, prefix, suffix, &a, &b), k == 29);
    if (k == 29) CHECK_INT(a, at);
  }
  /* the prefix holds the start, the suffix changed too: the end is widened to a word, the
   * start stays where the prefix ends (never into "not.") */
  {
    const char *t2 = "Critics said the charge would empty the shops. It did not. Insisting on footfall in the centre\n"
                     "rose by 4.2 percent last year, faster than in the suburbs! Nobody who no longer sits in\ntraffic.";
    CHECK(place_one(t2, at, q_old, prefix, suffix, &a, &b));
    CHECK_INT(a, at);
  }
  /* the word before the quote changed as well as one inside it: 8 bytes of the prefix's end
   * ("or not this ") are found inside the quote ("Not this "), which holds no edge (it made
   * an orphan); the start is widened to the quote's first word */
  {
    const char *t3 = "kdc would. Zllxjtjlj dxvhdzbzr fybw or not altered vmjqfwhe rslobane. Not this on dtlhlzhln "
                     "lffhd said changed tzlhfnrll dpdrpzxld more this drvzfzrvb her on vgbo were jgrkxodo rjldt zafg.";
    CHECK(place_one(t3, 40, "vmjqfwhe rslobane. Not this on dtlhlzhln lffhd said hhdjd tzlhfnrll dpdrpzxld more this "
                    "drvzfzrvb", "tjlj dxvhdzbzr fybw or not this ", " her on vgbo were jgrkxodo rjldt", &a, &b));
    CHECK_INT(a, 51);
    CHECK_INT(b, 150);
  }
  /* code points: é, CJK, emoji; a span that starts a paragraph */
  {
    const char *o = "Les élèves étudient.\n\nÉté brûlant à Montréal 🎉 chez Zoë, 東京 の 会議. Après.";
    const char *e = "Les élèves étudient.\n\nUn été très brûlant à Montréal 🎉 chez Zoë, 東京 の 会議. Après.";
    const char *qo = "Été brûlant à Montréal 🎉 chez Zoë, 東京 の 会議.";
    const char *qe = "Un été très brûlant à Montréal 🎉 chez Zoë, 東京 の 会議.";
    CHECK(place_one(e, 22, qo, "Les élèves étudient.\n\n", " Après.", &a, &b));
    CHECK_INT(a, 22);
    CHECK_INT(b, 22 + 51); /* code points of qe */
    CHECK(place_one(o, 22, qe, "Les élèves étudient.\n\n", " Après.", &a, &b));
    CHECK_INT(a, 22);
    CHECK_INT(b, 22 + 43);
  }
}

static void anchor_checks_every_quote(void) {
  /* offsets are never trusted blindly (a merge, a tool or a collaborator may have written
   * wrong ones under the right hash): a stale quote is searched for, else an orphan */
  const char *text = "Préface. The cat sat. The dog ran.";
  stance_frame *f = stance_frame_new(text, strlen(text), 0);
  stance_store *s = stance_store_new();
  stance_anchor_result res;
  stance_range r = {9, 21}, wrong = {9, 21}, past = {15, 40};
  CHECK_INT(add_span(s, "x", &r, 1, "something else", "", ""), STANCE_OK);
  CHECK_INT(add_span(s, "w", &wrong, 1, "The dog ran.", "", ""), STANCE_OK); /* right quote, wrong place */
  CHECK_INT(add_span(s, "y", &past, 1, "", "", ""), STANCE_OK);
  CHECK_INT(stance_frame_anchor(f, s, &res, NULL, NULL), STANCE_OK);
  CHECK_INT(res.placed, 0);
  CHECK_INT(res.moved, 1);
  CHECK_INT(res.orphaned, 2);
  CHECK_INT(stance_store_get(s, "w")->spans[0].start, 23); /* bytes: "é" is two */
  CHECK(stance_store_get(s, "x")->orphan);
  CHECK(stance_store_get(s, "y")->orphan);
  { /* a store holding an orphan is written without its hash (its offsets count in no one
     * text); once none is left, with it */
    stance_buf b;
    stance_buf_init(&b);
    CHECK_INT(stance_store_set_header(s, STANCE_H_DOCUMENT, "d.txt"), STANCE_OK);
    CHECK_INT(stance_store_set_header(s, STANCE_H_HASH, "sha256:ab"), STANCE_OK);
    CHECK_INT(stance_write(s, &b), STANCE_OK);
    CHECK(strstr(b.data, "hash") == NULL);
    stance_store_get(s, "x")->orphan = 0;
    stance_store_get(s, "y")->orphan = 0;
    b.len = 0;
    CHECK_INT(stance_write(s, &b), STANCE_OK);
    CHECK(strstr(b.data, "  hash sha256:ab\n") != NULL);
    stance_buf_free(&b);
  }
  stance_frame_free(f);
  stance_store_free(s);
}

/* A deterministic text of made-up words, as varied as prose. */
static char *words_text(size_t len, unsigned *seed) {
  char *t = malloc(len + 1);
  size_t i = 0;
  while (t != NULL && i < len) {
    size_t w = 2 + (*seed = *seed * 1103515245u + 12345u) % 8, k;
    for (k = 0; k < w && i < len; k++) {
      *seed = *seed * 1103515245u + 12345u;
      t[i++] = (char)('a' + (*seed >> 16) % 26);
    }
    if (i < len) t[i++] = ' ';
  }
  if (t != NULL) t[len] = '\0';
  return t;
}

static void anchor_finds_edited_quotes_in_a_large_text(void) {
  /* 400 kB; 300 annotations, each quote with one word changed, and 17 bytes inserted at the
   * start: every one is found again, at its new place */
  unsigned seed = 42;
  size_t len = 400000, n = 300, i;
  char *old = words_text(len, &seed), *text = malloc(len + 64), quote[128];
  stance_store *s = stance_store_new();
  stance_frame *f;
  stance_anchor_result res;
  size_t *at = malloc(n * sizeof *at);
  CHECK(old != NULL && text != NULL && s != NULL && at != NULL);
  if (old == NULL || text == NULL || s == NULL || at == NULL) return;
  memcpy(text, "A new beginning. ", 17);
  memcpy(text + 17, old, len + 1);
  for (i = 0; i < n; i++) {
    stance_range r;
    char id[16];
    at[i] = i * (len / n) + 100;
    while (old[at[i] - 1] != ' ') at[i]++;
    r.start = (uint32_t)at[i];
    r.end = (uint32_t)(at[i] + 80);
    memcpy(quote, old + at[i], 80);
    quote[80] = '\0';
    quote[40] = quote[40] == 'x' ? 'y' : 'x'; /* the text changed here since */
    quote[41] = quote[41] == 'q' ? 'z' : 'q';
    snprintf(id, sizeof id, "a%zu", i);
    CHECK_INT(add_span(s, id, &r, 1, quote, "", ""), STANCE_OK);
  }
  f = stance_frame_new(text, len + 17, 0);
  CHECK_INT(stance_frame_anchor(f, s, &res, NULL, NULL), STANCE_OK);
  CHECK_INT(res.moved, n);
  CHECK_INT(res.fuzzy, n);
  CHECK_INT(res.orphaned, 0);
  for (i = 0; i < n; i++) {
    char id[16];
    const stance_rec *r;
    snprintf(id, sizeof id, "a%zu", i);
    r = stance_store_get(s, id);
    CHECK_INT(r->spans[0].start, at[i] + 17);
  }
  stance_frame_free(f);
  stance_store_free(s);
  free(old);
  free(text);
  free(at);
}

static void anchor_stops_searching_when_the_budget_runs_out(void) {
  /* a hostile document: 1 MB of "ab" and quotes that almost match everywhere; searching is
   * bounded by the budget, what is left is kept as orphans and counted as unsearched */
  size_t len = 1 << 20, i;
  char *text = malloc(len), quote[64];
  stance_store *s = stance_store_new();
  stance_frame *f;
  stance_anchor_result res;
  stance_anchor_opts opts;
  CHECK(text != NULL && s != NULL);
  if (text == NULL || s == NULL) return;
  for (i = 0; i < len; i++) text[i] = "ab"[i % 2];
  for (i = 0; i < 40; i++) {
    stance_range r;
    char id[16];
    memset(quote, 0, sizeof quote);
    memcpy(quote, "abababababababababababababababababababab", 40);
    quote[10 + i % 20] = 'c';
    r.start = (uint32_t)(i * 1000 + 1);
    r.end = r.start + 40;
    snprintf(id, sizeof id, "h%zu", i);
    CHECK_INT(add_span(s, id, &r, 1, quote, "", ""), STANCE_OK);
  }
  f = stance_frame_new(text, len, 0);
  memset(&opts, 0, sizeof opts);
  opts.budget = 2000000;
  CHECK_INT(stance_frame_anchor_ex(f, s, &opts, &res, NULL, NULL), STANCE_OK);
  CHECK_INT(res.placed + res.moved + res.orphaned, 40);
  CHECK(res.unsearched > 0);
  CHECK(res.unsearched <= res.orphaned);
  stance_frame_free(f);
  stance_store_free(s);
  free(text);
}

static void anchor_pays_for_needles_that_share_a_key(void) {
  /* a collaborator's file of many quotes that begin alike ("aaaa...a" then a tail found
   * nowhere) over a text of "a": every position of the text meets every one of them in the
   * one pass; each needle looked at costs the budget, so the pass stops (it did not: only
   * places found were paid for: this test then took minutes, 10^10 comparisons) */
  size_t len = 1 << 20, i, n = 20000;
  char *text = malloc(len), quote[64];
  stance_store *s = stance_store_new();
  stance_frame *f;
  stance_anchor_result res;
  stance_anchor_opts opts;
  CHECK(text != NULL && s != NULL);
  if (text == NULL || s == NULL) return;
  memset(text, 'a', len);
  for (i = 0; i < n; i++) {
    stance_range r;
    char id[16];
    int k = snprintf(quote, sizeof quote, "aaaaaaaaaaaaaaaab%zu", i);
    r.start = (uint32_t)(i * 50 + 1);
    r.end = r.start + (uint32_t)k;
    snprintf(id, sizeof id, "k%zu", i);
    CHECK_INT(add_span(s, id, &r, 1, quote, "", ""), STANCE_OK);
  }
  f = stance_frame_new(text, len, 0);
  memset(&opts, 0, sizeof opts);
  opts.budget = 5000000;
  CHECK_INT(stance_frame_anchor_ex(f, s, &opts, &res, NULL, NULL), STANCE_OK);
  CHECK_INT(res.placed + res.moved + res.orphaned, n);
  CHECK_INT(res.orphaned, n);
  CHECK(res.unsearched > 0);
  stance_frame_free(f);
  stance_store_free(s);
  free(text);
}

static void snapshot_round_trips_and_refuses_damage(void) {
  const char *file = "# head\nformat stance 1\n\ndocument \"d.txt\"\n  hash sha256:00\n  annotator ana\n\n"
                     "annotation a1\n  span 0-5 7-9\n  label favor\n  quote \"Hello wo\"\n  note \"x\\ny\"\n"
                     "  custom thing\n\nrelation r1\n  type supports\n  from a1\n  to a1\n\n# tail\n";
  stance_problems probs;
  stance_store *s, *t;
  stance_buf snap, w1, w2;
  const char *why;
  size_t i;
  unsigned seed = 7;
  stance_problems_init(&probs);
  s = stance_read(file, strlen(file), NULL, &probs);
  CHECK(s != NULL);
  stance_store_get(s, "a1")->touched = 1;
  stance_buf_init(&snap);
  CHECK_INT(stance_store_snapshot(s, "key1", &snap), STANCE_OK);
  t = stance_store_from_snapshot(snap.data, snap.len, "key1", &why);
  CHECK(t != NULL);
  stance_buf_init(&w1);
  stance_buf_init(&w2);
  stance_write(s, &w1);
  stance_write(t, &w2);
  CHECK(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0);
  CHECK(stance_store_get(t, "a1")->touched);
  CHECK(stance_store_from_snapshot(snap.data, snap.len, "key2", &why) == NULL);
  CHECK_STR(why, "stale");
  for (i = 0; i < 2000; i++) { /* damaged copies are refused, never read past their end */
    stance_store *u;
    char *copy = malloc(snap.len);
    size_t cut = (size_t)rand_r(&seed) % snap.len;
    memcpy(copy, snap.data, snap.len);
    copy[(size_t)rand_r(&seed) % snap.len] ^= (char)(1 + rand_r(&seed) % 255);
    u = stance_store_from_snapshot(copy, i % 2 ? cut : snap.len, "key1", &why);
    CHECK(u == NULL);
    free(copy);
  }
  stance_buf_free(&w1);
  stance_buf_free(&w2);
  stance_buf_free(&snap);
  stance_store_free(s);
  stance_store_free(t);
  stance_problems_free(&probs);
}

static void refresh_and_write_in_code_points(void) {
  const char *text = "Ça va. Non, ça ne va pas.\n";
  stance_frame *f = stance_frame_new(text, strlen(text), 0);
  stance_store *s = stance_store_new();
  stance_buf b;
  stance_range r = {8, 27}; /* buffer bytes of "Non, ça ne va pas." */
  char *out;
  CHECK_INT(add_span(s, "x", &r, 1, NULL, NULL, NULL), STANCE_OK);
  stance_store_get(s, "x")->touched = 1;
  CHECK_INT(stance_frame_refresh(f, s, 4, NULL, NULL), 1);
  CHECK_STR(stance_store_get(s, "x")->f[STANCE_F_QUOTE], "Non, ça ne va pas.");
  CHECK_STR(stance_store_get(s, "x")->f[STANCE_F_PREFIX], "va. ");
  CHECK_STR(stance_store_get(s, "x")->f[STANCE_F_SUFFIX], "\n");
  stance_buf_init(&b);
  CHECK_INT(stance_write_conv(s, &b, (stance_conv)NULL, NULL), STANCE_OK);
  stance_buf_free(&b);
  {
    extern uint32_t test_frame_conv(void *ud, uint32_t off);
    stance_buf_init(&b);
    CHECK_INT(stance_write_conv(s, &b, test_frame_conv, f), STANCE_OK);
    stance_buf_addc(&b, '\0');
    out = b.data;
    CHECK(strstr(out, "span 7-25\n") != NULL); /* "Ç" is 2 bytes, 1 code point; "ç" too */
    stance_buf_free(&b);
  }
  /* deleting all its text leaves it collapsed: refresh reports it and keeps the quote */
  CHECK_INT(stance_store_shift(s, 8, 27, 8, 0, NULL, NULL), 1);
  CHECK_INT(stance_frame_refresh(f, s, 4, NULL, NULL), 0);
  CHECK_STR(stance_store_get(s, "x")->f[STANCE_F_QUOTE], "Non, ça ne va pas.");
  stance_frame_free(f);
  stance_store_free(s);
}

/* Refreshing named annotations only: the others keep their fields and their mark; an ID
 * not in the store is skipped; a collapsed one is reported as by the whole refresh. */
static void refresh_ids_refreshes_only_those(void) {
  const char *text = "Ça va. Non, ça ne va pas.\n";
  stance_frame *f = stance_frame_new(text, strlen(text), 0);
  stance_store *s = stance_store_new();
  stance_range a = {0, 7}, b = {8, 27}; /* "Ça va." and "Non, ça ne va pas." */
  const char *only_b[] = {"b", "nobody"}, *only_a[] = {"a"};
  CHECK_INT(add_span(s, "a", &a, 1, NULL, NULL, NULL), STANCE_OK);
  CHECK_INT(add_span(s, "b", &b, 1, NULL, NULL, NULL), STANCE_OK);
  stance_store_get(s, "a")->touched = 1;
  stance_store_get(s, "b")->touched = 1;
  CHECK_INT(stance_frame_refresh_ids(f, s, only_b, 2, 4, NULL, NULL), 1);
  CHECK_STR(stance_store_get(s, "b")->f[STANCE_F_QUOTE], "Non, ça ne va pas.");
  CHECK(stance_store_get(s, "b")->touched == 0);
  CHECK(stance_store_get(s, "a")->f[STANCE_F_QUOTE] == NULL);
  CHECK(stance_store_get(s, "a")->touched == 1);
  /* not touched: left as it is */
  CHECK_INT(stance_frame_refresh_ids(f, s, only_b, 1, 4, NULL, NULL), 0);
  CHECK_INT(stance_frame_refresh_ids(f, s, only_a, 0, 4, NULL, NULL), 0);
  CHECK(stance_store_shift(s, 0, 7, 0, 0, NULL, NULL) >= 1); /* "Ça va." deleted */
  CHECK_INT(stance_frame_refresh_ids(f, s, only_a, 1, 4, NULL, NULL), 0);
  CHECK(stance_store_get(s, "a")->touched == 1); /* collapsed: kept for the caller */
  stance_frame_free(f);
  stance_store_free(s);
}

/* What anchoring said, in order: "<id> <kind>\n" for each callback. */
static void said_id(void *ud, const stance_rec *r, int orphan) {
  stance_buf_addf(ud, "%s %d\n", r->id, orphan);
}

/* One large store anchored with the threads STANCE_THREADS allows: its result (counts, the
 * callbacks in order, the store written) into `out`. */
static void anchor_with_threads(const char *threads, stance_frame *f, const char *ann, size_t len, stance_buf *out) {
  stance_problems p;
  stance_store *s;
  stance_anchor_result res;
  const char *was = getenv("STANCE_THREADS");
  char *keep = was != NULL ? strdup(was) : NULL;
  stance_problems_init(&p);
  s = stance_read_parts(ann, len, NULL, &p, 1, NULL);
  CHECK(s != NULL);
  if (s == NULL) return;
  CHECK_INT(stance_store_remove(s, "a00005"), STANCE_OK); /* a dead slot */
  CHECK_INT(setenv("STANCE_THREADS", threads, 1), 0);
  CHECK_INT(stance_frame_anchor(f, s, &res, said_id, out), STANCE_OK);
  if (keep != NULL)
    setenv("STANCE_THREADS", keep, 1);
  else
    unsetenv("STANCE_THREADS");
  free(keep);
  stance_buf_addf(out, "placed %u moved %u fuzzy %u orphaned %u unsearched %u\n", res.placed, res.moved, res.fuzzy,
                  res.orphaned, res.unsearched);
  CHECK_INT(stance_write(s, out), STANCE_OK);
  { /* and the spans in buffer bytes, which the file does not show */
    uint32_t i;
    for (i = 0; i < stance_store_slots(s); i++) {
      const stance_rec *r = stance_store_at(s, i);
      if (!r->dead && r->nspans > 0) stance_buf_addf(out, "%u-%u ", r->spans[0].start, r->spans[0].end);
    }
  }
  stance_problems_free(&p);
  stance_store_free(s);
}

/* A store large enough to be placed in parts on threads (frame.c) is placed as in one pass:
 * the same spans, counts, callbacks in the same order, whatever the threads. Most quotes are
 * where the file says; some moved, some are nowhere, some have no quote (one past the end). */
static void anchor_in_parts_gives_what_one_pass_gives(void) {
  enum { N = 40000 };
  stance_buf text, ann, one, many;
  stance_frame *f;
  int i;
  stance_buf_init(&text);
  stance_buf_init(&ann);
  stance_buf_init(&one);
  stance_buf_init(&many);
  for (i = 0; i < N; i++) stance_buf_addf(&text, "Caf\xc3\xa9 %05d dit.\r\n", i); /* 17 code points a line */
  stance_buf_adds(&ann, "format stance 1\n\ndocument d.txt\n\n");
  for (i = 0; i < N; i++) {
    int at = i * 17 + (i % 97 == 3 ? 17 * 5 : 0); /* moved: five lines later in the file */
    if (i % 101 == 7)
      stance_buf_addf(&ann, "annotation a%05d\n  span %d-%d\n  label claim\n  quote \"nowhere %d\"\n\n", i, at,
                      at + 10, i);
    else if (i % 103 == 9) /* no quote: trusted where it fits, the last one past the end */
      stance_buf_addf(&ann, "annotation a%05d\n  span %d-%d\n  label claim\n\n", i, i + 103 >= N ? 17 * N + 5 : at,
                      (i + 103 >= N ? 17 * N + 5 : at) + 4);
    else
      stance_buf_addf(&ann, "annotation a%05d\n  span %d-%d\n  label claim\n  quote \"Caf\\u{E9} %05d\"\n\n", i, at,
                      at + 10, i);
  }
  CHECK(!text.oom && !ann.oom);
  f = stance_frame_new(text.data, text.len, 1);
  CHECK(f != NULL);
  if (f != NULL) {
    anchor_with_threads("1", f, ann.data, ann.len, &one);
    anchor_with_threads("4", f, ann.data, ann.len, &many);
    CHECK(strstr(one.data, "moved 0 ") == NULL && strstr(one.data, "orphaned 0 ") == NULL);
    CHECK_INT((int)many.len, (int)one.len);
    CHECK(many.len == one.len && memcmp(many.data, one.data, one.len) == 0);
  }
  stance_frame_free(f);
  stance_buf_free(&text);
  stance_buf_free(&ann);
  stance_buf_free(&one);
  stance_buf_free(&many);
}

uint32_t test_frame_conv(void *ud, uint32_t off);
uint32_t test_frame_conv(void *ud, uint32_t off) { return (uint32_t)stance_frame_buf_to_cp(ud, off); }

/* ---- anchoring near, and once for all, gives what a search for each gives ----------------- */

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n) {
  rnd_state = rnd_state * 1103515245u + 12345u;
  return (rnd_state >> 8) % n;
}

/* A repetitive text: a block of sentences (a few words, "café" among them) repeated with a
 * word changed here and there, so that most quotes occur many times, some with the same
 * context. */
static void repetitive_text(stance_buf *out, size_t size) {
  static const char *const words[] = {"the", "policy", "a", "of", "caf\xc3\xa9", "talks", "must", "never",
                                      "sanctions", "we", "regime", "deal"};
  stance_buf block;
  size_t n = sizeof words / sizeof *words, bsize = 200 + rnd(rnd(2) ? 2000 : 12000);
  stance_buf_init(&block);
  while (block.len < bsize) {
    uint32_t k, nw = 3 + rnd(12);
    for (k = 0; k < nw; k++) stance_buf_addf(&block, "%s%s", k ? " " : "", words[rnd((uint32_t)n)]);
    stance_buf_adds(&block, rnd(4) == 0 ? ".\n" : ". ");
  }
  while (out->len < size) {
    if (rnd(3) == 0) { /* a word changed in this copy */
      size_t at = rnd((uint32_t)block.len);
      stance_buf_add(out, block.data, at);
      stance_buf_adds(out, words[rnd((uint32_t)n)]);
      stance_buf_add(out, block.data + at, block.len - at);
    } else {
      stance_buf_add(out, block.data, block.len);
    }
  }
  stance_buf_free(&block);
}

static int word_byte(unsigned char c) { return c >= 0x80 || (c >= 'a' && c <= 'z'); }

/* The annotation file string of text[a, b) (escaped). */
static void add_string(stance_buf *b, const char *s, size_t len) {
  size_t i;
  stance_buf_adds(b, "\"");
  for (i = 0; i < len; i++) {
    if (s[i] == '\n')
      stance_buf_adds(b, "\\n");
    else
      stance_buf_add(b, s + i, 1);
  }
  stance_buf_adds(b, "\"");
}

/* Back to a character's start. */
static size_t back_to_char(const char *s, size_t at) {
  while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80) at--;
  return at;
}

/* Annotations of `text`: words or runs of words (some of two parts, some without context,
 * some with context that is not the text's), as an annotation file. */
static void annotations_of(const stance_buf *text, int n, stance_buf *ann) {
  stance_frame *f = stance_frame_new(text->data, text->len, 0);
  int i;
  stance_buf_adds(ann, "format stance 1\n\ndocument d.txt\n\n");
  for (i = 0; i < n && f != NULL; i++) {
    size_t a = rnd((uint32_t)text->len), b, a2 = 0, b2 = 0, p, e;
    int two = rnd(8) == 0, ctx = (int)rnd(6);
    while (a > 0 && word_byte((unsigned char)text->data[a - 1])) a--;
    while (a < text->len && !word_byte((unsigned char)text->data[a])) a++;
    if (a >= text->len) continue;
    b = a + 1 + rnd(two ? 12 : 140);
    if (b > text->len) b = text->len;
    while (b < text->len && word_byte((unsigned char)text->data[b])) b++;
    if (two) {
      a2 = b + 1 + rnd(20);
      while (a2 < text->len && !word_byte((unsigned char)text->data[a2])) a2++;
      for (b2 = a2; b2 < text->len && word_byte((unsigned char)text->data[b2]);) b2++;
      if (a2 >= text->len || b2 <= a2) two = 0;
    }
    stance_buf_addf(ann, "annotation a%05d\n  span %zu-%zu", i, stance_frame_buf_to_cp(f, a), stance_frame_buf_to_cp(f, b));
    if (two) stance_buf_addf(ann, " %zu-%zu", stance_frame_buf_to_cp(f, a2), stance_frame_buf_to_cp(f, b2));
    stance_buf_adds(ann, "\n  label claim\n  quote ");
    if (two) {
      stance_buf q;
      stance_buf_init(&q);
      stance_buf_add(&q, text->data + a, b - a);
      stance_buf_adds(&q, " ");
      stance_buf_add(&q, text->data + a2, b2 - a2);
      add_string(ann, q.data, q.len);
      stance_buf_free(&q);
      e = b2;
    } else {
      add_string(ann, text->data + a, b - a);
      e = b;
    }
    if (ctx > 0) { /* up to 32 bytes of context, ending on characters */
      p = back_to_char(text->data, a > 32 ? a - 32 : 0);
      stance_buf_adds(ann, "\n  prefix ");
      add_string(ann, text->data + p, a - p);
      p = back_to_char(text->data, e + 32 < text->len ? e + 32 : text->len);
      stance_buf_adds(ann, "\n  suffix ");
      if (ctx == 1)
        add_string(ann, "the other", 9); /* not the text's */
      else
        add_string(ann, text->data + e, p - e);
    }
    stance_buf_adds(ann, "\n\n");
  }
  stance_frame_free(f);
}

/* The text edited: lines inserted (at the top, anywhere, one of more than the look near
 * covers), parts deleted (one of more than it covers), copied, a word changed. */
static void edit_text(const stance_buf *old, stance_buf *out) {
  stance_buf cur;
  int k, n = 1 + (int)rnd(3);
  stance_buf_init(&cur);
  stance_buf_add(&cur, old->data, old->len);
  for (k = 0; k < n; k++) {
    size_t len = cur.len, a = back_to_char(cur.data, rnd((uint32_t)len)), b = back_to_char(cur.data, a + rnd(600) < len ? a + rnd(600) : len);
    stance_buf next;
    stance_buf_init(&next);
    switch (rnd(7)) {
    case 0: /* a line at the top */
      stance_buf_adds(&next, "A line at the top, caf\xc3\xa9.\n");
      stance_buf_add(&next, cur.data, len);
      break;
    case 1: /* a line anywhere */
      stance_buf_add(&next, cur.data, a);
      stance_buf_adds(&next, "inserted here\n");
      stance_buf_add(&next, cur.data + a, len - a);
      break;
    case 2: /* a part deleted */
      stance_buf_add(&next, cur.data, a);
      stance_buf_add(&next, cur.data + b, len - b);
      break;
    case 3: /* a part copied to the top */
      stance_buf_add(&next, cur.data + a, b - a);
      stance_buf_add(&next, cur.data, len);
      break;
    case 5: /* far more than the look near covers, deleted at the top */
      a = back_to_char(cur.data, len > 12000 ? 4500 + rnd(6000) : 0);
      stance_buf_add(&next, cur.data + a, len - a);
      break;
    case 4: { /* far more than the look near covers, at the top */
      int i;
      for (i = 0; i < 700; i++) stance_buf_adds(&next, "new text ");
      stance_buf_add(&next, cur.data, len);
      break;
    }
    default: /* a word changed inside a part */
      stance_buf_add(&next, cur.data, a);
      stance_buf_adds(&next, "changed");
      stance_buf_add(&next, cur.data + a, len - a);
      break;
    }
    stance_buf_free(&cur);
    cur = next;
  }
  *out = cur;
}

/* The result of anchoring (counts, callbacks in order, the store written, buffer spans). */
static void anchor_into(stance_frame *f, const char *ann, size_t len, int each, stance_buf *out) {
  stance_problems p;
  stance_store *s;
  stance_anchor_result res;
  stance_anchor_opts opts;
  uint32_t i;
  memset(&opts, 0, sizeof opts);
  opts.each = each;
  stance_problems_init(&p);
  s = stance_read_parts(ann, len, NULL, &p, 1, NULL);
  CHECK(s != NULL);
  if (s == NULL) return;
  CHECK_INT(stance_frame_anchor_ex(f, s, &opts, &res, said_id, out), STANCE_OK);
  stance_buf_addf(out, "placed %u moved %u fuzzy %u orphaned %u unsearched %u\n", res.placed, res.moved, res.fuzzy,
                  res.orphaned, res.unsearched);
  CHECK_INT(stance_frame_refresh(f, s, 32, NULL, NULL) >= 0, 1);
  CHECK_INT(stance_write(s, out), STANCE_OK);
  for (i = 0; i < stance_store_slots(s); i++) {
    const stance_rec *r = stance_store_at(s, i);
    uint32_t k;
    if (r->dead) continue;
    for (k = 0; k < r->nspans; k++) stance_buf_addf(out, "%u-%u ", r->spans[k].start, r->spans[k].end);
    stance_buf_adds(out, "\n");
  }
  stance_problems_free(&p);
  stance_store_free(s);
}

static void anchor_near_and_once_gives_what_each_search_gives(void) {
  int round, differ = 0, moved = 0;
  for (round = 0; round < 150; round++) {
    stance_buf old, text, ann, each, once;
    stance_frame *f;
    rnd_state = 7u + (uint32_t)round * 7919u;
    stance_buf_init(&old);
    stance_buf_init(&ann);
    stance_buf_init(&each);
    stance_buf_init(&once);
    repetitive_text(&old, 2000 + rnd(round % 3 == 0 ? 60000 : 9000));
    annotations_of(&old, 20 + (int)rnd(200), &ann);
    edit_text(&old, &text);
    f = stance_frame_new(text.data, text.len, 0);
    CHECK(f != NULL);
    if (f != NULL) {
      anchor_into(f, ann.data, ann.len, 1, &each);
      anchor_into(f, ann.data, ann.len, 0, &once);
      if (each.len != once.len || memcmp(each.data, once.data, each.len) != 0) {
        if (differ++ == 0) fprintf(stderr, "round %d differs:\n--- each\n%.*s\n--- once\n%.*s\n", round, (int)each.len, each.data, (int)once.len, once.data);
      }
      if (strstr(once.data, "moved 0 ") == NULL) moved++;
    }
    stance_frame_free(f);
    stance_buf_free(&old);
    stance_buf_free(&text);
    stance_buf_free(&ann);
    stance_buf_free(&each);
    stance_buf_free(&once);
  }
  CHECK_INT(differ, 0);
  CHECK(moved > 100); /* most rounds moved annotations */
}

const test_case frame_tests[] = {
    {"frame_converts_bom_crlf_and_utf8", frame_converts_bom_crlf_and_utf8},
    {"shift_follows_edits_like_the_model", shift_follows_edits_like_the_model},
    {"shift_reports_touched_spans", shift_reports_touched_spans},
    {"anchor_finds_annotations_again", anchor_finds_annotations_again},
    {"anchor_finds_changed_quotes_fuzzily", anchor_finds_changed_quotes_fuzzily},
    {"anchor_keeps_the_edges_its_context_holds", anchor_keeps_the_edges_its_context_holds},
    {"anchor_checks_every_quote", anchor_checks_every_quote},
    {"anchor_finds_edited_quotes_in_a_large_text", anchor_finds_edited_quotes_in_a_large_text},
    {"anchor_stops_searching_when_the_budget_runs_out", anchor_stops_searching_when_the_budget_runs_out},
    {"anchor_pays_for_needles_that_share_a_key", anchor_pays_for_needles_that_share_a_key},
    {"anchor_in_parts_gives_what_one_pass_gives", anchor_in_parts_gives_what_one_pass_gives},
    {"anchor_near_and_once_gives_what_each_search_gives", anchor_near_and_once_gives_what_each_search_gives},
    {"snapshot_round_trips_and_refuses_damage", snapshot_round_trips_and_refuses_damage},
    {"refresh_and_write_in_code_points", refresh_and_write_in_code_points},
    {"refresh_ids_refreshes_only_those", refresh_ids_refreshes_only_those},
    {NULL, NULL}};
