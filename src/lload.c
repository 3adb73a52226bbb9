/*
 * lload.c - Lua binding of loads (load.h):
 *
 *   core.load(annotation_path, document_path[, {vocab = ..., snapshot = path, key = prefix}])
 *       -> load (started); with snapshot, the layer cache is tried first (its key must start
 *       with `key`)
 *   load:wait() -> { store, problems, text, frame, crlf, error, doc_error, key, anchored }
 *       From the cache: store, text and key (the cache's whole key) alone. Else:
 *       store, problems: as core.read gives them (nil store: `error` says why: the file is
 *       missing (code "ENOENT") or unreadable); text: the annotation file's bytes, kept in C
 *       until text:string() (text:len() is their number); frame: of the
 *       document's bytes as read (not hashed: frame:sha256() when the hash is needed), crlf:
 *       whether all its lines end with "\r\n" (the frame's conversions assume it);
 *       doc_error when the document was not read;
 *       anchored: the store was placed in the frame's text as frame:anchor() places it (what
 *       it returns), every quote checked where the file says.
 *       A second wait returns nil.
 *   load:finished() -> whether wait() would return at once (a load nobody takes is kept
 *       until then: collecting it earlier would wait for its threads)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "lcore.h"
#include "reader.h"
#include "load.h"

#define LOAD_MT "stance.load"
typedef struct lload {
  stance_load *l;
} lload;

static int l_load(lua_State *L) {
  const char *ann = luaL_checkstring(L, 1), *doc = luaL_checkstring(L, 2), *snap = NULL, *key = NULL;
  stance_vocab *v;
  lload *ll;
  if (lua_istable(L, 3)) {
    lua_getfield(L, 3, "snapshot");
    lua_getfield(L, 3, "key");
    snap = luaL_optstring(L, -2, NULL);
    key = luaL_optstring(L, -1, NULL);
    if ((snap == NULL) != (key == NULL)) return luaL_argerror(L, 3, "snapshot and key go together");
  }
  {
    int owned;
    v = stance__read_vocab(L, 3, &owned);
    /* the load's thread owns what it reads: a lent vocabulary is copied */
    if (v != NULL && !owned && (v = stance_vocab_copy(v)) == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  }
  ll = lua_newuserdata(L, sizeof *ll);
  ll->l = NULL;
  stance__setclass(L, LOAD_MT);
  if ((ll->l = stance_load_start(ann, doc, v, snap, key)) == NULL)
    return stance__fail(L, "cannot start a thread", "ENOMEM");
  return 1;
}

/* A list of the NUL-terminated IDs in `b`. */
static void push_ids(lua_State *L, const stance_buf *b) {
  size_t off = 0;
  int n = 0;
  lua_newtable(L);
  while (off < b->len) {
    size_t len = strlen(b->data + off);
    lua_pushlstring(L, b->data + off, len);
    lua_rawseti(L, -2, ++n);
    off += len + 1;
  }
}

/* t[key] = the reason, t[code_key] = "ENOENT" or "EREAD" */
static void set_errno(lua_State *L, const char *key, const char *code_key, int e) {
  if (e == 0) return;
  lua_pushstring(L, strerror(e));
  lua_setfield(L, -2, key);
  lua_pushstring(L, e == ENOENT ? "ENOENT" : "EREAD");
  lua_setfield(L, -2, code_key);
}

static int m_wait(lua_State *L) {
  lload *ll = luaL_checkudata(L, 1, LOAD_MT);
  stance_load_result *r;
  if (ll->l == NULL) return 0;
  r = stance_load_wait(ll->l);
  if (r->oom) {
    stance_load_free(ll->l);
    ll->l = NULL;
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  lua_createtable(L, 0, 8);
  set_errno(L, "error", "code", r->ann_errno);
  set_errno(L, "doc_error", "doc_code", r->doc_errno);
  if (r->ann != NULL) {
    stance__push_bytes(L, r->ann, r->ann_len);
    r->ann = NULL;
    lua_setfield(L, -2, "text");
  }
  if (r->store != NULL) {
    stance__push_store(L, r->store);
    r->store = NULL;
    lua_setfield(L, -2, "store");
    stance__push_problems(L, &r->problems);
    lua_setfield(L, -2, "problems");
  }
  if (r->key != NULL) {
    lua_pushstring(L, r->key);
    lua_setfield(L, -2, "key");
  }
  if (r->anchored) {
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, r->anchor.placed);
    lua_setfield(L, -2, "placed");
    lua_pushinteger(L, r->anchor.moved);
    lua_setfield(L, -2, "moved");
    lua_pushinteger(L, r->anchor.fuzzy);
    lua_setfield(L, -2, "fuzzy");
    lua_pushinteger(L, r->anchor.orphaned);
    lua_setfield(L, -2, "orphaned");
    push_ids(L, &r->moved);
    lua_setfield(L, -2, "moved_ids");
    push_ids(L, &r->fuzzy);
    lua_setfield(L, -2, "fuzzy_ids");
    push_ids(L, &r->orphaned);
    lua_setfield(L, -2, "orphan_ids");
    lua_setfield(L, -2, "anchored");
  }
  if (r->frame != NULL) {
    stance__push_frame(L, r->frame);
    r->frame = NULL;
    lua_setfield(L, -2, "frame");
    lua_pushboolean(L, r->crlf);
    lua_setfield(L, -2, "crlf");
  }
  stance_load_free(ll->l);
  ll->l = NULL;
  return 1;
}

static int m_finished(lua_State *L) {
  lload *ll = luaL_checkudata(L, 1, LOAD_MT);
  lua_pushboolean(L, ll->l == NULL || stance_load_finished(ll->l));
  return 1;
}

static int m_gc(lua_State *L) {
  lload *ll = luaL_checkudata(L, 1, LOAD_MT);
  stance_load_free(ll->l);
  ll->l = NULL;
  return 0;
}

static const luaL_Reg load_meta[] = {{"__gc", m_gc}, {NULL, NULL}};
static const luaL_Reg load_methods[] = {{"wait", m_wait}, {"finished", m_finished}, {NULL, NULL}};

void stance__open_load(lua_State *L) {
  stance__newclass(L, LOAD_MT, load_meta, load_methods);
  lua_pushcfunction(L, l_load);
  lua_setfield(L, -2, "load");
}
