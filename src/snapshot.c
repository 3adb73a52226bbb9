/*
 * snapshot.c - saving a store as it is and loading it again without parsing. See snapshot.h.
 */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "reader.h"
#include "walk.h"

#define MAGIC STANCE_SNAPSHOT_MAGIC
#define NONE 0xFFFFFFFFu
#define EXTRA_BITS 3 /* extras, comments, inner after the fields */

static void put32(stance_buf *b, uint32_t v) { stance_buf_add(b, (const char *)&v, 4); }
static void put64(stance_buf *b, uint64_t v) { stance_buf_add(b, (const char *)&v, 8); }

static void put_str(stance_buf *b, const char *s) {
  if (s == NULL) {
    put32(b, NONE);
    return;
  }
  put32(b, (uint32_t)strlen(s));
  stance_buf_adds(b, s);
}

int stance_store_snapshot(const stance_store *s, const char *key, stance_buf *out) {
  stance_buf p;
  uint32_t i, slots = stance_store_slots(s), n = 0;
  int h, t;
  stance_buf_init(&p);
  stance_buf_reserve(&p, stance_store_memory(s) + 4096);
  put_str(&p, key);
  for (h = 0; h < STANCE_H_COUNT; h++) put_str(&p, stance_store_get_header(s, (stance_header)h));
  for (t = 0; t < STANCE_T_COUNT; t++) put_str(&p, stance_store_get_text(s, (stance_kept)t));
  for (i = 0; i < slots; i++)
    if (!stance_store_at(s, i)->dead) n++;
  put32(&p, n);
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    const char *strs[1 + STANCE_F_COUNT + EXTRA_BITS];
    uint32_t present = 0, bloblen = 0, k, nstr = 0;
    unsigned char head[4];
    if (r->dead) continue;
    strs[nstr++] = r->id;
    for (k = 0; k < STANCE_F_COUNT; k++) strs[nstr++] = r->f[k];
    strs[nstr++] = r->extras;
    strs[nstr++] = r->comments;
    strs[nstr++] = r->inner;
    for (k = 0; k < nstr; k++)
      if (strs[k] != NULL) {
        present |= 1u << k;
        bloblen += (uint32_t)strlen(strs[k]) + 1;
      }
    head[0] = (unsigned char)r->kind;
    head[1] = (unsigned char)((r->orphan ? 1 : 0) | (r->touched ? 2 : 0));
    head[2] = head[3] = 0;
    stance_buf_add(&p, (const char *)head, 4);
    put32(&p, r->line);
    put32(&p, r->nspans);
    put32(&p, present);
    put32(&p, bloblen);
    for (k = 0; k < r->nspans; k++) {
      put32(&p, r->spans[k].start);
      put32(&p, r->spans[k].end);
    }
    for (k = 0; k < nstr; k++)
      if (strs[k] != NULL) stance_buf_add(&p, strs[k], strlen(strs[k]) + 1);
  }
  if (p.oom) {
    stance_buf_free(&p);
    return STANCE_ENOMEM;
  }
  stance_buf_add(out, MAGIC, 8);
  put64(out, (uint64_t)p.len);
  put64(out, (uint64_t)XXH3_64bits(p.data, p.len));
  stance_buf_add(out, p.data, p.len);
  stance_buf_free(&p);
  return out->oom ? STANCE_ENOMEM : STANCE_OK;
}

typedef struct reader {
  const char *p, *end;
  int bad;
} reader;

static uint32_t get32(reader *r) {
  uint32_t v = 0;
  if (r->end - r->p < 4) {
    r->bad = 1;
    return 0;
  }
  memcpy(&v, r->p, 4);
  r->p += 4;
  return v;
}

/* The envelope of a snapshot (magic, payload length, checksum of the payload, unless the caller
 * `checked` it already): 1 and `r` on the payload when it holds, else 0. */
static int open_envelope(const char *data, size_t len, int checked, reader *r) {
  uint64_t plen, sum;
  if (len < 24 || memcmp(data, MAGIC, 8) != 0) return 0;
  memcpy(&plen, data + 8, 8);
  memcpy(&sum, data + 16, 8);
  if (plen != len - 24 || (!checked && XXH3_64bits(data + 24, (size_t)plen) != sum)) return 0;
  r->p = data + 24;
  r->end = data + len;
  r->bad = 0;
  return 1;
}

