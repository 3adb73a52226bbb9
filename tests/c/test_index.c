/* index.c, query.c, indexfile.c: search results against a brute-force scan, the file
 * format round trip, and corrupt files refused. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "indexfile.h"
#include "indexjob.h"
#include "query.h"
#include "text.h"

#define NDOCS 60

static const char *vocab[] = {"Human", "rights", "sanctions", "talks", "Kim", "engagement",
                              "the", "of", "sanction", "sanctioning", "North", "Korea",
                              /* long words that share their first 8 and 16 bytes */
                              "incomprehensible", "incomprehensibly", "internationalization",
                              "internationalizations"};
static const char *seps[] = {" ", "  ", "\n", ", ", ". ", " — ", "\r\n"};

static uint64_t rng = 1234;
static uint32_t rnd(uint32_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng % n);
}

typedef struct corpus {
  char text[NDOCS][2048];
  size_t len[NDOCS];
} corpus;

static void make_corpus(corpus *c) {
  int d;
  for (d = 0; d < NDOCS; d++) {
    int w, n = 5 + (int)rnd(60);
    c->text[d][0] = '\0';
    for (w = 0; w < n; w++) {
      strcat(c->text[d], vocab[rnd(sizeof vocab / sizeof vocab[0])]);
      strcat(c->text[d], seps[rnd(sizeof seps / sizeof seps[0])]);
    }
    c->len[d] = strlen(c->text[d]);
  }
}

/* Brute force: the words of each document with their positions. */
typedef struct bword {
  char w[32];
  uint32_t pos;
} bword;

typedef struct bdoc {
  bword words[256];
  int n;
  uint32_t pos;
} bdoc;

static int bcollect(void *ud, size_t s, size_t e, const char *f, size_t n, int broken) {
  bdoc *b = ud;
  (void)s;
  (void)e;
  if (b->n > 0) b->pos += broken ? 2 : 1;
  memcpy(b->words[b->n].w, f, n);
  b->words[b->n].w[n] = '\0';
  b->words[b->n].pos = b->pos;
  b->n++;
  return 0;
}

static stance_index *build(corpus *c, int per_segment) {
  stance_index *ix = stance_index_new();
  stance_segment_builder *b = stance_builder_new();
  int d;
  for (d = 0; d < NDOCS; d++) {
    stance_doc doc;
    char path[32];
    long words;
    memset(&doc, 0, sizeof doc);
    snprintf(path, sizeof path, "doc%02d.txt", d);
    doc.path = path;
    doc.size = c->len[d];
    words = stance_builder_add(b, (uint32_t)stance_index_add_doc(ix, &doc), c->text[d], c->len[d]);
    CHECK(words > 0);
    if ((d + 1) % per_segment == 0 || d == NDOCS - 1) {
      stance_segment *seg = stance_builder_finish(b);
      CHECK(seg != NULL);
      stance_index_add_segment(ix, seg);
      stance_segment_unref(seg);
    }
  }
  stance_builder_free(b);
  return ix;
}

/* Count the hits the brute force finds for a word, a prefix, or a 2-word phrase. */
static size_t brute(corpus *c, const char *a, const char *b2, int prefix) {
  size_t hits = 0;
  int d, i;
  for (d = 0; d < NDOCS; d++) {
    bdoc bd;
    memset(&bd, 0, sizeof bd);
    stance_tokenize(c->text[d], c->len[d], bcollect, &bd);
    for (i = 0; i < bd.n; i++) {
      if (prefix ? strncmp(bd.words[i].w, a, strlen(a)) != 0 : strcmp(bd.words[i].w, a) != 0) continue;
      if (b2 != NULL) {
        if (i + 1 >= bd.n || strcmp(bd.words[i + 1].w, b2) != 0 || bd.words[i + 1].pos != bd.words[i].pos + 1)
          continue;
      }
      hits++;
    }
  }
  return hits;
}

static size_t run(stance_index *ix, const char *q) {
  char err[128];
  size_t col;
  stance_hits h;
  stance_query *query = stance_query_parse(q, strlen(q), err, sizeof err, &col);
  size_t n;
  CHECK(query != NULL);
  if (query == NULL) return (size_t)-1;
  memset(&h, 0, sizeof h);
  CHECK_INT(stance_query_run(query, ix, NULL, &h), 0);
  n = h.n;
  stance_hits_free(&h);
  /* counting (its shortcuts: a word's frequencies, an AND of words without positions)
   * gives what listing gives, with a glob too */
  {
    const char *globs[] = {"[ab]*", "*1.txt", NULL};
    size_t counted = 0, listed;
    CHECK_INT(stance_query_count(query, ix, NULL, &counted), 0);
    CHECK_INT(counted, n);
    memset(&h, 0, sizeof h);
    CHECK_INT(stance_query_run(query, ix, globs, &h), 0);
    listed = h.n;
    stance_hits_free(&h);
    counted = 0;
    CHECK_INT(stance_query_count(query, ix, globs, &counted), 0);
    CHECK_INT(counted, listed);
  }
  stance_query_free(query);
  return n;
}

static void index_matches_a_brute_force_search(void) {
  corpus *c = malloc(sizeof *c);
  stance_index *ix;
  size_t i;
  make_corpus(c);
  ix = build(c, 7);
  for (i = 0; i < sizeof vocab / sizeof vocab[0]; i++) {
    char f[32];
    size_t n = stance_fold(vocab[i], strlen(vocab[i]), f);
    f[n] = '\0';
    CHECK_INT(run(ix, vocab[i]), brute(c, f, NULL, 0));
  }
  CHECK_INT(run(ix, "\"human rights\""), brute(c, "human", "rights", 0));
  CHECK_INT(run(ix, "\"North Korea\""), brute(c, "north", "korea", 0));
  CHECK_INT(run(ix, "sanction*"), brute(c, "sanction", NULL, 1));
  CHECK(run(ix, "sanctions") > 0);
  stance_index_free(ix);
  free(c);
}

/* ---- terms with punctuation: the index's candidates checked against the text ---------- */

typedef struct text_reader {
  const corpus *c;
  int fail;                     /* a code to return instead of the text */
  int reads;
} text_reader;

static int read_text(void *ud, uint32_t doc, char **data, size_t *len) {
  text_reader *r = ud;
  r->reads++;
  if (r->fail) return r->fail;
  if (doc >= NDOCS || (*data = malloc(r->c->len[doc] + 1)) == NULL) return -1;
  memcpy(*data, r->c->text[doc], r->c->len[doc]);
  *len = r->c->len[doc];
  return 0;
}

static int is_blank(char ch) { return ch == ' ' || (ch >= 9 && ch <= 13); }
static int is_wordc(unsigned char ch) { return ch < 0x80 && (isalnum(ch) || ch == '_'); }

/* Brute force: grep -iowF of pat (ASCII) in every document, a run of blanks in pat matching
 * a run of blanks. */
static size_t brute_grep(const corpus *c, const char *pat) {
  size_t hits = 0, plen = strlen(pat);
  int d;
  for (d = 0; d < NDOCS; d++) {
    const char *t = c->text[d];
    size_t len = c->len[d], i = 0;
    while (i < len) {
      size_t a = i, j = 0;
      int ok = !(i > 0 && is_wordc((unsigned char)t[i - 1]));
      while (ok && j < plen) {
        if (is_blank(pat[j])) {
          while (j < plen && is_blank(pat[j])) j++;
          if (a >= len || !is_blank(t[a])) ok = 0;
          while (a < len && is_blank(t[a])) a++;
        } else if (a < len && tolower((unsigned char)t[a]) == tolower((unsigned char)pat[j])) {
          a++;
          j++;
        } else {
          ok = 0;
        }
      }
      if (ok && a < len && is_wordc((unsigned char)t[a])) ok = 0;
      if (ok) {
        hits++;
        i = a;
      } else {
        i++;
      }
    }
  }
  return hits;
}

static size_t run_checked(stance_index *ix, const char *qs, text_reader *r) {
  char err[128];
  size_t col, n = 0, counted = 0;
  stance_hits h;
  stance_query *q = stance_query_parse(qs, strlen(qs), err, sizeof err, &col);
  CHECK(q != NULL);
  if (q == NULL) return (size_t)-1;
  /* without a reader the index says it cannot answer (unless it has no candidate) */
  memset(&h, 0, sizeof h);
  n = (size_t)stance_query_run(q, ix, NULL, &h);
  CHECK(n == (size_t)STANCE_QUERY_NO_TEXT || (n == 0 && h.n == 0));
  stance_hits_free(&h);
  CHECK_INT(stance_query_count(q, ix, NULL, &counted), (int)n);
  stance_query_set_reader(q, read_text, r);
  memset(&h, 0, sizeof h);
  CHECK_INT(stance_query_run(q, ix, NULL, &h), 0);
  n = h.n;
  stance_hits_free(&h);
  CHECK_INT(stance_query_count(q, ix, NULL, &counted), 0);
  CHECK_INT(counted, n);
  stance_query_free(q);
  return n;
}

