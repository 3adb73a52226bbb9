/*
 * index.c - segments, their builder, and the index of a corpus (see index.h).
 *
 * Postings of one word in a segment, for each document holding it (stance_posting_*):
 *   varint(doc delta << 2 | min(count, 4) - 1)   doc delta: local number + 1, minus the
 *                                                previous document's; count: occurrences
 *   [varint(count - 4)]                          when count >= 4
 *   varint(first position), varint(delta)...     positions, ascending
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"

/* ---- segments ------------------------------------------------------------------------- */

stance_segment *stance_segment_ref(stance_segment *seg) {
  seg->refs++;
  return seg;
}

void stance_segment_unref(stance_segment *seg) {
  if (seg == NULL || --seg->refs > 0) return;
  free(seg->block);
  if (seg->shared != NULL && --seg->shared->refs == 0) {
    free(seg->shared->data);
    free(seg->shared);
  }
  free(seg);
}

size_t stance_segment_memory(const stance_segment *seg) {
  return sizeof *seg + seg->block_size + (seg->shared ? seg->block_size : 0);
}

static int cmp_word(const stance_segment *seg, uint32_t i, const char *w, size_t len) {
  uint32_t a = seg->term_off[i], n = seg->term_off[i + 1] - a;
  int c = memcmp(seg->terms + a, w, n < len ? n : len);
  if (c != 0) return c;
  return (n > len) - (n < len);
}

