/*
 * store.h - the annotations of one annotation file (one document, one annotator) in
 * memory: records by ID, and an interval index over the annotations' spans.
 *
 * Offsets are whatever unit the caller puts in (the file format uses Unicode code
 * points; the editor may rebase to bytes). A span is [start, end), start < end.
 * The interval index answers "which spans overlap [a, b)" in O(log n + k); it is built
 * in bulk on the first query and kept up to date by every change after that.
 *
 * Strings given to the store are copied; strings it returns live as long as the store.
 */
#ifndef STANCE_STORE_H
#define STANCE_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  STANCE_REC_ANNOTATION = 0,
  STANCE_REC_RELATION,
  STANCE_REC_DOCLABEL,
  STANCE_REC_KINDS
} stance_rec_kind;

/* The fields of a record, in the order the writer puts them. */
typedef enum {
  STANCE_F_TYPE = 0,
  STANCE_F_FROM,
  STANCE_F_TO,
  STANCE_F_LABEL,
  STANCE_F_TARGET,
  STANCE_F_STANCE,
  STANCE_F_ROLE,
  STANCE_F_CONFIDENCE,
  STANCE_F_QUOTE,
  STANCE_F_PREFIX,
  STANCE_F_SUFFIX,
  STANCE_F_NOTE,
  STANCE_F_AUTHOR,
  STANCE_F_CREATED,
  STANCE_F_MODIFIED,
  STANCE_F_CONFLICT,
  STANCE_F_COUNT
} stance_field;

/* The header of the file. */
typedef enum {
  STANCE_H_DOCUMENT = 0,        /* path of the document, relative to the corpus root */
  STANCE_H_HASH,                /* "sha256:<hex>" of the document's content */
  STANCE_H_ANNOTATOR,
  STANCE_H_STATUS,              /* the annotator's progress on the document: "done" or "in-progress" */
  STANCE_H_COUNT
} stance_header;

typedef struct stance_range {
  uint32_t start, end;
} stance_range;

typedef struct stance_rec {
  char *id;
  char *f[STANCE_F_COUNT];      /* NULL when absent */
  stance_range *spans;          /* annotations: sorted, non-overlapping */
  uint32_t nspans;
  stance_rec_kind kind;
  uint32_t line;                /* line it was read from, 0 if made since */
  char *extras;                 /* attributes the reader did not know, canonical lines */
  char *comments;               /* comment lines before the record ("# ...\n"...) */
  char *inner;                  /* indented comment lines inside it */
  uint32_t index;               /* its slot in the store (stance_store_at) */
  int dead;
  /* The editor's marks. An orphan could not be placed in the document's text: its spans
   * stay in the file's units, out of the interval index, and are written as they are. A
   * touched annotation had its text or its context edited (stance_store_shift). */
  unsigned char orphan, touched;
} stance_rec;

typedef struct stance_store stance_store;

enum {
  STANCE_OK = 0,
  STANCE_ENOMEM = -1,
  STANCE_EDUP = -2,             /* the ID is taken */
  STANCE_ENOENT = -3,           /* no record with that ID */
  STANCE_EINVAL = -4            /* an invalid span or field for the kind */
};

stance_store *stance_store_new(void);

/* A record ID (doc/format.md, 4.5) of 8 random bytes: 12 characters of base32 (60 bits) and
 * a NUL into `id`. */
void stance_id_encode(const unsigned char bytes[8], char id[13]);
void stance_store_free(stance_store *s);

/* Names of kinds and fields as written in files ("annotation", "label", ...). */
const char *stance_rec_kind_name(stance_rec_kind kind);
const char *stance_field_name(stance_field f);
const char *stance_header_name(stance_header h);
/* -1 when unknown. */
int stance_field_from_name(const char *name, size_t len);
int stance_rec_kind_from_name(const char *name, size_t len);
/* Whether records of `kind` have field `f`. */
int stance_field_allowed(stance_rec_kind kind, stance_field f);
/* The fields a kind has, bit (1u << f) for field f (0 for no kind). */
unsigned stance_kind_fields(stance_rec_kind kind);

/* Text of the file kept as written, as whole lines (comments with their "#"). */
typedef enum {
  STANCE_T_HEAD = 0,            /* comments before the `format` line */
  STANCE_T_DOC_COMMENTS,        /* comments before the `document` record */
  STANCE_T_DOC_EXTRAS,          /* attributes of `document` the reader did not know */
  STANCE_T_DOC_INNER,           /* indented comments inside `document` */
  STANCE_T_TAIL,                /* comments after the last record */
  STANCE_T_COUNT
} stance_kept;

const char *stance_store_get_header(const stance_store *s, stance_header h);
int stance_store_set_header(stance_store *s, stance_header h, const char *value);
const char *stance_store_get_text(const stance_store *s, stance_kept t);
int stance_store_set_text(stance_store *s, stance_kept t, const char *value);

/* Copy `tmpl` (its strings, spans, extras and comments) into the store. `index_out`, if
 * not NULL, receives the record's index. STANCE_EDUP if the ID (with its conflict side)
 * is taken. */
int stance_store_add(stance_store *s, const stance_rec *tmpl, uint32_t *index_out);
/* The same, for a template whose strings lie (NUL-terminated) in `blob`: the blob is
 * copied once, which is how the reader adds records fast. Strings outside it are copied
 * one by one. */
int stance_store_add_packed(stance_store *s, const stance_rec *tmpl, const char *blob,
                            size_t bloblen, uint32_t *index_out);
/* The same for a blob in memory of the store already (stance_store_alloc): its strings are
 * kept where they are, not copied. */
