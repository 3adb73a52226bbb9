/*
 * reader.c - build a store from the lines of an annotation file (see reader.h).
 *
 * The markup reader (markup.c) hands over one decoded line at a time; a record is
 * collected until the next record, a blank line or the end, then checked and added.
 * Strings of the record being collected live in one buffer, addressed by offsets (the
 * buffer may move while it grows).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "markup.h"
#include "reader.h"
#include "worker.h"

/* ---- vocabulary ------------------------------------------------------------------------ */

#define VOCAB_FIELDS 6 /* the five fields, then the attributes the schema declares */
#define VOCAB_ATTRIBUTES 5
struct stance_vocab {
  char **values[VOCAB_FIELDS];
  size_t n[VOCAB_FIELDS], cap[VOCAB_FIELDS];
};

static int vocab_slot(stance_field f) {
  switch (f) {
    case STANCE_F_LABEL: return 0;
    case STANCE_F_TARGET: return 1;
    case STANCE_F_STANCE: return 2;
    case STANCE_F_ROLE: return 3;
    case STANCE_F_TYPE: return 4;
    default: return -1;
  }
}

stance_vocab *stance_vocab_new(void) { return calloc(1, sizeof(stance_vocab)); }

static int vocab_add_slot(stance_vocab *v, int k, const char *value);

void stance_vocab_free(stance_vocab *v) {
  int k;
  size_t i;
  if (v == NULL) return;
  for (k = 0; k < VOCAB_FIELDS; k++) {
    for (i = 0; i < v->n[k]; i++) free(v->values[k][i]);
    free(v->values[k]);
  }
  free(v);
}

stance_vocab *stance_vocab_copy(const stance_vocab *v) {
  stance_vocab *c = stance_vocab_new();
  int k;
  size_t i;
  if (c == NULL || v == NULL) return c;
  for (k = 0; k < VOCAB_FIELDS; k++)
    for (i = 0; i < v->n[k]; i++)
      if (vocab_add_slot(c, k, v->values[k][i]) != STANCE_OK) {
        stance_vocab_free(c);
        return NULL;
      }
  return c;
}

static int vocab_add_slot(stance_vocab *v, int k, const char *value) {
  char *d;
  if (v->n[k] == v->cap[k]) {
    size_t cap = v->cap[k] ? v->cap[k] * 2 : 8;
    char **nv = realloc(v->values[k], cap * sizeof *nv);
    if (nv == NULL) return STANCE_ENOMEM;
    v->values[k] = nv;
    v->cap[k] = cap;
  }
  d = malloc(strlen(value) + 1);
  if (d == NULL) return STANCE_ENOMEM;
  memcpy(d, value, strlen(value) + 1);
  v->values[k][v->n[k]++] = d;
  return STANCE_OK;
}

int stance_vocab_add(stance_vocab *v, stance_field f, const char *value) {
  int k = vocab_slot(f);
  if (k < 0) return STANCE_EINVAL;
  return vocab_add_slot(v, k, value);
}

int stance_vocab_add_attribute(stance_vocab *v, const char *name) {
  return vocab_add_slot(v, VOCAB_ATTRIBUTES, name);
}

uint64_t stance_vocab_digest(const stance_vocab *v) {
  XXH3_state_t st;
  int k;
  size_t i;
  uint64_t h;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, "stance-reader-1", 15); /* a change of what the reader makes: another digest */
  for (k = 0; v != NULL && k < VOCAB_FIELDS; k++) {
    unsigned char sep[2] = {0xFF, (unsigned char)k};
    XXH3_64bits_update(&st, sep, 2);
    for (i = 0; i < v->n[k]; i++) XXH3_64bits_update(&st, v->values[k][i], strlen(v->values[k][i]) + 1);
  }
  h = XXH3_64bits_digest(&st);
  return h;
}

/* Whether the schema declares the attribute `name` (`len` bytes): no warning for it. */
static int vocab_declares(const stance_vocab *v, const char *name, size_t len) {
  size_t i;
  if (v == NULL) return 0;
  for (i = 0; i < v->n[VOCAB_ATTRIBUTES]; i++)
    if (strlen(v->values[VOCAB_ATTRIBUTES][i]) == len && memcmp(v->values[VOCAB_ATTRIBUTES][i], name, len) == 0)
      return 1;
  return 0;
}

int stance_vocab_has(const stance_vocab *v, stance_field f, const char *value) {
  int k = vocab_slot(f);
  size_t i;
  if (v == NULL || k < 0 || v->n[k] == 0) return 1;
  for (i = 0; i < v->n[k]; i++)
    if (strcmp(v->values[k][i], value) == 0) return 1;
  return 0;
}

/* "a, b, c" for messages (at most ~200 bytes). */
static void vocab_list(const stance_vocab *v, stance_field f, char *out, size_t size) {
  int k = vocab_slot(f);
  size_t i, o = 0;
  out[0] = '\0';
  for (i = 0; k >= 0 && i < v->n[k]; i++) {
    size_t len = strlen(v->values[k][i]);
    if (o + len + 8 >= size) {
      strcpy(out + o, ", ...");
      return;
    }
    if (i > 0) {
      memcpy(out + o, ", ", 2);
      o += 2;
    }
    memcpy(out + o, v->values[k][i], len + 1);
    o += len;
  }
}

/* ---- reading --------------------------------------------------------------------------- */

#define NO_OFF ((size_t)-1)

/* What is rare (a problem to say, a record of an unusual shape) kept out of the functions
 * every line goes through: their frames stay small, their common path straight. */
#if defined(__GNUC__)
#define COLD __attribute__((noinline, cold))
#define NOINLINE __attribute__((noinline))
#else
#define COLD
#define NOINLINE
#endif

typedef enum { R_NONE, R_FORMAT, R_DOCUMENT, R_RECORD, R_SKIP } rstate;

typedef struct pending_rel {
  uint32_t line;
  size_t from, to; /* offsets in `refs` */
  size_t id;
} pending_rel;

typedef struct reader {
  stance_store *store;
  const stance_vocab *vocab;
  stance_problems *pr;
  int seen_format, stopped, oom;
  int later_part, unusual;      /* a part after the first; it met `format` or `document` */
  uint32_t records;
  rstate state;
  /* the record being collected */
  stance_rec_kind kind;
  unsigned fields;              /* stance_kind_fields(kind) */
  uint32_t line;
  int broken;
  stance_buf strs;
  size_t id, field[STANCE_F_COUNT];
  uint32_t field_line[STANCE_F_COUNT];
  stance_range *spans;
  uint32_t nspans, spans_cap;
  int note_open;                /* text lines may continue the note */
  int note_inline, note_lines;  /* the note had a value on its line; text lines so far */
  int extra_open;
  stance_buf extras, inner, pending;
  /* relations to check once everything is read */
  pending_rel *rels;
  size_t nrels, rels_cap;
  /* a later part's duplicate IDs (`to`: the conflict side), said once the parts are one */
  pending_rel *dups;
  size_t ndups, dups_cap;
  stance_buf refs;
} reader;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void problem(reader *r, uint32_t line, uint32_t col, stance_severity sev,
                    const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stance_problems_vadd(r->pr, line, col, sev, fmt, ap);
  va_end(ap);
}

