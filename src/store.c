/*
 * store.c - records in an array, an ID hash map, and a treap over the spans augmented with
 * the largest end in each subtree (see store.h).
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "store.h"

/* ---- names ------------------------------------------------------------------------- */

static const char *const kind_names[STANCE_REC_KINDS] = {"annotation", "relation", "doclabel"};
static const char *const field_names[STANCE_F_COUNT] = {
    "type",   "from",   "to",     "label", "target", "stance",  "role",     "confidence",
    "quote",  "prefix", "suffix", "note",  "author", "created", "modified", "conflict"};
static const char *const header_names[STANCE_H_COUNT] = {"document", "hash", "annotator", "status"};

/* Which fields each kind has (bit per field). */
#define BIT(f) (1u << (f))
static const unsigned kind_fields[STANCE_REC_KINDS] = {
    /* annotation */
    BIT(STANCE_F_LABEL) | BIT(STANCE_F_TARGET) | BIT(STANCE_F_STANCE) | BIT(STANCE_F_ROLE) |
        BIT(STANCE_F_CONFIDENCE) | BIT(STANCE_F_QUOTE) | BIT(STANCE_F_PREFIX) |
        BIT(STANCE_F_SUFFIX) | BIT(STANCE_F_NOTE) | BIT(STANCE_F_AUTHOR) | BIT(STANCE_F_CREATED) |
        BIT(STANCE_F_MODIFIED) | BIT(STANCE_F_CONFLICT),
    /* relation */
    BIT(STANCE_F_TYPE) | BIT(STANCE_F_FROM) | BIT(STANCE_F_TO) | BIT(STANCE_F_NOTE) |
        BIT(STANCE_F_AUTHOR) | BIT(STANCE_F_CREATED) | BIT(STANCE_F_MODIFIED) |
        BIT(STANCE_F_CONFLICT),
    /* doclabel */
    BIT(STANCE_F_LABEL) | BIT(STANCE_F_TARGET) | BIT(STANCE_F_STANCE) | BIT(STANCE_F_NOTE) |
        BIT(STANCE_F_AUTHOR) | BIT(STANCE_F_CREATED) | BIT(STANCE_F_MODIFIED) |
        BIT(STANCE_F_CONFLICT)};

const char *stance_rec_kind_name(stance_rec_kind kind) {
  return kind < STANCE_REC_KINDS ? kind_names[kind] : "?";
}
const char *stance_field_name(stance_field f) { return f < STANCE_F_COUNT ? field_names[f] : "?"; }
const char *stance_header_name(stance_header h) { return h < STANCE_H_COUNT ? header_names[h] : "?"; }

static int lookup(const char *const *names, int n, const char *name, size_t len) {
  int i;
  for (i = 0; i < n; i++)
    if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) return i;
  return -1;
}
/* name is the len bytes of `lit` (a literal: memcmp of a known size is a few loads) */
#define IS(lit) (memcmp(name, lit, sizeof lit - 1) == 0)

int stance_field_from_name(const char *name, size_t len) {
  /* Called for every attribute line read: by length, then by the first letter. */
  switch (len) {
    case 2: return IS("to") ? STANCE_F_TO : -1;
    case 4:
      if (IS("type")) return STANCE_F_TYPE;
      if (IS("from")) return STANCE_F_FROM;
      if (IS("role")) return STANCE_F_ROLE;
      if (IS("note")) return STANCE_F_NOTE;
      return -1;
    case 5:
      if (IS("label")) return STANCE_F_LABEL;
      if (IS("quote")) return STANCE_F_QUOTE;
      return -1;
    case 6:
      if (IS("prefix")) return STANCE_F_PREFIX;
      if (IS("suffix")) return STANCE_F_SUFFIX;
      if (IS("target")) return STANCE_F_TARGET;
      if (IS("stance")) return STANCE_F_STANCE;
      if (IS("author")) return STANCE_F_AUTHOR;
      return -1;
    case 7: return IS("created") ? STANCE_F_CREATED : -1;
    case 8:
      if (IS("modified")) return STANCE_F_MODIFIED;
      if (IS("conflict")) return STANCE_F_CONFLICT;
      return -1;
    case 10: return IS("confidence") ? STANCE_F_CONFIDENCE : -1;
    default: return -1;
  }
}
#undef IS
int stance_rec_kind_from_name(const char *name, size_t len) {
  return lookup(kind_names, STANCE_REC_KINDS, name, len);
}
unsigned stance_kind_fields(stance_rec_kind kind) { return kind < STANCE_REC_KINDS ? kind_fields[kind] : 0; }
int stance_field_allowed(stance_rec_kind kind, stance_field f) {
  return kind < STANCE_REC_KINDS && f < STANCE_F_COUNT && (kind_fields[kind] & BIT(f)) != 0;
}

/* ---- the store ----------------------------------------------------------------------- */

typedef struct map_entry {
  uint32_t hash, slot;
} map_entry;

typedef struct tnode {
  uint32_t start, end, maxend;
  uint32_t rec, span;
  uint32_t left, right, prio;
} tnode;

#define RECS_FIRST_BITS 4
#define RECS_FIRST (1u << RECS_FIRST_BITS)
/* enough chunks for 2^32 records */
#define RECS_MAX_CHUNKS (33 - RECS_FIRST_BITS)

struct stance_store {
  stance_arena arena;
  char *header[STANCE_H_COUNT];
  char *text[STANCE_T_COUNT];
  /* Records in chunks that never move (no copying as the store grows): chunk c holds
   * RECS_FIRST << c records, so that a small store (most annotation files) takes a small
   * first chunk and a large one a few large ones. */
  stance_rec *chunks[RECS_MAX_CHUNKS];
  uint32_t nrecs, nchunks;
  uint32_t faulted;             /* records below this one have their pages (stance_prefault) */
  uint32_t count[STANCE_REC_KINDS];
  /* ID map: open addressing, linear probing; slot = record index + 1, 0 empty, TOMB
   * removed. The hash is kept beside it so that probing rarely touches a record. */
  map_entry *map;
  uint32_t map_cap, map_used;
  /* interval index */
  tnode *nodes;                 /* nodes[0] is the null node */
  uint32_t nnodes, nodes_cap, root, free_list;
  int indexed;
  uint64_t rng;
};

