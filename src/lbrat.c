/*
 * lbrat.c - Lua binding of the .ann reader (brat.h): stance.core.brat_parse(text) -> the
 * tables of lua/stance/interop/brat_ann.lua (stance.BratDoc): entities, attributes,
 * relations, events, equivs, notes, norms and problems.
 */
#include <string.h>

#include "brat.h"
#include "compat.h"
#include "lcore.h"
#include "store.h"

#define BRATDOC_MT "stance.bratdoc"
#define BRATFAST_MT "stance.bratfast"

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
  stance__getclass(L, BRATDOC_MT);
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

/* ---- the common lines straight into a store (brat.h) ----------------------------------- */

static int fast_gc(lua_State *L) {
  stance_brat_fast_free((stance_brat_fast *)luaL_checkudata(L, 1, BRATFAST_MT));
  return 0;
}

static const char *const NAME_KINDS[] = {"label", "relation", "target", "stance", "role"};

/* A string result of the resolver at stack index i for a name (NULL when it is not a
 * string without NUL: then the Lua reader takes the file). */
static const char *name_result(lua_State *L, int i) {
  size_t n;
  const char *v;
  if (lua_type(L, i) != LUA_TSTRING) return NULL;
  v = lua_tolstring(L, i, &n);
  return memchr(v, '\0', n) == NULL ? v : NULL;
}

/* used[kind][name] = true for the string at the top of the stack (left there). */
static void mark_used(lua_State *L, int used, const char *kind) {
  lua_getfield(L, used, kind);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/* brat_fast(ann, text, resolve [, ids]) -> store, records, used | false: the records of an
 * .ann of common lines only (brat.h) against the document (a core.text), made in C; false
 * when the file holds anything else (the Lua reader takes it). resolve(kind, name) gives the
 * corpus's name of each distinct brat name (kind: label, relation, target, stance, role)
 * and, for a label, what it sets (target, stance, role). used: { [kind] = { [name] = true } }
 * of the names the records use (to declare in the schema). ids (tests): 12 characters per
 * record, in the order the Lua reader mints them. Raises when out of memory. */
static int l_brat_fast(lua_State *L) {
  size_t alen, idslen = 0, i, nrecs;
  const char *ann = luaL_checklstring(L, 1, &alen);
  const struct stance_text *text = stance__check_text(L, 2);
  const char *ids = luaL_optlstring(L, 4, NULL, &idslen);
  stance_brat_fast *f;
  stance_brat_name *names;
  stance_store *store;
  int rc, keep, used;
  luaL_checktype(L, 3, LUA_TFUNCTION);
  f = (stance_brat_fast *)lua_newuserdata(L, sizeof *f);
  memset(f, 0, sizeof *f);
  stance__getclass(L, BRATFAST_MT);
  lua_setmetatable(L, -2);
  rc = stance_brat_fast_plan(f, ann, alen);
  if (rc == STANCE_BRAT_E2BIG) return luaL_error(L, "brat_fast: the .ann file is larger than 4 GiB");
  if (rc == STANCE_BRAT_ENOMEM) return luaL_error(L, "brat_fast: out of memory");
  if (rc != STANCE_BRAT_OK) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (f->nnames > ((size_t)-1) / sizeof *names) return luaL_error(L, "brat_fast: out of memory");
  names = (stance_brat_name *)lua_newuserdata(L, (f->nnames ? f->nnames : 1) * sizeof *names);
  lua_createtable(L, (int)(f->nnames < 1000000 ? f->nnames : 1000000), 0); /* keeps the names' strings */
  keep = lua_gettop(L);
  lua_createtable(L, 0, 5);
  used = lua_gettop(L);
  for (i = 0; i < 5; i++) {
    lua_newtable(L);
    lua_setfield(L, used, NAME_KINDS[i]);
  }
  for (i = 0; i < f->nnames; i++) {
    const stance_brat_str *x = &f->names[i];
    int k, base = lua_gettop(L);
    lua_pushvalue(L, 3);
    lua_pushstring(L, NAME_KINDS[f->kinds[i]]);
    lua_pushlstring(L, ann + x->off, x->len);
    lua_call(L, 2, 4);
    memset(&names[i], 0, sizeof names[i]);
    if ((names[i].name = name_result(L, base + 1)) == NULL) goto uncommon;
    lua_pushvalue(L, base + 1);
    mark_used(L, used, NAME_KINDS[f->kinds[i]]);
    lua_rawseti(L, keep, (int)lua_rawlen(L, keep) + 1);
    for (k = 0; k < 3 && f->kinds[i] == STANCE_BRAT_NAME_LABEL; k++) {
      if (lua_isnil(L, base + 2 + k)) continue;
      if ((names[i].sets[k] = name_result(L, base + 2 + k)) == NULL) goto uncommon;
      lua_pushvalue(L, base + 2 + k);
      mark_used(L, used, NAME_KINDS[STANCE_BRAT_NAME_TARGET + k]);
      lua_rawseti(L, keep, (int)lua_rawlen(L, keep) + 1);
    }
    lua_settop(L, base);
  }
  if ((store = stance_store_new()) == NULL) return luaL_error(L, "brat_fast: out of memory");
  stance__push_store(L, store);
  rc = stance_brat_fast_build(f, names, text, ids, idslen, store, &nrecs);
  /* (the plan is done with: its memory goes back now, for the file's text to take, rather
   * than when the collector finds it) */
  stance_brat_fast_free(f);
  if (rc == STANCE_BRAT_UNCOMMON) goto uncommon;
  if (rc == STANCE_BRAT_EIDS) return luaL_argerror(L, 4, "fewer IDs than records");
  if (rc == STANCE_BRAT_ERANDOM) return luaL_error(L, "brat_fast: the system gave no random bytes");
  if (rc != STANCE_BRAT_OK) return luaL_error(L, "brat_fast: out of memory");
  lua_pushinteger(L, (lua_Integer)nrecs);
  lua_pushvalue(L, used);
  return 3;
uncommon:
  lua_pushboolean(L, 0);
  return 1;
}

static const luaL_Reg meta[] = {{"__gc", doc_gc}, {NULL, NULL}};
static const luaL_Reg methods[] = {{NULL, NULL}};
static const luaL_Reg fast_meta[] = {{"__gc", fast_gc}, {NULL, NULL}};
static const luaL_Reg funcs[] = {{"brat_parse", l_brat_parse}, {"brat_fast", l_brat_fast}, {NULL, NULL}};

void stance__open_brat(lua_State *L) {
  stance__newclass(L, BRATFAST_MT, fast_meta, methods);
  stance__newclass(L, BRATDOC_MT, meta, methods);
  luaL_setfuncs(L, funcs, 0);
}
