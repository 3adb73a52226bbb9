/*
 * index.c - segments, their builder, and the index of a corpus (see index.h).
 *
 * Postings of one word in a segment, for each document holding it:
 *   varint(doc delta)                   local document number + 1, minus the previous one's
 *   varint(position delta + 1) ...      the first relative to 0; never 0
 *   varint(0)                           end of this document's positions
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "index.h"
#include "text.h"

/* ---- segments ------------------------------------------------------------------------- */

stance_segment *stance_segment_ref(stance_segment *seg) {
  seg->refs++;
  return seg;
}

void stance_segment_unref(stance_segment *seg) {
  if (seg == NULL || --seg->refs > 0) return;
  free(seg->block);
  free(seg);
}

size_t stance_segment_memory(const stance_segment *seg) { return sizeof *seg + seg->block_size; }

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

/* ---- the builder ------------------------------------------------------------------------- */

typedef struct term_entry {
  uint32_t hash, word_off, word_len;
  uint32_t last_doc;            /* local document + 1 of the open document, 0: none yet */
  uint32_t last_pos;
  uint32_t freq;
  uint8_t *post;
  uint32_t post_len, post_cap;
  int open;
} term_entry;

struct stance_segment_builder {
  term_entry *tab;              /* open addressing; word_len == 0 marks an empty slot */
  uint32_t cap, n;
  stance_buf words;
  uint32_t *docs;
  uint32_t ndocs, docs_cap;
  /* the document being added */
  uint32_t local, pos;
  int first, oom;
};

stance_segment_builder *stance_builder_new(void) {
  stance_segment_builder *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  b->cap = 4096;
  b->tab = calloc(b->cap, sizeof *b->tab);
  if (b->tab == NULL) {
    free(b);
    return NULL;
  }
  stance_buf_init(&b->words);
  return b;
}

static void builder_clear(stance_segment_builder *b) {
  uint32_t i;
  for (i = 0; i < b->cap; i++) free(b->tab[i].post);
  memset(b->tab, 0, b->cap * sizeof *b->tab);
  b->n = 0;
  b->words.len = 0;
  b->ndocs = 0;
}

void stance_builder_free(stance_segment_builder *b) {
  if (b == NULL) return;
  builder_clear(b);
  free(b->tab);
  free(b->docs);
  stance_buf_free(&b->words);
  free(b);
}

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h | 1u;
}

static int grow_table(stance_segment_builder *b) {
  uint32_t cap = b->cap * 2, i;
  term_entry *t = calloc(cap, sizeof *t);
  if (t == NULL) return -1;
  for (i = 0; i < b->cap; i++) {
    if (b->tab[i].word_len != 0) {
      uint32_t j = b->tab[i].hash & (cap - 1);
      while (t[j].word_len != 0) j = (j + 1) & (cap - 1);
      t[j] = b->tab[i];
    }
  }
  free(b->tab);
  b->tab = t;
  b->cap = cap;
  return 0;
}

static term_entry *lookup(stance_segment_builder *b, const char *w, size_t n) {
  uint32_t h = hash_bytes(w, n), i;
  term_entry *e;
  if ((b->n + 1) * 2 > b->cap && grow_table(b) != 0) return NULL;
  for (i = h & (b->cap - 1);; i = (i + 1) & (b->cap - 1)) {
    e = &b->tab[i];
    if (e->word_len == 0) break;
    if (e->hash == h && e->word_len == n && memcmp(b->words.data + e->word_off, w, n) == 0)
      return e;
  }
  e->hash = h;
  e->word_off = (uint32_t)b->words.len;
  e->word_len = (uint32_t)n;
  stance_buf_add(&b->words, w, n);
  if (b->words.oom) return NULL;
  b->n++;
  return e;
}

static int put(term_entry *e, uint64_t v) {
  if (e->post_len + 10 > e->post_cap) {
    uint32_t cap = e->post_cap ? e->post_cap * 2 : 16;
    uint8_t *p = realloc(e->post, cap);
    if (p == NULL) return -1;
    e->post = p;
    e->post_cap = cap;
  }
  e->post_len += (uint32_t)stance_varint_put(e->post + e->post_len, v);
  return 0;
}

