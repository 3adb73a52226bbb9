/*
 * cuejob.h - a job that matches a cue lexicon (cues.h) in every document below a folder,
 * in parallel on the worker's pool: per document, how many cues of each category.
 */
#ifndef STANCE_CUEJOB_H
#define STANCE_CUEJOB_H

#include "cues.h"
#include "job.h"

#define STANCE_CUEJOB_MAX_CATEGORIES 64

typedef struct stance_cue_result {
  const char *path;             /* relative to the root */
  uint64_t size;
  uint32_t counts[STANCE_CUEJOB_MAX_CATEGORIES]; /* by category number (1-based: counts[c - 1]) */
  uint64_t matches;
  const char *error;            /* NULL, or why this file was not read */
} stance_cue_result;

/* `cues` is only read, from several threads, and must outlive the job. `exts` as for
 * stance_walk_run (copied). NULL when out of memory. */
stance_job *stance_cuejob_new(const char *root, const char *const *exts, const stance_cues *cues);

/* Results in path order; valid once the job is done, while the job lives. */
size_t stance_cuejob_results(stance_job *job, const stance_cue_result **out);

#endif
