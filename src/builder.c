/*
 * builder.c - builds a segment of the index from documents (see index.h).
 *
 * Words are first gathered per document in a table of their own, which stays in the CPU's
 * caches for an article (a few hundred distinct words); a large document's (thousands) does
 * not, so each word waits a few words while its slot is fetched (see on_word). The segment's
 * dictionary, which is large and so slow to reach, is then visited once per distinct word of
 * the document, not once per occurrence. A document's positions are grouped by word with a
 * counting sort.
 *
 * Postings (stance_postings reads them), per word: varint(length of its documents' part),
 * then the documents' part, per document holding the word:
 *   varint(doc delta << 2 | min(count, 4) - 1)   doc delta: local number + 1, minus the
 *   [varint(count - 4)]                          previous one's; count: occurrences
 * then the positions' part, per document in the same order:
 *   varint(first position), varint(delta)...     positions, ascending
 * (a count or an AND of words reads only the documents' part: on long documents, a small
 * fraction of the postings). While building, a word's postings are kept interleaved
 * (each document's header, then its positions), and split when the segment is finished.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "index.h"
#include "text.h"

/* The entries' postings are chains of slices cut from big blocks: a word's postings go to
 * its last slice, and a new slice (half as large again, up to SLICE_MAX) is linked when it
 * is full (twice as large left a third of the postings' memory empty at the end of the
 * chains). Nothing is allocated per word nor copied while building; the blocks go at once
 * when the segment is finished. */
typedef struct post_block {
  struct post_block *next;
  size_t used, cap;
  uint8_t data[];
} post_block;

/* A block and its header fill one huge page (2 MB) of the system, where it has them. */
#define HUGE_PAGE ((size_t)2 << 20)
#define POST_BLOCK (HUGE_PAGE - sizeof(post_block))

/* Blocks straight from the system, returned to it when the segment is done (malloc would
 * keep them in its arenas once its threshold for mapping has grown). The usual blocks are
 * mapped at a huge page's boundary and asked to be huge pages: a word's postings go
 * anywhere in them, and with 4 KiB pages each of those writes (and each read of the
 * segment's finish) also missed the TLB. */
