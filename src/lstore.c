/*
 * lstore.c - Lua binding of the annotation store, the reader and the writer:
 * stance.core.read(text, opts), stance.core.read_file(path, opts), stance.core.store(), and the
 * markup line reader.
 *
 * Records cross the boundary as tables:
 *   { kind = "annotation", id = "k7m2", spans = { {10, 20}, {30, 40} }, label = "claim",
 *     target = ..., ..., line = 12, extras = "...", comments = "...", inner = "..." }
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "compat.h"
#include "contain.h"
#include "lcore.h"
#include "load.h"
#include "markup.h"
#include "snapshot.h"
#include "reader.h"
#include "syntaxdump.h"
#include "walk.h"

#define STORE_MT "stance.store"

typedef struct lstore {
  stance_store *s;
} lstore;

stance_store *stance__check_store(lua_State *L, int i) {
  lstore *ls = luaL_checkudata(L, i, STORE_MT);
  if (ls->s == NULL) luaL_argerror(L, i, "the store is closed");
  return ls->s;
}

static stance_store *check_store(lua_State *L) { return stance__check_store(L, 1); }

void stance__push_store(lua_State *L, stance_store *s) {
  lstore *ls = lua_newuserdata(L, sizeof *ls);
  ls->s = s;
  stance__setclass(L, STORE_MT);
}

static int fail_code(lua_State *L, int rc, const char *what) {
  switch (rc) {
    case STANCE_EDUP: return stance__fail(L, lua_pushfstring(L, "id %s is taken", what), "EDUP");
    case STANCE_ENOENT: return stance__fail(L, lua_pushfstring(L, "no record with id %s", what), "ENOENT");
    case STANCE_EINVAL: return stance__fail(L, lua_pushfstring(L, "invalid %s", what), "EINVAL");
    default: return stance__fail(L, "out of memory", "ENOMEM");
  }
}

/* ---- records as tables ------------------------------------------------------------- */

static void set_str(lua_State *L, const char *k, const char *v) {
  if (v == NULL) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* { {start, stop}, ... } of an annotation */
static void push_spans(lua_State *L, const stance_rec *r) {
  uint32_t i;
  lua_createtable(L, (int)r->nspans, 0);
  for (i = 0; i < r->nspans; i++) {
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, r->spans[i].start);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, r->spans[i].end);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

static void push_rec(lua_State *L, const stance_rec *r) {
  int f;
  lua_createtable(L, 0, 16); /* kind, id, spans, line, slot and a dozen fields at most */
  set_str(L, "kind", stance_rec_kind_name(r->kind));
  set_str(L, "id", r->id);
  if (r->kind == STANCE_REC_ANNOTATION) {
    push_spans(L, r);
    lua_setfield(L, -2, "spans");
  }
  for (f = 0; f < STANCE_F_COUNT; f++) set_str(L, stance_field_name((stance_field)f), r->f[f]);
  if (r->line) {
    lua_pushinteger(L, r->line);
    lua_setfield(L, -2, "line");
  }
  lua_pushinteger(L, (lua_Integer)r->index + 1);
  lua_setfield(L, -2, "slot");
  if (r->orphan) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "orphan");
  }
  if (r->touched) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "touched");
  }
  set_str(L, "extras", r->extras);
  set_str(L, "comments", r->comments);
  set_str(L, "inner", r->inner);
}

/* Read spans = { {s, e}, ... } at index `t` into a malloc'd array; *n gets the count.
 * Raises on misuse. */
static stance_range *read_spans(lua_State *L, int t, uint32_t *n) {
  int i, count;
  stance_range *r;
  luaL_checktype(L, t, LUA_TTABLE);
  count = (int)lua_rawlen(L, t);
  *n = (uint32_t)count;
  if (count == 0) return NULL;
  r = malloc((size_t)count * sizeof *r);
  if (r == NULL) luaL_error(L, "out of memory");
  for (i = 0; i < count; i++) {
    lua_Number a, b;
    lua_rawgeti(L, t, i + 1);
    if (!lua_istable(L, -1)) {
      free(r);
      luaL_error(L, "spans[%d] should be a {start, stop} pair", i + 1);
    }
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1)) {
      free(r);
      luaL_error(L, "spans[%d] should be a {start, stop} pair of numbers", i + 1);
    }
    a = lua_tonumber(L, -2);
    b = lua_tonumber(L, -1);
    if (a < 0 || b > 4294967295.0 || a != (lua_Number)(uint32_t)a || b != (lua_Number)(uint32_t)b) {
      free(r);
      luaL_error(L, "spans[%d]: offsets should be whole numbers from 0 to 2^32-1", i + 1);
    }
    r[i].start = (uint32_t)a;
    r[i].end = (uint32_t)b;
    lua_pop(L, 3);
  }
  return r;
}

static int cmp_ranges(const void *a, const void *b) {
  const stance_range *x = a, *y = b;
  return (x->start > y->start) - (x->start < y->start);
}

/* Whether `len` bytes at `v` would be cut if kept in field `f` (a C string): a NUL in a note
 * or a label would cut what the user wrote, so it is refused. Fields taken from the
 * document's text (a document may hold a NUL byte) end there, and re-anchoring takes them
 * again. */
static int cuts_field(stance_field f, const char *v, size_t len) {
  if (f == STANCE_F_QUOTE || f == STANCE_F_PREFIX || f == STANCE_F_SUFFIX) return 0;
  return memchr(v, '\0', len) != NULL;
}

/* What a record table may hold besides its fields (slots after the STANCE_F_COUNT fields). */
enum { X_KIND = STANCE_F_COUNT, X_ID, X_EXTRAS, X_COMMENTS, X_INNER, X_SPANS, X_COUNT };
static const char *const x_names[] = {"kind", "id", "extras", "comments", "inner", "spans"};

static int slot_of(const char *k, size_t len) {
  int f = stance_field_from_name(k, len), i;
  if (f >= 0) return f;
  for (i = 0; i < X_COUNT - X_KIND; i++)
    if (strlen(x_names[i]) == len && memcmp(x_names[i], k, len) == 0) return X_KIND + i;
  return -1;
}

/* The values of the table at `t` that a record reads, pushed on the stack: at[slot] is
 * the index of each (0: absent or nil). A plain table is walked once (a record holds a few
 * of the many names); one with a metatable is asked each name (its __index answers). */
static void gather(lua_State *L, int t, int *at) {
  int i;
  for (i = 0; i < X_COUNT; i++) at[i] = 0;
  luaL_checkstack(L, X_COUNT + 4, "a record");
  if (lua_getmetatable(L, t)) {
    lua_pop(L, 1);
    for (i = 0; i < X_COUNT; i++) {
      lua_getfield(L, t, i < X_KIND ? stance_field_name((stance_field)i) : x_names[i - X_KIND]);
      if (lua_isnil(L, -1))
        lua_pop(L, 1);
      else
        at[i] = lua_gettop(L);
    }
    return;
  }
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    int slot = -1;
    if (lua_type(L, -2) == LUA_TSTRING) {
      size_t kl;
      const char *k = lua_tolstring(L, -2, &kl);
      slot = slot_of(k, kl);
    }
    if (slot >= 0 && at[slot] == 0) {
      /* the value stays below the key */
      lua_insert(L, -2);
      at[slot] = lua_gettop(L) - 1;
    } else {
      lua_pop(L, 1);
    }
  }
}

/* Fill `r` from the table at index `t` (strings stay on the Lua stack). Returns an error
 * message or NULL. */
static const char *rec_from_table(lua_State *L, int t, stance_rec *r, stance_range **spans) {
  int f, kind, at[X_COUNT];
  memset(r, 0, sizeof *r);
  *spans = NULL;
  gather(L, t, at);
  if (at[X_KIND] == 0) {
    kind = STANCE_REC_ANNOTATION;
  } else {
    size_t kl;
    const char *ks = lua_tolstring(L, at[X_KIND], &kl);
    kind = ks ? stance_rec_kind_from_name(ks, kl) : -1;
  }
  if (kind < 0) return "kind should be annotation, relation or doclabel";
  r->kind = (stance_rec_kind)kind;
  r->id = at[X_ID] ? (char *)lua_tostring(L, at[X_ID]) : NULL;
  if (r->id == NULL) return "a record needs an id";
  for (f = 0; f < STANCE_F_COUNT; f++) {
    int i = at[f];
    if (i != 0) {
      if (lua_type(L, i) != LUA_TSTRING && lua_type(L, i) != LUA_TNUMBER)
        return lua_pushfstring(L, "%s should be a string", stance_field_name((stance_field)f));
      if (!stance_field_allowed(r->kind, (stance_field)f))
        return lua_pushfstring(L, "a %s has no %s", stance_rec_kind_name(r->kind), stance_field_name((stance_field)f));
      {
        size_t vl;
        const char *v = lua_tolstring(L, i, &vl);
        if (cuts_field((stance_field)f, v, vl))
          return lua_pushfstring(L, "%s holds a NUL byte, which no field can", stance_field_name((stance_field)f));
        r->f[f] = (char *)v;
      }
    }
  }
  r->extras = at[X_EXTRAS] ? (char *)lua_tostring(L, at[X_EXTRAS]) : NULL;
  r->comments = at[X_COMMENTS] ? (char *)lua_tostring(L, at[X_COMMENTS]) : NULL;
  r->inner = at[X_INNER] ? (char *)lua_tostring(L, at[X_INNER]) : NULL;
  if (r->kind == STANCE_REC_ANNOTATION) {
    if (at[X_SPANS] == 0 || !lua_istable(L, at[X_SPANS])) return "an annotation needs spans = { {start, stop}, ... }";
    *spans = read_spans(L, at[X_SPANS], &r->nspans);
    if (r->nspans == 0) return "an annotation needs at least one span";
    qsort(*spans, r->nspans, sizeof **spans, cmp_ranges);
    r->spans = *spans;
  }
  return NULL;
}

/* ---- the store ----------------------------------------------------------------------- */

