/*
 * brat.c - the brat standoff reader: the .ann syntax in C (src/brat.c), then what the lines
 * mean and the writer, in Lua (lua/stance/interop/brat_read.lua, brat_write.lua);
 * properties of the Lua part in tests/fuzz/lua/brat.lua. Input: an .ann file, then a NUL
 * byte and the document (or a fixed document when there is no NUL).
 *
 * Properties of the C reader, for any .ann:
 *   - it reads (inputs are far below its size limit), never crashes, leaks or overflows;
 *   - every object and problem is at a line and column inside the input, every string is a
 *     range of the input, every problem has a message;
 *   - no two objects have one ID; spans start before they end, within 15 digits;
 *   - reading again gives the same;
 *   - its plan of the common lines (brat.h: stance_brat_fast_plan) names only names and T
 *     objects of the file; what it makes of them is checked against the Lua reader in
 *     tests/fuzz/lua/brat.lua.
 */
#include "brat.h"
#include "luahost.h"

/* Lines (LF) of the input. */
static size_t count_lines(const char *s, size_t n) {
  size_t i, k = 1;
  for (i = 0; i < n; i++) k += s[i] == '\n';
  return k;
}

static int inside(stance_brat_str x, size_t n) { return x.off <= n && x.len <= n - x.off; }

static int check_doc(const char *s, size_t n, const stance_brat_doc *d) {
  size_t lines = count_lines(s, n), i, j;
  for (i = 0; i < d->nproblems; i++) {
    const stance_brat_problem *p = &d->problems[i];
    if (p->line < 1 || p->line > lines || p->col < 1 || p->col > n + 1) return 0;
    if (p->msg_len == 0 || p->msg_off > d->messages.len || p->msg_len > d->messages.len - p->msg_off) return 0;
  }
  for (i = 0; i < d->nobjs; i++) {
    const stance_brat_obj *o = &d->objs[i];
    if (o->line < 1 || o->line > lines || o->col < 1 || o->col > n) return 0;
    if (!inside(o->id, n) || !inside(o->type, n) || !inside(o->target, n) || !inside(o->value, n) ||
        !inside(o->ref, n) || !inside(o->text, n))
      return 0;
    if ((o->id.len == 0) != (o->kind == STANCE_BRAT_EQUIV) || o->type.len == 0) return 0;
    if (o->kind == STANCE_BRAT_T) {
      if (o->count == 0 || o->first > d->nspans || o->count > d->nspans - o->first) return 0;
      for (j = 0; j < o->count; j++) {
        const stance_brat_span *sp = &d->spans[o->first + j];
        if (sp->start < 0 || sp->start > sp->end || sp->end > 999999999999999LL) return 0;
      }
    } else if (o->kind == STANCE_BRAT_R || o->kind == STANCE_BRAT_E || o->kind == STANCE_BRAT_EQUIV) {
      if (o->first > d->nargs || o->count > d->nargs - o->first) return 0;
      if (o->kind == STANCE_BRAT_R && o->count != 2) return 0;
      for (j = 0; j < o->count; j++) {
        const stance_brat_arg *a = &d->args[o->first + j];
        if (!inside(a->role, n) || !inside(a->ref, n) || a->ref.len == 0 || a->col < 1) return 0;
      }
    }
  }
  /* no two objects with one ID (quadratic: inputs are small) */
  for (i = 0; i < d->nobjs && i < 2000; i++)
    for (j = i + 1; j < d->nobjs && j < 2000; j++)
      if (d->objs[i].id.len > 0 && d->objs[i].id.len == d->objs[j].id.len &&
          memcmp(s + d->objs[i].id.off, s + d->objs[j].id.off, d->objs[i].id.len) == 0)
        return 0;
  return d->nobjs + d->nproblems <= n;
}

/* The plan of the common lines refers to nothing outside the file. */
static int check_fast(const char *s, size_t n) {
  stance_brat_fast f;
  size_t i, j;
  int ok = 1, rc = stance_brat_fast_plan(&f, s, n);
  if (rc == STANCE_BRAT_OK) {
    for (i = 0; i < f.nnames; i++)
      ok = ok && f.kinds[i] < STANCE_BRAT_NAME_KINDS && inside(f.names[i], n);
    for (i = 0; i < f.doc.nobjs && ok; i++) {
      const stance_brat_obj *o = &f.doc.objs[i];
      size_t refs = o->kind == STANCE_BRAT_R ? 2 : o->kind == STANCE_BRAT_A ? 1 : 0;
      ok = f.name_of[i] < f.nnames;
      for (j = 0; j < refs && ok; j++)
        ok = f.on[2 * i + j] < f.doc.nobjs && f.doc.objs[f.on[2 * i + j]].kind == STANCE_BRAT_T;
    }
  }
  stance_brat_fast_free(&f);
  return ok && (rc == STANCE_BRAT_OK || rc == STANCE_BRAT_UNCOMMON);
}

STANCE_FUZZ_TARGET(brat) {
  static lua_State *L;
  const char *ann, *doc, *error;
  size_t alen, dlen;
  stance_brat_doc d1, d2;
  int rc1, rc2, ok, same;

  stance_fuzz_split(data, size, "", 1, &ann, &alen, &doc, &dlen);
  rc1 = stance_brat_parse(ann, alen, &d1);
  rc2 = stance_brat_parse(ann, alen, &d2);
  ok = rc1 == STANCE_BRAT_OK && rc2 == STANCE_BRAT_OK && check_doc(ann, alen, &d1);
  same = ok && d1.nobjs == d2.nobjs && d1.nproblems == d2.nproblems && d1.nspans == d2.nspans &&
         d1.nargs == d2.nargs && (d1.nobjs == 0 || memcmp(d1.objs, d2.objs, d1.nobjs * sizeof *d1.objs) == 0) &&
         d1.messages.len == d2.messages.len &&
         (d1.messages.len == 0 || memcmp(d1.messages.data, d2.messages.data, d1.messages.len) == 0);
  stance_brat_free(&d1);
  stance_brat_free(&d2);
  FUZZ_CHECK(ok, "the C reader reads: objects and problems placed inside the input, IDs unique");
  FUZZ_CHECK(same, "the C reader reads the same twice");
  FUZZ_CHECK(check_fast(ann, alen), "the plan of the common lines names only names and T lines of the file");

  if (L == NULL) L = stance_lua_state("brat");
  FUZZ_CHECK(L != NULL, "the Lua state and the harness tests/fuzz/lua/brat.lua load");
  error = stance_lua_run(L, "brat", data, size);
  if (error != NULL) fprintf(stderr, "fuzz brat: %s\n", error);
  FUZZ_CHECK(error == NULL, "the Lua reader keeps its properties (the error is above)");
  return 0;
}
