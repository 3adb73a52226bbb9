/*
 * lframe.c - Lua binding of frames (frame.h): core.frame(file_text, {crlf = bool}).
 *
 *   f:to_file(b), f:to_buf(fb), f:buf_to_cp(b), f:cp_to_buf(c), f:buf_len(), f:cps()
 *   f:anchor(store) -> { placed, moved, orphaned, moved_ids = {...}, orphan_ids = {...} }
 *   f:refresh(store, context[, ids]) -> n, { ids of annotations whose text is all gone }
 *     (with `ids`, a list of annotation IDs: only those)
 *   f:context(spans, context) -> quote, prefix, suffix      (spans in buffer bytes)
 *   f:write(store) -> the file's text, spans converted to code points
 *   f:sha256() -> the hex SHA-256 of the text as a file (what annotation files record): a
 *     frame made on a thread (core.load, core.read with a document) is not hashed there,
 *     as the open that makes it does not need the hash; the hash is made when asked for
 *   f:close()
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compat.h"
#include "frame.h"
#include "hash.h"
#include "lcore.h"
#include "reader.h"

#define FRAME_MT "stance.frame"

typedef struct lframe {
  stance_frame *f;
} lframe;

static stance_frame *check_frame(lua_State *L) {
  lframe *lf = luaL_checkudata(L, 1, FRAME_MT);
  if (lf->f == NULL) luaL_argerror(L, 1, "the frame is closed");
  return lf->f;
}

static size_t check_off(lua_State *L, int i) {
  lua_Integer v = luaL_checkinteger(L, i);
  if (v < 0) luaL_argerror(L, i, "offset out of range");
  return (size_t)v;
}

void stance__push_frame(lua_State *L, stance_frame *f) {
  lframe *lf = lua_newuserdata(L, sizeof *lf);
  lf->f = NULL;
  stance__setclass(L, FRAME_MT);
  lf->f = f;
}

static int l_frame(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int crlf = 0;
  stance_frame *f;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "crlf");
    crlf = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  if (len > STANCE_FRAME_MAX) return stance__fail(L, "text too large (4 GiB at most)", "EINVAL");
  if ((f = stance_frame_new(s, len, crlf)) == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  stance__push_frame(L, f);
  return 1;
}

#define CONVERSION(name, fn)                                              \
  static int name(lua_State *L) {                                          \
    stance_frame *f = check_frame(L);                                      \
    lua_pushinteger(L, (lua_Integer)fn(f, check_off(L, 2)));               \
    return 1;                                                              \
  }
CONVERSION(f_to_file, stance_frame_to_file)
CONVERSION(f_to_buf, stance_frame_to_buf)
CONVERSION(f_buf_to_cp, stance_frame_buf_to_cp)
CONVERSION(f_cp_to_buf, stance_frame_cp_to_buf)

static int f_buf_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_frame_buf_len(check_frame(L)));
  return 1;
}

static int f_cps(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_text_cps(stance_frame_text(check_frame(L))));
  return 1;
}

typedef struct ids_out {
  lua_State *L;
  int moved, orphans, fuzzy, nm, no, nf;
} ids_out;

static void anchor_cb(void *ud, const stance_rec *r, int orphan) {
  ids_out *o = ud;
  if (orphan == 2 && o->fuzzy > 0) {
    lua_pushstring(o->L, r->id);
    lua_rawseti(o->L, o->fuzzy, ++o->nf);
  }
  lua_pushstring(o->L, r->id);
  if (orphan == 1)
    lua_rawseti(o->L, o->orphans, ++o->no);
  else
    lua_rawseti(o->L, o->moved, ++o->nm);
}

typedef struct progress_out {
  lua_State *L;
  int fn; /* stack index of the Lua function */
} progress_out;

/* opts.progress(done, total): errors in it are ignored (the anchoring goes on). */
static void progress_cb(void *ud, uint32_t done, uint32_t total) {
  progress_out *p = ud;
  lua_pushvalue(p->L, p->fn);
  lua_pushinteger(p->L, (lua_Integer)done);
  lua_pushinteger(p->L, (lua_Integer)total);
  if (lua_pcall(p->L, 2, 0, 0) != 0) lua_pop(p->L, 1);
}

/* anchor(store[, {budget = steps, progress = function(done, total), each = true}]) -> result (see
 * stance_frame_anchor_ex): { placed, moved, fuzzy, orphaned, unsearched, moved_ids,
 * orphan_ids, fuzzy_ids }. */
