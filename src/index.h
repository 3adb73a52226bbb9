/*
 * index.h - the corpus index: the documents of a corpus and an inverted index of their
 * words, in immutable segments.
 *
 * A segment indexes a group of documents: a sorted dictionary of folded words and, for
 * each word, its postings (document, word positions) as varints. Segments are built on
 * worker threads (indexjob.c), then added to the index on the owner's thread; a document
 * that changes is marked deleted in its old segment and indexed again into a new one. So
 * building never blocks searching, and an update costs what the changed documents cost.
 *
 * A segment's tables are little-endian byte arrays, the same in memory and in a saved
 * segment file (indexfile.c), which is mapped, not read: a search reads only the parts of
 * the dictionary and the postings it needs. Nothing read from a file is trusted: every
 * offset and length is checked when it is used (stance_segment_word, _postings), and the
 * pages of a file are checked against their checksums when first touched; a segment that
 * fails either is damaged, and what reads it fails with STANCE_INDEX_DAMAGED.
 *
 * Word positions count words, plus one more whenever something other than blanks and line
 * ends separates two words: a phrase matches words at consecutive positions.
 */
#ifndef STANCE_INDEX_H
#define STANCE_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Dictionary entries per block of the key table (see stance_segment.keys). */
#define STANCE_KEY_EVERY 64
#define STANCE_NKEYS(nterms) (((uint64_t)(nterms) + STANCE_KEY_EVERY - 1) / STANCE_KEY_EVERY)

/* In a segment's document table: a document deleted before the segment was saved. */
#define STANCE_DOC_GONE 0xFFFFFFFFu
/* What reading a damaged or inconsistent segment returns (searches, counts). */
#define STANCE_INDEX_DAMAGED (-2)

typedef struct stance_doc {
  const char *path;             /* relative to the corpus root, '/'-separated */
  uint64_t size;
  int64_t mtime_ns, ctime_ns;   /* as stat(2) said when the bytes were read */
  uint64_t ino;
  uint8_t hash[32];             /* SHA-256 of the bytes indexed */
  uint32_t words;
  uint8_t deleted;              /* changed or gone since: its segment entry is stale */
  uint8_t racy;                 /* changed so close to when it was read that its stat may
                                   not show a later change: compare its bytes next time */
  uint8_t link;                 /* a symbolic link to a file inside the corpus */
  uint8_t path_owned;           /* (internal) path is the index's own copy */
} stance_doc;

/* A folder of the corpus as last listed: unchanged since (same mtime), it holds the same
 * names, so only its documents need a stat. */
typedef struct stance_dir {
  const char *path;             /* relative to the root; "" for the root */
  int64_t mtime_ns;
  uint8_t racy;                 /* listed within the clock's resolution of a change */
  uint8_t path_owned;
} stance_dir;

/* A mapped (or read) segment file that segments point into. Its pages are checked against
 * their checksums when first read; `bad` once one failed. */
typedef struct stance_mapped {
  int refs;
  const uint8_t *data;
  size_t size;
  int mmapped;                  /* else malloc'd */
  const uint8_t *sums;          /* npages little-endian u32 checksums of the pages from
                                   data_off, or NULL (nothing to check) */
  uint64_t npages, data_off;
  uint8_t *verified;            /* per page: 0 unchecked, 1 good, 2 bad */
  int bad;
} stance_mapped;

typedef struct stance_segment {
  int refs;
  uint32_t ndocs, nterms;
  uint32_t *docs;               /* global document ids (or STANCE_DOC_GONE), native */
  const uint8_t *term_off;      /* nterms + 1 LE u32: offsets into terms */
  const uint8_t *freq;          /* nterms LE u32: occurrences of each word */
  const uint8_t *post_off;      /* nterms + 1 LE u64: offsets into postings */
  const uint8_t *keys;          /* per block of STANCE_KEY_EVERY entries, the first 8 bytes of
                                   its first word (BE u64): a lookup reads one block, not a
                                   binary search's worth of pages */
  const char *terms;            /* folded words, sorted bytewise, not NUL-terminated */
  uint64_t terms_len;
  const uint8_t *postings;
  uint64_t post_len;
  void *block;                  /* the tables of a built segment: one allocation */
  size_t block_size;
  stance_mapped *file;          /* or those of a loaded one */
  uint64_t file_id;             /* its file in the index folder; 0: not saved yet */
} stance_segment;