static void terms_with_punctuation_are_what_grep_finds(void) {
  static const char *pats[] = {"rights,", "rights.", "Human, rights", "Kim. the", "Korea.",
                               ", talks", ". Kim", "the \xe2\x80\x94 Kim", "North, Korea. the",
                               "sanctions,  Human", "of. of", ",", "Kim.the", "rights, Kim"};
  corpus *c = malloc(sizeof *c);
  stance_index *ix;
  text_reader r;
  size_t i;
  char qs[64], err[128];
  size_t col;
  stance_query *q;
  stance_hits h;
  make_corpus(c);
  ix = build(c, 7);
  memset(&r, 0, sizeof r);
  r.c = c;
  for (i = 0; i < sizeof pats / sizeof pats[0]; i++) {
    size_t want = brute_grep(c, pats[i]);
    snprintf(qs, sizeof qs, "\"%s\"", pats[i]);
    if (strcmp(pats[i], ",") == 0) { /* no word: refused */
      CHECK(stance_query_parse(qs, strlen(qs), err, sizeof err, &col) == NULL);
      continue;
    }
    CHECK_INT(run_checked(ix, qs, &r), want);
  }
  CHECK(brute_grep(c, "rights.") > 0 && brute_grep(c, "Human, rights") > 0 && brute_grep(c, "Kim.the") == 0);
  /* checked leaves inside AND, OR and NOT */
  CHECK_INT(run_checked(ix, "rights. OR rights,", &r), brute_grep(c, "rights.") + brute_grep(c, "rights,"));
  run_checked(ix, "rights. NOT Kim", &r);
  run_checked(ix, "rights. Kim", &r);
  /* a document that cannot be read fails the search, as a damaged index does */
  q = stance_query_parse("rights.", 7, err, sizeof err, &col);
  stance_query_set_reader(q, read_text, &r);
  r.fail = STANCE_QUERY_UNREAD;
  memset(&h, 0, sizeof h);
  CHECK_INT(stance_query_run(q, ix, NULL, &h), STANCE_QUERY_UNREAD);
  stance_hits_free(&h);
  r.fail = STANCE_INDEX_DAMAGED;
  CHECK_INT(stance_query_run(q, ix, NULL, &h), STANCE_INDEX_DAMAGED);
  stance_hits_free(&h);
  r.fail = 0;
  stance_query_free(q);
  /* a word without punctuation reads nothing; a prefix with punctuation is refused */
  r.reads = 0;
  q = stance_query_parse("\"human rights\" OR kim", 21, err, sizeof err, &col);
  memset(&h, 0, sizeof h);
  CHECK_INT(stance_query_run(q, ix, NULL, &h), 0);
  stance_hits_free(&h);
  stance_query_free(q);
  CHECK_INT(r.reads, 0);
  CHECK(stance_query_parse("rights.*", 8, err, sizeof err, &col) == NULL);
  CHECK_STR(err, "a prefix (word*) is one word, without punctuation");
  CHECK(stance_query_parse("Kim-Jong*", 9, err, sizeof err, &col) == NULL);
  stance_index_free(ix);
  free(c);
}

/* An index of four small documents a.txt to d.txt, in one segment. */
static stance_index *four_docs(void) {
  const char *docs[] = {"alpha beta", "alpha gamma", "beta gamma", "delta"};
  stance_index *ix = stance_index_new();
  stance_segment_builder *b = stance_builder_new();
  stance_segment *seg;
  int d;
  for (d = 0; d < 4; d++) {
    stance_doc doc;
    char path[16];
    memset(&doc, 0, sizeof doc);
    snprintf(path, sizeof path, "%c.txt", 'a' + d);
    doc.path = path;
    stance_builder_add(b, (uint32_t)stance_index_add_doc(ix, &doc), docs[d], strlen(docs[d]));
  }
  seg = stance_builder_finish(b);
  stance_index_add_segment(ix, seg);
  stance_segment_unref(seg);
  stance_builder_free(b);
  return ix;
}

static void queries_combine_documents(void) {
  stance_index *ix = four_docs();
  CHECK_INT(run(ix, "alpha beta"), 2);          /* one document, both words */
  CHECK_INT(run(ix, "alpha AND beta"), 2);
  CHECK_INT(run(ix, "alpha OR delta"), 3);
  CHECK_INT(run(ix, "alpha NOT beta"), 1);
  CHECK_INT(run(ix, "NOT alpha"), 2);            /* two documents, as a whole */
  CHECK_INT(run(ix, "(alpha OR beta) NOT gamma"), 2);
  CHECK_INT(run(ix, "\"beta gamma\""), 1);
  CHECK_INT(run(ix, "\"gamma beta\""), 0);
  CHECK_INT(run(ix, "beta gamma alpha"), 0);
  CHECK_INT(run(ix, "gamma beta"), 2);
  CHECK_INT(run(ix, "beta beta"), 2);            /* a word named twice: its places once */
  CHECK_INT(run(ix, "alpha zeta"), 0);           /* a word no document has */
  stance_index_delete(ix, "a.txt");
  CHECK_INT(run(ix, "alpha"), 1);                /* deleted documents are gone */
  CHECK_INT(run(ix, "alpha beta"), 0);
  CHECK_INT(run(ix, "gamma alpha"), 2);
  stance_index_free(ix);
}

static void queries_report_syntax_errors(void) {
  static const struct {
    const char *q, *err;
    size_t col;
  } cases[] = {{"(a", "unbalanced parenthesis", 1},
               {"a)", "unbalanced parenthesis", 2},
               {"\"a b", "unterminated phrase (a closing \" is missing)", 1},
               {"", "the query is empty", 1},
               {"a OR", "the query ends where a term was expected", 5},
               {"—", "a search term needs a letter or a digit", 1}};
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char err[128];
    size_t col;
    stance_query *q = stance_query_parse(cases[i].q, strlen(cases[i].q), err, sizeof err, &col);
    CHECK(q == NULL);
    CHECK_STR(err, cases[i].err);
    CHECK_INT(col, cases[i].col);
  }
}

/* Hostile sizes: nesting is refused with a message, before any deep recursion; long flat
 * queries (a chain of AND, OR or NOT) are one node and run. */
static void queries_refuse_deep_nesting_and_run_long_chains(void) {
  stance_index *ix = four_docs();
  size_t n = 200000, i, col;
  char *q = malloc(10 * n + 16), err[128];
  stance_query *query;
  /* 200,000 parentheses, and as many NOTs: refused at the 65th level */
  for (i = 0; i < n; i++) q[i] = '(';
  q[n] = 'a';
  for (i = 0; i < n; i++) q[n + 1 + i] = ')';
  query = stance_query_parse(q, 2 * n + 1, err, sizeof err, &col);
  CHECK(query == NULL);
  CHECK_STR(err, "the query nests too deeply (parentheses and NOT, more than 64 levels)");
  CHECK_INT(col, 65);
  for (i = 0; i < n; i++) memcpy(q + 4 * i, "NOT ", 4);
  memcpy(q + 4 * n, "a", 2);
  query = stance_query_parse(q, strlen(q), err, sizeof err, &col);
  CHECK(query == NULL);
  CHECK_INT(col, 4 * 64 + 1);
  /* 64 levels are fine */
  for (i = 0; i < 63; i++) q[i] = '(';
  memcpy(q + 63, "alpha", 5);
  for (i = 0; i < 63; i++) q[68 + i] = ')';
  q[131] = '\0';
  CHECK_INT(run(ix, q), 2);
  /* long chains: 200,000 terms ANDed, ORed, and alternating with NOT */
  for (i = 0; i < n; i++) memcpy(q + 6 * i, "alpha ", 6);
  q[6 * n - 1] = '\0';
  CHECK_INT(run(ix, q), 2); /* an occurrence is one hit, however often the query names it */
  for (i = 0; i < n; i++) memcpy(q + 6 * i, i % 2 ? "OR be " : "alpha ", 6);
  memcpy(q + 6 * n - 6, "delta", 6);
  query = stance_query_parse(q, strlen(q), err, sizeof err, &col);
  CHECK(query != NULL);
  stance_query_free(query);
  for (i = 0; i < n; i++) memcpy(q + 10 * i, i % 2 ? "NOT delta " : "alpha     ", 10);
  q[10 * n - 1] = '\0';
  CHECK_INT(run(ix, q), 2);
  free(q);
  stance_index_free(ix);
}

/* A saved index in memory: its meta and its segment files. */
typedef struct saved {
  stance_buf meta, segs;
  uint64_t *ids;
  size_t *offs;
  uint32_t n;
} saved;

static const void *saved_segment(void *ud, uint64_t id, size_t *len) {
  saved *sv = ud;
  uint32_t i;
  for (i = 0; i < sv->n; i++)
    if (sv->ids[i] == id) {
      *len = sv->offs[i + 1] - sv->offs[i];
      return sv->segs.data + sv->offs[i];
    }
  return NULL;
}

/* `ix` saved into `sv` (freed by the caller) and loaded back (NULL on failure, checked). */
static stance_index *round_trip(stance_index *ix, saved *sv) {
  char err[128];
  stance_index *back;
  memset(sv, 0, sizeof *sv);
  stance_buf_init(&sv->meta);
  stance_buf_init(&sv->segs);
  CHECK_INT(stance_index_save_mem(ix, &sv->meta, &sv->segs, &sv->ids, &sv->offs, &sv->n), 0);
  back = stance_index_load_mem(sv->meta.data, sv->meta.len, saved_segment, sv, err, sizeof err);
  CHECK(back != NULL);
  return back;
}