/* A string of the payload, copied NUL-terminated into `tmp` (NULL for none). */
static char *get_str(reader *r, stance_buf *tmp) {
  uint32_t n = get32(r);
  if (r->bad || n == NONE) return NULL;
  if ((uint32_t)(r->end - r->p) < n) {
    r->bad = 1;
    return NULL;
  }
  tmp->len = 0;
  stance_buf_add(tmp, r->p, n);
  stance_buf_addc(tmp, '\0');
  r->p += n;
  return tmp->oom ? NULL : tmp->data;
}

/* The NUL-terminated strings of a record's blob, one for each bit of `present` (from bit 0 to
 * nbits - 1), into the slots: 0, or -1 when one does not end inside the blob. */
static int take_strings(const char *blob, uint32_t bloblen, uint32_t present, unsigned nbits, const char **slot[]) {
  const char *q = blob;
  unsigned bit;
  for (bit = 0; bit < nbits; bit++) {
    const char *nul;
    if (!(present & (1u << bit))) continue;
    nul = q < blob + bloblen ? memchr(q, '\0', (size_t)(blob + bloblen - q)) : NULL;
    if (nul == NULL) return -1;
    *slot[bit] = q;
    q = nul + 1;
  }
  return 0;
}

/* `data` in the memory of `into` (stance_store_alloc) when given: its strings are kept there;
 * else a new store, with copies of them. */
static stance_store *from_snapshot(const char *data, size_t len, const char *key, int prefix, char **whole,
                                   stance_store *into, const char **why) {
  reader r;
  stance_store *s = into;
  stance_buf tmp;
  stance_range *spans = NULL;
  uint32_t spans_cap = 0, n, i;
  const char *k;
  int h, t;
  *why = "damaged";
  if (!open_envelope(data, len, 0, &r)) return NULL;
  stance_buf_init(&tmp);
  k = get_str(&r, &tmp);
  if (r.bad || k == NULL || key == NULL || (prefix ? strncmp(k, key, strlen(key)) : strcmp(k, key)) != 0) {
    stance_buf_free(&tmp);
    if (!r.bad) *why = "stale";
    return NULL;
  }
  if (whole != NULL && (*whole = stance_strdup(k)) == NULL) {
    stance_buf_free(&tmp);
    *why = "memory";
    return NULL;
  }
  if (s == NULL && (s = stance_store_new()) == NULL) {
    stance_buf_free(&tmp);
    *why = "memory";
    return NULL;
  }
  for (h = 0; h < STANCE_H_COUNT && !r.bad; h++) {
    const char *v = get_str(&r, &tmp);
    if (v != NULL && stance_store_set_header(s, (stance_header)h, v) != STANCE_OK) r.bad = 2;
  }
  for (t = 0; t < STANCE_T_COUNT && !r.bad; t++) {
    const char *v = get_str(&r, &tmp);
    if (v != NULL && stance_store_set_text(s, (stance_kept)t, v) != STANCE_OK) r.bad = 2;
  }
  n = get32(&r);
  /* the map made once, not grown record by record (at least 32 bytes a record: a bad count
   * cannot make it huge) */
  if (!r.bad && n <= (uint64_t)(r.end - r.p) / 32 && stance_store_reserve(s, n) != STANCE_OK) r.bad = 2;
  for (i = 0; i < n && !r.bad; i++) {
    stance_rec tmpl;
    uint32_t present, bloblen, nspans, j;
    unsigned char kind, flags;
    const char *blob;
    const char **slot[1 + STANCE_F_COUNT + EXTRA_BITS];
    uint32_t index;
    if (r.end - r.p < 4) {
      r.bad = 1;
      break;
    }
    kind = (unsigned char)r.p[0];
    flags = (unsigned char)r.p[1];
    r.p += 4;
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.kind = (stance_rec_kind)kind;
    tmpl.line = get32(&r);
    nspans = get32(&r);
    present = get32(&r);
    bloblen = get32(&r);
    if (r.bad || kind >= STANCE_REC_KINDS || (uint64_t)(r.end - r.p) < (uint64_t)nspans * 8 + bloblen) {
      r.bad = 1;
      break;
    }
    if (nspans > spans_cap) {
      stance_range *ns = realloc(spans, (size_t)nspans * sizeof *ns);
      if (ns == NULL) {
        r.bad = 2;
        break;
      }
      spans = ns;
      spans_cap = nspans;
    }
    for (j = 0; j < nspans; j++) {
      memcpy(&spans[j].start, r.p, 4);
      memcpy(&spans[j].end, r.p + 4, 4);
      r.p += 8;
    }
    tmpl.spans = spans;
    tmpl.nspans = nspans;
    blob = r.p;
    r.p += bloblen;
    slot[0] = (const char **)&tmpl.id;
    for (j = 0; j < STANCE_F_COUNT; j++) slot[1 + j] = (const char **)&tmpl.f[j];
    slot[1 + STANCE_F_COUNT] = (const char **)&tmpl.extras;
    slot[2 + STANCE_F_COUNT] = (const char **)&tmpl.comments;
    slot[3 + STANCE_F_COUNT] = (const char **)&tmpl.inner;
    if (take_strings(blob, bloblen, present, 1 + STANCE_F_COUNT + EXTRA_BITS, slot) != 0) {
      r.bad = 1;
      break;
    }
    if (tmpl.id != NULL && i + 1 < n) stance_store_prefetch(s, tmpl.id);
    if ((into ? stance_store_add_kept(s, &tmpl, blob, bloblen, &index)
              : stance_store_add_packed(s, &tmpl, blob, bloblen, &index)) != STANCE_OK) {
      r.bad = 1;
      break;
    }
    if (flags & 1) stance_store_at(s, index)->orphan = 1;
    if (flags & 2) stance_store_at(s, index)->touched = 1;
  }
  free(spans);
  stance_buf_free(&tmp);
  if (r.bad || r.p != r.end) {
    *why = r.bad == 2 ? "memory" : "damaged";
    if (into == NULL) stance_store_free(s);
    if (whole != NULL) {
      free(*whole);
      *whole = NULL;
    }
    return NULL;
  }
  stance_store_reindex(s);
  /* a cache can be crafted (committed with the corpus): take from it only what reading the
   * annotation file could have given, or the editor would write a file that does not read */
  if (stance_store_check(s) != NULL) {
    *why = "damaged";
    if (into == NULL) stance_store_free(s);
    if (whole != NULL) {
      free(*whole);
      *whole = NULL;
    }
    return NULL;
  }
  *why = NULL;
  return s;
}