static int l_store_new(lua_State *L) {
  stance_store *s = stance_store_new();
  if (s == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  stance__push_store(L, s);
  return 1;
}

static int s_add(lua_State *L) {
  stance_store *s = check_store(L);
  stance_rec r;
  stance_range *spans;
  const char *err;
  int rc;
  luaL_checktype(L, 2, LUA_TTABLE);
  err = rec_from_table(L, 2, &r, &spans);
  if (err != NULL) {
    free(spans);
    return stance__fail(L, err, "EINVAL");
  }
  rc = stance_store_add(s, &r, NULL);
  free(spans);
  if (rc == STANCE_EINVAL) return stance__fail(L, "spans should be non-empty and not overlap", "EINVAL");
  if (rc != STANCE_OK) return fail_code(L, rc, r.id);
  lua_pushboolean(L, 1);
  return 1;
}

/* the record of arguments (id[, side]) at stack index 2: that version of a merge conflict
 * when side is given; NULL when there is none */
static const stance_rec *rec_arg(lua_State *L, stance_store *s) {
  const char *id = luaL_checkstring(L, 2);
  const char *side = luaL_optstring(L, 3, NULL);
  return side ? stance_store_get_conflict(s, id, side) : stance_store_get(s, id);
}

static int s_get(lua_State *L) {
  const stance_rec *r = rec_arg(L, check_store(L));
  if (r == NULL) return 0;
  push_rec(L, r);
  return 1;
}

/* update(id, { field = value | false, spans = {...} }) */
static int s_update(lua_State *L) {
  stance_store *s = check_store(L);
  const char *id = luaL_checkstring(L, 2);
  int rc = STANCE_OK;
  luaL_checktype(L, 3, LUA_TTABLE);
  if (stance_store_get(s, id) == NULL) return fail_code(L, STANCE_ENOENT, id);
  lua_pushnil(L);
  while (lua_next(L, 3) != 0 && rc == STANCE_OK) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    int f;
    if (k == NULL) return luaL_argerror(L, 3, "field names should be strings");
    if (strcmp(k, "spans") == 0) {
      uint32_t n;
      stance_range *sp = read_spans(L, lua_gettop(L), &n);
      if (n > 0) qsort(sp, n, sizeof *sp, cmp_ranges);
      rc = n == 0 ? STANCE_EINVAL : stance_store_set_spans(s, id, sp, n);
      free(sp);
      if (rc == STANCE_EINVAL) {
        lua_pop(L, 2);
        return stance__fail(L, "spans should be non-empty and not overlap", "EINVAL");
      }
    } else if (strcmp(k, "id") == 0) {
      rc = stance_store_rename(s, id, luaL_checkstring(L, -1));
      if (rc == STANCE_OK) id = lua_tostring(L, -1); /* the table keeps the string alive */
      else {
        const char *nid = lua_tostring(L, -1);
        lua_pop(L, 2);
        return fail_code(L, rc, nid);
      }
    } else if ((f = stance_field_from_name(k, strlen(k))) >= 0) {
      const char *v = NULL;
      size_t vl = 0;
      if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
        v = lua_tolstring(L, -1, &vl);
      else if (!(lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
        return luaL_argerror(L, 3, lua_pushfstring(L, "%s should be a string or false", k));
      if (v != NULL && cuts_field((stance_field)f, v, vl)) {
        lua_pop(L, 2);
        return stance__fail(L, lua_pushfstring(L, "%s holds a NUL byte, which no field can", k), "EINVAL");
      }
      rc = stance_store_set_field(s, id, (stance_field)f, v);
      if (rc == STANCE_EINVAL) {
        lua_pop(L, 2);
        return stance__fail(L, lua_pushfstring(L, "this record has no field %s", k), "EINVAL");
      }
    } else {
      lua_pop(L, 2);
      return stance__fail(L, lua_pushfstring(L, "unknown field %s", k), "EINVAL");
    }
    lua_pop(L, 1);
  }
  if (rc != STANCE_OK) return fail_code(L, rc, id);
  lua_pushboolean(L, 1);
  return 1;
}

/* remove(id [, side]): side "ours"/"theirs" removes that version of a merge conflict */
static int s_remove(lua_State *L) {
  stance_store *s = check_store(L);
  const char *id = luaL_checkstring(L, 2);
  const char *side = luaL_optstring(L, 3, NULL);
  int rc = stance_store_remove_conflict(s, id, side);
  if (rc != STANCE_OK) return fail_code(L, rc, id);
  lua_pushboolean(L, 1);
  return 1;
}

typedef struct query_out {
  lua_State *L;
  int n;
} query_out;

static int query_cb(void *ud, stance_rec *rec, uint32_t span) {
  query_out *q = ud;
  lua_State *L = q->L;
  lua_createtable(L, 0, 4);
  lua_pushstring(L, rec->id);
  lua_setfield(L, -2, "id");
  lua_pushinteger(L, (lua_Integer)span + 1);
  lua_setfield(L, -2, "span");
  lua_pushinteger(L, rec->spans[span].start);
  lua_setfield(L, -2, "start");
  lua_pushinteger(L, rec->spans[span].end);
  lua_setfield(L, -2, "stop");
  if (rec->f[STANCE_F_CONFLICT] != NULL) { /* a version of a merge conflict: get(id, side) */
    lua_pushstring(L, rec->f[STANCE_F_CONFLICT]);
    lua_setfield(L, -2, "conflict");
  }
  lua_rawseti(L, -2, ++q->n);
  return 0;
}

/* query(a, b) -> { {id, span, start, stop}, ... } for spans overlapping [a, b) */
static int s_query(lua_State *L) {
  stance_store *s = check_store(L);
  lua_Integer a = luaL_checkinteger(L, 2), b = luaL_optinteger(L, 3, a);
  query_out q;
  if (a < 0 || b < a || b > 4294967295LL) return luaL_argerror(L, 2, "need 0 <= a <= b < 2^32");
  lua_newtable(L);
  q.L = L;
  q.n = 0;
  if (stance_store_query(s, (uint32_t)a, (uint32_t)b, query_cb, &q) < 0)
    return stance__fail(L, "out of memory", "ENOMEM");
  return 1;
}

typedef struct flat_out {
  lua_State *L;
  int n, base; /* stack index of the ids table; starts and stops follow */
} flat_out;

static int flat_cb(void *ud, stance_rec *rec, uint32_t span) {
  flat_out *q = ud;
  lua_State *L = q->L;
  q->n++;
  lua_pushinteger(L, (lua_Integer)rec->index + 1);
  lua_rawseti(L, q->base, q->n);
  lua_pushinteger(L, rec->spans[span].start);
  lua_rawseti(L, q->base + 1, q->n);
  lua_pushinteger(L, rec->spans[span].end);
  lua_rawseti(L, q->base + 2, q->n);
  return 0;
}

/* spans(a, b) -> n, slots, starts, stops: the same hits as query(), as three flat lists of
 * integers (no table, no string per hit): what a redraw asks for. A slot names a record
 * for as long as the record lives; see at(). */
static int s_spans(lua_State *L) {
  stance_store *s = check_store(L);
  lua_Integer a = luaL_checkinteger(L, 2), b = luaL_optinteger(L, 3, a);
  flat_out q;
  if (a < 0 || b < a || b > 4294967295LL) return luaL_argerror(L, 2, "need 0 <= a <= b < 2^32");
  lua_pushinteger(L, 0);
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  q.L = L;
  q.n = 0;
  q.base = lua_gettop(L) - 2;
  if (stance_store_query(s, (uint32_t)a, (uint32_t)b, flat_cb, &q) < 0)
    return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushinteger(L, q.n);
  lua_replace(L, q.base - 1);
  return 4;
}

/* at(slot) -> the record in that slot, or nil if it was removed */
static int s_at(lua_State *L) {
  stance_store *s = check_store(L);
  lua_Integer i = luaL_checkinteger(L, 2);
  const stance_rec *r = i >= 1 && i <= (lua_Integer)stance_store_slots(s) ? stance_store_at(s, (uint32_t)(i - 1)) : NULL;
  if (r == NULL || r->dead) return 0;
  push_rec(L, r);
  return 1;
}

/* brief(slot) -> id, label, stance, target, role, conflict, spans, last_end | nothing: what
 * drawing an annotation needs (the fields its colors and its label come from, how many
 * spans it has and where its last one ends), without a table of every field: drawing a
 * page of a dense document asked at() for each record, and made its quote, prefix, suffix
 * and note Lua strings to look at three fields. */
static int s_brief(lua_State *L) {
  stance_store *s = check_store(L);
  lua_Integer i = luaL_checkinteger(L, 2);
  static const stance_field fields[] = {STANCE_F_LABEL, STANCE_F_STANCE, STANCE_F_TARGET, STANCE_F_ROLE,
                                        STANCE_F_CONFLICT};
  size_t f;
  const stance_rec *r = i >= 1 && i <= (lua_Integer)stance_store_slots(s) ? stance_store_at(s, (uint32_t)(i - 1)) : NULL;
  if (r == NULL || r->dead) return 0;
  lua_pushstring(L, r->id);
  for (f = 0; f < sizeof fields / sizeof *fields; f++) {
    const char *v = r->f[fields[f]];
    if (v == NULL) lua_pushnil(L);
    else lua_pushstring(L, v);
  }
  lua_pushinteger(L, (lua_Integer)r->nspans);
  if (r->nspans > 0) lua_pushinteger(L, (lua_Integer)r->spans[r->nspans - 1].end);
  else lua_pushnil(L);
  return 8;
}

static int count_cb(void *ud, stance_rec *rec, uint32_t span) {
  (void)ud;
  (void)rec;
  (void)span;
  return 0;
}

/* overlaps(a, b) -> how many spans overlap [a, b) */
static int s_overlaps(lua_State *L) {
  stance_store *s = check_store(L);
  lua_Integer a = luaL_checkinteger(L, 2), b = luaL_optinteger(L, 3, a);
  int n;
  if (a < 0 || b < a || b > 4294967295LL) return luaL_argerror(L, 2, "need 0 <= a <= b < 2^32");
  n = stance_store_query(s, (uint32_t)a, (uint32_t)b, count_cb, NULL);
  if (n < 0) return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushinteger(L, n);
  return 1;
}


/* ---- a view: a snapshot's records read in place (stance_snapview), read-only ------------ */

#define VIEW_MT "stance.store_view"

typedef struct lview {
  stance_snapview *v;
  const char *snap, *key; /* the snapshot and its key, for store() */
  size_t snaplen;
  const char *bytes; /* the file's bytes, for bytes() */
  size_t byteslen;
  void (*release)(void *);
  void (*lend)(void *);
  void *owner; /* of the memory the snapshot is in */
} lview;

void stance__push_store_view(lua_State *L, stance_snapview *v, const char *snap, size_t snaplen, const char *key,
                             void (*release)(void *), void (*lend)(void *), void *owner, const char *bytes,
                             size_t byteslen) {
  lview *lv = lua_newuserdata(L, sizeof *lv);
  lv->v = v;
  lv->snap = snap;
  lv->snaplen = snaplen;
  lv->key = key;
  lv->bytes = bytes;
  lv->byteslen = byteslen;
  lv->release = release;
  lv->lend = lend;
  lv->owner = owner;
  stance__setclass(L, VIEW_MT);
}

static lview *check_view(lua_State *L) {
  lview *lv = luaL_checkudata(L, 1, VIEW_MT);
  if (lv->v == NULL) luaL_argerror(L, 1, "the view is closed");
  return lv;
}

/* The record of slot (1-based), or NULL. */
static const stance_rec *view_rec(const lview *lv, lua_Integer slot) {
  return slot >= 1 && slot <= (lua_Integer)stance_snapview_count(lv->v) ? stance_snapview_at(lv->v, (uint32_t)(slot - 1))
                                                                        : NULL;
}

static int v_close(lua_State *L) {
  lview *lv = luaL_checkudata(L, 1, VIEW_MT);
  if (lv->v == NULL) return 0;
  stance_snapview_free(lv->v);
  lv->v = NULL;
  if (lv->release != NULL) lv->release(lv->owner);
  return 0;
}

typedef const stance_rec *(*rec_at_fn)(const void *src, uint32_t slot);

/* lazy() of the records in `order` (n slots of `src`, whose records at() gives), the source
 * (a store or a view) at index 1 */
static int lazy_kind(lua_State *L) {
  const char *kind = luaL_checkstring(L, 2);
  int want = stance_rec_kind_from_name(kind, strlen(kind));
  if (want < 0) return luaL_argerror(L, 2, "kind should be annotation, relation or doclabel");
  luaL_checkany(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  return want;
}

/* (the arguments checked by lazy_kind, which gave `want`: nothing here raises) The
 * annotations share one metatable made here: the fields of `mt` (at index 4) and the layer and
 * the source (a store or a view, at index 1) as `_layer` and `_store`; each annotation is a
 * table of its `_slot` alone (and the fields read, kept). */
typedef int (*kind_at_fn)(const void *src, uint32_t slot);

static int push_lazy(lua_State *L, int want, const void *src, kind_at_fn kind_at, const uint32_t *order, uint32_t n) {
  uint32_t i, k = 0, mine = 0;
  if (lua_istable(L, 5)) { /* appended to `out` */
    lua_settop(L, 5);
    k = (uint32_t)lua_rawlen(L, 5);
  } else {
    lua_settop(L, 4);
    for (i = 0; i < n; i++)
      if (kind_at(src, order[i]) == want) mine++;
    lua_createtable(L, (int)mine, 0);
  }
  /* 6: the shared metatable */
  lua_createtable(L, 0, 6);
  lua_pushnil(L);
  while (lua_next(L, 4) != 0) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, 6);
  }
  lua_pushliteral(L, "_layer");
  lua_pushvalue(L, 3);
  lua_rawset(L, 6);
  lua_pushliteral(L, "_store");
  lua_pushvalue(L, 1);
  lua_rawset(L, 6);
  lua_pushliteral(L, "_slot"); /* 7: the key made once */
  for (i = 0; i < n; i++) {
    if (kind_at(src, order[i]) != want) continue;
    lua_createtable(L, 0, 2); /* and one field cached without a rehash */
    lua_pushvalue(L, 7);
    lua_pushinteger(L, (lua_Integer)order[i] + 1);
    lua_rawset(L, -3);
    lua_pushvalue(L, 6);
    lua_setmetatable(L, -2);
    lua_rawseti(L, 5, (int)++k);
  }
  lua_settop(L, 5);
  return 1;
}

static const stance_rec *store_rec(const void *src, uint32_t slot) { return stance_store_at(src, slot); }
static int store_kind(const void *src, uint32_t slot) { return (int)stance_store_at(src, slot)->kind; }

/* The kind asked for at index 2 of records([kind]) (-1: every one). */
static int records_kind(lua_State *L) {
  const char *kind = luaL_optstring(L, 2, NULL);
  int want = kind ? stance_rec_kind_from_name(kind, strlen(kind)) : -1;
  if (kind && want < 0) return luaL_argerror(L, 2, "kind should be annotation, relation or doclabel");
  return want;
}

/* records() of the slots in `order` (n of them) whose records at() gives */
static void push_records(lua_State *L, int want, const void *src, rec_at_fn at, const uint32_t *order, uint32_t n) {
  uint32_t i, k = 0;
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    const stance_rec *r = at(src, order[i]);
    if (r == NULL || (want >= 0 && (int)r->kind != want)) continue;
    push_rec(L, r);
    lua_rawseti(L, -2, (int)++k);
  }
}

