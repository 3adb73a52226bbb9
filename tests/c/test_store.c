/* store.c: IDs, fields, conflicts, and the interval index against a brute-force scan. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "store.h"

static int add_ann(stance_store *s, const char *id, uint32_t a, uint32_t b) {
  stance_rec r;
  stance_range rg;
  memset(&r, 0, sizeof r);
  r.kind = STANCE_REC_ANNOTATION;
  r.id = (char *)id;
  rg.start = a;
  rg.end = b;
  r.spans = &rg;
  r.nspans = 1;
  r.f[STANCE_F_LABEL] = "claim";
  return stance_store_add(s, &r, NULL);
}

static void store_adds_gets_and_removes_by_id(void) {
  stance_store *s = stance_store_new();
  stance_rec *r;
  CHECK_INT(add_ann(s, "a1", 10, 20), STANCE_OK);
  CHECK_INT(add_ann(s, "a2", 5, 8), STANCE_OK);
  CHECK_INT(add_ann(s, "a1", 1, 2), STANCE_EDUP);
  CHECK_INT(add_ann(s, "bad", 5, 5), STANCE_EINVAL);
  r = stance_store_get(s, "a1");
  CHECK(r != NULL && r->spans[0].start == 10);
  CHECK_STR(r->f[STANCE_F_LABEL], "claim");
  CHECK_INT(stance_store_set_field(s, "a1", STANCE_F_TARGET, "sanctions"), STANCE_OK);
  CHECK_STR(stance_store_get(s, "a1")->f[STANCE_F_TARGET], "sanctions");
  CHECK_INT(stance_store_set_field(s, "a1", STANCE_F_TYPE, "supports"), STANCE_EINVAL);
  CHECK_INT(stance_store_count(s, STANCE_REC_ANNOTATION), 2);
  CHECK_INT(stance_store_remove(s, "a1"), STANCE_OK);
  CHECK_INT(stance_store_remove(s, "a1"), STANCE_ENOENT);
  CHECK(stance_store_get(s, "a1") == NULL);
  CHECK_INT(add_ann(s, "a1", 1, 2), STANCE_OK); /* the ID is free again */
  CHECK_INT(stance_store_rename(s, "a2", "a1"), STANCE_EDUP);
  CHECK_INT(stance_store_rename(s, "a2", "a3"), STANCE_OK);
  CHECK(stance_store_get(s, "a3") != NULL && stance_store_get(s, "a2") == NULL);
  CHECK_INT(stance_store_count(s, STANCE_REC_ANNOTATION), 2);
  stance_store_free(s);
}

static void store_keeps_both_sides_of_a_conflict(void) {
  stance_store *s = stance_store_new();
  stance_rec r;
  stance_range rg = {1, 4};
  memset(&r, 0, sizeof r);
  r.kind = STANCE_REC_ANNOTATION;
  r.id = "x";
  r.spans = &rg;
  r.nspans = 1;
  r.f[STANCE_F_CONFLICT] = "ours";
  CHECK_INT(stance_store_add(s, &r, NULL), STANCE_OK);
  r.f[STANCE_F_CONFLICT] = "theirs";
  CHECK_INT(stance_store_add(s, &r, NULL), STANCE_OK);
  CHECK_INT(stance_store_add(s, &r, NULL), STANCE_EDUP);
  CHECK(stance_store_get(s, "x") == NULL);
  CHECK(stance_store_get_conflict(s, "x", "theirs") != NULL);
  /* one version removed (the editor's gX on it): the other stays; the record without a mark
   * is another one, removed by stance_store_remove */
  CHECK_INT(stance_store_remove(s, "x"), STANCE_ENOENT);
  CHECK_INT(stance_store_remove_conflict(s, "x", "ours"), STANCE_OK);
  CHECK_INT(stance_store_remove_conflict(s, "x", "ours"), STANCE_ENOENT);
  CHECK(stance_store_get_conflict(s, "x", "ours") == NULL);
  CHECK(stance_store_get_conflict(s, "x", "theirs") != NULL);
  CHECK_INT((int)stance_store_count(s, STANCE_REC_ANNOTATION), 1);
  r.f[STANCE_F_CONFLICT] = NULL; /* kept: the version without its mark */
  CHECK_INT(stance_store_add(s, &r, NULL), STANCE_OK);
  CHECK_INT(stance_store_remove_conflict(s, "x", "theirs"), STANCE_OK);
  CHECK(stance_store_get(s, "x") != NULL);
  CHECK_INT((int)stance_store_count(s, STANCE_REC_ANNOTATION), 1);
  stance_store_free(s);
}

typedef struct hits {
  char seen[4096];
  int n;
} hits;

static int collect(void *ud, stance_rec *rec, uint32_t span) {
  hits *h = ud;
  int id = atoi(rec->id);
  (void)span;
  h->seen[id]++;
  h->n++;
  return 0;
}

static uint64_t state = 42;
static uint32_t rnd(uint32_t n) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)(state % n);
}

