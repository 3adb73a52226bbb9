/*
 * contain.h - what a corpus brings is untrusted: files are read only when they are regular
 * files (never a device, a FIFO or a folder) and, given a root, only when they resolve
 * inside it (after `..` and symbolic links); writes go only to folders that resolve inside
 * the root. doc/format.md, section 8, states the trust model these serve.
 */
#ifndef STANCE_CONTAIN_H
#define STANCE_CONTAIN_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>

/* Error codes of this file (negative; other failures are negative errno values). */
#define STANCE_EOUTSIDE (-10001) /* the path resolves outside the root */
#define STANCE_ENOTREG (-10002)  /* not a regular file */
#define STANCE_ETOOBIG (-10003)  /* larger than the limit given */
#define STANCE_ELINK (-10004)    /* a symbolic link where a layer's own file or folder must be */

/* Whether the path `real` (already resolved: absolute, no links) is `root_real` or below it. */
int stance_real_inside(const char *root_real, const char *real);

/* Resolve `path` (it must exist) into `real` (PATH_MAX bytes) and check it is inside `root`
 * (resolved too). 0, STANCE_EOUTSIDE, or a negative errno. */
int stance_resolve_inside(const char *root, const char *path, char *real);

/* Read the regular file at `path` whole into a new buffer (*data, NUL-terminated, to free;
 * *len bytes). With `root`, the file must resolve inside it; with `max` > 0, it must not be
 * larger. A FIFO or a device is refused before anything is read from it. 0 or a negative
 * code (see above), with a message in `err`. */
int stance_read_file(const char *path, const char *root, size_t max, char **data, size_t *len, char *err,
                     size_t errlen);

/* Check that the folder of `path` resolves inside `root`, and that `path` itself, when it
 * exists, is not a link that leads out of it: what a write to `path` needs. 0 or a negative
 * code, with a message in `err`. By path: what it checked may change before a use; the
 * atomic writer opens the folder instead (stance_open_write_dir) and writes through it. */
int stance_check_write(const char *root, const char *path, char *err, size_t errlen);

/* When `path` is below `root`/.stance/annotations/: 0 when none of its parts from there (the
 * annotator's folder, every folder between, the file itself) is a symbolic link, else
 * STANCE_ELINK with a message naming the link (a layer's file and folders are its own: a
 * link committed there is never written through, doc/format.md 8.4); 0 for any other path.
 * One lstat per part. */
int stance_check_layer_path(const char *root, const char *path, char *err, size_t errlen);

/* Open the file `rel` below the folder open at `dirfd` (a relative path, "ben/sub/x.stance")
 * with `flags` (O_RDONLY | O_NONBLOCK ...), following no symbolic link at any of its parts:
 * each folder opened from the one before with O_NOFOLLOW | O_DIRECTORY, the file with
 * O_NOFOLLOW (what a reader of a layer needs: see stance_check_layer_path for a writer). A
 * descriptor; STANCE_ELINK when a part is a symbolic link, *link_end then the length of `rel`
 * up to the end of that part ("ben/sub"); else a negative errno (-ENOENT: a part is not
 * there; -EINVAL: an empty, "." or ".." part). One openat per part. */
int stance_open_below(int dirfd, const char *rel, int flags, size_t *link_end);

/* The folder of a file to be written, held open: what stance_open_write_dir checked is what
 * every write in it reaches, whatever is renamed or linked along its path afterwards. */
typedef struct stance_write_dir {
  int fd;               /* the folder (O_RDONLY | O_DIRECTORY) */
  int layer;            /* the file is an annotation file: below root/.stance/annotations/ */
  const char *name;     /* the file's name in the folder: the last part of the path given */
  char below[PATH_MAX]; /* the folder's path below the root as walked ("" the root itself) */
} stance_write_dir;

/* Open the folder of `path` to write the file there, from `root` (opened as given): one part
 * at a time with openat(O_NOFOLLOW | O_DIRECTORY); a link is never followed by the kernel:
 * its target is read and walked in its place, from the folder it is in, so that a part
 * leading above the root (by ".." or a link, absolute or not) is refused (STANCE_EOUTSIDE,
 * "leads outside the corpus"), as is any link among an annotation file's own folders below
 * root/.stance/annotations/ or at the file itself (STANCE_ELINK, as stance_check_layer_path
 * says it), and a file that is a link leading out. A path that does not begin with `root` as
 * written (or whose ".." leave it on the way) is first resolved (realpath) to know its folder
 * below the root, then walked the same way. 0 (wd->fd open: the caller closes it), or a
 * negative code with a message in `err`. One openat per part. */
int stance_open_write_dir(const char *root, const char *path, stance_write_dir *wd, char *err, size_t errlen);

/* Open the file of `wd` with `flags` (O_RDONLY ...) in its folder, not following a link
 * there, except (for reading what a link holds) to where it leads below `root`. A
 * descriptor, or a negative code (-ENOENT: no such file; STANCE_EOUTSIDE: a link out). */
int stance_open_write_target(const char *root, const stance_write_dir *wd, int flags);

/* Make the folder `path` (`root` itself or a path below it as written) and every folder
 * missing on the way, from `root` (opened as given) one part at a time as
 * stance_open_write_dir walks: a link is never followed by the kernel but walked in its place,
 * and one leading above the root (by ".." or a link) is refused before anything is made
 * there (STANCE_EOUTSIDE, "leads outside the corpus"); each folder made is flushed in its
 * parent. 0 (an existing folder too), or a negative code with a message in `err`. */
int stance_mkdir_inside(const char *root, const char *path, char *err, size_t errlen);

/* The stamp of a file (what changes when it is rewritten): "size:mtime.ns:inode", the same
 * as stance.cachekey.stamp. */
void stance_stamp_of(const struct stat *st, char *out, size_t outlen);

#endif