/* records([kind]) -> records in the order of the file */
static int s_records(lua_State *L) {
  stance_store *s = check_store(L);
  int want = records_kind(L);
  uint32_t n, *order = stance_store_sorted(s, &n);
  if (order == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  push_records(L, want, s, store_rec, order, n);
  free(order);
  return 1;
}

/* lazy(kind, layer, mt[, out]) -> the records of `kind` in the order of the file (appended
 * to the list `out` when given, which is returned), each as a small table { _slot = its
 * slot } whose metatable has the fields of `mt` and _layer = layer, _store = this store:
 * what a script's annotations are before their fields are asked for (see field()). Nothing
 * of the record is copied: a store lent out this way must not change under them (a layer
 * copies it before its first change, see copy()). */
static int s_lazy(lua_State *L) {
  stance_store *s = check_store(L);
  int want = lazy_kind(L);
  uint32_t n, *order = stance_store_sorted(s, &n);
  if (order == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  push_lazy(L, want, s, store_kind, order, n);
  free(order);
  return 1;
}

/* (a view decodes the record asked for into the one it keeps: not a change of what it reads) */
static const stance_rec *view_at(const void *src, uint32_t slot) { return stance_snapview_at((stance_snapview *)src, slot); }
static int view_kind(const void *src, uint32_t slot) { return stance_snapview_kind(src, slot); }

/* view:lazy(kind, layer, mt[, out]): as store:lazy() (the view is never changed) */
static int v_lazy(lua_State *L) {
  lview *lv = check_view(L);
  int want = lazy_kind(L);
  return push_lazy(L, want, lv->v, view_kind, stance_snapview_order(lv->v), stance_snapview_count(lv->v));
}

/* The annotations of the view at index `view` (a stance.store_view) of kind `want`, appended
 * to the list at `out`, as view:lazy(kind, layer, mt, out) makes them, the fields of `mt` given
 * as `npairs` keys and values at mt, mt + 1, ... (every index absolute; see lcore.h): the
 * number appended. */
int stance__push_view_annotations(lua_State *L, int view, int want, int layer, int mt, int npairs, int out,
                                  const int keys[3]) {
  lview *lv = lua_touserdata(L, view);
  const uint32_t *order;
  uint32_t i, n, k;
  int added = 0, meta, top, j;
  if (lv == NULL || lv->v == NULL) return 0;
  order = stance_snapview_order(lv->v);
  n = stance_snapview_count(lv->v);
  k = (uint32_t)lua_rawlen(L, out);
  lua_createtable(L, 0, npairs + 2); /* the layer's metatable */
  meta = lua_gettop(L);
  for (j = 0; j < npairs; j++) {
    lua_pushvalue(L, mt + 2 * j);
    lua_pushvalue(L, mt + 2 * j + 1);
    lua_rawset(L, meta);
  }
  lua_pushvalue(L, keys[0]); /* "_layer" */
  lua_pushvalue(L, layer);
  lua_rawset(L, meta);
  lua_pushvalue(L, keys[1]); /* "_store" */
  lua_pushvalue(L, view);
  lua_rawset(L, meta);
  top = lua_gettop(L);
  for (i = 0; i < n; i++) {
    if (stance_snapview_kind(lv->v, order[i]) != want) continue;
    lua_createtable(L, 0, 2); /* and one field cached without a rehash */
    lua_pushvalue(L, keys[2]); /* "_slot" */
    lua_pushinteger(L, (lua_Integer)order[i] + 1);
    lua_rawset(L, top + 1);
    lua_pushvalue(L, meta);
    lua_setmetatable(L, top + 1);
    lua_rawseti(L, out, (lua_Integer)++k);
    added++;
  }
  lua_settop(L, meta - 1);
  return added;
}

/* Header h of the store view at index i (not NUL-terminated: *len bytes), or NULL (none, or
 * not a view). */
const char *stance__view_header(lua_State *L, int i, int h, size_t *len) {
  lview *lv = luaL_testudata(L, i, VIEW_MT);
  if (lv == NULL || lv->v == NULL) return NULL;
  return stance_snapview_header(lv->v, (stance_header)h, len);
}

/* view:at(slot) -> the record as store:at() gives it */
static int v_at(lua_State *L) {
  const stance_rec *r = view_rec(check_view(L), luaL_checkinteger(L, 2));
  if (r == NULL) return 0;
  push_rec(L, r);
  return 1;
}

/* view:records([kind]) -> as store:records() */
static int v_records(lua_State *L) {
  lview *lv = check_view(L);
  push_records(L, records_kind(L), lv->v, view_at, stance_snapview_order(lv->v), stance_snapview_count(lv->v));
  return 1;
}

static const char *const header_names[] = {"document", "hash", "annotator", "status", NULL};

/* view:header(name) -> that header's value, or nil; view:header() -> {name = value} (as a store's) */
static int v_header(lua_State *L) {
  lview *lv = check_view(L);
  size_t len = 0;
  const char *value;
  int h;
  if (lua_isnoneornil(L, 2)) {
    lua_createtable(L, 0, STANCE_H_COUNT);
    for (h = 0; h < STANCE_H_COUNT; h++) {
      if ((value = stance_snapview_header(lv->v, (stance_header)h, &len)) == NULL) continue;
      lua_pushlstring(L, value, len);
      lua_setfield(L, -2, header_names[h]);
    }
    return 1;
  }
  value = stance_snapview_header(lv->v, (stance_header)luaL_checkoption(L, 2, NULL, header_names), &len);
  if (value == NULL) return 0;
  lua_pushlstring(L, value, len);
  return 1;
}

/* view:count(kind) -> how many records of that kind (as a store's) */
static int v_count(lua_State *L) {
  lview *lv = check_view(L);
  const char *kind = luaL_optstring(L, 2, "annotation");
  int want = stance_rec_kind_from_name(kind, strlen(kind));
  uint32_t i, n = stance_snapview_count(lv->v), k = 0;
  if (want < 0) return luaL_argerror(L, 2, "kind should be annotation, relation or doclabel");
  for (i = 0; i < n; i++)
    if (stance_snapview_kind(lv->v, i) == want) k++;
  lua_pushinteger(L, (lua_Integer)k);
  return 1;
}

/* view:bytes() -> the bytes of the file the view was made from (core.read_file's third
 * result), lent from the memory the view reads: they outlive the view */
static int v_bytes(lua_State *L) {
  lview *lv = check_view(L);
  if (lv->bytes == NULL) return 0;
  if (lv->lend == NULL) { /* (memory the view cannot lend: a copy) */
    char *copy = malloc(lv->byteslen + 1);
    if (copy == NULL) return stance__fail(L, "out of memory", "ENOMEM");
    memcpy(copy, lv->bytes, lv->byteslen);
    copy[lv->byteslen] = '\0';
    stance__push_bytes(L, copy, lv->byteslen);
    return 1;
  }
  stance__push_lent_bytes(L, lv->bytes, lv->byteslen, lv->release, lv->owner);
  lv->lend(lv->owner);
  return 1;
}

/* view:store() -> a store of its own loaded from the snapshot (to change) | nil, why, code */
static int v_store(lua_State *L) {
  lview *lv = check_view(L);
  const char *why = NULL;
  stance_store *s = stance_store_from_snapshot(lv->snap, lv->snaplen, lv->key, &why);
  if (s == NULL) return stance__fail(L, why ? why : "damaged", why && strcmp(why, "memory") == 0 ? "ENOMEM" : "EDAMAGED");
  stance__push_store(L, s);
  return 1;
}

static int v_tostring(lua_State *L) {
  lview *lv = luaL_checkudata(L, 1, VIEW_MT);
  if (lv->v == NULL) {
    lua_pushliteral(L, "stance.store_view (closed)");
  } else {
    lua_pushfstring(L, "stance.store_view (%d records)", (int)stance_snapview_count(lv->v));
  }
  return 1;
}

/* What a lazy annotation's key (or field()'s name) is: a field of the format (its
 * stance_field), or one of these. */
enum {
  LK_ID = STANCE_F_COUNT, LK_KIND, LK_SPANS, LK_START, LK_STOP, LK_LINE, LK_SLOT, LK_ORPHAN, LK_TOUCHED, LK_EXTRAS,
  LK_COMMENTS, LK_INNER,
  LK_REC_END, /* (those before are a record's; those after a lazy annotation's own) */
  LK_ANNOTATOR = LK_REC_END, LK_DOCUMENT, LK_LAYER, LK_STORE, LK_END
};
static const char *const lk_names[LK_END - STANCE_F_COUNT] = {
    "id", "kind", "spans", "start", "stop", "line", "slot", "orphan", "touched", "extras", "comments", "inner",
    "annotator", "document", "_layer", "_store"};

/* The code of `name` among a record's (a field, or LK_ID to LK_INNER), or -1. */
static int rec_code(const char *name) {
  int c;
  for (c = 0; c < STANCE_F_COUNT; c++)
    if (strcmp(name, stance_field_name((stance_field)c)) == 0) return c;
  for (c = STANCE_F_COUNT; c < LK_REC_END; c++)
    if (strcmp(name, lk_names[c - STANCE_F_COUNT]) == 0) return c;
  return -1;
}

/* The value of what `code` (rec_code) names of record `r` as records() gives it: (kind, id,
 * spans, line, slot, orphan, touched, extras, comments, inner, or a field of the format),
 * and start and stop (the first span's start, the last one's end); nothing when it has none
 * or there is no record. */
static int push_rec_code(lua_State *L, const stance_rec *r, int code) {
  if (r == NULL || r->dead || code < 0) return 0;
  if (code < STANCE_F_COUNT) {
    if (r->f[code] == NULL) return 0;
    lua_pushstring(L, r->f[code]);
    return 1;
  }
  switch (code) {
  case LK_ID:
    lua_pushstring(L, r->id);
    return 1;
  case LK_KIND:
    lua_pushstring(L, stance_rec_kind_name(r->kind));
    return 1;
  case LK_SPANS:
    if (r->kind != STANCE_REC_ANNOTATION) return 0;
    push_spans(L, r);
    return 1;
  case LK_START:
    if (r->kind != STANCE_REC_ANNOTATION || r->nspans == 0) return 0;
    lua_pushinteger(L, r->spans[0].start);
    return 1;
  case LK_STOP:
    if (r->kind != STANCE_REC_ANNOTATION || r->nspans == 0) return 0;
    lua_pushinteger(L, r->spans[r->nspans - 1].end);
    return 1;
  case LK_LINE:
    if (!r->line) return 0;
    lua_pushinteger(L, r->line);
    return 1;
  case LK_SLOT:
    lua_pushinteger(L, (lua_Integer)r->index + 1);
    return 1;
  case LK_ORPHAN:
  case LK_TOUCHED:
    if (!(code == LK_ORPHAN ? r->orphan : r->touched)) return 0;
    lua_pushboolean(L, 1);
    return 1;
  case LK_EXTRAS:
  case LK_COMMENTS:
  case LK_INNER: {
    const char *v = code == LK_EXTRAS ? r->extras : code == LK_COMMENTS ? r->comments : r->inner;
    if (v == NULL) return 0;
    lua_pushstring(L, v);
    return 1;
  }
  default:
    return 0;
  }
}

/* field(slot, name) -> the value of field `name` of the record in `slot` (push_rec_code); nil
 * when it has none or the slot holds no record. */
static int push_rec_field(lua_State *L, const stance_rec *r, const char *name) {
  return push_rec_code(L, r, rec_code(name));
}

static int push_field(lua_State *L, stance_store *s, lua_Integer slot, const char *name) {
  return push_rec_field(L,
                        slot >= 1 && slot <= (lua_Integer)stance_store_slots(s) ? stance_store_at(s, (uint32_t)(slot - 1))
                                                                                : NULL,
                        name);
}

static int s_field(lua_State *L) {
  stance_store *s = check_store(L);
  lua_Integer slot = luaL_checkinteger(L, 2);
  return push_field(L, s, slot, luaL_checkstring(L, 3));
}

/* The __index of lazy annotations (see lazy()): a method of the table in upvalue 1 (for a
 * key that names no field); the annotator and the document from the layer (its `annotator`,
 * its `doc.path`); `_layer` and `_store` from the annotation's metatable; any other string
 * key a field of the record (push_rec_code), kept in the table once read. What a key is
 * comes from the table in upvalue 7 (a key's code: one lookup of the interned string, no
 * comparison of names). */
static int lazy_index(lua_State *L) {
  int n = 0, code;
  lua_settop(L, 2);
  /* a field's code first (the names of fields are never the methods': a script's read of a
   * field looks up no method), else a method or nothing */
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(7));
  if (lua_type(L, 3) != LUA_TNUMBER) {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
  }
  code = (int)lua_tointeger(L, 3);
  lua_settop(L, 2);
  if (!lua_getmetatable(L, 1)) return 0; /* 3 */
  if (code == LK_LAYER || code == LK_STORE) {
    lua_pushvalue(L, 2);
    lua_rawget(L, 3);
    return 1;
  }
  if (code == LK_ANNOTATOR || code == LK_DOCUMENT) {
    lua_pushvalue(L, lua_upvalueindex(2)); /* "_layer" */
    lua_rawget(L, 3);
    if (!lua_istable(L, -1)) return 0;
    if (code == LK_ANNOTATOR) {
      lua_getfield(L, -1, "annotator");
    } else {
      lua_getfield(L, -1, "doc");
      if (!lua_istable(L, -1)) return 0;
      lua_getfield(L, -1, "path");
    }
    n = !lua_isnil(L, -1);
  } else {
    lstore *ls = NULL;
    lview *lv = NULL;
    lua_Integer slot;
    lua_pushvalue(L, lua_upvalueindex(3)); /* "_store" */
    lua_rawget(L, 3);
    /* a view or a store: their metatables are in upvalues 6 and 5 (no lookup by name each time) */
    if (lua_getmetatable(L, -1)) {
      if (lua_rawequal(L, -1, lua_upvalueindex(6)))
        lv = lua_touserdata(L, -2);
      else if (lua_rawequal(L, -1, lua_upvalueindex(5)))
        ls = lua_touserdata(L, -2);
    }
    lua_settop(L, 3);
    lua_pushvalue(L, lua_upvalueindex(4)); /* "_slot" */
    lua_rawget(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) return 0;
    slot = lua_tointeger(L, -1);
    if (lv != NULL && lv->v != NULL && (code < STANCE_F_COUNT || code == LK_ID)) {
      /* (a script's usual read: one string of a record of a view, found without decoding the others) */
      size_t len = 0;
      const char *str = slot >= 1 && slot <= (lua_Integer)stance_snapview_count(lv->v)
                            ? stance_snapview_string(lv->v, (uint32_t)(slot - 1), code == LK_ID ? -1 : code, &len)
                            : NULL;
      if (str == NULL) return 0;
      lua_pushlstring(L, str, len);
      n = 1;
    } else if (ls != NULL && ls->s != NULL)
      n = push_rec_code(L, slot >= 1 && slot <= (lua_Integer)stance_store_slots(ls->s)
                               ? stance_store_at(ls->s, (uint32_t)(slot - 1))
                               : NULL,
                        code);
    else if (lv != NULL && lv->v != NULL)
      n = push_rec_code(L, view_rec(lv, slot), code);
    else
      return 0;
  }
  if (n == 0) return 0;
  lua_pushvalue(L, 2);
  lua_pushvalue(L, -2);
  lua_rawset(L, 1);
  return 1;
}

/* lazy_index(methods) -> the __index function of lazy annotations whose methods are in the
 * table `methods` */
static int l_lazy_index(lua_State *L) {
  int c;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushliteral(L, "_layer");
  lua_pushliteral(L, "_store");
  lua_pushliteral(L, "_slot");
  stance__getclass(L, STORE_MT);
  stance__getclass(L, VIEW_MT);
  lua_createtable(L, 0, LK_END);
  for (c = 0; c < LK_END; c++) {
    lua_pushinteger(L, c);
    lua_setfield(L, -2, c < STANCE_F_COUNT ? stance_field_name((stance_field)c) : lk_names[c - STANCE_F_COUNT]);
  }
  lua_pushcclosure(L, lazy_index, 7);
  return 1;
}

/* copy() -> a store of its own with the same content (headers, records, marks) */
static int s_copy(lua_State *L) {
  stance_store *s = check_store(L), *c;
  const char *why = NULL;
  stance_buf b;
  stance_buf_init(&b);
  if (stance_store_snapshot(s, "copy", &b) != STANCE_OK) {
    stance_buf_free(&b);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  c = stance_store_from_snapshot(b.data, b.len, "copy", &why);
  stance_buf_free(&b);
  if (c == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  stance__push_store(L, c);
  return 1;
}

/* slots() -> how many record slots the store has (removed ones included: at() gives nil) */
static int s_slots(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_store_slots(check_store(L)));
  return 1;
}

/* slot_of(id[, side]) -> the slot of record `id` (side: that version of a merge conflict), or nil */
static int s_slot_of(lua_State *L) {
  const stance_rec *r = rec_arg(L, check_store(L));
  if (r == NULL || r->dead) return 0;
  lua_pushinteger(L, (lua_Integer)r->index + 1);
  return 1;
}

static const stance_rec *rec_of_slot(const stance_store *s, lua_Integer i) {
  const stance_rec *r = i >= 1 && i <= (lua_Integer)stance_store_slots(s) ? stance_store_at(s, (uint32_t)(i - 1)) : NULL;
  return r == NULL || r->dead ? NULL : r;
}

static int same_str(const char *a, const char *b) { return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0); }

/* same(slot, other, other_slot) -> whether the two records say the same thing: kind, ID,
 * fields, spans, unknown attributes and comments (their place in the file and the editor's
 * marks aside); what stance.merge compares, without a table of either */
static int s_same(lua_State *L) {
  const stance_rec *a = rec_of_slot(check_store(L), luaL_checkinteger(L, 2));
  const stance_rec *b = rec_of_slot(stance__check_store(L, 3), luaL_checkinteger(L, 4));
  int f, same;
  if (a == NULL || b == NULL) return luaL_error(L, "same(): no record in that slot");
  same = a->kind == b->kind && same_str(a->id, b->id) && a->nspans == b->nspans &&
         same_str(a->extras, b->extras) && same_str(a->comments, b->comments) && same_str(a->inner, b->inner);
  for (f = 0; same && f < STANCE_F_COUNT; f++) same = same_str(a->f[f], b->f[f]);
  if (same && a->nspans > 0) same = memcmp(a->spans, b->spans, a->nspans * sizeof *a->spans) == 0;
  lua_pushboolean(L, same);
  return 1;
}

/* add_from(other, slot[, conflict]) -> true | nil, err, code: a copy of the record in that
 * slot of `other` (a conflict side given: marked so; false: unmarked), without its place in
 * the file or the editor's marks */
static int s_add_from(lua_State *L) {
  stance_store *s = check_store(L);
  const stance_rec *src = rec_of_slot(stance__check_store(L, 2), luaL_checkinteger(L, 3));
  stance_rec r;
  int rc;
  if (src == NULL) return luaL_error(L, "add_from(): no record in that slot");
  r = *src;
  r.line = 0;
  r.orphan = r.touched = 0;
  r.dead = 0;
  if (lua_type(L, 4) == LUA_TSTRING) r.f[STANCE_F_CONFLICT] = (char *)lua_tostring(L, 4);
  else if (lua_type(L, 4) == LUA_TBOOLEAN && !lua_toboolean(L, 4)) r.f[STANCE_F_CONFLICT] = NULL;
  rc = stance_store_add(s, &r, NULL);
  if (rc != STANCE_OK) return fail_code(L, rc, r.id);
  lua_pushboolean(L, 1);
  return 1;
}

static const char *const kept_names[] = {"head", "doc_comments", "doc_extras", "doc_inner", "tail", NULL};

/* kept() -> { head =, doc_comments =, doc_extras =, doc_inner =, tail = }: the file's text
 * kept as written (comments before `format`, before and inside `document`, the document's
 * attributes stance does not know, comments after the last record); absent when none */
static int s_kept(lua_State *L) {
  stance_store *s = check_store(L);
  int t;
  lua_createtable(L, 0, STANCE_T_COUNT);
  for (t = 0; t < STANCE_T_COUNT; t++) set_str(L, kept_names[t], stance_store_get_text(s, (stance_kept)t));
  return 1;
}

/* Whether `v` is whole lines ("...\n" each, no carriage return, none empty), each a
 * comment ("#...") when `comments`, else each an attribute (a name starts with a lowercase
 * letter) or a `  |` line going on from one (as the reader keeps a document's unknown
 * attributes) */
static int kept_lines(const char *v, int comments) {
  while (*v != '\0') {
    const char *nl = strchr(v, '\n');
    if (nl == NULL || nl == v || memchr(v, '\r', (size_t)(nl - v)) != NULL) return 0;
    if (comments ? *v != '#' : !((*v >= 'a' && *v <= 'z') || strncmp(v, "  |", 3) == 0)) return 0;
    v = nl + 1;
  }
  return 1;
}

/* set_kept(name, value|nil) -> true: one of kept()'s texts (whole lines as kept() gives
 * them; anything else is an error, so that the file written reads back as the same) */
static int s_set_kept(lua_State *L) {
  stance_store *s = check_store(L);
  int t = luaL_checkoption(L, 2, NULL, kept_names);
  const char *v = luaL_optstring(L, 3, NULL);
  if (v != NULL && *v == '\0') v = NULL;
  if (v != NULL && (!kept_lines(v, t != STANCE_T_DOC_EXTRAS) || (t == STANCE_T_DOC_EXTRAS && strncmp(v, "  |", 3) == 0)))
    return luaL_argerror(L, 3, "not lines as kept() gives them");
  if (stance_store_set_text(s, (stance_kept)t, v) != STANCE_OK) return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushboolean(L, 1);
  return 1;
}

/* find{ field = value, ... } -> records matching every given field */
static int s_find(lua_State *L) {
  stance_store *s = check_store(L);
  const char *want[STANCE_F_COUNT];
  int f, kind = -1, k = 0;
  uint32_t n, i, *order;
  luaL_checktype(L, 2, LUA_TTABLE);
  for (f = 0; f < STANCE_F_COUNT; f++) {
    lua_getfield(L, 2, stance_field_name((stance_field)f));
    want[f] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  lua_getfield(L, 2, "kind");
  if (!lua_isnil(L, -1)) {
    kind = stance_rec_kind_from_name(luaL_checkstring(L, -1), lua_rawlen(L, -1));
    if (kind < 0) return luaL_argerror(L, 2, "kind should be annotation, relation or doclabel");
  }
  lua_pop(L, 1);
  order = stance_store_sorted(s, &n);
  if (order == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  lua_newtable(L);
  for (i = 0; i < n; i++) {
    const stance_rec *r = stance_store_at(s, order[i]);
    int ok = kind < 0 || (int)r->kind == kind;
    for (f = 0; ok && f < STANCE_F_COUNT; f++)
      if (want[f] != NULL && (r->f[f] == NULL || strcmp(r->f[f], want[f]) != 0)) ok = 0;
    if (!ok) continue;
    push_rec(L, r);
    lua_rawseti(L, -2, ++k);
  }
  free(order);
  return 1;
}

static int s_count(lua_State *L) {
  stance_store *s = check_store(L);
  const char *kind = luaL_optstring(L, 2, "annotation");
  int k = stance_rec_kind_from_name(kind, strlen(kind));
  if (k < 0) return luaL_argerror(L, 2, "kind should be annotation, relation or doclabel");
  lua_pushinteger(L, stance_store_count(s, (stance_rec_kind)k));
  return 1;
}

/* orphans() -> how many annotations could not be placed in the text */
static int s_orphans(lua_State *L) {
  stance_store *s = check_store(L);
  uint32_t i, slots = stance_store_slots(s), n = 0;
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    if (!r->dead && r->orphan && r->kind == STANCE_REC_ANNOTATION) n++;
  }
  lua_pushinteger(L, n);
  return 1;
}

/* The distinct values of a field and their counts, counted in C (a Lua table per record
 * would cost a string interning each): open addressing on the values' FNV-1a hashes. */
typedef struct tally_slot {
  const char *v;
  uint32_t hash, count;
} tally_slot;

static uint32_t fnv1a(const char *v) {
  uint32_t h = 2166136261u;
  for (; *v; v++) h = (h ^ (unsigned char)*v) * 16777619u;
  return h;
}

/* tally(field[, kind]) -> { value = count, ... }, plus [""] for records without the field,
 * and for annotations `orphans` and `conflicts` (versions marked `conflict ours`): how many
 * records of `kind` (default "annotation") have each value of `field`. */
static int s_tally(lua_State *L) {
  stance_store *s = check_store(L);
  const char *field = luaL_checkstring(L, 2), *kind = luaL_optstring(L, 3, "annotation");
  int f = stance_field_from_name(field, strlen(field)), k = stance_rec_kind_from_name(kind, strlen(kind));
  uint32_t i, slots = stance_store_slots(s), orphans = 0, conflicts = 0, used = 0, cap = 16;
  tally_slot *t;
  int at;
  if (f < 0) return luaL_argerror(L, 2, "unknown field");
  if (k < 0) return luaL_argerror(L, 3, "kind should be annotation, relation or doclabel");
  /* the table of counts lives in a userdata (on the stack at `at`): nothing leaks on an error */
  t = memset(lua_newuserdata(L, cap * sizeof *t), 0, cap * sizeof *t);
  at = lua_gettop(L);
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    const char *v;
    uint32_t h, j;
    if (r->dead || r->kind != (stance_rec_kind)k) continue;
    if (r->orphan) orphans++;
    if (r->f[STANCE_F_CONFLICT] && strcmp(r->f[STANCE_F_CONFLICT], "ours") == 0) conflicts++;
    v = r->f[f] ? r->f[f] : "";
    h = fnv1a(v);
    for (j = h & (cap - 1); t[j].v != NULL; j = (j + 1) & (cap - 1))
      if (t[j].hash == h && strcmp(t[j].v, v) == 0) break;
    if (t[j].v == NULL) {
      t[j].v = v;
      t[j].hash = h;
      if (++used * 2 > cap) { /* grow: keep it at most half full */
        uint32_t ncap = cap * 2, a;
        tally_slot *nt;
        if (ncap > (1u << 28)) return stance__fail(L, "out of memory", "ENOMEM"); /* 4 GB of slots */
        nt = memset(lua_newuserdata(L, ncap * sizeof *nt), 0, ncap * sizeof *nt);
        lua_replace(L, at);
        t[j].count++;
        for (a = 0; a < cap; a++) {
          uint32_t b;
          if (t[a].v == NULL) continue;
          for (b = t[a].hash & (ncap - 1); nt[b].v != NULL; b = (b + 1) & (ncap - 1)) {
          }
          nt[b] = t[a];
        }
        t = nt;
        cap = ncap;
        continue;
      }
    }
    t[j].count++;
  }
  lua_createtable(L, 0, (int)used + 2);
  for (i = 0; i < cap; i++) {
    if (t[i].v == NULL) continue;
    lua_pushinteger(L, t[i].count);
    lua_setfield(L, -2, t[i].v);
  }
  if (k == STANCE_REC_ANNOTATION) {
    lua_pushinteger(L, orphans);
    lua_setfield(L, -2, "orphans");
    lua_pushinteger(L, conflicts);
    lua_setfield(L, -2, "conflicts");
  }
  return 1;
}

static int s_header(lua_State *L) {
  stance_store *s = check_store(L);
  int h;
  if (!lua_isnoneornil(L, 2)) { /* header(name) -> that header's value, or nil */
    const char *value = stance_store_get_header(s, (stance_header)luaL_checkoption(L, 2, NULL, header_names));
    if (value == NULL) return 0;
    lua_pushstring(L, value);
    return 1;
  }
  lua_createtable(L, 0, STANCE_H_COUNT);
  for (h = 0; h < STANCE_H_COUNT; h++)
    set_str(L, stance_header_name((stance_header)h), stance_store_get_header(s, (stance_header)h));
  return 1;
}

static int s_set_header(lua_State *L) {
  stance_store *s = check_store(L);
  int h = luaL_checkoption(L, 2, NULL, header_names);
  const char *v = luaL_optstring(L, 3, NULL);
  if (stance_store_set_header(s, (stance_header)h, v) != STANCE_OK)
    return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushboolean(L, 1);
  return 1;
}

static int s_write(lua_State *L) {
  stance_store *s = check_store(L);
  stance_buf b;
  stance_buf_init(&b);
  if (stance_write(s, &b) != STANCE_OK) {
    stance_buf_free(&b);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  lua_pushlstring(L, b.data, b.len);
  stance_buf_free(&b);
  return 1;
}

static void push_ranges(lua_State *L, const stance_range *r, uint32_t n) {
  uint32_t i;
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, r[i].start);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, r[i].end);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

typedef struct shift_out {
  lua_State *L;
  int t, n;
} shift_out;

static void shift_cb(void *ud, const stance_rec *r, const stance_range *before) {
  shift_out *o = ud;
  lua_State *L = o->L;
  lua_createtable(L, 0, 4);
  lua_pushstring(L, r->id);
  lua_setfield(L, -2, "id");
  lua_pushinteger(L, (lua_Integer)r->index + 1);
  lua_setfield(L, -2, "slot");
  push_ranges(L, before, r->nspans);
  lua_setfield(L, -2, "before");
  push_ranges(L, r->spans, r->nspans);
  lua_setfield(L, -2, "after");
  lua_rawseti(L, o->t, ++o->n);
}

/* shift(pos, old_end, new_end[, context[, details]]) -> n[, { {id, slot, before, after},
 * ... }]: bytes [pos, old_end) of the text became [pos, new_end); see stance_store_shift. */
static int s_shift(lua_State *L) {
  stance_store *s = check_store(L);
  lua_Integer pos = luaL_checkinteger(L, 2), old_end = luaL_checkinteger(L, 3);
  lua_Integer new_end = luaL_checkinteger(L, 4), context = luaL_optinteger(L, 5, 0);
  int details = lua_toboolean(L, 6), rc;
  shift_out o;
  if (pos < 0 || old_end < pos || new_end < pos || old_end > 4294967295LL || new_end > 4294967295LL ||
      context < 0)
    return luaL_argerror(L, 2, "need 0 <= pos <= old_end, new_end < 2^32");
  o.L = L;
  o.n = 0;
  if (details) lua_newtable(L);
  o.t = lua_gettop(L);
  rc = stance_store_shift(s, (uint32_t)pos, (uint32_t)old_end, (uint32_t)new_end, (uint32_t)context,
                          details ? shift_cb : NULL, &o);
  if (rc < 0) return fail_code(L, rc, "shift");
  lua_pushinteger(L, rc);
  if (details) {
    lua_insert(L, -2);
    return 2;
  }
  return 1;
}

/* marked("orphan"|"touched") -> how many annotations have that mark (touched: placed
 * elsewhere than the file said, not written yet; an orphan is not counted as touched). */
static int s_marked(lua_State *L) {
  stance_store *s = check_store(L);
  static const char *const what[] = {"orphan", "touched", NULL};
  int w = luaL_checkoption(L, 2, NULL, what);
  uint32_t i, slots = stance_store_slots(s), n = 0;
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    if (r->dead || r->kind != STANCE_REC_ANNOTATION) continue;
    if (w == 0 ? r->orphan != 0 : (r->touched && !r->orphan)) n++;
  }
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* mark(id, "orphan"|"touched", on): the editor's marks on an annotation. */
static int s_mark(lua_State *L) {
  stance_store *s = check_store(L);
  const char *id = luaL_checkstring(L, 2);
  static const char *const what[] = {"orphan", "touched", NULL};
  int w = luaL_checkoption(L, 3, NULL, what), on = lua_toboolean(L, 4), rc = STANCE_OK;
  stance_rec *r = stance_store_get(s, id);
  if (r == NULL) return fail_code(L, STANCE_ENOENT, id);
  if (w == 0)
    rc = stance_store_set_orphan(s, id, on);
  else
    r->touched = on != 0;
  if (rc != STANCE_OK) return fail_code(L, rc, id);
  lua_pushboolean(L, 1);
  return 1;
}

/* snapshot(key) -> the store saved as it is (snapshot.h), to load without parsing */
static int s_snapshot(lua_State *L) {
  stance_store *s = check_store(L);
  const char *key = luaL_checkstring(L, 2);
  stance_buf b;
  stance_buf_init(&b);
  if (stance_store_snapshot(s, key, &b) != STANCE_OK) {
    stance_buf_free(&b);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  lua_pushlstring(L, b.data, b.len);
  stance_buf_free(&b);
  return 1;
}

/* from_snapshot(data, key) -> store | nil, why ("stale", "damaged"), code */
static int l_from_snapshot(lua_State *L) {
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  const char *key = luaL_checkstring(L, 2);
  const char *why = NULL;
  stance_store *s = stance_store_from_snapshot(data, len, key, &why);
  if (s == NULL) return stance__fail(L, why ? why : "damaged", why && strcmp(why, "memory") == 0 ? "ENOMEM" : "ESNAPSHOT");
  stance__push_store(L, s);
  return 1;
}

static int s_memory(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_store_memory(check_store(L)));
  return 1;
}

static int s_close(lua_State *L) {
  lstore *ls = luaL_checkudata(L, 1, STORE_MT);
  stance_store_free(ls->s);
  ls->s = NULL;
  return 0;
}

static int s_tostring(lua_State *L) {
  lstore *ls = luaL_checkudata(L, 1, STORE_MT);
  if (ls->s == NULL)
    lua_pushstring(L, "stance.store (closed)");
  else
    lua_pushfstring(L, "stance.store (%d annotations)",
                    (int)stance_store_count(ls->s, STANCE_REC_ANNOTATION));
  return 1;
}

/* ---- reading ------------------------------------------------------------------------- */

void stance__push_problems(lua_State *L, const stance_problems *p) {
  size_t i;
  lua_createtable(L, (int)p->n, 0);
  for (i = 0; i < p->n; i++) {
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, p->items[i].line);
    lua_setfield(L, -2, "line");
    lua_pushinteger(L, p->items[i].col);
    lua_setfield(L, -2, "col");
    lua_pushstring(L, p->items[i].severity == STANCE_SEV_ERROR ? "error" : "warning");
    lua_setfield(L, -2, "severity");
    lua_pushstring(L, p->items[i].message);
    lua_setfield(L, -2, "message");
    lua_rawseti(L, -2, (int)i + 1);
  }
}