#define TOMB 0xFFFFFFFFu

/* Chunk c starts at record RECS_FIRST * (2^c - 1): record i is in chunk
 * log2(i / RECS_FIRST + 1), the position of the highest bit of i + RECS_FIRST less 4. */
static uint32_t chunk_of(uint32_t i) {
  uint64_t v = (uint64_t)i + RECS_FIRST;
  uint32_t b = 0;
#if defined(__GNUC__) || defined(__clang__)
  b = 63u - (uint32_t)__builtin_clzll(v);
#else
  while (v >> (b + 1)) b++;
#endif
  return b - RECS_FIRST_BITS;
}

static uint64_t chunk_start(uint32_t c) { return ((uint64_t)RECS_FIRST << c) - RECS_FIRST; }

static stance_rec *rec_at(const stance_store *s, uint32_t i) {
  uint32_t c = chunk_of(i);
  return &s->chunks[c][i - chunk_start(c)];
}

stance_store *stance_store_new(void) {
  stance_store *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  stance_arena_init(&s->arena);
  s->rng = 0x9E3779B97F4A7C15ull;
  return s;
}

void stance_store_free(stance_store *s) {
  if (s == NULL) return;
  stance_arena_free(&s->arena);
  {
    uint32_t c;
    for (c = 0; c < s->nchunks; c++) free(s->chunks[c]);
  }
  free(s->map);
  free(s->nodes);
  free(s);
}

static char *dup(stance_store *s, const char *v) {
  return v == NULL ? NULL : stance_arena_strndup(&s->arena, v, strlen(v));
}

void stance_id_encode(const unsigned char bytes[8], char id[13]) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  uint64_t v = 0;
  int i;
  for (i = 0; i < 8; i++) v = v << 8 | bytes[i];
  for (i = 0; i < 12; i++) {
    id[i] = alphabet[v & 31];
    v >>= 5;
  }
  id[12] = '\0';
}

const char *stance_store_get_header(const stance_store *s, stance_header h) {
  return h < STANCE_H_COUNT ? s->header[h] : NULL;
}

int stance_store_set_header(stance_store *s, stance_header h, const char *value) {
  char *v;
  if (h >= STANCE_H_COUNT) return STANCE_EINVAL;
  v = dup(s, value);
  if (value != NULL && v == NULL) return STANCE_ENOMEM;
  s->header[h] = v;
  return STANCE_OK;
}

const char *stance_store_get_text(const stance_store *s, stance_kept t) {
  return t < STANCE_T_COUNT ? s->text[t] : NULL;
}

int stance_store_set_text(stance_store *s, stance_kept t, const char *value) {
  char *v;
  if (t >= STANCE_T_COUNT) return STANCE_EINVAL;
  v = dup(s, value);
  if (value != NULL && v == NULL) return STANCE_ENOMEM;
  s->text[t] = v;
  return STANCE_OK;
}

/* ---- ID map -------------------------------------------------------------------------- */

static uint32_t hash_key(const char *id, const char *side) {
  uint32_t h = 2166136261u;
  for (; *id; id++) h = (h ^ (unsigned char)*id) * 16777619u;
  if (side != NULL) {
    h = (h ^ 0x1f) * 16777619u;
    for (; *side; side++) h = (h ^ (unsigned char)*side) * 16777619u;
  }
  return h;
}

