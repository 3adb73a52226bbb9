/*
 * lfs.c - the few file-system calls the Lua side needs in both hosts (plain Lua has none):
 * stat, realpath, listing a folder, reading a file whole, starting a program without a
 * shell; and files' bytes kept in C.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "atomic.h"
#include "contain.h"
#include "hash.h"
#include "query.h"
#include "walk.h"
#include "compat.h"
#include "lcore.h"

/* The path argument `i`: a string without a NUL byte (the system would take the name cut at
 * it: a file written or looked at under another name than the one asked for). */
static const char *check_path(lua_State *L, int i) {
  size_t len;
  const char *path = luaL_checklstring(L, i, &len);
  if (strlen(path) != len) luaL_argerror(L, i, "a path holds a NUL byte, which no file name can");
  return path;
}

static const char *type_name(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "directory";
  if (S_ISLNK(m)) return "link";
  return "other";
}

/* stat(path) -> { type, size, mtime, mtime_ns, ctime, ctime_ns, mode, ino, dev } | nil, err, code */
static int l_stat(lua_State *L) {
  const char *path = check_path(L, 1);
  struct stat st;
  if (stat(path, &st) != 0) return stance__fail(L, strerror(errno), "ESTAT");
  lua_createtable(L, 0, 9);
  lua_pushstring(L, type_name(st.st_mode));
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, (lua_Integer)st.st_size);
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, (lua_Integer)st.st_mtime);
  lua_setfield(L, -2, "mtime");
#if defined(__APPLE__)
  lua_pushinteger(L, (lua_Integer)st.st_mtimespec.tv_nsec);
#else
  lua_pushinteger(L, (lua_Integer)st.st_mtim.tv_nsec);
#endif
  lua_setfield(L, -2, "mtime_ns");
  /* the change time: set by every write and every change of the times, never set back */
  lua_pushinteger(L, (lua_Integer)st.st_ctime);
  lua_setfield(L, -2, "ctime");
#if defined(__APPLE__)
  lua_pushinteger(L, (lua_Integer)st.st_ctimespec.tv_nsec);
#else
  lua_pushinteger(L, (lua_Integer)st.st_ctim.tv_nsec);
#endif
  lua_setfield(L, -2, "ctime_ns");
  lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
  lua_setfield(L, -2, "mode");
  lua_pushinteger(L, (lua_Integer)st.st_ino);
  lua_setfield(L, -2, "ino");
  lua_pushinteger(L, (lua_Integer)st.st_dev);
  lua_setfield(L, -2, "dev");
  return 1;
}

/* exists(path) -> whether something is there (following links): stat() without a table */
static int l_exists(lua_State *L) {
  struct stat st;
  lua_pushboolean(L, stat(check_path(L, 1), &st) == 0);
  return 1;
}

/* names kept with a byte of their kind before them (folders()), compared by the name */
static int cmp_kinded(const void *a, const void *b) { return strcmp(*(char *const *)a + 1, *(char *const *)b + 1); }

/* folders(dir) -> the names of the folders directly in `dir`, sorted (byte order): real
 * folders only (no link, whatever it points to), no hidden name (".x"), as the listing's
 * rules have it; and the names of the symbolic links there (not hidden, sorted), which are
 * no folder of `dir` | nil, err, code. One readdir, no walk below them: what a corpus's
 * annotators' folders are found with (and the links among them said).
 * folders(dir, "hidden") -> the hidden names instead (".x", of anything but "." and "..";
 * the second table empty): what the listing leaves out, for saying so. */