static int f_anchor(lua_State *L) {
  stance_frame *f = check_frame(L);
  stance_store *s = stance__check_store(L, 2);
  stance_anchor_result res;
  stance_anchor_opts opts;
  progress_out po;
  ids_out o;
  memset(&opts, 0, sizeof opts);
  if (lua_istable(L, 3)) {
    lua_getfield(L, 3, "budget");
    if (!lua_isnil(L, -1)) {
      lua_Integer b = luaL_checkinteger(L, -1);
      opts.budget = b > 0 ? (uint64_t)b : 1;
    }
    lua_pop(L, 1);
    lua_getfield(L, 3, "each");
    opts.each = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 3, "progress");
    if (lua_isfunction(L, -1)) {
      po.L = L;
      po.fn = lua_gettop(L); /* stays on the stack below the result tables */
      opts.progress = progress_cb;
      opts.progress_ud = &po;
    } else {
      lua_pop(L, 1);
    }
  }
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  o.L = L;
  o.fuzzy = lua_gettop(L);
  o.orphans = o.fuzzy - 1;
  o.moved = o.fuzzy - 2;
  o.nm = o.no = o.nf = 0;
  if (stance_frame_anchor_ex(f, s, &opts, &res, anchor_cb, &o) != STANCE_OK)
    return stance__fail(L, "out of memory", "ENOMEM");
  lua_setfield(L, -4, "fuzzy_ids");
  lua_setfield(L, -3, "orphan_ids");
  lua_setfield(L, -2, "moved_ids");
  lua_pushinteger(L, res.fuzzy);
  lua_setfield(L, -2, "fuzzy");
  lua_pushinteger(L, res.placed);
  lua_setfield(L, -2, "placed");
  lua_pushinteger(L, res.moved);
  lua_setfield(L, -2, "moved");
  lua_pushinteger(L, res.orphaned);
  lua_setfield(L, -2, "orphaned");
  lua_pushinteger(L, res.unsearched);
  lua_setfield(L, -2, "unsearched");
  return 1;
}

static int f_refresh(lua_State *L) {
  stance_frame *f = check_frame(L);
  stance_store *s = stance__check_store(L, 2);
  lua_Integer context = luaL_optinteger(L, 3, 32);
  ids_out o;
  int n;
  if (context < 0 || context > 100000) return luaL_argerror(L, 3, "context out of range");
  lua_settop(L, 4); /* the IDs (or nil) at 4, the table of collapsed ones after them */
  lua_newtable(L);
  o.L = L;
  o.orphans = lua_gettop(L);
  o.moved = o.orphans; /* not used: refresh reports only collapsed annotations */
  o.fuzzy = 0;
  o.nm = o.no = o.nf = 0;
  if (lua_isnoneornil(L, 4)) {
    n = stance_frame_refresh(f, s, (uint32_t)context, anchor_cb, &o);
  } else {
    /* only these annotations (their IDs): what was added since the last refresh */
    size_t i, count;
    const char **ids;
    luaL_checktype(L, 4, LUA_TTABLE);
    count = lua_rawlen(L, 4);
    if (count > 100000000 || (ids = malloc((count > 0 ? count : 1) * sizeof *ids)) == NULL)
      return stance__fail(L, "out of memory", "ENOMEM");
    for (i = 0; i < count; i++) {
      lua_rawgeti(L, 4, (int)i + 1);
      if (lua_type(L, -1) != LUA_TSTRING) {
        free(ids);
        return luaL_argerror(L, 4, "should be a list of annotation IDs");
      }
      ids[i] = lua_tostring(L, -1); /* kept alive by the table */
      lua_pop(L, 1);
    }
    n = stance_frame_refresh_ids(f, s, ids, count, (uint32_t)context, anchor_cb, &o);
    free(ids);
  }
  if (n < 0) return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushinteger(L, n);
  lua_insert(L, -2);
  return 2;
}

