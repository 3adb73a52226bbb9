/*
 * bratfast.c - the common lines of an .ann file straight into a store (see brat.h): what
 * lua/stance/interop/brat_read.lua makes of them, without a Lua table per line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "brat.h"
#include "store.h"
#include "text.h"

/* Prefix and suffix: this many code points around an annotation (as brat_io.lua). */
#define CONTEXT 32
/* Bytes of randomness asked of the system at once (uv_random takes up to 64 KiB). */
#define RANDOM_CHUNK 65536

static int is(const char *s, stance_brat_str x, const char *lit) {
  size_t n = strlen(lit);
  return x.len == n && memcmp(s + x.off, lit, n) == 0;
}

/* The hash of a name of `kind` (0: an ID) under the key of the file's read (brat.h). */
static size_t hash_bytes(const stance_brat_fast *f, unsigned kind, const char *s, size_t n) {
  return (size_t)(stance_brat_hash(f->doc.key, s, n) + kind * 0x9e3779b97f4a7c15ULL);
}

/* Open addressing: slots hold an index + 1 (0: empty). */
typedef struct {
  size_t *slot;
  size_t mask;
} table;

static int table_init(table *t, size_t n) {
  size_t cap = 16;
  while (cap / 2 < n) {
    if (cap > SIZE_MAX / 4 / sizeof *t->slot) return -1;
    cap *= 2;
  }
  t->slot = calloc(cap, sizeof *t->slot);
  t->mask = cap - 1;
  return t->slot != NULL ? 0 : -1;
}

/* The T objects by ID. brat's own IDs are T1, T2, ...: when every T's is "T" and a number
 * (no leading zero) of at most a few times their count, an array by number holds them
 * (lookups in file order then read it in order, mostly); else a hash table of the IDs, with
 * each slot's hash (a lookup reads no ID it does not find). */
typedef struct {
  size_t *by_num, max; /* by_num[n]: index + 1 of the T with ID "Tn", 0 none */
  table t;
  size_t *hash;
} idmap;

/* The number of an ID "T" NUMBER (1 to 9 digits, no leading zero), or 0. */
static size_t t_number(const char *s, size_t len) {
  size_t i, n = 0;
  if (len < 2 || len > 10 || s[0] != 'T' || s[1] < '1' || s[1] > '9') return 0;
  for (i = 1; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    n = n * 10 + (size_t)(s[i] - '0');
  }
  return n;
}

/* The slot of the T object whose ID is (off, len) of hash h, or of where it goes. */
static size_t id_slot(const stance_brat_fast *f, const idmap *m, size_t h, size_t off, size_t len) {
  size_t i = h & m->t.mask;
  for (;;) {
    size_t k = m->t.slot[i];
    if (k == 0) return i;
    if (m->hash[i] == h) {
      const stance_brat_str *id = &f->doc.objs[k - 1].id;
      if (id->len == len && memcmp(f->ann + id->off, f->ann + off, len) == 0) return i;
    }
    i = (i + 1) & m->t.mask;
  }
}

/* The T objects of f into m: 0, 1 (an ID twice: the reader reports it) or -1 (memory). */
static int idmap_init(idmap *m, const stance_brat_fast *f) {
  size_t i, max = 0;
  int numeric = 1;
  memset(m, 0, sizeof *m);
  for (i = 0; i < f->doc.nobjs && numeric; i++) {
    const stance_brat_obj *o = &f->doc.objs[i];
    size_t n;
    if (o->kind != STANCE_BRAT_T) continue;
    n = t_number(f->ann + o->id.off, o->id.len);
    if (n == 0 || n / 4 > f->nt + 16) numeric = 0;
    if (n > max) max = n;
  }
  if (numeric) {
    if ((m->by_num = calloc(max + 1, sizeof *m->by_num)) == NULL) return -1;
    m->max = max;
    for (i = 0; i < f->doc.nobjs; i++) {
      const stance_brat_obj *o = &f->doc.objs[i];
      size_t n;
      if (o->kind != STANCE_BRAT_T) continue;
      n = t_number(f->ann + o->id.off, o->id.len);
      if (m->by_num[n] != 0) return 1;
      m->by_num[n] = i + 1;
    }
    return 0;
  }
  if (table_init(&m->t, f->nt) != 0) return -1;
  if ((m->hash = malloc((m->t.mask + 1) * sizeof *m->hash)) == NULL) return -1;
  for (i = 0; i < f->doc.nobjs; i++) {
    const stance_brat_obj *o = &f->doc.objs[i];
    size_t h, s;
    if (o->kind != STANCE_BRAT_T) continue;
    h = hash_bytes(f, 0, f->ann + o->id.off, o->id.len);
    s = id_slot(f, m, h, o->id.off, o->id.len);
    if (m->t.slot[s] != 0) return 1;
    m->t.slot[s] = i + 1;
    m->hash[s] = h;
  }
  return 0;
}

