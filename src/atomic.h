/*
 * atomic.h - replace a file's content all at once, or not at all; and never over a change
 * someone else made since it was read.
 *
 * Every replacement takes the file's lock (".NAME.lock" beside it) around what must happen
 * as one step: the check that the file is still what the writer read, writing the new
 * content to ".NAME.tmp", and renaming it over the file. Two stance processes saving the
 * same file on one host therefore take turns, and the second sees the first's change (and
 * merges, or refuses) instead of overwriting it. The lock is an flock(2) lock, which the
 * kernel drops when its holder dies: a lock left by a killed process is free at once (its
 * file is removed by the next writer, as is a temporary file left half-written). On a file
 * system without flock (some network or FUSE mounts) the lock is a file created exclusively,
 * holding the process ID and host name; it is broken when its holder is a dead process of
 * this host, or after STANCE_LOCK_STALE_S seconds. Processes on different machines sharing
 * a network file system are serialized only as far as that file system's locks work (NFS
 * with its lock manager does; doc/format.md, section 8).
 *
 * Given a corpus root (stance_write_file's opts.root, stance_append_file's root), the file's
 * folder is opened once, from the root, one part at a time (stance_open_write_dir: no link
 * followed by the kernel, none leading out of the root, none among an annotation file's own
 * folders), and all that follows happens in that folder through its descriptor, by name:
 * the lock (flock, and the exclusive lock file where there is none), the read of what is
 * replaced (its hash, stamp and mode; a file that is a link is read where it leads below the
 * root only, and replaced, never written through), the temporary file, the removal of what a
 * killed writer left, the rename, the append, and the fsync of the folder (the descriptor
 * itself). A folder of the path swapped for a link, or moved, after that open (a race between
 * the check and the use) changes nothing: the write lands in the folder that was checked, or
 * nowhere. Without a root, everything goes by the path as given.
 */
#ifndef STANCE_ATOMIC_H
#define STANCE_ATOMIC_H

#include <stddef.h>
#include <stdint.h>

#define STANCE_LOCK_WAIT_MS 15000 /* how long a writer waits for another one */
#define STANCE_LOCK_STALE_S 120   /* an exclusive lock file older than this is broken */

typedef struct stance_lock {
  int fd;    /* -1 when not held */
  int excl;  /* held as an exclusive lock file (no flock on this file system) */
  int dirfd; /* the folder it is in, held open (its last part of `path` there), or AT_FDCWD */
  char path[4096];
} stance_lock;

/* Take the lock of the file `target` (which need not exist; its folder must), waiting up to
 * `wait_ms`. 0, or -1 with a message in `err` (another process held it all that time, or
 * the folder cannot be written). */
int stance_lock_acquire(stance_lock *l, const char *target, unsigned wait_ms, char *err, size_t errlen);
/* The same, telling a lock another process still held at the end of `wait_ms` (1) from an
 * error (-1). */
int stance_lock_try(stance_lock *l, const char *target, unsigned wait_ms, char *err, size_t errlen);
void stance_lock_release(stance_lock *l);
/* Lock with exclusive lock files even where flock works (what a file system without flock
 * gets): for tests of that way. Process-wide; 0 goes back to flock. */
void stance_lock_use_files(int on);

/* The names beside `path` of its lock (".NAME.lock") and temporary file (".NAME.tmp"), or a
 * shorter name derived from NAME's hash when those would be too long for the file system.
 * 0, or -1 when `out` (outlen bytes) is too small. */
int stance_side_path(const char *path, const char *suffix, char *out, size_t outlen);

typedef struct stance_write_opts {
  /* What the file must still be for the write to happen (else nothing is written and 1 is
   * returned): NULL for anything; "" for "must not exist"; else the SHA-256 (hex) of its
   * content. */
  const char *expect_hex;
  /* Or (when expect_hex is NULL) its stamp (stance_stamp_of): the cheap check of appends. */
  const char *expect_stamp;
  /* When not NULL: the file's folder must resolve inside this folder (links and .. resolved,
   * part by part from it), and the file must not be a link out of it; the folder is then held
   * open and written in through its descriptor (see above). */
  const char *root;
  int durable; /* fsync the file and the folder (not for caches that can be rebuilt) */
  char *new_hex;   /* when not NULL (STANCE_HASH_HEXLEN + 1 bytes): the SHA-256 written */
  char *new_stamp; /* when not NULL (new_stamp_len bytes): the file's stamp after the write */
  size_t new_stamp_len;
  /* How long to wait for another writer's lock (ms); 0: STANCE_LOCK_WAIT_MS. An editor waits
   * briefly and tries again later rather than freeze (2 is returned when it was still held). */
  unsigned lock_wait_ms;
} stance_write_opts;

/* Replace the content of `path` with `data` (see above). An existing file keeps its
 * permission bits; a new one gets 0666 minus the umask. 0 on success; 1 when the file is not
 * what opts said it must be; 2 when another process held its lock all the time waited (a
 * message in `err`); -1 with a message in `err` on failure. */
int stance_write_file(const char *path, const char *data, size_t len, const stance_write_opts *opts, char *err,
                      size_t errlen);

/* The same as stance_write_file with only a hash check (NULL for none), durable. */
int stance_write_atomic(const char *path, const char *data, size_t len, const char *expect_hex,
                        char *err, size_t errlen);