int64_t stance_segment_find(const stance_segment *seg, const char *word, size_t len) {
  uint32_t lo = 0, hi = seg->nterms;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = cmp_word(seg, mid, word, len);
    if (c == 0) return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

void stance_segment_prefix(const stance_segment *seg, const char *prefix, size_t len,
                           uint32_t *lo_out, uint32_t *hi_out) {
  uint32_t lo = 0, hi = seg->nterms, start;
  /* first entry >= prefix */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (cmp_word(seg, mid, prefix, len) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  start = lo;
  /* first entry that does not start with prefix */
  hi = seg->nterms;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    uint32_t a = seg->term_off[mid], n = seg->term_off[mid + 1] - a;
    if (n >= len && memcmp(seg->terms + a, prefix, len) == 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *lo_out = start;
  *hi_out = lo;
}

/* A segment's layout in one block: docs | term_off | freq | post_off (8-aligned) | terms |
 * postings. */
stance_segment *stance__segment_alloc(uint32_t ndocs, uint32_t nterms, size_t words_len,
                                      size_t post_len) {
  stance_segment *seg = calloc(1, sizeof *seg);
  size_t size = (size_t)ndocs * 4 + ((size_t)nterms + 1) * 4 + (size_t)nterms * 4, off;
  char *block;
  if (seg == NULL) return NULL;
  size = (size + 7) & ~(size_t)7;
  off = size;
  size += ((size_t)nterms + 1) * 8 + words_len + post_len;
  block = malloc(size ? size : 1);
  if (block == NULL) {
    free(seg);
    return NULL;
  }
  seg->refs = 1;
  seg->block = block;
  seg->block_size = size;
  seg->ndocs = ndocs;
  seg->nterms = nterms;
  seg->docs = (uint32_t *)block;
  seg->term_off = seg->docs + ndocs;
  seg->freq = seg->term_off + nterms + 1;
  seg->post_off = (uint64_t *)(block + off);
  seg->terms = (char *)(seg->post_off + nterms + 1);
  seg->postings = (uint8_t *)seg->terms + words_len;
  return seg;
}

/* ---- merging segments ------------------------------------------------------------------------ */

stance_segment *stance_segments_merge(stance_segment *const *segs, uint32_t n,
                                      int (*keep)(void *ud, uint32_t doc), void *ud) {
  uint32_t **remap = calloc(n + 1, sizeof *remap), *at = calloc(n + 1, sizeof *at);
  uint32_t i, d, ndocs = 0, nterms = 0, k;
  size_t words_len = 0, post_len = 0;
  stance_segment *out = NULL;
  uint8_t *post = NULL;
  char *words = NULL;
  uint32_t *term_off = NULL, *freq = NULL;
  uint64_t *post_off = NULL;
  size_t pl = 0, wl = 0;
  if (remap == NULL || at == NULL) goto done;
  /* new local numbers; UINT32_MAX for documents dropped */
  for (i = 0; i < n; i++) {
    remap[i] = malloc(((size_t)segs[i]->ndocs + 1) * sizeof **remap);
    if (remap[i] == NULL) goto done;
    for (d = 0; d < segs[i]->ndocs; d++)
      remap[i][d] = (keep == NULL || keep(ud, segs[i]->docs[d])) ? ndocs++ : UINT32_MAX;
    nterms += segs[i]->nterms;
    words_len += segs[i]->term_off[segs[i]->nterms];
    post_len += segs[i]->post_off[segs[i]->nterms] + (size_t)segs[i]->nterms * 10;
  }
  /* worst case sizes; the result is copied into an exact block at the end */
  words = malloc(words_len + 1);
  post = malloc(post_len + 1);
  term_off = malloc(((size_t)nterms + 1) * sizeof *term_off);
  freq = malloc(((size_t)nterms + 1) * sizeof *freq);
  post_off = malloc(((size_t)nterms + 1) * sizeof *post_off);
  if (words == NULL || post == NULL || term_off == NULL || freq == NULL || post_off == NULL) goto done;
  k = 0;
  for (;;) {
    /* the smallest word among the segments' next entries */
    const char *w = NULL;
    uint32_t wn = 0, f = 0;
    uint64_t last = 0; /* local + 1 of the last document written for this word */
    int any = 0;
    for (i = 0; i < n; i++) {
      const stance_segment *s = segs[i];
      const char *c;
      uint32_t cn;
      int cmp;
      if (at[i] >= s->nterms) continue;
      c = s->terms + s->term_off[at[i]];
      cn = s->term_off[at[i] + 1] - s->term_off[at[i]];
      if (w != NULL) {
        cmp = memcmp(c, w, cn < wn ? cn : wn);
        if (cmp == 0) cmp = (cn > wn) - (cn < wn);
        if (cmp >= 0) continue;
      }
      w = c;
      wn = cn;
    }
    if (w == NULL) break;
    term_off[k] = (uint32_t)wl;
    post_off[k] = pl;
    for (i = 0; i < n; i++) {
      const stance_segment *s = segs[i];
      stance_postings it;
      uint32_t local, count;
      const char *c;
      uint32_t cn;
      if (at[i] >= s->nterms) continue;
      c = s->terms + s->term_off[at[i]];
      cn = s->term_off[at[i] + 1] - s->term_off[at[i]];
      if (cn != wn || memcmp(c, w, wn) != 0) continue;
      stance_postings_init(&it, s, at[i]);
      while (stance_postings_doc(&it, &local, &count)) {
        const uint8_t *from = it.p;
        uint32_t pos, nl;
        while (stance_postings_pos(&it, &pos)) {
        }
        if (local >= s->ndocs || (nl = remap[i][local]) == UINT32_MAX) continue;
        pl += stance_varint_put(post + pl, (uint64_t)(nl + 1 - last) << 2 | (count < 4 ? count - 1 : 3));
        if (count >= 4) pl += stance_varint_put(post + pl, count - 4);
        memcpy(post + pl, from, (size_t)(it.p - from)); /* positions do not change */
        pl += (size_t)(it.p - from);
        last = nl + 1;
        f += count;
      }
      at[i]++;
      any = 1;
    }
    if (!any) break;
    if (post_off[k] == pl) continue; /* every document of the word was dropped */
    memcpy(words + wl, w, wn);
    wl += wn;
    freq[k] = f;
    k++;
  }
  term_off[k] = (uint32_t)wl;
  post_off[k] = pl;
  out = stance__segment_alloc(ndocs, k, wl, pl);
  if (out == NULL) goto done;
  for (i = 0; i < n; i++)
    for (d = 0; d < segs[i]->ndocs; d++)
      if (remap[i][d] != UINT32_MAX) out->docs[remap[i][d]] = segs[i]->docs[d];
  memcpy(out->term_off, term_off, ((size_t)k + 1) * sizeof *term_off);
  memcpy(out->freq, freq, (size_t)k * sizeof *freq);
  memcpy(out->post_off, post_off, ((size_t)k + 1) * sizeof *post_off);
  memcpy(out->terms, words, wl);
  memcpy(out->postings, post, pl);
done:
  if (remap != NULL)
    for (i = 0; i < n; i++) free(remap[i]);
  free(remap);
  free(at);
  free(words);
  free(post);
  free(term_off);
  free(freq);
  free(post_off);
  return out;
}

/* ---- the index ---------------------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

struct stance_index {
  stance_doc *docs;
  uint32_t ndocs, docs_cap;
  char *path_block;             /* a snapshot keeps all its paths in one block */
  uint32_t *map;                /* path -> live doc id + 1; 0 empty, TOMB removed */
  uint32_t map_cap, map_used;
  stance_segment **segs;
  uint32_t nsegs, segs_cap;
};

#define TOMB 0xFFFFFFFFu

stance_index *stance_index_new(void) { return calloc(1, sizeof(stance_index)); }

void stance_index_free(stance_index *ix) {
  uint32_t i;
  if (ix == NULL) return;
  if (ix->path_block != NULL)
    free(ix->path_block);
  else
    for (i = 0; i < ix->ndocs; i++) free(ix->docs[i].path);
  for (i = 0; i < ix->nsegs; i++) stance_segment_unref(ix->segs[i]);
  free(ix->docs);
  free(ix->map);
  free(ix->segs);
  free(ix);
}

uint32_t stance_index_ndocs(const stance_index *ix) { return ix->ndocs; }
const stance_doc *stance_index_doc(const stance_index *ix, uint32_t id) {
  return id < ix->ndocs ? &ix->docs[id] : NULL;
}
uint32_t stance_index_nsegments(const stance_index *ix) { return ix->nsegs; }
stance_segment *stance_index_segment(const stance_index *ix, uint32_t i) {
  return i < ix->nsegs ? ix->segs[i] : NULL;
}

static uint32_t map_slot(const stance_index *ix, const char *path, int *found) {
  uint32_t mask = ix->map_cap - 1, i = hash_bytes(path, strlen(path)) & mask, tomb = TOMB;
  for (;;) {
    uint32_t v = ix->map[i];
    if (v == 0) {
      *found = 0;
      return tomb != TOMB ? tomb : i;
    }
    if (v == TOMB) {
      if (tomb == TOMB) tomb = i;
    } else if (strcmp(ix->docs[v - 1].path, path) == 0) {
      *found = 1;
      return i;
    }
    i = (i + 1) & mask;
  }
}

static int map_grow(stance_index *ix) {
  uint32_t cap = ix->map_cap ? ix->map_cap * 2 : 256, i;
  uint32_t *old = ix->map, old_cap = ix->map_cap;
  ix->map = calloc(cap, sizeof *ix->map);
  if (ix->map == NULL) {
    ix->map = old;
    return -1;
  }
  ix->map_cap = cap;
  ix->map_used = 0;
  for (i = 0; i < old_cap; i++) {
    if (old[i] != 0 && old[i] != TOMB) {
      int found;
      uint32_t s = map_slot(ix, ix->docs[old[i] - 1].path, &found);
      ix->map[s] = old[i];
      ix->map_used++;
    }
  }
  free(old);
  return 0;
}

int64_t stance_index_find(const stance_index *ix, const char *path) {
  int found;
  uint32_t s;
  if (ix->map_cap == 0) return -1;
  s = map_slot(ix, path, &found);
  return found ? (int64_t)ix->map[s] - 1 : -1;
}

void stance_index_delete(stance_index *ix, const char *path) {
  int found;
  uint32_t s;
  if (ix->map_cap == 0) return;
  s = map_slot(ix, path, &found);
  if (!found) return;
  ix->docs[ix->map[s] - 1].deleted = 1;
  ix->map[s] = TOMB;
}

int stance_index_reserve(stance_index *ix, uint32_t more) {
  if (ix->path_block != NULL) return -1;
  if (ix->ndocs + more > ix->docs_cap) {
    uint32_t cap = ix->docs_cap ? ix->docs_cap : 256;
    stance_doc *nd;
    while (cap < ix->ndocs + more) cap *= 2;
    nd = realloc(ix->docs, cap * sizeof *nd);
    if (nd == NULL) return -1;
    ix->docs = nd;
    ix->docs_cap = cap;
  }
  while ((ix->map_used + more) * 2 > ix->map_cap)
    if (map_grow(ix) != 0) return -1;
  return 0;
}

stance_index *stance_index_snapshot(const stance_index *ix) {
  stance_index *c = calloc(1, sizeof *c);
  size_t total = 0, at = 0;
  uint32_t i;
  if (c == NULL) return NULL;
  for (i = 0; i < ix->ndocs; i++) total += strlen(ix->docs[i].path) + 1;
  c->docs = malloc(((size_t)ix->ndocs + 1) * sizeof *c->docs);
  c->path_block = malloc(total + 1);
  c->segs = malloc(((size_t)ix->nsegs + 1) * sizeof *c->segs);
  if (c->docs == NULL || c->path_block == NULL || c->segs == NULL) {
    free(c->docs);
    free(c->path_block);
    free(c->segs);
    free(c);
    return NULL;
  }
  memcpy(c->docs, ix->docs, (size_t)ix->ndocs * sizeof *c->docs);
  for (i = 0; i < ix->ndocs; i++) {
    size_t n = strlen(ix->docs[i].path) + 1;
    memcpy(c->path_block + at, ix->docs[i].path, n);
    c->docs[i].path = c->path_block + at;
    at += n;
  }
  c->ndocs = c->docs_cap = ix->ndocs;
  for (i = 0; i < ix->nsegs; i++) c->segs[i] = stance_segment_ref(ix->segs[i]);
  c->nsegs = c->segs_cap = ix->nsegs;
  return c;
}

int64_t stance_index_add_doc(stance_index *ix, const stance_doc *doc) {
  stance_doc *d;
  uint32_t s;
  int found;
  size_t n = strlen(doc->path) + 1;
  if (ix->path_block != NULL) return -1; /* snapshots are read-only */
  if ((ix->map_used + 1) * 2 > ix->map_cap && map_grow(ix) != 0) return -1;
  if (ix->ndocs == ix->docs_cap) {
    uint32_t cap = ix->docs_cap ? ix->docs_cap * 2 : 256;
    stance_doc *nd = realloc(ix->docs, cap * sizeof *nd);
    if (nd == NULL) return -1;
    ix->docs = nd;
    ix->docs_cap = cap;
  }
  d = &ix->docs[ix->ndocs];
  *d = *doc;
  d->path = malloc(n);
  if (d->path == NULL) return -1;
  memcpy(d->path, doc->path, n);
  d->deleted = doc->deleted;
  s = map_slot(ix, d->path, &found);
  if (!d->deleted) {
    if (found) ix->docs[ix->map[s] - 1].deleted = 1;
    if (ix->map[s] == 0) ix->map_used++;
    ix->map[s] = ix->ndocs + 1;
  }
  return ix->ndocs++;
}

int stance_index_add_segment(stance_index *ix, stance_segment *seg) {
  uint32_t i;
  if (ix->nsegs == ix->segs_cap) {
    uint32_t cap = ix->segs_cap ? ix->segs_cap * 2 : 16;
    stance_segment **ns = realloc(ix->segs, cap * sizeof *ns);
    if (ns == NULL) return -1;
    ix->segs = ns;
    ix->segs_cap = cap;
  }
  for (i = 0; i < seg->ndocs; i++)
    if (seg->docs[i] < ix->ndocs) ix->docs[seg->docs[i]].segment = ix->nsegs;
  ix->segs[ix->nsegs++] = stance_segment_ref(seg);
  return 0;
}

uint32_t stance_index_live(const stance_index *ix, uint64_t *bytes, uint64_t *words) {
  uint32_t i, n = 0;
  uint64_t b = 0, w = 0;
  for (i = 0; i < ix->ndocs; i++) {
    if (ix->docs[i].deleted) continue;
    n++;
    b += ix->docs[i].size;
    w += ix->docs[i].words;
  }
  if (bytes) *bytes = b;
  if (words) *words = w;
  return n;
}

size_t stance_index_memory(const stance_index *ix) {
  size_t m = sizeof *ix + (size_t)ix->docs_cap * sizeof *ix->docs + (size_t)ix->map_cap * 4 +
             (size_t)ix->segs_cap * sizeof *ix->segs;
  uint32_t i;
  for (i = 0; i < ix->ndocs; i++) m += strlen(ix->docs[i].path) + 1;
  for (i = 0; i < ix->nsegs; i++) m += stance_segment_memory(ix->segs[i]);
  return m;
}