/* opts.vocab = { label = {...}, target = {...}, stance = {...}, role = {...}, type = {...},
 *                attribute = {...} (attributes the schema declares) } */
#define VOCAB_MT "stance.vocab"

/* A vocabulary from the table at index t (see stance.schema.vocab), owned by the caller. */
static stance_vocab *vocab_from_table(lua_State *L, int t) {
  static const stance_field fields[] = {STANCE_F_LABEL, STANCE_F_TARGET, STANCE_F_STANCE,
                                        STANCE_F_ROLE, STANCE_F_TYPE};
  stance_vocab *v;
  size_t k;
  t = lua_absindex(L, t);
  luaL_checktype(L, t, LUA_TTABLE);
  v = stance_vocab_new();
  if (v == NULL) luaL_error(L, "out of memory");
  for (k = 0; k < sizeof fields / sizeof fields[0]; k++) {
    int i, n;
    lua_getfield(L, t, stance_field_name(fields[k]));
    if (lua_istable(L, -1)) {
      n = (int)lua_rawlen(L, -1);
      for (i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) == LUA_TSTRING && stance_vocab_add(v, fields[k], lua_tostring(L, -1)) != 0) {
          stance_vocab_free(v);
          luaL_error(L, "out of memory");
        }
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  lua_getfield(L, t, "attribute");
  if (lua_istable(L, -1)) {
    int i, n = (int)lua_rawlen(L, -1);
    for (i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, i);
      if (lua_type(L, -1) == LUA_TSTRING && stance_vocab_add_attribute(v, lua_tostring(L, -1)) != 0) {
        stance_vocab_free(v);
        luaL_error(L, "out of memory");
      }
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return v;
}

stance_vocab *stance__read_vocab(lua_State *L, int opts, int *owned) {
  stance_vocab **ud, *v;
  *owned = 0;
  if (lua_isnoneornil(L, opts)) return NULL;
  luaL_checktype(L, opts, LUA_TTABLE);
  lua_getfield(L, opts, "vocab");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  if ((ud = luaL_testudata(L, -1, VOCAB_MT)) != NULL) {
    lua_pop(L, 1); /* the opts table keeps it */
    return *ud;
  }
  v = vocab_from_table(L, -1);
  lua_pop(L, 1);
  *owned = 1;
  return v;
}

/* vocab(table) -> a vocabulary made once, for read_file's and read's opts.vocab (a table
 * there is made into one at each call) */
static int l_vocab(lua_State *L) {
  stance_vocab **ud = lua_newuserdata(L, sizeof *ud);
  *ud = NULL;
  stance__setclass(L, VOCAB_MT);
  *ud = vocab_from_table(L, 1);
  return 1;
}

static int vocab_gc(lua_State *L) {
  stance_vocab **ud = luaL_checkudata(L, 1, VOCAB_MT);
  stance_vocab_free(*ud);
  *ud = NULL;
  return 0;
}

/* The document an annotation file belongs to, made ready while the file is read: its frame,
 * on a thread of its own. */
typedef struct doc_work {
  const char *text;
  size_t len;
  int crlf, failed;
  stance_frame *frame;
} doc_work;

static void doc_prepare(void *arg) {
  doc_work *w = arg;
  w->frame = stance_frame_new(w->text, w->len, w->crlf);
  w->failed = w->frame == NULL;
}

/* read(text[, opts]) -> store, problems[, frame]
 *   opts.vocab     the schema's values (see stance.schema.vocab), or core.vocab() of them
 *   opts.document  the document's text as a file: its frame (opts.crlf) is made at the same
 *                  time, on another thread, and returned after the problems (its SHA-256
 *                  is not computed: frame:sha256() when it is needed) */
static int l_read(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  int started = 0, owned;
  stance_vocab *v;
  stance_problems p;
  stance_store *s;
  doc_work w;
  uv_thread_t thread;
  memset(&w, 0, sizeof w);
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "document");
    if (!lua_isnil(L, -1)) {
      if (lua_type(L, -1) != LUA_TSTRING) luaL_argerror(L, 2, "opts.document must be a string");
      w.text = lua_tolstring(L, -1, &w.len); /* kept alive by opts */
      if (w.len > STANCE_FRAME_MAX) luaL_argerror(L, 2, "opts.document too large (4 GiB at most)");
    }
    lua_getfield(L, 2, "crlf");
    w.crlf = lua_toboolean(L, -1);
    lua_pop(L, 2);
  }
  v = stance__read_vocab(L, 2, &owned);
  if (w.text && w.len >= STANCE_DOC_THREAD_MIN) started = uv_thread_create(&thread, doc_prepare, &w) == 0;
  stance_problems_init(&p);
  s = stance_read(text, len, v, &p);
  if (owned) stance_vocab_free(v);
  if (started)
    uv_thread_join(&thread);
  else if (w.text)
    doc_prepare(&w);
  if (s == NULL || (w.text && w.failed)) {
    stance_store_free(s);
    stance_frame_free(w.frame);
    stance_problems_free(&p);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  stance__push_store(L, s);
  stance__push_problems(L, &p);
  stance_problems_free(&p);
  if (!w.text) return 2;
  stance__push_frame(L, w.frame);
  return 3;
}

#define ROOTS_KEY "stance.real_roots"

/* stance_resolve_inside() with the root's real path resolved once per process and root (kept
 * in the registry): a root moved or replaced by a link since only makes what is under it
 * resolve elsewhere, which is refused. The file's own path is resolved each time. */
static int resolve_inside(lua_State *L, const char *root, const char *path, char *real) {
  char root_real[PATH_MAX];
  if (realpath(path, real) == NULL) return -errno;
  lua_getfield(L, LUA_REGISTRYINDEX, ROOTS_KEY);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, ROOTS_KEY);
  }
  lua_getfield(L, -1, root);
  if (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) < sizeof root_real) {
    memcpy(root_real, lua_tostring(L, -1), lua_rawlen(L, -1) + 1);
    lua_pop(L, 2);
  } else {
    lua_pop(L, 1);
    if (realpath(root, root_real) == NULL) {
      int e = errno;
      lua_pop(L, 1);
      return -e;
    }
    lua_pushstring(L, root_real);
    lua_setfield(L, -2, root);
    lua_pop(L, 1);
  }
  return stance_real_inside(root_real, real) ? 0 : STANCE_EOUTSIDE;
}

