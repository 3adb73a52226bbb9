/*
 * load.h - an annotation file and its document made ready on threads while the editor reads
 * the document itself: both files read, the annotation file parsed (in parts), the
 * document's frame built and its SHA-256 computed. The editor starts it when a document is
 * about to be read and takes the result when it attaches, so that the work overlaps
 * Neovim's own read of the document.
 */
#ifndef STANCE_LOAD_H
#define STANCE_LOAD_H

#include "frame.h"
#include "hash.h"
#include "problems.h"
#include "reader.h"

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
  char hash[STANCE_HASH_HEXLEN + 1]; /* "" when the document was not read */
  int oom;
} stance_load_result;

/* What is made of the document: the frame of its bytes (as a file, with "\r\n" line ends
 * when `crlf`) and their SHA-256 in hex (STANCE_HASH_HEXLEN + 1 bytes). 0, or -1 when out
 * of memory (*frame NULL). */
int stance_load_document(const char *text, size_t len, int crlf, stance_frame **frame, char *hex);

/* Start loading. `vocab` (may be NULL) is taken. NULL when out of memory or when no thread
 * could be started. */
stance_load *stance_load_start(const char *ann_path, const char *doc_path, stance_vocab *vocab);
/* Whether the load has finished (then waiting costs nothing). */
int stance_load_finished(stance_load *l);
/* Wait for the load to finish (at once if it has); the result stays the load's. */
stance_load_result *stance_load_wait(stance_load *l);
/* Wait, then free whatever was not taken. */
void stance_load_free(stance_load *l);

#endif