static void saved_free(saved *sv) {
  stance_buf_free(&sv->meta);
  stance_buf_free(&sv->segs);
  free(sv->ids);
  free(sv->offs);
}

/* A large dictionary (many blocks of its key table, words sharing their first 8 bytes
 * across blocks): every word is found where it is, every prefix gives exactly the words
 * that start with it, in a built segment and in one saved and loaded. */
static void dictionary_lookups_through_the_key_table(void) {
  static const char *stems[] = {"a", "commonprefix", "commonprefixlonger", "zz", "m", "sanction"};
  stance_index *ix = stance_index_new();
  stance_segment_builder *b = stance_builder_new();
  stance_segment *seg;
  stance_buf text;
  char w[64];
  int i, k, pass;
  stance_doc doc;
  stance_buf_init(&text);
  for (k = 0; k < 6; k++)
    for (i = 0; i < 700; i++) {
      snprintf(w, sizeof w, "%s%d ", stems[k], i * 7);
      stance_buf_adds(&text, w);
    }
  memset(&doc, 0, sizeof doc);
  doc.path = "big.txt";
  stance_builder_add(b, (uint32_t)stance_index_add_doc(ix, &doc), text.data, text.len);
  seg = stance_builder_finish(b);
  stance_index_add_segment(ix, seg);
  CHECK(seg->nterms == 6 * 700);
  for (pass = 0; pass < 2; pass++) {
    const stance_segment *g = stance_index_segment(ix, 0);
    uint32_t t;
    for (t = 0; t < g->nterms; t++) {
      const char *word;
      uint32_t n;
      CHECK_INT(stance_segment_word(g, t, &word, &n), 0);
      CHECK_INT(stance_segment_find(g, word, n), t);
    }
    CHECK_INT(stance_segment_find(g, "commonprefix", 12), -1);
    CHECK_INT(stance_segment_find(g, "commonprefixlonger7x", 20), -1);
    for (k = 0; k < 6; k++) {
      uint32_t lo, hi, expect = 0, n;
      const char *word;
      for (t = 0; t < g->nterms; t++) {
        stance_segment_word(g, t, &word, &n);
        if (n >= strlen(stems[k]) && memcmp(word, stems[k], strlen(stems[k])) == 0) expect++;
      }
      CHECK_INT(stance_segment_prefix(g, stems[k], strlen(stems[k]), &lo, &hi), 0);
      CHECK_INT(hi - lo, expect);
    }
    {
      int expect = 0;
      for (i = 0; i < 700; i++) {
        snprintf(w, sizeof w, "%d", i * 7);
        if (w[0] == '7') expect++;
      }
      CHECK_INT(run(ix, "commonprefix7*"), expect);
    }
    if (pass == 0) {
      /* the same after a save and a load */
      saved sv;
      stance_index *back = round_trip(ix, &sv);
      saved_free(&sv);
      if (back == NULL) break;
      stance_index_free(ix);
      ix = back;
    }
  }
  stance_segment_unref(seg);
  stance_buf_free(&text);
  stance_builder_free(b);
  stance_index_free(ix);
}

/* Every query kind over `ix`: never a crash; -2 (damaged) allowed. */
static void query_all(stance_index *ix) {
  static const char *qs[] = {"sanctions", "sanction*", "\"human rights\"", "kim OR talks", "NOT the",
                             "(north AND korea) NOT sanctions", "s*"};
  size_t i, col, n;
  char err[64];
  for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    stance_query *q = stance_query_parse(qs[i], strlen(qs[i]), err, sizeof err, &col);
    stance_hits h;
    int rc;
    memset(&h, 0, sizeof h);
    rc = stance_query_run(q, ix, NULL, &h);
    CHECK(rc == 0 || rc == STANCE_INDEX_DAMAGED);
    rc = stance_query_count(q, ix, NULL, &n);
    CHECK(rc == 0 || rc == STANCE_INDEX_DAMAGED);
    stance_hits_free(&h);
    stance_query_free(q);
  }
}

static void index_file_round_trips_and_refuses_corruption(void) {
  corpus *c = malloc(sizeof *c);
  stance_index *ix, *back;
  saved sv;
  char err[256];
  size_t i;
  int refused = 0, damaged = 0;
  make_corpus(c);
  ix = build(c, 16);
  stance_index_delete(ix, "doc03.txt");
  back = round_trip(ix, &sv);
  if (back != NULL) {
    CHECK_INT(run(back, "sanctions"), run(ix, "sanctions"));
    CHECK_INT(run(back, "\"human rights\""), run(ix, "\"human rights\""));
    CHECK_INT(run(back, "sanction*"), run(ix, "sanction*"));
    CHECK_INT(stance_index_nsegments(back), 1); /* four small segments, merged by the save */
    CHECK(stance_index_find(back, "doc03.txt") < 0);
    CHECK(stance_index_find(back, "doc04.txt") >= 0);
    CHECK_INT(stance_index_ndocs(back), NDOCS - 1); /* the deleted document is not saved */
    stance_index_free(back);
  }
  /* every truncation of the meta: refused, never a crash */
  for (i = 0; i < sv.meta.len; i += 1 + sv.meta.len / 300) {
    back = stance_index_load_mem(sv.meta.data, i, saved_segment, &sv, err, sizeof err);
    if (back == NULL) refused++;
    stance_index_free(back);
  }
  CHECK(refused >= 250);
  /* a byte flipped anywhere: refused when loaded, or found when its page is decoded (the
   * documents are decoded on first use): every one of them found, one way or the other */
  {
    size_t flips = 0, found = 0;
    for (i = 8; i < sv.meta.len; i += 1 + sv.meta.len / 600) {
      flips++;
      sv.meta.data[i] ^= 0x5A;
      back = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
      if (back == NULL) {
        found++;
      } else if (stance_index_ready(back) == STANCE_INDEX_DAMAGED) {
        CHECK(stance_index_damaged(back));
        CHECK(stance_index_docs(back) == NULL);
        found++;
      }
      stance_index_free(back);
      sv.meta.data[i] ^= 0x5A;
    }
    CHECK(flips >= 500);
    CHECK_INT(found, flips);
  }
  /* a damaged page of a segment: found when a search reads it (or refused at once, in the
   * header), never trusted */
  for (i = 0; i < sv.segs.len; i += 1 + sv.segs.len / 200) {
    sv.segs.data[i] ^= 0x21;
    back = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
    if (back == NULL) {
      refused++;
    } else {
      size_t col;
      stance_query *q = stance_query_parse("s*", 2, err, sizeof err, &col);
      stance_hits h;
      memset(&h, 0, sizeof h);
      if (stance_query_run(q, back, NULL, &h) == STANCE_INDEX_DAMAGED) damaged++;
      stance_hits_free(&h);
      stance_query_free(q);
      query_all(back);
      stance_index_free(back);
    }
    sv.segs.data[i] ^= 0x21;
  }
  CHECK(damaged > 0);
  back = stance_index_load_mem("STANCEIX\x02\0\0\0", 12, saved_segment, &sv, err, sizeof err);
  CHECK(back == NULL);
  saved_free(&sv);
  stance_index_free(ix);
  free(c);
}

/* An index of many documents with long paths, in folders (a meta file of many pages). */
static stance_index *build_many(uint32_t n) {
  stance_index *ix = stance_index_new();
  stance_segment_builder *b = stance_builder_new();
  stance_segment *seg;
  stance_dir *dirs = calloc(3, sizeof *dirs);
  uint32_t d;
  for (d = 0; d < n; d++) {
    stance_doc doc;
    char path[96], text[64];
    memset(&doc, 0, sizeof doc);
    snprintf(path, sizeof path, "folder-%c-with-a-long-name/document-number-%05u.txt", 'a' + (int)(d * 3 / n), d);
    snprintf(text, sizeof text, "sanctions talks word%u %s", d, d % 2 ? "odd" : "even");
    doc.path = path;
    doc.size = 1000 + d;
    doc.mtime_ns = 1700000000000000000ll + d;
    doc.ctime_ns = doc.mtime_ns + 7;
    doc.ino = 5000 + d;
    doc.hash[0] = (uint8_t)d;
    doc.hash[31] = (uint8_t)(d >> 8);
    doc.racy = d % 7 == 0;
    doc.link = d % 11 == 0;
    doc.words = (uint32_t)stance_builder_add(b, (uint32_t)stance_index_add_doc(ix, &doc), text, strlen(text));
  }
  seg = stance_builder_finish(b);
  stance_index_add_segment(ix, seg);
  stance_segment_unref(seg);
  stance_builder_free(b);
  for (d = 0; d < 3; d++) {
    char name[64];
    snprintf(name, sizeof name, "folder-%c-with-a-long-name", 'a' + (int)d);
    dirs[d].path = strdup(name);
    dirs[d].path_owned = 1;
    dirs[d].mtime_ns = 17 + d;
  }
  stance_index_set_dirs(ix, dirs, 3, 0x1234);
  return ix;
}

