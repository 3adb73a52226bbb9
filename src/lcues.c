/*
 * lcues.c - Lua binding of the cue matcher (cues.h): core.cues().
 *
 *   m:add(phrase, category) -> number of the cue | nil, err   (category: a number >= 1)
 *   m:match(text) -> n, starts, stops, categories, cues       (flat lists, bytes of text)
 *   m:tally(text) -> how many matches; m:count() -> cues; m:close()
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "cues.h"
#include "lcore.h"

#define CUES_MT "stance.cues"

typedef struct lcues {
  stance_cues *c;
  uint32_t n;
} lcues;

static lcues *check_cues(lua_State *L) {
  lcues *lc = luaL_checkudata(L, 1, CUES_MT);
  if (lc->c == NULL) luaL_argerror(L, 1, "the matcher is closed");
  return lc;
}

static int l_cues(lua_State *L) {
  lcues *lc = lua_newuserdata(L, sizeof *lc);
  lc->c = NULL;
  lc->n = 0;
  stance__setclass(L, CUES_MT);
  if ((lc->c = stance_cues_new()) == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  return 1;
}

static int c_add(lua_State *L) {
  lcues *lc = check_cues(L);
  size_t len;
  const char *phrase = luaL_checklstring(L, 2, &len);
  lua_Integer cat = luaL_checkinteger(L, 3);
  long rc;
  if (cat < 1 || cat > 0xFFFFFF) return luaL_argerror(L, 3, "a category number from 1");
  rc = stance_cues_add(lc->c, phrase, len, (uint32_t)cat);
  if (rc == -1) return stance__fail(L, "out of memory", "ENOMEM");
  if (rc == -2)
    return stance__fail(L, lua_pushfstring(L, "cue '%s' has no word, or more than %d", phrase, STANCE_CUES_MAX_WORDS),
                        "EINVAL");
  lc->n++;
  lua_pushinteger(L, (lua_Integer)rc + 1);
  return 1;
}

typedef struct out {
  lua_State *L;
  int base;
  long n;
} out;

static int on_match(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue) {
  out *o = ud;
  lua_State *L = o->L;
  o->n++;
  lua_pushinteger(L, (lua_Integer)start);
  lua_rawseti(L, o->base, (int)o->n);
  lua_pushinteger(L, (lua_Integer)end);
  lua_rawseti(L, o->base + 1, (int)o->n);
  lua_pushinteger(L, (lua_Integer)category);
  lua_rawseti(L, o->base + 2, (int)o->n);
  lua_pushinteger(L, (lua_Integer)cue + 1);
  lua_rawseti(L, o->base + 3, (int)o->n);
  return 0;
}

static int c_match(lua_State *L) {
  lcues *lc = check_cues(L);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  out o;
  lua_pushinteger(L, 0);
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  o.L = L;
  o.base = lua_gettop(L) - 3;
  o.n = 0;
  if (stance_cues_match(lc->c, text, len, on_match, &o) < 0) return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushinteger(L, (lua_Integer)o.n);
  lua_replace(L, o.base - 1);
  return 5;
}

/* tally(text) -> matches: how many, without the lists (for whole documents) */
static int c_tally(lua_State *L) {
  lcues *lc = check_cues(L);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  long n = stance_cues_match(lc->c, text, len, NULL, NULL);
  if (n < 0) return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

static int c_count(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_cues(L)->n);
  return 1;
}

static int c_close(lua_State *L) {
  lcues *lc = luaL_checkudata(L, 1, CUES_MT);
  stance_cues_free(lc->c);
  lc->c = NULL;
  return 0;
}

const stance_cues *stance__check_cues(lua_State *L, int i) {
  lcues *lc = luaL_checkudata(L, i, CUES_MT);
  if (lc->c == NULL) luaL_argerror(L, i, "the matcher is closed");
  return lc->c;
}

static const luaL_Reg cues_meta[] = {{"__gc", c_close}, {NULL, NULL}};
static const luaL_Reg cues_methods[] = {
    {"add", c_add}, {"match", c_match}, {"tally", c_tally}, {"count", c_count}, {"close", c_close}, {NULL, NULL}};

void stance__open_cues(lua_State *L) {
  stance__newclass(L, CUES_MT, cues_meta, cues_methods);
  lua_pushcfunction(L, l_cues);
  lua_setfield(L, -2, "cues");
}
