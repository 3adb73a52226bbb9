/*
 * index.c - segments (checked access to their tables), merging them, and the index of a
 * corpus (see index.h).
 */
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <sys/mman.h>
#endif

#include <uv.h>

#include "index.h"

/* ---- segments ------------------------------------------------------------------------- */

stance_segment *stance_segment_ref(stance_segment *seg) {
  STANCE_REF_INC(seg->refs);
  return seg;
}

void stance_mapped_unref(stance_mapped *m) {
  if (m == NULL || STANCE_REF_DEC(m->refs) > 0) return;
#if !defined(_WIN32)
  if (m->mmapped)
    munmap((void *)(uintptr_t)m->data, m->size);
  else
#endif
    free((void *)(uintptr_t)m->data);
  free(m->verified);
  free(m);
}

/* A built segment's tables of SEG_MAPPED bytes or more come straight from the system, and
 * go back to it when let go: malloc kept a freed block of tens of MB in its arena for the
 * next one, which, a little larger, took new pages (a save's merges held one more output
 * each). */
#define SEG_MAPPED ((size_t)1 << 20)

static void *seg_block_alloc(size_t size) {
#if !defined(_WIN32) && defined(MAP_ANONYMOUS)
  if (size >= SEG_MAPPED) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
  }
#endif
  return malloc(size ? size : 1);
}

static void seg_block_free(void *block, size_t size) {
  if (block == NULL) return;
#if !defined(_WIN32) && defined(MAP_ANONYMOUS)
  if (size >= SEG_MAPPED) {
    munmap(block, size);
    return;
  }
#endif
  (void)size;
  free(block);
}

void stance__segment_free_block(stance_segment *seg) {
  seg_block_free(seg->block, seg->block_size);
  seg->block = NULL;
  seg->block_size = 0;
}

void stance_segment_unref(stance_segment *seg) {
  if (seg == NULL || STANCE_REF_DEC(seg->refs) > 0) return;
  stance__segment_free_block(seg);
  free(seg->docs);
  stance_mapped_unref(seg->file);
  free(seg);
}

size_t stance_segment_memory(const stance_segment *seg) {
  return sizeof *seg + seg->block_size + (size_t)seg->ndocs * 4 +
         (seg->file ? (size_t)seg->file->npages : 0);
}

/* Bytes of the segment's tables that are about to be read: checked against the file's
 * page checksums when the segment was loaded (nothing to check when it was built). */
static int readable(const stance_segment *seg, const void *p, size_t len) {
  if (seg->file == NULL) return 0;
  return stance_mapped_check(seg->file, p, len);
}

int stance_segment_word(const stance_segment *seg, uint32_t t, const char **word, uint32_t *len) {
  const uint8_t *at;
  uint32_t a, b;
  if (t >= seg->nterms) return -1;
  at = seg->term_off + (size_t)t * 4;
  if (readable(seg, at, 8) != 0) return -1;
  a = stance_get32(at);
  b = stance_get32(at + 4);
  if (a > b || b > seg->terms_len) return -1;
  if (readable(seg, seg->terms + a, b - a) != 0) return -1;
  *word = seg->terms + a;
  *len = b - a;
  return 0;
}

/* Entry t's postings [*a, *b) and number of occurrences, checked (never more occurrences
 * than bytes: every occurrence takes a byte at least, a count beyond them is a lie), its
 * postings not read. 0, or -1 when the segment is damaged. */
static int post_range(const stance_segment *seg, uint32_t t, uint64_t *a, uint64_t *b, uint32_t *freq) {
  const uint8_t *at;
  if (t >= seg->nterms) return -1;
  at = seg->post_off + (size_t)t * 8;
  if (readable(seg, at, 16) != 0 || readable(seg, seg->freq + (size_t)t * 4, 4) != 0) return -1;
  *a = stance_get64(at);
  *b = stance_get64(at + 8);
  *freq = stance_get32(seg->freq + (size_t)t * 4);
  return *a > *b || *b > seg->post_len || *freq > *b - *a ? -1 : 0;
}

int stance_segment_freq(const stance_segment *seg, uint32_t t, uint32_t *freq) {
  uint64_t a, b;
  return post_range(seg, t, &a, &b, freq);
}

int stance_segment_readable(const stance_segment *seg, const void *p, size_t len) { return readable(seg, p, len); }

int stance_segment_postings(const stance_segment *seg, uint32_t t, const uint8_t **docs,
                            const uint8_t **docs_end, const uint8_t **pos,
                            const uint8_t **pos_end, uint32_t *freq) {
  uint64_t a, b, n;
  uint32_t f;
  const uint8_t *p, *end, *d;
  if (post_range(seg, t, &a, &b, &f) != 0) return -1;
  /* varint(length of the documents) | documents | positions */
  p = seg->postings + a;
  end = seg->postings + b;
  if (readable(seg, p, (size_t)(b - a < 10 ? b - a : 10)) != 0 || (d = stance_varint_get(p, end, &n)) == NULL ||
      n > (uint64_t)(end - d) || f > (uint64_t)(end - d) - n || readable(seg, d, (size_t)n) != 0)
    return -1;
  *docs = d;
  *docs_end = d + n;
  *pos = d + n;
  *pos_end = end;
  *freq = f;
  return 0;
}

/* memcmp order of entry i against w; *bad on a damaged entry. */
static int cmp_word(const stance_segment *seg, uint32_t i, const char *w, size_t len, int *bad) {
  const char *s;
  uint32_t n;
  int c;
  if (stance_segment_word(seg, i, &s, &n) != 0) {
    *bad = 1;
    return 0;
  }
  c = memcmp(s, w, n < len ? n : len);
  if (c != 0) return c;
  return (n > len) - (n < len);
}

/* The range of entries [*lo, *hi) that can hold words with `key`: from the last block whose
 * first key is below it to the first whose first key is above it (equal keys may span
 * blocks). Key tables are only hints: a wrong one (crafted)
 * gives a wrong range, never a read out of bounds. */
static void key_range(const stance_segment *seg, uint64_t key, uint32_t *lo_out, uint32_t *hi_out) {
  uint64_t nkeys = STANCE_NKEYS(seg->nterms);
  uint32_t lo = 0, hi = (uint32_t)nkeys, a, b;
  if (seg->keys == NULL || nkeys < 2 || readable(seg, seg->keys, (size_t)nkeys * 8) != 0) {
    *lo_out = 0;
    *hi_out = seg->nterms;
    return;
  }
  /* a: the first block whose key is >= key */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (stance_get64be(seg->keys + (size_t)mid * 8) < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  a = lo;
  /* b: the first block whose key is > key */
  hi = (uint32_t)nkeys;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (stance_get64be(seg->keys + (size_t)mid * 8) <= key)
      lo = mid + 1;
    else
      hi = mid;
  }
  b = lo;
  *lo_out = a > 0 ? (a - 1) * STANCE_KEY_EVERY : 0;
  *hi_out = (uint64_t)b * STANCE_KEY_EVERY < seg->nterms ? b * STANCE_KEY_EVERY : seg->nterms;
}