static inline size_t keep(reader *r, stance_buf *b, const char *s, size_t len) {
  size_t off = b->len;
  char *p = b->cap - b->len > len + 1 ? b->data + b->len : stance_buf_reserve(b, len + 1);
  if (p == NULL) {
    r->oom = 1;
    return off;
  }
  memcpy(p, s, len);
  p[len] = '\0';
  b->len += len + 1;
  return off;
}

static const char *str(const stance_buf *b, size_t off) {
  return off == NO_OFF ? NULL : b->data + off;
}

/* Append a value in its canonical spelling (a word stays a word, a string is quoted). */
static void add_spelled(stance_buf *b, const stance_value *v) {
  if (v->kind == STANCE_VALUE_WORD) {
    stance_buf_add(b, v->text, v->len);
  } else {
    char *p = stance_buf_reserve(b, 4 * (size_t)v->len + 2);
    if (p == NULL) return;
    b->len += stance_markup_quote(v->text, v->len, p);
    b->data[b->len] = '\0';
  }
}

static void reset_record(reader *r) {
  int f;
  r->strs.len = 0;
  r->id = NO_OFF;
  for (f = 0; f < STANCE_F_COUNT; f++) r->field[f] = NO_OFF;
  r->nspans = 0;
  r->broken = 0;
  r->note_open = 0;
  r->extra_open = 0;
  r->extras.len = 0;
  r->inner.len = 0;
  if (r->extras.data) r->extras.data[0] = '\0';
  if (r->inner.data) r->inner.data[0] = '\0';
}

static int cmp_ranges(const void *a, const void *b) {
  const stance_range *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return (x->end > y->end) - (x->end < y->end);
}

/* 1: [A-Za-z0-9] (an ID's first byte), 2: . _ : - (the others) */
static const unsigned char id_class[256] = {
    ['.'] = 2, ['_'] = 2, [':'] = 2, ['-'] = 2,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

/* valid_id() of `len` bytes that may not end with a NUL */
static int valid_id_n(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i;
  if (len == 0 || id_class[u[0]] != 1) return 0;
  for (i = 1; i < len; i++)
    if (id_class[u[i]] == 0) return 0;
  return 1;
}

static int valid_id(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  if (id_class[*u] != 1) return 0;
  do u++;
  while (id_class[*u] != 0);
  return *u == '\0';
}

static int valid_confidence(const char *s) {
  char *end;
  double d = strtod(s, &end);
  return *s != '\0' && *end == '\0' && d >= 0.0 && d <= 1.0;
}

static int digit(char c) { return (unsigned char)(c - '0') < 10; }

/* 2026-11-22T10:31:07Z, optionally with fractions of a second and an offset. */
static int valid_time(const char *s) {
  /* in order: a NUL stops it before anything past it is read */
  if (!(digit(s[0]) && digit(s[1]) && digit(s[2]) && digit(s[3]) && s[4] == '-' && digit(s[5]) && digit(s[6]) &&
        s[7] == '-' && digit(s[8]) && digit(s[9]) && s[10] == 'T' && digit(s[11]) && digit(s[12]) && s[13] == ':' &&
        digit(s[14]) && digit(s[15]) && s[16] == ':' && digit(s[17]) && digit(s[18])))
    return 0;
  s += 19;
  if (*s == '.') {
    s++;
    if (!digit(*s)) return 0;
    while (digit(*s)) s++;
  }
  if (*s == 'Z') return s[1] == '\0';
  if ((*s == '+' || *s == '-') && digit(s[1]) && digit(s[2]) && s[3] == ':' && digit(s[4]) && digit(s[5]))
    return s[6] == '\0';
  return 0;
}

static int valid_hash(const char *s) {
  size_t i;
  if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64) return 0;
  for (i = 7; s[i]; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  return 1;
}

/* The rules every record keeps, whoever made it (the reader, or a caller of the store that is
 * about to write it): which one `r` breaks, if any. *field: the field a rule names (a
 * relation's missing field). Spans must be sorted already. */
typedef enum {
  RULE_OK,
  RULE_BAD_ID,
  RULE_NO_SPAN,
  RULE_BAD_SPAN,
  RULE_OVERLAP,
  RULE_NO_LABEL,
  RULE_SPANS_ELSEWHERE,
  RULE_NO_FIELD,
  RULE_EMPTY_DOCLABEL,
  RULE_CONFIDENCE
} rec_rule;

static rec_rule broken_rule(const stance_rec *r, stance_field *field, int id_checked) {
  static const stance_field need[3] = {STANCE_F_TYPE, STANCE_F_FROM, STANCE_F_TO};
  uint32_t i;
  if (r->id == NULL || (!id_checked && !valid_id(r->id))) return RULE_BAD_ID;
  if (r->kind == STANCE_REC_ANNOTATION) {
    if (r->nspans == 0) return RULE_NO_SPAN;
    for (i = 0; i < r->nspans; i++) {
      if (r->spans[i].start >= r->spans[i].end) return RULE_BAD_SPAN;
      if (i > 0 && r->spans[i].start < r->spans[i - 1].end) return RULE_OVERLAP;
    }
    if (r->f[STANCE_F_LABEL] == NULL) return RULE_NO_LABEL;
  } else if (r->nspans != 0) {
    return RULE_SPANS_ELSEWHERE;
  } else if (r->kind == STANCE_REC_RELATION) {
    for (i = 0; i < 3; i++)
      if (r->f[need[i]] == NULL) {
        *field = need[i];
        return RULE_NO_FIELD;
      }
  } else if (r->f[STANCE_F_LABEL] == NULL && r->f[STANCE_F_STANCE] == NULL) {
    return RULE_EMPTY_DOCLABEL;
  }
  if (r->f[STANCE_F_CONFIDENCE] != NULL && !valid_confidence(r->f[STANCE_F_CONFIDENCE])) return RULE_CONFIDENCE;
  return RULE_OK;
}

static const char *check_rec(const stance_rec *r) {
  stance_field field = STANCE_F_LABEL;
  static const char *const why[] = {
      NULL, "a record with a bad id", "an annotation with no span or no label", "a bad span",
      "spans out of order or overlapping", "an annotation with no span or no label", "spans on a record that has none",
      "a relation with no type, from or to", "a doclabel with neither a label nor a stance", "a bad confidence"};
  return why[broken_rule(r, &field, 0)];
}

const char *stance_rec_check(const stance_rec *r) { return check_rec(r); }

/* Whether kept text `t` is only comment lines as the reader keeps them ("#...\n" each, no
 * carriage return; NULL: none): written back where it was (at column 1, or indented inside
 * a record), such lines read back as the same comments whatever they say. */
static int only_comments(const char *t) {
  if (t == NULL) return 1;
  while (*t != '\0') {
    const char *nl = strchr(t, '\n');
    if (*t != '#' || nl == NULL || memchr(t, '\r', (size_t)(nl - t)) != NULL) return 0;
    t = nl + 1;
  }
  return 1;
}

const char *stance_store_check(const stance_store *s) {
  uint32_t i, slots = stance_store_slots(s), live = 0;
  int raw = 0, t;
  const char *why = NULL;
  /* comments are checked line by line (the header's comment of every annotation file made
   * each open from the editor's cache write and parse the whole file again); attributes the
   * reader did not know, or anything else, by writing the store and reading it back */
  for (t = 0; t < STANCE_T_COUNT; t++) {
    const char *v = stance_store_get_text(s, (stance_kept)t);
    if (v != NULL && (t == STANCE_T_DOC_EXTRAS || !only_comments(v))) raw = 1;
  }
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    if (r->dead) continue;
    live++;
    if ((why = check_rec(r)) != NULL) return why;
    if (r->extras != NULL || !only_comments(r->comments) || !only_comments(r->inner)) raw = 1;
  }
  if (raw) {
    /* text kept as written (comments, attributes stance does not know) is written back as
     * it is: it must read back as itself, not as records or errors */
    stance_buf b;
    stance_problems p;
    stance_store *again = NULL;
    uint32_t n = 0;
    int k;
    stance_buf_init(&b);
    stance_problems_init(&p);
    if (stance_write(s, &b) == STANCE_OK && !b.oom) again = stance_read(b.data, b.len, NULL, &p);
    if (again == NULL) {
      why = "memory";
    } else {
      for (k = 0; k < STANCE_REC_KINDS; k++) n += stance_store_count(again, (stance_rec_kind)k);
      if (p.errors > 0 || n != live) why = "comments or attributes that do not read back as themselves";
    }
    stance_store_free(again);
    stance_problems_free(&p);
    stance_buf_free(&b);
  }
  return why;
}