stance_store *stance_store_from_snapshot(const char *data, size_t len, const char *key, const char **why) {
  return from_snapshot(data, len, key, 0, NULL, NULL, why);
}

stance_store *stance_store_from_snapshot_file(const char *path, const char *prefix, char **key, const char **why) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  stance_store *s = NULL;
  char *data;
  size_t got = 0;
  *key = NULL;
  *why = "missing";
  if (fd < 0) return NULL;
  *why = "memory";
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > SIZE_MAX / 2 ||
      (s = stance_store_new()) == NULL || (data = stance_store_alloc(s, (size_t)st.st_size + 1)) == NULL) {
    close(fd);
    stance_store_free(s);
    return NULL;
  }
  /* read straight into the store's memory: the records' strings stay there */
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (got != (size_t)st.st_size || from_snapshot(data, got, prefix, 1, key, s, why) == NULL) {
    if (got != (size_t)st.st_size) *why = "damaged"; /* changed while read */
    stance_store_free(s);
    return NULL;
  }
  return s;
}

/* ---- a snapshot read in place ------------------------------------------------------------ */

/* One allocation: the view, then its records (strings into the snapshot), their spans and
 * the order. */
/* A view is small (a few hundred bytes for a usual layer, so that it comes from the
 * allocator's fast path): per record, only where it is in the snapshot, its kind and where
 * its spans start; a record's fields are decoded again when it is asked for, into the one
 * record the view keeps (the last one asked for). Everything was checked at open. */
struct stance_snapview {
  const char *data;        /* the snapshot (the caller's memory) */
  size_t len;
  uint32_t n, cur;         /* records; the slot decoded in `rec` (n: none yet) */
  uint32_t *at;            /* per slot: the offset of its record in data */
  uint32_t *span_at;       /* per slot: its first span in `spans` */
  uint32_t *order;         /* the writer's order */
  unsigned char *kinds;    /* per slot */
  stance_range *spans;     /* every record's spans, aligned, in slot order */
  const char *head[STANCE_H_COUNT];
  size_t headlen[STANCE_H_COUNT];
  stance_rec rec;
};

void stance_snapview_free(stance_snapview *v) { free(v); }

