/*
 * llayercache.c - stance.core.layer_cache(path, opts): the parsed annotation files of a
 * corpus kept in .stance/cache/layers.bin (layercache.h), for scripts that go through every
 * layer.
 *
 *   lc = core.layer_cache(path, {root = ROOT, vocab = V[, racy_ms = 2000]})
 *   lc:read(file[, view]) -> store, problems, bytes, how  (as core.read_file(file, {root,
 *                 vocab}); how: "store" (from the cache), "view" (from the cache, with `view`:
 *                 a core.store_view, its records read where they are in the cache's mapping,
 *                 to read only: view:store() gives a store to change, view:bytes() the
 *                 file's bytes; then problems and bytes are nil: the file had no problem)
 *                 or "read")
 *                 | false  (not for the cache: read it with core.read_file)
 *   lc:view(prefix, rel) -> view | nil | false  (the file prefix .. rel .. ".stance" as read(file,
 *                 true) gives it as "view", its path made here; nil: no such file; false:
 *                 not a view of the cache, read() it)
 *   lc:save(path[, prune]) -> true | nil, err, code  (written only when an entry was put or
 *                 found stale since the last save, or with prune: then only the entries
 *                 found again are kept; else those of files no longer there are dropped)
 *   lc:release()  the folders' descriptors closed (the end of a pass over the corpus)
 *   lc:stats() -> {loaded, hits, misses, stale, put, vouched}  (vouched: of the hits, those
 *                 taken without a stat of their file)
 *   lc:generation_is(gen), lc:set_generation(gen|nil), lc:all_seen()  the annotation files'
 *                 generation (what `stance watch` answers) the file loaded records / the
 *                 next save records (see stance.corpus.layers)
 *   lc:vouch(gen|nil[, ms]) -> vouched, lc:vouching() -> bool  (the vouched lookup, below)
 *
 * What read() vouches for: the same store, problems and bytes as core.read_file(file, {root,
 * vocab}) would give now. It answers only for a regular file (not a link) whose folder is
 * reached from the root without following a link (the root opened, then each folder below
 * it from the one before with O_NOFOLLOW | O_DIRECTORY, as stance_open_below opens a layer's
 * file: a link at an annotator's folder or a folder between is never followed, whatever the
 * caller looked at before; the folder's files are looked up through that descriptor, for a
 * second before it is opened again), and leaves everything else to read_file (false). A file is taken from the cache only while its
 * identity (device, inode, size, modification and change times to the nanosecond) is the
 * one it had when it was read; a file read now is kept for the next save only if it had no
 * problem, did not change while read, and both its times were older than `racy_ms` when it
 * was read: a change after that gives it a later change time (which nothing can set back),
 * so a file edited within the clock's granularity of the read (same size, same times) is
 * never taken from the cache (git's racily-clean rule). A file with more than one name (a
 * hard link) is never kept.
 *
 * The vouched lookup (issue 18): when a live `stance watch` answers now the generation of the
 * annotation files that the file loaded records (nothing under .stance/annotations changed
 * since every entry in it was checked), lc:vouch(gen) says so, for a second at most (the
 * caller asks the watcher again after that): meanwhile an entry is taken without the stat of
 * its file, when its folder is reached from the root without a link (inotify does not follow
 * one). A file not in the cache, or in a folder reached through a link, is looked at as
 * always; so is everything once the vouch is over or withdrawn (lc:vouch(nil)).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "contain.h"
#include "layercache.h"
#include "reader.h"
#include "snapshot.h"
#include "walk.h"
#include "compat.h"
#include "lcore.h"

#define LC_MT "stance.layer_cache"
#define DIRS 8                  /* folders whose verdict (and descriptor) is kept */
#define DIR_TTL_NS 1000000000LL /* for this long */

typedef struct dir_verdict {
  char *dir;
  int fd; /* the folder as verified: its files are looked up through it */
  int inside;
  int plain; /* inside, and no link on the way from the root to it (see vouching) */
  int64_t at;
} dir_verdict;

typedef struct llc {
  stance_layercache *c;
  stance_vocab *vocab;
  char *root_real;
  char *root; /* as given (the paths asked for start with it) */
  size_t rootlen;
  char *path;      /* of the saved cache */
  int spill_tried; /* entries put go to a temporary file beside it (see spill_dir) */
  int64_t racy_ns;
  uint64_t saved_put, saved_stale;
  uint64_t gen_want, gen_saved; /* the annotations generation set for the save, the last saved */
  int64_t vouch_until; /* CLOCK_MONOTONIC ns until which a watcher vouches (see lc_vouch); 0: none */
  uint64_t vouched;    /* entries taken without a stat of their file (stats().vouched) */
  dir_verdict dirs[DIRS];
  unsigned next_dir;
} llc;