/* The index + 1 of the T object with the ID x, or 0. */
static size_t idmap_find(const idmap *m, const stance_brat_fast *f, stance_brat_str x) {
  if (m->by_num != NULL) {
    size_t n = t_number(f->ann + x.off, x.len);
    return n != 0 && n <= m->max ? m->by_num[n] : 0;
  }
  return m->t.slot[id_slot(f, m, hash_bytes(f, 0, f->ann + x.off, x.len), x.off, x.len)];
}

static void idmap_free(idmap *m) {
  free(m->by_num);
  free(m->t.slot);
  free(m->hash);
}

/* The index of the name (kind, x), added when new. */
static size_t intern(stance_brat_fast *f, table *t, unsigned kind, stance_brat_str x) {
  size_t i = hash_bytes(f, kind + 1, f->ann + x.off, x.len) & t->mask;
  for (;;) {
    size_t k = t->slot[i];
    if (k == 0) break;
    {
      const stance_brat_str *n = &f->names[k - 1];
      if (f->kinds[k - 1] == kind && n->len == x.len && memcmp(f->ann + n->off, f->ann + x.off, x.len) == 0)
        return k - 1;
    }
    i = (i + 1) & t->mask;
  }
  f->names[f->nnames] = x;
  f->kinds[f->nnames] = (unsigned char)kind;
  t->slot[i] = ++f->nnames;
  return f->nnames - 1;
}

/* Whether the object is one of the common lines, on its own. */
static int common(const stance_brat_fast *f, const stance_brat_obj *o) {
  const stance_brat_arg *a;
  switch (o->kind) {
  case STANCE_BRAT_T:
    /* (a Document_label T may be a document label or carry the layer's status) */
    return o->count == 1 && o->has_text && !is(f->ann, o->type, "Document_label");
  case STANCE_BRAT_A:
    return o->has_value &&
           (is(f->ann, o->type, "Target") || is(f->ann, o->type, "Stance") || is(f->ann, o->type, "Role"));
  case STANCE_BRAT_R:
    a = &f->doc.args[o->first];
    return o->count == 2 && is(f->ann, a[0].role, "Arg1") && is(f->ann, a[1].role, "Arg2");
  default:
    return 0;
  }
}

static unsigned attr_kind(const stance_brat_fast *f, const stance_brat_obj *o) {
  if (is(f->ann, o->type, "Target")) return STANCE_BRAT_NAME_TARGET;
  if (is(f->ann, o->type, "Stance")) return STANCE_BRAT_NAME_STANCE;
  return STANCE_BRAT_NAME_ROLE;
}

