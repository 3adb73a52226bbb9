/*
 * indexjob.h - bring a corpus's index up to date on the worker: find what changed since
 * the index was last updated, index only that, in parallel.
 *
 * Finding what changed costs what `git status` costs, not a read of the corpus: folders
 * whose modification time did not change hold the same names, so only their documents
 * are looked at (one stat each, spread over threads) and compared with what the index
 * recorded (size, times, inode). A document whose stat changed is read and hashed; only
 * if its bytes changed is it indexed again. A document or folder changed within the
 * clock's resolution of being recorded is "racy" and read again next time (as git does).
 *
 * New segments are built in pieces of bounded memory and, when the index has a folder,
 * written there as they are done and mapped back, so that indexing a corpus holds little
 * more than one piece per thread in memory.
 *
 * The job holds a reference to the index it was made from and copies it on the worker; it
 * never changes the owner's index. It ends with the complete new index, built on the
 * worker, which the owner swaps in for the old one (stance_indexjob_take): the owner's
 * thread does O(1) work, however many documents changed.
 */
#ifndef STANCE_INDEXJOB_H
#define STANCE_INDEXJOB_H

#include "index.h"
#include "job.h"

typedef struct stance_indexjob_stats {
  uint32_t seen;                /* documents found */
  uint32_t unchanged;           /* reused from the index */
  uint32_t verified;            /* read again (their stat changed) but the same bytes */
  uint32_t indexed;             /* read and indexed */
  uint32_t removed;             /* in the index, gone from the folder */
  uint32_t failed;              /* could not be read */
  uint32_t listed;              /* folders listed (the others were unchanged) */
  uint64_t bytes;               /* bytes indexed */
  int damaged;                  /* the saved index it started from was found damaged (its
                                   documents' pages): built again from nothing */
} stance_indexjob_stats;

/* Index the documents below `root` matching one of `include` (globs; NULL: "*.txt" and
 * "*.md") and none of `exclude`, bringing `current` up to date (the job takes a reference
 * to it; the caller must not change it afterwards), or, when `current` is NULL, building
 * the index from nothing. With `only` (NULL-terminated relative paths), look at those
 * paths alone (a file watcher's news) instead of the whole corpus. `tasks`: how many
 * threads the worker runs at once. `dir` (or NULL): the index's folder, where new segments
 * are written as they are made (see indexfile.h). */
stance_job *stance_indexjob_new(const char *root, const char *const *include,
                                const char *const *exclude, const char *const *only,
                                const stance_index *current, int tasks, const char *dir);

/* The include/exclude rule (globs, NULL-terminated; NULL for none) as the number an index
 * records (stance_index_rule): an index chosen by another rule lists everything again. */
uint64_t stance_indexjob_rule(const char *const *include, const char *const *exclude);

/* Whether the loaded index `ix` (unchanged since it was read: stance_index_meta) still
 * describes the documents below `root` chosen by `include` and `exclude`, by the check an
 * update makes, on the caller's thread (with `threads` - 1 more for the stats when there
 * are many documents), decoding nothing: the same rule, every folder's modification time as
 * listed (no name added, removed or renamed in it), every document's stat as recorded
 * (size, modification and change times, inode; a symbolic link's target's), nothing racy.
 * 1 (and *ndocs, the documents), or 0: something differs, or cannot be told (a damaged or
 * misordered entry, an index not loaded as it is): the update looks, and says what. */
int stance_index_current(const stance_index *ix, const char *root, const char *const *include,
                         const char *const *exclude, int threads, uint32_t *ndocs);
/* (internal; fuzzing) The same without the checks of the rule and of folders listed: the
 * folders and documents the saved index holds compared with what is below `root`. */
int stance__index_compare(const stance_index *ix, const char *root, const char *const *include,
                          const char *const *exclude, int threads, uint32_t *ndocs);

/* The new index of a done job (the caller owns it; a second call returns NULL), to replace
 * `current`, which must be the index the job was made from: when it is another (it was
 * replaced since), NULL with *stale set, and the job must be run again from `current`.
 * A job made from nothing (current NULL) replaces any index. */
stance_index *stance_indexjob_take(stance_job *job, const stance_index *current, int *stale);

/* The job that frees `ix` (drops the caller's reference) on the worker, so that the
 * owner's thread does not spend the time; NULL when out of memory. */
stance_job *stance_releasejob_new(stance_index *ix);

void stance_indexjob_stats_get(stance_job *job, stance_indexjob_stats *out);
/* Documents that could not be read: paths and messages (valid while the job lives). */
size_t stance_indexjob_errors(stance_job *job, const char *const **paths,
                              const char *const **messages);

/* Write a built segment into the index folder `dir` as a new file and map it back: the
 * segment then points into the file (its memory freed) and knows its file. 0 or -1 (the
 * segment is left as it was). indexfile.c. */
int stance_segment_to_file(stance_segment *seg, const char *dir, char *err, size_t errlen);
/* The builder's segment written straight into a new file of `dir` as it is made (its
 * postings never whole in memory), mapped back as stance_segment_to_file leaves a segment,
 * the builder emptied. NULL when it could not be (*oom set when out of memory; else the
 * folder cannot be written): the builder keeps its documents, for stance_builder_finish.
 * The file's bytes are those stance_segment_to_file writes for stance_builder_finish's
 * segment. indexfile.c. */
stance_segment *stance_builder_to_file(stance_segment_builder *b, const char *dir, int *oom, char *err,
                                       size_t errlen);

#endif