/* A value the reader keeps (a field, a header, the document's path) is a C string: a NUL
 * byte (\x00, \u{0}) would end it there, and a rewrite would cut what follows. An error,
 * so that the file is never rewritten (lines kept as written, unknown attributes, keep it). */
static void no_nul(reader *r, const stance_line *l) {
  /* only a decoded string can hold one: the markup refuses a NUL byte in the file */
  if (l->nvalues > 0 && l->values[0].decoded && l->values[0].len > 0 &&
      memchr(l->values[0].text, '\0', l->values[0].len) != NULL)
    problem(r, l->line, l->values[0].col, STANCE_SEV_ERROR,
            "a NUL byte (\\x00, \\u{0}) cannot be kept in a value: it would end it there");
}

static void check_vocab(reader *r, stance_field f, const char *what) {
  const char *v;
  char list[256];
  if (r->vocab == NULL || r->field[f] == NO_OFF) return;
  v = str(&r->strs, r->field[f]);
  if (stance_vocab_has(r->vocab, f, v)) return;
  vocab_list(r->vocab, f, list, sizeof list);
  {
    char msg[512];
    snprintf(msg, sizeof msg, "unknown %s '%s' (schema has %s)", what, v, list);
    problem(r, r->field_line[f], 1, STANCE_SEV_WARNING, "%s", msg);
  }
}

/* A new entry at the end of a list of pending checks (NULL when out of memory). */
static pending_rel *add_pending(reader *r, pending_rel **list, size_t *n, size_t *cap) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 16;
    pending_rel *nl = realloc(*list, c * sizeof *nl);
    if (nl == NULL) {
      r->oom = 1;
      return NULL;
    }
    *list = nl;
    *cap = c;
  }
  return &(*list)[(*n)++];
}

/* The record being collected is complete: check it and add it to the store. */
static void finish_record(reader *r) {
  stance_rec rec;
  const char *id, *kind = stance_rec_kind_name(r->kind);
  int f, rc;
  if (r->state != R_RECORD) return;
  r->state = R_NONE;
  if (r->broken) return;
  id = str(&r->strs, r->id);
  memset(&rec, 0, sizeof rec);
  rec.kind = r->kind;
  rec.id = (char *)id;
  rec.line = r->line;
  for (f = 0; f < STANCE_F_COUNT; f++) rec.f[f] = (char *)str(&r->strs, r->field[f]);
  if (r->kind == STANCE_REC_ANNOTATION && r->nspans > 1) qsort(r->spans, r->nspans, sizeof *r->spans, cmp_ranges);
  rec.spans = r->kind == STANCE_REC_ANNOTATION ? r->spans : NULL;
  rec.nspans = r->kind == STANCE_REC_ANNOTATION ? r->nspans : 0;
  {
    stance_field field = STANCE_F_LABEL;
    switch (broken_rule(&rec, &field, 1)) { /* its ID was checked when its line was read */
    case RULE_OK:
      break;
    case RULE_NO_SPAN:
      problem(r, r->line, 1, STANCE_SEV_ERROR, "%s %s has no span (e.g. `span 120-245`)", kind, id);
      return;
    case RULE_OVERLAP:
      problem(r, r->line, 1, STANCE_SEV_ERROR, "%s %s: its spans overlap", kind, id);
      return;
    case RULE_NO_LABEL:
      problem(r, r->line, 1, STANCE_SEV_ERROR, "%s %s has no label", kind, id);
      return;
    case RULE_NO_FIELD:
      problem(r, r->line, 1, STANCE_SEV_ERROR, "relation %s has no `%s`", id, stance_field_name(field));
      return;
    case RULE_EMPTY_DOCLABEL:
      problem(r, r->line, 1, STANCE_SEV_ERROR, "doclabel %s has neither a label nor a stance", id);
      return;
    case RULE_CONFIDENCE:
      problem(r, r->field_line[STANCE_F_CONFIDENCE], 1, STANCE_SEV_ERROR,
              "confidence '%s' should be a number from 0 to 1", rec.f[STANCE_F_CONFIDENCE]);
      return;
    default: /* an id, a span or spans on another kind: what reading a line refused already */
      problem(r, r->line, 1, STANCE_SEV_ERROR, "%s %s: %s", kind, id, check_rec(&rec));
      return;
    }
  }
  if (r->extras.len > 0) rec.extras = r->extras.data;
  if (r->inner.len > 0) rec.inner = r->inner.data;
  if (r->pending.len > 0) rec.comments = r->pending.data;
  rc = stance_store_add_packed(r->store, &rec, r->strs.data, r->strs.len, NULL);
  if (rc == STANCE_EDUP) {
    const stance_rec *first;
    if (r->later_part) {
      /* its lines are numbered when the parts are put together: say it then */
      pending_rel *d = add_pending(r, &r->dups, &r->ndups, &r->dups_cap);
      if (d == NULL) return;
      d->line = r->line;
      d->id = keep(r, &r->refs, id, strlen(id));
      d->to = rec.f[STANCE_F_CONFLICT] ? keep(r, &r->refs, rec.f[STANCE_F_CONFLICT], strlen(rec.f[STANCE_F_CONFLICT]))
                                       : NO_OFF;
      return;
    }
    first = stance_store_get_conflict(r->store, id, rec.f[STANCE_F_CONFLICT]);
    problem(r, r->line, 1, STANCE_SEV_ERROR, "duplicate id %s (first at line %u)", id, first ? first->line : 0);
    return;
  }
  if (rc != STANCE_OK) {
    r->oom = 1;
    return;
  }
  r->pending.len = 0;
  if (rec.f[STANCE_F_CONFLICT] != NULL)
    problem(r, r->field_line[STANCE_F_CONFLICT] ? r->field_line[STANCE_F_CONFLICT] : r->line, 1, STANCE_SEV_WARNING,
            "%s %s is in conflict (the '%s' version of a merge): keep one version, delete the other (a version "
            "alone: the other side deleted it; keep it or delete it)",
            stance_rec_kind_name(r->kind), id, rec.f[STANCE_F_CONFLICT]);
  if (r->vocab != NULL) {
    check_vocab(r, STANCE_F_LABEL, "label");
    check_vocab(r, STANCE_F_TARGET, "target");
    check_vocab(r, STANCE_F_STANCE, "stance");
    check_vocab(r, STANCE_F_ROLE, "role");
    check_vocab(r, STANCE_F_TYPE, "relation type");
  }
  {
    static const stance_field times[2] = {STANCE_F_CREATED, STANCE_F_MODIFIED};
    for (f = 0; f < 2; f++) {
      const char *t = rec.f[times[f]];
      if (t != NULL && !valid_time(t))
        problem(r, r->field_line[times[f]], 1, STANCE_SEV_WARNING,
                "%s '%s' is not a time like 2026-11-22T10:31:07Z", stance_field_name(times[f]), t);
    }
  }
  if (r->kind == STANCE_REC_RELATION) {
    pending_rel *p = add_pending(r, &r->rels, &r->nrels, &r->rels_cap);
    if (p == NULL) return;
    p->line = r->line;
    p->id = keep(r, &r->refs, id, strlen(id));
    p->from = keep(r, &r->refs, rec.f[STANCE_F_FROM], strlen(rec.f[STANCE_F_FROM]));
    p->to = keep(r, &r->refs, rec.f[STANCE_F_TO], strlen(rec.f[STANCE_F_TO]));
  }
}

