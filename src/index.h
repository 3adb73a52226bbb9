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
} stance_segment;

/* Frees the segment when the last reference goes. */
void stance_segment_unref(stance_segment *seg);
stance_segment *stance_segment_ref(stance_segment *seg);
size_t stance_segment_memory(const stance_segment *seg);
/* The index of `word` in the dictionary, or -1. */
int64_t stance_segment_find(const stance_segment *seg, const char *word, size_t len);
/* The range [*lo, *hi) of dictionary entries starting with `prefix`. */
void stance_segment_prefix(const stance_segment *seg, const char *prefix, size_t len,
                           uint32_t *lo, uint32_t *hi);

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

stance_index *stance_index_new(void);
void stance_index_free(stance_index *ix);

uint32_t stance_index_ndocs(const stance_index *ix); /* including deleted ones */
const stance_doc *stance_index_doc(const stance_index *ix, uint32_t id);
/* The live document at `path`, or -1. */
int64_t stance_index_find(const stance_index *ix, const char *path);
uint32_t stance_index_nsegments(const stance_index *ix);
stance_segment *stance_index_segment(const stance_index *ix, uint32_t i);
size_t stance_index_memory(const stance_index *ix);

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

#endif
