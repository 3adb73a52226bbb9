/*
 * lfs.c - the few file-system calls the Lua side needs in both hosts (plain Lua has none):
 * stat, realpath, and listing a folder.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compat.h"
#include "lcore.h"

static const char *type_name(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "directory";
  if (S_ISLNK(m)) return "link";
  return "other";
}

/* stat(path) -> { type, size, mtime, mtime_ns, mode } | nil, err, code */
static int l_stat(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (stat(path, &st) != 0) return stance__fail(L, strerror(errno), "ESTAT");
  lua_createtable(L, 0, 5);
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
  lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
  lua_setfield(L, -2, "mode");
  return 1;
}

/* realpath(path) -> absolute path without links | nil, err, code */
static int l_realpath(lua_State *L) {
  char buf[PATH_MAX];
  if (realpath(luaL_checkstring(L, 1), buf) == NULL)
    return stance__fail(L, strerror(errno), "ENOENT");
  lua_pushstring(L, buf);
  return 1;
}

/* mkdir(path) -> true | nil, err, code (an existing folder is success) */
static int l_mkdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (mkdir(path, 0777) != 0 && !(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
    return stance__fail(L, strerror(errno), "EMKDIR");
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg fs_funcs[] = {
    {"stat", l_stat}, {"realpath", l_realpath}, {"mkdir", l_mkdir}, {NULL, NULL}};

void stance__open_fs(lua_State *L) { luaL_setfuncs(L, fs_funcs, 0); }