static int l_folders(lua_State *L) {
  const char *path = check_path(L, 1);
  int hidden = lua_isstring(L, 2) && strcmp(lua_tostring(L, 2), "hidden") == 0;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY), k, links;
  DIR *d;
  struct dirent *de;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  if (fd < 0) return stance__fail(L, strerror(errno), errno == ENOENT ? "ENOENT" : "ELIST");
  if ((d = fdopendir(fd)) == NULL) {
    int e = errno;
    close(fd);
    return stance__fail(L, strerror(e), "ELIST");
  }
  while ((de = readdir(d)) != NULL) {
    struct stat st;
    size_t len;
    char *copy;
    char kind = 'd';
    if (hidden) {
      if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    } else if (de->d_name[0] == '.') {
      continue;
    } else if (de->d_type == DT_LNK) {
      kind = 'l';
    } else if (de->d_type != DT_DIR) {
      /* a file system that does not say: ask (a link is no folder here) */
      if (de->d_type != DT_UNKNOWN || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISLNK(st.st_mode))
        kind = 'l';
      else if (!S_ISDIR(st.st_mode))
        continue;
    }
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 16;
      char **nn = nc > SIZE_MAX / sizeof *nn ? NULL : realloc(names, nc * sizeof *nn);
      if (nn == NULL) goto oom;
      names = nn;
      cap = nc;
    }
    len = strlen(de->d_name);
    if (len > SIZE_MAX - 2 || (copy = malloc(len + 2)) == NULL) goto oom;
    copy[0] = kind; /* (sorted by the name after it) */
    memcpy(copy + 1, de->d_name, len + 1);
    names[n++] = copy;
  }
  closedir(d);
  if (n > 0) qsort(names, n, sizeof *names, cmp_kinded);
  lua_createtable(L, n > INT_MAX ? 0 : (int)n, 0);
  lua_createtable(L, 0, 0);
  for (i = 0, k = 0, links = 0; i < n; i++) {
    lua_pushstring(L, names[i] + 1);
    if (names[i][0] == 'l')
      lua_rawseti(L, -2, ++links);
    else
      lua_rawseti(L, -3, ++k);
    free(names[i]);
  }
  free(names);
  return 2;
oom:
  closedir(d);
  for (i = 0; i < n; i++) free(names[i]);
  free(names);
  return stance__fail(L, "out of memory", "ENOMEM");
}

/* realpath(path) -> absolute path without links | nil, err, code */
static int l_realpath(lua_State *L) {
  char buf[PATH_MAX];
  if (realpath(check_path(L, 1), buf) == NULL)
    return stance__fail(L, strerror(errno), "ENOENT");
  lua_pushstring(L, buf);
  return 1;
}

/* readlink(path) -> what the symbolic link `path` holds (the link itself, not the folders
 * above it; one system call, no stat) | false when `path` is not a link | nil, err, code
 * ("ENOENT" when nothing is there). */