/* The same without the fsyncs, for caches that can be rebuilt: still all or nothing for
 * readers, but after a crash the file may be missing or damaged (its reader must check). */
int stance_write_atomic_cache(const char *path, const char *data, size_t len, char *err,
                              size_t errlen);

/* Append `data` to the existing file `path`, under its lock, when it still has the stamp
 * `expect_stamp` (stance_stamp_of) and `expect_size` bytes; then fdatasync. A failed write
 * is taken back off. The file itself is never a link (O_NOFOLLOW); with `root`, its folder is
 * opened and held as stance_write_file does. 0 (the new stamp in new_stamp when not NULL), 1
 * when the file changed, -1 with a message. */
int stance_append_file(const char *path, const char *data, size_t len, uint64_t expect_size,
                       const char *expect_stamp, const char *root, char *new_stamp, size_t new_stamp_len,
                       char *err, size_t errlen);
/* The same, waiting at most `wait_ms` for another writer's lock (0: STANCE_LOCK_WAIT_MS): 2
 * when it was held all that time. */
int stance_append_file_wait(const char *path, const char *data, size_t len, uint64_t expect_size,
                            const char *expect_stamp, const char *root, unsigned wait_ms, char *new_stamp,
                            size_t new_stamp_len, char *err, size_t errlen);

/* The same as a stream, for content too large to build in memory first: open (takes the
 * lock), write (any number of times), then commit (or abort); both release the lock. */
struct stance_write_dir;

typedef struct stance_atomic {
  int fd, have_old, failed;
  unsigned mode;
  stance_lock lock;
  char tmp[4096], path[4096], dir[4096];
  /* given a root (stance_write_file): the folder held (the lock, the temporary file, the
   * rename and the flush are in it, by name), and the root (for a file that is a link);
   * else AT_FDCWD, NULL, NULL: by path */
  int dirfd;
  const char *root;
  const struct stance_write_dir *wd;
} stance_atomic;

int stance_atomic_open(stance_atomic *f, const char *path, char *err, size_t errlen);
int stance_atomic_write(stance_atomic *f, const void *data, size_t len);
/* Write `len` bytes at `offset` (to patch a header). */
int stance_atomic_pwrite(stance_atomic *f, const void *data, size_t len, uint64_t offset);
/* Make the file replace `path` (with fsyncs when `durable`). 0, or -1 with a message. */
int stance_atomic_commit(stance_atomic *f, int durable, char *err, size_t errlen);
void stance_atomic_abort(stance_atomic *f);

/* Several files at once, each replaced atomically as stance_write_atomic does, with far
 * fewer waits for the disk. Each file's lock is taken, its expectation (`expect_hex` as for
 * stance_write_atomic) checked under it, its temporary file written and closed, the lock
 * kept up to its rename (one lock file for the batch, hard-linked as each file's lock; where
 * links fail, a descriptor each as far as the process's limit allows). Then all the
 * temporary files reach the disk together: on Linux 5.8 and later, for 8 files or more on
 * ext2/3/4, xfs, btrfs, f2fs or tmpfs, one syncfs(2) per file system (Linux documents it as
 * an fsync of every file on it, and reports any write error on it since the batch began; not
 * when more than 128 MB, and 16x the batch, of other data waits to be written: it would wait
 * for that too); else an fsync each, on up to `threads` threads so that the disk sees them
 * together (their write-out started with sync_file_range as each was written). Then each is
 * renamed over its path, in order (a file whose lock had to be let go meanwhile is checked
 * again: another process may have replaced it or its temporary file), then each folder is
 * flushed once (a syncfs when its file system was flushed so and holds more than two).
 * After a crash at any point each file is either its old or its new version, whole; when 0
 * is returned all of them are on disk. 0 on success; 1 when a file's expectation failed; -1
 * with a message on failure. On failure *failed is the index of the file at fault; the files
 * before it in `files` may have been replaced (renames come last, in order; a failed flush of
 * a folder after the renames reports its first file: all were replaced, not all may be on
 * disk), the others are untouched, and no temporary file or lock is left. A target that is a
 * link is replaced by the file, never written through. A path given twice is a misuse: -1
 * before anything is done, *failed its second place, the message naming it. */
typedef struct stance_atomic_file {
  const char *path;
  const char *data;
  size_t len;
  const char *expect_hex; /* NULL: any; "": must not exist; else the SHA-256 it must have */
} stance_atomic_file;

int stance_write_atomic_many(const stance_atomic_file *files, size_t n, int threads, size_t *failed,
                             char *err, size_t errlen);
/* For tests: `fn` is called between the steps of stance_write_atomic_many (1: every temporary
 * file written; 2: flushed; 3: renamed). NULL removes it. */
void stance_atomic_many_test_hook(void (*fn)(int step, void *arg), void *arg);

/* For tests: `fn` is called by stance_write_file and stance_append_file_wait, when given a
 * root, between the check of the path and its use: step 1 once the path is checked, before
 * anything is made; step 2 with the file's lock held, just before the temporary file is made
 * (or the data appended). NULL removes it. */
void stance_atomic_test_hook(void (*fn)(int step, const char *path, void *arg), void *arg);

#endif