static int same_side(const char *a, const char *b) {
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

/* The slot holding (id, side), or the first free slot for it when absent (*found = 0). */
/* map_find() of (id, side) whose hash_key() is `h` */
static uint32_t map_find_hashed(const stance_store *s, const char *id, const char *side, uint32_t h, int *found) {
  uint32_t mask = s->map_cap - 1, i = h & mask, tomb = TOMB;
  for (;;) {
    const map_entry *e = &s->map[i];
    if (e->slot == 0) {
      *found = 0;
      return tomb != TOMB ? tomb : i;
    }
    if (e->slot == TOMB) {
      if (tomb == TOMB) tomb = i;
    } else if (e->hash == h) {
      const stance_rec *r = rec_at(s, e->slot - 1);
      if (strcmp(r->id, id) == 0 && same_side(r->f[STANCE_F_CONFLICT], side)) {
        *found = 1;
        return i;
      }
    }
    i = (i + 1) & mask;
  }
}

/* map_find(), and into *hash the hash of (id, side) */
static uint32_t map_find_h(const stance_store *s, const char *id, const char *side, int *found, uint32_t *hash) {
  *hash = hash_key(id, side);
  return map_find_hashed(s, id, side, *hash, found);
}

static uint32_t map_find(const stance_store *s, const char *id, const char *side, int *found) {
  uint32_t h;
  return map_find_h(s, id, side, found, &h);
}

/* `hash`: of the record's (id, side), as map_find_h gave it */
static void map_put(stance_store *s, uint32_t i, uint32_t hash, uint32_t slot) {
  s->map[i].hash = hash;
  s->map[i].slot = slot;
}

static int map_grow(stance_store *s) {
  uint32_t cap = s->map_cap ? s->map_cap * 2 : 64, i;
  map_entry *old = s->map;
  uint32_t old_cap = s->map_cap;
  map_entry *m = stance_lookup_alloc((size_t)cap * sizeof *m, (size_t)4 << 20);
  if (m == NULL) return STANCE_ENOMEM;
  s->map = m;
  s->map_cap = cap;
  s->map_used = 0;
  for (i = 0; i < old_cap; i++) {
    if (old[i].slot != 0 && old[i].slot != TOMB) {
      uint32_t j = old[i].hash & (cap - 1);
      while (m[j].slot != 0) j = (j + 1) & (cap - 1);
      m[j] = old[i];
      s->map_used++;
    }
  }
  free(old);
  return STANCE_OK;
}

void stance_store_prefetch(const stance_store *s, const char *id) {
#if defined(__GNUC__)
  if (s->map_cap > 0) __builtin_prefetch(&s->map[hash_key(id, NULL) & (s->map_cap - 1)]);
#else
  (void)s;
  (void)id;
#endif
}

/* The record `id` (side: that version of a merge conflict, NULL: the record without one),
 * and into *slot_out (when not NULL) its slot of the map. */
static stance_rec *find_rec(const stance_store *s, const char *id, const char *side, uint32_t *slot_out) {
  int found;
  uint32_t slot;
  if (s->map_cap == 0) return NULL;
  slot = map_find(s, id, side, &found);
  if (!found) return NULL;
  if (slot_out) *slot_out = slot;
  return rec_at(s, s->map[slot].slot - 1);
}

stance_rec *stance_store_get(const stance_store *s, const char *id) {
  return find_rec(s, id, NULL, NULL);
}

stance_rec *stance_store_get_conflict(const stance_store *s, const char *id, const char *side) {
  return find_rec(s, id, side, NULL);
}

/* ---- interval index: a treap keyed by (start, end, rec, span) ---------------------- */

static uint32_t next_prio(stance_store *s) {
  s->rng ^= s->rng << 13;
  s->rng ^= s->rng >> 7;
  s->rng ^= s->rng << 17;
  return (uint32_t)(s->rng >> 32) | 1u;
}

static int key_less(const tnode *a, const tnode *b) {
  if (a->start != b->start) return a->start < b->start;
  if (a->end != b->end) return a->end < b->end;
  if (a->rec != b->rec) return a->rec < b->rec;
  return a->span < b->span;
}

static void pull(tnode *n, uint32_t t) {
  uint32_t m = n[t].end;
  if (n[t].left && n[n[t].left].maxend > m) m = n[n[t].left].maxend;
  if (n[t].right && n[n[t].right].maxend > m) m = n[n[t].right].maxend;
  n[t].maxend = m;
}

/* Split t into keys < k (*l) and keys >= k (*r). */
static void split(tnode *n, uint32_t t, const tnode *k, uint32_t *l, uint32_t *r) {
  if (t == 0) {
    *l = *r = 0;
  } else if (key_less(&n[t], k)) {
    split(n, n[t].right, k, &n[t].right, r);
    pull(n, t);
    *l = t;
  } else {
    split(n, n[t].left, k, l, &n[t].left);
    pull(n, t);
    *r = t;
  }
}

static uint32_t merge(tnode *n, uint32_t l, uint32_t r) {
  if (l == 0) return r;
  if (r == 0) return l;
  if (n[l].prio > n[r].prio) {
    n[l].right = merge(n, n[l].right, r);
    pull(n, l);
    return l;
  }
  n[r].left = merge(n, l, n[r].left);
  pull(n, r);
  return r;
}

static uint32_t insert(tnode *n, uint32_t t, uint32_t x) {
  if (t == 0) return x;
  if (n[x].prio > n[t].prio) {
    split(n, t, &n[x], &n[x].left, &n[x].right);
    pull(n, x);
    return x;
  }
  if (key_less(&n[x], &n[t]))
    n[t].left = insert(n, n[t].left, x);
  else
    n[t].right = insert(n, n[t].right, x);
  pull(n, t);
  return t;
}

/* Remove the node with the key of `k` from t; *gone receives its index (0 if absent). */
static uint32_t erase(tnode *n, uint32_t t, const tnode *k, uint32_t *gone) {
  if (t == 0) return 0;
  if (!key_less(&n[t], k) && !key_less(k, &n[t])) {
    uint32_t m = merge(n, n[t].left, n[t].right);
    *gone = t;
    return m;
  }
  if (key_less(k, &n[t]))
    n[t].left = erase(n, n[t].left, k, gone);
  else
    n[t].right = erase(n, n[t].right, k, gone);
  pull(n, t);
  return t;
}

static uint32_t new_node(stance_store *s) {
  uint32_t i;
  if (s->free_list != 0) {
    i = s->free_list;
    s->free_list = s->nodes[i].left;
    return i;
  }
  if (s->nnodes == s->nodes_cap) {
    uint32_t cap = s->nodes_cap ? s->nodes_cap * 2 : 256;
    tnode *nn = realloc(s->nodes, (size_t)cap * sizeof *nn);
    if (nn == NULL) return 0;
    s->nodes = nn;
    s->nodes_cap = cap;
    if (s->nnodes == 0) {
      memset(&s->nodes[0], 0, sizeof s->nodes[0]);
      s->nnodes = 1;
    }
  }
  return s->nnodes++;
}

static int index_rec(stance_store *s, uint32_t rec) {
  const stance_rec *r = rec_at(s, rec);
  uint32_t k;
  if (r->orphan) return STANCE_OK;
  for (k = 0; k < r->nspans; k++) {
    uint32_t x = new_node(s);
    tnode *n;
    if (x == 0) return STANCE_ENOMEM;
    n = &s->nodes[x];
    n->start = r->spans[k].start;
    n->end = n->maxend = r->spans[k].end;
    n->rec = rec;
    n->span = k;
    n->left = n->right = 0;
    n->prio = next_prio(s);
    s->root = insert(s->nodes, s->root, x);
  }
  return STANCE_OK;
}

static void unindex_rec(stance_store *s, uint32_t rec) {
  const stance_rec *r = rec_at(s, rec);
  uint32_t k;
  if (r->orphan) return;
  for (k = 0; k < r->nspans; k++) {
    tnode key;
    uint32_t gone = 0;
    key.start = r->spans[k].start;
    key.end = r->spans[k].end;
    key.rec = rec;
    key.span = k;
    s->root = erase(s->nodes, s->root, &key, &gone);
    if (gone != 0) {
      s->nodes[gone].left = s->free_list;
      s->free_list = gone;
    }
  }
}

static int cmp_nodes(const void *a, const void *b) {
  const tnode *x = a, *y = b;
  return key_less(x, y) ? -1 : key_less(y, x) ? 1 : 0;
}

static uint32_t compute_max(tnode *n, uint32_t t) {
  if (t == 0) return 0;
  compute_max(n, n[t].left);
  compute_max(n, n[t].right);
  pull(n, t);
  return n[t].maxend;
}

/* Build the whole index at once: sort the spans, then a Cartesian tree on random
 * priorities with a stack (linear time). */
static int build_index(stance_store *s) {
  uint32_t total = 0, i, k, m = 1, *stack, top = 0;
  for (i = 0; i < s->nrecs; i++) {
    const stance_rec *r = rec_at(s, i);
    if (!r->dead && !r->orphan && r->kind == STANCE_REC_ANNOTATION) total += r->nspans;
  }
  free(s->nodes);
  s->nodes = malloc(((size_t)total + 1) * sizeof *s->nodes);
  stack = malloc(((size_t)total + 1) * sizeof *stack);
  if (s->nodes == NULL || stack == NULL) {
    free(stack);
    free(s->nodes);
    s->nodes = NULL;
    s->nnodes = s->nodes_cap = s->root = s->free_list = 0;
    return STANCE_ENOMEM;
  }
  s->nodes_cap = total + 1;
  memset(&s->nodes[0], 0, sizeof s->nodes[0]);
  for (i = 0; i < s->nrecs; i++) {
    const stance_rec *r = rec_at(s, i);
    if (r->dead || r->orphan || r->kind != STANCE_REC_ANNOTATION) continue;
    for (k = 0; k < r->nspans; k++, m++) {
      tnode *n = &s->nodes[m];
      n->start = r->spans[k].start;
      n->end = n->maxend = r->spans[k].end;
      n->rec = i;
      n->span = k;
    }
  }
  /* a file read in canonical order is sorted already */
  for (m = 2; m <= total && cmp_nodes(&s->nodes[m - 1], &s->nodes[m]) <= 0; m++) {
  }
  if (m <= total) qsort(s->nodes + 1, total, sizeof *s->nodes, cmp_nodes);
  for (m = 1; m <= total; m++) {
    uint32_t last = 0;
    s->nodes[m].prio = next_prio(s);
    s->nodes[m].left = s->nodes[m].right = 0;
    while (top > 0 && s->nodes[stack[top - 1]].prio < s->nodes[m].prio) last = stack[--top];
    s->nodes[m].left = last;
    if (top > 0) s->nodes[stack[top - 1]].right = m;
    stack[top++] = m;
  }
  s->root = top > 0 ? stack[0] : 0;
  free(stack);
  s->nnodes = total + 1;
  s->free_list = 0;
  compute_max(s->nodes, s->root);
  s->indexed = 1;
  return STANCE_OK;
}

typedef struct query_ctx {
  stance_store *s;
  uint32_t a, b;
  stance_span_cb cb;
  void *ud;
  int calls, stop;
} query_ctx;

static void visit(query_ctx *q, uint32_t t) {
  const tnode *n;
  if (t == 0 || q->stop) return;
  n = &q->s->nodes[t];
  if (n->maxend <= q->a) return;
  visit(q, n->left);
  if (q->stop || n->start >= q->b) return;
  if (n->end > q->a) {
    q->calls++;
    if (q->cb(q->ud, rec_at(q->s, n->rec), n->span)) {
      q->stop = 1;
      return;
    }
  }
  visit(q, n->right);
}

int stance_store_query(stance_store *s, uint32_t a, uint32_t b, stance_span_cb cb, void *ud) {
  query_ctx q;
  if (!s->indexed && build_index(s) != STANCE_OK) return STANCE_ENOMEM;
  q.s = s;
  q.a = a;
  q.b = b > a ? b : a + 1;
  q.cb = cb;
  q.ud = ud;
  q.calls = 0;
  q.stop = 0;
  visit(&q, s->root);
  return q.calls;
}

/* ---- records ------------------------------------------------------------------------- */

static int spans_valid(const stance_range *r, uint32_t n) {
  uint32_t i;
  for (i = 0; i < n; i++) {
    if (r[i].start >= r[i].end) return 0;
    if (i > 0 && r[i].start < r[i - 1].end) return 0;
  }
  return 1;
}

static int copy_spans(stance_store *s, stance_rec *r, const stance_range *src, uint32_t n) {
  stance_range *d = NULL;
  if (n > 0) {
    d = stance_arena_alloc(&s->arena, n * sizeof *d);
    if (d == NULL) return STANCE_ENOMEM;
    memcpy(d, src, n * sizeof *d);
  }
  r->spans = d;
  r->nspans = n;
  return STANCE_OK;
}

/* A string of the template: rebased into `copy` when it lies in `blob`, else duplicated. */
static inline char *take(stance_store *s, const char *v, const char *blob, size_t bloblen, char *copy) {
  if (v == NULL) return NULL;
  if (blob != NULL && v >= blob && v < blob + bloblen) return copy + (v - blob);
  return dup(s, v);
}

/* From chunk PREFAULT_CHUNK on (2^14 records and more), PREFAULT records' pages at a time. */
#define PREFAULT_CHUNK 10
#define PREFAULT 4096u

/* A chunk for record s->nrecs. */
static int room_for_one(stance_store *s) {
  stance_rec *chunk;
  uint32_t c;
  if (s->nrecs == UINT32_MAX - 1) return STANCE_ENOMEM;
  c = chunk_of(s->nrecs);
  if (c < s->nchunks) {
    /* a large chunk's pages asked for PREFAULT records at a time, as records fill it */
    if (s->nrecs >= s->faulted && c >= PREFAULT_CHUNK) {
      uint64_t to = chunk_start(c + 1), n;
      if (to > (uint64_t)s->nrecs + PREFAULT) to = (uint64_t)s->nrecs + PREFAULT;
      n = to - s->nrecs;
      stance_prefault(rec_at(s, s->nrecs), (size_t)n * sizeof *chunk);
      s->faulted = (uint32_t)to;
    }
    return STANCE_OK;
  }
  if (c >= RECS_MAX_CHUNKS || ((uint64_t)RECS_FIRST << c) > SIZE_MAX / sizeof *chunk) return STANCE_ENOMEM;
  chunk = malloc(((size_t)RECS_FIRST << c) * sizeof *chunk);
  if (chunk == NULL) return STANCE_ENOMEM;
  s->chunks[s->nchunks++] = chunk;
  s->faulted = s->nrecs; /* the new chunk's pages: asked for above, from its first record */
  return room_for_one(s);
}

#define ABSORB_AHEAD 16u

/* The hash of r's (id, side), its slot of the map prefetched. */
static uint32_t absorb_hash(const stance_store *s, const stance_rec *r) {
  uint32_t h = hash_key(r->id, r->f[STANCE_F_CONFLICT]);
#if defined(__GNUC__)
  __builtin_prefetch(&s->map[h & (s->map_cap - 1)]);
#endif
  return h;
}

int stance_store_absorb(stance_store *s, stance_store *from, stance_absorb_cb on_dup, void *ud) {
  uint32_t i, n = from->nrecs, ahead[ABSORB_AHEAD];
  while ((uint64_t)(s->map_used + n + 1) * 2 > s->map_cap)
    if (map_grow(s) != STANCE_OK) return STANCE_ENOMEM;
  /* first the strings: every record of `from` points into its arena */
  stance_arena_absorb(&s->arena, &from->arena);
  /* each record's slot of the map is looked up ABSORB_AHEAD records after its hash was
   * taken and its slot prefetched: the map (the file's size) is far bigger than a cache */
  for (i = 0; i < n && i < ABSORB_AHEAD; i++) ahead[i] = absorb_hash(s, rec_at(from, i));
  for (i = 0; i < n; i++) {
    const stance_rec *r = rec_at(from, i);
    stance_rec *d;
    uint32_t slot, hash = ahead[i % ABSORB_AHEAD];
    int found;
    if (i + ABSORB_AHEAD < n) ahead[i % ABSORB_AHEAD] = absorb_hash(s, rec_at(from, i + ABSORB_AHEAD));
    if (r->dead) continue;
    slot = map_find_hashed(s, r->id, r->f[STANCE_F_CONFLICT], hash, &found);
    if (found) {
      if (on_dup) on_dup(ud, r, rec_at(s, s->map[slot].slot - 1));
      continue;
    }
    if (room_for_one(s) != STANCE_OK) return STANCE_ENOMEM;
    d = rec_at(s, s->nrecs);
    *d = *r;
    d->index = s->nrecs;
    if (s->indexed && index_rec(s, s->nrecs) != STANCE_OK) {
      unindex_rec(s, s->nrecs);
      return STANCE_ENOMEM;
    }
    if (s->map[slot].slot == 0) s->map_used++;
    map_put(s, slot, hash, s->nrecs + 1);
    s->count[d->kind]++;
    s->nrecs++;
  }
  /* `from` keeps no record: what it held is now the store's */
  from->nrecs = 0;
  memset(from->count, 0, sizeof from->count);
  if (from->map) memset(from->map, 0, (size_t)from->map_cap * sizeof *from->map);
  from->map_used = 0;
  from->root = 0;
  from->nnodes = from->nodes ? 1 : 0;
  from->free_list = 0;
  return STANCE_OK;
}

int stance_store_add(stance_store *s, const stance_rec *tmpl, uint32_t *index_out) {
  return stance_store_add_packed(s, tmpl, NULL, 0, index_out);
}

static int add_rec(stance_store *s, const stance_rec *tmpl, const char *blob, size_t bloblen, int kept,
                   uint32_t *index_out);

int stance_store_add_packed(stance_store *s, const stance_rec *tmpl, const char *blob,
                            size_t bloblen, uint32_t *index_out) {
  return add_rec(s, tmpl, blob, bloblen, 0, index_out);
}

int stance_store_add_kept(stance_store *s, const stance_rec *tmpl, const char *blob, size_t bloblen,
                          uint32_t *index_out) {
  return add_rec(s, tmpl, blob, bloblen, 1, index_out);
}

void *stance_store_alloc(stance_store *s, size_t n) { return stance_arena_alloc(&s->arena, n); }

int stance_store_reserve(stance_store *s, uint32_t n) {
  while ((uint64_t)(s->map_used + n + 1) * 2 > s->map_cap)
    if (s->map_cap >= 0x80000000u || map_grow(s) != STANCE_OK) return STANCE_ENOMEM;
  return STANCE_OK;
}

static int add_rec(stance_store *s, const stance_rec *tmpl, const char *blob, size_t bloblen, int kept,
                   uint32_t *index_out) {
  stance_rec *r;
  char *copy = NULL;
  uint32_t slot, f, hash;
  int found;
  if (tmpl->id == NULL || tmpl->kind >= STANCE_REC_KINDS) return STANCE_EINVAL;
  if (tmpl->kind == STANCE_REC_ANNOTATION && !spans_valid(tmpl->spans, tmpl->nspans))
    return STANCE_EINVAL;
  for (f = 0; f < STANCE_F_COUNT; f++)
    if (tmpl->f[f] != NULL && !stance_field_allowed(tmpl->kind, (stance_field)f)) return STANCE_EINVAL;
  if ((s->map_used + 1) * 2 > s->map_cap && map_grow(s) != STANCE_OK) return STANCE_ENOMEM;
  slot = map_find_h(s, tmpl->id, tmpl->f[STANCE_F_CONFLICT], &found, &hash);
  if (found) return STANCE_EDUP;
  if (room_for_one(s) != STANCE_OK) return STANCE_ENOMEM;
  r = rec_at(s, s->nrecs);
  memset(r, 0, sizeof *r);
  r->index = s->nrecs;
  r->kind = tmpl->kind;
  r->line = tmpl->line;
  /* One copy of the blob holding the template's strings, instead of one per string; none
   * when it is kept in the store already. */
  if (kept) {
    copy = (char *)blob;
  } else if (blob != NULL) {
    if ((copy = stance_arena_alloc(&s->arena, bloblen)) == NULL) return STANCE_ENOMEM;
    memcpy(copy, blob, bloblen);
  }
  if ((r->id = take(s, tmpl->id, blob, bloblen, copy)) == NULL) return STANCE_ENOMEM;
  for (f = 0; f < STANCE_F_COUNT; f++) {
    if (tmpl->f[f] != NULL && (r->f[f] = take(s, tmpl->f[f], blob, bloblen, copy)) == NULL)
      return STANCE_ENOMEM;
  }
  if ((tmpl->extras && (r->extras = take(s, tmpl->extras, blob, bloblen, copy)) == NULL) ||
      (tmpl->comments && (r->comments = take(s, tmpl->comments, blob, bloblen, copy)) == NULL) ||
      (tmpl->inner && (r->inner = take(s, tmpl->inner, blob, bloblen, copy)) == NULL))
    return STANCE_ENOMEM;
  if (tmpl->kind == STANCE_REC_ANNOTATION && copy_spans(s, r, tmpl->spans, tmpl->nspans) != STANCE_OK)
    return STANCE_ENOMEM;
  if (s->indexed && index_rec(s, s->nrecs) != STANCE_OK) {
    unindex_rec(s, s->nrecs); /* whatever part went in */
    return STANCE_ENOMEM;
  }
  if (s->map[slot].slot == 0) s->map_used++;
  map_put(s, slot, hash, s->nrecs + 1);
  s->count[r->kind]++;
  if (index_out) *index_out = s->nrecs;
  s->nrecs++;
  return STANCE_OK;
}

static stance_rec *find_slot(stance_store *s, const char *id, uint32_t *slot_out) {
  return find_rec(s, id, NULL, slot_out);
}

int stance_store_remove(stance_store *s, const char *id) {
  return stance_store_remove_conflict(s, id, NULL);
}

int stance_store_remove_conflict(stance_store *s, const char *id, const char *side) {
  uint32_t slot;
  stance_rec *r = find_rec(s, id, side, &slot);
  if (r == NULL) return STANCE_ENOENT;
  if (s->indexed && r->kind == STANCE_REC_ANNOTATION) unindex_rec(s, r->index);
  r->dead = 1;
  s->map[slot].slot = TOMB;
  s->count[r->kind]--;
  return STANCE_OK;
}

int stance_store_set_field(stance_store *s, const char *id, stance_field f, const char *value) {
  stance_rec *r = find_slot(s, id, NULL);
  char *v;
  if (r == NULL) return STANCE_ENOENT;
  if (!stance_field_allowed(r->kind, f) || f == STANCE_F_CONFLICT) return STANCE_EINVAL;
  v = dup(s, value);
  if (value != NULL && v == NULL) return STANCE_ENOMEM;
  r->f[f] = v;
  return STANCE_OK;
}

int stance_store_set_spans(stance_store *s, const char *id, const stance_range *rg, uint32_t n) {
  stance_rec *r = find_slot(s, id, NULL);
  uint32_t i;
  stance_range *old;
  uint32_t old_n;
  if (r == NULL) return STANCE_ENOENT;
  if (r->kind != STANCE_REC_ANNOTATION || n == 0 || !spans_valid(rg, n)) return STANCE_EINVAL;
  i = r->index;
  old = r->spans;
  old_n = r->nspans;
  if (s->indexed) unindex_rec(s, i);
  if (copy_spans(s, r, rg, n) != STANCE_OK) {
    r->spans = old;
    r->nspans = old_n;
    if (s->indexed) index_rec(s, i);
    return STANCE_ENOMEM;
  }
  if (s->indexed && index_rec(s, i) != STANCE_OK) {
    s->indexed = 0; /* rebuilt in bulk at the next query */
  }
  return STANCE_OK;
}

int stance_store_rename(stance_store *s, const char *id, const char *new_id) {
  uint32_t slot, nslot, hash;
  int found;
  stance_rec *r = find_slot(s, id, &slot);
  char *v;
  if (r == NULL) return STANCE_ENOENT;
  nslot = map_find(s, new_id, NULL, &found);
  if (found) return STANCE_EDUP;
  if ((v = dup(s, new_id)) == NULL) return STANCE_ENOMEM;
  s->map[slot].slot = TOMB;
  nslot = map_find(s, new_id, NULL, &found);
  r->id = v;
  hash = hash_key(r->id, r->f[STANCE_F_CONFLICT]);
  if (s->map[nslot].slot == 0) s->map_used++;
  map_put(s, nslot, hash, r->index + 1);
  return STANCE_OK;
}

uint32_t stance_store_slots(const stance_store *s) { return s->nrecs; }
stance_rec *stance_store_at(const stance_store *s, uint32_t index) {
  return index < s->nrecs ? rec_at(s, index) : NULL;
}
uint32_t stance_store_count(const stance_store *s, stance_rec_kind kind) {
  return kind < STANCE_REC_KINDS ? s->count[kind] : 0;
}

/* Sort keys carry everything the comparison needs, so that qsort needs no context. */
typedef struct sort_key {
  int order;
  uint32_t start, end, index;
  uint64_t pre; /* the ID's first 8 bytes, big-endian, 0 after its end: compared first */
  const char *id, *side;
} sort_key;

static int cmp_keys(const void *pa, const void *pb) {
  const sort_key *a = pa, *b = pb;
  int c;
  if (a->order != b->order) return a->order - b->order;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  if (a->end != b->end) return a->end < b->end ? -1 : 1;
  /* (as strcmp orders them: bytes unsigned, a shorter ID before the longer it begins) */
  if (a->pre != b->pre) return a->pre < b->pre ? -1 : 1;
  c = strcmp(a->id, b->id);
  if (c != 0) return c;
  if (a->side == NULL || b->side == NULL) return (a->side != NULL) - (b->side != NULL);
  return strcmp(a->side, b->side);
}

uint32_t *stance_store_sorted(const stance_store *s, uint32_t *n) {
  return stance_store_sorted_conv(s, n, NULL, NULL);
}

/* The `n` keys sorted, unless they are in order already. */
static void sort_run(sort_key *keys, uint32_t n) {
  uint32_t i;
  /* A store read from a canonical file is in order already: check before sorting. */
  for (i = 1; i < n && cmp_keys(&keys[i - 1], &keys[i]) <= 0; i++) {
  }
  if (i < n) qsort(keys, n, sizeof *keys, cmp_keys);
}

/* The slots of the `k` keys in their order into `idx`. With `tmp` (room for k keys), the
 * keys are put by kind first (the first key: an order of 0, 1 or 2), and each kind is sorted
 * unless it is in order already (an import adds its annotations in the order of their place,
 * not its relations); without it, all of them at once. */
static void ordered(sort_key *keys, uint32_t k, uint32_t *idx, sort_key *tmp) {
  uint32_t i, g, count[3] = {0, 0, 0}, at[3];
  if (tmp == NULL) {
    sort_run(keys, k);
    for (i = 0; i < k; i++) idx[i] = keys[i].index;
    return;
  }
  for (i = 0; i < k; i++) count[keys[i].order]++;
  at[0] = 0;
  for (g = 1; g < 3; g++) at[g] = at[g - 1] + count[g - 1];
  for (i = 0; i < k; i++) tmp[at[keys[i].order]++] = keys[i];
  for (g = 0; g < 3; g++) sort_run(tmp + at[g] - count[g], count[g]);
  for (i = 0; i < k; i++) idx[i] = tmp[i].index;
}

static const int kind_order[STANCE_REC_KINDS] = {1, 2, 0}; /* doclabels, annotations, relations */

static void key_of(sort_key *key, const stance_rec *r, uint32_t index) {
  int i;
  key->order = kind_order[r->kind];
  key->start = r->nspans ? r->spans[0].start : 0;
  key->end = r->nspans ? r->spans[0].end : 0;
  key->index = index;
  key->id = r->id;
  key->pre = 0;
  for (i = 0; i < 8; i++) {
    key->pre = key->pre << 8 | (unsigned char)r->id[i];
    if (r->id[i] == '\0') {
      key->pre <<= 8 * (7 - i);
      break;
    }
  }
  key->side = r->f[STANCE_F_CONFLICT];
}

uint32_t *stance_store_sorted_conv(const stance_store *s, uint32_t *n, stance_conv conv, void *ud) {
  uint32_t i, k = 0, *idx = malloc(((size_t)s->nrecs + 1) * sizeof *idx);
  sort_key *keys = malloc(((size_t)s->nrecs + 1) * sizeof *keys);
  sort_key *tmp = malloc(((size_t)s->nrecs + 1) * sizeof *tmp);
  if (idx == NULL || keys == NULL || tmp == NULL) {
    free(idx);
    free(keys);
    free(tmp);
    return NULL;
  }
  for (i = 0; i < s->nrecs; i++) {
    const stance_rec *r = rec_at(s, i);
    if (r->dead) continue;
    key_of(&keys[k], r, i);
    if (conv != NULL && r->nspans && !r->orphan) {
      keys[k].start = conv(ud, keys[k].start);
      keys[k].end = conv(ud, keys[k].end);
    }
    k++;
  }
  ordered(keys, k, idx, tmp);
  free(keys);
  free(tmp);
  *n = k;
  return idx;
}

/* The key of record `r` at `index` as stance_store_sorted_conv sorts it. */
static void key_conv(sort_key *key, const stance_rec *r, uint32_t index, stance_conv conv, void *ud) {
  key_of(key, r, index);
  if (conv != NULL && r->nspans && !r->orphan) {
    key->start = conv(ud, key->start);
    key->end = conv(ud, key->end);
  }
}

int stance_store_last_conv(const stance_store *s, const uint32_t *slots, uint32_t k, stance_conv conv, void *ud,
                           uint32_t *order) {
  sort_key small[16], *keys;
  uint32_t i, j;
  int last = 1;
  if (k == 0) return 1;
  keys = k <= 16 ? small : malloc((size_t)k * sizeof *keys);
  if (keys == NULL) return STANCE_ENOMEM;
  for (i = 0; i < k; i++) {
    if (slots[i] >= s->nrecs || rec_at(s, slots[i])->dead) {
      if (keys != small) free(keys);
      return 0;
    }
    key_conv(&keys[i], rec_at(s, slots[i]), i, conv, ud);
  }
  qsort(keys, k, sizeof *keys, cmp_keys);
  for (i = 0; i < k; i++) order[i] = keys[i].index;
  for (i = 0; i < s->nrecs && last; i++) {
    const stance_rec *r = rec_at(s, i);
    sort_key other;
    if (r->dead) continue;
    for (j = 0; j < k && slots[j] != i; j++) {
    }
    if (j < k) continue; /* one of them */
    /* (the kind first: no span to convert for a record of a kind that comes before) */
    if (kind_order[r->kind] < keys[0].order) continue;
    key_conv(&other, r, i, conv, ud);
    if (cmp_keys(&other, &keys[0]) > 0) last = 0;
  }
  if (keys != small) free(keys);
  return last;
}

int stance_recs_order(const stance_rec *recs, uint32_t n, uint32_t *idx) {
  sort_key small[32], *keys = n <= 32 ? small : malloc((size_t)n * sizeof *keys);
  uint32_t i;
  if (keys == NULL) return STANCE_ENOMEM;
  for (i = 0; i < n; i++) key_of(&keys[i], &recs[i], i);
  ordered(keys, n, idx, NULL);
  if (keys != small) free(keys);
  return STANCE_OK;
}

void stance_store_reindex(stance_store *s) { s->indexed = 0; }

int stance_store_index(stance_store *s) { return s->indexed ? STANCE_OK : build_index(s); }

int stance_store_set_orphan(stance_store *s, const char *id, int orphan) {
  stance_rec *r = find_slot(s, id, NULL);
  if (r == NULL) return STANCE_ENOENT;
  if (r->kind != STANCE_REC_ANNOTATION) return STANCE_EINVAL;
  if ((r->orphan != 0) == (orphan != 0)) return STANCE_OK;
  if (s->indexed) unindex_rec(s, r->index);
  r->orphan = orphan != 0;
  if (s->indexed && index_rec(s, r->index) != STANCE_OK) s->indexed = 0;
  return STANCE_OK;
}

/* ---- following edits of the text -------------------------------------------------------- */

typedef struct edit {
  uint32_t pos, old_end, new_end;
} edit;

/* Where a span's start goes: it stays before the edit, moves with the text after it, and
 * inside replaced text it stays at pos (the span keeps the new text). Inserting right at
 * the start pushes it along (the inserted text is not the annotation's). */
static uint32_t map_start(const edit *e, uint32_t x) {
  if (e->pos == e->old_end) return x >= e->pos ? x + (e->new_end - e->pos) : x;
  if (x <= e->pos) return x;
  if (x >= e->old_end) return x - e->old_end + e->new_end;
  return e->pos;
}

/* Where a span's end goes: inserting right at the end does not extend it; inside
 * replaced text it moves to the end of the new text. */
static uint32_t map_end(const edit *e, uint32_t x) {
  if (e->pos == e->old_end) return x > e->pos ? x + (e->new_end - e->pos) : x;
  if (x <= e->pos) return x;
  if (x >= e->old_end) return x - e->old_end + e->new_end;
  return e->new_end;
}

typedef struct hit_list {
  uint32_t *recs;
  uint32_t n, cap;
  int oom;
} hit_list;

static int collect_hit(void *ud, stance_rec *rec, uint32_t span) {
  hit_list *h = ud;
  (void)span;
  if (h->n > 0 && h->recs[h->n - 1] == rec->index) return 0;
  if (h->n == h->cap) {
    uint32_t cap = h->cap ? h->cap * 2 : 64;
    uint32_t *nr = realloc(h->recs, (size_t)cap * sizeof *nr);
    if (nr == NULL) {
      h->oom = 1;
      return 1;
    }
    h->recs = nr;
    h->cap = cap;
  }
  h->recs[h->n++] = rec->index;
  return 0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int stance_store_shift(stance_store *s, uint32_t pos, uint32_t old_end, uint32_t new_end,
                       uint32_t context, stance_shift_cb cb, void *ud) {
  edit e;
  hit_list h;
  uint32_t i, k, j, lo, hi, touched = 0;
  stance_range before[64], *bp;
  int64_t delta = (int64_t)new_end - (int64_t)old_end;
  if (old_end < pos || new_end < pos) return STANCE_EINVAL;
  e.pos = pos;
  e.old_end = old_end;
  e.new_end = new_end;
  if (!s->indexed && build_index(s) != STANCE_OK) return STANCE_ENOMEM;
  /* 1. The records whose spans meet the edit (or lie within `context` of it) leave the
   * index; the spans that do not meet it keep their order when shifted. */
  memset(&h, 0, sizeof h);
  /* One byte wider on both sides, so that empty (collapsed) spans at lo and hi are met
   * too: every span starting in [pos, old_end] leaves the index, and the shifted ones
   * cannot overtake the ones that stay. */
  lo = pos > context ? pos - context : 0;
  hi = old_end > UINT32_MAX - context - 2 ? UINT32_MAX : old_end + context + 2;
  if (stance_store_query(s, lo > 0 ? lo - 1 : 0, hi, collect_hit, &h) < 0 || h.oom) {
    free(h.recs);
    return STANCE_ENOMEM;
  }
  if (h.n > 1) qsort(h.recs, h.n, sizeof *h.recs, cmp_u32);
  for (i = 0, j = 0; i < h.n; i++)
    if (j == 0 || h.recs[j - 1] != h.recs[i]) h.recs[j++] = h.recs[i];
  h.n = j;
  for (i = 0; i < h.n; i++) unindex_rec(s, h.recs[i]);
  /* 2. Every other span after the edit shifts by delta: in the records, and in place in
   * the tree (their order does not change), whose maxima are then recomputed. */
  if (delta != 0) {
    for (i = 0, j = 0; i < s->nrecs; i++) {
      stance_rec *r = rec_at(s, i);
      if (r->dead || r->orphan || r->kind != STANCE_REC_ANNOTATION) continue;
      if (j < h.n && h.recs[j] == i) {
        j++;
        continue;
      }
      for (k = 0; k < r->nspans; k++) {
        if (r->spans[k].start >= old_end) {
          r->spans[k].start = (uint32_t)((int64_t)r->spans[k].start + delta);
          r->spans[k].end = (uint32_t)((int64_t)r->spans[k].end + delta);
        }
      }
    }
    for (i = 1; i < s->nnodes; i++) {
      tnode *n = &s->nodes[i];
      if (n->start >= old_end) { /* free nodes too: harmless, they are not in the tree */
        n->start = (uint32_t)((int64_t)n->start + delta);
        n->end = (uint32_t)((int64_t)n->end + delta);
      }
    }
    compute_max(s->nodes, s->root);
  }
  /* 3. The records that met the edit: map their spans and put them back. */
  for (i = 0; i < h.n; i++) {
    stance_rec *r = rec_at(s, h.recs[i]);
    bp = before;
    if (cb != NULL && r->nspans > 64 && (bp = malloc(r->nspans * sizeof *bp)) == NULL) bp = NULL;
    if (cb != NULL && bp != NULL) memcpy(bp, r->spans, r->nspans * sizeof *bp);
    for (k = 0; k < r->nspans; k++) {
      uint32_t a = map_start(&e, r->spans[k].start), b = map_end(&e, r->spans[k].end);
      if (b < a) b = a;
      r->spans[k].start = a;
      r->spans[k].end = b;
    }
    r->touched = 1;
    touched++;
    if (index_rec(s, h.recs[i]) != STANCE_OK) s->indexed = 0;
    if (cb != NULL && bp != NULL) cb(ud, r, bp);
    if (bp != before) free(bp);
  }
  free(h.recs);
  return (int)touched;
}

size_t stance_store_memory(const stance_store *s) {
  return sizeof *s + s->arena.used + (size_t)chunk_start(s->nchunks) * sizeof(stance_rec) +
         (size_t)s->map_cap * sizeof *s->map + (size_t)s->nodes_cap * sizeof *s->nodes;
}