static int same_doc(const stance_doc *a, const stance_doc *b) {
  return strcmp(a->path, b->path) == 0 && a->size == b->size && a->mtime_ns == b->mtime_ns &&
         a->ctime_ns == b->ctime_ns && a->ino == b->ino && memcmp(a->hash, b->hash, 32) == 0 &&
         a->words == b->words && a->racy == b->racy && a->link == b->link && a->deleted == b->deleted;
}

static size_t count_of(stance_index *ix, const char *query, const char *glob, int *rc) {
  const char *globs[2];
  size_t col, n = 0;
  char err[64];
  stance_query *q = stance_query_parse(query, strlen(query), err, sizeof err, &col);
  globs[0] = glob;
  globs[1] = NULL;
  *rc = stance_query_count(q, ix, glob ? globs : NULL, &n);
  stance_query_free(q);
  return n;
}

/* A loaded index decodes nothing of its documents until used; what it decodes one entry at
 * a time (a search's paths, a lookup by path, a document) equals what decoding them all
 * gives, and equals what was saved. */
static void lazily_decoded_entries_equal_decoded_ones(void) {
  stance_index *ix = build_many(700), *lazy, *eager;
  saved sv;
  uint32_t i, n, ndirs;
  const stance_dir *dirs;
  int rc;
  lazy = round_trip(ix, &sv);
  if (lazy == NULL) goto done;
  {
    char err[128];
    eager = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
  }
  CHECK(eager != NULL);
  if (eager == NULL) goto done2;
  CHECK_INT(stance_index_ready(eager), 0);
  CHECK(stance_index_ndocs(lazy) == 700 && stance_index_ndocs(eager) == 700);
  /* counts with and without globs, before anything is decoded */
  CHECK_INT(count_of(lazy, "sanctions", NULL, &rc), 700);
  CHECK_INT(rc, 0);
  CHECK_INT(count_of(lazy, "odd", "folder-b-with-a-long-name/*", &rc), count_of(eager, "odd", "folder-b-with-a-long-name/*", &rc));
  CHECK(stance_index_memory(lazy) < stance_index_memory(eager));
  for (i = 0; i < 700; i++) {
    stance_doc a;
    const stance_doc *b = stance_index_doc(eager, i);
    int64_t id;
    CHECK_INT(stance_index_get(lazy, i, &a), 0);
    CHECK(b != NULL && same_doc(&a, b));
    CHECK(b != NULL && strcmp(stance_index_path(lazy, i), b->path) == 0);
    CHECK(same_doc(&a, stance_index_doc(ix, (uint32_t)stance_index_find(ix, a.path))));
    id = stance_index_find(lazy, a.path);
    CHECK(id == (int64_t)i);
    CHECK(stance_index_is_live(lazy, i));
  }
  CHECK(stance_index_find(lazy, "folder-a-with-a-long-name/nothing.txt") < 0);
  CHECK(stance_index_find(lazy, "") < 0);
  /* found next to a hint: in path order, backwards, the same one twice, from any hint (even
   * past the end); a path not there is not found, and leaves the hint as it was */
  {
    uint32_t hint = 0, k;
    for (i = 0; i < 700; i++) CHECK(stance_index_find_near(lazy, stance_index_path(lazy, i), &hint) == (int64_t)i && hint == i);
    CHECK(stance_index_find_near(lazy, stance_index_path(lazy, 699), &hint) == 699);
    for (i = 700; i-- > 0;) CHECK(stance_index_find_near(lazy, stance_index_path(lazy, i), &hint) == (int64_t)i && hint == i);
    for (k = 0; k < 50; k++) {
      uint32_t want = (k * 263u) % 700u;
      hint = k * 977u + (k % 3 == 0 ? 0xFFFFFFF0u : 0u);
      CHECK(stance_index_find_near(lazy, stance_index_path(lazy, want), &hint) == (int64_t)want && hint == want);
    }
    hint = 5;
    CHECK(stance_index_find_near(lazy, "folder-a-with-a-long-name/nothing.txt", &hint) < 0 && hint == 5);
    CHECK(stance_index_find_near(lazy, "", &hint) < 0 && hint == 5);
    CHECK(stance_index_find_near(eager, stance_index_path(lazy, 42), &hint) == 42);
  }
  CHECK(!stance_index_is_live(lazy, 700));
  CHECK(stance_index_path(lazy, 700) == NULL);
  /* a copy of the undecoded index (as a job makes on its thread) decodes on its own */
  {
    stance_index *c = stance_index_copy(lazy);
    CHECK(c != NULL);
    if (c != NULL) {
      CHECK_INT(stance_index_ready(c), 0);
      for (i = 0; i < 700; i++) CHECK(same_doc(stance_index_doc(c, i), stance_index_doc(eager, i)));
      /* and changes what it decoded, not what it shares */
      stance_index_delete(c, stance_index_doc(eager, 5)->path);
      CHECK(!stance_index_is_live(c, 5));
      CHECK(stance_index_is_live(lazy, 5));
      stance_index_free(c);
    }
  }
  /* the folders, decoded with the documents */
  dirs = stance_index_dirs(lazy, &ndirs);
  CHECK_INT(ndirs, 3);
  CHECK(dirs != NULL && strcmp(dirs[1].path, "folder-b-with-a-long-name") == 0 && dirs[1].mtime_ns == 18);
  CHECK(stance_index_rule(lazy) == 0x1234);
  CHECK(stance_index_by_path(lazy, &n) != NULL && n == 700);
  stance_index_free(eager);
done2:
  stance_index_free(lazy);
done:
  saved_free(&sv);
  stance_index_free(ix);
}

/* A damaged page of the meta's documents: the load (which reads only the header and the
 * segments' tables) takes it; a search that needs no path answers; whatever reads a damaged
 * entry (a path, a lookup, decoding them all) finds it damaged, never returns it. */
static void damaged_meta_pages_are_found_when_read(void) {
  stance_index *ix = build_many(700), *back;
  saved sv;
  char err[128];
  size_t last;
  int rc, hit_bad = 0, hit_good = 0;
  uint32_t i;
  back = round_trip(ix, &sv);
  stance_index_free(back);
  CHECK(sv.meta.len > 8 * 4096);
  /* the last page: the strings (paths) of the last documents */
  last = sv.meta.len - 10;
  sv.meta.data[last] ^= 0x40;
  back = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
  CHECK(back != NULL);
  if (back != NULL) {
    CHECK_INT(count_of(back, "sanctions", NULL, &rc), 700);
    CHECK_INT(rc, 0);
    for (i = 0; i < 700; i++) {
      stance_doc d;
      if (stance_index_path(back, i) == NULL) {
        hit_bad++;
        CHECK(stance_index_get(back, i, &d) != 0);
      } else {
        hit_good++;
        CHECK_INT(stance_index_get(back, i, &d), 0);
      }
    }
    CHECK(hit_bad > 0 && hit_good > 0);
    count_of(back, "sanctions", "folder-c-with-a-long-name/*", &rc);
    CHECK_INT(rc, STANCE_INDEX_DAMAGED);
    CHECK_INT(count_of(back, "word5", "folder-a-with-a-long-name/*", &rc), 1);
    CHECK_INT(rc, 0); /* only the paths of the documents with the word are read: they check */
    {
      stance_hits h;
      size_t col;
      stance_query *q = stance_query_parse("odd", 3, err, sizeof err, &col);
      memset(&h, 0, sizeof h);
      CHECK_INT(stance_query_run(q, back, NULL, &h), STANCE_INDEX_DAMAGED); /* sorting reads every path */
      stance_hits_free(&h);
      stance_query_free(q);
    }
    CHECK(stance_index_find(back, "folder-c-with-a-long-name/document-number-00699.txt") < 0);
    CHECK(stance_index_find(back, "folder-a-with-a-long-name/document-number-00001.txt") == 1);
    CHECK(!stance_index_damaged(back));
    CHECK_INT(stance_index_ready(back), STANCE_INDEX_DAMAGED);
    CHECK(stance_index_damaged(back));
    CHECK(stance_index_doc(back, 0) == NULL);
    {
      /* and it is not saved again */
      stance_buf m2, s2;
      uint64_t *ids = NULL;
      size_t *offs = NULL;
      uint32_t n;
      stance_buf_init(&m2);
      stance_buf_init(&s2);
      CHECK_INT(stance_index_save_mem(back, &m2, &s2, &ids, &offs, &n), -1);
      stance_buf_free(&m2);
      stance_buf_free(&s2);
    }
    stance_index_free(back);
  }
  sv.meta.data[last] ^= 0x40;
  /* the segments' table damaged: refused at once */
  {
    uint8_t *h = (uint8_t *)sv.meta.data;
    uint64_t body = stance_get64(h + 16), data_off = (64 + ((body + 4095) / 4096) * 4 + 4095) / 4096 * 4096;
    size_t segs_at = (size_t)data_off + 700 * (48 + 32) + 3 * 24;
    sv.meta.data[segs_at + 3] ^= 1;
    back = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
    CHECK(back == NULL && strstr(err, "damaged") != NULL);
    stance_index_free(back);
    sv.meta.data[segs_at + 3] ^= 1;
  }
  /* another version: refused, saying so */
  sv.meta.data[8] = 4;
  back = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
  CHECK(back == NULL && strstr(err, "version 4") != NULL);
  stance_index_free(back);
  saved_free(&sv);
  stance_index_free(ix);
}