static int f_context(lua_State *L) {
  stance_frame *f = check_frame(L);
  lua_Integer context = luaL_optinteger(L, 3, 32);
  size_t n, i, len = stance_frame_buf_len(f), qlen;
  stance_range *sp;
  char *quote, *prefix, *suffix;
  int rc;
  luaL_checktype(L, 2, LUA_TTABLE);
  n = lua_rawlen(L, 2);
  if (n == 0 || n > 100000) return luaL_argerror(L, 2, "spans should be a list of {start, stop}");
  if (context < 0 || context > 100000) return luaL_argerror(L, 3, "context out of range");
  if ((sp = malloc(n * sizeof *sp)) == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  for (i = 0; i < n; i++) {
    lua_Integer a, b;
    lua_rawgeti(L, 2, (int)i + 1);
    if (!lua_istable(L, -1)) {
      free(sp);
      return luaL_argerror(L, 2, "spans should be a list of {start, stop}");
    }
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    a = lua_tointeger(L, -2);
    b = lua_tointeger(L, -1);
    lua_pop(L, 3);
    if (a < 0 || b < a || (size_t)b > len) {
      free(sp);
      return luaL_argerror(L, 2, "span out of range");
    }
    sp[i].start = (uint32_t)a;
    sp[i].end = (uint32_t)b;
  }
  rc = stance_frame_context(f, sp, (uint32_t)n, (uint32_t)context, &quote, &prefix, &suffix);
  for (i = 0, qlen = n - 1; rc == STANCE_OK && i < n; i++) /* the quote whole: it may hold a NUL */
    qlen += stance_frame_to_file(f, sp[i].end) - stance_frame_to_file(f, sp[i].start);
  free(sp);
  if (rc != STANCE_OK) return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushlstring(L, quote, qlen);
  lua_pushstring(L, prefix);
  lua_pushstring(L, suffix);
  free(quote);
  free(prefix);
  free(suffix);
  return 3;
}

static uint32_t conv_cp(void *ud, uint32_t off) {
  return (uint32_t)stance_frame_buf_to_cp(ud, off);
}

static int f_write(lua_State *L) {
  stance_frame *f = check_frame(L);
  stance_store *s = stance__check_store(L, 2);
  stance_buf b;
  stance_buf_init(&b);
  if (stance_write_conv(s, &b, conv_cp, f) != STANCE_OK) {
    stance_buf_free(&b);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  lua_pushlstring(L, b.data, b.len);
  stance_buf_free(&b);
  return 1;
}

/* write_records(store, ids) -> the text of those records, to append to the file, in the
 * canonical order among themselves, and whether the appended file stays canonical (they all come
 * after every other record: stance_store_last_conv); nil when the file ends with comments (then
 * write the whole file). The editor appends either way (one fdatasync) and, when not canonical,
 * writes the file whole a moment later (stance.editor.tidy). */
static int f_write_records(lua_State *L) {
  stance_frame *f = check_frame(L);
  stance_store *s = stance__check_store(L, 2);
  stance_buf b;
  uint32_t *slots, *order;
  size_t i, n, k = 0;
  int last;
  luaL_checktype(L, 3, LUA_TTABLE);
  n = lua_rawlen(L, 3);
  if (n > UINT32_MAX / 2) return stance__fail(L, "too many records", "EINVAL");
  slots = malloc((n ? n : 1) * 2 * sizeof *slots);
  if (slots == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  order = slots + (n ? n : 1);
  for (i = 1; i <= n; i++) {
    const stance_rec *r;
    size_t j;
    lua_rawgeti(L, 3, (int)i);
    r = stance_store_get(s, luaL_checkstring(L, -1));
    lua_pop(L, 1);
    if (r == NULL) continue; /* (added, then removed) */
    for (j = 0; j < k && slots[j] != r->index; j++) {
    }
    if (j == k) slots[k++] = r->index;
  }
  last = stance_store_last_conv(s, slots, (uint32_t)k, conv_cp, f, order);
  if (last < 0) {
    free(slots);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  stance_buf_init(&b);
  for (i = 0; i < k; i++) {
    int rc = stance_write_one(s, stance_store_at(s, slots[order[i]]), &b, conv_cp, f);
    if (rc != STANCE_OK) {
      free(slots);
      stance_buf_free(&b);
      if (rc == STANCE_EINVAL) return 0;
      return stance__fail(L, "out of memory", "ENOMEM");
    }
  }
  free(slots);
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  stance_buf_free(&b);
  lua_pushboolean(L, last == 1);
  return 2;
}

static int f_sha256(lua_State *L) {
  stance_frame *f = check_frame(L);
  size_t len;
  const char *s = stance_text_bytes(stance_frame_text(f), &len);
  return stance__push_sha256(L, s, len);
}

static int f_close(lua_State *L) {
  lframe *lf = luaL_checkudata(L, 1, FRAME_MT);
  stance_frame_free(lf->f);
  lf->f = NULL;
  return 0;
}

static const luaL_Reg frame_meta[] = {{"__gc", f_close}, {NULL, NULL}};
static const luaL_Reg frame_methods[] = {
    {"to_file", f_to_file}, {"to_buf", f_to_buf},   {"buf_to_cp", f_buf_to_cp},
    {"cp_to_buf", f_cp_to_buf}, {"buf_len", f_buf_len}, {"cps", f_cps},
    {"anchor", f_anchor},   {"refresh", f_refresh}, {"context", f_context},
    {"write", f_write},     {"write_records", f_write_records}, {"sha256", f_sha256},
    {"close", f_close},     {NULL, NULL}};

void stance__open_frame(lua_State *L) {
  stance__newclass(L, FRAME_MT, frame_meta, frame_methods);
  lua_pushcfunction(L, l_frame);
  lua_setfield(L, -2, "frame");
}
