/*
 * core.c - luaopen_stance_core: the module table, version() and small system helpers.
 */
#include <stdint.h>
#include <unistd.h>

#include <tree_sitter/api.h>
#include <uv.h>

#include "compat.h"
#include "hash.h"
#include "lcore.h"
#include "store.h"

#if defined(__GNUC__)
#define STANCE_EXPORT __attribute__((visibility("default")))
#else
#define STANCE_EXPORT
#endif

/* version() -> { stance, libuv, treesitter_abi, treesitter_min_abi, lua, lua_abi } */
static int l_version(lua_State *L) {
  lua_createtable(L, 0, 6);
  lua_pushstring(L, STANCE_VERSION);
  lua_setfield(L, -2, "stance");
  lua_pushstring(L, uv_version_string());
  lua_setfield(L, -2, "libuv");
  lua_pushinteger(L, TREE_SITTER_LANGUAGE_VERSION);
  lua_setfield(L, -2, "treesitter_abi");
  lua_pushinteger(L, TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
  lua_setfield(L, -2, "treesitter_min_abi");
  lua_pushstring(L, LUA_VERSION);
  lua_setfield(L, -2, "lua");
  lua_pushstring(L, STANCE_LUA_ABI);
  lua_setfield(L, -2, "lua_abi");
  return 1;
}

/* in_host() -> boolean: whether this module runs inside the `stance` executable (host.c
 * marks its state), not as a module of another Lua (lua5.4, Neovim): only that program may
 * start itself again (a watcher started on demand, stance.watch.auto). */
static int l_in_host(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, STANCE_HOST_KEY);
  lua_pushboolean(L, lua_toboolean(L, -1));
  return 1;
}

/* isatty(fd) -> boolean: for progress bars that only a terminal should see. */
static int l_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

/* The SHA-256 of len bytes at s, pushed as hex (or nil, err, "EHASH"): core.sha256 and
 * frame:sha256(). */
int stance__push_sha256(lua_State *L, const char *s, size_t len) {
  char hex[STANCE_HASH_HEXLEN + 1];
  if (stance_hash_buffer(s, len, hex) != 0) {
    const char *why = stance_hash_error();
    return stance__fail(L, why != NULL ? why : "hashing failed", "EHASH");
  }
  lua_pushstring(L, hex);
  return 1;
}

/* sha256(string) -> hex: the content hash used for documents. */
static int l_sha256(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  return stance__push_sha256(L, s, len);
}

/* hrtime() -> nanoseconds from an arbitrary point, for measurements. */
static int l_hrtime(lua_State *L) {
  lua_pushnumber(L, (lua_Number)uv_hrtime());
  return 1;
}

/* new_id() -> 12 characters of base32 (60 random bits from the system's generator): IDs
 * that two annotators never mint alike (doc/format.md, 4.5). */
static int l_new_id(lua_State *L) {
  unsigned char r[8];
  char id[13];
  int rc = uv_random(NULL, NULL, r, sizeof r, 0, NULL);
  if (rc != 0) return stance__fail(L, uv_strerror(rc), "ERANDOM");
  stance_id_encode(r, id);
  lua_pushstring(L, id);
  return 1;
}

static const luaL_Reg core_funcs[] = {{"version", l_version}, {"in_host", l_in_host},
                                      {"new_id", l_new_id},
                                      {"isatty", l_isatty},
                                      {"sha256", l_sha256},
                                      {"hrtime", l_hrtime},
                                      {NULL, NULL}};

/* The module table's size when made (a hint: each stance__open_* below adds its functions;
 * 53 in all today). Made at its size, it is not rehashed as they are added. */
#define CORE_FIELDS 64

STANCE_EXPORT int luaopen_stance_core(lua_State *L) {
  lua_createtable(L, 0, CORE_FIELDS);
  luaL_setfuncs(L, core_funcs, 0);
  stance__open_worker(L);
  stance__open_fs(L);
  stance__open_proc(L);
  stance__open_store(L);
  stance__open_text(L);
  stance__open_index(L);
  stance__open_watch(L);
  stance__open_frame(L);
  stance__open_cues(L);
  stance__open_model(L);
  stance__open_load(L);
  stance__open_layercache(L);
  stance__open_brat(L);
  stance__open_json(L);
  return 1;
}