static uint64_t rng2 = 99;
static uint32_t rnd2(uint32_t n) {
  rng2 ^= rng2 << 13;
  rng2 ^= rng2 >> 7;
  rng2 ^= rng2 << 17;
  return (uint32_t)(rng2 % n);
}

/* Crafted files with right checksums: bytes changed, then the checksums made right again.
 * Loading refuses them or searches fail cleanly: no crash, no huge allocation (ASan would
 * abort on one), whatever the counts and offsets say. */
static void crafted_index_files_are_refused_or_fail_cleanly(void) {
  corpus *c = malloc(sizeof *c);
  stance_index *ix, *back;
  saved sv;
  char err[256];
  int round, loaded = 0;
  static const uint32_t evil[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0x40000000u, 0, 1, 0xFFFFFFFEu};
  make_corpus(c);
  ix = build(c, 20);
  memset(&sv, 0, sizeof sv);
  stance_buf_init(&sv.meta);
  stance_buf_init(&sv.segs);
  CHECK_INT(stance_index_save_mem(ix, &sv.meta, &sv.segs, &sv.ids, &sv.offs, &sv.n), 0);
  for (round = 0; round < 3000; round++) {
    saved m = sv;
    char *meta = malloc(sv.meta.len), *segs = malloc(sv.segs.len);
    int k, edits = 1 + (int)rnd2(4);
    uint32_t which;
    memcpy(meta, sv.meta.data, sv.meta.len);
    memcpy(segs, sv.segs.data, sv.segs.len);
    m.meta.data = meta;
    m.segs.data = segs;
    for (k = 0; k < edits; k++) {
      /* a 32-bit field of the meta or of a segment's header and tables, set to a value
       * chosen to hurt */
      uint32_t v = evil[rnd2(sizeof evil / sizeof evil[0])];
      if (rnd2(2) == 0) {
        size_t at = 8 + rnd2((uint32_t)(sv.meta.len - 12)) / 4 * 4;
        memcpy(meta + at, &v, 4);
      } else {
        which = rnd2(sv.n);
        {
          size_t len = sv.offs[which + 1] - sv.offs[which];
          size_t at = 8 + rnd2((uint32_t)(len < 8192 ? len - 12 : 8192)) / 4 * 4;
          memcpy(segs + sv.offs[which] + at, &v, 4);
        }
      }
    }
    stance__reseal_meta((uint8_t *)meta, sv.meta.len);
    for (which = 0; which < sv.n; which++)
      stance__reseal_segment((uint8_t *)segs + sv.offs[which], sv.offs[which + 1] - sv.offs[which]);
    back = stance_index_load_mem(meta, sv.meta.len, saved_segment, &m, err, sizeof err);
    if (back != NULL) {
      int rc;
      stance_doc d;
      loaded++;
      query_all(back);
      /* entries one at a time, then all of them: right, or damaged */
      for (k = 0; k < (int)stance_index_ndocs(back); k++)
        if (stance_index_get(back, (uint32_t)k, &d) == 0) {
          /* a crafted order may hide it from a lookup; what a lookup finds is right */
          int64_t id = stance_index_find(back, d.path);
          CHECK(id < 0 || strcmp(stance_index_path(back, (uint32_t)id), d.path) == 0);
        }
      rc = stance_index_ready(back);
      CHECK(rc == 0 || rc == STANCE_INDEX_DAMAGED);
      stance_index_free(back);
    } else {
      CHECK(err[0] != '\0');
    }
    free(meta);
    free(segs);
  }
  CHECK(loaded > 0);
  saved_free(&sv);
  stance_index_free(ix);
  free(c);
}

/* Skipping varints unread lands where reading them one by one does, across the 8-byte
 * steps, and fails on bytes that end first. */
static void varints_are_skipped_as_they_are_read(void) {
  uint8_t buf[2048];
  size_t len = 0, i;
  uint32_t n, count = 0, seed = 12345;
  while (len + 10 <= sizeof buf) {
    uint64_t v;
    seed = seed * 1103515245u + 12345u;
    v = (uint64_t)seed >> (seed % 31); /* from 1 to 5 bytes */
    if (seed % 7 == 0) v = (uint64_t)seed << 32 | seed; /* longer ones */
    len += stance_varint_put(buf + len, v);
    count++;
  }
  for (n = 0; n <= count; n++) {
    const uint8_t *p = buf, *q;
    uint64_t v;
    for (i = 0; i < n; i++) p = stance_varint_get(p, buf + len, &v);
    q = stance_varint_skip(buf, buf + len, n);
    CHECK(q == p);
  }
  CHECK(stance_varint_skip(buf, buf + len, count + 1) == NULL);
  CHECK(stance_varint_skip(buf, buf, 1) == NULL);
  CHECK(stance_varint_skip(buf, buf, 0) == buf);
  /* a varint cut short */
  buf[0] = 0x80;
  buf[1] = 0x80;
  CHECK(stance_varint_skip(buf, buf + 2, 1) == NULL);
}

/* Long documents (thousands of occurrences of a word each: a word's documents are then a
 * small part of its postings, read apart from its positions): every kind of count equals
 * a scan of the text, in built segments, after documents are deleted, after a merge, and
 * once saved and loaded. */
#define LONG_DOCS 12
typedef struct scan {
  const char *a, *b;            /* a word, or a prefix (a ends with '*'), and a phrase's second */
  size_t hits;
  char prev[32];
  uint32_t pos, prev_pos;
  int any;
} scan;

static int scan_word(void *ud, size_t s, size_t e, const char *f, size_t n, int broken) {
  scan *sc = ud;
  size_t al = strlen(sc->a);
  char w[32];
  (void)s;
  (void)e;
  if (sc->any) sc->pos += broken ? 2 : 1;
  sc->any = 1;
  if (n >= sizeof w) n = sizeof w - 1;
  memcpy(w, f, n);
  w[n] = '\0';
  if (sc->b != NULL) {
    if (strcmp(w, sc->b) == 0 && strcmp(sc->prev, sc->a) == 0 && sc->prev_pos + 1 == sc->pos) sc->hits++;
  } else if (sc->a[al - 1] == '*' ? strncmp(w, sc->a, al - 1) == 0 : strcmp(w, sc->a) == 0) {
    sc->hits++;
  }
  memcpy(sc->prev, w, n + 1);
  sc->prev_pos = sc->pos;
  return 0;
}

static size_t scan_doc(const char *text, const char *a, const char *b) {
  scan sc;
  memset(&sc, 0, sizeof sc);
  sc.a = a;
  sc.b = b;
  stance_tokenize(text, strlen(text), scan_word, &sc);
  return sc.hits;
}

/* The hits of `a` (or the phrase a b) in the live documents; with `and`, of a AND and in
 * the documents holding both (each word's occurrences). */
static size_t scan_all(char **texts, const int *live, const char *a, const char *b, const char *and) {
  size_t n = 0;
  int d;
  for (d = 0; d < LONG_DOCS; d++) {
    size_t x, y;
    if (!live[d]) continue;
    x = scan_doc(texts[d], a, b);
    if (and == NULL) {
      n += x;
      continue;
    }
    y = scan_doc(texts[d], and, NULL);
    if (x > 0 && y > 0) n += x + y;
  }
  return n;
}

static int keep_live_doc(void *ud, uint32_t doc) { return stance_index_is_live(ud, doc); }

static int keep_none(void *ud, uint32_t doc) {
  (void)ud;
  (void)doc;
  return 0;
}

