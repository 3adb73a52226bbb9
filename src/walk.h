/*
 * walk.h - list the documents below a folder, deterministically and safely.
 *
 * Entries starting with '.' are skipped (.git, .stance, editor swap files). A symbolic
 * link is followed only when its target is a regular file that resolves inside the root;
 * links to folders are not followed (no cycles) and links out of the root are refused.
 * Paths are relative to the root, '/'-separated, sorted bytewise. Folders nested more than
 * STANCE_WALK_MAX_DEPTH deep are listed as an error, not entered.
 */
#ifndef STANCE_WALK_H
#define STANCE_WALK_H

#include <stddef.h>
#include <stdint.h>

#define STANCE_WALK_MAX_DEPTH 256

typedef struct stance_walk_entry {
  char *path;                   /* relative to the root */
  uint64_t size;
  int64_t mtime_ns;             /* modification time, nanoseconds since the epoch */
  int64_t ctime_ns;             /* status change time */
  uint64_t ino;
  int link;                     /* a symbolic link (to a regular file inside the root) */
  char *error;                  /* NULL, or why the entry was refused or unreadable */
} stance_walk_entry;

/* A folder listed, with its modification time when it was listed. */
typedef struct stance_walk_dir {
  char *path;                   /* relative to the root, "" for the root */
  int64_t mtime_ns;
} stance_walk_dir;

typedef struct stance_walk {
  stance_walk_entry *entries;
  size_t n, cap;
  uint64_t total_bytes;         /* of the entries without error */
  stance_walk_dir *dirs;        /* every folder listed, in the order listed */
  size_t ndirs, dirs_cap;
} stance_walk;

/* `exts`: NULL-terminated list of file name endings without the dot ("txt", "md"), or
 * NULL for every regular file. 0, or a negative errno with a message in `err` when the
 * root itself cannot be read. Unreadable entries below it are listed with an error. */
int stance_walk_run(stance_walk *walk, const char *root, const char *const *exts,
                    char *err, size_t errlen);
/* The same, names only when `names_only`: a regular file (as the folder's listing says)
 * gets no stat, so its size and times are 0. */
int stance_walk_run_names(stance_walk *walk, const char *root, const char *const *exts,
                          int names_only, char *err, size_t errlen);
void stance_walk_free(stance_walk *walk);

/* Whether the symbolic link `rel` (below the folder whose real path is `root_real`) is only
 * another name of a document of the corpus: its target is inside the root, in no hidden
 * folder, and `taken(ud, target)` (the corpus's globs, on the target's relative path) says
 * yes. Such a link is not a document of its own: its text and annotations are the target's,
 * and listing both would count them twice. */
int stance_walk_alias(const char *root_real, const char *rel, int (*taken)(const void *ud, const char *rel),
                      const void *ud);
/* The same for a target already resolved (`real`, a real path). */
int stance_walk_alias_target(const char *root_real, const char *real, int (*taken)(const void *ud, const char *rel),
                             const void *ud);
/* List the folder `rel` below `root` (and what is below it) into `walk` (initialized, or
 * holding entries already), with paths relative to the root, unsorted. 0, or a negative
 * errno with a message. */
int stance_walk_below(stance_walk *walk, const char *root, const char *rel,
                      const char *const *exts, char *err, size_t errlen);
/* The times of a stat result, in nanoseconds. */
struct stat;
int64_t stance_mtime_ns(const struct stat *st);
int64_t stance_ctime_ns(const struct stat *st);

/* Copies of a string, and of a NULL-terminated list of strings (file name endings, globs),
 * as jobs keep what they were given. stance_strdup: NULL when out of memory.
 * stance_strv_dup: NULL for a NULL list; when out of memory NULL with *oom set. */
/* Read the regular file at `path` whole into *buf (*cap bytes, grown as needed: a buffer can
 * serve file after file; free it after). *len gets the bytes read. 0, or an errno value
 * (EISDIR for a folder, EINVAL for anything else that is not a regular file: a FIFO or a
 * device is never read). */
int stance_read_path(const char *path, char **buf, size_t *cap, size_t *len);
/* The same, a big file (16 MiB and more) read in two halves at the same time, the second on
 * a thread of its own, unless one thread is all there is (stance_cpus()): for a file read
 * while the caller waits (the editor's core.read_file). */
int stance_read_path_threads(const char *path, char **buf, size_t *cap, size_t *len);
/* As stance_read_path, the file already open at `fd` (opened with O_NONBLOCK, so that opening
 * a FIFO did not wait: it is refused here); `fd` is closed, whatever the outcome. */
int stance_read_fd(int fd, char **buf, size_t *cap, size_t *len);

char *stance_strdup(const char *s);
char **stance_strv_dup(const char *const *v, int *oom);
void stance_strv_free(char **v);

#endif
