/*
 * Fuzz target "index": the saved index (indexfile.c), as a shared corpus could bring it.
 * The input is a meta file and segment files, cut at "\n@@segment@@\n"; its first byte
 * says whether their checksums are made right first (odd: yes), so that what checksums
 * guard is fuzzed too: a crafted file has right checksums. For every input:
 *   - loading refuses it with a message, or loads it; nothing crashes, leaks, overflows or
 *     allocates out of proportion to the input (libFuzzer's -malloc_limit_mb);
 *   - every kind of query over a loaded index runs, or fails as damaged (-2): never more,
 *     with globs too (which decode the paths of the documents they look at);
 *   - every hit names a live document of the index; where the checksums were not made
 *     right by the target (the bytes are as saved), counting gives as many hits as listing
 *     (a crafted file may give its words counts that lie, within their bytes);
 *   - its documents, decoded one at a time (as a search and a lookup do) and all at once
 *     (as an update does), agree, or are found damaged: a lookup by path finds the entry of
 *     that path or nothing; decoding them all either lists every one, found by its path, or
 *     fails as damaged (and then nothing is listed);
 *   - compared with the files below the current folder (stance__index_compare, on two
 *     threads, its entries read in place), it says the same (counting every document) or
 *     not, reading nothing out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "indexfile.h"
#include "indexjob.h"
#include "query.h"

#define SEP "\n@@segment@@\n"
#define MAX_SEGS 16

typedef struct parts {
  const char *seg[MAX_SEGS];
  size_t len[MAX_SEGS];
  size_t n;
} parts;

/* Segment files are found by their place in the input, whatever their id (ids 1, 2... in
 * the seeds: stance_index_save_mem numbers them so). */
static const void *segment(void *ud, uint64_t id, size_t *len) {
  parts *p = ud;
  if (p->n == 0) return NULL;
  *len = p->len[(id - 1) % p->n];
  return p->seg[(id - 1) % p->n];
}

static const char *const queries[] = {"sanctions",   "sanction*", "\"human rights\"", "kim OR moon",
                                      "NOT the",     "s*",        "a AND NOT b",      "(x OR y) z",
                                      "\"a b c d\"", "zzzz*"};

/* Every kind of query runs, or fails as damaged; every hit is a live document; counting
 * gives as many hits as listing, where the bytes are as saved (`reseal` 0). */
static int queries_hold(stance_index *ix, int reseal) {
  char err[256];
  size_t i;
  for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    size_t col, count = 0, k;
    stance_query *q = stance_query_parse(queries[i], strlen(queries[i]), err, sizeof err, &col);
    stance_hits h;
    int rc, rc2, rc3;
    size_t gcount;
    static const char *const globs[] = {"*.txt", "dir/d1*", NULL};
    memset(&h, 0, sizeof h);
    rc = stance_query_run(q, ix, NULL, &h);
    rc2 = stance_query_count(q, ix, NULL, &count);
    rc3 = stance_query_count(q, ix, globs, &gcount);
    FUZZ_CHECK(rc3 == 0 || rc3 == STANCE_INDEX_DAMAGED, "a query with globs runs or fails as damaged");
    FUZZ_CHECK(reseal || rc3 != 0 || rc2 != 0 || gcount <= count, "globs keep fewer hits, never more");
    stance_query_free(q);
    if (rc != 0 || rc2 != 0) {
      stance_hits_free(&h);
      FUZZ_CHECK((rc == 0 || rc == STANCE_INDEX_DAMAGED) && (rc2 == 0 || rc2 == STANCE_INDEX_DAMAGED),
                 "a query over a bad index fails as damaged, nothing else");
      continue;
    }
    FUZZ_CHECK(reseal || count == h.n, "counting gives as many hits as listing");
    for (k = 0; k < h.n; k++)
      if (!stance_index_is_live(ix, h.items[k].doc)) break;
    {
      int all_live = k == h.n;
      stance_hits_free(&h);
      FUZZ_CHECK(all_live, "every hit is a live document");
    }
  }
  return 0;
}

static int keep_even(void *ud, uint32_t doc) {
  (void)ud;
  return doc % 2 == 0;
}

/* The loaded segments merged into one, as a save merges them (every document kept: their
 * postings copied whole; then every other document dropped: taken one by one; each on one
 * thread and in parts on three): the merge fails as damaged or out of memory, or gives a
 * segment over which the queries hold. */
