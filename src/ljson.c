/*
 * ljson.c - JSON for lua/stance/json.lua: json_decode (src/json.c's reader, building Lua
 * values) and json_encode (deterministic: object keys in a given order, then sorted).
 *
 *   json_decode(s, where, null, array_mt) -> value | nil, "message at byte N", N
 *     null: the value JSON null decodes to; array_mt: the metatable of every array; where
 *     (a table or nil): where[container] = its 0-based byte offset. A key twice in one
 *     object is an error. Raises only on misuse or when memory runs out.
 *   json_encode(v, null, order) -> string (raises "json: ..." for what cannot be encoded)
 *     Without `order`: `null` is null; a table is an array when its metatable has
 *     __jsonarray or its keys are exactly 1..n (n > 0), else an object whose keys listed
 *     in its metatable's __jsonorder come first, in that order, the others sorted.
 *     With `order` (a list of keys) every object is written in that order and a table is
 *     an array when it has a sequence (#t > 0) or __jsonarray, of the items ipairs gives,
 *     as w3c.lua's former copy of every table with json.ordered did (so `null` is "{}").
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "json.h"
#include "lcore.h"

#define SCRATCH_MT "stance.json_scratch"

typedef struct key_ref {
  const char *s;
  size_t len;
  lua_Integer rank; /* place in the order list, LUA_MAXINTEGER-ish when not listed */
} key_ref;

/* What a decoding or an encoding holds outside Lua, freed by __gc even when it raises. */
typedef struct scratch {
  stance_buf buf;
  key_ref *keys;
  size_t nkeys, cap;
} scratch;

static int scratch_gc(lua_State *L) {
  scratch *s = (scratch *)luaL_checkudata(L, 1, SCRATCH_MT);
  stance_buf_free(&s->buf);
  free(s->keys);
  s->keys = NULL;
  s->nkeys = s->cap = 0;
  return 0;
}

static scratch *push_scratch(lua_State *L) {
  scratch *s = (scratch *)lua_newuserdata(L, sizeof *s);
  memset(s, 0, sizeof *s);
  stance_buf_init(&s->buf);
  stance__setclass(L, SCRATCH_MT);
  return s;
}

/* ---- decoding ------------------------------------------------------------------------- */

typedef struct builder {
  lua_State *L;
  int null, array_mt, where; /* stack indexes; where 0 when none */
  int depth;                 /* containers open */
  char object[STANCE_JSON_MAX_DEPTH + 2];
  lua_Integer count[STANCE_JSON_MAX_DEPTH + 2];
} builder;

/* The value on top goes into the container below it (or stays: the result). */
static void attach(builder *b) {
  lua_State *L = b->L;
  if (b->depth == 0) return;
  if (b->object[b->depth - 1])
    lua_rawset(L, -3);
  else
    lua_rawseti(L, -2, ++b->count[b->depth - 1]);
}

static int b_open(void *ud, int object, size_t offset, stance_json_error *err) {
  builder *b = (builder *)ud;
  lua_State *L = b->L;
  if (b->depth >= STANCE_JSON_MAX_DEPTH + 2) {
    snprintf(err->message, sizeof err->message, "nesting too deep");
    err->offset = offset;
    return -1;
  }
  luaL_checkstack(L, 4, "json: nesting too deep");
  lua_createtable(L, 0, 0);
  if (!object) {
    lua_pushvalue(L, b->array_mt);
    lua_setmetatable(L, -2);
  }
  if (b->where) {
    lua_pushvalue(L, -1);
    lua_pushinteger(L, (lua_Integer)offset);
    lua_rawset(L, b->where);
  }
  b->object[b->depth] = (char)object;
  b->count[b->depth] = 0;
  b->depth++;
  return 0;
}

static int b_close(void *ud, int object, stance_json_error *err) {
  builder *b = (builder *)ud;
  (void)object;
  (void)err;
  b->depth--;
  attach(b);
  return 0;
}

static int b_key(void *ud, const char *s, size_t len, size_t offset, stance_json_error *err) {
  builder *b = (builder *)ud;
  lua_State *L = b->L;
  lua_pushlstring(L, s, len);
  lua_pushvalue(L, -1);
  lua_rawget(L, -3);
  if (!lua_isnil(L, -1)) {
    size_t k = len > 40 ? 40 : len;
    snprintf(err->message, sizeof err->message, "duplicate key \"%.*s%s\"", (int)k, s, len > k ? "..." : "");
    err->offset = offset;
    return -1;
  }
  lua_pop(L, 1);
  return 0;
}

