/*
 * Fuzz target "anchor": an annotation file placed in its document (what the editor, `stance
 * check` and `stance warm` do with every file a corpus brings), then written back.
 * Input: a byte of settings (CRLF buffer, budget), the annotation file, "\0\0", the
 * document. For every input:
 *   - anchoring never crashes, and finishes within a small work budget;
 *   - every annotation is placed, moved or made an orphan, and those placed lie inside the
 *     buffer;
 *   - a moved annotation's quote is refreshed from where it now is, and what is written then
 *     reads back without error.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "reader.h"

static uint32_t to_cp(void *ud, uint32_t off) { return (uint32_t)stance_frame_buf_to_cp(ud, off); }

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
  int inside = 1, reads = 1, rc;
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
  return 0;
}
