/*
 * indexfile.h - the index on disk, so that opening an unchanged corpus costs almost
 * nothing: a folder (.stance/index.bin/) holding
 *
 *   meta             the documents (path, size, times, hash), the folders as last listed,
 *                    and the list of segments, with each segment's document numbers, with
 *                    a checksum per 4 KiB page;
 *   seg-<id>.bin     one file per segment: its dictionary and postings, never changed once
 *                    written, with a checksum per 4 KiB page;
 *   lock             held (flock) by whoever saves.
 *
 * Loading maps the files: it reads the headers, and of `meta` only the pages of the list of
 * segments; the documents and folders are decoded when used (stance_meta, index.h), and a
 * search touches the pages of the dictionary and of the postings it needs; each page is
 * checked against its checksum the first time it is read (except those of a segment file
 * the same process has just written from memory, and mapped back), and every offset
 * checked before use. A save writes only the segments not yet on disk, then `meta` (atomically), and
 * removes the files no longer listed. The formats are in indexfile.c (and, for users,
 * :help stance-index).
 *
 * Nothing in these files is trusted: a file that is damaged, crafted, of another version or
 * of another machine's making is refused (or, found damaged later, makes its readers fail
 * with STANCE_INDEX_DAMAGED), never followed outside its bounds.
 */
#ifndef STANCE_INDEXFILE_H
#define STANCE_INDEXFILE_H

#include "buf.h"
#include "index.h"
#include "job.h"

#define STANCE_INDEX_FILE_VERSION 6

/* Save `ix` into the folder `dir` (made if missing). Segments that were loaded from (or
 * saved to) that folder are not written again; small segments are merged (see
 * indexfile.c). `out`, if not NULL, receives what the save did for stance_index_saved_apply.
 * 0, or -1 with a message. */
typedef struct stance_index_saved stance_index_saved;
int stance_index_save(const stance_index *ix, const char *dir, stance_index_saved **out,
                      char *err, size_t errlen);
/* Bring what a save did into `ix` (the index the saved snapshot was taken from): which
 * segments now have files, and merged segments in place of their parts. */
void stance_index_saved_apply(const stance_index_saved *s, stance_index *ix);
void stance_index_saved_free(stance_index_saved *s);

/* Load the index saved in `dir`. NULL with a message when there is none, or it is of
 * another version, or damaged where a load reads (a damaged page of its documents is found
 * when they are decoded: see stance_index_decode). *missing is set when there is no index
 * at all. */
stance_index *stance_index_load(const char *dir, int *missing, char *err, size_t errlen);

/* Load an index from bytes in memory (tests, fuzzing): `meta`, and the bytes of each
 * segment file by id from `segment` (NULL when there is none). Copies what it keeps. */
stance_index *stance_index_load_mem(const void *meta, size_t meta_len,
                                    const void *(*segment)(void *ud, uint64_t id, size_t *len),
                                    void *ud, char *err, size_t errlen);
/* The bytes of a saved index in memory (tests, fuzzing): `meta`, then the segment files in
 * the order they are listed, each with its id. 0, or -1 when out of memory. */
int stance_index_save_mem(const stance_index *ix, stance_buf *meta, stance_buf *segments,
                          uint64_t **ids, size_t **offsets, uint32_t *nsegs);

/* (tests, fuzzing) Make the checksums of a meta file's or a segment file's bytes right
 * again after they were changed, so that what is behind the checksums gets tested. */
void stance__reseal_meta(uint8_t *meta, size_t len);
void stance__reseal_segment(uint8_t *seg, size_t len);

/* Jobs: save `ix` into `dir` (the job takes a reference to it: the caller must not change
 * it afterwards); load `dir` into a new index, with its tables by path made on the worker
 * unless `lazy` (then its owner makes them when first needed). */
stance_job *stance_savejob_new(const stance_index *ix, const char *dir);
stance_job *stance_loadjob_new(const char *dir, int lazy);
/* The loaded index of a done load job (the caller owns it; a second call returns NULL). */
stance_index *stance_loadjob_take(stance_job *job);
/* Whether a done load job found no index at all (it then loaded nothing; a bad index
 * fails the job instead). */
int stance_loadjob_missing(stance_job *job);
/* A done save job's copy of the index it saved, which knows what has a file now (see
 * stance_index_saved_apply), to replace `current` (the caller owns it; a second call
 * returns NULL). When `current` is not the index the job saved (it was replaced since),
 * NULL with *stale set: the save is on disk, but what it merged is not brought in. */
stance_index *stance_savejob_take(stance_job *job, const stance_index *current, int *stale);

/* Is `path` (n bytes) a path a corpus document or folder may have: relative, no empty, "."
 * or ".." component, no component starting with '.', no NUL? ("" is the root folder,
 * allowed when `root_ok`.) */
int stance_index_path_ok(const char *path, size_t n, int root_ok);

#endif
