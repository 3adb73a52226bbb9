/*
 * luahost.h - fuzz targets for readers written in Lua (the brat and W3C readers, the JSON
 * decoder): the real Lua code runs, in a Lua 5.4 state made once per process with
 * stance.core preloaded (the same C module the `stance` command uses) and lua/ on its
 * path. A target is a harness tests/fuzz/lua/NAME.lua returning function(input), which
 * reads the input and asserts its properties; any Lua error is a violated property.
 *
 * Coverage: libFuzzer sees the C it instruments, not the Lua code the interpreter runs. A
 * line hook therefore counts the edges between the Lua lines executed (pairs of chunk and
 * line, hashed, as AFL counts edges between blocks) into libFuzzer's extra counters, so the
 * fuzzer keeps an input that reaches new Lua code as it keeps one that reaches new C code.
 */
#ifndef STANCE_FUZZ_LUAHOST_H
#define STANCE_FUZZ_LUAHOST_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "fuzz.h"

int luaopen_stance_core(lua_State *L);

#define STANCE_LUA_EDGES (1u << 16)
#ifdef STANCE_LIBFUZZER
__attribute__((section("__libfuzzer_extra_counters")))
#endif
static uint8_t stance_lua_edges[STANCE_LUA_EDGES];
static uintptr_t stance_lua_prev;

static void stance_lua_line_hook(lua_State *L, lua_Debug *ar) {
  uintptr_t here;
  if (!lua_getinfo(L, "S", ar)) return;
  here = ((uintptr_t)ar->source * 2654435761u) ^ ((uintptr_t)ar->currentline * 40503u);
  stance_lua_edges[(here ^ stance_lua_prev) % STANCE_LUA_EDGES]++;
  stance_lua_prev = here >> 1;
}

/* The checkout's root: the current directory when it holds lua/stance, else the nearest
 * folder above the executable that does. */
static int stance_lua_root(char *out, size_t len) {
  char buf[PATH_MAX], probe[PATH_MAX + 64];
  ssize_t n;
  char *slash;
  if (access("lua/stance/interop/brat_ann.lua", R_OK) == 0 && getcwd(out, len) != NULL) return 0;
  n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = '\0';
  while ((slash = strrchr(buf, '/')) != NULL) {
    *slash = '\0';
    snprintf(probe, sizeof probe, "%s/lua/stance/interop/brat_ann.lua", buf);
    if (access(probe, R_OK) == 0) {
      if (strlen(buf) + 1 > len) return -1;
      memcpy(out, buf, strlen(buf) + 1);
      return 0;
    }
  }
  return -1;
}

/* The Lua state with the harness of `name` loaded: its function is at the registry key
 * `name`. NULL (with a message on stderr) when it cannot be made. */
static lua_State *stance_lua_state(const char *name) {
  char root[PATH_MAX], path[PATH_MAX + 128];
  lua_State *L;
  if (stance_lua_root(root, sizeof root) != 0) {
    fprintf(stderr, "fuzz %s: cannot find the checkout (lua/stance) from here or the executable\n", name);
    return NULL;
  }
  L = luaL_newstate();
  if (L == NULL) return NULL;
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, luaopen_stance_core);
  lua_setfield(L, -2, "stance.core");
  lua_pop(L, 1);
  lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua", root, root);
  lua_setfield(L, -2, "path");
  lua_pushstring(L, "");
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
  snprintf(path, sizeof path, "%s/tests/fuzz/lua/%s.lua", root, name);
  if (luaL_loadfile(L, path) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK || !lua_isfunction(L, -1)) {
    fprintf(stderr, "fuzz %s: %s\n", name, lua_isstring(L, -1) ? lua_tostring(L, -1) : "no harness function");
    lua_close(L);
    return NULL;
  }
  lua_setfield(L, LUA_REGISTRYINDEX, name);
  lua_sethook(L, stance_lua_line_hook, LUA_MASKLINE, 0);
  return L;
}

/* Run the harness `name` on one input: NULL when it held, else the Lua error. */
static const char *stance_lua_run(lua_State *L, const char *name, const uint8_t *data, size_t size) {
  static char err[512];
  stance_lua_prev = 0;
  lua_settop(L, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, name);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) == LUA_OK) {
    lua_gc(L, LUA_GCSTEP, 0);
    return NULL;
  }
  snprintf(err, sizeof err, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "(error object is not a string)");
  lua_settop(L, 0);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return err;
}

/* The body of a Lua target: the harness tests/fuzz/lua/NAME.lua on the input. */
#define STANCE_LUA_FUZZ_TARGET(name) \
  STANCE_FUZZ_TARGET(name) { \
    static lua_State *L; \
    const char *error; \
    if (L == NULL) L = stance_lua_state(#name); \
    FUZZ_CHECK(L != NULL, "the Lua state and the harness tests/fuzz/lua/" #name ".lua load"); \
    error = stance_lua_run(L, #name, data, size); \
    if (error != NULL) fprintf(stderr, "fuzz " #name ": %s\n", error); \
    FUZZ_CHECK(error == NULL, "the Lua reader keeps its properties (the error is above)"); \
    return 0; \
  }

#endif
