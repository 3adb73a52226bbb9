/*
 * lindex.c - Lua binding of the corpus index: stance.core.index(root), search with
 * rendered hits (line, column, match, keyword-in-context), documents and statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compat.h"
#include "hash.h"
#include "index.h"
#include "indexfile.h"
#include "indexjob.h"
#include "lcore.h"
#include "query.h"
#include "text.h"
#include "walk.h"
#include "worker.h"

#define INDEX_MT "stance.index"
#define MAX_GLOBS 64

typedef struct lindex {
  stance_index *ix;
  char *root;
  uint32_t hint; /* where known_hash found its last document (see stance_index_find_near) */
} lindex;

static lindex *check_lindex(lua_State *L, int i) {
  lindex *li = luaL_checkudata(L, i, INDEX_MT);
  if (li->ix == NULL) luaL_argerror(L, i, "the index is closed");
  return li;
}

stance_index *stance__check_index(lua_State *L, int i) { return check_lindex(L, i)->ix; }

const char *stance__index_root(lua_State *L, int i) { return check_lindex(L, i)->root; }

/* Put `ix` (a job's new index) in place of the index's content, which is returned, for the
 * caller to free (on the worker). */
stance_index *stance__index_swap(lua_State *L, int i, stance_index *ix) {
  lindex *li = check_lindex(L, i);
  stance_index *old = li->ix;
  li->ix = ix;
  return old;
}

static void push_doc(lua_State *L, const stance_doc *d, uint32_t id) {
  char hex[STANCE_HASH_HEXLEN + 1];
  stance_hash_hex(d->hash, hex);
  lua_createtable(L, 0, 8);
  lua_pushstring(L, d->path);
  lua_setfield(L, -2, "path");
  lua_pushinteger(L, (lua_Integer)d->size);
  lua_setfield(L, -2, "size");
  lua_pushstring(L, hex);
  lua_setfield(L, -2, "hash");
  lua_pushinteger(L, (lua_Integer)d->words);
  lua_setfield(L, -2, "words");
  lua_pushinteger(L, (lua_Integer)d->mtime_ns);
  lua_setfield(L, -2, "mtime_ns");
  lua_pushinteger(L, (lua_Integer)id + 1);
  lua_setfield(L, -2, "id");
  lua_pushinteger(L, (lua_Integer)d->ino); /* as stat() gives it */
  lua_setfield(L, -2, "ino");
  if (d->link) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "link");
  }
}

/* The live documents in path order: their tables (docs()) or their paths (paths()). */
static int damaged(lua_State *L) {
  return stance__fail(L, "the saved index is damaged (a page or a table does not check)", "EDAMAGED");
}

static int push_docs(lua_State *L, int paths_only) {
  stance_index *ix = check_lindex(L, 1)->ix;
  uint32_t i, n;
  const uint32_t *order = stance_index_by_path(ix, &n);
  if (order == NULL) return stance_index_damaged(ix) ? damaged(L) : luaL_error(L, "out of memory");
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    if (paths_only)
      lua_pushstring(L, stance_index_doc(ix, order[i])->path);
    else
      push_doc(L, stance_index_doc(ix, order[i]), order[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

/* docs() -> live documents sorted by path | nil, message, "EDAMAGED" */
static int x_docs(lua_State *L) { return push_docs(L, 0); }

/* paths() -> the live documents' paths, sorted (what docs() gives, without the tables) */
static int x_paths(lua_State *L) { return push_docs(L, 1); }

/* doc(path) -> the live document, or nil (also when its entry is damaged) */
static int x_doc(lua_State *L) {
  stance_index *ix = check_lindex(L, 1)->ix;
  int64_t id = stance_index_find(ix, luaL_checkstring(L, 2));
  stance_doc d;
  if (id < 0 || stance_index_get(ix, (uint32_t)id, &d) != 0) return 0;
  push_doc(L, &d, (uint32_t)id);
  return 1;
}

/* An include/exclude rule (a 64-bit number) as 16 hex digits: exact in every Lua. */
static void push_rule(lua_State *L, uint64_t rule) {
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)rule);
  lua_pushstring(L, hex);
}

/* rule() -> the include/exclude rule its documents were chosen by (16 hex digits; see
 * glob_rule) */
static int x_rule(lua_State *L) {
  push_rule(L, stance_index_rule(check_lindex(L, 1)->ix));
  return 1;
}

static int x_stats(lua_State *L) {
  lindex *li = check_lindex(L, 1);
  uint64_t bytes, words, terms = 0;
  uint32_t i, live = stance_index_live(li->ix, &bytes, &words), nseg = stance_index_nsegments(li->ix);
  for (i = 0; i < nseg; i++) terms += stance_index_segment(li->ix, i)->nterms;
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, live);
  lua_setfield(L, -2, "docs");
  lua_pushinteger(L, (lua_Integer)(stance_index_ndocs(li->ix) - live));
  lua_setfield(L, -2, "stale");
  lua_pushinteger(L, (lua_Integer)bytes);
  lua_setfield(L, -2, "bytes");
  lua_pushinteger(L, (lua_Integer)words);
  lua_setfield(L, -2, "words");
  lua_pushinteger(L, nseg);
  lua_setfield(L, -2, "segments");
  lua_pushinteger(L, (lua_Integer)terms);
  lua_setfield(L, -2, "terms");
  lua_pushinteger(L, (lua_Integer)stance_index_memory(li->ix));
  lua_setfield(L, -2, "memory");
  if (stance_index_damaged(li->ix)) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "damaged");
  }
  return 1;
}