/* Little-endian integers at any address (a plain load on little-endian machines). */
static inline uint32_t stance_get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t stance_get64(const uint8_t *p) {
  return (uint64_t)stance_get32(p) | (uint64_t)stance_get32(p + 4) << 32;
}
static inline uint64_t stance_get64be(const uint8_t *p) {
  return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
         (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | (uint64_t)p[7];
}
static inline void stance_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline void stance_put64(uint8_t *p, uint64_t v) {
  stance_put32(p, (uint32_t)v);
  stance_put32(p + 4, (uint32_t)(v >> 32));
}

/* Reference counts that any thread may take and drop. */
#if defined(__GNUC__) || defined(__clang__)
#define STANCE_REF_INC(x) __atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)
#define STANCE_REF_DEC(x) __atomic_sub_fetch(&(x), 1, __ATOMIC_ACQ_REL)
#else
#define STANCE_REF_INC(x) (++(x))
#define STANCE_REF_DEC(x) (--(x))
#endif

/* Frees the segment when the last reference goes. */
void stance_segment_unref(stance_segment *seg);
stance_segment *stance_segment_ref(stance_segment *seg);
void stance_mapped_unref(stance_mapped *m);
size_t stance_segment_memory(const stance_segment *seg);
/* Check that the bytes [p, p + len) of a segment's file match their page checksums (each
 * page once). 0, or -1 when one does not (the file is then marked bad). indexfile.c. */
int stance_mapped_check(stance_mapped *m, const void *p, size_t len);
/* The word of dictionary entry t. 0, or -1 when the segment is damaged. */
int stance_segment_word(const stance_segment *seg, uint32_t t, const char **word, uint32_t *len);
/* The postings of entry t: its documents [*docs, *docs_end), their pages checked, and their
 * positions [*pos, *pos_end), their pages not checked (stance_segment_readable, when read);
 * and its number of occurrences (never more than the bytes of the positions). 0, or -1
 * when the segment is damaged. */
int stance_segment_postings(const stance_segment *seg, uint32_t t, const uint8_t **docs,
                            const uint8_t **docs_end, const uint8_t **pos,
                            const uint8_t **pos_end, uint32_t *freq);
/* The number of occurrences of entry t, from the dictionary, its postings not read (nor
 * their pages checked: a count that needs no document reads only this). 0, or -1 when the
 * segment is damaged. */
int stance_segment_freq(const stance_segment *seg, uint32_t t, uint32_t *freq);
/* The index of `word` in the dictionary; -1 when absent, STANCE_INDEX_DAMAGED. */
int64_t stance_segment_find(const stance_segment *seg, const char *word, size_t len);
/* The range [*lo, *hi) of dictionary entries starting with `prefix`. 0 or -1 (damaged). */
int stance_segment_prefix(const stance_segment *seg, const char *prefix, size_t len,
                          uint32_t *lo, uint32_t *hi);

/* An empty segment with room for the given sizes (internal: builder.c, merge). */
stance_segment *stance__segment_alloc(uint32_t ndocs, uint32_t nterms, size_t words_len,
                                      size_t post_len);
/* Let a built segment's tables go (internal: a segment written and mapped back reads its
 * file's instead). */
void stance__segment_free_block(stance_segment *seg);
/* Writable views of a built segment's tables (internal). */
#define STANCE__W(p) ((uint8_t *)(uintptr_t)(p))
/* Fill a built segment's key table from its words (internal: after the words are in). */
void stance__segment_keys(stance_segment *seg);
/* The first 8 bytes of a word as a big-endian number (zeros past its end): their order is
 * memcmp's. */
static inline uint64_t stance_word_key(const char *w, size_t n) {
  uint64_t k = 0;
  size_t i;
  for (i = 0; i < 8; i++) k = k << 8 | (i < n ? (unsigned char)w[i] : 0);
  return k;
}

/* Builds one segment, document by document (positions as described above). */
typedef struct stance_segment_builder stance_segment_builder;
stance_segment_builder *stance_builder_new(void);
void stance_builder_free(stance_segment_builder *b);
/* Add the words of one document, known as `doc` (global id, ascending across calls).
 * Returns its number of words, or -1 when out of memory. */
long stance_builder_add(stance_segment_builder *b, uint32_t doc, const char *text, size_t len);
/* Bytes the builder holds now (to decide when to finish a segment). */
size_t stance_builder_memory(const stance_segment_builder *b);
/* Give back the memory a builder keeps from its last segment for the next one. */
void stance_builder_trim(stance_segment_builder *b);
/* The finished segment (the builder is emptied); NULL when out of memory. */
stance_segment *stance_builder_finish(stance_segment_builder *b);
/* (internal: indexfile.c, which streams a segment to its file) The finished segment's
 * tables without its postings (post_len says their size; post_off where each word's go):
 * NULL when out of memory. Then the postings of word k, in order, at `out` (the room
 * post_off says): their size. Then stance__builder_streamed empties the builder (or, when
 * the stream failed, stance_builder_finish makes the segment in memory instead). */
stance_segment *stance__builder_tables(stance_segment_builder *b);
size_t stance__builder_postings(stance_segment_builder *b, uint32_t k, uint8_t *out);
void stance__builder_streamed(stance_segment_builder *b);

typedef struct stance_index stance_index;

/* A loaded meta file's documents and folders (indexfile.c), decoded when used: loading an
 * index decodes none of them, a search decodes the paths of its hits, and the first use
 * that needs them all (a lookup by path, an update, a save) decodes them all. Every entry
 * is checked when decoded (its bytes against their page checksums, its path as a corpus
 * path): a damaged one is never returned. Immutable once made, shared by copies of the
 * index across threads (reference counted). */
typedef struct stance_meta stance_meta;
stance_meta *stance_meta_ref(stance_meta *m);
void stance_meta_unref(stance_meta *m);
uint32_t stance_meta_ndocs(const stance_meta *m);
/* The mapped file the decoded paths point into. */
stance_mapped *stance_meta_file(const stance_meta *m);
/* Document i, decoded: 0, or -1 when its entry is damaged (or i out of range). */
int stance_meta_doc(const stance_meta *m, uint32_t i, stance_doc *out);
/* Document i without its hash (path, size, times, inode, flags, words): what a check of
 * the files compares, its hash's page left unread. 0, or -1 when damaged or out of range. */
int stance_meta_stat(const stance_meta *m, uint32_t i, stance_doc *out);
/* Folder i as last listed: 0, or -1 when its entry is damaged (or i out of range). */
uint32_t stance_meta_ndirs(const stance_meta *m);
int stance_meta_dir(const stance_meta *m, uint32_t i, stance_dir *out);
/* Document i's path (NUL-terminated, in the mapped file), or NULL when damaged. */
const char *stance_meta_path(const stance_meta *m, uint32_t i);
/* Every document and folder, decoded and checked (documents in strict path order, folders
 * too): 0, -1 when out of memory, STANCE_INDEX_DAMAGED. The caller owns the arrays (their
 * paths point into the mapped file). */
int stance_meta_decode(const stance_meta *m, stance_doc **docs, stance_dir **dirs, uint32_t *ndirs);

/* The most threads a merge runs on. */
#define STANCE_MERGE_THREADS 4
/* Merge segments, in order, into one (documents keep their global ids; `keep`, if not
 * NULL, says which to keep by global id), on `threads` threads (at most
 * STANCE_MERGE_THREADS; each merges the words of one part of the dictionaries, cut where
 * the largest input's postings are cut evenly: the segment made is the same, byte for
 * byte, as one thread's). NULL when out of memory or when an input is damaged (*damaged
 * is then set, if not NULL). The pages of mapped inputs are given back as the merge goes
 * past them (they stay in the page cache). `keep` is called on the caller's thread only. */
stance_segment *stance_segments_merge(stance_segment *const *segs, uint32_t n,
                                      int (*keep)(void *ud, uint32_t doc), void *ud,
                                      unsigned threads, int *damaged);
/* Where a merge makes its segment (stance_segments_merge_to). */
typedef struct stance_merge_to {
  /* The new segment with room for these sizes, as stance__segment_alloc makes it (its tables
   * may be elsewhere: in the file they go to); NULL when out of memory. Called on the
   * caller's thread, once the merge knows the sizes (its first pass) and before it writes. */
  stance_segment *(*alloc)(void *ud, uint32_t ndocs, uint32_t nterms, size_t words_len, size_t post_len);
  /* (if not NULL) The bytes [from, to) of the new segment's postings are written and will
   * not change: called from the merge's threads, each for bytes of its own. */
  void (*written)(void *ud, stance_segment *out, uint64_t from, uint64_t to);
  void *ud;
} stance_merge_to;
/* stance_segments_merge, making its segment where `to` says (NULL: in memory). */
stance_segment *stance_segments_merge_to(stance_segment *const *segs, uint32_t n,
                                         int (*keep)(void *ud, uint32_t doc), void *ud, unsigned threads,
                                         int *damaged, const stance_merge_to *to);

/* Indexes are reference counted: a job holds the index it started from (the owner never
 * changes an index a job may hold: it swaps in the job's new index instead), and
 * stance_index_free drops a reference (the last one frees it). */
stance_index *stance_index_new(void);
stance_index *stance_index_ref(stance_index *ix);
void stance_index_free(stance_index *ix);
/* A number that tells this index from every other of the process (a copy gets its own). */
uint64_t stance_index_id(const stance_index *ix);

uint32_t stance_index_ndocs(const stance_index *ix); /* including deleted ones */
/* The meta file a loaded index was read from while the index is unchanged since (what it
 * holds is then what the file says: documents in path order, all live), else NULL. */
const stance_meta *stance_index_meta(const stance_index *ix);
/* Document `id`, or NULL (out of range, or a loaded index found damaged). On a loaded index
 * the first call decodes every document (see stance_meta): on the owner's thread, as the
 * tables made on first use are. A search uses the accessors below, which decode nothing
 * more than what they return. */
const stance_doc *stance_index_doc(const stance_index *ix, uint32_t id);
/* Whether document `id` (a segment's entry) is live: not deleted, not STANCE_DOC_GONE. */
static inline int stance_index_live_doc(const stance_doc *docs, uint32_t ndocs, uint32_t id) {
  return id < ndocs && !docs[id].deleted;
}
/* The same, on an index, decoding nothing (every document of a loaded index is live). */
int stance_index_is_live(const stance_index *ix, uint32_t id);
/* Document `id`'s path, decoding only that entry; NULL when out of range or damaged. */
const char *stance_index_path(const stance_index *ix, uint32_t id);
/* Document `id` into *out (its path points into the index), decoding only that entry: 0, or
 * -1 when out of range or damaged. */
int stance_index_get(const stance_index *ix, uint32_t id, stance_doc *out);
/* Every document (NULL when a loaded index is found damaged; see stance_index_doc). */
const stance_doc *stance_index_docs(const stance_index *ix);
/* Whether a loaded index was found damaged when its documents were decoded. */
int stance_index_damaged(const stance_index *ix);
/* Decode a loaded index's documents and folders now: 0, -1 (out of memory) or
 * STANCE_INDEX_DAMAGED. Nothing to do for any other index. */
int stance_index_decode(stance_index *ix);
/* The live document at `path`, or -1 (also when damaged). A loaded index not decoded yet is
 * searched by path (its documents are saved in path order), decoding a few entries. */
int64_t stance_index_find(stance_index *ix, const char *path);
/* The same, looking first next to *hint (0 the first time) in a loaded index not decoded yet:
 * what was found last is kept there, so that documents asked for in path order are found
 * without a search. The caller keeps the hint (an index is shared between threads). */
int64_t stance_index_find_near(stance_index *ix, const char *path, uint32_t *hint);
uint32_t stance_index_nsegments(const stance_index *ix);
stance_segment *stance_index_segment(const stance_index *ix, uint32_t i);
size_t stance_index_memory(const stance_index *ix);
/* Live documents in path order (ids), computed on first use after a change; NULL when out
 * of memory. *n gets their number. */
const uint32_t *stance_index_by_path(stance_index *ix, uint32_t *n);

/* The folders as last listed (sorted by path), and the include/exclude rule the documents
 * were chosen with (a hash: a different rule means listing everything again). */
const stance_dir *stance_index_dirs(const stance_index *ix, uint32_t *n);
uint64_t stance_index_rule(const stance_index *ix);
/* Replace them (the index takes `dirs` and their paths, malloc'd). */
void stance_index_set_dirs(stance_index *ix, stance_dir *dirs, uint32_t n, uint64_t rule);

/* Room for `more` documents, so that adding them does not grow tables one by one. */
int stance_index_reserve(stance_index *ix, uint32_t more);
/* A copy sharing the segments and the loaded paths (or, loaded and not changed since, the
 * meta it decodes from), to change without touching `ix`; NULL when out of memory. It reads only what never changes once an index is shared (not the
 * tables its owner makes on first use), so a job may copy, on its own thread, the index its
 * owner keeps searching. */
stance_index *stance_index_copy(const stance_index *ix);
/* Make the tables an index otherwise makes on first use (its documents decoded, paths to
 * ids, path order), so that an index built or loaded on a worker costs its owner nothing
 * when first searched. 0, -1 (out of memory) or STANCE_INDEX_DAMAGED. */
int stance_index_ready(stance_index *ix);

/* Add a document entry (copied, path too). Returns its id, or -1 when out of memory. An
 * older live entry for the same path is marked deleted. */
int64_t stance_index_add_doc(stance_index *ix, const stance_doc *doc);
/* Mark the live document at `path` deleted (it is gone or changed). */
void stance_index_delete(stance_index *ix, const char *path);
/* Record a new stat of document `id` whose bytes were found unchanged. */
void stance_index_touch(stance_index *ix, uint32_t id, const stance_doc *st);
/* Take a reference to `seg`, whose documents must be entries of this index. 0 or -1. */
int stance_index_add_segment(stance_index *ix, stance_segment *seg);
/* Replace segments `old` (n of them, all in the index) by `by` (which holds their live
 * documents): 0, or -1 when one of them is no longer there (nothing changes then). */
int stance_index_replace_segments(stance_index *ix, stance_segment *const *old, uint32_t n,
                                  stance_segment *by);
/* Live documents, and live bytes, for statistics. */
uint32_t stance_index_live(const stance_index *ix, uint64_t *bytes, uint64_t *words);

/* (internal: indexfile.c) Build an index from loaded parts: its documents and folders in
 * `meta` (it takes a reference), decoded when used, and the segments. */
stance_index *stance__index_adopt(stance_meta *meta, uint64_t rule, stance_segment **segs,
                                  uint32_t nsegs);

/* ---- varints ---------------------------------------------------------------------------- */

static inline size_t stance_varint_put(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

/* Decode a varint at p (before end); returns the position after it, or NULL if broken. */
static inline const uint8_t *stance_varint_get(const uint8_t *p, const uint8_t *end,
                                               uint64_t *v) {
  uint64_t r = 0;
  int shift = 0;
  while (p < end && shift < 64) {
    uint8_t b = *p++;
    r |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return p;
    }
    shift += 7;
  }
  return NULL;
}

/* Past n varints from p (their values unread: only their last bytes, those with the high
 * bit clear, are counted, eight bytes at a time); NULL when the bytes end first. */
static inline const uint8_t *stance_varint_skip(const uint8_t *p, const uint8_t *end, uint64_t n) {
  while (n > 0 && end - p >= 8) {
    uint64_t x, ends;
    unsigned c;
    memcpy(&x, p, 8);
    /* the high bit of each last byte, moved to the bottom of its byte, and summed into the
     * top byte by the multiplication (a popcount of at most 8 bits, in three instructions) */
    ends = (~x & 0x8080808080808080ull) >> 7;
    c = (unsigned)((ends * 0x0101010101010101ull) >> 56);
    if (c >= n) break;
    n -= c;
    p += 8;
  }
  while (n > 0 && p < end) n -= !(*p++ & 0x80);
  return n == 0 ? p : NULL;
}

/* Check that [p, p + len) of a segment's tables is readable (its pages against their
 * checksums, once: a loaded segment; nothing to check for a built one). 0, or -1. */
int stance_segment_readable(const stance_segment *seg, const void *p, size_t len);

/* Walking one word's postings (the format is in builder.c: the word's documents, then
 * their positions apart, so that what needs only the documents reads only them). Broken
 * bytes end the walk (and set `broken`): the counts of the documents are never more, all
 * together, than the bytes of the positions. */
typedef struct stance_postings {
  const uint8_t *p, *end;       /* the documents */
  const uint8_t *pp, *pend;     /* the positions, read only when asked for */
  const stance_segment *seg;    /* whose pages of positions are checked when first read */
  uint64_t cur;                 /* local document number + 1 */
  uint64_t budget;              /* bytes of positions not claimed by a document's count */
  uint64_t skip;                /* positions of earlier documents not read (skipped when the
                                   next position is read) */
  uint32_t left;                /* positions of the current document not yet read */
  uint32_t pos;
  int broken, checked;
} stance_postings;

/* 0, or -1 when the segment is damaged. *freq (if not NULL) gets the word's occurrences. */
static inline int stance_postings_init(stance_postings *it, const stance_segment *seg,
                                       uint32_t t, uint32_t *freq) {
  uint32_t f;
  memset(it, 0, sizeof *it);
  if (stance_segment_postings(seg, t, &it->p, &it->end, &it->pp, &it->pend, &f) != 0) return -1;
  it->seg = seg;
  it->budget = (uint64_t)(it->pend - it->pp);
  if (freq != NULL) *freq = f;
  return 0;
}

/* The next document (its positions not read): its local number and number of positions.
 * 0 at the end or on broken data. */
static inline int stance_postings_doc(stance_postings *it, uint32_t *local, uint32_t *count) {
  uint64_t v, c;
  it->skip += it->left;
  it->left = 0;
  if (it->p >= it->end) return 0;
  if ((it->p = stance_varint_get(it->p, it->end, &v)) == NULL) goto broken;
  it->cur += v >> 2;
  c = (v & 3) + 1;
  if (c == 4) {
    uint64_t more;
    if ((it->p = stance_varint_get(it->p, it->end, &more)) == NULL) goto broken;
    c += more;
  }
  /* every position takes a byte at least: counts beyond the bytes are a lie */
  if (it->cur == 0 || it->cur > 0xFFFFFFFFu || c > it->budget) goto broken;
  it->budget -= c;
  *local = (uint32_t)(it->cur - 1);
  *count = (uint32_t)c;
  it->left = (uint32_t)c;
  it->pos = 0;
  return 1;
broken:
  it->p = it->end;
  it->left = 0;
  it->broken = 1;
  return 0;
}

/* Where the current document's positions start (those of the documents before skipped,
 * the pages checked): 0, or -1 (broken). */
static inline int stance__postings_reach(stance_postings *it) {
  if (!it->checked) {
    if (stance_segment_readable(it->seg, it->pp, (size_t)(it->pend - it->pp)) != 0) return -1;
    it->checked = 1;
  }
  if (it->skip > 0) {
    if ((it->pp = stance_varint_skip(it->pp, it->pend, it->skip)) == NULL) return -1;
    it->skip = 0;
  }
  return 0;
}

/* The next position of the current document. 0 when there is none left. */
static inline int stance_postings_pos(stance_postings *it, uint32_t *pos) {
  uint64_t v;
  if (it->left == 0) return 0;
  if ((it->skip > 0 || !it->checked) && stance__postings_reach(it) != 0) goto broken;
  if ((it->pp = stance_varint_get(it->pp, it->pend, &v)) == NULL) goto broken;
  it->pos += (uint32_t)v; /* the first is absolute: pos starts at 0 for each document */
  *pos = it->pos;
  it->left--;
  return 1;
broken:
  it->p = it->end;
  it->pp = it->pend;
  it->left = 0;
  it->broken = 1;
  return 0;
}

/* The bytes of the current document's positions, unread (a merge copies them): 0, or -1
 * (broken; the walk ends). */
static inline int stance_postings_raw(stance_postings *it, const uint8_t **from, size_t *len) {
  const uint8_t *e;
  if (stance__postings_reach(it) != 0 || (e = stance_varint_skip(it->pp, it->pend, it->left)) == NULL) {
    it->p = it->end;
    it->pp = it->pend;
    it->left = 0;
    it->broken = 1;
    return -1;
  }
  *from = it->pp;
  *len = (size_t)(e - it->pp);
  it->pp = e;
  it->left = 0;
  return 0;
}

#endif