static void long_documents_count_as_a_scan(void) {
  static const char *words[] = {"sanctions", "engagement", "talks", "north", "korea", "rare", "sanctioned"};
  char *texts[LONG_DOCS];
  int live[LONG_DOCS], d, round;
  stance_index *ix = stance_index_new();
  stance_segment_builder *b = stance_builder_new();
  saved sv;
  for (d = 0; d < LONG_DOCS; d++) {
    size_t cap = 200000, len = 0;
    int w, n = 2000 + (int)rnd(20000);
    stance_doc doc;
    char path[32];
    texts[d] = malloc(cap);
    live[d] = 1;
    for (w = 0; w < n && len + 32 < cap; w++) {
      /* "rare" in a few documents only; "engagement" missing from some */
      uint32_t k = rnd(d % 3 == 0 ? 5 : 7);
      if (k == 5 && rnd(50) != 0) k = 2;
      len += (size_t)sprintf(texts[d] + len, "%s%s", words[k], seps[rnd(sizeof seps / sizeof seps[0])]);
    }
    memset(&doc, 0, sizeof doc);
    snprintf(path, sizeof path, "long%02d.txt", d);
    doc.path = path;
    doc.size = len;
    CHECK(stance_builder_add(b, (uint32_t)stance_index_add_doc(ix, &doc), texts[d], len) > 0);
    if (d % 3 == 2) {
      stance_segment *seg = stance_builder_finish(b);
      CHECK(seg != NULL);
      stance_index_add_segment(ix, seg);
      stance_segment_unref(seg);
    }
  }
  stance_builder_free(b);
  for (round = 0; round < 4; round++) {
    stance_index *use = ix;
    if (round == 1) {
      /* two documents deleted (counts can no longer come from the dictionary) */
      stance_index_delete(ix, "long04.txt");
      stance_index_delete(ix, "long09.txt");
      live[4] = live[9] = 0;
    }
    if (round == 2) {
      /* merged into one segment (documents dropped, positions copied unread) */
      stance_segment *segs[8], *m;
      uint32_t i, n = stance_index_nsegments(ix);
      int damaged = 1;
      for (i = 0; i < n; i++) segs[i] = stance_index_segment(ix, i);
      m = stance_segments_merge(segs, n, keep_live_doc, ix, 2, &damaged);
      CHECK(m != NULL && !damaged);
      if (m == NULL) break;
      CHECK_INT(stance_index_replace_segments(ix, segs, n, m), 0);
      stance_segment_unref(m);
      CHECK_INT(stance_index_nsegments(ix), 1);
      CHECK_INT(stance_index_segment(ix, 0)->ndocs, LONG_DOCS - 2); /* the deleted ones dropped */
    }
    if (round == 3) use = round_trip(ix, &sv);
    if (use == NULL) break;
    CHECK_INT(run(use, "sanctions"), scan_all(texts, live, "sanctions", NULL, NULL));
    CHECK_INT(run(use, "rare"), scan_all(texts, live, "rare", NULL, NULL));
    CHECK_INT(run(use, "sanction*"), scan_all(texts, live, "sanction*", NULL, NULL));
    CHECK_INT(run(use, "\"north korea\""), scan_all(texts, live, "north", "korea", NULL));
    CHECK_INT(run(use, "\"korea rare\""), scan_all(texts, live, "korea", "rare", NULL));
    CHECK_INT(run(use, "sanctions AND engagement"), scan_all(texts, live, "sanctions", NULL, "engagement"));
    CHECK_INT(run(use, "rare talks"), scan_all(texts, live, "rare", NULL, "talks"));
    CHECK_INT(run(use, "engagement rare"), scan_all(texts, live, "engagement", NULL, "rare"));
    CHECK(run(use, "rare") > 0 && run(use, "rare") < run(use, "talks"));
    if (round == 3) {
      stance_index_free(use);
      saved_free(&sv);
    }
  }
  stance_index_free(ix);
  for (d = 0; d < LONG_DOCS; d++) free(texts[d]);
}

/* The hits of every word of the vocabulary, a phrase, a prefix and an AND, for comparing
 * an index with another. */
static void same_hits(stance_index *a, stance_index *b) {
  static const char *const qs[] = {"sanctions", "\"human rights\"", "sanction*", "kim engagement",
                                   "the NOT korea", "incomprehensibl*"};
  size_t i;
  for (i = 0; i < sizeof qs / sizeof qs[0]; i++) CHECK_INT(run(a, qs[i]), run(b, qs[i]));
}

/* `ix` saved (into memory) and loaded back has `nsegs` segments and the same hits. */
static void saved_as(stance_index *ix, uint32_t nsegs) {
  saved sv;
  stance_index *back = round_trip(ix, &sv);
  if (back != NULL) {
    CHECK_INT(stance_index_nsegments(back), nsegs);
    same_hits(ix, back);
    stance_index_free(back);
  }
  saved_free(&sv);
}

/* A save keeps the segments few, in tiers: many small segments are merged (by up to eight),
 * a few are left alone, one that lost most of its documents is rewritten; the hits stay the
 * same. Saved into a folder, the merged segments are files, and nothing else is left. */