/* ---- search ---------------------------------------------------------------------------- */

typedef struct tok {
  size_t start, end;
  uint32_t pos;
} tok;

typedef struct toks {
  tok *t;
  size_t n, cap;
  uint32_t pos;
  int oom;
} toks;

static int collect_tok(void *ud, size_t start, size_t end, const char *folded, size_t n, int broken) {
  toks *ts = ud;
  (void)folded;
  (void)n;
  if (ts->n > 0) ts->pos += broken ? 2 : 1;
  if (ts->n == ts->cap) {
    size_t cap = ts->cap ? ts->cap * 2 : 1024;
    tok *nt = realloc(ts->t, cap * sizeof *nt);
    if (nt == NULL) {
      ts->oom = 1;
      return 1;
    }
    ts->t = nt;
    ts->cap = cap;
  }
  ts->t[ts->n].start = start;
  ts->t[ts->n].end = end;
  ts->t[ts->n].pos = ts->pos;
  ts->n++;
  return 0;
}

static long find_tok(const toks *ts, uint32_t pos) {
  size_t lo = 0, hi = ts->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (ts->t[mid].pos == pos) return (long)mid;
    if (ts->t[mid].pos < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* Bytes [a, b) with line ends and tabs made spaces, for contexts on one line. */
static void push_flat(lua_State *L, const char *s, size_t a, size_t b) {
  luaL_Buffer buf;
  size_t i;
  luaL_buffinit(L, &buf);
  for (i = a; i < b; i++) {
    char c = s[i];
    luaL_addchar(&buf, (c == '\n' || c == '\r' || c == '\t') ? ' ' : c);
  }
  luaL_pushresult(&buf);
}

typedef struct render_ctx {
  lua_State *L;
  const char *root;
  size_t context;               /* code points of context on each side */
  int n;                        /* hits pushed */
} render_ctx;

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if (f == NULL) return NULL;
  for (;;) {
    size_t got;
    if (n == cap) {
      char *nb;
      cap = cap ? cap * 2 : 65536;
      nb = realloc(buf, cap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  *len = n;
  return buf;
}

/* Push the rendered hits [from, to) of one document. */
static void render_doc(render_ctx *c, const stance_index *ix, const stance_hit *h, size_t count) {
  lua_State *L = c->L;
  /* the hits were sorted by their paths: each was decoded then */
  const char *rel = stance_index_path(ix, h[0].doc);
  char path[4096];
  size_t len = 0, i;
  char *data;
  stance_text *t = NULL;
  toks ts;
  if (rel == NULL) return;
  memset(&ts, 0, sizeof ts);
  snprintf(path, sizeof path, "%s/%s", c->root, rel);
  data = read_all(path, &len);
  if (data != NULL) {
    t = stance_text_new(data, len);
    stance_tokenize(data, len, collect_tok, &ts);
  }
  for (i = 0; i < count; i++) {
    long k = -1, k2 = -1;
    lua_createtable(L, 0, 12);
    lua_pushstring(L, rel);
    lua_setfield(L, -2, "path");
    if (t != NULL && h[i].words > 0 && !ts.oom) {
      k = find_tok(&ts, h[i].pos);
      k2 = find_tok(&ts, h[i].pos + h[i].words - 1);
    }
    if (k >= 0 && k2 >= 0) {
      size_t a = ts.t[k].start, b = ts.t[k2].end, cb, cc, la, lb, ca, cz;
      uint32_t line;
      stance_text_pos(t, a, &line, &cb, &cc);
      la = stance_text_line_start(t, line);
      lb = stance_text_line_end(t, line);
      lua_pushinteger(L, (lua_Integer)line + 1);
      lua_setfield(L, -2, "line");
      lua_pushinteger(L, (lua_Integer)cb + 1);
      lua_setfield(L, -2, "col");
      lua_pushinteger(L, (lua_Integer)cc + 1);
      lua_setfield(L, -2, "vcol");
      lua_pushinteger(L, (lua_Integer)stance_text_byte_to_cp(t, a));
      lua_setfield(L, -2, "start");
      lua_pushinteger(L, (lua_Integer)stance_text_byte_to_cp(t, b));
      lua_setfield(L, -2, "stop");
      lua_pushinteger(L, (lua_Integer)a);
      lua_setfield(L, -2, "byte_start");
      lua_pushinteger(L, (lua_Integer)b);
      lua_setfield(L, -2, "byte_stop");
      lua_pushlstring(L, data + a, b - a);
      lua_setfield(L, -2, "match");
      lua_pushlstring(L, data + la, lb - la);
      lua_setfield(L, -2, "line_text");
      ca = stance_text_byte_to_cp(t, a);
      cz = stance_text_byte_to_cp(t, b);
      push_flat(L, data, stance_text_cp_to_byte(t, ca > c->context ? ca - c->context : 0), a);
      lua_setfield(L, -2, "left");
      push_flat(L, data, b, stance_text_cp_to_byte(t, cz + c->context));
      lua_setfield(L, -2, "right");
    } else {
      lua_pushinteger(L, 1);
      lua_setfield(L, -2, "line");
      lua_pushinteger(L, 1);
      lua_setfield(L, -2, "col");
      if (data == NULL) {
        lua_pushstring(L, strerror(errno));
        lua_setfield(L, -2, "error");
      }
    }
    lua_rawseti(L, -2, ++c->n);
  }
  free(ts.t);
  stance_text_free(t);
  free(data);
}

/* Read opts.glob: a string or a list of strings, into globs (NULL-terminated). */
static const char **read_globs(lua_State *L, int opts, const char **globs) {
  int n = 0, i;
  if (lua_isnoneornil(L, opts)) return NULL;
  lua_getfield(L, opts, "glob");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  if (lua_type(L, -1) == LUA_TSTRING) {
    globs[n++] = lua_tostring(L, -1);
  } else if (lua_istable(L, -1)) {
    int m = (int)lua_rawlen(L, -1);
    if (m > MAX_GLOBS) luaL_argerror(L, opts, "too many globs");
    for (i = 1; i <= m; i++) {
      lua_rawgeti(L, -1, i);
      if (lua_type(L, -1) != LUA_TSTRING) luaL_argerror(L, opts, "glob should be strings");
      globs[n++] = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
  } else {
    luaL_argerror(L, opts, "glob should be a string or a list of strings");
  }
  globs[n] = NULL;
  /* the strings stay referenced by the opts table */
  lua_pop(L, 1);
  return globs;
}

/* The documents of a search, read for its terms with punctuation (stance_doc_reader). */
typedef struct doc_reader {
  const stance_index *ix;
  const char *root;
  char path[4096];              /* the document that could not be read, and why */
  int err;
} doc_reader;

static int read_doc(void *ud, uint32_t doc, char **data, size_t *len) {
  doc_reader *r = ud;
  const char *rel = stance_index_path(r->ix, doc);
  if (rel == NULL) return STANCE_INDEX_DAMAGED;
  snprintf(r->path, sizeof r->path, "%s", rel);
  {
    char full[4096];
    if ((size_t)snprintf(full, sizeof full, "%s/%s", r->root, rel) >= sizeof full) {
      r->err = ENAMETOOLONG;
      return STANCE_QUERY_UNREAD;
    }
    errno = 0;
    if ((*data = read_all(full, len)) == NULL) {
      r->err = errno ? errno : ENOMEM;
      return r->err == ENOMEM ? -1 : STANCE_QUERY_UNREAD;
    }
  }
  return 0;
}

static int search_failed(lua_State *L, int rc, const doc_reader *r) {
  if (rc == STANCE_QUERY_UNREAD)
    return stance__fail(L,
                        lua_pushfstring(L, "%s: %s (read to check a term with punctuation)", r->path,
                                        strerror(r->err)),
                        "EREAD");
  if (rc == STANCE_INDEX_DAMAGED)
    return stance__fail(L, "the saved index is damaged (a page or a table does not check)", "EDAMAGED");
  return stance__fail(L, "out of memory", "ENOMEM");
}

/* search(query[, {glob, limit, count, context, render}]) -> hits, total | total (count, or
 * render = false: every hit found, none read from its file) | nil, message, "EQUERY" (a
 * bad query) or "EDAMAGED" (the saved index is damaged: rebuild it) */
static int x_search(lua_State *L) {
  lindex *li = check_lindex(L, 1);
  size_t qlen, col, i, limit = (size_t)-1, context = 40;
  const char *qs = luaL_checklstring(L, 2, &qlen);
  const char *gbuf[MAX_GLOBS + 1];
  const char **globs;
  int count_only = 0, render = 1;
  char err[256];
  stance_query *q;
  stance_hits hits;
  doc_reader rd;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "count");
    count_only = lua_toboolean(L, -1);
    lua_getfield(L, 3, "limit");
    if (!lua_isnil(L, -1)) limit = (size_t)luaL_checkinteger(L, -1);
    lua_getfield(L, 3, "context");
    if (!lua_isnil(L, -1)) context = (size_t)luaL_checkinteger(L, -1);
    lua_getfield(L, 3, "render");
    if (lua_isboolean(L, -1)) render = lua_toboolean(L, -1);
    lua_pop(L, 4);
  }
  globs = read_globs(L, 3, gbuf);
  q = stance_query_parse(qs, qlen, err, sizeof err, &col);
  if (q == NULL) {
    if (err[0] == '\0') return stance__fail(L, "out of memory", "ENOMEM");
    return stance__fail(L, lua_pushfstring(L, "column %d: %s", (int)col, err), "EQUERY");
  }
  rd.ix = li->ix;
  rd.root = li->root;
  rd.path[0] = '\0';
  rd.err = 0;
  stance_query_set_reader(q, read_doc, &rd);
  if (count_only) {
    size_t n;
    int rc = stance_query_count(q, li->ix, (const char *const *)globs, &n);
    stance_query_free(q);
    if (rc != 0) return search_failed(L, rc, &rd);
    lua_pushinteger(L, (lua_Integer)n);
    return 1;
  }
  memset(&hits, 0, sizeof hits);
  {
    int rc = stance_query_run(q, li->ix, (const char *const *)globs, &hits);
    if (rc != 0) {
      stance_query_free(q);
      stance_hits_free(&hits);
      return search_failed(L, rc, &rd);
    }
  }
  stance_query_free(q);
  /* every hit's document decodes (a damaged entry fails the search, as a damaged page does) */
  for (i = 0; i < hits.n; i++)
    if ((i == 0 || hits.items[i].doc != hits.items[i - 1].doc) && stance_index_path(li->ix, hits.items[i].doc) == NULL) {
      stance_hits_free(&hits);
      return search_failed(L, STANCE_INDEX_DAMAGED, &rd);
    }
  if (!render) {
    lua_pushinteger(L, (lua_Integer)hits.n);
    stance_hits_free(&hits);
    return 1;
  }
  {
    render_ctx c;
    size_t shown = hits.n < limit ? hits.n : limit;
    c.L = L;
    c.root = li->root;
    c.context = context;
    c.n = 0;
    lua_createtable(L, (int)shown, 0);
    for (i = 0; i < shown;) {
      size_t j = i;
      while (j < shown && hits.items[j].doc == hits.items[i].doc) j++;
      render_doc(&c, li->ix, hits.items + i, j - i);
      i = j;
    }
  }
  lua_pushinteger(L, (lua_Integer)hits.n);
  stance_hits_free(&hits);
  return 2;
}

static int x_memory(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_index_memory(check_lindex(L, 1)->ix));
  return 1;
}

/* reset(): empty the index (to build it again from nothing) */
static int x_reset(lua_State *L) {
  lindex *li = check_lindex(L, 1);
  stance_index *fresh = stance_index_new();
  if (fresh == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  stance_index_free(li->ix);
  li->ix = fresh;
  lua_pushboolean(L, 1);
  return 1;
}

static int x_root(lua_State *L) {
  lua_pushstring(L, check_lindex(L, 1)->root);
  return 1;
}

/* load_saved(dir) -> true | false (no index there) | nil, err: the saved index in `dir`
 * taken as it is, at once (in the caller's thread: the host's, never the editor's), in place
 * of this one's content. Nothing is checked against the files: see known_hash. */
static int x_load_saved(lua_State *L) {
  lindex *li = check_lindex(L, 1);
  const char *dir = luaL_checkstring(L, 2);
  char err[512];
  int missing = 0;
  stance_index *ix = stance_index_load(dir, &missing, err, sizeof err);
  if (ix == NULL) {
    if (missing) {
      lua_pushboolean(L, 0);
      return 1;
    }
    return stance__fail(L, err[0] ? err : "out of memory", "EINDEX");
  }
  stance_index_free(li->ix);
  li->ix = ix;
  lua_pushboolean(L, 1);
  return 1;
}

/* current({include, exclude}) -> n | false: whether this index, loaded as saved and not
 * changed since, still describes the corpus's documents (n of them), by the check an update
 * makes (stance_index_current), on the caller's thread and as many more as there are cores
 * for the stats (the host's: it waits anyway; never the editor's). false: something
 * differs, or cannot be told here; an update looks. */
static int x_current(lua_State *L) {
  lindex *li = check_lindex(L, 1);
  const char *inc[MAX_GLOBS + 1], *exc[MAX_GLOBS + 1];
  const char **include, **exclude;
  uint32_t n = 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  include = stance__read_list(L, 2, "include", inc, MAX_GLOBS);
  exclude = stance__read_list(L, 2, "exclude", exc, MAX_GLOBS);
  if (stance_index_current(li->ix, li->root, include, exclude, (int)stance_cpus(), &n) == 1)
    lua_pushinteger(L, (lua_Integer)n);
  else
    lua_pushboolean(L, 0);
  return 1;
}

/* known_hash(rel) -> "sha256:<hex>" | nil: the SHA-256 the index holds for document `rel`
 * when the file is still what was read then, by the same rule as the index's own check: the
 * same size, mtime, ctime (an edit in place that keeps size and mtime changes the ctime) and
 * inode (a file replaced by a rename), the document not read within the clock's resolution of
 * a change (racy), and neither then nor now a symbolic link. Else nil: read the file.
 * known_hash(rel, true): without the stat, for a caller that a live watcher told just now
 * that this index, as saved and loaded, is current (every change made before the question
 * indexed: stance.corpus's vouched pass); the index's own rules (racy, link) still hold. */
static int x_known_hash(lua_State *L) {
  lindex *li = check_lindex(L, 1);
  size_t rlen, rootlen;
  const char *rel = luaL_checklstring(L, 2, &rlen);
  char path[4096], out[sizeof "sha256:" + STANCE_HASH_HEXLEN];
  stance_doc doc, *d = &doc;
  struct stat st;
  /* a loaded index not decoded yet: a lookup in its path order, one entry decoded */
  int64_t id = stance_index_find_near(li->ix, rel, &li->hint);
  if (id < 0 || stance_index_get(li->ix, (uint32_t)id, &doc) != 0) return 0;
  if (d->racy || d->link || d->deleted) return 0;
  rootlen = strlen(li->root);
  if (rootlen >= sizeof path || rlen >= sizeof path - rootlen - 1 || memchr(rel, '\0', rlen) != NULL) return 0;
  memcpy(path, li->root, rootlen);
  path[rootlen] = '/';
  memcpy(path + rootlen + 1, rel, rlen + 1);
  if (!lua_toboolean(L, 3)) {
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if ((uint64_t)st.st_size != d->size || (uint64_t)st.st_ino != d->ino || stance_mtime_ns(&st) != d->mtime_ns ||
        stance_ctime_ns(&st) != d->ctime_ns)
      return 0;
  }
  memcpy(out, "sha256:", 7);
  stance_hash_hex(d->hash, out + 7);
  lua_pushlstring(L, out, 7 + STANCE_HASH_HEXLEN);
  return 1;
}

static int x_close(lua_State *L) {
  lindex *li = luaL_checkudata(L, 1, INDEX_MT);
  stance_index_free(li->ix);
  li->ix = NULL;
  free(li->root);
  li->root = NULL;
  return 0;
}

static int x_tostring(lua_State *L) {
  lindex *li = luaL_checkudata(L, 1, INDEX_MT);
  if (li->ix == NULL)
    lua_pushstring(L, "stance.index (closed)");
  else
    lua_pushfstring(L, "stance.index of %s (%d documents, %d segments)", li->root,
                    (int)stance_index_live(li->ix, NULL, NULL), (int)stance_index_nsegments(li->ix));
  return 1;
}

/* index(root) -> an empty index of the corpus at root */
static int l_index(lua_State *L) {
  size_t n;
  const char *root = luaL_checklstring(L, 1, &n);
  lindex *li = lua_newuserdata(L, sizeof *li);
  li->ix = stance_index_new();
  li->hint = 0;
  li->root = malloc(n + 1);
  stance__setclass(L, INDEX_MT);
  if (li->ix == NULL || li->root == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  memcpy(li->root, root, n + 1);
  return 1;
}

/* query_check(q) -> true | nil, message: parse a query without running it */
static int l_query_check(lua_State *L) {
  size_t len, col;
  const char *qs = luaL_checklstring(L, 1, &len);
  char err[256];
  stance_query *q = stance_query_parse(qs, len, err, sizeof err, &col);
  if (q == NULL) {
    if (err[0] == '\0') return stance__fail(L, "out of memory", "ENOMEM");
    return stance__fail(L, lua_pushfstring(L, "column %d: %s", (int)col, err), "EQUERY");
  }
  stance_query_free(q);
  lua_pushboolean(L, 1);
  return 1;
}

static int l_glob_match(lua_State *L) {
  lua_pushboolean(L, stance_glob_match(luaL_checkstring(L, 1), luaL_checkstring(L, 2)));
  return 1;
}

/* glob_rule({include, exclude}) -> the rule (16 hex digits) that an index whose documents
 * were chosen by these globs records (stats().rule); each a list of globs or nil, as given
 * to worker:index() */
static int l_glob_rule(lua_State *L) {
  const char *inc[65], *exc[65];
  const char **include, **exclude;
  luaL_checktype(L, 1, LUA_TTABLE);
  include = stance__read_list(L, 1, "include", inc, 64);
  exclude = stance__read_list(L, 1, "exclude", exc, 64);
  push_rule(L, stance_indexjob_rule(include, exclude));
  return 1;
}

static const luaL_Reg index_meta[] = {{"__gc", x_close}, {"__tostring", x_tostring}, {NULL, NULL}};
static const luaL_Reg index_methods[] = {
    {"search", x_search}, {"docs", x_docs},     {"paths", x_paths},   {"doc", x_doc},
    {"stats", x_stats}, {"rule", x_rule},
    {"memory", x_memory}, {"root", x_root},     {"close", x_close},   {"reset", x_reset},
    {"load_saved", x_load_saved}, {"known_hash", x_known_hash}, {"current", x_current}, {NULL, NULL}};
static const luaL_Reg funcs[] = {{"index", l_index},
                                 {"query_check", l_query_check},
                                 {"glob_match", l_glob_match},
                                 {"glob_rule", l_glob_rule},
                                 {NULL, NULL}};

void stance__open_index(lua_State *L) {
  stance__newclass(L, INDEX_MT, index_meta, index_methods);
  luaL_setfuncs(L, funcs, 0);
}
