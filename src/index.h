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
 * Word positions count words, plus one more whenever something other than blanks and line
 * ends separates two words: a phrase matches words at consecutive positions.
 */
#ifndef STANCE_INDEX_H
#define STANCE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

typedef struct stance_doc {
  char *path;                   /* relative to the corpus root, '/'-separated */
  uint64_t size;
  int64_t mtime_ns;
  char hash[STANCE_HASH_HEXLEN + 1];
  uint32_t words;
  uint32_t segment;             /* index of the segment holding it */
  int deleted;                  /* changed or gone since: its segment entry is stale */
} stance_doc;

typedef struct stance_segment {
  int refs;
  uint32_t ndocs;
  uint32_t *docs;               /* global document ids, ascending */
  uint32_t nterms;
  uint32_t *term_off;           /* nterms + 1 offsets into `terms` */
  char *terms;                  /* folded words, sorted bytewise, not NUL-terminated */
  uint64_t *post_off;           /* nterms + 1 offsets into `postings` */
  uint32_t *freq;               /* occurrences of each word */
  uint8_t *postings;
  void *block;                  /* one allocation holding everything above, or NULL */
  size_t block_size;
  struct stance_shared *shared; /* or: a buffer shared with other segments (a loaded file) */
} stance_segment;

/* A buffer that segments loaded from one file point into; freed with the last of them.
 * Segment references are taken and dropped on one thread only (the owner's). */
typedef struct stance_shared {
  int refs;
  void *data;
  size_t size;
} stance_shared;

/* Frees the segment when the last reference goes. */
void stance_segment_unref(stance_segment *seg);
stance_segment *stance_segment_ref(stance_segment *seg);
size_t stance_segment_memory(const stance_segment *seg);
/* The index of `word` in the dictionary, or -1. */
int64_t stance_segment_find(const stance_segment *seg, const char *word, size_t len);
/* The range [*lo, *hi) of dictionary entries starting with `prefix`. */
void stance_segment_prefix(const stance_segment *seg, const char *prefix, size_t len,
                           uint32_t *lo, uint32_t *hi);

/* An empty segment with room for the given sizes (internal: builder.c, merge). */
stance_segment *stance__segment_alloc(uint32_t ndocs, uint32_t nterms, size_t words_len,
                                      size_t post_len);

/* Builds one segment, document by document (positions as described above). */
typedef struct stance_segment_builder stance_segment_builder;
stance_segment_builder *stance_builder_new(void);
void stance_builder_free(stance_segment_builder *b);
/* Add the words of one document, known as `doc` (global id, ascending across calls).
 * Returns its number of words, or -1 when out of memory. */
long stance_builder_add(stance_segment_builder *b, uint32_t doc, const char *text, size_t len);
/* The finished segment (the builder is emptied); NULL when out of memory. */
stance_segment *stance_builder_finish(stance_segment_builder *b);

typedef struct stance_index stance_index;

/* Merge segments, in order, into one (documents keep their global ids; `keep`, if not
 * NULL, says which to keep by global id). NULL when out of memory. */
stance_segment *stance_segments_merge(stance_segment *const *segs, uint32_t n,
                                      int (*keep)(void *ud, uint32_t doc), void *ud);

stance_index *stance_index_new(void);
void stance_index_free(stance_index *ix);

uint32_t stance_index_ndocs(const stance_index *ix); /* including deleted ones */
const stance_doc *stance_index_doc(const stance_index *ix, uint32_t id);
/* The live document at `path`, or -1. */
int64_t stance_index_find(const stance_index *ix, const char *path);
uint32_t stance_index_nsegments(const stance_index *ix);
stance_segment *stance_index_segment(const stance_index *ix, uint32_t i);
size_t stance_index_memory(const stance_index *ix);

/* Room for `more` documents, so that adding them does not grow tables one by one. */
int stance_index_reserve(stance_index *ix, uint32_t more);
/* A read-only copy sharing the segments (for a save on the worker while the index lives
 * on). Only for reading docs and segments; NULL when out of memory. */
stance_index *stance_index_snapshot(const stance_index *ix);

/* Add a document entry (copied); its segment is set by stance_index_add_segment. Returns
 * its id, or -1 when out of memory. An older live entry for the same path is marked
 * deleted. */
int64_t stance_index_add_doc(stance_index *ix, const stance_doc *doc);
/* Mark the live document at `path` deleted (it is gone or changed). */
void stance_index_delete(stance_index *ix, const char *path);
/* Take a reference to `seg`, whose documents must be entries of this index. 0 or -1. */
int stance_index_add_segment(stance_index *ix, stance_segment *seg);
/* Live documents, and live bytes, for statistics. */
uint32_t stance_index_live(const stance_index *ix, uint64_t *bytes, uint64_t *words);

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

/* Walking one word's postings (the format is in index.c). */
typedef struct stance_postings {
  const uint8_t *p, *end;
  uint64_t cur;                 /* local document number + 1 */
  uint32_t left;                /* positions of the current document not yet read */
  uint32_t pos;
} stance_postings;

static inline void stance_postings_init(stance_postings *it, const stance_segment *seg, uint32_t t) {
  it->p = seg->postings + seg->post_off[t];
  it->end = seg->postings + seg->post_off[t + 1];
  it->cur = 0;
  it->left = 0;
  it->pos = 0;
}

/* The next document (skipping positions not read): its local number and number of
 * positions. 0 at the end or on broken data. */
static inline int stance_postings_doc(stance_postings *it, uint32_t *local, uint32_t *count) {
  uint64_t v, c;
  while (it->left > 0) {
    if ((it->p = stance_varint_get(it->p, it->end, &v)) == NULL) return 0;
    it->left--;
  }
  if (it->p >= it->end || (it->p = stance_varint_get(it->p, it->end, &v)) == NULL) return 0;
  it->cur += v >> 2;
  c = (v & 3) + 1;
  if (c == 4) {
    uint64_t more;
    if ((it->p = stance_varint_get(it->p, it->end, &more)) == NULL) return 0;
    c += more;
  }
  if (it->cur == 0 || c > 0xFFFFFFFFu) return 0;
  *local = (uint32_t)(it->cur - 1);
  *count = (uint32_t)c;
  it->left = (uint32_t)c;
  it->pos = 0;
  return 1;
}

/* The next position of the current document. 0 when there is none left. */
static inline int stance_postings_pos(stance_postings *it, uint32_t *pos) {
  uint64_t v;
  if (it->left == 0 || (it->p = stance_varint_get(it->p, it->end, &v)) == NULL) return 0;
  it->pos += (uint32_t)v; /* the first is absolute: pos starts at 0 for each document */
  *pos = it->pos;
  it->left--;
  return 1;
}

#endif