/* read_file(path[, {vocab = ..., root = ...}]) -> store, problems, bytes | nil, err, code
 * ("ENOENT", "EOUTSIDE", "ENOTREG", "EREAD", "ENOMEM"): an annotation file read and parsed
 * in C, its bytes kept in C (bytes:string() when Lua needs them): no Lua string of a file of
 * hundreds of megabytes. Only a regular file; with opts.root, only one that resolves inside
 * that folder (links and .. resolved): a corpus's link out is never followed. */
static int l_read_file(lua_State *L) {
  const char *path = luaL_checkstring(L, 1), *root = NULL;
  int owned = 0;
  stance_vocab *v;
  char *buf = NULL, real[PATH_MAX];
  size_t cap = 0, len = 0;
  stance_problems p;
  stance_store *s;
  int e, bytes;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "root");
    root = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL; /* stays alive in the table */
    lua_pop(L, 1);
  }
  if (root != NULL) {
    int rc = resolve_inside(L, root, path, real);
    if (rc == STANCE_EOUTSIDE)
      return stance__fail(L, "leads outside the corpus (links and .. are resolved)", "EOUTSIDE");
    if (rc != 0) return stance__fail(L, strerror(-rc), rc == -ENOENT ? "ENOENT" : "EREAD");
    path = real; /* what was checked is what is read */
  }
  v = stance__read_vocab(L, 2, &owned);
  e = stance_read_path_threads(path, &buf, &cap, &len);
  if (e != 0) {
    free(buf);
    if (owned) stance_vocab_free(v);
    if (e == EINVAL) return stance__fail(L, "not a regular file", "ENOTREG");
    return stance__fail(L, strerror(e), e == ENOENT ? "ENOENT" : "EREAD");
  }
  stance__push_bytes(L, buf, len); /* freed with it if anything below fails */
  bytes = lua_gettop(L);
  stance_problems_init(&p);
  s = stance_read(buf ? buf : "", len, v, &p);
  if (owned) stance_vocab_free(v);
  if (s == NULL) {
    stance_problems_free(&p);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  stance__push_store(L, s);
  stance__push_problems(L, &p);
  stance_problems_free(&p);
  lua_pushvalue(L, bytes);
  return 3;
}