int stance_store_add_kept(stance_store *s, const stance_rec *tmpl, const char *blob, size_t bloblen,
                          uint32_t *index_out);
/* `n` bytes that live as long as the store (NULL when out of memory). */
void *stance_store_alloc(stance_store *s, size_t n);
/* Room for `n` more records in the ID map, made at once. STANCE_OK or STANCE_ENOMEM. */
int stance_store_reserve(stance_store *s, uint32_t n);
/* Move every record of `from` behind the store's, in order, with their strings; `from` is
 * left without records (headers and kept texts stay; free it as usual). A record whose ID
 * (with its conflict side) the store already holds is left out, after `dup` (if not NULL)
 * is called with it and the record that holds the ID. 0, or STANCE_ENOMEM (then free both). */
typedef void (*stance_absorb_cb)(void *ud, const stance_rec *r, const stance_rec *first);
int stance_store_absorb(stance_store *s, stance_store *from, stance_absorb_cb dup, void *ud);
int stance_store_remove(stance_store *s, const char *id);
/* Remove one version of a merge conflict (side "ours" or "theirs"; NULL: the record
 * without a conflict, as stance_store_remove). STANCE_ENOENT when there is none. */
int stance_store_remove_conflict(stance_store *s, const char *id, const char *side);
stance_rec *stance_store_get(const stance_store *s, const char *id);
/* Start bringing into the cache where the record `id` goes in the map, for a stance_store_add
 * of it a little later (a big store's map is much bigger than the cache: reading a file, the
 * record's other lines are read meanwhile). */
void stance_store_prefetch(const stance_store *s, const char *id);
/* The record that holds `id` on conflict side `side` ("ours", "theirs", ...). */
stance_rec *stance_store_get_conflict(const stance_store *s, const char *id, const char *side);
/* Set a field (NULL removes it). STANCE_EINVAL if the kind has no such field. */
int stance_store_set_field(stance_store *s, const char *id, stance_field f, const char *value);
int stance_store_set_spans(stance_store *s, const char *id, const stance_range *r, uint32_t n);
/* Change the ID of a record (STANCE_EDUP if taken). */
int stance_store_rename(stance_store *s, const char *id, const char *new_id);

/* Record slots, including removed ones (check ->dead). */
uint32_t stance_store_slots(const stance_store *s);
stance_rec *stance_store_at(const stance_store *s, uint32_t index);
uint32_t stance_store_count(const stance_store *s, stance_rec_kind kind);

/* Call `cb` for every span overlapping [a, b) (a == b: the spans containing a), in order of
 * span start. Returns the number of calls, or STANCE_ENOMEM if the index could not be
 * built. A non-zero return from `cb` stops the walk. */
typedef int (*stance_span_cb)(void *ud, stance_rec *rec, uint32_t span);
int stance_store_query(stance_store *s, uint32_t a, uint32_t b, stance_span_cb cb, void *ud);

/* Record indexes in the writer's order: document labels by ID, annotations by (first span
 * start, end, ID), relations by ID. The caller frees the array. NULL when out of memory. */
uint32_t *stance_store_sorted(const stance_store *s, uint32_t *n);
/* The same order for `n` records in an array (all live): their positions in it, into `idx`
 * (n places). STANCE_OK or STANCE_ENOMEM. */
int stance_recs_order(const stance_rec *recs, uint32_t n, uint32_t *idx);

/* Offsets as written: the writer may convert each span offset it writes (the editor keeps
 * buffer bytes and writes code points). Must be monotonic; orphans are not converted. */
typedef uint32_t (*stance_conv)(void *ud, uint32_t off);
/* stance_store_sorted with the keys converted by `conv` (NULL: as they are). */
uint32_t *stance_store_sorted_conv(const stance_store *s, uint32_t *n, stance_conv conv, void *ud);

/* Whether the `k` live records at `slots` (distinct) come last in that order, after every
 * other live record: then their text, in the order put into `order` (positions in `slots`),
 * appended to the canonical text of the others is the canonical text of all. 1 yes, 0 no
 * (also when a slot is not a live record), STANCE_ENOMEM. Stops at the first record that
 * comes after one of them. */
int stance_store_last_conv(const stance_store *s, const uint32_t *slots, uint32_t k, stance_conv conv, void *ud,
                           uint32_t *order);

/* Spans were changed in place (r->spans): rebuild the interval index at the next query. */
void stance_store_reindex(stance_store *s);
/* Build the interval index now if it is not built (the first query would): for a store made
 * ready on another thread. STANCE_OK or STANCE_ENOMEM. */
int stance_store_index(stance_store *s);

/* Mark a record as an orphan (1) or not (0): out of the interval index or back in. */
int stance_store_set_orphan(stance_store *s, const char *id, int orphan);

/* The text of the document changed: bytes [pos, old_end) became [pos, new_end). Every
 * span moves with the text: spans after it shift, spans over it grow or shrink, a span
 * whose text was deleted collapses to an empty span at pos (it is not dropped). Inserting
 * at a span's start or end leaves the span as it was. Annotations whose text or whose
 * `context` bytes around it were touched get ->touched = 1. Returns how many were
 * touched, or STANCE_ENOMEM. `cb`, if not NULL, is called for each touched annotation
 * after it moved, with its spans before (r->nspans of them). O(n), a small constant. */
typedef void (*stance_shift_cb)(void *ud, const stance_rec *r, const stance_range *before);
int stance_store_shift(stance_store *s, uint32_t pos, uint32_t old_end, uint32_t new_end,
                       uint32_t context, stance_shift_cb cb, void *ud);

/* Memory in use by the store, in bytes. */
size_t stance_store_memory(const stance_store *s);

#endif