/* Random spans, random queries, random edits: the index must always agree with a scan. */
static void store_index_matches_a_scan(void) {
  stance_store *s = stance_store_new();
  uint32_t a[4096], b[4096];
  int alive[4096], n = 0, round, bad = 0;
  char id[16];
  for (round = 0; round < 3000; round++) {
    int op = (int)rnd(10);
    if (op < 5 && n < 4096) { /* add */
      a[n] = rnd(10000);
      b[n] = a[n] + 1 + rnd(300);
      snprintf(id, sizeof id, "%d", n);
      CHECK_INT(add_ann(s, id, a[n], b[n]), STANCE_OK);
      alive[n++] = 1;
    } else if (op < 6 && n > 0) { /* remove */
      int k = (int)rnd((uint32_t)n);
      snprintf(id, sizeof id, "%d", k);
      if (alive[k]) CHECK_INT(stance_store_remove(s, id), STANCE_OK);
      alive[k] = 0;
    } else if (op < 7 && n > 0) { /* move */
      int k = (int)rnd((uint32_t)n);
      stance_range rg;
      rg.start = rnd(10000);
      rg.end = rg.start + 1 + rnd(50);
      snprintf(id, sizeof id, "%d", k);
      if (alive[k]) {
        CHECK_INT(stance_store_set_spans(s, id, &rg, 1), STANCE_OK);
        a[k] = rg.start;
        b[k] = rg.end;
      }
    } else { /* query */
      hits h;
      uint32_t qa = rnd(10400), qb = qa + rnd(500);
      int k, expect = 0;
      memset(&h, 0, sizeof h);
      CHECK(stance_store_query(s, qa, qb, collect, &h) >= 0);
      if (qb == qa) qb = qa + 1;
      for (k = 0; k < n; k++) {
        int want = alive[k] && a[k] < qb && b[k] > qa;
        expect += want;
        if (h.seen[k] != want) bad++;
      }
      if (h.n != expect) bad++;
    }
  }
  CHECK_INT(bad, 0);
  stance_store_free(s);
}

static void store_sorts_records_for_writing(void) {
  stance_store *s = stance_store_new();
  stance_rec r;
  uint32_t n, *order;
  add_ann(s, "late", 50, 60);
  add_ann(s, "b", 10, 30);
  add_ann(s, "a", 10, 30);
  add_ann(s, "short", 10, 20);
  memset(&r, 0, sizeof r);
  r.kind = STANCE_REC_RELATION;
  r.id = "r1";
  stance_store_add(s, &r, NULL);
  r.kind = STANCE_REC_DOCLABEL;
  r.id = "d1";
  stance_store_add(s, &r, NULL);
  order = stance_store_sorted(s, &n);
  CHECK_INT(n, 6);
  CHECK_STR(stance_store_at(s, order[0])->id, "d1");
  CHECK_STR(stance_store_at(s, order[1])->id, "short");
  CHECK_STR(stance_store_at(s, order[2])->id, "a");
  CHECK_STR(stance_store_at(s, order[3])->id, "b");
  CHECK_STR(stance_store_at(s, order[4])->id, "late");
  CHECK_STR(stance_store_at(s, order[5])->id, "r1");
  free(order);
  stance_store_free(s);
}

/* Records live in chunks that grow with the store: a small store is small, a large one
 * keeps every record where it was put (across the chunks' edges). */
static void store_grows_in_chunks_and_records_stay(void) {
  stance_store *s = stance_store_new();
  const stance_rec *first;
  char id[16];
  uint32_t i, n = 20000;
  CHECK_INT(add_ann(s, "0", 0, 1), STANCE_OK);
  first = stance_store_get(s, "0");
  CHECK(stance_store_memory(s) < 16384);
  for (i = 1; i < n; i++) {
    snprintf(id, sizeof id, "%u", i);
    CHECK_INT(add_ann(s, id, i, i + 1), STANCE_OK);
  }
  CHECK(stance_store_get(s, "0") == first);
  for (i = 0; i < n; i++) {
    const stance_rec *r;
    snprintf(id, sizeof id, "%u", i);
    r = stance_store_get(s, id);
    CHECK(r != NULL && r->nspans == 1 && r->spans[0].start == i);
  }
  CHECK(stance_store_memory(s) < (size_t)n * 3 * sizeof(stance_rec) + (size_t)n * 256);
  stance_store_free(s);
}

const test_case store_tests[] = {
    {"store_grows_in_chunks_and_records_stay", store_grows_in_chunks_and_records_stay},
    {"store_adds_gets_and_removes_by_id", store_adds_gets_and_removes_by_id},
    {"store_keeps_both_sides_of_a_conflict", store_keeps_both_sides_of_a_conflict},
    {"store_index_matches_a_scan", store_index_matches_a_scan},
    {"store_sorts_records_for_writing", store_sorts_records_for_writing},
    {NULL, NULL}};
