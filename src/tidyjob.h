/*
 * tidyjob.h - a layer file written again in its canonical form, on the worker: the editor's
 * whole write of a file that an append left out of the canonical order (stance.editor.tidy),
 * kept off Neovim's main thread.
 *
 * The job reads the file only while it has the stamp (stance_stamp_of of its lstat) the
 * editor recorded for it, parses it with the reader (a file with any error is refused: never
 * written over by what could not be read whole), sets the header values it was given, writes
 * the store's canonical text (stance_write: what the editor's whole write makes of the same
 * records) and replaces the file atomically under its lock (stance_write_file) only if it
 * still has that stamp. When anyone changed the file meanwhile (an append, a merge, a pull)
 * it gives up and writes nothing: the editor's own write, which merges, takes over.
 *
 * Nothing here touches a lua_State; the outcome is read once the job has ended, whatever its
 * state (a job cancelled after its rename still says it wrote). Its progress (items done)
 * says how far it went: 0 not begun (cancelled now, it never writes anything), 1 begun, 2
 * its locked write begun (it is not stopped any more).
 */
#ifndef STANCE_TIDYJOB_H
#define STANCE_TIDYJOB_H

#include <stddef.h>

#include "job.h"
#include "reader.h"
#include "store.h"

typedef enum {
  STANCE_TIDY_NONE = 0,  /* not ended yet */
  STANCE_TIDY_WRITTEN,   /* the file replaced by its canonical text */
  STANCE_TIDY_SAME,      /* it was canonical already: nothing written */
  STANCE_TIDY_CHANGED,   /* it changed (or went) since the stamp was taken: nothing written */
  STANCE_TIDY_BUSY,      /* another writer held its lock all the time waited: nothing written */
  STANCE_TIDY_ERRORS,    /* it has errors (the reader's): refused, nothing written */
  STANCE_TIDY_FAILED,    /* it could not be read or written (why: stance_tidyjob_why) */
  STANCE_TIDY_CANCELLED  /* asked to stop before anything was written */
} stance_tidy_outcome;

typedef struct stance_tidy_opts {
  const char *path;          /* the layer file */
  const char *expect_stamp;  /* its stamp when the editor last read or wrote it */
  const char *root;          /* NULL, or the corpus: the file must be inside it (atomic.h) */
  const stance_vocab *vocab; /* NULL, or the schema's values (copied) */
  /* Header values to set before writing (NULL: as read), as the editor's whole write sets
   * them: document, hash, annotator, status (stance_header order). */
  const char *headers[STANCE_H_COUNT];
  unsigned lock_wait_ms;     /* for another writer's lock (0: STANCE_LOCK_WAIT_MS) */
  int durable;               /* fsync the file and its folder (a layer: always) */
} stance_tidy_opts;

/* A new job (everything in `o` copied); NULL when out of memory. */
stance_job *stance_tidyjob_new(const stance_tidy_opts *o);

/* Once the job has ended: its outcome, and why (a message; "" when none). */
stance_tidy_outcome stance_tidyjob_outcome(stance_job *job, const char **why);
const char *stance_tidy_outcome_name(stance_tidy_outcome o);
/* WRITTEN: the file's new stamp and the SHA-256 (hex) of what was written; SAME: its stamp. */
const char *stance_tidyjob_stamp(stance_job *job);
const char *stance_tidyjob_hash(stance_job *job);
/* WRITTEN or SAME: the file's text (malloc'd, the caller frees it), taken once; else NULL. */
char *stance_tidyjob_take_text(stance_job *job, size_t *len);

/* Run a job made by stance_tidyjob_new (not submitted) on the caller's thread, to its end:
 * what the fuzz target does without a worker. 0, or a negative code (out of memory). */
int stance_tidyjob_run_here(stance_job *job);

/* For tests: `fn` is called on the worker's thread at each step (1: the file read and
 * parsed; 2: its canonical text made, just before the locked write). NULL removes it. */
void stance_tidyjob_test_hook(void (*fn)(int step, void *arg), void *arg);

#endif