/* ---- the markup itself, for the schema and lexicon readers in Lua ------------------- */

typedef struct lines_ctx {
  lua_State *L;
  int n, np;
} lines_ctx;

static int lines_on_line(void *ud, const stance_line *l) {
  static const char *const kinds[] = {"record", "attribute", "text", "comment", "blank"};
  lines_ctx *c = ud;
  lua_State *L = c->L;
  uint32_t i;
  if (l->kind == STANCE_LINE_BLANK) return 0;
  lua_createtable(L, 0, 6);
  lua_pushstring(L, kinds[l->kind]);
  lua_setfield(L, -2, "kind");
  lua_pushinteger(L, l->line);
  lua_setfield(L, -2, "line");
  lua_pushinteger(L, l->col);
  lua_setfield(L, -2, "col");
  lua_pushlstring(L, l->name, l->name_len);
  lua_setfield(L, -2, "name");
  if (l->kind == STANCE_LINE_COMMENT) {
    lua_pushboolean(L, l->in_record);
    lua_setfield(L, -2, "in_record");
  }
  lua_createtable(L, (int)l->nvalues, 0);
  for (i = 0; i < l->nvalues; i++) {
    lua_pushlstring(L, l->values[i].text, l->values[i].len);
    lua_rawseti(L, -2, (int)i + 1);
  }
  lua_setfield(L, -2, "values");
  lua_rawseti(L, -3, ++c->n); /* lines table is below the problems table */
  return 0;
}

