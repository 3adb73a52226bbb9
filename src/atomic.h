/*
 * atomic.h - replace a file's content all at once, or not at all.
 */
#ifndef STANCE_ATOMIC_H
#define STANCE_ATOMIC_H

#include <stddef.h>

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

#endif
