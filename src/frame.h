/*
 * frame.h - the frame of reference between an editor and an annotation file.
 *
 * Annotation files count code points of the document's file (a byte order mark and the
 * "\r" of "\r\n" line ends included). An editor counts bytes of its buffer: lines joined
 * by one "\n", no byte order mark. A frame holds the file's text (as the editor would
 * write it) and converts between the two, and places the annotations of a file in the
 * text: where they were if their quote is still there, else at the occurrence of their
 * quote that best fits (nearest, with the most of prefix and suffix around it), else they
 * are orphans, kept as they are.
 */
#ifndef STANCE_FRAME_H
#define STANCE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "text.h"

typedef struct stance_frame stance_frame;

/* The file's text (copied). `crlf`: the buffer's lines end in "\r\n" in the file. A
 * byte order mark at the start is detected. NULL when out of memory. */
#define STANCE_FRAME_MAX 0xFFFFFFF0u /* bytes: spans are 32-bit */
stance_frame *stance_frame_new(const char *file_text, size_t len, int crlf);
/* The same without a copy: `file_text` (malloc'd, with room for len + 1 bytes) is taken, and
 * freed with the frame (or at once when NULL is returned). */
stance_frame *stance_frame_new_take(char *file_text, size_t len, int crlf);
void stance_frame_free(stance_frame *f);
const stance_text *stance_frame_text(const stance_frame *f);

/* Buffer byte <-> file byte <-> file code point. Offsets past the end are clamped. */
size_t stance_frame_to_file(const stance_frame *f, size_t buf_byte);
size_t stance_frame_to_buf(const stance_frame *f, size_t file_byte);
size_t stance_frame_buf_to_cp(const stance_frame *f, size_t buf_byte);
size_t stance_frame_cp_to_buf(const stance_frame *f, size_t cp);
/* Length of the buffer text in bytes. */
size_t stance_frame_buf_len(const stance_frame *f);

typedef struct stance_anchor_result {
  uint32_t placed, moved, orphaned; /* moved: found again elsewhere */
  uint32_t fuzzy;                   /* of the moved: found with a changed quote */
  uint32_t unsearched;              /* of the orphans: not searched (fully), the budget ran out */
} stance_anchor_result;

/* The work one anchoring call may do searching (steps: a position looked at, a cell of edit
 * distance; about a nanosecond each): a base, and more per byte of text. Annotations left
 * when it is used up stay where the file says, as orphans (counted as unsearched): no
 * document, however large or repetitive, makes opening or checking it take long. */
#define STANCE_ANCHOR_BUDGET 400000000ull
#define STANCE_ANCHOR_BUDGET_PER_BYTE 64u

typedef struct stance_anchor_opts {
  uint64_t budget; /* 0: the default above */
  /* called every few searches: how far the annotations are gone through (slots) */
  void (*progress)(void *ud, uint32_t done, uint32_t total);
  void *progress_ud;
  /* 1: search for each annotation on its own, one after the other (what anchoring did before
   * it looked near where each was and searched the whole text once for all): the reference
   * the tests compare with. Same result where neither ran out of budget. */
  int each;
} stance_anchor_opts;

/* At most a fifth of a quote's bytes may differ (edits: insert, delete, replace a byte)
 * for a fuzzy match, and never more than STANCE_FUZZY_MAX_EDITS. */
#define STANCE_FUZZY_DIVISOR 5
#define STANCE_FUZZY_MAX_EDITS 64
/* Shorter quotes are only found exactly: a few edits can turn them into other words. */
#define STANCE_FUZZY_MIN_QUOTE 16
/* Where the whole prefix and the whole suffix are still there, the text between is the
 * annotation's when it is at most a third of the longer of the two (quote and text) away
 * from the quote: the same limit for an edit and its revert. */
#define STANCE_FUZZY_HELD_DIVISOR 3
/* Bytes of the context next to an edge that hold it where it is (word-widening never moves
 * a held edge); a shorter prefix or suffix holds an edge only at the document's start or
 * end, as it was. */
#define STANCE_HOLD_MIN 8

/* Called for each annotation that moved (orphan = 0; 2 when found with a changed quote) or
 * was made an orphan (1). */
typedef void (*stance_anchor_cb)(void *ud, const stance_rec *r, int orphan);

/* Place every annotation of `s` (spans in file code points) in the text and convert its
 * spans to buffer bytes: where it was if its quote is still there (always checked, whatever
 * hash the file recorded: a file can be wrong, merged, or hostile); else at the occurrence
 * of its quote with the most matching prefix and suffix, then the nearest; else (one span
 * only) at the best approximate occurrence: the substring with the fewest byte edits from
 * the quote, at most a fifth of its length (STANCE_FUZZY_*), ties broken by prefix/suffix,
 * distance and position. An annotation is looked for near where it was first (the shifts
 * that placed the ones before it, then its neighbourhood), a place found so taken only when
 * no other place could be better (the whole prefix and suffix, nothing nearer); the others
 * are searched for in one pass over the text for all (each distinct quote with its context,
 * then alone: the nearest place by a binary search among its places); approximate searches
 * go through an index of the text's grams (qgram.h), made when first needed: each costs
 * about what its needle's rarest grams occur, not the length of the text. All within a work
 * budget for the call. Those that moved are marked touched (their
 * quote and context are refreshed at the next write). Those that cannot be placed become
 * orphans (their spans stay in code points). 0 or STANCE_ENOMEM. */
int stance_frame_anchor(const stance_frame *f, stance_store *s, stance_anchor_result *res,
                        stance_anchor_cb cb, void *ud);
/* The same with options (NULL: the defaults). */
int stance_frame_anchor_ex(const stance_frame *f, stance_store *s, const stance_anchor_opts *opts,
                           stance_anchor_result *res, stance_anchor_cb cb, void *ud);

/* Set quote, prefix and suffix (`context` code points each) of the annotations marked
 * touched from the text, and clear the mark. An annotation whose spans are all empty (its
 * text was deleted) keeps its fields and its mark; `cb` is called for it (orphan = 1).
 * Returns how many were refreshed, or STANCE_ENOMEM. */
int stance_frame_refresh(const stance_frame *f, stance_store *s, uint32_t context,
                         stance_anchor_cb cb, void *ud);

/* The same for the annotations named by `ids` (`n` of them) only, touched or not left as
 * they are: what changed since the last refresh when the caller knows it (an annotation
 * added), without a look at every record of a large store. An ID not in the store is
 * skipped. */
int stance_frame_refresh_ids(const stance_frame *f, stance_store *s, const char *const *ids, size_t n,
                             uint32_t context, stance_anchor_cb cb, void *ud);

/* quote/prefix/suffix of spans (buffer bytes) into `out` strings (malloc'd, caller frees).
 * STANCE_ENOMEM or 0. */
int stance_frame_context(const stance_frame *f, const stance_range *spans, uint32_t n,
                         uint32_t context, char **quote, char **prefix, char **suffix);

#endif
