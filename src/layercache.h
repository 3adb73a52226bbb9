/*
 * layercache.h - the parsed annotation files of a corpus, kept in one file
 * (.stance/cache/layers.bin) so that a script going through every layer maps what did not
 * change instead of reading and parsing it again.
 *
 * An entry is one annotation file as it was read: its path (the key), its identity when read
 * (device, inode, size, modification and change times in nanoseconds), its bytes, and the
 * store parsed from them (a snapshot, snapshot.h). It is used only while the file's identity
 * is still exactly that one; the caller stats the file and decides what it may keep (see
 * llayercache.c: only a file read without any problem, whose times were older than the racy
 * window when it was read, like git's racily-clean rule). The whole cache is made for one
 * vocabulary (the schema's values change what a file's problems are): another one's cache
 * is empty. Numbers are in the machine's byte order: a cache of this machine, never shared.
 *
 *   "STLAYC02" | u64 vocabulary digest | u64 entries | u64 table offset |
 *   u64 annotations generation | entries | table
 *   entry: u64 XXH3-64 of the rest | u64 length of the rest | u32 key length | key |
 *          u64 dev, ino, size | i64 mtime_ns, ctime_ns | u64 bytes length | bytes |
 *          u64 snapshot length | snapshot
 *   table: per entry, u64 XXH3-64 of its key | u64 offset of the entry, sorted by hash
 *   (the entries themselves are written in the order of their keys' bytes: a pass over a
 *   corpus in path order reads the file from start to end)
 *
 * A file that is not a complete cache (damaged, cut short, another version) loads as an
 * empty cache; a damaged entry is a miss. Writing replaces the file atomically (two
 * processes writing at once: the last rename wins, each file whole).
 */
#ifndef STANCE_LAYERCACHE_H
#define STANCE_LAYERCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct stance_layer_id {
  uint64_t dev, ino, size;
  int64_t mtime_ns, ctime_ns;
} stance_layer_id;

typedef struct stance_layercache stance_layercache;

/* The cache saved at `path` for vocabulary `digest` (empty when missing, damaged or made for
 * another vocabulary). NULL only when out of memory. */
stance_layercache *stance_layercache_open(const char *path, uint64_t digest);
/* The same from `len` bytes in memory (copied), for tests and fuzzing. */
stance_layercache *stance_layercache_from_memory(const char *data, size_t len, uint64_t digest);
void stance_layercache_free(stance_layercache *c);

/* The entry of `key` if its identity is `id`: 1 with the store made from it in *store (the
 * caller frees it) and its bytes in *bytes and *len (inside the cache: valid until it is freed);
 * 0 when there is none, or it is of another identity (then it is dropped at the next save),
 * or damaged; STANCE_ENOMEM. */
int stance_layercache_get(stance_layercache *c, const char *key, const stance_layer_id *id, stance_store **store,
                          const char **bytes, size_t *len);
/* The entry of `key` if its identity is `id` (NULL: whatever its identity, for a caller that
 * vouches the file unchanged since the entry was put: see llayercache.c's vouched lookup), as
 * get(), but its snapshot not loaded: 1 with
 * the snapshot (made under STANCE_LAYERCACHE_SNAP_KEY) in *snap and *snaplen, the bytes in
 * *bytes and *len (all inside the cache), and which entry it is in *which, for drop(); 0. */
#define STANCE_LAYERCACHE_SNAP_KEY "layer"
int stance_layercache_find(stance_layercache *c, const char *key, const stance_layer_id *id, const char **snap,
                           size_t *snaplen, const char **bytes, size_t *len, uint64_t *which);
/* The entry found turned out unusable (its snapshot damaged): it is a miss, dropped at the next save. */
void stance_layercache_drop(stance_layercache *c, uint64_t which);
/* The cache's loaded file, which the bytes given by get() are in (NULL when nothing is
 * loaded): lend() takes a reference on it, so that those bytes outlive the cache; each one
 * taken is given back with map_release(), the last one unmapping it. */
typedef struct stance_layercache_map stance_layercache_map;
stance_layercache_map *stance_layercache_mapping(const stance_layercache *c);
void stance_layercache_lend(stance_layercache_map *m);
void stance_layercache_map_release(stance_layercache_map *m);
/* From now on, keep the entries put in a temporary file made in the folder `dir` (removed at
 * once: it goes with the process) instead of in memory: what a first pass over a large
 * corpus would hold until it saves. 0, or -1 when it cannot be made (they stay in memory). */
int stance_layercache_spill_to(stance_layercache *c, const char *dir);
/* Keep the file `key` of identity `id`, its `bytes` and the store `s` parsed from them, for
 * the next save. 0 or STANCE_ENOMEM. */
int stance_layercache_put(stance_layercache *c, const char *key, const stance_layer_id *id, const char *bytes,
                          size_t len, const stance_store *s);
/* Whether anything changed since the cache was loaded (an entry put, or one found stale). */
int stance_layercache_dirty(const stance_layercache *c);
/* Which loaded entries a save keeps (besides those put, and never the stale ones): */
enum {
  STANCE_LC_KEEP_ALL = 0,    /* every one */
  STANCE_LC_KEEP_SEEN = 1,   /* only those found again since the cache was loaded */
  STANCE_LC_KEEP_PRESENT = 2 /* those found again, and the others whose file (the key, a
                                path) is still a regular file: one lstat each */
};
/* Write the cache to `path` atomically: the entries loaded that `prune` (STANCE_LC_KEEP_*)
 * keeps, and those put. 0, or -1 with a message in `err`. */
int stance_layercache_save(stance_layercache *c, const char *path, int prune, char *err, size_t errlen);
/* The same into memory (appended to `out`): for tests and fuzzing. 0 or STANCE_ENOMEM. */
struct stance_buf;
int stance_layercache_serialize(stance_layercache *c, int prune, struct stance_buf *out);

/* The annotation files' generation (what `stance watch` answers for .stance/annotations,
 * reduced to 64 bits by the caller; 0 is none) that the file loaded records: the caller
 * recorded it when every entry kept was as of that generation. Nothing reads it yet to skip
 * a stat: it is recorded for the vouched lookup of issue 18. 0 when nothing is loaded. */
uint64_t stance_layercache_generation(const stance_layercache *c);
/* The generation the next save records (0, the default: none). */
void stance_layercache_set_generation(stance_layercache *c, uint64_t gen);
/* Whether every entry loaded was looked up since the load (get/find): found again with its
 * identity, or found stale (dropped at the next save). */
int stance_layercache_all_seen(const stance_layercache *c);

typedef struct stance_layercache_stats {
  uint64_t loaded, hits, misses, stale, put;
} stance_layercache_stats;
void stance_layercache_stats_of(const stance_layercache *c, stance_layercache_stats *out);

#endif