static void set_text(reader *r, stance_kept t, stance_buf *b) {
  if (b->len == 0) return;
  if (stance_store_set_text(r->store, t, b->data) != STANCE_OK) r->oom = 1;
  b->len = 0;
}

static void finish_document(reader *r) {
  if (r->state != R_DOCUMENT) return;
  r->state = R_NONE;
  set_text(r, STANCE_T_DOC_EXTRAS, &r->extras);
  set_text(r, STANCE_T_DOC_INNER, &r->inner);
}

static void finish_any(reader *r) {
  finish_record(r);
  finish_document(r);
  if (r->state == R_FORMAT || r->state == R_SKIP) r->state = R_NONE;
}

static void add_comment(stance_buf *b, const stance_line *l) {
  stance_buf_addc(b, '#');
  stance_buf_add(b, l->name, l->name_len);
  stance_buf_addc(b, '\n');
}

static int expect_values(reader *r, const stance_line *l, uint32_t n, const char *what) {
  char count[16];
  if (l->nvalues == n) return 1;
  snprintf(count, sizeof count, "%u", n);
  problem(r, l->line, l->col, STANCE_SEV_ERROR, "`%s` takes %s value(s)", what, count);
  return 0;
}

static int is_name(const stance_line *l, const char *name, size_t len) {
  return l->name_len == len && memcmp(l->name, name, len) == 0;
}

static void start_record_rare(reader *r, const stance_line *l);

/* (not inlined: once per record, it would make the frame of on_line, once per line, bigger) */
NOINLINE static void start_record(reader *r, const stance_line *l) {
  int kind;
  finish_any(r);
  if (r->stopped) return;
  r->records++;
  kind = stance_rec_kind_from_name(l->name, l->name_len);
  if (kind >= 0 && r->seen_format) { /* the common case: another record */
    reset_record(r);
    r->state = R_RECORD;
    r->kind = (stance_rec_kind)kind;
    r->fields = stance_kind_fields(r->kind);
    r->line = l->line;
    if (l->nvalues == 1 && valid_id_n(l->values[0].text, l->values[0].len)) {
      r->id = keep(r, &r->strs, l->values[0].text, l->values[0].len);
      if (!r->oom) stance_store_prefetch(r->store, str(&r->strs, r->id));
      return;
    }
  }
  start_record_rare(r, l);
}