static void lines_on_problem(void *ud, stance_problem_kind kind, stance_problem_scope scope,
                             uint32_t line, uint32_t col, const char *msg) {
  lines_ctx *c = ud;
  lua_State *L = c->L;
  (void)kind;
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, line);
  lua_setfield(L, -2, "line");
  lua_pushinteger(L, col);
  lua_setfield(L, -2, "col");
  lua_pushstring(L, "error");
  lua_setfield(L, -2, "severity");
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
  lua_pushstring(L, scope == STANCE_SCOPE_HEADER ? "header" : scope == STANCE_SCOPE_INSIDE ? "inside" : "outside");
  lua_setfield(L, -2, "scope");
  lua_rawseti(L, -2, ++c->np);
}

/* markup_lines(text) -> lines, problems: the syntax of any markup file, line by line. */
static int l_markup_lines(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  lines_ctx c;
  stance_markup_handler h;
  c.L = L;
  c.n = c.np = 0;
  h.line = lines_on_line;
  h.problem = lines_on_problem;
  h.ud = &c;
  lua_newtable(L); /* lines */
  lua_newtable(L); /* problems */
  if (stance_markup_parse(text, len, &h) < 0) return stance__fail(L, "out of memory", "ENOMEM");
  return 2;
}

/* markup_globs(text) -> include, exclude, watch: the globs of a schema's `corpus` records, as
 * stance.schema reads them from markup_lines (the values of every include and exclude
 * attribute that follows a `corpus` record line, in order), and the value of the last valid
 * `watch` attribute there ("auto" or "off"; nil when none), without a table per line: what a search's check
 * of the files needs of the schema. */