static int64_t now_ns(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static llc *check_lc(lua_State *L) {
  llc *l = luaL_checkudata(L, 1, LC_MT);
  if (l->c == NULL) luaL_argerror(L, 1, "the layer cache is closed");
  return l;
}

static void id_of(const struct stat *st, stance_layer_id *id) {
  id->dev = (uint64_t)st->st_dev;
  id->ino = (uint64_t)st->st_ino;
  id->size = (uint64_t)st->st_size;
  id->mtime_ns = stance_mtime_ns(st);
  id->ctime_ns = stance_ctime_ns(st);
}

static void forget_dir(dir_verdict *d) {
  free(d->dir);
  d->dir = NULL;
  if (d->fd >= 0) close(d->fd);
  d->fd = -1;
}

/* The folder `dir` (len bytes, below the root as given) opened from the root without
 * following a link: the root's real path opened, then each part of `dir` below it from the one
 * before with O_NOFOLLOW | O_DIRECTORY (stance_open_below), so that a link anywhere below the
 * root (an annotator's folder, a folder between: `ana/sub -> ../ben/sub`) is never followed,
 * whatever the Lua side looked at before. Its descriptor, or -1 (not below the root, a link on
 * the way, an empty, "." or ".." part, or it cannot be opened: read_file then says why). The
 * verdict is kept for a second (DIR_TTL_NS). *plain: the folder was reached so (no link below
 * the root: a watcher's inotify watches do not follow one either, see vouching). */
static int dir_inside(llc *l, const char *dir, size_t len, int *plain) {
  int64_t t = now_ns(CLOCK_MONOTONIC);
  unsigned i;
  char *copy;
  size_t at;
  int fd = -1, rootfd;
  *plain = 0;
  for (i = 0; i < DIRS; i++) {
    dir_verdict *d = &l->dirs[i];
    if (d->dir != NULL && strlen(d->dir) == len && memcmp(d->dir, dir, len) == 0 && t - d->at < DIR_TTL_NS) {
      *plain = d->plain;
      return d->inside ? d->fd : -1;
    }
  }
  /* the part of `dir` below the root: after the root as given and a slash ("/" as root: none) */
  at = l->rootlen == 1 && l->root[0] == '/' ? 1 : l->rootlen + 1;
  if (len <= at || memcmp(dir, l->root, l->rootlen) != 0 || dir[at - 1] != '/') return -1;
  if ((copy = malloc(len + 1)) == NULL) return -1;
  memcpy(copy, dir, len);
  copy[len] = '\0';
  if ((rootfd = open(l->root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY)) >= 0) {
    fd = stance_open_below(rootfd, copy + at, O_RDONLY | O_DIRECTORY | O_NOCTTY, NULL);
    close(rootfd);
    if (fd < 0) fd = -1;
  }
  i = l->next_dir++ % DIRS;
  forget_dir(&l->dirs[i]);
  l->dirs[i].plain = fd >= 0;
  l->dirs[i].dir = copy;
  l->dirs[i].fd = fd;
  l->dirs[i].inside = fd >= 0;
  l->dirs[i].at = t;
  *plain = l->dirs[i].plain;
  return fd;
}

/* Read the regular file `name` of the folder `dir` (not a link) whole, with its identity before and after. */
static int read_whole(int dir, const char *name, char **data, size_t *len, struct stat *before, struct stat *after) {
  int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  size_t n = 0, cap;
  char *buf;
  if (fd < 0) return -1;
  if (fstat(fd, before) != 0 || !S_ISREG(before->st_mode) || (uint64_t)before->st_size >= (uint64_t)SIZE_MAX / 2) {
    close(fd);
    return -1;
  }
  cap = (size_t)before->st_size + 1;
  if ((buf = malloc(cap)) == NULL) {
    close(fd);
    return -1;
  }
  for (;;) {
    ssize_t got;
    if (n == cap) {
      char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        close(fd);
        return -1;
      }
      buf = nb;
      cap *= 2;
    }
    got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      free(buf);
      close(fd);
      return -1;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  if (n == cap) { /* room for the NUL that ends it */
    char *nb = realloc(buf, cap + 1);
    if (nb == NULL) {
      free(buf);
      close(fd);
      return -1;
    }
    buf = nb;
  }
  buf[n] = '\0';
  if (fstat(fd, after) != 0) {
    free(buf);
    close(fd);
    return -1;
  }
  close(fd);
  *data = buf;
  *len = n;
  return 0;
}

static void release_map(void *m) { stance_layercache_map_release(m); }
static void lend_map(void *m) { stance_layercache_lend(m); }

/* Where the entries put are kept until the save (stance_layercache_spill_to): beside the
 * cache when its folder resolves inside the corpus, else in the folder above it (.stance/,
 * before a first save makes the cache's folder) under the same rule, else $TMPDIR or /tmp. */
static void spill_dir(llc *l) {
  char dir[PATH_MAX], real[PATH_MAX];
  int up;
  const char *tmp = getenv("TMPDIR");
  l->spill_tried = 1;
  if (strlen(l->path) < sizeof dir) {
    memcpy(dir, l->path, strlen(l->path) + 1);
    for (up = 0; up < 2; up++) {
      char *slash = strrchr(dir, '/');
      if (slash == NULL || slash == dir) break;
      *slash = '\0';
      if (realpath(dir, real) != NULL && stance_real_inside(l->root_real, real) &&
          stance_layercache_spill_to(l->c, real) == 0)
        return;
    }
  }
  if (stance_layercache_spill_to(l->c, tmp != NULL && tmp[0] == '/' ? tmp : "/tmp") != 0)
    (void)stance_layercache_spill_to(l->c, "/tmp");
}

/* Whether a watcher vouches now that no annotation file changed since the cache's file
 * recorded its generation (lc_vouch, for a second at most: then asked again). */
static int vouching(const llc *l) { return l->vouch_until != 0 && now_ns(CLOCK_MONOTONIC) < l->vouch_until; }

static int lc_read(lua_State *L) {
  llc *l = check_lc(L);
  const char *path = luaL_checkstring(L, 2), *slash = strrchr(path, '/'), *cached, *snap;
  int want_view = lua_toboolean(L, 3);
  struct stat st, before, after;
  stance_layer_id id, id2;
  stance_store *s = NULL;
  stance_problems p;
  char *buf = NULL;
  size_t len = 0, snaplen;
  uint64_t which;
  int64_t t0;
  int dir, plain, found;
  if (slash == NULL || slash == path || slash[1] == '\0' ||
      (dir = dir_inside(l, path, (size_t)(slash - path), &plain)) < 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  /* vouched (no change since the entry was put, in a folder reached without a link): the
   * entry taken without a stat of the file */
  found = plain && vouching(l) && stance_layercache_find(l->c, path, NULL, &snap, &snaplen, &cached, &len, &which) == 1;
  if (found) l->vouched++;
  if (!found) {
    if (fstatat(dir, slash + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
      lua_pushboolean(L, 0);
      return 1;
    }
    id_of(&st, &id);
    found = stance_layercache_find(l->c, path, &id, &snap, &snaplen, &cached, &len, &which) == 1;
  }
  if (found) {
    /* the bytes lent from the cache's mapping (no copy): it stays mapped while they live */
    stance_layercache_map *m = stance_layercache_mapping(l->c);
    const char *why = "raw";
    stance_snapview *v = want_view ? stance_snapview_open(snap, snaplen, STANCE_LAYERCACHE_SNAP_KEY, 1, &why) : NULL;
    if (v != NULL) {
      /* the records read where they are in the mapping (no store built), and the file's
       * bytes there too when asked for (view:bytes()): no problems (an entry has none) */
      stance__push_store_view(L, v, snap, snaplen, STANCE_LAYERCACHE_SNAP_KEY, release_map, lend_map, m, cached, len);
      stance_layercache_lend(m);
      lua_pushnil(L);
      lua_pushnil(L);
      lua_pushliteral(L, "view");
      return 4;
    } else if (strcmp(why, "raw") == 0) {
      /* (a view is not for text kept as written: a store checks that it reads back) */
      s = stance_store_from_snapshot(snap, snaplen, STANCE_LAYERCACHE_SNAP_KEY, &why);
      if (s != NULL) stance__push_store(L, s);
    }
    if (s == NULL) {
      if (strcmp(why, "memory") == 0) return stance__fail(L, "out of memory", "ENOMEM");
      stance_layercache_drop(l->c, which); /* damaged: read the file */
    } else {
      lua_newtable(L);
      stance__push_lent_bytes(L, cached, len, release_map, m);
      stance_layercache_lend(m);
      lua_pushliteral(L, "store");
      return 4;
    }
  }
  t0 = now_ns(CLOCK_REALTIME);
  if (read_whole(dir, slash + 1, &buf, &len, &before, &after) != 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  stance__push_bytes(L, buf, len); /* freed with it if anything below fails */
  stance_problems_init(&p);
  s = stance_read(buf ? buf : "", len, l->vocab, &p);
  if (s == NULL) {
    stance_problems_free(&p);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  stance__push_store(L, s);
  id_of(&before, &id);
  id_of(&after, &id2);
  /* (a file of several names is never kept: a watcher of the annotations folder does not see
   * a write through a name outside it, so none may vouch for it) */
  if (p.n == 0 && !p.oom && before.st_nlink == 1 && memcmp(&id, &id2, sizeof id) == 0 && id.size == (uint64_t)len &&
      id.mtime_ns < t0 - l->racy_ns && id.ctime_ns < t0 - l->racy_ns) {
    if (!l->spill_tried) spill_dir(l);
    if (stance_layercache_put(l->c, path, &id, buf ? buf : "", len, s) == STANCE_ENOMEM) {
      stance_problems_free(&p);
      return stance__fail(L, "out of memory", "ENOMEM");
    }
  }
  stance__push_problems(L, &p);
  stance_problems_free(&p);
  lua_pushvalue(L, -3);
  lua_pushliteral(L, "read");
  return 4;
}

/* The view of the file `prefix .. rel .. ".stance"` (as view() finds it) pushed: 1; 0 when
 * that file does not exist (nothing pushed); -1 when it is not one of the cache's views
 * (read it through read()). Raises only when out of memory. */
static int push_view_of(lua_State *L, llc *l, const char *prefix, size_t plen, const char *rel, size_t rlen) {
  char path[PATH_MAX];
  const char *slash, *snap, *cached, *why = NULL;
  struct stat st;
  stance_layer_id id;
  size_t snaplen, len;
  uint64_t which;
  int dir, plain;
  stance_snapview *v;
  stance_layercache_map *m;
  if (plen == 0 || rlen == 0 || plen >= sizeof path || rlen >= sizeof path - plen ||
      sizeof ".stance" > sizeof path - plen - rlen || memchr(prefix, '\0', plen) != NULL ||
      memchr(rel, '\0', rlen) != NULL)
    return -1;
  memcpy(path, prefix, plen);
  memcpy(path + plen, rel, rlen);
  memcpy(path + plen + rlen, ".stance", sizeof ".stance");
  slash = strrchr(path, '/');
  if (slash == NULL || slash == path || (dir = dir_inside(l, path, (size_t)(slash - path), &plain)) < 0) return -1;
  /* vouched: the entry without a stat of the file (a file not in the cache is looked at) */
  if (plain && vouching(l) && stance_layercache_find(l->c, path, NULL, &snap, &snaplen, &cached, &len, &which) == 1) {
    l->vouched++;
  } else {
    if (fstatat(dir, slash + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISREG(st.st_mode)) return -1;
    id_of(&st, &id);
    if (stance_layercache_find(l->c, path, &id, &snap, &snaplen, &cached, &len, &which) != 1) return -1;
  }
  v = stance_snapview_open(snap, snaplen, STANCE_LAYERCACHE_SNAP_KEY, 1, &why);
  if (v == NULL) {
    if (why != NULL && strcmp(why, "memory") == 0) luaL_error(L, "out of memory");
    /* (text kept as written: a store of it, through read(); damaged: dropped there) */
    return -1;
  }
  m = stance_layercache_mapping(l->c);
  stance__push_store_view(L, v, snap, snaplen, STANCE_LAYERCACHE_SNAP_KEY, release_map, lend_map, m, cached, len);
  stance_layercache_lend(m);
  return 1;
}

/* view(prefix, rel) -> the layer at prefix .. rel .. ".stance" as a view (what read(path, true)
 * gives as "view": a pass over the corpus asks for each document's layers through this, no
 * path made in Lua); nil when that file does not exist (its folder resolved inside the root);
 * false when it is not one of the cache's views (read it with read(): not in the cache, of
 * another identity, not a regular file, a folder that cannot be opened or leads outside). */
static int lc_view(lua_State *L) {
  llc *l = check_lc(L);
  size_t plen, rlen;
  const char *prefix = luaL_checklstring(L, 2, &plen), *rel = luaL_checklstring(L, 3, &rlen);
  int got = push_view_of(L, l, prefix, plen, rel, rlen);
  if (got == 0) lua_pushnil(L);
  if (got < 0) lua_pushboolean(L, 0);
  return 1;
}

/* annotations(kind, names, prefixes, doc, ctx, vocab) -> list | false, misses
 * What a script's doc:annotations() (relations(), labels()) without a filter gives, in one
 * call, when every layer of the document is a view of the cache (see stance.Document): for
 * each name (its folder in prefixes, with a slash at the end), the layer of the file
 * prefix .. doc.path .. ".stance" made as stance.Layer.of_view makes it (a table of
 * ctx.layer_mt: corpus = ctx.corpus, doc, annotator, file (of ctx.file_mt: _prefix, _rel,
 * root, vocab, view, errors = 0), dirty = false) and kept in doc._layers; then the records of
 * `kind` of each, in the order of names, as lazy annotations (ctx.lazy, the metatable's
 * fields; as view:lazy(kind, layer, ctx.lazy, out) makes them). A name without a file has no
 * layer. False when the Lua way must finish it: the layers that are views are kept in
 * doc._layers all the same, and `misses` ({name = true}, or nil) are those whose file is not
 * a view (read them with open_layer); for annotations, also when a layer's recorded hash is
 * not doc:hash() (the document changed: annotations re-anchored). */
/* The keys lc_annotations sets and reads, its upvalues (interned once: no lookup of a C
 * string at each use). */
enum {
  K_PREFIX = 1, K_REL, K_ROOT, K_VOCAB, K_VIEW, K_ERRORS, K_CORPUS, K_DOC, K_ANNOTATOR, K_FILE, K_DIRTY, K_VOUCHED,
  K_LAYERS, K_PATH, K_HASH, K_LAYER_MT, K_FILE_MT, K_LAZY, K_LAYER, K_STORE, K_SLOT, K_COUNT
};
static const char *const k_names[K_COUNT] = {NULL, "_prefix", "_rel", "root", "vocab", "view", "errors", "corpus",
                                             "doc", "annotator", "file", "dirty", "_vouched", "_layers", "path",
                                             "hash", "layer_mt", "file_mt", "lazy", "_layer", "_store", "_slot"};
#define KEY(k) lua_pushvalue(L, lua_upvalueindex(k))
#define LAZY_FIELDS 32 /* (the fields of ctx.lazy: stance.annotation's Lazy has three) */

static int lc_annotations(lua_State *L) {
  llc *l = check_lc(L);
  const char *kind = luaL_checkstring(L, 2), *rel;
  int want = stance_rec_kind_from_name(kind, strlen(kind)), misses = 0, layers, ok = 1;
  lua_Integer i, n, found = 0;
  size_t rlen;
  if (want < 0) return luaL_argerror(L, 2, "kind should be annotation, relation or doclabel");
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  luaL_checktype(L, 5, LUA_TTABLE);
  luaL_checktype(L, 6, LUA_TTABLE);
  lua_settop(L, 7);
  KEY(K_PATH);
  lua_gettable(L, 5); /* 8 */
  rel = lua_tolstring(L, 8, &rlen);
  if (rel == NULL) return luaL_argerror(L, 5, "a document");
  n = (lua_Integer)lua_rawlen(L, 3);
  KEY(K_LAYERS);
  lua_gettable(L, 5); /* 9 */
  if (!lua_istable(L, 9)) {
    lua_pop(L, 1);
    lua_createtable(L, 0, (int)n);
    KEY(K_LAYERS);
    lua_pushvalue(L, -2);
    lua_settable(L, 5);
  }
  layers = 9;
  KEY(K_LAYER_MT);
  lua_gettable(L, 6); /* 10 */
  KEY(K_FILE_MT);
  lua_gettable(L, 6); /* 11 */
  KEY(K_CORPUS);
  lua_gettable(L, 6); /* 12 */
  KEY(K_ROOT);
  lua_gettable(L, 12); /* 13 */
  lua_pushnil(L);      /* 14: the misses */
  /* 15...: each layer made and its view, in order, kept on the stack (no list of them made) */
  luaL_checkstack(L, (int)(n > 64 ? 64 : n) * 2 + 16, "the layers of a document");
  for (i = 1; i <= n; i++) {
    size_t plen;
    const char *prefix;
    int got, base = lua_gettop(L);
    if (i > 64) luaL_checkstack(L, 2 + 16, "the layers of a document");
    lua_rawgeti(L, 3, i); /* base + 1: the name */
    lua_rawgeti(L, 4, i); /* base + 2: its folder */
    prefix = lua_tolstring(L, base + 2, &plen);
    if (lua_type(L, base + 1) != LUA_TSTRING || prefix == NULL) return luaL_argerror(L, 4, "a folder for each name");
    got = push_view_of(L, l, prefix, plen, rel, rlen); /* base + 3: the view */
    if (got < 0) {
      if (lua_isnil(L, 14)) {
        lua_newtable(L);
        lua_replace(L, 14);
      }
      lua_pushvalue(L, base + 1);
      lua_pushboolean(L, 1);
      lua_rawset(L, 14);
      misses++;
    } else if (got > 0) {
      int file = base + 4, layer = base + 5;
      lua_createtable(L, 0, 6); /* the file */
      KEY(K_PREFIX);
      lua_pushvalue(L, base + 2);
      lua_rawset(L, file);
      KEY(K_REL);
      lua_pushvalue(L, 8);
      lua_rawset(L, file);
      KEY(K_ROOT);
      lua_pushvalue(L, 13);
      lua_rawset(L, file);
      KEY(K_VOCAB);
      lua_pushvalue(L, 7);
      lua_rawset(L, file);
      KEY(K_VIEW);
      lua_pushvalue(L, base + 3);
      lua_rawset(L, file);
      KEY(K_ERRORS);
      lua_pushinteger(L, 0);
      lua_rawset(L, file);
      lua_pushvalue(L, 11);
      lua_setmetatable(L, file);
      lua_createtable(L, 0, 6); /* the layer (room for _vouched) */
      KEY(K_CORPUS);
      lua_pushvalue(L, 12);
      lua_rawset(L, layer);
      KEY(K_DOC);
      lua_pushvalue(L, 5);
      lua_rawset(L, layer);
      KEY(K_ANNOTATOR);
      lua_pushvalue(L, base + 1);
      lua_rawset(L, layer);
      KEY(K_FILE);
      lua_pushvalue(L, file);
      lua_rawset(L, layer);
      KEY(K_DIRTY);
      lua_pushboolean(L, 0);
      lua_rawset(L, layer);
      lua_pushvalue(L, 10);
      lua_setmetatable(L, layer);
      lua_pushvalue(L, base + 1);
      lua_pushvalue(L, layer);
      lua_rawset(L, layers);
      found++;
      /* the layer and its view kept, at base + 1 and base + 2 */
      lua_replace(L, base + 2); /* (the layer where the folder was) */
      lua_settop(L, base + 3);
      lua_remove(L, base + 1);
      continue;
    }
    lua_settop(L, base);
  }
  if (misses > 0) ok = 0;
  /* annotations are taken at their word only where the file's recorded hash is the document's */
  if (ok && found > 0 && want == STANCE_REC_ANNOTATION) {
    const char *h;
    size_t hlen;
    int top = lua_gettop(L);
    KEY(K_HASH);
    lua_gettable(L, 5);
    lua_pushvalue(L, 5);
    lua_call(L, 1, 1); /* doc:hash() */
    h = lua_tolstring(L, -1, &hlen);
    for (i = 0; i < found && ok; i++) {
      const char *rec;
      size_t reclen = 0;
      rec = stance__view_header(L, 16 + 2 * (int)i, STANCE_H_HASH, &reclen);
      ok = h != NULL && rec != NULL && reclen == hlen && memcmp(rec, h, hlen) == 0;
    }
    if (ok)
      for (i = 0; i < found; i++) {
        KEY(K_VOUCHED);
        lua_pushboolean(L, 1);
        lua_rawset(L, 15 + 2 * (int)i);
      }
    lua_settop(L, top);
  }
  if (!ok) {
    lua_pushboolean(L, 0);
    lua_pushvalue(L, 14);
    return 2;
  }
  {
    const int keys[3] = {lua_upvalueindex(K_LAYER), lua_upvalueindex(K_STORE), lua_upvalueindex(K_SLOT)};
    int npairs = 0, out, lazy, top;
    lua_createtable(L, (int)found * 6, 0); /* the annotations */
    out = lua_gettop(L);
    KEY(K_LAZY);
    lua_gettable(L, 6);
    lazy = lua_gettop(L);
    if (!lua_istable(L, lazy)) return luaL_argerror(L, 6, "ctx.lazy, a table");
    /* its keys and values, read once for every layer's metatable */
    luaL_checkstack(L, 2 * LAZY_FIELDS + 8, "the fields of ctx.lazy");
    lua_pushnil(L);
    while (lua_next(L, lazy) != 0) {
      if (++npairs > LAZY_FIELDS) return luaL_argerror(L, 6, "ctx.lazy: too many fields");
      lua_pushvalue(L, -2);
    }
    top = lua_gettop(L);
    for (i = 0; i < found; i++) {
      (void)stance__push_view_annotations(L, 16 + 2 * (int)i, want, 15 + 2 * (int)i, lazy + 1, npairs, out, keys);
      lua_settop(L, top);
    }
    lua_settop(L, out);
  }
  return 1;
}

static int lc_save(lua_State *L) {
  llc *l = check_lc(L);
  int prune = lua_toboolean(L, 3);
  const char *path = luaL_checkstring(L, 2);
  stance_layercache_stats st;
  char err[512], real[PATH_MAX], *dir;
  const char *slash = strrchr(path, '/');
  struct stat lst;
  int rc;
  stance_layercache_stats_of(l->c, &st);
  if (st.put == l->saved_put && st.stale == l->saved_stale && !prune &&
      (l->gen_want == 0 || l->gen_want == l->gen_saved || l->gen_want == stance_layercache_generation(l->c))) {
    lua_pushboolean(L, 1);
    return 1;
  }
  /* the folder inside the corpus, the file not a link: a committed link is never written through */
  if (slash == NULL || slash == path) return luaL_argerror(L, 2, "an absolute path");
  dir = lua_newuserdata(L, (size_t)(slash - path) + 1);
  memcpy(dir, path, (size_t)(slash - path));
  dir[slash - path] = '\0';
  if (realpath(dir, real) == NULL || !stance_real_inside(l->root_real, real))
    return stance__fail(L, lua_pushfstring(L, "%s: leads outside the corpus or is missing", dir), "EOUTSIDE");
  if (lstat(path, &lst) == 0 && !S_ISREG(lst.st_mode))
    return stance__fail(L, lua_pushfstring(L, "%s: not a regular file; not written", path), "EOUTSIDE");
  rc = stance_layercache_save(l->c, path, prune ? STANCE_LC_KEEP_SEEN : STANCE_LC_KEEP_PRESENT, err, sizeof err);
  if (rc != 0) return stance__fail(L, err, "EWRITE");
  l->saved_put = st.put;
  l->saved_stale = st.stale;
  l->gen_saved = l->gen_want;
  lua_pushboolean(L, 1);
  return 1;
}

static int lc_stats(lua_State *L) {
  llc *l = check_lc(L);
  stance_layercache_stats st;
  stance_layercache_stats_of(l->c, &st);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, (lua_Integer)l->vouched);
  lua_setfield(L, -2, "vouched");
  lua_pushinteger(L, (lua_Integer)st.loaded);
  lua_setfield(L, -2, "loaded");
  lua_pushinteger(L, (lua_Integer)st.hits);
  lua_setfield(L, -2, "hits");
  lua_pushinteger(L, (lua_Integer)st.misses);
  lua_setfield(L, -2, "misses");
  lua_pushinteger(L, (lua_Integer)st.stale);
  lua_setfield(L, -2, "stale");
  lua_pushinteger(L, (lua_Integer)st.put);
  lua_setfield(L, -2, "put");
  return 1;
}

/* The annotation files' generation `stance watch` answers ("<pid>.<start>.<count>") in the
 * cache's header: 64 bits of it, never 0 (0 is none). */
static uint64_t generation_of(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a: a few dozen bytes */
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h == 0 ? 1 : h;
}

/* cache:generation_is(gen) -> whether the file loaded records the generation `gen` */
static int lc_generation_is(lua_State *L) {
  llc *l = check_lc(L);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  lua_pushboolean(L, stance_layercache_generation(l->c) == generation_of(s, n));
  return 1;
}

/* cache:set_generation(gen|nil): the generation the next save records (nil: none); a save
 * with nothing else to write writes it when the file loaded records another one */
static int lc_set_generation(lua_State *L) {
  llc *l = check_lc(L);
  size_t n = 0;
  const char *s = luaL_optlstring(L, 2, NULL, &n);
  l->gen_want = s == NULL ? 0 : generation_of(s, n);
  stance_layercache_set_generation(l->c, l->gen_want);
  return 0;
}

/* cache:all_seen() -> whether every entry loaded was found again since, or found stale (a
 * save keeps none of those it did not check) */
static int lc_all_seen(lua_State *L) {
  llc *l = check_lc(L);
  lua_pushboolean(L, stance_layercache_all_seen(l->c));
  return 1;
}

/* cache:vouch(gen|nil[, ms]) -> whether vouched: a live watcher answered `gen` (the annotation
 * files' generation) just now; when the file loaded records that same generation, no
 * annotation file nor folder changed since every entry in it was as it is: for `ms` (default
 * 1000, at most 60000) a lookup (read, view, annotations) takes an entry without a stat of
 * its file, in a folder reached without a link below the root (else, and for a file not in
 * the cache, everything is looked at as without). nil or another generation: not vouched. */
static int lc_vouch(lua_State *L) {
  llc *l = check_lc(L);
  size_t n = 0;
  const char *s = luaL_optlstring(L, 2, NULL, &n);
  lua_Integer ms = luaL_optinteger(L, 3, 1000);
  if (ms < 0 || ms > 60000) return luaL_argerror(L, 3, "from 0 to 60000 ms");
  l->vouch_until = 0;
  if (s != NULL && stance_layercache_generation(l->c) != 0 && stance_layercache_generation(l->c) == generation_of(s, n))
    l->vouch_until = now_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000LL;
  lua_pushboolean(L, l->vouch_until != 0);
  return 1;
}

/* cache:vouching() -> whether a vouch (lc_vouch) holds now (false once its time is over) */
static int lc_vouching(lua_State *L) {
  lua_pushboolean(L, vouching(check_lc(L)));
  return 1;
}

static int lc_close(lua_State *L) {
  llc *l = luaL_checkudata(L, 1, LC_MT);
  unsigned i;
  stance_layercache_free(l->c);
  l->c = NULL;
  stance_vocab_free(l->vocab);
  l->vocab = NULL;
  free(l->root_real);
  l->root_real = NULL;
  free(l->root);
  l->root = NULL;
  free(l->path);
  l->path = NULL;
  for (i = 0; i < DIRS; i++) forget_dir(&l->dirs[i]);
  return 0;
}

/* release() -> forget the folders verified, closing their descriptors (the end of a pass) */
static int lc_release(lua_State *L) {
  llc *l = check_lc(L);
  unsigned i;
  for (i = 0; i < DIRS; i++) forget_dir(&l->dirs[i]);
  return 0;
}

static int lc_tostring(lua_State *L) {
  llc *l = luaL_checkudata(L, 1, LC_MT);
  lua_pushfstring(L, "stance.layer_cache (%s)", l->c ? "open" : "closed");
  return 1;
}

static const luaL_Reg lc_meta[] = {{"__gc", lc_close}, {"__tostring", lc_tostring}, {NULL, NULL}};
static const luaL_Reg lc_methods[] = {
    {"read", lc_read}, {"view", lc_view}, {"save", lc_save}, {"release", lc_release}, {"stats", lc_stats}, {"close", lc_close},
    {"generation_is", lc_generation_is}, {"set_generation", lc_set_generation}, {"all_seen", lc_all_seen},
    {"vouch", lc_vouch}, {"vouching", lc_vouching}, {NULL, NULL}};

/* The cache's class on the object on top (stance__setclass), made at the first cache with
 * annotations(): a closure of the keys it uses. */
static void lc_setclass(lua_State *L) {
  int k;
  lua_getfield(L, LUA_REGISTRYINDEX, LC_MT);
  k = lua_istable(L, -1);
  lua_pop(L, 1);
  if (!k) {
    stance__getclass(L, LC_MT);
    lua_getfield(L, -1, "__index");
    for (k = 1; k < K_COUNT; k++) lua_pushstring(L, k_names[k]);
    lua_pushcclosure(L, lc_annotations, K_COUNT - 1);
    lua_setfield(L, -2, "annotations");
    lua_pop(L, 2);
  }
  stance__setclass(L, LC_MT);
}

/* layer_cache(path, {root, vocab, racy_ms}) -> the cache saved at path (empty when missing,
 * damaged, or made for other schema values) | nil, err, code */
static int l_layer_cache(lua_State *L) {
  const char *path = luaL_checkstring(L, 1), *root;
  char real[PATH_MAX];
  stance_vocab *v;
  int owned = 0;
  lua_Integer racy_ms;
  unsigned i;
  llc *l;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, 2, "root");
  root = luaL_checkstring(L, -1);
  lua_getfield(L, 2, "racy_ms");
  racy_ms = luaL_optinteger(L, -1, 2000);
  if (racy_ms < 0 || racy_ms > 86400000) return luaL_argerror(L, 2, "racy_ms from 0 to 86400000");
  lua_pop(L, 2);
  l = lua_newuserdata(L, sizeof *l);
  memset(l, 0, sizeof *l);
  for (i = 0; i < DIRS; i++) l->dirs[i].fd = -1;
  lc_setclass(L);
  if (realpath(root, real) == NULL) return stance__fail(L, strerror(errno), "ENOENT");
  if ((l->root_real = malloc(strlen(real) + 1)) == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  memcpy(l->root_real, real, strlen(real) + 1);
  l->rootlen = strlen(root);
  while (l->rootlen > 1 && root[l->rootlen - 1] == '/') l->rootlen--;
  if ((l->root = malloc(l->rootlen + 1)) == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  memcpy(l->root, root, l->rootlen);
  l->root[l->rootlen] = '\0';
  if ((l->path = malloc(strlen(path) + 1)) == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  memcpy(l->path, path, strlen(path) + 1);
  l->racy_ns = (int64_t)racy_ms * 1000000LL;
  v = stance__read_vocab(L, 2, &owned);
  l->vocab = owned ? v : stance_vocab_copy(v);
  if (v != NULL && l->vocab == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  {
    /* the saved cache only through a folder inside the corpus */
    const char *slash = strrchr(path, '/');
    char dreal[PATH_MAX], *dir;
    int inside = 0;
    if (slash != NULL && slash != path) {
      dir = lua_newuserdata(L, (size_t)(slash - path) + 1);
      memcpy(dir, path, (size_t)(slash - path));
      dir[slash - path] = '\0';
      inside = realpath(dir, dreal) != NULL && stance_real_inside(l->root_real, dreal);
      lua_pop(L, 1);
    }
    l->c = inside ? stance_layercache_open(path, stance_vocab_digest(l->vocab))
                  : stance_layercache_from_memory(NULL, 0, stance_vocab_digest(l->vocab));
  }
  if (l->c == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  return 1;
}

void stance__open_layercache(lua_State *L) {
  stance__newclass(L, LC_MT, lc_meta, lc_methods);
  lua_pushcfunction(L, l_layer_cache);
  lua_setfield(L, -2, "layer_cache");
}
