/*
 * Fuzz target "anchor": an annotation file placed in its document (what the editor, `stance
 * check` and `stance warm` do with every file a corpus brings), then written back.
 * Input: a byte of settings (CRLF buffer, budget), the annotation file, "\0\0", the
 * document. For every input:
 *   - anchoring never crashes, and finishes within a small work budget;
 *   - every annotation is placed, moved or made an orphan, and those placed lie inside the
 *     buffer;
 *   - a moved annotation's quote is refreshed from where it now is, and what is written then
 *     reads back without error;
 *   - where neither ran out of budget, the places are those a search for each annotation on
 *     its own gives (opts.each: the look near and the one pass over the text change nothing).
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "reader.h"

static uint32_t to_cp(void *ud, uint32_t off) { return (uint32_t)stance_frame_buf_to_cp(ud, off); }

/* The spans of every annotation (buffer bytes; file code points for orphans) and its marks. */
static void places(const stance_store *s, stance_buf *out) {
  uint32_t i, k, slots = stance_store_slots(s);
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    if (r->dead || r->kind != STANCE_REC_ANNOTATION) continue;
    stance_buf_addf(out, "%u%u:", r->orphan, r->touched);
    for (k = 0; k < r->nspans; k++) stance_buf_addf(out, "%u-%u ", r->spans[k].start, r->spans[k].end);
  }
}

/* Whether anchoring a copy of the file with a search for each annotation gives the same
 * places as `s` got (1 also when it ran out of budget, or out of memory: nothing to compare). */
static int same_as_each(const char *ann, size_t alen, const stance_frame *f, const stance_store *s,
                        const stance_anchor_opts *opts, const stance_anchor_result *res) {
  stance_problems p;
  stance_store *e;
  stance_anchor_opts eo = *opts;
  stance_anchor_result er;
  stance_buf a, b;
  int same = 1;
  stance_problems_init(&p);
  e = stance_read(ann, alen, NULL, &p);
  stance_problems_free(&p);
  if (e == NULL) return 1;
  eo.each = 1;
  if (stance_frame_anchor_ex(f, e, &eo, &er, NULL, NULL) == STANCE_OK && er.unsearched == 0 && res->unsearched == 0) {
    stance_buf_init(&a);
    stance_buf_init(&b);
    places(s, &a);
    places(e, &b);
    if (!a.oom && !b.oom)
      same = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0) && er.moved == res->moved &&
             er.fuzzy == res->fuzzy;
    stance_buf_free(&a);
    stance_buf_free(&b);
  }
  stance_store_free(e);
  return same;
}

STANCE_FUZZ_TARGET(anchor) {
  const char *ann, *doc;
  size_t alen, dlen, blen, i;
  stance_problems p;
  stance_store *s;
  stance_frame *f;
  stance_anchor_result res;
  stance_anchor_opts opts;
  stance_buf out;
  uint32_t annotations = 0, slots;
  int inside = 1, reads = 1, same = 1, rc;
  if (size < 1) return 0;
  stance_fuzz_split(data + 1, size - 1, "\0\0", 2, &ann, &alen, &doc, &dlen);
  stance_problems_init(&p);
  s = stance_read(ann, alen, NULL, &p);
  stance_problems_free(&p);
  if (s == NULL) return 0;
  if ((f = stance_frame_new(doc, dlen, data[0] & 1)) == NULL) {
    stance_store_free(s);
    return 0;
  }
  slots = stance_store_slots(s);
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, (uint32_t)i);
    if (!r->dead && r->kind == STANCE_REC_ANNOTATION && r->nspans > 0) annotations++;
  }
  memset(&opts, 0, sizeof opts);
  opts.budget = (uint64_t)(data[0] >> 1) * 100000 + 1; /* up to 12.7M steps: bounded time */
  rc = stance_frame_anchor_ex(f, s, &opts, &res, NULL, NULL);
  if (rc == STANCE_OK) same = same_as_each(ann, alen, f, s, &opts, &res);
  blen = stance_frame_buf_len(f);
  for (i = 0; i < slots && rc == STANCE_OK; i++) {
    const stance_rec *r = stance_store_at(s, (uint32_t)i);
    uint32_t k;
    if (r->dead || r->orphan || r->kind != STANCE_REC_ANNOTATION) continue;
    for (k = 0; k < r->nspans; k++)
      if (r->spans[k].start > r->spans[k].end || r->spans[k].end > blen) inside = 0;
  }
  if (rc == STANCE_OK && stance_frame_refresh(f, s, 32, NULL, NULL) >= 0) {
    stance_buf_init(&out);
    if (stance_write_conv(s, &out, to_cp, f) == STANCE_OK && !out.oom) {
      stance_store *again;
      stance_problems_init(&p);
      again = stance_read(out.data, out.len, NULL, &p);
      for (i = 0; i < p.n; i++)
        if (p.items[i].severity == STANCE_SEV_ERROR) reads = 0;
      stance_problems_free(&p);
      stance_store_free(again);
    }
    stance_buf_free(&out);
  }
  stance_frame_free(f);
  stance_store_free(s);
  if (rc != STANCE_OK) return 0; /* out of memory */
  FUZZ_CHECK(res.placed + res.moved + res.orphaned == annotations, "every annotation placed, moved or orphaned");
  FUZZ_CHECK(res.unsearched <= res.orphaned && res.fuzzy <= res.moved, "counts are consistent");
  FUZZ_CHECK(inside, "placed annotations lie inside the buffer");
  FUZZ_CHECK(reads, "what is written after anchoring reads back without error");
  FUZZ_CHECK(same, "the places a search for each annotation gives");
  return 0;
}
