/*
 * load.h - an annotation file and its document made ready on threads while the editor reads
 * the document itself, so that the work overlaps Neovim's own read of the document. The
 * editor starts it when a document is about to be read and takes the result when it
 * attaches. Either
 *   - from the layer cache (a snapshot, snapshot.h) whose key starts as the caller says:
 *     the store as it was placed in the document, and the annotation file's bytes (the base
 *     of a later merge); the document is not read; or, when there is no such cache,
 *   - from the files: both read, the annotation file parsed (in parts), the document's frame
 *     built, then the store placed in the document (frame.h: stance_frame_anchor_ex, every
 *     quote checked where the file says), as the editor would place it in a buffer showing
 *     the document as read. The document's SHA-256 is not computed: nothing the open shows
 *     needs it, and what records it (a whole write of the annotation file) hashes the
 *     frame's bytes then (lframe.c: frame:sha256()).
 */
#ifndef STANCE_LOAD_H
#define STANCE_LOAD_H

#include "frame.h"
#include "problems.h"
#include "reader.h"
#include "snapshot.h"

typedef struct stance_load stance_load;

/* What a load made; every pointer is owned by the load until taken (set to NULL). */
typedef struct stance_load_result {
  int ann_errno, doc_errno;     /* 0, or why a file could not be read */
  char *ann;                    /* the annotation file's bytes */
  size_t ann_len;
  stance_store *store;          /* NULL when the file was not read, or out of memory */
  stance_problems problems;
  stance_frame *frame;          /* of the document's bytes, with `crlf` as detected */
  int crlf;                     /* every line of the document ends with "\r\n" */
  int oom;
  char *key;                    /* from the cache: its whole key (else NULL) */
  int anchored;                 /* the store is placed in the frame's text (buffer bytes) */
  stance_anchor_result anchor;  /* then: how, and the IDs of those that moved, moved with */
  stance_buf moved, fuzzy, orphaned; /* a changed quote, or were orphaned (NUL after each) */
} stance_load_result;

/* Documents smaller than this (bytes) are made ready by core.read (lstore.c) on the thread
 * that reads the annotation file: another thread would cost more than it saves. (A load
 * always reads its document on a thread of its own: it is started for big annotation
 * files.) */
#define STANCE_DOC_THREAD_MIN (1u << 20)

/* Start loading. `vocab` (may be NULL) is taken. `snapshot` (may be NULL): the layer cache
 * to load instead when its key starts with `key_prefix`. NULL when out of memory or when no
 * thread could be started. */
stance_load *stance_load_start(const char *ann_path, const char *doc_path, stance_vocab *vocab,
                               const char *snapshot, const char *key_prefix);
/* Whether the load has finished (then waiting costs nothing). */
int stance_load_finished(stance_load *l);
/* Wait for the load to finish (at once if it has); the result stays the load's. */
stance_load_result *stance_load_wait(stance_load *l);
/* Wait, then free whatever was not taken. */
void stance_load_free(stance_load *l);

#endif
