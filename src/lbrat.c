/*
 * lbrat.c - Lua binding of the .ann reader (brat.h): stance.core.brat_parse(text) -> the
 * tables of lua/stance/interop/brat_ann.lua (stance.BratDoc): entities, attributes,
 * relations, events, equivs, notes, norms and problems.
 */
#include <string.h>

#include "brat.h"
#include "compat.h"
#include "lcore.h"

#define BRATDOC_MT "stance.bratdoc"

/* The doc lives in a userdata while the tables are made: a failed allocation of Lua's
 * frees it (__gc). */
static int doc_gc(lua_State *L) {
  stance_brat_free((stance_brat_doc *)luaL_checkudata(L, 1, BRATDOC_MT));
  return 0;
}

static void push_str(lua_State *L, const char *s, stance_brat_str x) { lua_pushlstring(L, s + x.off, x.len); }

static void set_str(lua_State *L, const char *s, stance_brat_str x, const char *key) {
  push_str(L, s, x);
  lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, lua_Integer v, const char *key) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, key);
}

/* {{role, id, col}, ...} of o's arguments. */
static void push_args(lua_State *L, const char *s, const stance_brat_doc *d, const stance_brat_obj *o) {
  size_t i;
  lua_createtable(L, (int)o->count, 0);
  for (i = 0; i < o->count; i++) {
    const stance_brat_arg *a = &d->args[o->first + i];
    lua_createtable(L, 3, 0);
    push_str(L, s, a->role);
    lua_rawseti(L, -2, 1);
    push_str(L, s, a->ref);
    lua_rawseti(L, -2, 2);
    lua_pushinteger(L, (lua_Integer)a->col);
    lua_rawseti(L, -2, 3);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

/* The object's table on the stack. */
static void push_obj(lua_State *L, const char *s, const stance_brat_doc *d, const stance_brat_obj *o) {
  size_t i;
  lua_createtable(L, 0, 8);
  if (o->kind != STANCE_BRAT_EQUIV) set_str(L, s, o->id, "id");
  switch (o->kind) {
  case STANCE_BRAT_T:
    set_str(L, s, o->type, "type");
    lua_createtable(L, (int)o->count, 0);
    for (i = 0; i < o->count; i++) {
      const stance_brat_span *sp = &d->spans[o->first + i];
      lua_createtable(L, 2, 0);
      lua_pushinteger(L, (lua_Integer)sp->start);
      lua_rawseti(L, -2, 1);
      lua_pushinteger(L, (lua_Integer)sp->end);
      lua_rawseti(L, -2, 2);
      lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "spans");
    if (o->has_text) set_str(L, s, o->text, "text");
    break;
  case STANCE_BRAT_A:
  case STANCE_BRAT_M:
    set_str(L, s, o->type, "name");
    set_str(L, s, o->target, "target");
    if (o->has_value) set_str(L, s, o->value, "value");
    set_int(L, (lua_Integer)o->target_col, "target_col");
    break;
  case STANCE_BRAT_R:
    set_str(L, s, o->type, "type");
    push_args(L, s, d, o);
    lua_setfield(L, -2, "args");
    break;
  case STANCE_BRAT_E:
    set_str(L, s, o->type, "type");
    set_str(L, s, o->target, "trigger");
    set_int(L, (lua_Integer)o->target_col, "trigger_col");
    push_args(L, s, d, o);
    lua_setfield(L, -2, "args");
    break;
  case STANCE_BRAT_EQUIV:
    set_str(L, s, o->type, "type");
    lua_createtable(L, (int)o->count, 0);
    lua_createtable(L, (int)o->count, 0);
    for (i = 0; i < o->count; i++) {
      const stance_brat_arg *a = &d->args[o->first + i];
      push_str(L, s, a->ref);
      lua_rawseti(L, -3, (int)i + 1);
      lua_pushinteger(L, (lua_Integer)a->col);
      lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -3, "cols");
    lua_setfield(L, -2, "members");
    break;
  case STANCE_BRAT_N:
    set_str(L, s, o->type, "type");
    set_str(L, s, o->target, "target");
    set_int(L, (lua_Integer)o->target_col, "target_col");
    set_str(L, s, o->ref, "ref");
    if (o->has_text) set_str(L, s, o->text, "text");
    break;
  case STANCE_BRAT_NOTE:
    set_str(L, s, o->type, "kind");
    set_str(L, s, o->target, "target");
    set_int(L, (lua_Integer)o->target_col, "target_col");
    if (o->has_text)
      set_str(L, s, o->text, "text");
    else {
      lua_pushliteral(L, "");
      lua_setfield(L, -2, "text");
    }
    break;
  }
  set_int(L, (lua_Integer)o->line, "line");
  set_int(L, (lua_Integer)o->col, "col");
}

/* The list each kind goes to, in the order of the result table's fields below. */
static const char *const LISTS[] = {"entities", "attributes", "attributes", "relations",
                                    "events",   "norms",      "notes",      "equivs"};

/* brat_parse(text) -> stance.BratDoc (never fails on bad input: problems). Raises when
 * out of memory or when the text is larger than the reader takes. */
static int l_brat_parse(lua_State *L) {
  size_t len, i, count[8] = {0};
  const char *s = luaL_checklstring(L, 1, &len);
  stance_brat_doc *d = (stance_brat_doc *)lua_newuserdata(L, sizeof *d);
  int rc, udx, res, k;
  memset(d, 0, sizeof *d);
  luaL_getmetatable(L, BRATDOC_MT);
  lua_setmetatable(L, -2);
  udx = lua_gettop(L);
  rc = stance_brat_parse(s, len, d);
  if (rc == STANCE_BRAT_E2BIG) return luaL_error(L, "brat_parse: the .ann file is larger than 4 GiB");
  if (rc != STANCE_BRAT_OK) return luaL_error(L, "brat_parse: out of memory");
  for (i = 0; i < d->nobjs; i++) count[d->objs[i].kind]++;
  count[STANCE_BRAT_A] += count[STANCE_BRAT_M];
  count[STANCE_BRAT_M] = 0;
  lua_createtable(L, 0, 8);
  res = lua_gettop(L);
  for (k = 0; k < 8; k++) {
    if (k == STANCE_BRAT_M) continue;
    lua_createtable(L, (int)count[k], 0);
    lua_setfield(L, res, LISTS[k]);
  }
  lua_createtable(L, (int)d->nproblems, 0);
  for (i = 0; i < d->nproblems; i++) {
    const stance_brat_problem *p = &d->problems[i];
    lua_createtable(L, 0, 3);
    set_int(L, (lua_Integer)p->line, "line");
    set_int(L, (lua_Integer)p->col, "col");
    lua_pushlstring(L, d->messages.data + p->msg_off, p->msg_len);
    lua_setfield(L, -2, "message");
    lua_rawseti(L, -2, (int)i + 1);
  }
  lua_setfield(L, res, "problems");
  {
    int n[8] = {0};
    for (i = 0; i < d->nobjs; i++) {
      const stance_brat_obj *o = &d->objs[i];
      int list = o->kind == STANCE_BRAT_M ? STANCE_BRAT_A : (int)o->kind;
      lua_getfield(L, res, LISTS[list]);
      push_obj(L, s, d, o);
      lua_rawseti(L, -2, ++n[list]);
      lua_pop(L, 1);
    }
  }
  stance_brat_free(d);
  lua_remove(L, udx);
  return 1;
}

static const luaL_Reg meta[] = {{"__gc", doc_gc}, {NULL, NULL}};
static const luaL_Reg methods[] = {{NULL, NULL}};
static const luaL_Reg funcs[] = {{"brat_parse", l_brat_parse}, {NULL, NULL}};

void stance__open_brat(lua_State *L) {
  stance__newclass(L, BRATDOC_MT, meta, methods);
  luaL_setfuncs(L, funcs, 0);
}