/* start_record() past its common case: `format`, `document`, an unknown record, a bad id. */
COLD static void start_record_rare(reader *r, const stance_line *l) {
  char name[64];
  int kind;
  size_t n = l->name_len < sizeof name - 1 ? l->name_len : sizeof name - 1;
  memcpy(name, l->name, n);
  name[n] = '\0';
  if (r->later_part && (strcmp(name, "format") == 0 || strcmp(name, "document") == 0)) {
    r->unusual = 1; /* the file is read again in one part */
    r->stopped = 1;
    return;
  }
  if (strcmp(name, "format") == 0) {
    if (r->seen_format || r->records > 1) {
      problem(r, l->line, 1, STANCE_SEV_ERROR, "`format` must be the first line");
      r->state = R_SKIP;
      return;
    }
    r->seen_format = 1;
    r->state = R_FORMAT;
    set_text(r, STANCE_T_HEAD, &r->pending);
    if (l->nvalues != 2 || l->values[0].len != 6 || memcmp(l->values[0].text, "stance", 6) != 0) {
      problem(r, l->line, 1, STANCE_SEV_ERROR,
              "not a stance annotation file (the first line should be `format stance 1`)");
      r->stopped = 1;
      return;
    }
    {
      char v[16];
      size_t k = l->values[1].len < sizeof v - 1 ? l->values[1].len : sizeof v - 1;
      long version;
      char *end;
      memcpy(v, l->values[1].text, k);
      v[k] = '\0';
      version = strtol(v, &end, 10);
      if (*end != '\0' || version < 1) {
        problem(r, l->line, l->values[1].col, STANCE_SEV_ERROR, "bad format version '%s'", v);
        r->stopped = 1;
      } else if (version > STANCE_FORMAT_VERSION) {
        problem(r, l->line, l->values[1].col, STANCE_SEV_ERROR,
                "this file is in format version %s, newer than this stance reads (%d): upgrade "
                "stance",
                v, STANCE_FORMAT_VERSION);
        r->stopped = 1;
      }
    }
    return;
  }
  if (!r->seen_format && r->records == 1)
    problem(r, l->line, 1, STANCE_SEV_ERROR, "missing `format stance 1` at the top of the file");
  if (strcmp(name, "document") == 0) {
    if (stance_store_get_header(r->store, STANCE_H_DOCUMENT) != NULL) {
      problem(r, l->line, 1, STANCE_SEV_ERROR, "a file has one `document` record");
      r->state = R_SKIP;
      return;
    }
    r->state = R_DOCUMENT;
    set_text(r, STANCE_T_DOC_COMMENTS, &r->pending);
    r->extras.len = r->inner.len = 0;
    r->extra_open = 0;
    if (!expect_values(r, l, 1, "document")) return;
    no_nul(r, l);
    {
      char *path = malloc((size_t)l->values[0].len + 1);
      if (path == NULL) {
        r->oom = 1;
        return;
      }
      memcpy(path, l->values[0].text, l->values[0].len);
      path[l->values[0].len] = '\0';
      if (stance_store_set_header(r->store, STANCE_H_DOCUMENT, path) != STANCE_OK) r->oom = 1;
      free(path);
    }
    return;
  }
  kind = stance_rec_kind_from_name(l->name, l->name_len);
  if (kind < 0) {
    problem(r, l->line, 1, STANCE_SEV_ERROR,
            "unknown record '%s' (an annotation file has document, annotation, relation and "
            "doclabel records)",
            name);
    r->state = R_SKIP;
    return;
  }
  reset_record(r);
  r->state = R_RECORD;
  r->kind = (stance_rec_kind)kind;
  r->fields = stance_kind_fields(r->kind);
  r->line = l->line;
  if (l->nvalues != 1) {
    problem(r, l->line, 1, STANCE_SEV_ERROR, "`%s` takes one value: its id", name);
    r->broken = 1;
    return;
  }
  r->id = keep(r, &r->strs, l->values[0].text, l->values[0].len);
  if (!valid_id(str(&r->strs, r->id))) {
    problem(r, l->line, l->values[0].col, STANCE_SEV_ERROR,
            "bad id '%s' (letters, digits and . _ : - only)", str(&r->strs, r->id));
    r->broken = 1;
  }
}

static void add_extra(reader *r, stance_buf *b, const stance_line *l, int warn, const char *kind) {
  uint32_t i;
  char name[64];
  size_t n = l->name_len < sizeof name - 1 ? l->name_len : sizeof name - 1;
  memcpy(name, l->name, n);
  name[n] = '\0';
  if (warn && !vocab_declares(r->vocab, l->name, l->name_len))
    problem(r, l->line, l->col, STANCE_SEV_WARNING, "unknown attribute '%s' in %s (kept as written)",
            name, kind);
  stance_buf_add(b, l->name, l->name_len);
  for (i = 0; i < l->nvalues; i++) {
    stance_buf_addc(b, ' ');
    add_spelled(b, &l->values[i]);
  }
  stance_buf_addc(b, '\n');
}

/* The digits from s on (11 at most: more is out of range anyway) as a number in *out; the
 * byte after them, or NULL when there is none. */
static inline const char *read_number(const char *s, const char *end, unsigned long long *out) {
  const char *from = s, *lim = end - s > 11 ? s + 11 : end;
  unsigned long long a = 0;
  unsigned d;
  while (s < lim && (d = (unsigned)(unsigned char)*s - '0') < 10) {
    a = a * 10 + d;
    s++;
  }
  *out = a;
  return s == from ? NULL : s;
}

static int parse_range(const stance_value *v, stance_range *out) {
  const char *s = v->text, *end = v->text + v->len;
  unsigned long long a, b;
  s = read_number(s, end, &a);
  if (s == NULL || s >= end || *s != '-') return 0;
  s = read_number(s + 1, end, &b);
  if (s == NULL || s != end || a > 0xFFFFFFFFull || b > 0xFFFFFFFFull) return 0;
  out->start = (uint32_t)a;
  out->end = (uint32_t)b;
  return 1;
}

/* What is wrong with a span that parse_range refused, when it is two numbers: 1, an offset
 * past the largest (more than 10 digits, or above 4294967295); 2, an end not after its
 * start; 0, anything else. */
COLD static int span_fault(const char *s, const char *end) {
  unsigned long long n[2] = {0, 0};
  int k;
  for (k = 0; k < 2; k++) {
    const char *from = s;
    int big = 0;
    while (s < end && *s >= '0' && *s <= '9') {
      if (s - from >= 10) big = 1;
      else n[k] = n[k] * 10 + (unsigned)(*s - '0');
      s++;
    }
    if (s == from) return 0;
    if (big || n[k] > 0xFFFFFFFFull) n[k] = ~0ull;
    if (k == 0) {
      if (s >= end || *s != '-') return 0;
      s++;
    }
  }
  if (s != end) return 0;
  if (n[0] == ~0ull || n[1] == ~0ull) return 1;
  return n[0] >= n[1] ? 2 : 0;
}

COLD static void bad_span(reader *r, const stance_line *l, uint32_t i) {
  char v[64];
  size_t k = l->values[i].len < sizeof v - 1 ? l->values[i].len : sizeof v - 1;
  int fault = span_fault(l->values[i].text, l->values[i].text + l->values[i].len);
  memcpy(v, l->values[i].text, k);
  v[k] = '\0';
  if (fault == 1)
    problem(r, l->line, l->values[i].col, STANCE_SEV_ERROR,
            "bad span '%s%s': an offset past the largest, 4294967295 (offsets count code points of the document)", v,
            l->values[i].len > k ? "..." : "");
  else if (fault == 2)
    problem(r, l->line, l->values[i].col, STANCE_SEV_ERROR,
            "bad span '%s': it ends where it starts or before (expected START-END with START < END, e.g. 120-245)", v);
  else
    problem(r, l->line, l->values[i].col, STANCE_SEV_ERROR,
            "bad span '%s' (expected START-END with START < END, e.g. 120-245)", v);
  r->broken = 1;
}

COLD static int grow_spans(reader *r) {
  uint32_t cap = r->spans_cap ? r->spans_cap * 2 : 8;
  stance_range *ns = realloc(r->spans, cap * sizeof *ns);
  if (ns == NULL) {
    r->oom = 1;
    return 0;
  }
  r->spans = ns;
  r->spans_cap = cap;
  return 1;
}

static void record_attribute_rare(reader *r, const stance_line *l, int f);