int64_t stance_segment_find(const stance_segment *seg, const char *word, size_t len) {
  uint32_t lo, hi;
  int bad = 0;
  key_range(seg, stance_word_key(word, len), &lo, &hi);
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = cmp_word(seg, mid, word, len, &bad);
    if (bad) return STANCE_INDEX_DAMAGED;
    if (c == 0) return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

int stance_segment_prefix(const stance_segment *seg, const char *prefix, size_t len,
                          uint32_t *lo_out, uint32_t *hi_out) {
  uint64_t kmin = stance_word_key(prefix, len), kmax = kmin;
  uint32_t lo, hi, start, unused;
  size_t i;
  int bad = 0;
  /* the words starting with prefix have keys from the prefix padded with zeros to the
   * prefix padded with 0xFF bytes */
  for (i = len; i < 8; i++) kmax |= (uint64_t)0xFF << (8 * (7 - i));
  key_range(seg, kmin, &lo, &unused);
  key_range(seg, kmax, &unused, &hi);
  if (hi < lo) hi = lo;
  /* first entry >= prefix */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = cmp_word(seg, mid, prefix, len, &bad);
    if (bad) return -1;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  start = lo;
  /* first entry that does not start with prefix */
  key_range(seg, kmax, &unused, &hi);
  if (hi < lo) hi = lo;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const char *s;
    uint32_t n;
    if (stance_segment_word(seg, mid, &s, &n) != 0) return -1;
    if (n >= len && memcmp(s, prefix, len) == 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *lo_out = start;
  *hi_out = lo;
  return 0;
}

void stance__segment_keys(stance_segment *seg) {
  uint32_t b;
  for (b = 0; (uint64_t)b * STANCE_KEY_EVERY < seg->nterms; b++) {
    uint32_t t = b * STANCE_KEY_EVERY, a = stance_get32(seg->term_off + (size_t)t * 4),
             e = stance_get32(seg->term_off + (size_t)t * 4 + 4);
    uint64_t k = stance_word_key(seg->terms + a, e - a), i;
    uint8_t *out = STANCE__W(seg->keys) + (size_t)b * 8;
    for (i = 0; i < 8; i++) out[i] = (uint8_t)(k >> (8 * (7 - i)));
  }
}

/* A built segment's tables in one block: term_off | freq | post_off (8-aligned) | terms |
 * postings; its documents apart (native, as the index renumbers them). */
stance_segment *stance__segment_alloc(uint32_t ndocs, uint32_t nterms, size_t words_len,
                                      size_t post_len) {
  stance_segment *seg = calloc(1, sizeof *seg);
  size_t size, off;
  uint8_t *block;
  if (seg == NULL) return NULL;
  if ((uint64_t)nterms + 1 > SIZE_MAX / 16 || words_len > SIZE_MAX / 2 || post_len > SIZE_MAX / 4) {
    free(seg);
    return NULL;
  }
  size = ((size_t)nterms + 1) * 4 + (size_t)nterms * 4;
  size = (size + 7) & ~(size_t)7;
  off = size;
  size += ((size_t)nterms + 1) * 8 + (size_t)STANCE_NKEYS(nterms) * 8;
  if (size > SIZE_MAX - words_len - post_len - 1) {
    free(seg);
    return NULL;
  }
  size += words_len + post_len;
  block = seg_block_alloc(size);
  seg->docs = malloc(((size_t)ndocs + 1) * sizeof *seg->docs);
  if (block == NULL || seg->docs == NULL) {
    seg_block_free(block, size);
    free(seg->docs);
    free(seg);
    return NULL;
  }
  seg->refs = 1;
  seg->block = block;
  seg->block_size = size;
  seg->ndocs = ndocs;
  seg->nterms = nterms;
  seg->term_off = block;
  seg->freq = block + ((size_t)nterms + 1) * 4;
  seg->post_off = block + off;
  seg->keys = block + off + ((size_t)nterms + 1) * 8;
  seg->terms = (const char *)(seg->keys + (size_t)STANCE_NKEYS(nterms) * 8);
  seg->terms_len = words_len;
  seg->postings = (const uint8_t *)seg->terms + words_len;
  seg->post_len = post_len;
  return seg;
}

/* ---- merging segments ------------------------------------------------------------------------ */

typedef struct merge_in {
  const stance_segment *seg;
  uint32_t at;                  /* next dictionary entry */
  const char *w;                /* its word */
  uint32_t wn;
  uint32_t *remap;              /* local -> new local, UINT32_MAX when dropped */
  uint32_t base;                /* when `shifted`: every local d is base + d */
  int shifted;                  /* every document kept, in order (see merge_shifted) */
  uint32_t *last;               /* when `shifted`, per entry: its last document's local + 1,
                                   0 when taken document by document (the sizing pass's walk) */
  size_t released;              /* its file's pages given back up to there (see merge_release) */
  uint32_t start, end;          /* the entries of this part of the merge (see merge_part) */
  uint64_t from;                /* where the postings of `start` begin */
  int whole;                    /* the only part: its file given back whole at the end */
} merge_in;

/* Load input i's next word; 0, or -1 when its entry is damaged. */
static int merge_next(merge_in *in) {
  if (in->at >= in->end) {
    in->w = NULL;
    return 0;
  }
  return stance_segment_word(in->seg, in->at, &in->w, &in->wn);
}

/* Give back the pages of an input's file that the merge has gone past, 256 KiB at a time
 * (what each input of each part of a merge holds at most: a merge of 8 inputs on two
 * threads held 16 MB more a megabyte at a time): each pass reads the postings once, in
 * order (the page cache keeps them), so that a merge holds its output and not its inputs
 * as well; and once the pass is past its last word, all of them, its dictionary too (a
 * save merges group after group: the dictionaries of the groups done would stay
 * otherwise). Pages read again later come back from the page cache. */
static void merge_release(merge_in *in) {
#if !defined(_WIN32) && defined(MADV_DONTNEED)
  const stance_mapped *m = in->seg->file;
  size_t start, upto;
  if (m == NULL || !m->mmapped) return;
  if (in->at >= in->end) {
    if (in->whole) madvise((void *)(uintptr_t)m->data, m->size, MADV_DONTNEED);
    return;
  }
  /* from the first whole page of this part's postings: the page it shares with the part
   * before is that part's to read */
  start = ((size_t)(in->seg->postings - m->data) + (size_t)in->from + 4095) & ~(size_t)4095;
  if (in->released < start) in->released = start;
  {
    uint64_t off = stance_get64(in->seg->post_off + (size_t)in->at * 8); /* read (checked) for that word */
    if (off > in->seg->post_len) return;
    upto = (size_t)(in->seg->postings - m->data) + (size_t)off;
  }
  upto &= ~(size_t)4095;
  if (upto < in->released + ((size_t)1 << 18)) return;
  madvise((void *)(uintptr_t)(m->data + in->released), upto - in->released, MADV_DONTNEED);
  in->released = upto;
#else
  (void)in;
#endif
}

/* Every input's file given back whole (a merge in parts, once all of them are past it). */
static void merge_release_all(const merge_in *in, uint32_t n) {
#if !defined(_WIN32) && defined(MADV_DONTNEED)
  uint32_t i;
  for (i = 0; i < n; i++) {
    const stance_mapped *m = in[i].seg->file;
    if (m != NULL && m->mmapped) madvise((void *)(uintptr_t)m->data, m->size, MADV_DONTNEED);
  }
#else
  (void)in;
  (void)n;
#endif
}

static int word_cmp(const char *a, uint32_t an, const char *b, uint32_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c != 0 ? c : (an > bn) - (an < bn);
}

/* Where a merge pass writes a word's postings (NULL while sizing): its documents' part,
 * of dlen bytes, and its positions, up to `pos_end`. */
typedef struct merge_out {
  uint8_t *docs, *pos;
  const uint8_t *pos_end;
  uint64_t dlen;
} merge_out;

/* A merge's writing pass tells of the postings it wrote (stance_merge_to.written) once it
 * has written this many more. */
#define MERGE_TELL ((uint64_t)1 << 20)

/* What a merge pass has of the word so far. */
typedef struct merge_word {
  uint64_t last;                /* new local + 1 of its last document */
  uint64_t dl, pos_len;         /* bytes of its documents' part and positions */
  uint64_t f;                   /* its occurrences */
} merge_word;

/* A word's postings from an input that keeps every document, numbered from its base on
 * (the segments a rebuild made, merged at its save): only the first document's number
 * changes (it counts from the previous input's last one); the other documents' bytes, and
 * all their positions, are copied as they are. The sizing pass walks the documents all the
 * same, for the last one's number (kept for the writing pass), checked as
 * stance_postings_doc checks them. 0; 1 when the documents are not what a segment we made
 * holds (numbers not ascending or past the segment's documents, counts past the bytes of
 * the positions or other than the dictionary's: the caller takes them one by one, so that
 * what is written is the same either way); -1 when damaged. */
static int merge_shifted(const merge_in *in, uint32_t t, merge_out *o, merge_word *mw) {
  const uint8_t *p, *end, *pp, *pend, *rest;
  uint64_t cur = 0, first, nv;
  uint32_t freq;
  uint8_t h[10];
  size_t hn, nrest, plen;
  if (stance_segment_postings(in->seg, t, &p, &end, &pp, &pend, &freq) != 0) return -1;
  if (p == end) return 0; /* no document */
  if ((rest = stance_varint_get(p, end, &first)) == NULL) return -1;
  if (o->docs == NULL) {
    uint64_t budget = (uint64_t)(pend - pp), v, sum = 0;
    in->last[t] = 0;
    while (p < end) {
      uint64_t c;
      if ((p = stance_varint_get(p, end, &v)) == NULL) return -1;
      if (v >> 2 == 0 || v >> 2 > in->seg->ndocs - cur) return 1;
      cur += v >> 2;
      c = (v & 3) + 1;
      if (c == 4) {
        uint64_t more;
        if ((p = stance_varint_get(p, end, &more)) == NULL) return -1;
        if (more > budget) return 1;
        c += more;
      }
      if (c > budget) return 1;
      budget -= c;
      sum += c;
    }
    if (sum != freq) return 1; /* the occurrences the dictionary says, as written */
    in->last[t] = (uint32_t)cur;
  } else {
    if (in->last[t] == 0) return 1;
    cur = in->last[t];
  }
  if ((uint64_t)in->base + (first >> 2) <= mw->last) return 1;
  nv = ((uint64_t)in->base + (first >> 2) - mw->last) << 2 | (first & 3);
  hn = stance_varint_put(h, nv);
  nrest = (size_t)(end - rest);
  plen = (size_t)(pend - pp);
  if (o->docs != NULL) {
    /* the sizes of the first pass bound what is written: checked all the same */
    if (mw->dl + hn + nrest > o->dlen || plen > (size_t)(o->pos_end - (o->pos + mw->pos_len)) ||
        stance_segment_readable(in->seg, pp, plen) != 0)
      return -1;
    memcpy(o->docs + mw->dl, h, hn);
    memcpy(o->docs + mw->dl + hn, rest, nrest);
    memcpy(o->pos + mw->pos_len, pp, plen);
  }
  mw->dl += hn + nrest;
  mw->pos_len += plen;
  mw->last = (uint64_t)in->base + cur;
  mw->f += freq;
  return 0;
}

/* A word's postings from an input, document by document: those dropped left out, the
 * others renumbered (their headers written again), their positions copied unread. 0, or -1
 * when damaged. */
static int merge_docs(const merge_in *in, uint32_t t, merge_out *o, merge_word *mw) {
  stance_postings it;
  uint32_t local, count, nl;
  if (stance_postings_init(&it, in->seg, t, NULL) != 0) return -1;
  while (stance_postings_doc(&it, &local, &count)) {
    const uint8_t *from;
    size_t len;
    uint8_t h[20];
    size_t hn;
    if (local >= in->seg->ndocs || (nl = in->remap[local]) == UINT32_MAX) continue;
    if (nl + 1 <= mw->last) continue; /* out of order: not from a segment we made */
    if (stance_postings_raw(&it, &from, &len) != 0) break;
    hn = stance_varint_put(h, (uint64_t)(nl + 1 - mw->last) << 2 | (count < 4 ? count - 1 : 3));
    if (count >= 4) hn += stance_varint_put(h + hn, count - 4);
    if (o->docs != NULL) {
      /* the sizes of the first pass bound what is written: checked all the same */
      if (mw->dl + hn > o->dlen || len > (size_t)(o->pos_end - (o->pos + mw->pos_len))) return -1;
      memcpy(o->docs + mw->dl, h, hn);
      memcpy(o->pos + mw->pos_len, from, len); /* positions do not change */
    }
    mw->dl += hn;
    mw->pos_len += len;
    mw->last = nl + 1;
    mw->f += count;
  }
  return it.broken ? -1 : 0;
}

/* One part of a merge: the words of its inputs' entries [start, end), written from output
 * word k0 (at byte wl0 of the words, pl0 of the postings) on. A merge on several threads
 * splits the inputs' dictionaries into parts at the same words, so that every word is in
 * one part, and the parts are written side by side into the one new segment (its tables
 * are the same as one thread's: see stance_segments_merge). */
typedef struct merge_part {
  merge_in *in;                 /* n inputs, each with its own cursor */
  uint32_t n;
  uint32_t *dlen;               /* per word of the part: its documents' part (room: the
                                   entries of the inputs in the part) */
  uint64_t room;
  stance_segment *out;          /* NULL while sizing */
  const stance_merge_to *to;    /* told of the postings written (writing), or NULL */
  uint32_t k0, k_end;           /* writing: the part's words in the output */
  uint64_t wl0, wl_end, pl0, pl_end;
  uint32_t nterms;              /* sizing: its words, their bytes, their postings' bytes */
  uint64_t words_len, post_len;
  int rc;                       /* 0, or -1 when an input is damaged */
} merge_part;

/* One pass of a merge over every word of a part's inputs: sizing (out NULL: the number of
 * words, their bytes, their postings' bytes and each one's documents' part in dlen[]), or
 * writing into `out`, sized by the first pass. A word's documents get their new numbers;
 * their positions are copied unread (merge_shifted, merge_docs). 0, or -1 when an input is
 * damaged. */
static int merge_pass(merge_part *mp) {
  merge_in *in = mp->in;
  stance_segment *out = mp->out;
  uint32_t i, n = mp->n, k = 0;
  uint64_t wl = out != NULL ? mp->wl0 : 0, pl = out != NULL ? mp->pl0 : 0, told = pl;
  void (*written)(void *, stance_segment *, uint64_t, uint64_t) =
      out != NULL && mp->to != NULL ? mp->to->written : NULL;
  for (i = 0; i < n; i++) {
    in[i].at = in[i].start;
    in[i].released = 0;
    if (merge_next(&in[i]) != 0) return -1;
  }
  for (;;) {
    /* the smallest word among the inputs' next entries */
    const char *w = NULL;
    uint32_t wn = 0;
    merge_out o;
    merge_word mw;
    memset(&o, 0, sizeof o);
    memset(&mw, 0, sizeof mw);
    for (i = 0; i < n; i++)
      if (in[i].w != NULL && (w == NULL || word_cmp(in[i].w, in[i].wn, w, wn) < 0)) {
        w = in[i].w;
        wn = in[i].wn;
      }
    if (w == NULL) break;
    if (out != NULL && k < mp->k_end - mp->k0 && mp->dlen[k] > 0) {
      uint8_t v[10];
      size_t vn = stance_varint_put(v, mp->dlen[k]);
      /* the part's room, sized by the first pass: checked all the same */
      if (pl > mp->pl_end || vn + (uint64_t)mp->dlen[k] > mp->pl_end - pl) return -1;
      stance_put32(STANCE__W(out->term_off) + ((size_t)mp->k0 + k) * 4, (uint32_t)wl);
      stance_put64(STANCE__W(out->post_off) + ((size_t)mp->k0 + k) * 8, pl);
      memcpy(STANCE__W(out->postings) + pl, v, vn);
      o.docs = STANCE__W(out->postings) + pl + vn;
      o.dlen = mp->dlen[k];
      o.pos = o.docs + mp->dlen[k];
      o.pos_end = out->postings + mp->pl_end;
    }
    for (i = 0; i < n; i++) {
      int rc = 1;
      if (in[i].w == NULL || word_cmp(in[i].w, in[i].wn, w, wn) != 0) continue;
      if (in[i].shifted && (rc = merge_shifted(&in[i], in[i].at, &o, &mw)) < 0) return -1;
      if (rc > 0 && merge_docs(&in[i], in[i].at, &o, &mw) != 0) return -1;
      in[i].at++;
      if (merge_next(&in[i]) != 0) return -1;
      merge_release(&in[i]);
    }
    if (mw.dl == 0) continue; /* every document dropped */
    if (out == NULL) {
      uint8_t v[10];
      if (mw.dl > UINT32_MAX || k >= mp->room) return -1;
      mp->dlen[k] = (uint32_t)mw.dl;
      pl += stance_varint_put(v, mw.dl) + mw.dl + mw.pos_len;
    } else {
      /* w points into an input, whose next word may now differ: wn bytes are still there */
      if (k >= mp->k_end - mp->k0 || o.docs == NULL || mw.dl != mp->dlen[k] || wn > mp->wl_end - wl) return -1;
      memcpy(STANCE__W(out->terms) + wl, w, wn);
      stance_put32(STANCE__W(out->freq) + ((size_t)mp->k0 + k) * 4, mw.f > UINT32_MAX ? UINT32_MAX : (uint32_t)mw.f);
      pl = (uint64_t)(o.pos + mw.pos_len - out->postings);
      /* a word's postings are written whole before the next word's: those before it are done */
      if (written != NULL && pl - told >= MERGE_TELL) {
        written(mp->to->ud, out, told, pl);
        told = pl;
      }
    }
    wl += wn;
    k++;
  }
  if (written != NULL && pl > told) written(mp->to->ud, out, told, pl);
  mp->nterms = k;
  mp->words_len = wl;
  mp->post_len = pl;
  return 0;
}

static void merge_part_run(void *arg) {
  merge_part *mp = arg;
  mp->rc = merge_pass(mp);
}

/* The parts' passes, each on its own thread (the first on the caller's). 0, or -1 when one
 * failed. */
static int merge_parts(merge_part *parts, uint32_t nparts) {
  uv_thread_t tids[STANCE_MERGE_THREADS];
  int started[STANCE_MERGE_THREADS];
  uint32_t p;
  int rc = 0;
  for (p = 1; p < nparts; p++) started[p] = uv_thread_create(&tids[p], merge_part_run, &parts[p]) == 0;
  merge_part_run(&parts[0]);
  for (p = 1; p < nparts; p++) {
    if (started[p])
      uv_thread_join(&tids[p]);
    else
      merge_part_run(&parts[p]); /* no thread to be had: here, after the first */
  }
  for (p = 0; p < nparts; p++) rc |= parts[p].rc;
  return rc != 0 ? -1 : 0;
}

/* The first entry of `seg` whose word is not below w (its words sorted: a crafted
 * dictionary gives some entry, checked where it is used). *bad on a damaged entry. */
static uint32_t lower_bound(const stance_segment *seg, const char *w, uint32_t wn, int *bad) {
  uint32_t lo = 0, hi = seg->nterms;
  while (lo < hi && !*bad) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (cmp_word(seg, mid, w, wn, bad) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Where the parts of a merge begin in each input (starts[p * n + i], p >= 1): at the words
 * that cut the largest input's postings into equal parts. 0, or -1 when an input is
 * damaged. */
static int merge_split(merge_in *in, uint32_t n, uint32_t nparts, uint32_t *starts) {
  uint32_t i, p, big = 0;
  for (i = 1; i < n; i++)
    if (in[i].seg->post_len > in[big].seg->post_len) big = i;
  for (p = 1; p < nparts; p++) {
    const stance_segment *seg = in[big].seg;
    uint64_t want = seg->post_len / nparts * p, a, b;
    uint32_t lo = 0, hi = seg->nterms, f, wn;
    const char *w;
    int bad = 0;
    /* the first entry whose postings start at `want` or after */
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (post_range(seg, mid, &a, &b, &f) != 0) return -1;
      if (a < want)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (i = 0; i < n; i++) {
      uint32_t at = in[i].seg->nterms, before = p > 1 ? starts[(p - 1) * n + i] : 0;
      if (lo < seg->nterms) {
        if (stance_segment_word(seg, lo, &w, &wn) != 0) return -1;
        at = i == big ? lo : lower_bound(in[i].seg, w, wn, &bad);
        if (bad) return -1;
      }
      starts[p * n + i] = at > before ? at : before; /* in order, whatever the dictionaries */
    }
  }
  return 0;
}

stance_segment *stance_segments_merge(stance_segment *const *segs, uint32_t n,
                                      int (*keep)(void *ud, uint32_t doc), void *ud,
                                      unsigned threads, int *damaged) {
  return stance_segments_merge_to(segs, n, keep, ud, threads, damaged, NULL);
}

stance_segment *stance_segments_merge_to(stance_segment *const *segs, uint32_t n,
                                         int (*keep)(void *ud, uint32_t doc), void *ud, unsigned threads,
                                         int *damaged, const stance_merge_to *to) {
  merge_in *in = calloc(((size_t)n + 1) * STANCE_MERGE_THREADS, sizeof *in);
  uint32_t *starts = calloc(((size_t)n + 1) * (STANCE_MERGE_THREADS + 1), sizeof *starts);
  merge_part parts[STANCE_MERGE_THREADS];
  uint32_t i, d, p, nparts, ndocs = 0, nterms = 0, k = 0;
  uint64_t wl = 0, pl = 0, room = 0;
  uint32_t *dlen = NULL;
  stance_segment *out = NULL;
  int bad = 0;
  if (damaged != NULL) *damaged = 0;
  if (in == NULL || starts == NULL) goto done;
  /* new local numbers; UINT32_MAX for documents dropped */
  for (i = 0; i < n; i++) {
    in[i].seg = segs[i];
    in[i].remap = malloc(((size_t)segs[i]->ndocs + 1) * sizeof *in[i].remap);
    if (in[i].remap == NULL) goto done;
    in[i].base = ndocs;
    in[i].shifted = 1;
    for (d = 0; d < segs[i]->ndocs; d++) {
      uint32_t g = segs[i]->docs[d];
      in[i].remap[d] = (g != STANCE_DOC_GONE && (keep == NULL || keep(ud, g))) ? ndocs++ : UINT32_MAX;
      if (in[i].remap[d] == UINT32_MAX) in[i].shifted = 0;
    }
    if (in[i].shifted && (in[i].last = malloc(((size_t)segs[i]->nterms + 1) * sizeof *in[i].last)) == NULL) goto done;
    if (nterms > UINT32_MAX - segs[i]->nterms) goto done;
    nterms += segs[i]->nterms;
  }
#if !defined(_WIN32) && defined(MADV_SEQUENTIAL)
  /* read in order, each input's mapped file: pages mapped a run at a time around each fault
   * (a file mapped for searches reads only the pages touched, one fault each) */
  for (i = 0; i < n; i++)
    if (segs[i]->file != NULL && segs[i]->file->mmapped)
      madvise((void *)(uintptr_t)segs[i]->file->data, segs[i]->file->size, MADV_SEQUENTIAL);
#endif
  /* the parts: each input's entries cut at the same words (one part: all of them) */
  nparts = threads < 1 ? 1 : threads > STANCE_MERGE_THREADS ? STANCE_MERGE_THREADS : threads;
  if (n == 0) nparts = 1;
  if (nparts > 1 && merge_split(in, n, nparts, starts) != 0) {
    bad = 1;
    goto done;
  }
  for (i = 0; i < n; i++) starts[nparts * n + i] = segs[i]->nterms;
  if ((dlen = malloc(((size_t)nterms + 1) * sizeof *dlen)) == NULL) goto done;
  for (p = 0; p < nparts; p++) {
    merge_part *mp = &parts[p];
    memset(mp, 0, sizeof *mp);
    mp->in = in + (size_t)p * n;
    mp->n = n;
    mp->dlen = dlen + room;
    for (i = 0; i < n; i++) {
      merge_in *x = &mp->in[i];
      uint32_t f;
      uint64_t a, b;
      if (p > 0) *x = in[i]; /* the remap and the last documents shared: each part its own entries */
      x->start = starts[p * n + i];
      x->end = starts[(p + 1) * n + i];
      x->whole = nparts == 1;
      x->from = 0;
      if (x->start > 0 && x->start < x->seg->nterms) {
        if (post_range(x->seg, x->start, &a, &b, &f) != 0) {
          bad = 1;
          goto done;
        }
        x->from = a;
      }
      mp->room += x->end - x->start;
    }
    room += mp->room;
  }
  /* sized first, then written straight into the new segment's tables: no copy of the
   * postings, and nothing held beyond them */
  if (merge_parts(parts, nparts) != 0) {
    bad = 1;
    goto done;
  }
  for (p = 0; p < nparts; p++) {
    parts[p].k0 = k;
    parts[p].wl0 = wl;
    parts[p].pl0 = pl;
    k += parts[p].nterms;
    wl += parts[p].words_len;
    pl += parts[p].post_len;
    parts[p].k_end = k;
    parts[p].wl_end = wl;
    parts[p].pl_end = pl;
  }
  if (nparts > 1) merge_release_all(in, n);
  if (wl > UINT32_MAX || pl > SIZE_MAX / 4) goto done;
  out = to != NULL ? to->alloc(to->ud, ndocs, k, (size_t)wl, (size_t)pl)
                   : stance__segment_alloc(ndocs, k, (size_t)wl, (size_t)pl);
  if (out == NULL) goto done;
  for (p = 0; p < nparts; p++) {
    parts[p].out = out;
    parts[p].to = to;
  }
  if (merge_parts(parts, nparts) != 0) {
    bad = 1;
    goto done;
  }
  for (p = 0; p < nparts; p++)
    if (parts[p].nterms != parts[p].k_end - parts[p].k0 || parts[p].words_len != parts[p].wl_end ||
        parts[p].post_len != parts[p].pl_end) {
      bad = 1;
      goto done;
    }
  if (nparts > 1) merge_release_all(in, n);
  stance_put32(STANCE__W(out->term_off) + (size_t)k * 4, (uint32_t)wl);
  stance_put64(STANCE__W(out->post_off) + (size_t)k * 8, pl);
  for (i = 0; i < n; i++)
    for (d = 0; d < segs[i]->ndocs; d++)
      if (in[i].remap[d] != UINT32_MAX) out->docs[in[i].remap[d]] = segs[i]->docs[d];
  stance__segment_keys(out);
done:
#if !defined(_WIN32) && defined(MADV_RANDOM)
  /* inputs kept (a save that failed) are read as a search reads them again */
  for (i = 0; i < n; i++)
    if (segs[i]->file != NULL && segs[i]->file->mmapped)
      madvise((void *)(uintptr_t)segs[i]->file->data, segs[i]->file->size, MADV_RANDOM);
#endif
  if (bad && damaged != NULL) *damaged = 1;
  if (in != NULL)
    for (i = 0; i < n; i++) {
      free(in[i].remap);
      free(in[i].last);
    }
  free(in);
  free(starts);
  free(dlen);
  if (bad || (out != NULL && (k != out->nterms))) {
    stance_segment_unref(out);
    return NULL;
  }
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
  stance_meta *meta;            /* a loaded index never changed since (copies share it):
                                   docs and dirs are decoded from it on first use (both NULL
                                   until then), and every document is live */
  int damaged;                  /* decoding them failed (owner's thread only) */
  stance_doc *docs;
  uint32_t ndocs, docs_cap;
  stance_mapped *names;         /* the loaded file the first documents' paths point into */
  char *path_block;             /* a snapshot's copies of the other paths */
  uint32_t *map;                /* path -> live doc id + 1; 0 empty, TOMB removed; built on
                                   first use (a search never needs it) */
  uint32_t map_cap, map_used;
  stance_segment **segs;
  uint32_t nsegs, segs_cap;
  stance_dir *dirs;
  uint32_t ndirs;
  uint64_t rule;
  uint32_t *by_path;            /* live ids in path order, or NULL when to be made */
  uint32_t nby_path;
  int refs;
  uint64_t id;                  /* unique in the process: which index a job started from */
};

#define TOMB 0xFFFFFFFFu

static uint64_t next_index_id(void) {
  static uint64_t last;
#if defined(__GNUC__) || defined(__clang__)
  return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
#else
  return ++last;
#endif
}

stance_index *stance_index_new(void) {
  stance_index *ix = calloc(1, sizeof(stance_index));
  if (ix == NULL) return NULL;
  ix->refs = 1;
  ix->id = next_index_id();
  return ix;
}

stance_index *stance_index_ref(stance_index *ix) {
  STANCE_REF_INC(ix->refs);
  return ix;
}

uint64_t stance_index_id(const stance_index *ix) { return ix->id; }

static void free_dirs(stance_dir *dirs, uint32_t n) {
  uint32_t i;
  for (i = 0; i < n; i++)
    if (dirs[i].path_owned) free((char *)(uintptr_t)dirs[i].path);
  free(dirs);
}

void stance_index_free(stance_index *ix) {
  uint32_t i;
  if (ix == NULL || STANCE_REF_DEC(ix->refs) > 0) return;
  if (ix->docs != NULL)
    for (i = 0; i < ix->ndocs; i++)
      if (ix->docs[i].path_owned) free((char *)(uintptr_t)ix->docs[i].path);
  stance_meta_unref(ix->meta);
  free(ix->path_block);
  for (i = 0; i < ix->nsegs; i++) stance_segment_unref(ix->segs[i]);
  free_dirs(ix->dirs, ix->ndirs);
  stance_mapped_unref(ix->names);
  free(ix->docs);
  free(ix->map);
  free(ix->segs);
  free(ix->by_path);
  free(ix);
}

/* Is `ix` a loaded index whose documents are not decoded yet? */
static int undecoded(const stance_index *ix) { return ix->meta != NULL && ix->docs == NULL; }

int stance_index_decode(stance_index *ix) {
  stance_doc *docs;
  stance_dir *dirs;
  uint32_t ndirs;
  int rc;
  if (!undecoded(ix)) return 0;
  if (ix->damaged) return STANCE_INDEX_DAMAGED;
  if ((rc = stance_meta_decode(ix->meta, &docs, &dirs, &ndirs)) != 0) {
    if (rc == STANCE_INDEX_DAMAGED) ix->damaged = 1;
    return rc;
  }
  ix->docs = docs;
  ix->docs_cap = ix->ndocs;
  ix->dirs = dirs;
  ix->ndirs = ndirs;
  if (ix->names == NULL) {
    ix->names = stance_meta_file(ix->meta);
    STANCE_REF_INC(ix->names->refs);
  }
  return 0;
}

/* Decoded on first use by a reader given a const index: a table made on first use, by the
 * owner (an index shared with a job is copied from its meta, never from these). */
static int decoded(const stance_index *ix) {
  return !undecoded(ix) || stance_index_decode((stance_index *)(uintptr_t)ix) == 0;
}

/* About to be changed: decoded, and no longer what its meta says. 0 or -1. */
static int own(stance_index *ix) {
  if (stance_index_decode(ix) != 0) return -1;
  stance_meta_unref(ix->meta);
  ix->meta = NULL;
  return 0;
}

int stance_index_damaged(const stance_index *ix) { return ix->damaged; }

uint32_t stance_index_ndocs(const stance_index *ix) { return ix->ndocs; }
const stance_meta *stance_index_meta(const stance_index *ix) { return ix->meta; }
const stance_doc *stance_index_doc(const stance_index *ix, uint32_t id) {
  return id < ix->ndocs && decoded(ix) ? &ix->docs[id] : NULL;
}
const stance_doc *stance_index_docs(const stance_index *ix) { return decoded(ix) ? ix->docs : NULL; }

int stance_index_is_live(const stance_index *ix, uint32_t id) {
  if (ix->meta != NULL) return id < ix->ndocs; /* saved documents are live */
  return stance_index_live_doc(ix->docs, ix->ndocs, id);
}

const char *stance_index_path(const stance_index *ix, uint32_t id) {
  if (id >= ix->ndocs) return NULL;
  if (undecoded(ix)) return stance_meta_path(ix->meta, id);
  return ix->docs[id].path;
}

int stance_index_get(const stance_index *ix, uint32_t id, stance_doc *out) {
  if (id >= ix->ndocs) return -1;
  if (undecoded(ix)) return stance_meta_doc(ix->meta, id, out);
  *out = ix->docs[id];
  return 0;
}

uint32_t stance_index_nsegments(const stance_index *ix) { return ix->nsegs; }
stance_segment *stance_index_segment(const stance_index *ix, uint32_t i) {
  return i < ix->nsegs ? ix->segs[i] : NULL;
}
const stance_dir *stance_index_dirs(const stance_index *ix, uint32_t *n) {
  if (!decoded(ix)) {
    *n = 0;
    return NULL;
  }
  *n = ix->ndirs;
  return ix->dirs;
}
uint64_t stance_index_rule(const stance_index *ix) { return ix->rule; }

void stance_index_set_dirs(stance_index *ix, stance_dir *dirs, uint32_t n, uint64_t rule) {
  if (own(ix) != 0) {
    free_dirs(dirs, n); /* damaged (a job starts from an empty index instead) */
    return;
  }
  free_dirs(ix->dirs, ix->ndirs);
  ix->dirs = dirs;
  ix->ndirs = n;
  ix->rule = rule;
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

/* A table for at least `want` live entries, filled from the documents. */
static int map_build(stance_index *ix, uint32_t want) {
  uint32_t cap = 256, i;
  uint32_t *m;
  while (cap < (uint64_t)want * 2 + 2) {
    if (cap > UINT32_MAX / 4) return -1;
    cap *= 2;
  }
  if ((m = calloc(cap, sizeof *m)) == NULL) return -1;
  free(ix->map);
  ix->map = m;
  ix->map_cap = cap;
  ix->map_used = 0;
  for (i = 0; i < ix->ndocs; i++) {
    int found;
    uint32_t s;
    if (ix->docs[i].deleted) continue;
    s = map_slot(ix, ix->docs[i].path, &found);
    if (found) ix->docs[ix->map[s] - 1].deleted = 1; /* the later entry wins */
    if (ix->map[s] == 0) ix->map_used++;
    ix->map[s] = i + 1;
  }
  return 0;
}

/* The map, made when first needed, with room for `more` entries. */
static int map_ready(stance_index *ix, uint32_t more) {
  if (ix->map != NULL && (uint64_t)(ix->map_used + more) * 2 <= ix->map_cap) return 0;
  return map_build(ix, ix->ndocs + more);
}

int64_t stance_index_find(stance_index *ix, const char *path) { return stance_index_find_near(ix, path, NULL); }

int64_t stance_index_find_near(stance_index *ix, const char *path, uint32_t *hint) {
  int found;
  uint32_t s;
  if (ix->ndocs == 0) return -1;
  if (undecoded(ix) && hint != NULL) {
    /* the entry after the last one found, then that one (documents asked for in path order),
     * each checked as the search below checks it */
    uint32_t k, at[2];
    at[0] = *hint + 1;
    at[1] = *hint;
    for (k = 0; k < 2; k++) {
      const char *p = at[k] < ix->ndocs ? stance_meta_path(ix->meta, at[k]) : NULL;
      if (p != NULL && strcmp(p, path) == 0) {
        *hint = at[k];
        return at[k];
      }
    }
  }
  if (undecoded(ix)) {
    /* saved in strict path order: a binary search, each entry it reads checked (a crafted
     * order finds nothing, or another entry of the same path, never a wrong one) */
    uint32_t lo = 0, hi = ix->ndocs;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      const char *p = stance_meta_path(ix->meta, mid);
      int c;
      if (p == NULL) return -1;
      if ((c = strcmp(p, path)) == 0) {
        if (hint != NULL) *hint = mid;
        return mid;
      }
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    return -1;
  }
  if (map_ready(ix, 0) != 0) return -1;
  s = map_slot(ix, path, &found);
  return found ? (int64_t)ix->map[s] - 1 : -1;
}

void stance_index_delete(stance_index *ix, const char *path) {
  int found;
  uint32_t s;
  if (ix->ndocs == 0 || own(ix) != 0 || map_ready(ix, 0) != 0) return;
  s = map_slot(ix, path, &found);
  if (!found) return;
  ix->docs[ix->map[s] - 1].deleted = 1;
  ix->map[s] = TOMB;
  free(ix->by_path);
  ix->by_path = NULL;
}

int stance_index_reserve(stance_index *ix, uint32_t more) {
  if (more > UINT32_MAX - ix->ndocs || own(ix) != 0) return -1;
  if (ix->ndocs + more > ix->docs_cap) {
    uint32_t cap = ix->docs_cap ? ix->docs_cap : 256;
    stance_doc *nd;
    while (cap < ix->ndocs + more) cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
    nd = realloc(ix->docs, (size_t)cap * sizeof *nd);
    if (nd == NULL) return -1;
    ix->docs = nd;
    ix->docs_cap = cap;
  }
  return map_ready(ix, more);
}

/* Does `p` point into the loaded file the index keeps (a path a copy may share)? Any other
 * path is the index's own (malloc'd, or in its path_block) and goes with it. */
static int in_names(const stance_index *ix, const char *p) {
  const char *at = ix->names != NULL ? (const char *)ix->names->data : NULL;
  return at != NULL && p >= at && p < at + ix->names->size;
}

stance_index *stance_index_copy(const stance_index *ix) {
  stance_index *c = calloc(1, sizeof *c);
  size_t total = 0, at = 0;
  uint32_t i;
  if (c == NULL) return NULL;
  if (ix->meta != NULL) {
    /* loaded and unchanged: the copy shares the meta, never reads what the owner decodes */
    c->segs = malloc(((size_t)ix->nsegs + 1) * sizeof *c->segs);
    if (c->segs == NULL) {
      free(c);
      return NULL;
    }
    c->meta = stance_meta_ref(ix->meta);
    c->ndocs = ix->ndocs;
    c->rule = ix->rule;
    for (i = 0; i < ix->nsegs; i++) c->segs[i] = stance_segment_ref(ix->segs[i]);
    c->nsegs = c->segs_cap = ix->nsegs;
    c->refs = 1;
    c->id = next_index_id();
    return c;
  }
  for (i = 0; i < ix->ndocs; i++)
    if (!in_names(ix, ix->docs[i].path)) total += strlen(ix->docs[i].path) + 1;
  for (i = 0; i < ix->ndirs; i++)
    if (!in_names(ix, ix->dirs[i].path)) total += strlen(ix->dirs[i].path) + 1;
  c->docs = malloc(((size_t)ix->ndocs + 1) * sizeof *c->docs);
  c->dirs = malloc(((size_t)ix->ndirs + 1) * sizeof *c->dirs);
  c->path_block = malloc(total + 1);
  c->segs = malloc(((size_t)ix->nsegs + 1) * sizeof *c->segs);
  if (c->docs == NULL || c->dirs == NULL || c->path_block == NULL || c->segs == NULL) {
    free(c->docs);
    free(c->dirs);
    free(c->path_block);
    free(c->segs);
    free(c);
    return NULL;
  }
  memcpy(c->docs, ix->docs, (size_t)ix->ndocs * sizeof *c->docs);
  memcpy(c->dirs, ix->dirs, (size_t)ix->ndirs * sizeof *c->dirs);
  for (i = 0; i < ix->ndocs; i++) {
    size_t n;
    if (in_names(ix, ix->docs[i].path)) continue;
    n = strlen(ix->docs[i].path) + 1;
    memcpy(c->path_block + at, ix->docs[i].path, n);
    c->docs[i].path = c->path_block + at;
    c->docs[i].path_owned = 0;
    at += n;
  }
  for (i = 0; i < ix->ndirs; i++) {
    size_t n;
    if (in_names(ix, ix->dirs[i].path)) continue;
    n = strlen(ix->dirs[i].path) + 1;
    memcpy(c->path_block + at, ix->dirs[i].path, n);
    c->dirs[i].path = c->path_block + at;
    c->dirs[i].path_owned = 0;
    at += n;
  }
  c->ndocs = c->docs_cap = ix->ndocs;
  c->ndirs = ix->ndirs;
  c->rule = ix->rule;
  for (i = 0; i < ix->nsegs; i++) c->segs[i] = stance_segment_ref(ix->segs[i]);
  c->nsegs = c->segs_cap = ix->nsegs;
  if (ix->names != NULL) {
    c->names = ix->names;
    STANCE_REF_INC(c->names->refs);
  }
  /* ix->map and ix->by_path are not read: its owner may be making them on its thread */
  c->refs = 1;
  c->id = next_index_id();
  return c;
}

int stance_index_ready(stance_index *ix) {
  uint32_t n;
  int rc = stance_index_decode(ix);
  if (rc != 0) return rc;
  if (ix->ndocs > 0 && map_ready(ix, 0) != 0) return -1;
  return stance_index_by_path(ix, &n) != NULL ? 0 : -1;
}

int64_t stance_index_add_doc(stance_index *ix, const stance_doc *doc) {
  stance_doc *d;
  uint32_t s;
  int found;
  size_t n = strlen(doc->path) + 1;
  char *path;
  if (stance_index_reserve(ix, 1) != 0) return -1;
  if ((path = malloc(n)) == NULL) return -1;
  memcpy(path, doc->path, n);
  d = &ix->docs[ix->ndocs];
  *d = *doc;
  d->path = path;
  d->path_owned = 1;
  s = map_slot(ix, d->path, &found);
  if (!d->deleted) {
    if (found) ix->docs[ix->map[s] - 1].deleted = 1;
    if (ix->map[s] == 0) ix->map_used++;
    ix->map[s] = ix->ndocs + 1;
  }
  free(ix->by_path);
  ix->by_path = NULL;
  return ix->ndocs++;
}

void stance_index_touch(stance_index *ix, uint32_t id, const stance_doc *st) {
  stance_doc *d;
  if (id >= ix->ndocs || own(ix) != 0) return;
  d = &ix->docs[id];
  d->size = st->size;
  d->mtime_ns = st->mtime_ns;
  d->ctime_ns = st->ctime_ns;
  d->ino = st->ino;
  d->racy = st->racy;
  d->link = st->link;
}

int stance_index_add_segment(stance_index *ix, stance_segment *seg) {
  if (ix->nsegs == ix->segs_cap) {
    uint32_t cap = ix->segs_cap ? ix->segs_cap * 2 : 16;
    stance_segment **ns = realloc(ix->segs, cap * sizeof *ns);
    if (ns == NULL) return -1;
    ix->segs = ns;
    ix->segs_cap = cap;
  }
  ix->segs[ix->nsegs++] = stance_segment_ref(seg);
  return 0;
}

int stance_index_replace_segments(stance_index *ix, stance_segment *const *old, uint32_t n,
                                  stance_segment *by) {
  uint32_t i, k, at = UINT32_MAX;
  for (i = 0; i < n; i++) {
    for (k = 0; k < ix->nsegs && ix->segs[k] != old[i]; k++) {
    }
    if (k == ix->nsegs) return -1;
    if (k < at) at = k;
  }
  /* the merged segment takes the place of the first; the others go */
  for (i = 0; i < n; i++) {
    for (k = 0; ix->segs[k] != old[i]; k++) {
    }
    stance_segment_unref(ix->segs[k]);
    ix->segs[k] = NULL;
  }
  ix->segs[at] = stance_segment_ref(by);
  for (i = k = 0; i < ix->nsegs; i++)
    if (ix->segs[i] != NULL) ix->segs[k++] = ix->segs[i];
  ix->nsegs = k;
  return 0;
}

uint32_t stance_index_live(const stance_index *ix, uint64_t *bytes, uint64_t *words) {
  uint32_t i, n = 0;
  uint64_t b = 0, w = 0;
  if (!decoded(ix)) {
    if (bytes) *bytes = 0;
    if (words) *words = 0;
    return 0;
  }
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
             (size_t)ix->segs_cap * sizeof *ix->segs + (size_t)ix->ndirs * sizeof *ix->dirs;
  uint32_t i;
  if (ix->docs != NULL)
    for (i = 0; i < ix->ndocs; i++)
      if (!in_names(ix, ix->docs[i].path)) m += strlen(ix->docs[i].path) + 1;
  for (i = 0; i < ix->nsegs; i++) m += stance_segment_memory(ix->segs[i]);
  return m;
}

/* ---- documents in path order --------------------------------------------------------------- */

/* Sort ids by path: a merge sort (stable, n log n, no shared state between threads). */
static void sort_ids(const stance_doc *docs, uint32_t *ids, uint32_t *tmp, uint32_t n) {
  uint64_t width, i;
  for (width = 1; width < n; width *= 2) {
    for (i = 0; i < n; i += 2 * width) {
      uint64_t mid = i + width < n ? i + width : n, hi = i + 2 * width < n ? i + 2 * width : n;
      uint64_t a = i, b = mid, k = i;
      while (a < mid && b < hi) tmp[k++] = strcmp(docs[ids[a]].path, docs[ids[b]].path) <= 0 ? ids[a++] : ids[b++];
      while (a < mid) tmp[k++] = ids[a++];
      while (b < hi) tmp[k++] = ids[b++];
    }
    memcpy(ids, tmp, (size_t)n * sizeof *ids);
  }
}

const uint32_t *stance_index_by_path(stance_index *ix, uint32_t *n) {
  uint32_t i, k = 0;
  int sorted = 1;
  if (ix->by_path != NULL) {
    *n = ix->nby_path;
    return ix->by_path;
  }
  if (stance_index_decode(ix) != 0) return NULL;
  if ((ix->by_path = malloc(((size_t)ix->ndocs + 1) * sizeof *ix->by_path)) == NULL) return NULL;
  for (i = 0; i < ix->ndocs; i++) {
    if (ix->docs[i].deleted) continue;
    if (k > 0 && sorted && strcmp(ix->docs[ix->by_path[k - 1]].path, ix->docs[i].path) > 0) sorted = 0;
    ix->by_path[k++] = i;
  }
  /* a loaded index is in path order already; only updates (new entries) need sorting */
  if (!sorted) {
    uint32_t *tmp = malloc(((size_t)k + 1) * sizeof *tmp);
    if (tmp == NULL) {
      free(ix->by_path);
      ix->by_path = NULL;
      return NULL;
    }
    sort_ids(ix->docs, ix->by_path, tmp, k);
    free(tmp);
  }
  ix->nby_path = k;
  *n = k;
  return ix->by_path;
}

stance_index *stance__index_adopt(stance_meta *meta, uint64_t rule, stance_segment **segs,
                                  uint32_t nsegs) {
  stance_index *ix = stance_index_new();
  uint32_t i;
  if (ix == NULL) return NULL;
  ix->segs = malloc(((size_t)nsegs + 1) * sizeof *ix->segs);
  if (ix->segs == NULL) {
    free(ix);
    return NULL;
  }
  for (i = 0; i < nsegs; i++) ix->segs[i] = stance_segment_ref(segs[i]);
  ix->nsegs = ix->segs_cap = nsegs;
  ix->meta = stance_meta_ref(meta);
  ix->ndocs = stance_meta_ndocs(meta);
  ix->rule = rule;
  return ix;
}