int stance_brat_fast_plan(stance_brat_fast *f, const char *ann, size_t len) {
  table names = {NULL, 0};
  idmap ids;
  size_t i, n;
  int rc;
  memset(f, 0, sizeof *f);
  f->ann = ann;
  rc = stance_brat_parse(ann, len, &f->doc);
  if (rc != STANCE_BRAT_OK) return rc;
  if (f->doc.nproblems > 0) return STANCE_BRAT_UNCOMMON;
  n = f->doc.nobjs;
  for (i = 0; i < n; i++) {
    const stance_brat_obj *o = &f->doc.objs[i];
    if (!common(f, o)) return STANCE_BRAT_UNCOMMON;
    f->nt += o->kind == STANCE_BRAT_T;
    f->nr += o->kind == STANCE_BRAT_R;
  }
  if (n > SIZE_MAX / 2 / sizeof *f->on) return STANCE_BRAT_ENOMEM;
  f->name_of = malloc((n ? n : 1) * sizeof *f->name_of);
  f->on = malloc((n ? 2 * n : 1) * sizeof *f->on);
  f->names = malloc((n ? n : 1) * sizeof *f->names);
  f->kinds = malloc(n ? n : 1);
  if (f->name_of == NULL || f->on == NULL || f->names == NULL || f->kinds == NULL) return STANCE_BRAT_ENOMEM;
  memset(&ids, 0, sizeof ids);
  rc = idmap_init(&ids, f);
  if (rc != 0 || table_init(&names, n) != 0) {
    /* (an ID twice: the reader reports such a line) */
    rc = rc > 0 ? STANCE_BRAT_UNCOMMON : STANCE_BRAT_ENOMEM;
    goto done;
  }
  for (i = 0; i < n; i++) {
    const stance_brat_obj *o = &f->doc.objs[i];
    size_t k, j;
    switch (o->kind) {
    case STANCE_BRAT_T:
      f->name_of[i] = intern(f, &names, STANCE_BRAT_NAME_LABEL, o->type);
      break;
    case STANCE_BRAT_A:
      /* on a T of this file (on an R, a missing or skipped T: what the Lua reader says) */
      k = idmap_find(&ids, f, o->target);
      if (k == 0) goto uncommon;
      f->on[2 * i] = k - 1;
      f->name_of[i] = intern(f, &names, attr_kind(f, o), o->value);
      break;
    case STANCE_BRAT_R:
      for (j = 0; j < 2; j++) {
        const stance_brat_arg *a = &f->doc.args[o->first + j];
        k = idmap_find(&ids, f, a->ref);
        if (k == 0) goto uncommon;
        f->on[2 * i + j] = k - 1;
      }
      f->name_of[i] = intern(f, &names, STANCE_BRAT_NAME_RELATION, o->type);
      break;
    default:
      goto uncommon;
    }
  }
  rc = STANCE_BRAT_OK;
  goto done;
uncommon:
  rc = STANCE_BRAT_UNCOMMON;
done:
  idmap_free(&ids);
  free(names.slot);
  return rc;
}

void stance_brat_fast_free(stance_brat_fast *f) {
  stance_brat_free(&f->doc);
  free(f->name_of);
  free(f->on);
  free(f->names);
  free(f->kinds);
  memset(f, 0, sizeof *f);
}

/* a += b, or 0 when it overflows. */
static int add_size(size_t *a, size_t b) {
  if (b > SIZE_MAX - *a) return 0;
  *a += b;
  return 1;
}

static char *put(char **at, const char *s, size_t n) {
  char *start = *at;
  memcpy(start, s, n);
  start[n] = '\0';
  *at += n + 1;
  return start;
}

/* Where a T's quote and context lie in the text (bytes). */
typedef struct {
  size_t pre, start, end, post;
} place;

/* The IDs of `n` records into `out` (13 bytes each, NUL-terminated). */
static int make_ids(char *out, size_t n, const char *ids, size_t idslen) {
  unsigned char buf[RANDOM_CHUNK];
  size_t i, have = 0, used = 0;
  if (ids != NULL) {
    if (idslen / 12 < n) return STANCE_BRAT_EIDS;
    for (i = 0; i < n; i++) {
      memcpy(out + 13 * i, ids + 12 * i, 12);
      out[13 * i + 12] = '\0';
    }
    return STANCE_BRAT_OK;
  }
  for (i = 0; i < n; i++) {
    if (used == have) {
      size_t left = n - i;
      have = left < RANDOM_CHUNK / 8 ? left * 8 : RANDOM_CHUNK;
      if (uv_random(NULL, NULL, buf, have, 0, NULL) != 0) return STANCE_BRAT_ERANDOM;
      used = 0;
    }
    stance_id_encode(buf + used, out + 13 * i);
    used += 8;
  }
  return STANCE_BRAT_OK;
}