static int cmp_id_side(const void *pa, const void *pb) {
  const stance_rec *a = *(const stance_rec *const *)pa, *b = *(const stance_rec *const *)pb;
  const char *sa = a->f[STANCE_F_CONFLICT], *sb = b->f[STANCE_F_CONFLICT];
  int c = strcmp(a->id, b->id);
  if (c != 0) return c;
  if (sa == NULL || sb == NULL) return (sa != NULL) - (sb != NULL);
  return strcmp(sa, sb);
}

/* Whether two records share an ID (with its conflict side): a store refuses the second. */
static int has_dup(const stance_rec *recs, uint32_t n, const char **why) {
  const stance_rec **p;
  uint32_t i, j;
  int dup = 0;
  if (n <= 16) {
    for (i = 0; i < n; i++)
      for (j = i + 1; j < n; j++) {
        const stance_rec *a = &recs[i], *b = &recs[j];
        if (cmp_id_side(&a, &b) == 0) return 1;
      }
    return 0;
  }
  if ((p = malloc((size_t)n * sizeof *p)) == NULL) {
    *why = "memory";
    return 1;
  }
  for (i = 0; i < n; i++) p[i] = &recs[i];
  qsort(p, n, sizeof *p, cmp_id_side);
  for (i = 1; i < n && !dup; i++) dup = cmp_id_side(&p[i - 1], &p[i]) == 0;
  free(p);
  return dup;
}

