/*
 * Fuzz target "query": search queries (see fuzz.h). The input is a query, run over a small
 * index of fixed documents. For every input:
 *   - parsing never crashes, recurses without bound, leaks or overflows (ASan, UBSan), and
 *     a refused query has a message and a column inside it (or just after its end);
 *   - a query that parses runs (its terms with punctuation checked against the documents'
 *     text), and counting its hits gives as many as listing them;
 *   - hits come in document order (by path), then position.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "index.h"
#include "query.h"

static const char *const docs[] = {
    "Sanctions failed. The human rights record matters; sanctioning Pyongyang did not.",
    "Engagement, not sanctions: talks with Kim and Moon.\nHuman\nrights come first.",
    "Müller and Søren wrote: ÉTAT, état, Straße, STRASSE — sanctions* are (not) words.",
    "north korea NORTH KOREA north-korea North\tKorea 1994 1994.5 \"quoted\" AND OR NOT",
    "", "a", "the of and to a in that is for it with as on be by this not are was but",
};

#define NDOCS (sizeof docs / sizeof docs[0])
static uint32_t doc_ids[NDOCS];

/* The documents' text, for the terms with punctuation (stance_doc_reader). */
static int read_doc(void *ud, uint32_t doc, char **data, size_t *len) {
  size_t d;
  (void)ud;
  for (d = 0; d < NDOCS; d++)
    if (doc_ids[d] == doc) {
      *len = strlen(docs[d]);
      if ((*data = malloc(*len + 1)) == NULL) return -1;
      memcpy(*data, docs[d], *len + 1);
      return 0;
    }
  return STANCE_QUERY_UNREAD;
}

static stance_index *fixed_index(void) {
  static stance_index *ix;
  stance_segment_builder *b;
  size_t d;
  if (ix != NULL) return ix;
  ix = stance_index_new();
  b = stance_builder_new();
  for (d = 0; d < sizeof docs / sizeof docs[0]; d++) {
    stance_doc doc;
    char path[32];
    memset(&doc, 0, sizeof doc);
    snprintf(path, sizeof path, "d/%02u.txt", (unsigned)(sizeof docs / sizeof docs[0] - d));
    doc.path = path;
    doc_ids[d] = (uint32_t)stance_index_add_doc(ix, &doc);
    stance_builder_add(b, doc_ids[d], docs[d], strlen(docs[d]));
    if (d == 3) { /* two segments, the second with its own dictionary */
      stance_segment *seg = stance_builder_finish(b);
      stance_index_add_segment(ix, seg);
      stance_segment_unref(seg);
    }
  }
  {
    stance_segment *seg = stance_builder_finish(b);
    stance_index_add_segment(ix, seg);
    stance_segment_unref(seg);
  }
  stance_builder_free(b);
  stance_index_delete(ix, "d/06.txt"); /* a deleted document among them */
  return ix;
}

STANCE_FUZZ_TARGET(query) {
  stance_index *ix = fixed_index();
  char err[256];
  size_t col = 0, count = 0, i;
  stance_query *q = stance_query_parse((const char *)data, size, err, sizeof err, &col);
  stance_hits h;
  int rc, rc2;
  if (q == NULL) {
    FUZZ_CHECK(err[0] != '\0' || size > 0, "a refused query says why (or ran out of memory)");
    FUZZ_CHECK(err[0] == '\0' || (col >= 1 && col <= size + 1), "the column is inside the query");
    return 0;
  }
  stance_query_set_reader(q, read_doc, NULL);
  memset(&h, 0, sizeof h);
  rc = stance_query_run(q, ix, NULL, &h);
  rc2 = stance_query_count(q, ix, NULL, &count);
  stance_query_free(q);
  FUZZ_CHECK(rc == 0 && rc2 == 0, "a query runs over a sound index");
  FUZZ_CHECK(count == h.n, "counting gives as many hits as listing");
  for (i = 1; i < h.n; i++) {
    const stance_hit *a = &h.items[i - 1], *b = &h.items[i];
    int c = a->doc == b->doc ? 0 : strcmp(stance_index_doc(ix, a->doc)->path, stance_index_doc(ix, b->doc)->path);
    FUZZ_CHECK(c < 0 || (c == 0 && (a->pos < b->pos || (a->pos == b->pos && a->words < b->words))),
               "hits in order, each once");
  }
  stance_hits_free(&h);
  return 0;
}