typedef struct globs_ctx {
  lua_State *L;
  int in_corpus, ninc, nexc;
  char watch[4];                /* "auto" or "off", copied (the line's bytes live in the callback only) */
  size_t watch_len;             /* 0: none */
} globs_ctx;

static int globs_on_line(void *ud, const stance_line *l) {
  globs_ctx *c = ud;
  uint32_t i;
  int at, *n;
  if (l->kind == STANCE_LINE_RECORD) {
    c->in_corpus = l->name_len == 6 && memcmp(l->name, "corpus", 6) == 0;
    return 0;
  }
  if (l->kind != STANCE_LINE_ATTRIBUTE || !c->in_corpus) return 0;
  if (l->name_len == 7 && memcmp(l->name, "include", 7) == 0) {
    at = -2, n = &c->ninc; /* include is below exclude */
  } else if (l->name_len == 7 && memcmp(l->name, "exclude", 7) == 0) {
    at = -1, n = &c->nexc;
  } else {
    /* as stance.schema takes it: one value, auto or off (anything else is an error there,
     * and changes nothing) */
    if (l->name_len == 5 && memcmp(l->name, "watch", 5) == 0 && l->nvalues == 1 &&
        ((l->values[0].len == 4 && memcmp(l->values[0].text, "auto", 4) == 0) ||
         (l->values[0].len == 3 && memcmp(l->values[0].text, "off", 3) == 0))) {
      memcpy(c->watch, l->values[0].text, l->values[0].len);
      c->watch_len = l->values[0].len;
    }
    return 0;
  }
  for (i = 0; i < l->nvalues; i++) {
    lua_pushlstring(c->L, l->values[i].text, l->values[i].len);
    lua_rawseti(c->L, at - 1, ++*n);
  }
  return 0;
}

static void globs_on_problem(void *ud, stance_problem_kind kind, stance_problem_scope scope, uint32_t line,
                             uint32_t col, const char *msg) {
  (void)ud;
  (void)kind;
  (void)scope;
  (void)line;
  (void)col;
  (void)msg;
}

static int l_markup_globs(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  globs_ctx c;
  stance_markup_handler h;
  c.L = L;
  c.in_corpus = c.ninc = c.nexc = 0;
  c.watch_len = 0;
  h.line = globs_on_line;
  h.problem = globs_on_problem;
  h.ud = &c;
  lua_newtable(L); /* include */
  lua_newtable(L); /* exclude */
  if (stance_markup_parse(text, len, &h) < 0) return stance__fail(L, "out of memory", "ENOMEM");
  if (c.watch_len > 0)
    lua_pushlstring(L, c.watch, c.watch_len);
  else
    lua_pushnil(L);
  return 3;
}

/* syntax_dump(text) -> markup dump, syntax problems, tree-sitter dump, has_error, sexp */
static int l_syntax_dump(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  stance_buf a, b, sexp;
  int problems, has_error;
  stance_buf_init(&a);
  stance_buf_init(&b);
  stance_buf_init(&sexp);
  problems = stance_dump_markup(text, len, &a);
  has_error = stance_dump_treesitter(text, len, &b, &sexp);
  if (problems < 0 || has_error < 0) {
    stance_buf_free(&a);
    stance_buf_free(&b);
    stance_buf_free(&sexp);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  lua_pushlstring(L, a.data ? a.data : "", a.len);
  lua_pushinteger(L, problems);
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  lua_pushboolean(L, has_error);
  lua_pushlstring(L, sexp.data ? sexp.data : "", sexp.len);
  stance_buf_free(&a);
  stance_buf_free(&b);
  stance_buf_free(&sexp);
  return 5;
}

/* quote(s) -> s as a markup string literal */
static int l_quote(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char *out = malloc(4 * len + 2);
  size_t n;
  if (out == NULL) return luaL_error(L, "out of memory");
  n = stance_markup_quote(s, len, out);
  lua_pushlstring(L, out, n);
  free(out);
  return 1;
}

static int l_is_word(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_pushboolean(L, stance_markup_is_word(s, len));
  return 1;
}

/* crosstab(field_a, field_b[, kind]) -> { [a] = { [b] = count, ... }, ... }: how many records
 * of `kind` (default "annotation") have each pair of values; a record without field_b is not
 * counted, one without field_a counts under "". A record in conflict counts once: its
 * `conflict theirs` version is left out. One pass, no table per record (for reports over
 * many files). */
static int s_crosstab(lua_State *L) {
  stance_store *s = check_store(L);
  const char *fa = luaL_checkstring(L, 2), *fb = luaL_checkstring(L, 3), *kind = luaL_optstring(L, 4, "annotation");
  int a = stance_field_from_name(fa, strlen(fa)), b = stance_field_from_name(fb, strlen(fb));
  int k = stance_rec_kind_from_name(kind, strlen(kind)), out;
  uint32_t i, slots = stance_store_slots(s);
  if (a < 0) return luaL_argerror(L, 2, "unknown field");
  if (b < 0) return luaL_argerror(L, 3, "unknown field");
  if (k < 0) return luaL_argerror(L, 4, "kind should be annotation, relation or doclabel");
  lua_newtable(L);
  out = lua_gettop(L);
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    const char *va, *vb;
    lua_Integer n;
    if (r->dead || r->kind != (stance_rec_kind)k || !r->f[b]) continue;
    if (r->f[STANCE_F_CONFLICT] && strcmp(r->f[STANCE_F_CONFLICT], "theirs") == 0) continue;
    va = r->f[a] ? r->f[a] : "";
    vb = r->f[b];
    lua_getfield(L, out, va);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushvalue(L, -1);
      lua_setfield(L, out, va);
    }
    lua_getfield(L, -1, vb);
    n = lua_isnil(L, -1) ? 0 : lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_pushinteger(L, n + 1);
    lua_setfield(L, -2, vb);
    lua_pop(L, 1);
  }
  return 1;
}

static const luaL_Reg store_meta[] = {{"__gc", s_close}, {"__tostring", s_tostring}, {NULL, NULL}};
static const luaL_Reg view_meta[] = {{"__gc", v_close}, {"__tostring", v_tostring}, {NULL, NULL}};
static const luaL_Reg view_methods[] = {{"lazy", v_lazy}, {"bytes", v_bytes},     {"at", v_at},       {"records", v_records},
                                        {"header", v_header}, {"store", v_store}, {"count", v_count},
                                        {"close", v_close},
                                        {NULL, NULL}};
static const luaL_Reg store_methods[] = {
    {"add", s_add},         {"get", s_get},       {"update", s_update},
    {"remove", s_remove},   {"query", s_query},   {"spans", s_spans},
    {"overlaps", s_overlaps}, {"at", s_at}, {"brief", s_brief}, {"records", s_records}, {"lazy", s_lazy}, {"field", s_field}, {"copy", s_copy},
    {"find", s_find},       {"count", s_count}, {"tally", s_tally}, {"crosstab", s_crosstab}, {"orphans", s_orphans},   {"header", s_header},
    {"set_header", s_set_header}, {"kept", s_kept}, {"set_kept", s_set_kept}, {"slots", s_slots},
    {"slot_of", s_slot_of}, {"same", s_same}, {"add_from", s_add_from}, {"write", s_write}, {"memory", s_memory},
    {"shift", s_shift},     {"mark", s_mark}, {"marked", s_marked},       {"snapshot", s_snapshot},
    {"close", s_close},     {NULL, NULL}};

static const luaL_Reg funcs[] = {{"read", l_read}, {"read_file", l_read_file}, {"vocab", l_vocab},
                                 {"lazy_index", l_lazy_index},
                                 {"store", l_store_new},
                                 {"from_snapshot", l_from_snapshot},
                                 {"markup_lines", l_markup_lines},
                                 {"markup_globs", l_markup_globs},
                                 {"syntax_dump", l_syntax_dump},
                                 {"quote", l_quote},
                                 {"is_word", l_is_word},
                                 {NULL, NULL}};

void stance__open_store(lua_State *L) {
  static const luaL_Reg vocab_meta[] = {{"__gc", vocab_gc}, {NULL, NULL}};
  static const luaL_Reg vocab_methods[] = {{NULL, NULL}};
  stance__newclass(L, STORE_MT, store_meta, store_methods);
  stance__newclass(L, VIEW_MT, view_meta, view_methods);
  stance__newclass(L, VOCAB_MT, vocab_meta, vocab_methods);
  luaL_setfuncs(L, funcs, 0);
}