static post_block *block_new(size_t cap) {
  size_t size = sizeof(post_block) + cap;
  post_block *b;
#if defined(MAP_ANONYMOUS)
  void *p;
#if defined(MADV_HUGEPAGE)
  if (cap == POST_BLOCK) {
    /* twice the size, then what is outside the aligned huge page given back */
    uint8_t *q = mmap(NULL, 2 * HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *at;
    if (q == MAP_FAILED) return NULL;
    at = (uint8_t *)(((uintptr_t)q + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (at > q) munmap(q, (size_t)(at - q));
    if (at + HUGE_PAGE < q + 2 * HUGE_PAGE) munmap(at + HUGE_PAGE, (size_t)(q + 2 * HUGE_PAGE - (at + HUGE_PAGE)));
    madvise(at, HUGE_PAGE, MADV_HUGEPAGE);
    b = (post_block *)(void *)at;
    b->cap = cap;
    return b;
  }
#endif
  p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  b = p == MAP_FAILED ? NULL : p;
#else
  b = malloc(size);
#endif
  if (b != NULL) b->cap = cap;
  return b;
}

static void block_free(post_block *b) {
#if defined(MAP_ANONYMOUS)
  munmap(b, sizeof(post_block) + b->cap);
#else
  free(b);
#endif
}

typedef struct slice {
  struct slice *next;
  uint32_t len, cap;
  uint8_t data[];
} slice;

#define SLICE_MIN 16u
#define SLICE_MAX (64u * 1024u)

typedef struct term_entry {
  uint32_t word_off, word_len;
  uint32_t last_doc;            /* local number + 1 of the last document written */
  uint32_t freq;
  slice *head, *tail;           /* the postings, interleaved (see above) */
  uint32_t post_len;
  uint32_t docs_len;            /* bytes of its documents' headers among them */
} term_entry;

/* A dictionary slot: enough to recognise a word of up to 7 bytes without touching its
 * entry (words have no NUL byte, so zero-padded heads are unique to their length; see
 * lookup). */
typedef struct slot {
  uint64_t head;                /* bytes 0-7, zero-padded */
  uint32_t hash;
  uint32_t id;                  /* entry id + 1; 0: empty */
} slot;

/* A slot of the current document's table: a word of up to 8 bytes is recognised there,
 * without touching its local_word (a large document's words are beyond the first cache:
 * one miss per occurrence, not two). */
typedef struct lslot {
  uint64_t head;
  uint32_t hash;
  uint32_t id;                  /* local index + 1, LONG_WORD set for more than 8 bytes;
                                   0: empty */
} lslot;
#define LONG_WORD 0x80000000u

/* A word of the current document (its occurrences: `lcount`, dense and so cached). */
typedef struct local_word {
  uint64_t head, tail;          /* as in a dictionary slot */
  uint32_t hash, len, off;      /* off: in the document's word bytes */
  uint32_t slot;                /* its slot in the document's table */
  uint32_t id;                  /* its entry in the segment's dictionary */
} local_word;

/* A word of up to 16 bytes read but not looked up yet: its slot in the document's table is
 * being fetched (see on_word). Its head and tail are its bytes. */
typedef struct pending {
  uint64_t head, tail;
  uint32_t hash, len, at;
} pending;

/* Words wait this many words for their slot (a large document's table is beyond the
 * caches: fetched one after the other, each lookup waited for its slot). */
#define RING 16

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#define INLINE inline __attribute__((always_inline))
#else
#define PREFETCH(p) ((void)0)
#define INLINE inline
#endif
/* How far ahead the dictionary is fetched: its slots and entries are beyond the caches. */
#define AHEAD 16

struct stance_segment_builder {
  term_entry *entries;          /* dense; ids never change */
  uint32_t n, entries_cap;
  slot *tab;
  uint32_t cap;
  stance_buf words;             /* the segment's words */
  uint32_t *docs;
  uint32_t ndocs, docs_cap;
  /* the current document */
  local_word *lw;
  uint32_t *lcount;             /* per local word: occurrences */
  uint32_t *lend;               /* per local word: where its positions end in `pos` */
  uint32_t nlw, lw_cap;
  lslot *ltab;
  uint32_t lcap;
  stance_buf lwords;
  uint32_t *toks;               /* local word index of each occurrence, in order */
  uint32_t *tokpos;             /* and its position */
  uint32_t ntoks, toks_cap;
  uint32_t *pos;                /* positions grouped by word */
  uint32_t pos_cap;
  pending ring[RING];           /* words waiting for their slots: [rdone, rnext) mod RING */
  uint32_t rnext, rdone;
  uint32_t local, at;
  size_t post_bytes;            /* bytes of the postings' blocks */
  struct post_block *blocks;    /* where the entries' postings live (see post_alloc) */
  struct post_block *spare;     /* blocks of a finished segment, for the next one */
  struct word_ref *refs;        /* the words in order, while a segment is streamed out */
  uint32_t nrefs;
  int first, oom;
};

/* The dictionary's table: its first size, and the most kept from one segment to the next. */
#define TAB_START 4096u
#define TAB_KEEP (64u * 1024u)

stance_segment_builder *stance_builder_new(void) {
  stance_segment_builder *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  b->cap = TAB_START;
  b->lcap = 1024;
  b->tab = calloc(b->cap, sizeof *b->tab);
  b->ltab = calloc(b->lcap, sizeof *b->ltab);
  if (b->tab == NULL || b->ltab == NULL) {
    free(b->tab);
    free(b->ltab);
    free(b);
    return NULL;
  }
  stance_buf_init(&b->words);
  stance_buf_init(&b->lwords);
  return b;
}

/* The blocks of a finished segment are kept for the next one (new pages cost the kernel a
 * fault and zeroing each: a tenth of the build); those of unusual size go back. */
static void builder_clear(stance_segment_builder *b) {
  while (b->blocks != NULL) {
    post_block *next = b->blocks->next;
    if (b->blocks->cap == POST_BLOCK) {
      b->blocks->next = b->spare;
      b->spare = b->blocks;
    } else {
      block_free(b->blocks);
    }
    b->blocks = next;
  }
  /* the dictionary's table, entries and words go back to small when they grew large: kept,
   * they would count against the next segment's memory from the start (a large vocabulary
   * then made a segment of every document) */
  {
    slot *t = b->tab == NULL || b->cap > TAB_KEEP ? calloc(TAB_START, sizeof *t) : NULL;
    if (t != NULL) {
      free(b->tab);
      b->tab = t;
      b->cap = TAB_START;
    } else if (b->tab != NULL) {
      memset(b->tab, 0, b->cap * sizeof *b->tab);
    }
  }
  if (b->entries_cap > TAB_KEEP / 2) {
    free(b->entries);
    b->entries = NULL;
    b->entries_cap = 0;
  }
  if (b->words.cap > TAB_KEEP * 8) {
    stance_buf_free(&b->words);
    stance_buf_init(&b->words);
  }
  b->n = 0;
  b->words.len = 0;
  b->ndocs = 0;
  b->post_bytes = 0;
}

void stance_builder_trim(stance_segment_builder *b) {
  while (b->spare != NULL) {
    post_block *next = b->spare->next;
    block_free(b->spare);
    b->spare = next;
  }
}

void stance_builder_free(stance_segment_builder *b) {
  if (b == NULL) return;
  builder_clear(b);
  while (b->spare != NULL) {
    post_block *next = b->spare->next;
    block_free(b->spare);
    b->spare = next;
  }
  free(b->entries);
  free(b->tab);
  free(b->refs);
  free(b->docs);
  free(b->lw);
  free(b->lcount);
  free(b->lend);
  free(b->ltab);
  free(b->toks);
  free(b->tokpos);
  free(b->pos);
  stance_buf_free(&b->words);
  stance_buf_free(&b->lwords);
  free(b);
}

static uint32_t le32_at(const unsigned char *u) {
  return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

/* The word's first 8 bytes, zero-padded, as a little-endian number (only compared with
 * other heads), from loads of fixed size: a copy of variable length through memory stalls
 * the load that follows it (a tenth of the build). */
static INLINE uint64_t head_of(const char *w, size_t n) {
  const unsigned char *u = (const unsigned char *)w;
  if (n >= 8) return (uint64_t)le32_at(u) | (uint64_t)le32_at(u + 4) << 32;
  /* two loads of 4 that overlap on equal bytes, each shifted where its bytes belong */
  if (n >= 4) return (uint64_t)le32_at(u) | (uint64_t)le32_at(u + n - 4) << (8 * (n - 4));
  if (n == 0) return 0;
  return (uint64_t)u[0] | (uint64_t)u[n >> 1] << (8 * (n >> 1)) | (uint64_t)u[n - 1] << (8 * (n - 1));
}

/* A word's hash, eight bytes at a time (most words are one step), each chunk read as
 * head_of reads a head; and its bytes 8-15 as a zero-padded number in *tail (0 when it has
 * 8 bytes or fewer). */
static uint32_t hash_word(const char *w, size_t n, uint64_t head, uint64_t *tail) {
  uint64_t h = (head ^ n) * 0x9E3779B97F4A7C15ull, chunk;
  size_t i;
  if (n <= 8) {
    *tail = 0;
    return (uint32_t)(h >> 32) | 1u;
  }
  *tail = chunk = head_of(w + 8, n - 8 < 8 ? n - 8 : 8);
  h = (h ^ chunk) * 0x9E3779B97F4A7C15ull;
  for (i = 16; i < n; i += 8) {
    chunk = head_of(w + i, n - i < 8 ? n - i : 8);
    h = (h ^ chunk) * 0x9E3779B97F4A7C15ull;
  }
  return (uint32_t)(h >> 32) | 1u;
}

/* ---- the segment's dictionary ------------------------------------------------------------ */

static int grow_table(stance_segment_builder *b) {
  uint32_t cap = b->cap * 2, i;
  slot *t = calloc(cap, sizeof *t);
  if (t == NULL) return -1;
  for (i = 0; i < b->cap; i++) {
    uint32_t j;
    if (b->tab[i].id == 0) continue;
    j = b->tab[i].hash & (cap - 1);
    while (t[j].id != 0) j = (j + 1) & (cap - 1);
    t[j] = b->tab[i];
  }
  free(b->tab);
  b->tab = t;
  b->cap = cap;
  return 0;
}

/* The entry of word w (hash h, head, tail), made if new; UINT32_MAX when out of memory.
 * A slot whose hash and head are the word's holds it when the word has fewer than 8 bytes;
 * a longer one, when its entry has the word's length and the same bytes past the head (up
 * to 16 bytes compared as the tail, from loads of fixed size: no call). */
static uint32_t lookup(stance_segment_builder *b, const char *w, uint32_t n, uint32_t h, uint64_t head,
                       uint64_t tail) {
  uint32_t i;
  term_entry *e;
  for (i = h & (b->cap - 1); b->tab[i].id != 0; i = (i + 1) & (b->cap - 1)) {
    const slot *sl = &b->tab[i];
    if (sl->hash != h || sl->head != head) continue;
    if (n < 8) return sl->id - 1;
    e = &b->entries[sl->id - 1];
    if (e->word_len == n && (n <= 16 ? head_of(b->words.data + e->word_off + 8, n - 8) == tail
                                      : memcmp(b->words.data + e->word_off + 8, w + 8, n - 8) == 0))
      return sl->id - 1;
  }
  if (b->n == b->entries_cap) {
    uint32_t ncap = b->entries_cap ? b->entries_cap * 2 : 1024;
    term_entry *ne = ncap > UINT32_MAX / 2 ? NULL : realloc(b->entries, ncap * sizeof *ne);
    if (ne == NULL) return UINT32_MAX;
    b->entries = ne;
    b->entries_cap = ncap;
  }
  e = &b->entries[b->n];
  memset(e, 0, sizeof *e);
  e->word_off = (uint32_t)b->words.len;
  e->word_len = n;
  stance_buf_add(&b->words, w, n);
  if (b->words.oom) return UINT32_MAX;
  b->tab[i].head = head;
  b->tab[i].hash = h;
  b->tab[i].id = ++b->n;
  /* grown past 5/8 full (not half: a table of 4 times the words was a tenth of a builder) */
  if ((uint64_t)b->n * 8 > (uint64_t)b->cap * 5 && grow_table(b) != 0) return UINT32_MAX;
  return b->n - 1;
}

/* ---- the current document ----------------------------------------------------------------- */

static int grow_local(stance_segment_builder *b) {
  uint32_t cap = b->lcap * 2, i;
  lslot *t = cap > UINT32_MAX / 2 ? NULL : calloc(cap, sizeof *t);
  if (t == NULL) return -1;
  for (i = 0; i < b->nlw; i++) {
    const local_word *w = &b->lw[i];
    uint32_t j = w->hash & (cap - 1);
    while (t[j].id != 0) j = (j + 1) & (cap - 1);
    t[j].head = w->head;
    t[j].hash = w->hash;
    t[j].id = (i + 1) | (w->len > 8 ? LONG_WORD : 0);
    b->lw[i].slot = j;
  }
  free(b->ltab);
  b->ltab = t;
  b->lcap = cap;
  return 0;
}

/* Room for more local words: their entries and counts (-1 when out of memory). */
static int grow_words(stance_segment_builder *b) {
  uint32_t cap = b->lw_cap ? b->lw_cap * 2 : 512;
  local_word *nl;
  uint32_t *nc;
  if (cap >= LONG_WORD) return -1;
  if ((nl = realloc(b->lw, cap * sizeof *nl)) == NULL) return -1;
  b->lw = nl;
  if ((nc = realloc(b->lcount, cap * sizeof *nc)) == NULL) return -1;
  b->lcount = nc;
  if ((nc = realloc(b->lend, cap * sizeof *nc)) == NULL) return -1;
  b->lend = nc;
  b->lw_cap = cap;
  return 0;
}

/* The bytes of a word of up to 16 bytes from its head and tail, at the end of the
 * document's word bytes (two stores of 8, little-endian as head_of reads them). */
static int put_short(stance_buf *out, uint64_t head, uint64_t tail, uint32_t n) {
  if (out->cap - out->len < 16 && stance_buf_reserve(out, 16) == NULL) return -1;
  stance_put64((uint8_t *)out->data + out->len, head);
  stance_put64((uint8_t *)out->data + out->len + 8, tail);
  out->len += n;
  return 0;
}

/* Count one occurrence (at position `at`) of the word with this head, tail and hash, of n
 * bytes (`bytes`: the word, needed only when it has more than 16 bytes), new to the document
 * or not. -1 when out of memory. A slot holds a word of up to 8 bytes whole (its head); the
 * tails of longer ones are in their local_word. */
static int count_word(stance_segment_builder *b, const char *bytes, uint32_t n, uint64_t head, uint64_t tail,
                      uint32_t h, uint32_t at) {
  uint32_t i, id, tag = n > 8 ? LONG_WORD : 0;
  local_word *w;
  for (i = h & (b->lcap - 1); (id = b->ltab[i].id) != 0; i = (i + 1) & (b->lcap - 1)) {
    const lslot *sl = &b->ltab[i];
    if (sl->hash != h || sl->head != head || (id & LONG_WORD) != tag) continue;
    if (tag == 0) break;
    w = &b->lw[(id & ~LONG_WORD) - 1];
    if (w->len == n && w->tail == tail &&
        (n <= 16 || memcmp(b->lwords.data + w->off + 16, bytes + 16, n - 16) == 0))
      break;
  }
  if (id == 0) {
    if (b->nlw == b->lw_cap && grow_words(b) != 0) return -1;
    w = &b->lw[b->nlw];
    w->head = head;
    w->tail = tail;
    w->hash = h;
    w->len = n;
    w->off = (uint32_t)b->lwords.len;
    w->slot = i;
    b->lcount[b->nlw] = 0;
    if (n <= 16) {
      if (put_short(&b->lwords, head, tail, n) != 0) return -1;
    } else {
      stance_buf_add(&b->lwords, bytes, n);
      if (b->lwords.oom) return -1;
    }
    id = ++b->nlw;
    b->ltab[i].head = head;
    b->ltab[i].hash = h;
    b->ltab[i].id = id | tag;
    if (b->nlw * 2 > b->lcap && grow_local(b) != 0) return -1;
  }
  id &= ~LONG_WORD;
  if (b->ntoks == b->toks_cap) {
    uint32_t cap = b->toks_cap ? b->toks_cap * 2 : 4096;
    uint32_t *nt, *np;
    if (cap <= b->toks_cap) return -1;
    if ((nt = realloc(b->toks, cap * sizeof *nt)) == NULL) return -1;
    b->toks = nt;
    np = realloc(b->tokpos, cap * sizeof *np);
    if (np == NULL) return -1;
    b->tokpos = np;
    b->toks_cap = cap;
  }
  b->toks[b->ntoks] = id - 1;
  b->tokpos[b->ntoks] = at;
  b->ntoks++;
  b->lcount[id - 1]++;
  return 0;
}

/* Count the oldest pending word. */
static int count_pending(stance_segment_builder *b) {
  const pending *p = &b->ring[b->rdone++ % RING];
  return count_word(b, NULL, p->len, p->head, p->tail, p->hash, p->at);
}

/* A word of the document: one of up to 16 bytes waits in the ring while its slot is fetched
 * (and, halfway, the local_word of a longer one its slot names), then is counted; a longer
 * one (rare) is counted at once. A word's positions stay in order, as all its occurrences
 * take the same way. */
static int on_word(void *ud, size_t start, size_t end, const char *folded, size_t n, int broken) {
  stance_segment_builder *b = ud;
  uint32_t h;
  uint64_t head, tail;
  (void)start;
  (void)end;
  if (b->first)
    b->first = 0;
  else
    b->at += broken ? 2 : 1;
  if (n == 0) return 0;
  if (n > UINT32_MAX / 2) goto oom;
  head = head_of(folded, n);
  h = hash_word(folded, n, head, &tail);
  if (n > 16) {
    if (count_word(b, folded, (uint32_t)n, head, tail, h, b->at) != 0) goto oom;
    return 0;
  }
  {
    pending *p = &b->ring[b->rnext++ % RING];
    p->head = head;
    p->tail = tail;
    p->hash = h;
    p->len = (uint32_t)n;
    p->at = b->at;
    PREFETCH(&b->ltab[h & (b->lcap - 1)]);
  }
  if (b->rnext - b->rdone > RING / 2) {
    /* halfway: the slot is near; a longer word's local_word is fetched next */
    const pending *q = &b->ring[(b->rnext - RING / 2 - 1) % RING];
    if (q->len > 8) {
      const lslot *sl = &b->ltab[q->hash & (b->lcap - 1)];
      if (sl->id != 0) PREFETCH(&b->lw[(sl->id & ~LONG_WORD) - 1]);
    }
  }
  if (b->rnext - b->rdone == RING && count_pending(b) != 0) goto oom;
  return 0;
oom:
  b->oom = 1;
  return 1;
}

/* The bytes of v as a varint. */
static INLINE size_t varint_len(uint64_t v) {
#if defined(__GNUC__)
  return (size_t)(63 - __builtin_clzll(v | 1)) / 7 + 1;
#else
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
#endif
}

/* `size` bytes from the current block (a new one when it is full); NULL when out of memory. */
static uint8_t *post_alloc(stance_segment_builder *b, size_t size) {
  post_block *blk = b->blocks;
  uint8_t *p;
  if (blk == NULL || blk->cap - blk->used < size) {
    size_t cap = size > POST_BLOCK ? size : POST_BLOCK;
    if (cap == POST_BLOCK && b->spare != NULL) {
      blk = b->spare;
      b->spare = blk->next;
    } else if ((blk = block_new(cap)) == NULL) {
      return NULL;
    }
    blk->next = b->blocks;
    blk->used = 0;
    b->blocks = blk;
    b->post_bytes += cap;
  }
  p = blk->data + blk->used;
  blk->used += (size + 7) & ~(size_t)7;
  if (blk->used > blk->cap) blk->used = blk->cap;
  return p;
}

/* Room for `more` bytes at the end of e's last slice; its position, or NULL. */
static uint8_t *reserve_post(stance_segment_builder *b, term_entry *e, uint64_t more) {
  slice *t = e->tail;
  if (t == NULL || t->cap - t->len < more) {
    uint64_t cap = t == NULL ? SLICE_MIN : (t->cap + t->cap / 2 < SLICE_MAX ? t->cap + t->cap / 2 : SLICE_MAX);
    slice *n;
    if (cap < more) cap = more;
    if (cap > UINT32_MAX / 2 || (uint64_t)e->post_len + more > UINT32_MAX / 2) return NULL;
    if ((n = (slice *)(void *)post_alloc(b, sizeof *n + (size_t)cap)) == NULL) return NULL;
    n->next = NULL;
    n->len = 0;
    n->cap = (uint32_t)cap;
    if (t == NULL)
      e->head = n;
    else
      t->next = n;
    e->tail = t = n;
  }
  return t->data + t->len;
}

/* Write the document's postings: positions grouped by word (counting sort), then each
 * distinct word looked up once in the segment's dictionary. */
static int flush_doc(stance_segment_builder *b) {
  uint32_t t, off = 0;
  while (b->rdone != b->rnext)
    if (count_pending(b) != 0) return -1;
  if (b->ntoks > b->pos_cap) {
    uint32_t *np = realloc(b->pos, b->ntoks * sizeof *np);
    if (np == NULL) return -1;
    b->pos = np;
    b->pos_cap = b->ntoks;
  }
  /* each word's positions end where the next word's start (its cursor, then its end) */
  for (t = 0; t < b->nlw; t++) {
    b->lend[t] = off;
    off += b->lcount[t];
  }
  for (t = 0; t < b->ntoks; t++) b->pos[b->lend[b->toks[t]]++] = b->tokpos[t];
  /* the dictionary's slots for all the document's words, fetched ahead of use; and for a
   * word of 8 bytes or more, once its slot is near, its entry, then its bytes (compared
   * with the word's: a word the slot does not tell apart) */
  for (t = 0; t < b->nlw; t++) {
    local_word *w = &b->lw[t];
    const char *word = b->lwords.data + w->off;
    if (t + 2 * AHEAD < b->nlw) {
      const slot *sl = &b->tab[b->lw[t + 2 * AHEAD].hash & (b->cap - 1)];
      PREFETCH(sl);
    }
    if (t + AHEAD < b->nlw && b->lw[t + AHEAD].len >= 8) {
      const slot *sl = &b->tab[b->lw[t + AHEAD].hash & (b->cap - 1)];
      if (sl->id != 0) PREFETCH(&b->entries[sl->id - 1]);
    }
    if (t + AHEAD / 2 < b->nlw && b->lw[t + AHEAD / 2].len > 8) {
      const slot *sl = &b->tab[b->lw[t + AHEAD / 2].hash & (b->cap - 1)];
      if (sl->id != 0) PREFETCH(b->words.data + b->entries[sl->id - 1].word_off + 8);
    }
    w->id = lookup(b, word, w->len, w->hash, w->head, w->tail);
    if (w->id == UINT32_MAX) return -1;
  }
  for (t = 0; t < b->nlw; t++) {
    local_word *w = &b->lw[t];
    uint32_t k, count = b->lcount[t];
    uint32_t *p = b->pos + (b->lend[t] - count);
    term_entry *e;
    uint64_t delta, head;
    uint8_t *out;
    size_t n, need;
    if (t + 2 * AHEAD < b->nlw) {
      const term_entry *ahead = &b->entries[b->lw[t + 2 * AHEAD].id];
      PREFETCH(ahead);
      PREFETCH((const char *)(ahead + 1) - 1); /* an entry may span two lines */
    }
    /* and, once its entry is near, the slice its postings go on (its length is read), then
     * where they go in it */
    if (t + AHEAD < b->nlw) {
      const slice *tail = b->entries[b->lw[t + AHEAD].id].tail;
      if (tail != NULL) PREFETCH(tail);
    }
    if (t + AHEAD / 2 < b->nlw) {
      const slice *tail = b->entries[b->lw[t + AHEAD / 2].id].tail;
      if (tail != NULL) PREFETCH(tail->data + tail->len);
    }
    e = &b->entries[w->id];
    delta = (uint64_t)(b->local + 1 - e->last_doc);
    head = delta << 2 | (count < 4 ? count - 1 : 3);
    /* the entry's exact size: a slice holds what is written, not a worst case (which left
     * two thirds of the postings' memory empty, and so cut segments three times as often) */
    need = varint_len(head) + (count >= 4 ? varint_len(count - 4) : 0) + varint_len(p[0]);
    for (k = 1; k < count; k++) need += varint_len(p[k] - p[k - 1]);
    if ((out = reserve_post(b, e, need)) == NULL) return -1;
    n = stance_varint_put(out, head);
    if (count >= 4) n += stance_varint_put(out + n, count - 4);
    e->docs_len += (uint32_t)n;
    n += stance_varint_put(out + n, p[0]);
    for (k = 1; k < count; k++) n += stance_varint_put(out + n, p[k] - p[k - 1]);
    e->tail->len += (uint32_t)n;
    e->post_len += (uint32_t)n;
    e->last_doc = b->local + 1;
    e->freq += count;
  }
  /* empty the document's table for the next one, slot by slot (each word knows its own:
   * stores that wait for nothing, where a memset would write a large document's whole
   * table) */
  for (t = 0; t < b->nlw; t++) b->ltab[b->lw[t].slot].id = 0;
  b->nlw = 0;
  b->ntoks = 0;
  b->lwords.len = 0;
  return 0;
}

long stance_builder_add(stance_segment_builder *b, uint32_t doc, const char *text, size_t len) {
  long words;
  if (b->tab == NULL) return -1; /* out of memory when the last segment was finished */
  if (b->ndocs == b->docs_cap) {
    uint32_t cap = b->docs_cap ? b->docs_cap * 2 : 64;
    uint32_t *d = realloc(b->docs, cap * sizeof *d);
    if (d == NULL) return -1;
    b->docs = d;
    b->docs_cap = cap;
  }
  b->local = b->ndocs;
  b->docs[b->ndocs++] = doc;
  b->at = 0;
  b->first = 1;
  b->rnext = b->rdone = 0;
  words = stance_tokenize(text, len, on_word, b);
  if (words < 0 || b->oom || flush_doc(b) != 0) return -1;
  return words;
}

/* ---- the finished segment -------------------------------------------------------------------- */

typedef struct word_ref {
  uint64_t key;                 /* the first 8 bytes, big-endian: their order is memcmp's */
  const char *w;
  uint32_t n;
  term_entry *e;
} word_ref;

static uint64_t sort_key(const char *w, uint32_t n) { return stance_word_key(w, n); }

static int cmp_refs(const void *pa, const void *pb) {
  const word_ref *a = pa, *b = pb;
  int c = memcmp(a->w, b->w, a->n < b->n ? a->n : b->n);
  if (c != 0) return c;
  return (a->n > b->n) - (a->n < b->n);
}

/* Words in memcmp order: a radix sort on the keys (words have no NUL byte, so a key padded
 * with zeros sorts a short word before its extensions), then words sharing a key (longer
 * than 8 bytes) by the rest. -1 when out of memory. */
static int sort_refs(word_ref *refs, uint32_t n) {
  word_ref *tmp = malloc(((size_t)n + 1) * sizeof *tmp), *from = refs, *to = tmp;
  uint32_t i, shift;
  if (tmp == NULL) return -1;
  for (shift = 0; shift < 64; shift += 8) {
    uint32_t count[257];
    int same = 1;
    memset(count, 0, sizeof count);
    for (i = 0; i < n; i++) count[((from[i].key >> shift) & 0xFF) + 1]++;
    for (i = 0; i < 256 && same; i++) same = count[i + 1] == n || count[i + 1] == 0;
    if (same) continue; /* every key has the same byte here */
    for (i = 0; i < 256; i++) count[i + 1] += count[i];
    for (i = 0; i < n; i++) to[count[(from[i].key >> shift) & 0xFF]++] = from[i];
    {
      word_ref *t = from;
      from = to;
      to = t;
    }
  }
  if (from != refs) memcpy(refs, from, (size_t)n * sizeof *refs);
  free(tmp);
  for (i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && refs[j].key == refs[i].key) j++;
    if (j - i > 1) qsort(refs + i, j - i, sizeof *refs, cmp_refs);
    i = j;
  }
  return 0;
}


/* A word's postings as saved, at `out`: varint(length of the documents' part), the
 * documents' headers, then their positions (each document's entry, written whole into one
 * slice, is its header, 1 or 2 varints, then as many varints as its count says). The bytes
 * written. */
static size_t split_postings(const term_entry *e, uint8_t *out) {
  size_t vl = stance_varint_put(out, e->docs_len);
  uint8_t *docs = out + vl, *pos = docs + e->docs_len;
  const slice *sl;
  /* copied byte by byte as they are read (most entries are a few bytes: no call per part),
   * the positions of a long list by whole words */
  for (sl = e->head; sl != NULL; sl = sl->next) {
    const uint8_t *p = sl->data, *end = sl->data + sl->len;
    if (sl->next != NULL) PREFETCH(sl->next); /* the chain's next slice, while this one is read */
    while (p < end) {
      uint64_t v = 0, more = 0, n;
      unsigned shift = 0;
      uint8_t c;
      do {
        c = *p++;
        *docs++ = c;
        v |= (uint64_t)(c & 0x7F) << shift;
        shift += 7;
      } while ((c & 0x80) && p < end && shift < 64);
      if ((v & 3) == 3) {
        shift = 0;
        do {
          c = *p++;
          *docs++ = c;
          more |= (uint64_t)(c & 0x7F) << shift;
          shift += 7;
        } while ((c & 0x80) && p < end && shift < 64);
      }
      n = (v & 3) + 1 + more;
      if (n <= 16) {
        while (n > 0 && p < end) {
          c = *p++;
          *pos++ = c;
          n -= !(c & 0x80);
        }
      } else {
        /* written above, whole: never broken (the end is only a guard) */
        const uint8_t *q = stance_varint_skip(p, end, n);
        if (q == NULL) q = end;
        memcpy(pos, p, (size_t)(q - p));
        pos += q - p;
        p = q;
      }
    }
  }
  return vl + e->post_len;
}

size_t stance_builder_memory(const stance_segment_builder *b) {
  size_t m = sizeof *b + (size_t)b->entries_cap * sizeof *b->entries + (size_t)b->cap * sizeof *b->tab +
             b->words.cap + (size_t)b->docs_cap * 4;
  return m + b->post_bytes;
}

/* The segment's tables in word order (its postings too, when `postings`; else none, and
 * b->refs keeps the order for stance__builder_postings); NULL when out of memory. */
static stance_segment *make_tables(stance_segment_builder *b, int postings) {
  stance_segment *seg;
  word_ref *refs;
  uint32_t i, w = 0;
  size_t words_len = 0, post_len = 0;
  uint64_t p = 0;
  free(b->refs); /* a stream that failed: made again */
  b->refs = NULL;
  b->nrefs = 0;
  if ((refs = malloc(((size_t)b->n + 1) * sizeof *refs)) == NULL) return NULL;
  for (i = 0; i < b->n; i++) {
    term_entry *e = &b->entries[i];
    refs[i].w = b->words.data + e->word_off;
    refs[i].n = e->word_len;
    refs[i].e = e;
    refs[i].key = sort_key(refs[i].w, refs[i].n);
    words_len += e->word_len;
    post_len += e->post_len + varint_len(e->docs_len);
  }
  /* the dictionary's table is not read again: a large one goes before the segment's
   * tables are made (what a thread holds at most is the builder and those tables) */
  if (b->cap > TAB_KEEP) {
    free(b->tab);
    b->tab = NULL;
  }
  if (sort_refs(refs, b->n) != 0) {
    free(refs);
    return NULL;
  }
  seg = stance__segment_alloc(b->ndocs, b->n, words_len, postings ? post_len : 0);
  if (seg == NULL) {
    free(refs);
    return NULL;
  }
  memcpy(seg->docs, b->docs, (size_t)b->ndocs * 4);
  for (i = 0; i < b->n; i++) {
    /* in word order the entries, their first slices and their words are anywhere in the
     * builder's memory (half of the finish waited on them): fetched ahead, the entry
     * first, then, once it is near, what it points to */
    if (i + 2 * AHEAD < b->n) PREFETCH(refs[i + 2 * AHEAD].e);
    if (i + AHEAD < b->n) {
      if (postings) PREFETCH(refs[i + AHEAD].e->head);
      PREFETCH(refs[i + AHEAD].w);
    }
    stance_put32(STANCE__W(seg->term_off) + (size_t)i * 4, w);
    memcpy(STANCE__W(seg->terms) + w, refs[i].w, refs[i].n);
    w += refs[i].n;
    stance_put64(STANCE__W(seg->post_off) + (size_t)i * 8, p);
    p += postings ? split_postings(refs[i].e, STANCE__W(seg->postings) + p)
                  : varint_len(refs[i].e->docs_len) + refs[i].e->post_len;
    stance_put32(STANCE__W(seg->freq) + (size_t)i * 4, refs[i].e->freq);
  }
  stance_put32(STANCE__W(seg->term_off) + (size_t)b->n * 4, w);
  stance_put64(STANCE__W(seg->post_off) + (size_t)b->n * 8, p);
  stance__segment_keys(seg);
  if (postings) {
    free(refs);
    builder_clear(b);
  } else {
    seg->post_len = post_len;
    b->refs = refs;
    b->nrefs = b->n;
  }
  return seg;
}

stance_segment *stance_builder_finish(stance_segment_builder *b) { return make_tables(b, 1); }

stance_segment *stance__builder_tables(stance_segment_builder *b) { return make_tables(b, 0); }

size_t stance__builder_postings(stance_segment_builder *b, uint32_t k, uint8_t *out) {
  const word_ref *refs = b->refs;
  /* the entries and their first slices, in word order, are anywhere: fetched ahead */
  if (k + 2 * AHEAD < b->nrefs) PREFETCH(refs[k + 2 * AHEAD].e);
  if (k + AHEAD < b->nrefs) PREFETCH(refs[k + AHEAD].e->head);
  return split_postings(refs[k].e, out);
}

void stance__builder_streamed(stance_segment_builder *b) {
  free(b->refs);
  b->refs = NULL;
  b->nrefs = 0;
  builder_clear(b);
}