int stance_brat_fast_build(const stance_brat_fast *f, const stance_brat_name *names, const stance_text *text,
                           const char *ids, size_t idslen, stance_store *store, size_t *nrecs) {
  const stance_brat_doc *d = &f->doc;
  size_t n = d->nobjs, total = 0, i, j, tlen, cps, ni = 0, nrec;
  const char *t = stance_text_bytes(text, &tlen);
  const char **fields = NULL; /* per object: target, stance, role */
  place *pl = NULL;
  char **rid = NULL, *blob = NULL, *at, *idtext = NULL;
  const char **nm = NULL, *(*sets)[3] = NULL;
  stance_text_hint hint;
  int rc = STANCE_BRAT_ENOMEM;
  *nrecs = 0;
  cps = stance_text_cps(text);
  if (cps > UINT32_MAX) return STANCE_BRAT_UNCOMMON; /* (offsets the store cannot hold) */
  nrec = f->nt + f->nr;
  if (n > SIZE_MAX / 3 / sizeof *fields || n > SIZE_MAX / sizeof *pl || nrec > SIZE_MAX / 13) return STANCE_BRAT_ENOMEM;
  fields = calloc(n ? 3 * n : 1, sizeof *fields);
  pl = malloc((n ? n : 1) * sizeof *pl);
  rid = malloc((n ? n : 1) * sizeof *rid);
  idtext = malloc(nrec ? 13 * nrec : 1);
  if (fields == NULL || pl == NULL || rid == NULL || idtext == NULL) goto out;
  /* the names, once each, in the blob below */
  for (i = 0; i < f->nnames; i++) {
    if (!add_size(&total, strlen(names[i].name) + 1)) goto out;
    for (j = 0; j < 3; j++)
      if (names[i].sets[j] != NULL && !add_size(&total, strlen(names[i].sets[j]) + 1)) goto out;
  }
  /* where each T is, checked as brat_read.lua's place_one checks it */
  memset(&hint, 0, sizeof hint);
  for (i = 0; i < n; i++) {
    const stance_brat_obj *o = &d->objs[i];
    const stance_brat_span *sp;
    size_t a, b, given;
    if (o->kind != STANCE_BRAT_T) continue;
    sp = &d->spans[o->first];
    if (sp->end < 0 || (uint64_t)sp->end > cps || sp->start >= sp->end) goto uncommon;
    a = (size_t)sp->start;
    b = (size_t)sp->end;
    /* (the T lines are mostly in order of their offsets: the hint follows them) */
    pl[i].pre = a > CONTEXT ? a - CONTEXT : 0;
    pl[i].start = a;
    pl[i].end = b;
    pl[i].post = b + CONTEXT < cps ? b + CONTEXT : cps;
    if (cps != tlen) { /* (else each code point is a byte) */
      pl[i].pre = stance_text_cp_to_byte_hint(text, pl[i].pre, &hint);
      pl[i].start = stance_text_cp_to_byte_hint(text, a, &hint);
      pl[i].end = stance_text_cp_to_byte_hint(text, b, &hint);
      pl[i].post = stance_text_cp_to_byte_hint(text, pl[i].post, &hint);
    }
    /* the text after the offsets: the document's there (what follows it is ignored) */
    given = o->text.len;
    if (given < pl[i].end - pl[i].start || memcmp(f->ann + o->text.off, t + pl[i].start, pl[i].end - pl[i].start) != 0)
      goto uncommon;
    if (!add_size(&total, pl[i].post - pl[i].pre + 3)) goto out;
  }
  if (!add_size(&total, 13 * nrec)) goto out;
  if ((rc = make_ids(idtext, nrec, ids, idslen)) != STANCE_BRAT_OK) goto out;
  rc = STANCE_BRAT_ENOMEM;
  /* (nothing at all: an empty file) */
  if (total > 0 && (blob = stance_store_alloc(store, total)) == NULL) goto out;
  if (nrec >= UINT32_MAX - 1 || stance_store_reserve(store, (uint32_t)nrec) != STANCE_OK) goto out;
  at = blob;
  nm = malloc((f->nnames ? f->nnames : 1) * sizeof *nm);
  sets = malloc((f->nnames ? f->nnames : 1) * sizeof *sets);
  if (nm == NULL || sets == NULL) goto out;
  for (i = 0; i < f->nnames; i++) {
    nm[i] = put(&at, names[i].name, strlen(names[i].name));
    for (j = 0; j < 3; j++)
      sets[i][j] = names[i].sets[j] != NULL ? put(&at, names[i].sets[j], strlen(names[i].sets[j])) : NULL;
  }
  /* the attributes on their T (one of each name per T: more is what the Lua reader takes) */
  for (i = 0; i < n; i++) {
    const stance_brat_obj *o = &d->objs[i];
    size_t k;
    if (o->kind != STANCE_BRAT_A) continue;
    k = f->kinds[f->name_of[i]] - STANCE_BRAT_NAME_TARGET;
    if (fields[3 * f->on[2 * i] + k] != NULL) goto uncommon;
    fields[3 * f->on[2 * i] + k] = nm[f->name_of[i]];
  }
  /* the annotations, with what their label sets (one that contradicts it is the Lua
   * reader's to report) */
  for (i = 0; i < n; i++) {
    const stance_brat_obj *o = &d->objs[i];
    const char **fv = &fields[3 * i];
    stance_rec r;
    stance_range span;
    size_t k = f->name_of[i];
    if (o->kind != STANCE_BRAT_T) continue;
    for (j = 0; j < 3; j++) {
      const char *want = names[k].sets[j] != NULL ? sets[k][j] : NULL;
      if (want == NULL) continue;
      if (fv[j] == NULL)
        fv[j] = want;
      else if (strcmp(fv[j], want) != 0)
        goto uncommon;
    }
    /* (where a record a few ahead goes in the store's map: on its way to the cache) */
    if (ni + 8 < nrec) stance_store_prefetch(store, idtext + 13 * (ni + 8));
    memset(&r, 0, sizeof r);
    r.kind = STANCE_REC_ANNOTATION;
    r.id = rid[i] = put(&at, idtext + 13 * ni++, 12);
    r.f[STANCE_F_LABEL] = (char *)nm[k];
    r.f[STANCE_F_TARGET] = (char *)fv[0];
    r.f[STANCE_F_STANCE] = (char *)fv[1];
    r.f[STANCE_F_ROLE] = (char *)fv[2];
    r.f[STANCE_F_PREFIX] = put(&at, t + pl[i].pre, pl[i].start - pl[i].pre);
    r.f[STANCE_F_QUOTE] = put(&at, t + pl[i].start, pl[i].end - pl[i].start);
    r.f[STANCE_F_SUFFIX] = put(&at, t + pl[i].end, pl[i].post - pl[i].end);
    span.start = (uint32_t)d->spans[o->first].start;
    span.end = (uint32_t)d->spans[o->first].end;
    r.spans = &span;
    r.nspans = 1;
    rc = stance_store_add_kept(store, &r, blob, total, NULL);
    if (rc != STANCE_OK) {
      rc = rc == STANCE_ENOMEM ? STANCE_BRAT_ENOMEM : STANCE_BRAT_UNCOMMON;
      goto out;
    }
  }
  for (i = 0; i < n; i++) {
    const stance_brat_obj *o = &d->objs[i];
    stance_rec r;
    if (o->kind != STANCE_BRAT_R) continue;
    if (ni + 8 < nrec) stance_store_prefetch(store, idtext + 13 * (ni + 8));
    memset(&r, 0, sizeof r);
    r.kind = STANCE_REC_RELATION;
    r.id = put(&at, idtext + 13 * ni++, 12);
    r.f[STANCE_F_TYPE] = (char *)nm[f->name_of[i]];
    r.f[STANCE_F_FROM] = rid[f->on[2 * i]];
    r.f[STANCE_F_TO] = rid[f->on[2 * i + 1]];
    rc = stance_store_add_kept(store, &r, blob, total, NULL);
    if (rc != STANCE_OK) {
      rc = rc == STANCE_ENOMEM ? STANCE_BRAT_ENOMEM : STANCE_BRAT_UNCOMMON;
      goto out;
    }
  }
  *nrecs = nrec;
  rc = STANCE_BRAT_OK;
  goto out;
uncommon:
  rc = STANCE_BRAT_UNCOMMON;
out:
  free(fields);
  free(pl);
  free(rid);
  free(idtext);
  free(nm);
  free(sets);
  return rc;
}
