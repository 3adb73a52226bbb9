/*
 * fuzz_lua.h - fuzz targets of readers written in Lua on top of the C library (the schema,
 * the lexicon; brat and W3C imports): the input is given, as a string, to a Lua function
 * that reads it with the real modules of lua/ and checks what must hold; an error it
 * raises (a bug of the reader, or a violated `assert`) is a violated property. One Lua
 * state serves every input of a run; stance.core is the library linked into the target.
 * Targets and unit tests run from the checkout's root (lua/ is found from there).
 *
 *   STANCE_FUZZ_TARGET(schema) {
 *     return stance_fuzz_lua("schema", "local text = ...; ...", data, size);
 *   }
 */
#ifndef STANCE_FUZZ_LUA_H
#define STANCE_FUZZ_LUA_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <string.h>

#include "fuzz.h"

int luaopen_stance_core(lua_State *L);

/* Run `chunk` (Lua source; the input is its `...`) on the input. 0. */
static inline int stance_fuzz_lua(const char *name, const char *chunk, const uint8_t *data, size_t size) {
  static lua_State *L;
  char key[64];
  if (L == NULL) {
    if ((L = luaL_newstate()) == NULL) return 0;
    luaL_openlibs(L);
    lua_getglobal(L, "package");
    lua_pushliteral(L, "lua/?.lua;lua/?/init.lua");
    lua_setfield(L, -2, "path");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_stance_core);
    lua_setfield(L, -2, "stance.core");
    lua_pop(L, 2);
  }
  /* each target's chunk compiled once, kept in the registry */
  snprintf(key, sizeof key, "stance.fuzz.%s", name);
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, chunk, strlen(chunk), name) != 0) {
      stance_fuzz_failed(lua_tostring(L, -1), __FILE__, __LINE__);
      lua_pop(L, 1);
      return 0;
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
  }
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != 0) {
    static char msg[1024];
    snprintf(msg, sizeof msg, "the Lua reader raised: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    stance_fuzz_failed(msg, __FILE__, __LINE__);
    return 0;
  }
  /* everything the input made is freed before the next one: the leak checker sees the
   * allocations balance (and only real leaks, in C) */
  lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}

#endif
