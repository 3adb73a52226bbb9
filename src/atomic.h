/*
 * atomic.h - replace a file's content all at once, or not at all.
 */
#ifndef STANCE_ATOMIC_H
#define STANCE_ATOMIC_H

#include <stddef.h>
#include <stdint.h>

/* Write `data` to `path` through a temporary file in the same folder: write, fsync,
 * rename over `path`, fsync the folder. An existing file keeps its permission bits; a new
 * one gets 0666 minus the umask. If `expect_hex` is not NULL, the current content of
 * `path` must have that SHA-256 (or, for "", `path` must not exist), else nothing is
 * written and 1 is returned. 0 on success; -1 with a message in `err` on failure. */
int stance_write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        char *err, size_t errlen);
/* The same without the fsyncs, for caches that can be rebuilt: still all or nothing for
 * readers, but after a crash the file may be missing or damaged (its reader must check). */
int stance_write_atomic_cache(const char *path, const char *data, size_t len, char *err,
                              size_t errlen);

/* The same as a stream, for content too large to build in memory first:
 * open, write (any number of times), then commit (or abort). */
typedef struct stance_atomic {
  int fd, have_old, failed;
  unsigned mode;
  char tmp[4096], path[4096], dir[4096];
} stance_atomic;

int stance_atomic_open(stance_atomic *f, const char *path, char *err, size_t errlen);
int stance_atomic_write(stance_atomic *f, const void *data, size_t len);
/* Write `len` bytes at `offset` (to patch a header). */
int stance_atomic_pwrite(stance_atomic *f, const void *data, size_t len, uint64_t offset);
/* Make the file replace `path` (with fsyncs when `durable`). 0, or -1 with a message. */
int stance_atomic_commit(stance_atomic *f, int durable, char *err, size_t errlen);
void stance_atomic_abort(stance_atomic *f);

/* Several files at once, each replaced atomically as stance_write_atomic does, with far
 * fewer waits for the disk: every temporary file is written first, then all of them are
 * flushed together (on up to `threads` threads), then each is renamed over its path, then
 * each folder is flushed once. No file is ever visible half-written; after a crash each
 * file is either old or new. `expect_hex` as for stance_write_atomic, checked before
 * anything is written and again just before the rename. 0 on success; 1 when a file's
 * expectation failed; -1 with a message on failure. On failure *failed is the index of the
 * file at fault; the files before it in `files` may have been replaced (renames come
 * last, in order), the others are untouched. */
typedef struct stance_atomic_file {
  const char *path;
  const char *data;
  size_t len;
  const char *expect_hex; /* NULL: any; "": must not exist; else the SHA-256 it must have */
} stance_atomic_file;

int stance_write_atomic_many(const stance_atomic_file *files, size_t n, int threads, size_t *failed,
                             char *err, size_t errlen);

#endif
