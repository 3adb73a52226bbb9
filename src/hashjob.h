/*
 * hashjob.h - a job that hashes (SHA-256) every document below a folder, in parallel.
 */
#ifndef STANCE_HASHJOB_H
#define STANCE_HASHJOB_H

#include "hash.h"
#include "job.h"
#include "walk.h"

typedef struct stance_hash_result {
  const char *path;             /* relative to the root */
  uint64_t size;
  char hex[STANCE_HASH_HEXLEN + 1];
  const char *error;            /* NULL, or why this file has no hash */
} stance_hash_result;

/* `exts` as for stance_walk_run (copied). NULL when out of memory. */
stance_job *stance_hashjob_new(const char *root, const char *const *exts);

/* Results in path order; valid once the job is done, while the job lives. */
size_t stance_hashjob_results(stance_job *job, const stance_hash_result **out);

#endif
