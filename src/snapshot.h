/*
 * snapshot.h - a store saved as it is in memory, to be loaded again without parsing: what
 * the editor keeps beside an annotation file (in .stance/cache/) so that opening a document
 * with 100k annotations does not parse 30 MB of markup each time. The snapshot carries a
 * key (what it was made from: the caller's stamps of the annotation file and the document)
 * and a checksum; a snapshot with another key, or damaged, is refused. Numbers are in the
 * machine's byte order: a snapshot is a cache of this machine, never shared.
 *
 *   "STSNAP01" | u64 payload length | u64 XXH3-64(payload) | payload
 *   payload: key | headers | kept texts | u32 records | records
 *   string: u32 length (0xFFFFFFFF: none) | bytes
 *   record: u8 kind | u8 flags (1 orphan, 2 touched) | u16 0 | u32 line | u32 spans |
 *           u32 present (bit 0 id, 1 + f field f, then extras, comments, inner) |
 *           u32 blob length | spans (u32 start, u32 end) | blob (NUL-terminated strings)
 */
#ifndef STANCE_SNAPSHOT_H
#define STANCE_SNAPSHOT_H

#include <stddef.h>

#include "buf.h"
#include "store.h"

#define STANCE_SNAPSHOT_MAGIC "STSNAP02" /* 02: the status header */

/* Append the snapshot of `s` made under `key` to `out`. 0 or STANCE_ENOMEM. */
int stance_store_snapshot(const stance_store *s, const char *key, stance_buf *out);

/* The store saved in `data`, or NULL: *why is "stale" (another key), "damaged" or "memory". */
stance_store *stance_store_from_snapshot(const char *data, size_t len, const char *key, const char **why);
/* The store saved in the file `path` if its key starts with `prefix`: that key in *key
 * (malloc'd, the caller frees it; NULL when no store is returned). The file is read into the
 * store's own memory, where its strings stay (nothing copied). *why: also "missing". */
stance_store *stance_store_from_snapshot_file(const char *path, const char *prefix, char **key, const char **why);

/* A snapshot read in place, for reading only: its records with their strings where they are
 * in `data` (which must outlive it), what a store loaded from it would hold, in the same
 * slots. NULL, with *why: "stale" (another key), "damaged", "memory", or "raw" (it keeps text
 * as written, comments or unknown attributes: load a store, which checks they read back). */
/* With `checked`, the caller vouches for `data` (the layer cache, whose entry was verified
 * when it was found): neither its checksum nor what its records hold is checked again, and
 * open reads of each record only what orders them (kind, spans, id); they are read within
 * their bounds all the same: a crafted one reads as records a store would refuse, or as none
 * (at() gives NULL) where its strings are not all there, and a store made from the snapshot
 * checks them. */
typedef struct stance_snapview stance_snapview;
stance_snapview *stance_snapview_open(const char *data, size_t len, const char *key, int checked, const char **why);
void stance_snapview_free(stance_snapview *v);
uint32_t stance_snapview_count(const stance_snapview *v);
/* The record of slot i (0-based; NULL past the end), decoded again from the snapshot when it
 * is not the one asked for last: valid until the next call of at() on the view. */
const stance_rec *stance_snapview_at(stance_snapview *v, uint32_t i);
/* One string of the record of slot i, without decoding the others (what at(i) gives as its
 * id, with f -1, or as its field f): NULL when it has none (or past the end), else the string
 * (NUL-terminated, *len bytes before the NUL). at()'s record stays as it was. */
const char *stance_snapview_string(const stance_snapview *v, uint32_t i, int f, size_t *len);
/* The kind of the record of slot i (a stance_rec_kind; -1 past the end), without decoding it. */
int stance_snapview_kind(const stance_snapview *v, uint32_t i);
/* The slots in the writer's order (stance_store_sorted), count() of them. */
const uint32_t *stance_snapview_order(const stance_snapview *v);
/* Header h (not NUL-terminated: *len bytes), or NULL. */
const char *stance_snapview_header(const stance_snapview *v, stance_header h, size_t *len);

#endif