static int b_scalar(void *ud, const stance_json_scalar *v, size_t offset, stance_json_error *err) {
  builder *b = (builder *)ud;
  lua_State *L = b->L;
  (void)offset;
  (void)err;
  switch (v->type) {
  case STANCE_JSON_NULL: lua_pushvalue(L, b->null); break;
  case STANCE_JSON_TRUE: lua_pushboolean(L, 1); break;
  case STANCE_JSON_FALSE: lua_pushboolean(L, 0); break;
#if LUA_VERSION_NUM >= 503
  case STANCE_JSON_INTEGER: lua_pushinteger(L, (lua_Integer)v->integer); break;
#else
  case STANCE_JSON_INTEGER: lua_pushnumber(L, (lua_Number)v->integer); break;
#endif
  case STANCE_JSON_FLOAT: lua_pushnumber(L, (lua_Number)v->number); break;
  case STANCE_JSON_STRING: lua_pushlstring(L, v->str, v->len); break;
  }
  attach(b);
  return 0;
}

static const stance_json_sink lua_sink = {b_open, b_close, b_key, b_scalar};

static int l_json_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  builder *b;
  scratch *sc;
  stance_json_error err;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checkany(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  sc = push_scratch(L);                             /* 5 */
  b = (builder *)lua_newuserdata(L, sizeof *b);     /* 6: no __gc needed */
  memset(b, 0, sizeof *b);
  b->L = L;
  b->null = 3;
  b->array_mt = 4;
  b->where = lua_isnil(L, 2) ? 0 : 2;
  if (stance_json_read(s, len, STANCE_JSON_MAX_DEPTH, &lua_sink, b, &sc->buf, &err) != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s at byte %d", err.message, (int)(err.offset > INT_MAX ? INT_MAX : err.offset));
    lua_pushinteger(L, (lua_Integer)err.offset);
    return 3;
  }
  return 1;
}

/* ---- encoding ------------------------------------------------------------------------- */

typedef struct encoder {
  lua_State *L;
  scratch *sc;
  int null;    /* stack index of the null value, 0 in ordered mode */
  int cache;   /* stack index of a table: order list -> { key = rank } */
  int ordered; /* stack index of the rank map of the given order, 0 when none */
  size_t invalid; /* bytes of invalid UTF-8 written as U+FFFD */
} encoder;

#define UNLISTED ((lua_Integer)1 << 40)

static int key_cmp(const void *pa, const void *pb) {
  const key_ref *a = (const key_ref *)pa, *b = (const key_ref *)pb;
  size_t n;
  int c;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  n = a->len < b->len ? a->len : b->len;
  c = memcmp(a->s, b->s, n);
  if (c != 0) return c;
  return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* Push { key = rank } for the order list at index `list` (made once per list). */
static void rank_map(encoder *e, int list) {
  lua_State *L = e->L;
  lua_Integer i;
  list = lua_absindex(L, list);
  lua_pushvalue(L, list);
  lua_rawget(L, e->cache);
  if (!lua_isnil(L, -1)) return;
  lua_pop(L, 1);
  lua_newtable(L);
  for (i = 1;; i++) {
    lua_rawgeti(L, list, i);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_pushinteger(L, i);
      lua_rawset(L, -3);
    } else {
      lua_pop(L, 2); /* listed twice: its first place */
    }
  }
  lua_pushvalue(L, list);
  lua_pushvalue(L, -2);
  lua_rawset(L, e->cache);
}

static void encode(encoder *e, int idx, int depth);