static void record_attribute(reader *r, const stance_line *l) {
  int f;
  r->note_open = 0;
  r->extra_open = 0;
  f = stance_field_from_name(l->name, l->name_len);
  if (f >= 0 && (r->fields >> f & 1u) && r->field[f] == NO_OFF && l->nvalues == 1) {
    if (l->values[0].decoded) no_nul(r, l);
    r->field[f] = keep(r, &r->strs, l->values[0].text, l->values[0].len); /* the common case */
    r->field_line[f] = l->line;
    if (f == STANCE_F_NOTE) {
      r->note_open = 1;
      r->note_inline = 1;
      r->note_lines = 0;
    }
    return;
  }
  if (f < 0 && r->kind == STANCE_REC_ANNOTATION && is_name(l, "span", 4)) { /* (not a field) */
    uint32_t i;
    if (l->nvalues == 0) {
      problem(r, l->line, l->col, STANCE_SEV_ERROR, "`span` needs at least one START-END");
      r->broken = 1;
    }
    for (i = 0; i < l->nvalues; i++) {
      stance_range rg;
      if (!parse_range(&l->values[i], &rg) || rg.start >= rg.end) {
        bad_span(r, l, i);
        continue;
      }
      if (r->nspans == r->spans_cap && !grow_spans(r)) return;
      r->spans[r->nspans++] = rg;
    }
    return;
  }
  record_attribute_rare(r, l, f);
}

/* record_attribute() past its common case: an attribute stance does not know, one given
 * twice, a note without a value, a value count that is wrong. */
COLD static void record_attribute_rare(reader *r, const stance_line *l, int f) {
  char name[64];
  size_t n = l->name_len < sizeof name - 1 ? l->name_len : sizeof name - 1;
  const char *kind;
  memcpy(name, l->name, n);
  name[n] = '\0';
  kind = stance_rec_kind_name(r->kind);
  if (f < 0 || !stance_field_allowed(r->kind, (stance_field)f)) {
    add_extra(r, &r->extras, l, 1, kind);
    r->extra_open = 1;
    return;
  }
  if (r->field[f] != NO_OFF) {
    char at[16];
    snprintf(at, sizeof at, "%u", r->field_line[f]);
    problem(r, l->line, l->col, STANCE_SEV_ERROR, "`%s` given twice (first at line %s)", name, at);
    r->broken = 1;
    return;
  }
  if (f == STANCE_F_NOTE && l->nvalues == 0) {
    r->field[f] = keep(r, &r->strs, "", 0);
  } else {
    if (!expect_values(r, l, 1, name)) {
      r->broken = 1;
      return;
    }
    no_nul(r, l);
    r->field[f] = keep(r, &r->strs, l->values[0].text, l->values[0].len);
  }
  r->field_line[f] = l->line;
  if (f == STANCE_F_NOTE) {
    r->note_open = 1;
    r->note_inline = l->nvalues > 0;
    r->note_lines = 0;
  }
}

/* A `| text` line: one more line of the note above, or of an attribute kept as written.
 * The space after '|' is not part of the text. */
static void record_text(reader *r, const stance_line *l) {
  const char *t = l->name;
  uint32_t n = l->name_len;
  if (n > 0 && *t == ' ') t++, n--;
  if (r->state == R_RECORD && r->note_open) {
    /* The note is the last string kept (text lines follow it directly): extend it. */
    r->strs.len--; /* its NUL */
    if (r->note_lines > 0 || r->note_inline) stance_buf_addc(&r->strs, '\n');
    stance_buf_add(&r->strs, t, n);
    stance_buf_addc(&r->strs, '\0');
    r->note_lines++;
    if (r->strs.oom) r->oom = 1;
    return;
  }
  if (r->extra_open) {
    stance_buf_adds(&r->extras, "  |");
    stance_buf_add(&r->extras, l->name, l->name_len);
    stance_buf_addc(&r->extras, '\n');
    return;
  }
  problem(r, l->line, l->col, STANCE_SEV_ERROR,
          "a `|` line continues a `note` (or an attribute stance does not know)");
  if (r->state == R_RECORD) r->broken = 1;
}

/* A comment inside the `document` record that `stance merge` wrote for a header value both
 * sides changed (`# conflict theirs: annotator "eve"`: ours kept above it, theirs' here) is
 * said as a warning at the comment, as a record's `conflict` mark is: the conflict stays
 * until one version is kept. The lines of a multi-line value (`# conflict theirs:   | ...`)
 * go with the first. */
COLD static void header_conflict(reader *r, const stance_line *l) {
  static const char mark[] = "conflict theirs:";
  const char *t = l->name, *end = l->name + l->name_len;
  size_t n;
  while (t < end && (*t == ' ' || *t == '\t')) t++;
  if ((size_t)(end - t) < sizeof mark - 1 || memcmp(t, mark, sizeof mark - 1) != 0) return;
  t += sizeof mark - 1;
  if (t < end && *t == ' ') t++;
  if (end - t >= 3 && memcmp(t, "  |", 3) == 0) return;
  n = (size_t)(end - t);
  if (n > 80) { /* (cut at a character's start) */
    n = 80;
    while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80) n--;
  }
  problem(r, l->line, l->col, STANCE_SEV_WARNING,
          "document record is in conflict (a merge kept ours and wrote theirs' here: %.*s%s): keep one "
          "version, delete this comment (to keep theirs', write its value in place of ours first)",
          (int)n, t, n < (size_t)(end - t) ? "..." : "");
}

static int on_line(void *ud, const stance_line *l) {
  reader *r = ud;
  if (r->oom) return -1;
  if (r->stopped) return 0;
  switch (l->kind) {
    case STANCE_LINE_BLANK:
      finish_any(r);
      break;
    case STANCE_LINE_COMMENT:
      if (l->in_record && r->state == R_RECORD)
        add_comment(&r->inner, l);
      else if (l->in_record && r->state == R_DOCUMENT) {
        add_comment(&r->inner, l);
        header_conflict(r, l);
      }
      else {
        if (!l->in_record) finish_any(r);
        add_comment(&r->pending, l);
      }
      break;
    case STANCE_LINE_RECORD:
      start_record(r, l);
      break;
    case STANCE_LINE_ATTRIBUTE:
      if (r->state == R_RECORD) {
        record_attribute(r, l);
      } else if (r->state == R_DOCUMENT) {
        int which = -1;
        if (l->name_len == 4 && memcmp(l->name, "hash", 4) == 0) which = STANCE_H_HASH;
        if (l->name_len == 9 && memcmp(l->name, "annotator", 9) == 0) which = STANCE_H_ANNOTATOR;
        if (l->name_len == 6 && memcmp(l->name, "status", 6) == 0) which = STANCE_H_STATUS;
        r->extra_open = 0;
        if (which < 0) {
          add_extra(r, &r->extras, l, 1, "document");
          r->extra_open = 1;
        } else if (stance_store_get_header(r->store, (stance_header)which) != NULL) {
          problem(r, l->line, l->col, STANCE_SEV_ERROR, "`%s` given twice",
                  stance_header_name((stance_header)which));
        } else if (expect_values(r, l, 1, stance_header_name((stance_header)which))) {
          char *v;
          no_nul(r, l);
          v = malloc((size_t)l->values[0].len + 1);
          if (v == NULL) return -1;
          memcpy(v, l->values[0].text, l->values[0].len);
          v[l->values[0].len] = '\0';
          if (which == STANCE_H_HASH && !valid_hash(v))
            problem(r, l->line, l->values[0].col, STANCE_SEV_WARNING,
                    "hash '%s' should be sha256: and 64 lowercase hex digits", v);
          if (which == STANCE_H_STATUS && strcmp(v, "done") != 0 && strcmp(v, "in-progress") != 0)
            problem(r, l->line, l->values[0].col, STANCE_SEV_WARNING,
                    "status '%s' should be done or in-progress", v);
          if (stance_store_set_header(r->store, (stance_header)which, v) != STANCE_OK) r->oom = 1;
          free(v);
        }
      } else if (r->state == R_FORMAT) {
        problem(r, l->line, l->col, STANCE_SEV_ERROR, "`format` has no attributes");
      }
      break;
    case STANCE_LINE_TEXT:
      if (r->state == R_RECORD || r->state == R_DOCUMENT) record_text(r, l);
      break;
  }
  return r->oom ? -1 : 0;
}

