/*
 * indexjob.h - (re)index a corpus on the worker: find what changed since the index was
 * last updated, index only that, in parallel, in segments of a few megabytes.
 *
 * The job works from a snapshot of the index taken when it is created, so it never
 * touches the live index; stance_indexjob_apply() brings its result in, on the owner's
 * thread, once the job is done.
 */
#ifndef STANCE_INDEXJOB_H
#define STANCE_INDEXJOB_H

#include "index.h"
#include "job.h"

typedef struct stance_indexjob_stats {
  uint32_t seen;                /* documents found */
  uint32_t unchanged;           /* reused from the index */
  uint32_t indexed;             /* read and indexed */
  uint32_t removed;             /* in the index, gone from the folder */
  uint32_t failed;              /* could not be read */
  uint64_t bytes;               /* bytes indexed */
} stance_indexjob_stats;

/* Index the documents below `root` matching one of `include` (globs; NULL: "*.txt" and
 * "*.md") and none of `exclude`. With `only` (NULL-terminated relative paths), look at
 * those paths alone (a file watcher's news) instead of walking the folder. `tasks`: how
 * many pieces the worker runs at once (the work is cut into as many segments). */
stance_job *stance_indexjob_new(const char *root, const char *const *include,
                                const char *const *exclude, const char *const *only,
                                const stance_index *current, int tasks);

/* Bring a done job's result into `ix` (the index the job was made from). 0, or -1 when
 * out of memory. Applying twice does nothing the second time. */
int stance_indexjob_apply(stance_job *job, stance_index *ix);

void stance_indexjob_stats_get(stance_job *job, stance_indexjob_stats *out);
/* Documents that could not be read: paths and messages (valid while the job lives). */
size_t stance_indexjob_errors(stance_job *job, const char *const **paths,
                              const char *const **messages);

#endif