static uint32_t get32_at(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* The index of the lowest bit set of x (not 0). */
static unsigned lowest_bit(uint32_t x) {
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_ctz(x);
#else
  unsigned b = 0;
  while (!(x & 1u)) {
    x >>= 1;
    b++;
  }
  return b;
#endif
}

/* The record of slot `i` whose bytes start at `p` (up to `end`) into *rec, its spans already at
 * `spans`: 0, or -1 when it is not one a store would load (then *why may say "raw"). */
static int decode_rec(const char *p, const char *end, uint32_t i, const stance_range *spans, stance_rec *rec,
                      const char **why) {
  uint32_t present, bloblen, nspans, line;
  unsigned char kind, flags;
  const char *q, *blob_end;
  if (end - p < 20) return -1;
  kind = (unsigned char)p[0];
  flags = (unsigned char)p[1];
  memcpy(&line, p + 4, 4);
  memcpy(&nspans, p + 8, 4);
  memcpy(&present, p + 12, 4);
  memcpy(&bloblen, p + 16, 4);
  if (kind >= STANCE_REC_KINDS || (present >> (1 + STANCE_F_COUNT)) != 0) { /* extras, comments: a store checks them */
    if (kind < STANCE_REC_KINDS) *why = "raw";
    return -1;
  }
  if ((uint64_t)(end - p - 20) < (uint64_t)nspans * 8 + bloblen) return -1;
  memset(rec, 0, sizeof *rec);
  rec->line = line;
  rec->kind = (stance_rec_kind)kind;
  rec->spans = (stance_range *)spans;
  /* (a store keeps the spans of annotations only) */
  rec->nspans = kind == STANCE_REC_ANNOTATION ? nspans : 0;
  /* the strings of the bits set (bit 0 the id, 1 + f field f), one after the other */
  q = p + 20 + (size_t)nspans * 8;
  blob_end = q + bloblen;
  while (present != 0) {
    unsigned bit = lowest_bit(present);
    const char *nul = q < blob_end ? memchr(q, '\0', (size_t)(blob_end - q)) : NULL;
    if (nul == NULL) return -1;
    if (bit == 0)
      rec->id = (char *)q;
    else
      rec->f[bit - 1] = (char *)q;
    q = nul + 1;
    present &= present - 1;
  }
  rec->index = i;
  rec->orphan = (flags & 1) != 0;
  rec->touched = (flags & 2) != 0;
  return 0;
}

/* What ordering the record needs of it (kind, spans, id, the conflict side), into *rec, as
 * decode_rec gives it (and the same refusals); its other strings are not looked at (the
 * caller vouched for them: see stance_snapview_open). The rest of *rec is not set. */
static int decode_key(const char *p, const char *end, const stance_range *spans, stance_rec *rec, const char **why) {
  uint32_t present, bloblen, nspans;
  unsigned char kind;
  const char *q;
  if (end - p < 20) return -1;
  kind = (unsigned char)p[0];
  memcpy(&nspans, p + 8, 4);
  memcpy(&present, p + 12, 4);
  memcpy(&bloblen, p + 16, 4);
  if (kind >= STANCE_REC_KINDS || (present >> (1 + STANCE_F_COUNT)) != 0) {
    if (kind < STANCE_REC_KINDS) *why = "raw";
    return -1;
  }
  if ((uint64_t)(end - p - 20) < (uint64_t)nspans * 8 + bloblen) return -1;
  rec->kind = (stance_rec_kind)kind;
  rec->spans = (stance_range *)spans;
  rec->nspans = kind == STANCE_REC_ANNOTATION ? nspans : 0;
  rec->id = NULL;
  rec->f[STANCE_F_CONFLICT] = NULL;
  q = p + 20 + (size_t)nspans * 8;
  /* the id is the first string (bit 0); with no id, a record is refused all the same */
  if ((present & 1u) && bloblen > 0 && memchr(q, '\0', bloblen) != NULL) rec->id = (char *)q;
  return 0;
}

stance_snapview *stance_snapview_open(const char *data, size_t len, const char *key, int checked, const char **why) {
  uint64_t nspans_all = 0;
  reader r;
  stance_snapview *v;
  stance_rec small[8], *recs = small; /* every record decoded, for the checks that compare them */
  const char *recs_at, *head[STANCE_H_COUNT];
  size_t headlen[STANCE_H_COUNT];
  uint32_t n, i, klen, used = 0;
  int h, t, bad = 0;
  *why = "damaged";
  if (!open_envelope(data, len, checked, &r)) return NULL;
  if (len > UINT32_MAX) { /* (offsets are kept in 32 bits: a store loads it) */
    *why = "raw";
    return NULL;
  }
  klen = get32(&r);
  if (r.bad || klen == NONE || (uint32_t)(r.end - r.p) < klen) return NULL;
  if (key == NULL || strlen(key) != klen || memcmp(r.p, key, klen) != 0) {
    *why = "stale";
    return NULL;
  }
  r.p += klen;
  for (h = 0; h < STANCE_H_COUNT && !r.bad; h++) {
    uint32_t hl = get32(&r);
    head[h] = NULL;
    headlen[h] = 0;
    if (r.bad || hl == NONE) continue;
    if ((uint32_t)(r.end - r.p) < hl) {
      r.bad = 1;
      break;
    }
    head[h] = r.p;
    headlen[h] = strnlen(r.p, hl); /* a store keeps it as a C string */
    r.p += hl;
  }
  for (t = 0; t < STANCE_T_COUNT && !r.bad; t++)
    if (get32(&r) != NONE && !r.bad) { /* text kept as written: a store checks it reads back */
      *why = "raw";
      return NULL;
    }
  n = get32(&r);
  if (r.bad || n > (uint64_t)(r.end - r.p) / 20) return NULL;
  /* first pass: where the records are, and how many spans they have */
  recs_at = r.p;
  for (i = 0; i < n; i++) {
    uint32_t nspans, bloblen;
    if (r.end - r.p < 20) return NULL;
    r.p += 8;
    nspans = get32(&r);
    r.p += 4;
    bloblen = get32(&r);
    if ((uint64_t)(r.end - r.p) < (uint64_t)nspans * 8 + bloblen) return NULL;
    r.p += (size_t)nspans * 8 + bloblen;
    nspans_all += nspans;
  }
  if (r.p != r.end) return NULL;
  /* the view (n and nspans_all are bounded by len: the sizes below cannot overflow) */
  {
    size_t spanbytes = (size_t)nspans_all * sizeof(stance_range), u32s = (size_t)n * 3 * sizeof(uint32_t);
    if ((v = malloc(sizeof *v + spanbytes + u32s + n)) == NULL) {
      *why = "memory";
      return NULL;
    }
    v->spans = (stance_range *)(void *)(v + 1);
    v->at = (uint32_t *)(void *)((char *)v->spans + spanbytes);
    v->span_at = v->at + n;
    v->order = v->span_at + n;
    v->kinds = (unsigned char *)(v->order + n);
  }
  if (n > sizeof small / sizeof small[0] && (recs = malloc((size_t)n * sizeof *recs)) == NULL) {
    free(v);
    *why = "memory";
    return NULL;
  }
  v->data = data;
  v->len = len;
  v->n = n;
  v->cur = n;
  memcpy(v->head, head, sizeof head);
  memcpy(v->headlen, headlen, sizeof headlen);
  /* second pass: each record decoded and checked as a store loading it would */
  r.p = recs_at;
  for (i = 0; i < n && !bad; i++) {
    uint32_t nspans, bloblen, j;
    stance_rec *rec = &recs[i];
    const char *p = r.p;
    memcpy(&nspans, p + 8, 4);
    memcpy(&bloblen, p + 16, 4);
    for (j = 0; j < nspans; j++) {
      memcpy(&v->spans[used + j].start, p + 20 + (size_t)j * 8, 4);
      memcpy(&v->spans[used + j].end, p + 24 + (size_t)j * 8, 4);
    }
    r.p = p + 20 + (size_t)nspans * 8 + bloblen;
    /* (a snapshot vouched for: only what the order reads, unless a conflict side is there) */
    if (checked && !((get32_at(p + 12) >> (1 + STANCE_F_CONFLICT)) & 1u)
            ? decode_key(p, r.p, v->spans + used, rec, why) != 0
            : decode_rec(p, r.p, i, v->spans + used, rec, why) != 0) {
      bad = 1;
      break;
    }
    v->at[i] = (uint32_t)(p - data);
    v->span_at[i] = used;
    v->kinds[i] = (unsigned char)rec->kind;
    used += nspans;
    /* what reading the annotation file could have given, as a store from it is checked; not
     * again in a snapshot the caller verified as its own (see snapshot.h) */
    if (rec->id == NULL) bad = 1; /* (the order reads it) */
    if (checked) continue;
    for (j = 0; j < STANCE_F_COUNT && !bad; j++)
      if (rec->f[j] != NULL && !stance_field_allowed(rec->kind, (stance_field)j)) bad = 1;
    if (!bad && stance_rec_check(rec) != NULL) bad = 1;
  }
  if (bad || (!checked && has_dup(recs, n, why))) {
    if (recs != small) free(recs);
    free(v);
    return NULL;
  }
  if (stance_recs_order(recs, n, v->order) != STANCE_OK) {
    if (recs != small) free(recs);
    *why = "memory";
    free(v);
    return NULL;
  }
  if (recs != small) free(recs);
  *why = NULL;
  return v;
}

uint32_t stance_snapview_count(const stance_snapview *v) { return v->n; }

const stance_rec *stance_snapview_at(stance_snapview *v, uint32_t i) {
  const char *why;
  if (i >= v->n) return NULL;
  if (v->cur != i) {
    /* (checked at open: this decodes what was checked, within the record's bounds) */
    const char *end = i + 1 < v->n ? v->data + v->at[i + 1] : v->data + v->len;
    if (decode_rec(v->data + v->at[i], end, i, v->spans + v->span_at[i], &v->rec, &why) != 0) {
      v->cur = v->n;
      return NULL;
    }
    v->cur = i;
  }
  return &v->rec;
}

const char *stance_snapview_string(const stance_snapview *v, uint32_t i, int f, size_t *len) {
  const char *p, *end, *q, *blob_end, *nul;
  uint32_t nspans, present, bloblen;
  unsigned bit = (unsigned)(f + 1); /* (bit 0 the id, 1 + f field f, as decode_rec reads them) */
  if (i >= v->n || f < -1 || f >= STANCE_F_COUNT) return NULL;
  p = v->data + v->at[i];
  end = i + 1 < v->n ? v->data + v->at[i + 1] : v->data + v->len;
  if (end - p < 20) return NULL;
  memcpy(&nspans, p + 8, 4);
  memcpy(&present, p + 12, 4);
  memcpy(&bloblen, p + 16, 4);
  if (!((present >> bit) & 1u) || (uint64_t)(end - p - 20) < (uint64_t)nspans * 8 + bloblen) return NULL;
  q = p + 20 + (size_t)nspans * 8;
  blob_end = q + bloblen;
  /* past the strings of the bits below it, one after the other */
  for (present &= (1u << bit) - 1u; present != 0; present &= present - 1) {
    if (q >= blob_end || (nul = memchr(q, '\0', (size_t)(blob_end - q))) == NULL) return NULL;
    q = nul + 1;
  }
  if (q >= blob_end || (nul = memchr(q, '\0', (size_t)(blob_end - q))) == NULL) return NULL;
  *len = (size_t)(nul - q);
  return q;
}

int stance_snapview_kind(const stance_snapview *v, uint32_t i) { return i < v->n ? v->kinds[i] : -1; }
const uint32_t *stance_snapview_order(const stance_snapview *v) { return v->order; }
const char *stance_snapview_header(const stance_snapview *v, stance_header h, size_t *len) {
  if (h >= STANCE_H_COUNT) return NULL;
  *len = v->headlen[h];
  return v->head[h];
}