static int merged_queries_hold(stance_index *ix, int reseal) {
  stance_segment *segs[MAX_SEGS + 1];
  uint32_t n = stance_index_nsegments(ix), i, pass;
  if (n == 0 || n > MAX_SEGS + 1) return 0;
  for (i = 0; i < n; i++) segs[i] = stance_index_segment(ix, i);
  for (pass = 0; pass < 4; pass++) {
    int damaged = 0;
    stance_index *copy = stance_index_copy(ix);
    stance_segment *m = stance_segments_merge(segs, n, pass & 1 ? keep_even : NULL, NULL, pass < 2 ? 1 : 3, &damaged);
    if (m == NULL || copy == NULL) {
      stance_segment_unref(m);
      stance_index_free(copy);
      continue;
    }
    FUZZ_CHECK(!damaged, "a merge that gives a segment found no damage");
    if (stance_index_replace_segments(copy, segs, n, m) == 0) queries_hold(copy, reseal);
    stance_segment_unref(m);
    stance_index_free(copy);
  }
  return 0;
}

STANCE_FUZZ_TARGET(index) {
  char *copy, *meta, *rest, err[256];
  size_t meta_len, rest_len, i;
  parts p;
  int reseal;
  stance_index *ix;
  if (size < 1) return 0;
  reseal = data[0] & 1;
  copy = malloc(size);
  if (copy == NULL) return 0;
  memcpy(copy, data + 1, size - 1);
  memset(&p, 0, sizeof p);
  {
    const char *a, *b;
    size_t alen, blen;
    stance_fuzz_split((const uint8_t *)copy, size - 1, SEP, strlen(SEP), &a, &alen, &b, &blen);
    meta = (char *)(uintptr_t)a;
    meta_len = alen;
    rest = (char *)(uintptr_t)b;
    rest_len = blen;
    while (rest_len > 0 && p.n < MAX_SEGS) {
      stance_fuzz_split((const uint8_t *)rest, rest_len, SEP, strlen(SEP), &a, &alen, &b, &blen);
      p.seg[p.n] = a;
      p.len[p.n] = alen;
      p.n++;
      rest = (char *)(uintptr_t)b;
      rest_len = blen;
    }
  }
  if (reseal) {
    stance__reseal_meta((uint8_t *)meta, meta_len);
    for (i = 0; i < p.n; i++) stance__reseal_segment((uint8_t *)(uintptr_t)p.seg[i], p.len[i]);
  }
  ix = stance_index_load_mem(meta, meta_len, segment, &p, err, sizeof err);
  if (ix == NULL) {
    FUZZ_CHECK(err[0] != '\0', "a refused index says why");
    free(copy);
    return 0;
  }
  queries_hold(ix, reseal);
  merged_queries_hold(ix, reseal);
  for (i = 0; i < stance_index_ndocs(ix) && i < 256; i++) {
    stance_doc d;
    const char *path = stance_index_path(ix, (uint32_t)i);
    int64_t id;
    if (stance_index_get(ix, (uint32_t)i, &d) != 0) continue;
    FUZZ_CHECK(path != NULL && strcmp(path, d.path) == 0, "a document decoded has the path decoded");
    FUZZ_CHECK(stance_index_path_ok(d.path, strlen(d.path), 0), "a decoded path is a corpus path");
    id = stance_index_find(ix, d.path);
    FUZZ_CHECK(id < 0 || strcmp(stance_index_path(ix, (uint32_t)id), d.path) == 0,
               "a lookup by path finds that path or nothing");
  }
  {
    /* its folders and documents compared with the files (as a checked search does, on
     * threads, before anything is decoded): the entries read in place, never out of bounds;
     * a damaged or misordered one makes it differ */
    uint32_t n = 7;
    int rc = stance__index_compare(ix, ".", NULL, NULL, 2, &n);
    FUZZ_CHECK(rc == 0 || rc == 1, "a comparison with the files says the same or not");
    FUZZ_CHECK(rc == 1 ? n == stance_index_ndocs(ix) : n == 0, "the same: every document counted");
  }
  {
    uint32_t n;
    int rc = stance_index_ready(ix);
    const uint32_t *order = stance_index_by_path(ix, &n);
    FUZZ_CHECK(rc == 0 || rc == STANCE_INDEX_DAMAGED, "decoding every document succeeds or finds damage");
    FUZZ_CHECK((rc == 0) == (order != NULL), "the documents are listed unless damaged");
    FUZZ_CHECK(rc == 0 || (stance_index_damaged(ix) && stance_index_docs(ix) == NULL), "damaged: nothing decoded");
    for (i = 0; order != NULL && i < n; i++)
      FUZZ_CHECK(stance_index_find(ix, stance_index_doc(ix, order[i])->path) == (int64_t)order[i],
                 "every listed document is found by its path");
  }
  stance_index_free(ix);
  free(copy);
  return 0;
}
