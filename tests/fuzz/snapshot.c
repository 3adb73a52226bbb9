/*
 * Fuzz target "snapshot": the editor's layer cache (the .snap files of .stance/cache/, snapshot.h), the
 * file `stance warm` and the editor write and load without parsing. A first byte of 0 gives
 * the rest as the file; any other wraps the rest in a valid envelope (magic, length,
 * checksum), so that the fuzzer reaches the records behind the checksum. Key: "k". For
 * every input: loading never crashes or leaks, and a store it loads writes an annotation
 * file that reads back without error, and snapshots to the same store again. Read in place
 * (stance_snapview_open, what scripts read cached layers through), it gives exactly the
 * records, order and headers of the store (each string read alone, stance_snapview_string, as
 * the record decoded whole has it), and opens whenever the store loads (unless it
 * keeps text as written, which only a store checks); read in place as the layer cache does
 * (its records trusted, not checked), the same, and a snapshot no store loads reads without harm.
 */
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fuzz.h"
#include "reader.h"
#include "snapshot.h"
#include "store_text.h"


static int same_str(const char *a, const char *b) { return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0); }

static int same_rec(const stance_rec *a, const stance_rec *b) {
  uint32_t i;
  if (a->kind != b->kind || a->line != b->line || a->nspans != b->nspans || a->orphan != b->orphan ||
      a->touched != b->touched || a->index != b->index || !same_str(a->id, b->id) || a->extras || a->comments ||
      a->inner)
    return 0;
  for (i = 0; i < STANCE_F_COUNT; i++)
    if (!same_str(a->f[i], b->f[i])) return 0;
  for (i = 0; i < a->nspans; i++)
    if (a->spans[i].start != b->spans[i].start || a->spans[i].end != b->spans[i].end) return 0;
  return 1;
}

/* Whether each string of slot i read alone (stance_snapview_string) is the one of its record
 * decoded whole, `r` (the view's record, which reading them leaves as it is). */
static int strings_agree(const stance_snapview *v, uint32_t i, const stance_rec *r) {
  int f;
  size_t len = 0;
  for (f = -2; f <= STANCE_F_COUNT; f++) {
    const char *want = f == -1 ? r->id : f >= 0 && f < STANCE_F_COUNT ? r->f[f] : NULL;
    const char *got = stance_snapview_string(v, i, f, &len);
    if (want == NULL ? got != NULL : got == NULL || strlen(want) != len || memcmp(want, got, len + 1) != 0) return 0;
  }
  return 1;
}

/* Whether the view of the snapshot agrees with `s`, the store loaded from it (NULL: none).
 * With `checked` (the caller vouches for it, as the layer cache does: its records are not
 * checked), a view of a snapshot no store loads only has to read without harm. */
static int view_agrees(const stance_store *s, const char *data, size_t len, int checked) {
  const char *why;
  stance_snapview *v = stance_snapview_open(data, len, "k", checked, &why);
  uint32_t n = 0, i, *order;
  int ok = 1, h;
  if (v == NULL) return s == NULL || strcmp(why, "raw") == 0 || strcmp(why, "memory") == 0;
  if (checked && s == NULL) {
    size_t hl;
    const uint32_t *o = stance_snapview_order(v);
    for (h = 0; h < STANCE_H_COUNT; h++) (void)stance_snapview_header(v, (stance_header)h, &hl);
    for (i = 0; i < stance_snapview_count(v); i++) {
      /* (a record whose strings are not all there decodes as none: only its id and kind were read at open) */
      const stance_rec *r = stance_snapview_at(v, o[i]);
      ok = ok && o[i] < stance_snapview_count(v) && (r == NULL || (r->id != NULL && strings_agree(v, o[i], r)));
    }
    stance_snapview_free(v);
    return ok;
  }
  if (s == NULL || stance_snapview_count(v) != stance_store_slots(s)) ok = 0;
  for (h = 0; ok && h < STANCE_H_COUNT; h++) {
    size_t hl = 0;
    const char *a = stance_snapview_header(v, (stance_header)h, &hl), *b = stance_store_get_header(s, (stance_header)h);
    ok = a == NULL ? b == NULL : b != NULL && strlen(b) == hl && memcmp(a, b, hl) == 0;
  }
  for (i = 0; ok && i < stance_snapview_count(v); i++) {
    const stance_rec *r = stance_snapview_at(v, i);
    ok = r != NULL && same_rec(r, stance_store_at(s, i)) && stance_snapview_kind(v, i) == (int)r->kind &&
         strings_agree(v, i, r);
  }
  /* a record asked for again (decoded again: the view keeps only the last one) */
  if (ok && stance_snapview_count(v) > 1) ok = same_rec(stance_snapview_at(v, 0), stance_store_at(s, 0));
  order = ok ? stance_store_sorted(s, &n) : NULL;
  if (order != NULL) {
    ok = n == stance_snapview_count(v) && memcmp(order, stance_snapview_order(v), (size_t)n * sizeof *order) == 0;
    free(order);
  }
  stance_snapview_free(v);
  return ok;
}

STANCE_FUZZ_TARGET(snapshot) {
  stance_store *s, *again = NULL;
  stance_buf env, snap;
  const char *why;
  char *w1, *w2 = NULL;
  size_t n1 = 0, n2 = 0;
  int reread_ok = 1, same = 1, same_view;
  if (size < 1) return 0;
  stance_buf_init(&env);
  if (data[0] == 0) {
    stance_buf_add(&env, (const char *)data + 1, size - 1);
  } else {
    uint64_t plen = size - 1, sum = XXH3_64bits(data + 1, size - 1);
    stance_buf_add(&env, STANCE_SNAPSHOT_MAGIC, 8);
    stance_buf_add(&env, (const char *)&plen, 8);
    stance_buf_add(&env, (const char *)&sum, 8);
    stance_buf_add(&env, (const char *)data + 1, size - 1);
  }
  if (env.oom) {
    stance_buf_free(&env);
    return 0;
  }
  s = stance_store_from_snapshot(env.data, env.len, "k", &why);
  same_view = view_agrees(s, env.data, env.len, 0) && view_agrees(s, env.data, env.len, 1);
  stance_buf_free(&env);
  FUZZ_CHECK(same_view, "a snapshot read in place gives what the store loaded from it holds");
  if (s == NULL) return 0;
  w1 = fuzz_store_text(s, &n1);
  if (w1 != NULL) {
    stance_problems p;
    stance_store *r;
    size_t i;
    stance_problems_init(&p);
    r = stance_read(w1, n1, NULL, &p);
    for (i = 0; i < p.n; i++)
      if (p.items[i].severity == STANCE_SEV_ERROR) reread_ok = 0;
    stance_store_free(r);
    stance_problems_free(&p);
  }
  stance_buf_init(&snap);
  if (stance_store_snapshot(s, "k", &snap) == STANCE_OK && !snap.oom) {
    again = stance_store_from_snapshot(snap.data, snap.len, "k", &why);
    if (again != NULL) w2 = fuzz_store_text(again, &n2);
    same = again != NULL && w1 != NULL && w2 != NULL && n1 == n2 && memcmp(w1, w2, n1) == 0;
  }
  stance_buf_free(&snap);
  stance_store_free(again);
  stance_store_free(s);
  free(w1);
  free(w2);
  FUZZ_CHECK(reread_ok, "a loaded snapshot writes a file that reads back without error");
  FUZZ_CHECK(same, "a loaded snapshot snapshots to the same store");
  return 0;
}