static void saves_merge_segments_by_tiers(void) {
  corpus *c = malloc(sizeof *c);
  stance_index *ix, *back;
  saved sv;
  int d;
  make_corpus(c);
  /* 20 segments of 3 documents: 8 + 8 + 4, each group merged */
  ix = build(c, 3);
  CHECK_INT(stance_index_nsegments(ix), 20);
  saved_as(ix, 3);
  {
    /* the same into a folder: the merged segments written as the save goes, then taken */
    const char *dir = tmp_dir();
    char err[256], path[4200];
    int missing = 0, files = 0, others = 0;
    uint32_t i;
    DIR *dd;
    struct dirent *de;
    saved mem;
    uint32_t matched = 0;
    /* the segments mapped from files first, as an index job leaves them (the merge gives
     * their pages back as it goes) */
    for (i = 0; i < stance_index_nsegments(ix); i++)
      CHECK_INT(stance_segment_to_file(stance_index_segment(ix, i), dir, err, sizeof err), 0);
    CHECK(stance_index_segment(ix, 0)->file != NULL && stance_index_segment(ix, 0)->file->mmapped);
    /* saved in memory too: the merges made in memory, then written */
    back = round_trip(ix, &mem);
    stance_index_free(back);
    CHECK_INT(stance_index_save(ix, dir, NULL, err, sizeof err), 0);
    /* each file (a merge made straight in its file, on Linux) holds the same bytes as one of
     * the segments saved from memory */
    if ((dd = opendir(dir)) != NULL) {
      while ((de = readdir(dd)) != NULL) {
        FILE *f;
        long len;
        char *bytes;
        uint32_t k;
        if (strncmp(de->d_name, "seg-", 4) != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if ((f = fopen(path, "rb")) == NULL) continue;
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        bytes = malloc((size_t)len + 1);
        if (bytes != NULL && fread(bytes, 1, (size_t)len, f) == (size_t)len)
          for (k = 0; k < mem.n; k++)
            if (mem.offs[k + 1] - mem.offs[k] == (size_t)len && memcmp(mem.segs.data + mem.offs[k], bytes, (size_t)len) == 0) {
              matched++;
              break;
            }
        free(bytes);
        fclose(f);
      }
      closedir(dd);
    }
    CHECK_INT(matched, 3);
    saved_free(&mem);
    back = stance_index_load(dir, &missing, err, sizeof err);
    CHECK(back != NULL);
    if (back != NULL) {
      CHECK_INT(stance_index_nsegments(back), 3);
      same_hits(ix, back);
      stance_index_free(back);
    }
    if ((dd = opendir(dir)) != NULL) {
      while ((de = readdir(dd)) != NULL) {
        if (strncmp(de->d_name, "seg-", 4) == 0) files++;
        else if (strcmp(de->d_name, "meta") != 0 && strcmp(de->d_name, "lock") != 0 && de->d_name[0] != '.') others++;
      }
      closedir(dd);
    }
    CHECK_INT(files, 3);
    CHECK_INT(others, 0);
    snprintf(path, sizeof path, "%s", dir);
    tmp_cleanup(path);
  }
  stance_index_free(ix);
  /* three segments: left as they are */
  ix = build(c, 20);
  saved_as(ix, 3);
  /* the first lost 15 of its 20 documents: rewritten without them, and with the segments of
   * its tier (here, the two others) */
  for (d = 0; d < 15; d++) {
    char p2[32];
    snprintf(p2, sizeof p2, "doc%02d.txt", d);
    stance_index_delete(ix, p2);
  }
  back = round_trip(ix, &sv);
  if (back != NULL) {
    uint32_t i, total = 0, smallest = UINT32_MAX;
    CHECK_INT(stance_index_nsegments(back), 1);
    for (i = 0; i < stance_index_nsegments(back); i++) {
      uint32_t n = stance_index_segment(back, i)->ndocs;
      total += n;
      if (n < smallest) smallest = n;
    }
    CHECK_INT(total, NDOCS - 15);
    CHECK_INT(smallest, NDOCS - 15);
    same_hits(ix, back);
    stance_index_free(back);
  }
  saved_free(&sv);
  stance_index_free(ix);
  free(c);
}

/* The tables of two segments are the same bytes (and their documents the same). */
static void same_segment(const stance_segment *a, const stance_segment *b) {
  CHECK_INT(a->ndocs, b->ndocs);
  CHECK_INT(a->nterms, b->nterms);
  CHECK_INT(a->terms_len, b->terms_len);
  CHECK_INT(a->post_len, b->post_len);
  if (a->ndocs != b->ndocs || a->nterms != b->nterms || a->terms_len != b->terms_len || a->post_len != b->post_len)
    return;
  CHECK(memcmp(a->docs, b->docs, (size_t)a->ndocs * 4) == 0);
  CHECK(memcmp(a->term_off, b->term_off, ((size_t)a->nterms + 1) * 4) == 0);
  CHECK(memcmp(a->freq, b->freq, (size_t)a->nterms * 4) == 0);
  CHECK(memcmp(a->post_off, b->post_off, ((size_t)a->nterms + 1) * 8) == 0);
  CHECK(memcmp(a->keys, b->keys, (size_t)STANCE_NKEYS(a->nterms) * 8) == 0);
  CHECK(memcmp(a->terms, b->terms, (size_t)a->terms_len) == 0);
  CHECK(memcmp(a->postings, b->postings, (size_t)a->post_len) == 0);
}

/* The same merge on 2 to STANCE_MERGE_THREADS threads (and one more, which is at most
 * that): each thread merges a part of the dictionaries, written side by side; the segment
 * is `one`'s, byte for byte. And with every document dropped: an empty segment, whatever
 * the threads. */
static void same_in_parts(stance_segment *const *segs, uint32_t n, int (*keep)(void *, uint32_t), void *ud,
                          const stance_segment *one) {
  unsigned t;
  for (t = 2; t <= STANCE_MERGE_THREADS + 1; t++) {
    int damaged = 1;
    stance_segment *m = stance_segments_merge(segs, n, keep, ud, t, &damaged);
    CHECK(m != NULL && !damaged);
    if (m != NULL) same_segment(m, one);
    stance_segment_unref(m);
    damaged = 1;
    m = stance_segments_merge(segs, n, keep_none, NULL, t, &damaged);
    CHECK(m != NULL && !damaged);
    if (m != NULL) {
      CHECK_INT(m->ndocs, 0);
      CHECK_INT(m->nterms, 0);
      CHECK_INT(m->post_len, 0);
    }
    stance_segment_unref(m);
  }
}

/* One segment of the documents of `c` not in `gone` (a list of numbers ending with -1),
 * built at once, numbered as `ix` numbers them. */
static stance_segment *built_at_once(corpus *c, stance_index *ix, const int *gone) {
  stance_segment_builder *b = stance_builder_new();
  stance_segment *seg;
  int d, g, skip;
  for (d = 0; d < NDOCS; d++) {
    char path[32];
    for (skip = 0, g = 0; gone[g] >= 0; g++) skip |= gone[g] == d;
    if (skip) continue;
    snprintf(path, sizeof path, "doc%02d.txt", d);
    CHECK(stance_builder_add(b, (uint32_t)stance_index_find(ix, path), c->text[d], c->len[d]) > 0);
  }
  seg = stance_builder_finish(b);
  stance_builder_free(b);
  return seg;
}

/* A merge gives the very segment that building its documents at once gives: segments that
 * keep every document (a rebuild's, merged at its save: their postings copied whole, only
 * each word's first document renumbered), in memory and mapped from their files; and with
 * documents deleted from some of them (those taken document by document, the others whole,
 * in one merge). The hits stay those of a scan of the text, saved and loaded too. */
static void merges_equal_one_build(void) {
  static const int none[] = {-1}, gone[] = {0, 3, 20, 21, 22, 59, -1};
  corpus *c = malloc(sizeof *c);
  stance_index *ix;
  stance_segment *segs[16], *m, *one;
  uint32_t i, n;
  int damaged, file, g;
  make_corpus(c);
  for (file = 0; file < 2; file++) {
    const char *dir = file ? tmp_dir() : NULL;
    char err[256], path[4200];
    ix = build(c, 7);
    n = stance_index_nsegments(ix);
    CHECK_INT(n, 9);
    for (i = 0; i < n; i++) {
      segs[i] = stance_index_segment(ix, i);
      if (dir != NULL) CHECK_INT(stance_segment_to_file(segs[i], dir, err, sizeof err), 0);
    }
    CHECK(dir == NULL || (segs[0]->file != NULL && segs[0]->file->mmapped));
    /* every document kept */
    damaged = 1;
    m = stance_segments_merge(segs, n, NULL, NULL, 1, &damaged);
    one = built_at_once(c, ix, none);
    CHECK(m != NULL && one != NULL && !damaged);
    if (m != NULL && one != NULL) same_segment(m, one);
    if (one != NULL) same_in_parts(segs, n, NULL, NULL, one);
    stance_segment_unref(one);
    CHECK_INT(stance_index_replace_segments(ix, segs, n, m), 0);
    stance_segment_unref(m);
    CHECK_INT(stance_index_nsegments(ix), 1);
    CHECK_INT(run(ix, "sanctions"), brute(c, "sanctions", NULL, 0));
    CHECK_INT(run(ix, "\"human rights\""), brute(c, "human", "rights", 0));
    CHECK_INT(run(ix, "sanction*"), brute(c, "sanction", NULL, 1));
    saved_as(ix, 1);
    stance_index_free(ix);
    /* documents deleted from four of the segments (the first, the last, and two in the
     * middle, one of which loses three) */
    ix = build(c, 7);
    for (i = 0; i < n; i++) {
      segs[i] = stance_index_segment(ix, i);
      if (dir != NULL) CHECK_INT(stance_segment_to_file(segs[i], dir, err, sizeof err), 0);
    }
    for (g = 0; gone[g] >= 0; g++) {
      snprintf(path, sizeof path, "doc%02d.txt", gone[g]);
      stance_index_delete(ix, path);
    }
    one = built_at_once(c, ix, gone);
    damaged = 1;
    m = stance_segments_merge(segs, n, keep_live_doc, ix, 1, &damaged);
    CHECK(m != NULL && one != NULL && !damaged);
    if (m != NULL && one != NULL) same_segment(m, one);
    if (one != NULL) same_in_parts(segs, n, keep_live_doc, ix, one);
    stance_segment_unref(one);
    CHECK_INT(stance_index_replace_segments(ix, segs, n, m), 0);
    stance_segment_unref(m);
    same_hits(ix, ix);
    saved_as(ix, 1);
    stance_index_free(ix);
    if (dir != NULL) {
      snprintf(path, sizeof path, "%s", dir);
      tmp_cleanup(path);
    }
  }
  free(c);
}

/* The documents of `c` (and a long one, whose most frequent word's postings are larger
 * than what a segment streamed to its file goes through at a time) added to `b`. */
static void add_all(stance_segment_builder *b, corpus *c, const char *big, size_t big_len) {
  int d;
  for (d = 0; d < NDOCS; d++) CHECK(stance_builder_add(b, (uint32_t)d, c->text[d], c->len[d]) > 0);
  CHECK(stance_builder_add(b, NDOCS, big, big_len) > 0);
}

/* A segment streamed to its file as it is made (a rebuild's) is the file and the segment
 * that finishing it in memory then writing it give, byte for byte; the builder, emptied,
 * builds the next one alike; a folder that cannot be written leaves the builder as it was,
 * for the segment in memory. */
static void streamed_segments_equal_written_ones(void) {
  corpus *c = malloc(sizeof *c);
  const char *dir = tmp_dir();
  size_t big_len = 1000000, i;
  char *big = malloc(big_len), err[256], path[4200];
  int round, oom = 1;
  make_corpus(c);
  for (i = 0; i < big_len; i++) big[i] = "alpha beta alpha gamma\n"[i % 23];
  for (round = 0; round < 2; round++) {
    stance_segment_builder *a = stance_builder_new(), *b = stance_builder_new();
    stance_segment *sa, *sb;
    /* a builder that made a segment before (the second round) makes the next one alike */
    for (i = 0; i <= (size_t)round; i++) {
      add_all(a, c, big, big_len);
      add_all(b, c, big, big_len);
      if (i < (size_t)round) {
        stance_segment_unref(stance_builder_finish(a));
        stance_segment_unref(stance_builder_to_file(b, dir, &oom, err, sizeof err));
      }
    }
    sa = stance_builder_finish(a);
    CHECK(sa != NULL && stance_segment_to_file(sa, dir, err, sizeof err) == 0);
    sb = stance_builder_to_file(b, dir, &oom, err, sizeof err);
    CHECK(sb != NULL && !oom);
    if (sa != NULL && sb != NULL) {
      CHECK(sa->post_len > 64 * 1024);
      CHECK(sb->file != NULL && sb->file_id != 0);
      same_segment(sa, sb);
      CHECK(sa->file != NULL && sb->file != NULL && sa->file->size == sb->file->size &&
            memcmp(sa->file->data, sb->file->data, sa->file->size) == 0);
      CHECK_INT(stance_segment_find(sb, "gamma", 5) >= 0, 1);
    }
    stance_segment_unref(sa);
    stance_segment_unref(sb);
    stance_builder_free(a);
    stance_builder_free(b);
  }
  /* a folder that cannot be made: NULL, not out of memory, and the builder still whole */
  {
    stance_segment_builder *a = stance_builder_new(), *b = stance_builder_new();
    stance_segment *sa, *sb;
    snprintf(path, sizeof path, "%s/file", dir);
    {
      FILE *f = fopen(path, "w");
      CHECK(f != NULL);
      if (f != NULL) fclose(f);
    }
    snprintf(path, sizeof path, "%s/file/index.bin", dir);
    add_all(a, c, big, big_len);
    add_all(b, c, big, big_len);
    oom = 1;
    CHECK(stance_builder_to_file(b, path, &oom, err, sizeof err) == NULL);
    CHECK_INT(oom, 0);
    sa = stance_builder_finish(a);
    sb = stance_builder_finish(b);
    CHECK(sa != NULL && sb != NULL);
    if (sa != NULL && sb != NULL) same_segment(sa, sb);
    stance_segment_unref(sa);
    stance_segment_unref(sb);
    stance_builder_free(a);
    stance_builder_free(b);
  }
  snprintf(path, sizeof path, "%s", dir);
  tmp_cleanup(path);
  free(big);
  free(c);
}

/* An index saved by an older stance (format 5: each word's documents and positions
 * interleaved) is refused, saying its version, never read as this format: the search then
 * rebuilds it. A segment file of the older format listed by a meta of this one is refused
 * too. */
static void older_index_formats_are_refused(void) {
  stance_index *ix = four_docs(), *back;
  saved sv;
  char err[160];
  back = round_trip(ix, &sv);
  CHECK(back != NULL);
  stance_index_free(back);
  CHECK_INT(stance_get32((const uint8_t *)sv.meta.data + 8), STANCE_INDEX_FILE_VERSION);
  CHECK_INT(STANCE_INDEX_FILE_VERSION, 6);
  /* the meta of version 5, its checksums right */
  stance_put32((uint8_t *)sv.meta.data + 8, 5);
  stance__reseal_meta((uint8_t *)sv.meta.data, sv.meta.len);
  back = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
  CHECK(back == NULL && strstr(err, "version 5") != NULL);
  stance_index_free(back);
  stance_put32((uint8_t *)sv.meta.data + 8, STANCE_INDEX_FILE_VERSION);
  stance__reseal_meta((uint8_t *)sv.meta.data, sv.meta.len);
  /* a segment file of version 1, its checksums right */
  stance_put32((uint8_t *)sv.segs.data + sv.offs[0] + 8, 1);
  stance__reseal_segment((uint8_t *)sv.segs.data + sv.offs[0], sv.offs[1] - sv.offs[0]);
  back = stance_index_load_mem(sv.meta.data, sv.meta.len, saved_segment, &sv, err, sizeof err);
  CHECK(back == NULL && strstr(err, "another version") != NULL);
  stance_index_free(back);
  saved_free(&sv);
  stance_index_free(ix);
}

/* What a path in an index may be: relative, no empty, ".", ".." or hidden component. */
static void index_paths_are_corpus_paths(void) {
  static const char *const good[] = {"a", "a.txt", "a/b.txt", "x/y/z.md", "a./b..", "a b/c'd\"e"};
  static const char *const bad[] = {"/a", "a/", "a//b", ".a", "a/.b", "./a", "a/./b", "a/../b", "..", ".", "/"};
  size_t i;
  for (i = 0; i < sizeof good / sizeof good[0]; i++) CHECK(stance_index_path_ok(good[i], strlen(good[i]), 0));
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!stance_index_path_ok(bad[i], strlen(bad[i]), 0));
  CHECK(stance_index_path_ok("", 0, 1));
  CHECK(!stance_index_path_ok("", 0, 0));
  CHECK(!stance_index_path_ok("a\0b", 3, 0));
}