static void on_problem(void *ud, stance_problem_kind kind, stance_problem_scope scope,
                       uint32_t line, uint32_t col, const char *msg) {
  reader *r = ud;
  if (r->stopped) return;
  stance_problems_add(r->pr, line, col, STANCE_SEV_ERROR, "%s", msg);
  if (kind != STANCE_PROBLEM_SYNTAX) return;
  if (scope == STANCE_SCOPE_HEADER) {
    finish_any(r);
    r->state = R_SKIP;
  } else if (scope == STANCE_SCOPE_INSIDE && r->state == R_RECORD) {
    r->broken = 1;
  }
}

/* ---- one part of a file ----------------------------------------------------------------

   A file is read in one part, or, when it is big, in parts read at the same time on threads
   of their own: each part starts at a record that follows a blank line, so every part but
   the first starts outside any record, with no comment waiting for it. The parts' records are
   then moved into the first part's store in order, and the relations are checked on the whole. */

static int reader_init(reader *r, const stance_vocab *vocab, stance_problems *pr) {
  memset(r, 0, sizeof *r);
  r->store = stance_store_new();
  r->vocab = vocab;
  r->pr = pr;
  stance_buf_init(&r->strs);
  stance_buf_init(&r->extras);
  stance_buf_init(&r->inner);
  stance_buf_init(&r->pending);
  stance_buf_init(&r->refs);
  return r->store != NULL;
}

static void reader_free(reader *r) {
  stance_buf_free(&r->strs);
  stance_buf_free(&r->extras);
  stance_buf_free(&r->inner);
  stance_buf_free(&r->pending);
  stance_buf_free(&r->refs);
  free(r->spans);
  free(r->rels);
  free(r->dups);
  stance_store_free(r->store);
  r->store = NULL;
}

typedef struct part {
  reader r;
  stance_problems pr;
  const char *text;
  size_t len;
  uint32_t lines;               /* read from line 1 of the part: how many it has */
  int started;                  /* on a thread of its own */
  uv_thread_t thread;
} part;

static void read_part(void *arg) {
  part *p = arg;
  reader *r = &p->r;
  stance_markup_handler h;
  h.line = on_line;
  h.problem = on_problem;
  h.ud = r;
  if (stance_markup_parse_from(p->text, p->len, 1, &h, &p->lines) < 0) r->oom = 1;
  if (!r->oom) finish_any(r);
}

/* Where the part that begins near `from` starts: the start of a record line that follows a
 * blank line, itself after an indented line (inside a record, so no comment waits for the
 * record); NULL when there is none before `end`. */
static const char *part_start(const char *text, const char *from, const char *end) {
  const char *s = from;
  while (s < end) {
    const char *q = memchr(s, '\n', (size_t)(end - s));
    const char *prev;
    if (q == NULL || q + 2 >= end) return NULL;
    s = q + 1;
    if (q[1] != '\n' || q[2] < 'a' || q[2] > 'z') continue;
    prev = q;
    while (prev > text && prev[-1] != '\n') prev--;
    if (prev < q && (*prev == ' ' || *prev == '\t')) return q + 2;
  }
  return NULL;
}

/* A record of a later part has the ID of one before it: reading in one part says which
 * record is then left out and where its comments go. */
static void on_dup(void *ud, const stance_rec *rec, const stance_rec *first) {
  (void)rec;
  (void)first;
  *(int *)ud = 1;
}

/* Number the lines of a later part from `offset` + 1 on: its records, relations, problems. */
static void renumber(part *p, uint32_t offset) {
  uint32_t i, n = stance_store_slots(p->r.store);
  size_t k;
  for (i = 0; i < n; i++) stance_store_at(p->r.store, i)->line += offset;
  for (k = 0; k < p->r.nrels; k++) p->r.rels[k].line += offset;
  for (k = 0; k < p->r.ndups; k++) p->r.dups[k].line += offset;
  for (k = 0; k < p->pr.n; k++) p->pr.items[k].line += offset;
}

static void check_relations(reader *r, const reader *of) {
  size_t i;
  for (i = 0; i < of->nrels; i++) {
    const char *ends[2] = {of->refs.data + of->rels[i].from, of->refs.data + of->rels[i].to};
    int k;
    for (k = 0; k < 2; k++) {
      const stance_rec *t = stance_store_get(r->store, ends[k]);
      /* an end kept only as a version of a merge conflict (a relation whose end the other
       * side deleted: both kept, marked): the marks say it, until one is resolved */
      if (t == NULL) t = stance_store_get_conflict(r->store, ends[k], "theirs");
      if (t == NULL) t = stance_store_get_conflict(r->store, ends[k], "ours");
      if (t == NULL || t->kind == STANCE_REC_RELATION)
        problem(r, of->rels[i].line, 1, STANCE_SEV_WARNING, "relation %s: no annotation with id %s",
                of->refs.data + of->rels[i].id, ends[k]);
    }
  }
}

/* One document stance per target in a layer: two doclabels toward the same target (two
 * writers who each set it, merged by git without a conflict) are said, each later one at its
 * line. A conflict's versions (same ID, marked) are not counted: their mark says it. */
typedef struct doc_target {
  const char *target;
  const char *id;
  uint32_t line;
} doc_target;

static int cmp_doc_targets(const void *a, const void *b) {
  const doc_target *x = a, *y = b;
  int c = strcmp(x->target, y->target);
  if (c != 0) return c;
  return x->line < y->line ? -1 : x->line > y->line;
}

