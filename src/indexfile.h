/*
 * indexfile.h - the index on disk (.stance/index.bin), so that opening an unchanged
 * corpus costs a read, not a rebuild.
 *
 * The file is versioned and checksummed (XXH3-64 of its body); every offset in it is
 * checked before use. A file that is stale, of another version, truncated or corrupt is
 * refused with a message, never trusted: the caller rebuilds.
 */
#ifndef STANCE_INDEXFILE_H
#define STANCE_INDEXFILE_H

#include "buf.h"
#include "index.h"
#include "job.h"

#define STANCE_INDEX_FILE_VERSION 3

/* Serialize `ix` into `out`. 0, or -1 when out of memory. */
int stance_index_serialize(const stance_index *ix, stance_buf *out);
/* Read an index from `len` bytes. NULL with a message in `err` when the bytes are not a
 * valid index file of this version. */
stance_index *stance_index_deserialize(const char *data, size_t len, char *err, size_t errlen);

/* Jobs: save a snapshot of `ix` to `path` atomically; load `path` into a new index. */
stance_job *stance_savejob_new(const stance_index *ix, const char *path);
stance_job *stance_loadjob_new(const char *path);
/* The loaded index of a done load job (the caller owns it; a second call returns NULL). */
stance_index *stance_loadjob_take(stance_job *job);

#endif