/* A builder that made a segment of a large vocabulary starts the next one small: what it
 * keeps would count against the next segment's memory, and a vocabulary large enough made
 * a segment of every document. */
static void builder_starts_small_after_a_large_vocabulary(void) {
  stance_segment_builder *b = stance_builder_new();
  stance_segment *seg;
  char *text = malloc(100000 * 8), *p = text;
  uint32_t i;
  CHECK(b != NULL && text != NULL);
  if (b == NULL || text == NULL) return;
  for (i = 0; i < 100000; i++) p += sprintf(p, "w%u ", i);
  CHECK(stance_builder_add(b, 0, text, (size_t)(p - text)) == 100000);
  CHECK(stance_builder_memory(b) > 4u * 1024u * 1024u);
  seg = stance_builder_finish(b);
  CHECK(seg != NULL);
  CHECK(stance_builder_memory(b) < 1024u * 1024u);
  /* and it builds again */
  CHECK(stance_builder_add(b, 0, "alpha beta alpha", 16) == 3);
  stance_segment_unref(seg);
  seg = stance_builder_finish(b);
  CHECK(seg != NULL);
  stance_segment_unref(seg);
  stance_builder_free(b);
  free(text);
}

/* A large document's words (thousands of distinct ones, of every length: up to 8 bytes, 9 to
 * 16, more; its table grown while words wait for their slots) each counted once per
 * occurrence, under one entry. */
static void builder_counts_a_large_documents_words(void) {
  stance_segment_builder *b = stance_builder_new();
  stance_segment *seg = NULL;
  size_t cap = 20000u * 3u * 40u, len = 0;
  char *text = malloc(cap);
  char w[64];
  uint32_t i, k;
  CHECK(b != NULL && text != NULL);
  if (b == NULL || text == NULL) goto done;
  /* three rounds over the words: each appears three times, far apart */
  for (k = 0; k < 3; k++)
    for (i = 0; i < 20000; i++)
      len += (size_t)sprintf(text + len, i % 3 == 0 ? "w%u " : i % 3 == 1 ? "sanction%uab " : "internationalization%u ", i);
  CHECK(stance_builder_add(b, 0, text, len) == 60000);
  seg = stance_builder_finish(b);
  CHECK(seg != NULL);
  if (seg == NULL) goto done;
  CHECK(seg->nterms == 20000);
  for (i = 0; i < 20000; i += 7) {
    int64_t t;
    uint32_t freq = 0;
    int n = sprintf(w, i % 3 == 0 ? "w%u" : i % 3 == 1 ? "sanction%uab" : "internationalization%u", i);
    t = stance_segment_find(seg, w, (size_t)n);
    CHECK(t >= 0);
    if (t >= 0) CHECK(stance_segment_freq(seg, (uint32_t)t, &freq) == 0 && freq == 3);
  }
done:
  stance_segment_unref(seg);
  stance_builder_free(b);
  free(text);
}

/* A FIFO at the meta file's or a segment's name (an archive can carry one): the load is
 * refused at once with the name (the index then rebuilt), never blocked waiting for a writer. */
static void fifos_at_index_files_are_refused(void) {
  corpus *c = malloc(sizeof *c);
  stance_index *ix, *back;
  const char *dir = tmp_dir();
  char err[256], path[4200], seg[4200];
  int missing = 0;
  DIR *dd;
  struct dirent *de;
  make_corpus(c);
  ix = build(c, 16);
  CHECK_INT(stance_index_save(ix, dir, NULL, err, sizeof err), 0);
  seg[0] = '\0';
  if ((dd = opendir(dir)) != NULL) {
    while ((de = readdir(dd)) != NULL)
      if (strncmp(de->d_name, "seg-", 4) == 0) snprintf(seg, sizeof seg, "%s/%s", dir, de->d_name);
    closedir(dd);
  }
  CHECK(seg[0] != '\0');
  /* a segment: the meta names it, its open does not wait */
  CHECK_INT(unlink(seg), 0);
  CHECK_INT(mkfifo(seg, 0600), 0);
  back = stance_index_load(dir, &missing, err, sizeof err);
  CHECK(back == NULL);
  CHECK(strstr(err, "not an index file") != NULL);
  stance_index_free(back);
  /* the meta itself */
  snprintf(path, sizeof path, "%s/meta", dir);
  CHECK_INT(unlink(path), 0);
  CHECK_INT(mkfifo(path, 0600), 0);
  back = stance_index_load(dir, &missing, err, sizeof err);
  CHECK(back == NULL);
  CHECK_INT(missing, 0);
  CHECK(strstr(err, "meta: not an index file") != NULL);
  stance_index_free(back);
  snprintf(path, sizeof path, "%s", dir);
  tmp_cleanup(path);
  stance_index_free(ix);
  free(c);
}

const test_case index_tests[] = {
    {"builder_starts_small_after_a_large_vocabulary", builder_starts_small_after_a_large_vocabulary},
    {"builder_counts_a_large_documents_words", builder_counts_a_large_documents_words},
    {"index_paths_are_corpus_paths", index_paths_are_corpus_paths},
    {"varints_are_skipped_as_they_are_read", varints_are_skipped_as_they_are_read},
    {"index_matches_a_brute_force_search", index_matches_a_brute_force_search},
    {"queries_combine_documents", queries_combine_documents},
    {"terms_with_punctuation_are_what_grep_finds", terms_with_punctuation_are_what_grep_finds},
    {"queries_report_syntax_errors", queries_report_syntax_errors},
    {"queries_refuse_deep_nesting_and_run_long_chains", queries_refuse_deep_nesting_and_run_long_chains},
    {"dictionary_lookups_through_the_key_table", dictionary_lookups_through_the_key_table},
    {"index_file_round_trips_and_refuses_corruption", index_file_round_trips_and_refuses_corruption},
    {"fifos_at_index_files_are_refused", fifos_at_index_files_are_refused},
    {"crafted_index_files_are_refused_or_fail_cleanly", crafted_index_files_are_refused_or_fail_cleanly},
    {"lazily_decoded_entries_equal_decoded_ones", lazily_decoded_entries_equal_decoded_ones},
    {"damaged_meta_pages_are_found_when_read", damaged_meta_pages_are_found_when_read},
    {"long_documents_count_as_a_scan", long_documents_count_as_a_scan},
    {"older_index_formats_are_refused", older_index_formats_are_refused},
    {"saves_merge_segments_by_tiers", saves_merge_segments_by_tiers},
    {"merges_equal_one_build", merges_equal_one_build},
    {"streamed_segments_equal_written_ones", streamed_segments_equal_written_ones},
    {NULL, NULL}};