static int l_readlink(lua_State *L) {
  char buf[PATH_MAX];
  ssize_t n = readlink(check_path(L, 1), buf, sizeof buf);
  if (n < 0) {
    if (errno == EINVAL) {
      lua_pushboolean(L, 0);
      return 1;
    }
    return stance__fail(L, strerror(errno), errno == ENOENT ? "ENOENT" : "EREAD");
  }
  if ((size_t)n >= sizeof buf) return stance__fail(L, "link too long", "EREAD");
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

/* The entry of a folder just made, on disk: its parent flushed (what a crash would otherwise
 * take away with every file written into it since, durably or not). 0, or an errno. File
 * systems that cannot flush a folder (EINVAL, EBADF) have nothing more to give. */
static int flush_parent(const char *path) {
  size_t n = strlen(path);
  char *parent;
  int fd, err = 0;
  while (n > 1 && path[n - 1] == '/') n--;
  while (n > 0 && path[n - 1] != '/') n--;
  while (n > 1 && path[n - 1] == '/') n--;
  parent = malloc(n > 0 ? n + 1 : 2);
  if (parent == NULL) return ENOMEM;
  if (n == 0) {
    parent[0] = '.';
    parent[1] = '\0';
  } else {
    memcpy(parent, path, n);
    parent[n] = '\0';
  }
  fd = open(parent, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
  } else {
    if (fsync(fd) != 0 && errno != EINVAL && errno != EBADF) err = errno;
    close(fd);
  }
  free(parent);
  return err;
}

/* mkdir(path) -> true | nil, err, code (an existing folder is success; a folder made is on
 * disk, its parent flushed) */
static int l_mkdir(lua_State *L) {
  const char *path = check_path(L, 1);
  struct stat st;
  int err;
  if (mkdir(path, 0777) != 0) {
    if (!(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
      return stance__fail(L, strerror(errno), "EMKDIR");
  } else if ((err = flush_parent(path)) != 0) {
    return stance__fail(L, strerror(err), "EMKDIR");
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* mkdir_inside(root, path) -> true | nil, err, code: the folder `path` (the root or a path
 * below it as written) and every folder missing on the way, made from the root part by part
 * without following a link out of it (contain.h: stance_mkdir_inside; "EOUTSIDE" before
 * anything is made outside), each flushed in its parent; an existing folder is success. */
static int l_mkdir_inside(lua_State *L) {
  const char *root = check_path(L, 1);
  const char *path = check_path(L, 2);
  char err[1024];
  int rc = stance_mkdir_inside(root, path, err, sizeof err);
  if (rc != 0) return stance__fail(L, err, rc == STANCE_EOUTSIDE ? "EOUTSIDE" : "EMKDIR");
  lua_pushboolean(L, 1);
  return 1;
}

/* Field `name` of the options table at `opts` as a string, or NULL. */
static const char *opt_string(lua_State *L, int opts, const char *name) {
  const char *v = NULL;
  if (lua_isnoneornil(L, opts)) return NULL;
  luaL_checktype(L, opts, LUA_TTABLE);
  lua_getfield(L, opts, name);
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "option %s should be a string", name);
    v = lua_tostring(L, -1);
  }
  lua_pop(L, 1); /* the string stays alive in the options table */
  return v;
}

static int opt_bool(lua_State *L, int opts, const char *name) {
  int v;
  if (lua_isnoneornil(L, opts)) return 0;
  lua_getfield(L, opts, name);
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* opts.wait (seconds): how long to wait for another writer's lock (default: the library's,
 * STANCE_LOCK_WAIT_MS); at least 1 ms, at most an hour. */
static unsigned opt_wait_ms(lua_State *L, int idx) {
  lua_Number w;
  unsigned ms = 0;
  if (!lua_istable(L, idx)) return 0;
  lua_getfield(L, idx, "wait");
  if (!lua_isnil(L, -1)) {
    w = luaL_checknumber(L, -1);
    if (!(w >= 0.001 && w <= 3600)) luaL_error(L, "opts.wait: seconds from 0.001 to 3600");
    ms = (unsigned)(w * 1000);
  }
  lua_pop(L, 1);
  return ms;
}

/* write_atomic(path, data[, expect_hash[, opts]]) -> true, {stamp, hash} | nil, err, code
 * Replaces the file under its lock (atomic.h). expect_hash: the SHA-256 hex the file must
 * still have ("" = must not exist); on a mismatch nothing is written and the code is
 * "ECHANGED". opts.stamp: the same with the file's stamp (when expect_hash is nil).
 * opts.root: the file must be inside that folder (links resolved), else "EOUTSIDE"; an
 * annotation file of it must have no link among its folders below .stance/annotations/ nor
 * be one (the file checked again under the lock), else "ELINK". The folder is opened from
 * the root part by part and written in through that descriptor only (atomic.h): a folder
 * swapped for a link meanwhile is not written through.
 * opts.cache: no fsync (a cache that can be rebuilt). opts.wait: seconds to wait for another
 * writer's lock (else "EBUSY", nothing written). The result has the file's new stamp and the
 * SHA-256 of the data. */
static int l_write_atomic(lua_State *L) {
  size_t len;
  const char *path = check_path(L, 1);
  const char *data = luaL_checklstring(L, 2, &len);
  stance_write_opts o;
  char err[1024], hex[STANCE_HASH_HEXLEN + 1], stamp[128];
  int rc;
  memset(&o, 0, sizeof o);
  o.expect_hex = luaL_optstring(L, 3, NULL);
  o.expect_stamp = opt_string(L, 4, "stamp");
  o.root = opt_string(L, 4, "root");
  o.durable = !opt_bool(L, 4, "cache");
  o.lock_wait_ms = opt_wait_ms(L, 4);
  o.new_hex = hex;
  o.new_stamp = stamp;
  o.new_stamp_len = sizeof stamp;
  rc = stance_write_file(path, data, len, &o, err, sizeof err);
  if (rc == 1) return stance__fail(L, err, "ECHANGED");
  if (rc == 2) return stance__fail(L, err, "EBUSY");
  if (rc != 0)
    return stance__fail(L, err, strstr(err, "leads outside") ? "EOUTSIDE"
                                : strstr(err, "a layer's file and folders must be its own") ? "ELINK"
                                                                                             : "EWRITE");
  lua_pushboolean(L, 1);
  lua_createtable(L, 0, 2);
  lua_pushstring(L, stamp);
  lua_setfield(L, -2, "stamp");
  lua_pushstring(L, hex);
  lua_setfield(L, -2, "hash");
  return 2;
}

/* write_files({ {path, data[, expect_hash]}, ... }) -> true | nil, err, code, index
 * Each file replaced atomically as write_atomic does, all of them with one flush of the disk
 * (stance_write_atomic_many): what an import of many files needs. index: the file at fault
 * (1-based); code "ECHANGED" when a file's expectation failed, else "EWRITE". */
static int l_write_files(lua_State *L) {
  stance_atomic_file *files;
  size_t n, i, failed = 0, plen;
  char err[512];
  int rc;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (size_t)lua_rawlen(L, 1);
  if (n == 0) {
    lua_pushboolean(L, 1);
    return 1;
  }
  if (n > SIZE_MAX / sizeof *files) return luaL_argerror(L, 1, "too many files");
  files = lua_newuserdata(L, n * sizeof *files); /* freed with the state; the strings stay in the list */
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 1, (lua_Integer)i + 1);
    if (!lua_istable(L, -1)) return luaL_argerror(L, 1, "each file should be {path, data[, expect_hash]}");
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    lua_rawgeti(L, -3, 3);
    files[i].path = lua_tolstring(L, -3, &plen);
    files[i].data = lua_tolstring(L, -2, &files[i].len);
    files[i].expect_hex = lua_tostring(L, -1);
    if (files[i].path == NULL || files[i].data == NULL)
      return luaL_argerror(L, 1, "each file should be {path, data[, expect_hash]}");
    if (strlen(files[i].path) != plen) {
      stance__fail(L, "a path holds a NUL byte, which no file name can", "EINVAL");
      lua_pushinteger(L, (lua_Integer)i + 1);
      return 4;
    }
    lua_pop(L, 4);
  }
  rc = stance_write_atomic_many(files, n, 16, &failed, err, sizeof err);
  if (rc != 0) {
    stance__fail(L, err, rc == 1 ? "ECHANGED" : "EWRITE");
    lua_pushinteger(L, (lua_Integer)failed + 1);
    return 4;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* append_file(path, data, size[, opts]) -> true, stamp | nil, err, code: append `data` to an
 * existing file that must still have `size` bytes and (opts.stamp) that stamp, under its
 * lock, in one write, then fdatasync (else "ECHANGED": someone else wrote it). What a small
 * addition to a large file costs instead of a rewrite. opts.root, opts.wait ("EBUSY") as for
 * write_atomic. */
static int l_append_file(lua_State *L) {
  size_t len;
  const char *path = check_path(L, 1);
  const char *data = luaL_checklstring(L, 2, &len);
  lua_Integer size = luaL_checkinteger(L, 3);
  const char *expect = opt_string(L, 4, "stamp"), *root = opt_string(L, 4, "root");
  char err[1024], stamp[128];
  int rc;
  if (size < 0) return luaL_argerror(L, 3, "a size");
  rc = stance_append_file_wait(path, data, len, (uint64_t)size, expect, root, opt_wait_ms(L, 4), stamp,
                               sizeof stamp, err, sizeof err);
  if (rc == 1) return stance__fail(L, err, "ECHANGED");
  if (rc == 2) return stance__fail(L, err, "EBUSY");
  if (rc != 0) return stance__fail(L, err, strstr(err, "leads outside") ? "EOUTSIDE" : "EWRITE");
  lua_pushboolean(L, 1);
  lua_pushstring(L, stamp);
  return 2;
}

/* readfile(path[, opts]) -> data | nil, err, code: the whole content of a regular file
 * (never a FIFO, a device or a folder: "ENOTREG", "EISDIR"), in one read into a buffer of
 * its size and one copy into the string (Lua's io.read("a") copies as its buffer grows).
 * opts.root: the file must resolve inside that folder ("EOUTSIDE"); opts.max: at most that
 * many bytes ("ETOOBIG"). A missing file is "ENOENT". */
static int l_readfile(lua_State *L) {
  const char *path = check_path(L, 1);
  const char *root = opt_string(L, 2, "root");
  lua_Integer max = 0;
  char *data;
  size_t len;
  char err[1024];
  int rc;
  if (!lua_isnoneornil(L, 2)) {
    lua_getfield(L, 2, "max");
    max = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
    lua_pop(L, 1);
  }
  rc = stance_read_file(path, root, max > 0 ? (size_t)max : 0, &data, &len, err, sizeof err);
  if (rc != 0) {
    const char *code = rc == STANCE_EOUTSIDE  ? "EOUTSIDE"
                       : rc == STANCE_ENOTREG ? "ENOTREG"
                       : rc == STANCE_ETOOBIG ? "ETOOBIG"
                       : rc == -ENOENT        ? "ENOENT"
                       : rc == -EISDIR        ? "EISDIR"
                                              : "EREAD";
    return stance__fail(L, err, code);
  }
  lua_pushlstring(L, data, len);
  free(data);
  return 1;
}

/* stamp(path[, nofollow]) -> "size:mtime.ns:inode", or "" when there is no such file: what
 * changes when the file is rewritten (the editor's cheap "changed on disk?"). With nofollow, a
 * symbolic link's own (lstat): it changes when the link is replaced, not when its target is. */
static int l_stamp(lua_State *L) {
  struct stat st;
  char out[128];
  const char *path = check_path(L, 1);
  if ((lua_toboolean(L, 2) ? lstat(path, &st) : stat(path, &st)) != 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  stance_stamp_of(&st, out, sizeof out);
  lua_pushstring(L, out);
  return 1;
}

/* list(dir[, {ext = {...}}]) -> { {path=, size=, error=}, ... } sorted | nil, err, code
 * The listing rules of walk.h: dot names skipped, links out of `dir` refused. */
/* A NULL-terminated list from opts[key] (strings, at most 64), into buf; NULL when absent. */
static const char **string_list(lua_State *L, int opts, const char *key, const char **buf) {
  int n, k;
  lua_getfield(L, opts, key);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  n = (int)lua_rawlen(L, -1);
  if (n > 64) luaL_argerror(L, opts, lua_pushfstring(L, "too many %s", key));
  for (k = 0; k < n; k++) {
    lua_rawgeti(L, -1, k + 1);
    buf[k] = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (buf[k] == NULL) luaL_argerror(L, opts, lua_pushfstring(L, "%s should be a list of strings", key));
  }
  buf[n] = NULL;
  lua_pop(L, 1); /* the opts table keeps the strings */
  return buf;
}

static int any_glob(const char *const *globs, const char *path) {
  for (; globs != NULL && *globs != NULL; globs++)
    if (stance_glob_match(*globs, path)) return 1;
  return 0;
}

typedef struct globs {
  const char *const *include, *const *exclude;
} globs;

static int globs_take(const void *ud, const char *rel) {
  const globs *g = ud;
  return (g->include == NULL || any_glob(g->include, rel)) && !any_glob(g->exclude, rel);
}

/* list(dir[, {ext, names, links, include, exclude}]) -> { {path, size[, error]}, ... } sorted, or
 * with names = true the paths alone (no stat of regular files: cheap), with links = true
 * the symbolic links alone as { {path[, error]}, ... } (as cheap), those matching one
 * of `include` (globs) and none of `exclude`, without the entries in error, and without the
 * symbolic links that are another name of a path listed (stance_walk_alias) */
static int l_list(lua_State *L) {
  const char *dir = check_path(L, 1);
  const char *exts[65], *inc[65], *exc[65];
  const char *const *use = NULL, *const *include = NULL, *const *exclude = NULL;
  int names = 0, links = 0;
  stance_walk w;
  char err[512];
  size_t i;
  int k = 0;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    use = string_list(L, 2, "ext", exts);
    include = string_list(L, 2, "include", inc);
    exclude = string_list(L, 2, "exclude", exc);
    lua_getfield(L, 2, "names");
    names = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 2, "links");
    links = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  globs g;
  char root_real[PATH_MAX];
  int have_root = -1;
  if (stance_walk_run_names(&w, dir, use, names || links, err, sizeof err) != 0) return stance__fail(L, err, "ELIST");
  g.include = include;
  g.exclude = exclude;
  lua_createtable(L, (int)w.n, 0);
  for (i = 0; i < w.n; i++) {
    const stance_walk_entry *e = &w.entries[i];
    if (links) { /* the links alone, whatever they lead to (in error or not, another name or not) */
      if (!e->link || !globs_take(&g, e->path)) continue;
      lua_createtable(L, 0, 2);
      lua_pushstring(L, e->path);
      lua_setfield(L, -2, "path");
      if (e->error) {
        lua_pushstring(L, e->error);
        lua_setfield(L, -2, "error");
      }
      lua_rawseti(L, -2, ++k);
      continue;
    }
    if (names) {
      if (e->error != NULL || !globs_take(&g, e->path)) continue;
      if (e->link) {
        if (have_root < 0) have_root = realpath(dir, root_real) != NULL;
        if (have_root && stance_walk_alias(root_real, e->path, globs_take, &g)) continue;
      }
      lua_pushstring(L, e->path);
      lua_rawseti(L, -2, ++k);
      continue;
    }
    lua_createtable(L, 0, 3);
    lua_pushstring(L, e->path);
    lua_setfield(L, -2, "path");
    lua_pushinteger(L, (lua_Integer)e->size);
    lua_setfield(L, -2, "size");
    if (e->error) {
      lua_pushstring(L, e->error);
      lua_setfield(L, -2, "error");
    }
    lua_rawseti(L, -2, ++k);
  }
  stance_walk_free(&w);
  return 1;
}

/* ---- bytes kept in C ----------------------------------------------------------------- */

#define BYTES_MT "stance.bytes"

/* A file's bytes kept in C until Lua needs them as a string (the annotation file a session
 * keeps as the base of a later merge, which most sessions never make): bytes:string(),
 * bytes:len(). */
typedef struct lbytes {
  char *data;
  size_t len;
  void (*release)(void *owner); /* bytes lent by `owner` (else `data` is freed with them) */
  void *owner;
} lbytes;

static int b_string(lua_State *L) {
  lbytes *b = luaL_checkudata(L, 1, BYTES_MT);
  lua_pushlstring(L, b->data ? b->data : "", b->len);
  return 1;
}

static int b_len(lua_State *L) {
  lbytes *b = luaL_checkudata(L, 1, BYTES_MT);
  lua_pushinteger(L, (lua_Integer)b->len);
  return 1;
}

static int b_gc(lua_State *L) {
  lbytes *b = luaL_checkudata(L, 1, BYTES_MT);
  if (b->release != NULL)
    b->release(b->owner);
  else
    free(b->data);
  b->data = NULL;
  b->release = NULL;
  b->owner = NULL;
  return 0;
}

static lbytes *push_bytes(lua_State *L, char *data, size_t len) {
  lbytes *b = lua_newuserdata(L, sizeof *b);
  b->data = data;
  b->len = len;
  b->release = NULL;
  b->owner = NULL;
  stance__setclass(L, BYTES_MT);
  return b;
}

void stance__push_bytes(lua_State *L, char *data, size_t len) { push_bytes(L, data, len); }

void stance__push_lent_bytes(lua_State *L, const char *data, size_t len, void (*release)(void *), void *owner) {
  lbytes *b = lua_newuserdata(L, sizeof *b);
  b->data = (char *)data;
  b->len = len;
  b->release = NULL; /* until the metatable is set: a failure there must not release */
  b->owner = NULL;
  stance__setclass(L, BYTES_MT);
  b->release = release;
  b->owner = owner;
}

/* ---- dir_stamp --------------------------------------------------------------------------
 * dir_stamp(path[, {ttl_ms = 1000}]) -> ds; ds:changed() -> whether the folder's stamp (what
 * stamp(path) says: its size, modification time and inode; and its device and change time)
 * differs from the one of the last call (true at the first; a folder that is not there has
 * the stamp "none"). What a script's pass asks at every document of the annotators' folder:
 * the folder is opened once and its descriptor's stat taken (no path looked up), the path
 * resolved again (a stat, compared with the descriptor's device and inode) when ttl_ms have
 * passed since it last was, as the layer cache's folders are (llayercache.c): a folder
 * changed in place is seen at the next call, one replaced as a whole (renamed over) within
 * ttl_ms. ds:release() closes the descriptor (the end of a pass; the next call opens it
 * again). */
#define DIRSTAMP_MT "stance.dir_stamp"
#define ATOMIC_MT "stance.atomic_stream"

typedef struct dirstamp {
  char *path;
  int fd;           /* the folder as opened (-1: none; the path's stat is taken then) */
  int64_t resolved; /* when the path was last found to lead to it (CLOCK_MONOTONIC, ns) */
  int64_t ttl_ns;
  int known, exists;
  uint64_t dev, ino, size;
  int64_t mtime_ns, ctime_ns;
} dirstamp;

static dirstamp *check_ds(lua_State *L) {
  dirstamp *d = luaL_checkudata(L, 1, DIRSTAMP_MT);
  if (d->path == NULL) luaL_argerror(L, 1, "the folder stamp is closed");
  return d;
}

static void ds_close_fd(dirstamp *d) {
  if (d->fd >= 0) close(d->fd);
  d->fd = -1;
}

static int ds_changed(lua_State *L) {
  dirstamp *d = check_ds(L);
  struct stat st, at;
  int64_t t = stance_now_ns(CLOCK_MONOTONIC);
  int ok, changed;
  if (d->fd >= 0 && t - d->resolved >= d->ttl_ns) {
    /* the path again: still the folder held? */
    if (stat(d->path, &at) == 0 && fstat(d->fd, &st) == 0 && at.st_dev == st.st_dev && at.st_ino == st.st_ino)
      d->resolved = t;
    else
      ds_close_fd(d);
  }
  if (d->fd < 0) {
    d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    d->resolved = t;
  }
  ok = (d->fd >= 0 ? fstat(d->fd, &st) : stat(d->path, &st)) == 0;
  changed = !d->known || ok != d->exists;
  if (ok && !changed)
    changed = d->dev != (uint64_t)st.st_dev || d->ino != (uint64_t)st.st_ino || d->size != (uint64_t)st.st_size ||
              d->mtime_ns != stance_mtime_ns(&st) || d->ctime_ns != stance_ctime_ns(&st);
  d->known = 1;
  d->exists = ok;
  if (ok) {
    d->dev = (uint64_t)st.st_dev;
    d->ino = (uint64_t)st.st_ino;
    d->size = (uint64_t)st.st_size;
    d->mtime_ns = stance_mtime_ns(&st);
    d->ctime_ns = stance_ctime_ns(&st);
  }
  lua_pushboolean(L, changed);
  return 1;
}

static int ds_release(lua_State *L) {
  ds_close_fd(check_ds(L));
  return 0;
}

static int ds_gc(lua_State *L) {
  dirstamp *d = luaL_checkudata(L, 1, DIRSTAMP_MT);
  ds_close_fd(d);
  free(d->path);
  d->path = NULL;
  return 0;
}

static int l_dir_stamp(lua_State *L) {
  size_t len;
  const char *path = luaL_checklstring(L, 1, &len);
  lua_Integer ttl_ms = 1000;
  dirstamp *d;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "ttl_ms");
    ttl_ms = luaL_optinteger(L, -1, 1000);
    lua_pop(L, 1);
    if (ttl_ms < 0 || ttl_ms > 86400000) return luaL_argerror(L, 2, "ttl_ms from 0 to 86400000");
  }
  if (memchr(path, '\0', len) != NULL) return luaL_argerror(L, 1, "a path without NUL");
  d = lua_newuserdata(L, sizeof *d);
  memset(d, 0, sizeof *d);
  d->fd = -1;
  d->ttl_ns = (int64_t)ttl_ms * 1000000LL;
  stance__setclass(L, DIRSTAMP_MT);
  if ((d->path = malloc(len + 1)) == NULL) return luaL_error(L, "out of memory");
  memcpy(d->path, path, len + 1);
  return 1;
}

/* atomic_stream(path) -> writer | nil, err: a file written as it comes (:write(s)) that
 * replaces `path` only at :commit() (fsynced, renamed over it under its lock, as
 * write_atomic does); :abort() (or the collector) leaves `path` as it was. What an export
 * too large to hold in memory needs. */
typedef struct atomic_stream {
  stance_atomic f;
  int open;
} atomic_stream;

static atomic_stream *as_check(lua_State *L) {
  return luaL_checkudata(L, 1, ATOMIC_MT);
}

static int as_write(lua_State *L) {
  atomic_stream *a = as_check(L);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  if (!a->open) return luaL_error(L, "the file is already committed or aborted");
  if (stance_atomic_write(&a->f, data, len) != 0) {
    char err[4200];
    snprintf(err, sizeof err, "cannot write %s: %s", a->f.tmp, strerror(a->f.failed));
    stance_atomic_abort(&a->f);
    a->open = 0;
    return stance__fail(L, err, "EWRITE");
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int as_commit(lua_State *L) {
  atomic_stream *a = as_check(L);
  char err[1024];
  if (!a->open) return luaL_error(L, "the file is already committed or aborted");
  a->open = 0;
  if (stance_atomic_commit(&a->f, 1, err, sizeof err) != 0) return stance__fail(L, err, "EWRITE");
  lua_pushboolean(L, 1);
  return 1;
}

static int as_abort(lua_State *L) {
  atomic_stream *a = as_check(L);
  if (a->open) stance_atomic_abort(&a->f);
  a->open = 0;
  return 0;
}

static int l_atomic_stream(lua_State *L) {
  size_t len;
  const char *path = luaL_checklstring(L, 1, &len);
  atomic_stream *a;
  char err[1024];
  if (memchr(path, '\0', len) != NULL) return luaL_argerror(L, 1, "a path without NUL");
  a = lua_newuserdata(L, sizeof *a);
  memset(a, 0, sizeof *a);
  stance__setclass(L, ATOMIC_MT);
  if (stance_atomic_open(&a->f, path, err, sizeof err) != 0) return stance__fail(L, err, "EWRITE");
  a->open = 1;
  return 1;
}

static const luaL_Reg as_meta[] = {{"__gc", as_abort}, {NULL, NULL}};
static const luaL_Reg as_methods[] = {{"write", as_write}, {"commit", as_commit}, {"abort", as_abort}, {NULL, NULL}};

static const luaL_Reg ds_meta[] = {{"__gc", ds_gc}, {NULL, NULL}};
static const luaL_Reg ds_methods[] = {{"changed", ds_changed}, {"release", ds_release}, {NULL, NULL}};

static const luaL_Reg bytes_meta[] = {{"__gc", b_gc}, {NULL, NULL}};
static const luaL_Reg bytes_methods[] = {{"string", b_string}, {"len", b_len}, {NULL, NULL}};

static const luaL_Reg fs_funcs[] = {{"stat", l_stat},
                                    {"readfile", l_readfile},
                                    {"list", l_list},
                                    {"folders", l_folders},
                                    {"exists", l_exists},
                                    {"realpath", l_realpath}, {"readlink", l_readlink},
                                    {"mkdir", l_mkdir}, {"mkdir_inside", l_mkdir_inside},
                                    {"write_atomic", l_write_atomic},
                                    {"write_files", l_write_files},
                                    {"atomic_stream", l_atomic_stream},
                                    {"append_file", l_append_file},
                                    {"stamp", l_stamp},
                                    {"dir_stamp", l_dir_stamp},
                                    {NULL, NULL}};

void stance__open_fs(lua_State *L) {
  stance__newclass(L, BYTES_MT, bytes_meta, bytes_methods);
  stance__newclass(L, DIRSTAMP_MT, ds_meta, ds_methods);
  stance__newclass(L, ATOMIC_MT, as_meta, as_methods);
  luaL_setfuncs(L, fs_funcs, 0);
}