static void check_doclabels(reader *r) {
  uint32_t n = stance_store_count(r->store, STANCE_REC_DOCLABEL), slots = stance_store_slots(r->store), i, k = 0, first;
  doc_target *t;
  if (n < 2) return;
  if ((t = malloc((size_t)n * sizeof *t)) == NULL) {
    r->oom = 1;
    return;
  }
  for (i = 0; i < slots && k < n; i++) {
    const stance_rec *rec = stance_store_at(r->store, i);
    if (rec == NULL || rec->dead || rec->kind != STANCE_REC_DOCLABEL || rec->f[STANCE_F_TARGET] == NULL ||
        rec->f[STANCE_F_CONFLICT] != NULL)
      continue;
    t[k].target = rec->f[STANCE_F_TARGET];
    t[k].id = rec->id;
    t[k].line = rec->line;
    k++;
  }
  qsort(t, k, sizeof *t, cmp_doc_targets);
  for (i = 1, first = 0; i < k; i++) {
    if (strcmp(t[i].target, t[first].target) != 0) {
      first = i; /* the first of another target */
      continue;
    }
    problem(r, t[i].line, 1, STANCE_SEV_WARNING,
            "doclabel %s: a second document stance toward %s (the first at line %u): keep one", t[i].id, t[i].target,
            t[first].line);
  }
  free(t);
}

#define MAX_PARTS 8
#define MIN_PART (2u << 20) /* bytes: below this, a thread costs more than it saves */

static int default_parts(size_t len) {
  size_t n = len / MIN_PART;
  unsigned cpus = stance_cpus();
  if (n > cpus) n = cpus;
  if (n > MAX_PARTS) n = MAX_PARTS;
  return n < 1 ? 1 : (int)n;
}

stance_store *stance_read(const char *text, size_t len, const stance_vocab *vocab,
                          stance_problems *problems) {
  return stance_read_parts(text, len, vocab, problems, 0, NULL);
}

stance_store *stance_read_parts(const char *text, size_t len, const stance_vocab *vocab,
                                stance_problems *problems, int nparts, int *used) {
  part parts[MAX_PARTS];
  int n = 0, k, ok = 1, whole;
  const char *s = text, *end = text + len;
  uint32_t line = 0;
  stance_store *store;
  size_t problems0 = problems->n, errors0 = problems->errors;
  if (nparts <= 0) nparts = default_parts(len);
  if (nparts > MAX_PARTS) nparts = MAX_PARTS;
  memset(parts, 0, sizeof parts);
  /* cut the text */
  while (n < nparts) {
    part *p = &parts[n];
    const char *next = n + 1 < nparts ? part_start(text, text + len / (size_t)nparts * (size_t)(n + 1), end) : NULL;
    if (next != NULL && next <= s) next = NULL;
    p->text = s;
    p->len = (size_t)((next ? next : end) - s);
    n++;
    if (next == NULL) break;
    s = next;
  }
  for (k = 0; k < n; k++) {
    stance_problems_init(&parts[k].pr);
    if (!reader_init(&parts[k].r, vocab, k == 0 ? problems : &parts[k].pr)) ok = 0;
    /* the ID map made at its size once (records of a file have a few hundred bytes), not
     * grown record by record; the first part's takes every part's records in the end */
    {
      size_t guess = (k == 0 ? len : parts[k].len) / 256;
      if (ok && stance_store_reserve(parts[k].r.store, guess < (1u << 26) ? (uint32_t)guess : 1u << 26) != STANCE_OK)
        ok = 0;
    }
    if (k > 0) {
      parts[k].r.seen_format = 1; /* read after the first part */
      parts[k].r.records = 1;
      parts[k].r.later_part = 1;
    }
  }
  for (k = 1; ok && k < n; k++)
    parts[k].started = uv_thread_create(&parts[k].thread, read_part, &parts[k]) == 0;
  if (ok) read_part(&parts[0]);
  for (k = 1; k < n; k++) {
    if (parts[k].started)
      uv_thread_join(&parts[k].thread);
    else if (ok)
      read_part(&parts[k]);
  }
  /* a `format` or `document` record past the first part, comments left waiting at the end
   * of a part, or an ID given in two parts: read the file again in one part, which reports
   * them in the usual way */
  whole = !ok;
  for (k = 0; k < n; k++) {
    if (parts[k].r.oom || parts[k].pr.oom) ok = 0;
    if (parts[k].r.unusual || (k + 1 < n && parts[k].r.pending.len > 0)) whole = 1;
  }
  if (parts[0].r.stopped) n = 1; /* the file is not read past a bad `format` line */
  for (k = 1; ok && !whole && k < n; k++) {
    size_t i;
    line += parts[k - 1].lines; /* every part but the last ends with a line end */
    renumber(&parts[k], line);
    for (i = 0; i < parts[k].pr.n; i++) {
      const stance_problem *q = &parts[k].pr.items[i];
      stance_problems_add(problems, q->line, q->col, q->severity, "%s", q->message);
    }
    if (stance_store_absorb(parts[0].r.store, parts[k].r.store, on_dup, &whole) != STANCE_OK) ok = 0;
    for (i = 0; ok && !whole && i < parts[k].r.ndups; i++) {
      const pending_rel *d = &parts[k].r.dups[i];
      const char *refs = parts[k].r.refs.data;
      const stance_rec *first =
          stance_store_get_conflict(parts[0].r.store, refs + d->id, d->to == NO_OFF ? NULL : refs + d->to);
      problem(&parts[0].r, d->line, 1, STANCE_SEV_ERROR, "duplicate id %s (first at line %u)", refs + d->id,
              first ? first->line : 0);
    }
    if (k + 1 == n) set_text(&parts[0].r, STANCE_T_TAIL, &parts[k].r.pending);
  }
  if (n == 1) set_text(&parts[0].r, STANCE_T_TAIL, &parts[0].r.pending);
  if (ok && !whole) {
    reader *r = &parts[0].r;
    if (!r->seen_format && r->records == 0 && !r->stopped)
      problem(r, 1, 1, STANCE_SEV_ERROR, "missing `format stance 1` at the top of the file");
    for (k = 0; k < n; k++) check_relations(r, &parts[k].r);
    check_doclabels(r);
  }
  store = ok && !whole && !problems->oom && !parts[0].r.oom ? parts[0].r.store : NULL;
  if (store) parts[0].r.store = NULL;
  for (k = 0; k < MAX_PARTS; k++) { /* parts never used are zeroed: freeing them is a no-op */
    reader_free(&parts[k].r);
    stance_problems_free(&parts[k].pr);
  }
  if (whole && ok) {
    size_t i;
    for (i = problems0; i < problems->n; i++) free(problems->items[i].message);
    problems->n = problems0;
    problems->errors = errors0;
    return stance_read_parts(text, len, vocab, problems, 1, used);
  }
  if (store == NULL) return NULL;
  if (used) *used = n;
  stance_problems_sort(problems);
  return store;
}