static int on_word(void *ud, size_t start, size_t end, const char *folded, size_t n, int broken) {
  stance_segment_builder *b = ud;
  term_entry *e;
  (void)start;
  (void)end;
  if (b->first)
    b->first = 0;
  else
    b->pos += broken ? 2 : 1;
  if (n == 0) return 0;
  e = lookup(b, folded, n);
  if (e == NULL) {
    b->oom = 1;
    return 1;
  }
  if (e->last_doc != b->local + 1) {
    if (e->open && put(e, 0) != 0) goto oom;
    if (put(e, (uint64_t)(b->local + 1 - e->last_doc)) != 0) goto oom;
    e->last_doc = b->local + 1;
    e->last_pos = 0;
    e->open = 1;
  }
  if (put(e, (uint64_t)(b->pos - e->last_pos) + 1) != 0) goto oom;
  e->last_pos = b->pos;
  e->freq++;
  return 0;
oom:
  b->oom = 1;
  return 1;
}

long stance_builder_add(stance_segment_builder *b, uint32_t doc, const char *text, size_t len) {
  long words;
  if (b->ndocs == b->docs_cap) {
    uint32_t cap = b->docs_cap ? b->docs_cap * 2 : 64;
    uint32_t *d = realloc(b->docs, cap * sizeof *d);
    if (d == NULL) return -1;
    b->docs = d;
    b->docs_cap = cap;
  }
  b->local = b->ndocs;
  b->docs[b->ndocs++] = doc;
  b->pos = 0;
  b->first = 1;
  words = stance_tokenize(text, len, on_word, b);
  if (words < 0 || b->oom) return -1;
  return words;
}

typedef struct word_ref {
  const char *w;
  uint32_t n;
  term_entry *e;
} word_ref;

static int cmp_refs(const void *pa, const void *pb) {
  const word_ref *a = pa, *b = pb;
  int c = memcmp(a->w, b->w, a->n < b->n ? a->n : b->n);
  if (c != 0) return c;
  return (a->n > b->n) - (a->n < b->n);
}

stance_segment *stance_builder_finish(stance_segment_builder *b) {
  stance_segment *seg;
  word_ref *refs;
  uint32_t i, k = 0;
  size_t words_len = 0, post_len = 0, size, off;
  char *block;
  refs = malloc(((size_t)b->n + 1) * sizeof *refs);
  seg = calloc(1, sizeof *seg);
  if (refs == NULL || seg == NULL) goto oom;
  for (i = 0; i < b->cap; i++) {
    term_entry *e = &b->tab[i];
    if (e->word_len == 0) continue;
    if (e->open && put(e, 0) != 0) goto oom;
    e->open = 0;
    refs[k].w = b->words.data + e->word_off;
    refs[k].n = e->word_len;
    refs[k].e = e;
    words_len += e->word_len;
    post_len += e->post_len;
    k++;
  }
  qsort(refs, k, sizeof *refs, cmp_refs);
  /* one block: docs | term_off | freq | post_off (8-aligned) | terms | postings */
  size = (size_t)b->ndocs * 4 + ((size_t)k + 1) * 4 + (size_t)k * 4;
  size = (size + 7) & ~(size_t)7;
  off = size;
  size += ((size_t)k + 1) * 8 + words_len + post_len;
  block = malloc(size ? size : 1);
  if (block == NULL) goto oom;
  seg->refs = 1;
  seg->block = block;
  seg->block_size = size;
  seg->ndocs = b->ndocs;
  seg->nterms = k;
  seg->docs = (uint32_t *)block;
  seg->term_off = seg->docs + b->ndocs;
  seg->freq = seg->term_off + k + 1;
  seg->post_off = (uint64_t *)(block + off);
  seg->terms = (char *)(seg->post_off + k + 1);
  seg->postings = (uint8_t *)seg->terms + words_len;
  memcpy(seg->docs, b->docs, (size_t)b->ndocs * 4);
  {
    uint32_t w = 0;
    uint64_t p = 0;
    for (i = 0; i < k; i++) {
      seg->term_off[i] = w;
      memcpy(seg->terms + w, refs[i].w, refs[i].n);
      w += refs[i].n;
      seg->post_off[i] = p;
      memcpy(seg->postings + p, refs[i].e->post, refs[i].e->post_len);
      p += refs[i].e->post_len;
      seg->freq[i] = refs[i].e->freq;
    }
    seg->term_off[k] = w;
    seg->post_off[k] = p;
  }
  free(refs);
  builder_clear(b);
  return seg;
oom:
  free(refs);
  free(seg);
  return NULL;
}

/* ---- the index ---------------------------------------------------------------------------- */

struct stance_index {
  stance_doc *docs;
  uint32_t ndocs, docs_cap;
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

int64_t stance_index_add_doc(stance_index *ix, const stance_doc *doc) {
  stance_doc *d;
  uint32_t s;
  int found;
  size_t n = strlen(doc->path) + 1;
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