static void encode_array(encoder *e, int idx, int depth, lua_Integer n) {
  lua_State *L = e->L;
  lua_Integer i;
  stance_buf_addc(&e->sc->buf, '[');
  for (i = 1; n < 0 || i <= n; i++) {
    lua_rawgeti(L, idx, i);
    if (n < 0 && lua_isnil(L, -1)) { /* as ipairs */
      lua_pop(L, 1);
      break;
    }
    if (i > 1) stance_buf_addc(&e->sc->buf, ',');
    encode(e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  stance_buf_addc(&e->sc->buf, ']');
}

/* `map`: stack index of the rank map, or 0. */
static void encode_object(encoder *e, int idx, int depth, int map) {
  lua_State *L = e->L;
  scratch *sc = e->sc;
  size_t base = sc->nkeys, n, j;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    key_ref *k;
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "json: object keys must be strings");
    if (sc->nkeys == sc->cap) {
      size_t cap = sc->cap ? sc->cap * 2 : 64;
      key_ref *keys = cap > ((size_t)-1) / sizeof *keys ? NULL : (key_ref *)realloc(sc->keys, cap * sizeof *keys);
      if (keys == NULL) luaL_error(L, "json: out of memory");
      sc->keys = keys;
      sc->cap = cap;
    }
    k = &sc->keys[sc->nkeys++];
    k->s = lua_tolstring(L, -1, &k->len);
    k->rank = UNLISTED;
    if (map) {
      lua_pushvalue(L, -1);
      lua_rawget(L, map);
      if (lua_type(L, -1) == LUA_TNUMBER) k->rank = (lua_Integer)lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  }
  n = sc->nkeys - base;
  if (n > 1) qsort(sc->keys + base, n, sizeof *sc->keys, key_cmp);
  stance_buf_addc(&sc->buf, '{');
  for (j = 0; j < n; j++) {
    const key_ref *k = &sc->keys[base + j]; /* again each time: a nested object may move them */
    if (j > 0) stance_buf_addc(&sc->buf, ',');
    e->invalid += stance_json_put_string(&sc->buf, k->s, k->len);
    stance_buf_addc(&sc->buf, ':');
    lua_pushlstring(L, k->s, k->len);
    lua_rawget(L, idx);
    encode(e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  stance_buf_addc(&sc->buf, '}');
  sc->nkeys = base;
}

/* Is the table at idx's metatable field `name` true? */
static int meta_flag(lua_State *L, int idx, const char *name) {
  int on;
  if (!lua_getmetatable(L, idx)) return 0;
  lua_getfield(L, -1, name);
  on = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return on;
}

static void encode_table(encoder *e, int idx, int depth) {
  lua_State *L = e->L;
  if (depth > STANCE_JSON_MAX_DEPTH) luaL_error(L, "json: nesting too deep");
  luaL_checkstack(L, 8, "json: nesting too deep");
  if (e->ordered) {
    if (lua_rawlen(L, idx) > 0 || meta_flag(L, idx, "__jsonarray"))
      encode_array(e, idx, depth, -1);
    else
      encode_object(e, idx, depth, e->ordered);
    return;
  }
  if (meta_flag(L, idx, "__jsonarray")) {
    encode_array(e, idx, depth, (lua_Integer)lua_rawlen(L, idx));
    return;
  }
  {
    lua_Integer n = 0, i;
    int array = 1;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      lua_pop(L, 1);
      n++;
    }
    for (i = 1; i <= n && array; i++) {
      lua_rawgeti(L, idx, i);
      array = !lua_isnil(L, -1);
      lua_pop(L, 1);
    }
    if (n > 0 && array) {
      encode_array(e, idx, depth, n);
      return;
    }
  }
  {
    int map = 0;
    if (lua_getmetatable(L, idx)) {
      lua_getfield(L, -1, "__jsonorder");
      if (lua_type(L, -1) == LUA_TTABLE) {
        rank_map(e, -1);
        map = lua_gettop(L);
      }
    }
    encode_object(e, idx, depth, map);
  }
}

static void encode(encoder *e, int idx, int depth) {
  lua_State *L = e->L;
  stance_buf *b = &e->sc->buf;
  int top = lua_gettop(L);
  switch (lua_type(L, idx)) {
  case LUA_TNIL: stance_buf_adds(b, "null"); break;
  case LUA_TBOOLEAN: stance_buf_adds(b, lua_toboolean(L, idx) ? "true" : "false"); break;
  case LUA_TNUMBER:
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
      stance_json_put_integer(b, (long long)lua_tointeger(L, idx));
      break;
    }
#endif
    if (stance_json_put_number(b, (double)lua_tonumber(L, idx)) != 0) {
      char shown[32];
      snprintf(shown, sizeof shown, "%.14g", (double)lua_tonumber(L, idx));
      luaL_error(L, "json: cannot encode %s", shown);
    }
    break;
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    e->invalid += stance_json_put_string(b, s, len);
    break;
  }
  case LUA_TTABLE:
    if (e->null && lua_rawequal(L, idx, e->null)) {
      stance_buf_adds(b, "null");
      break;
    }
    encode_table(e, idx, depth);
    break;
  default: luaL_error(L, "json: cannot encode a %s", luaL_typename(L, idx));
  }
  lua_settop(L, top);
}

static int l_json_encode(lua_State *L) {
  encoder e;
  luaL_checkany(L, 1);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  e.L = L;
  e.null = lua_isnil(L, 3) ? 2 : 0;
  e.sc = push_scratch(L); /* 4 */
  lua_newtable(L);        /* 5 */
  e.cache = 5;
  e.ordered = 0;
  e.invalid = 0;
  if (!lua_isnil(L, 3)) {
    rank_map(&e, 3); /* 6 */
    e.ordered = 6;
  }
  encode(&e, 1, 0);
  if (e.sc->buf.oom) return luaL_error(L, "json: out of memory");
  lua_pushlstring(L, e.sc->buf.data ? e.sc->buf.data : "", e.sc->buf.len);
  lua_pushinteger(L, (lua_Integer)e.invalid);
  return 2;
}

static const luaL_Reg scratch_meta[] = {{"__gc", scratch_gc}, {NULL, NULL}};
static const luaL_Reg json_funcs[] = {{"json_decode", l_json_decode}, {"json_encode", l_json_encode}, {NULL, NULL}};

void stance__open_json(lua_State *L) {
  luaL_newmetatable(L, SCRATCH_MT);
  luaL_setfuncs(L, scratch_meta, 0);
  lua_pop(L, 1);
  luaL_setfuncs(L, json_funcs, 0);
}
