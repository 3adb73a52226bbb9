/*
 * compat.h - every difference between the Lua 5.1 ABI (PUC 5.1, LuaJIT) and Lua 5.4
 * that the module relies on, in one place.
 *
 * The 5.1 build is compiled against PUC Lua 5.1 headers so that one binary loads in
 * LuaJIT (Neovim, luajit) and in lua5.1 alike; nothing here may use LuaJIT-only API.
 */
#ifndef STANCE_COMPAT_H
#define STANCE_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502

#define lua_rawlen(L, i) lua_objlen((L), (i))
#define luaL_newlibtable(L, l) lua_createtable((L), 0, (int)(sizeof(l) / sizeof((l)[0]) - 1))
#define luaL_newlib(L, l) (luaL_newlibtable((L), (l)), luaL_setfuncs((L), (l), 0))
#define lua_absindex(L, i) \
  (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)

/* Register the functions of `l` into the table below `nup` upvalues (5.2 semantics). */
static inline void luaL_setfuncs(lua_State *L, const luaL_Reg *l, int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name != NULL; l++) {
    int i;
    for (i = 0; i < nup; i++) lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}

static inline void *luaL_testudata(lua_State *L, int i, const char *tname) {
  void *p = lua_touserdata(L, i);
  if (p == NULL || !lua_getmetatable(L, i)) return NULL;
  luaL_getmetatable(L, tname);
  if (!lua_rawequal(L, -1, -2)) p = NULL;
  lua_pop(L, 2);
  return p;
}

static inline void luaL_setmetatable(lua_State *L, const char *tname) {
  luaL_getmetatable(L, tname);
  lua_setmetatable(L, -2);
}

#define STANCE_LUA_ABI "5.1"
#else
#define STANCE_LUA_ABI LUA_VERSION_MAJOR "." LUA_VERSION_MINOR
#endif

/* The number of functions in `l`. */
static inline int stance__nfuncs(const luaL_Reg *l) {
  int n = 0;
  while (l[n].name != NULL) n++;
  return n;
}

/* A class noted by stance__newclass, made by its first stance__getclass. */
typedef struct stance_class_fns {
  const luaL_Reg *meta, *methods;
} stance_class_fns;

/* Make class `tname`'s metatable (luaL_newmetatable's: in the registry under `tname`, with
 * __name from 5.3) and push it. Its tables are made at their size (filled one field at a
 * time, they were rehashed three or four times). */
static inline void stance__makeclass(lua_State *L, const char *tname, const luaL_Reg *meta,
                                     const luaL_Reg *methods) {
  lua_createtable(L, 0, stance__nfuncs(meta) + 2);
#if LUA_VERSION_NUM >= 503
  lua_pushstring(L, tname);
  lua_setfield(L, -2, "__name");
#endif
  luaL_setfuncs(L, meta, 0);
  lua_createtable(L, 0, stance__nfuncs(methods));
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, tname);
}

/* Userdata with a type name, a method table as __index, __gc and __tostring: noted here,
 * made when its first object is (stance__setclass, stance__getclass), so that a command pays
 * only for the classes it uses (making all twenty, a hundred and fifty methods, was a tenth
 * of a short command's start). Until then the registry holds under `tname` a userdata with
 * the functions: luaL_checkudata and luaL_testudata refuse every value, as no object of the
 * class exists. `meta` and `methods` are static. */
static inline void stance__newclass(lua_State *L, const char *tname, const luaL_Reg *meta,
                                    const luaL_Reg *methods) {
  stance_class_fns *c;
  int made;
  lua_getfield(L, LUA_REGISTRYINDEX, tname);
  made = lua_istable(L, -1);
  lua_pop(L, 1);
  if (made) return; /* (the module opened again in this state: the same functions) */
  c = (stance_class_fns *)lua_newuserdata(L, sizeof *c);
  c->meta = meta;
  c->methods = methods;
  lua_setfield(L, LUA_REGISTRYINDEX, tname);
}

/* Push class `tname`'s metatable, made now if stance__newclass only noted it. */
static inline void stance__getclass(lua_State *L, const char *tname) {
  lua_getfield(L, LUA_REGISTRYINDEX, tname);
  if (lua_type(L, -1) == LUA_TUSERDATA) {
    stance_class_fns c = *(const stance_class_fns *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    stance__makeclass(L, tname, c.meta, c.methods);
  }
}

/* luaL_setmetatable for a class of stance__newclass: the object on top gets its metatable. */
static inline void stance__setclass(lua_State *L, const char *tname) {
  stance__getclass(L, tname);
  lua_setmetatable(L, -2);
}

/* The runtime-failure tuple of the C/Lua boundary: nil, message, code. */
static inline int stance__fail(lua_State *L, const char *msg, const char *code) {
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_pushstring(L, code);
  return 3;
}

#endif
