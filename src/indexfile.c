/*
 * indexfile.c - the index file format and the jobs that save and load it.
 *
 *   "STANCEIX" | u32 version | u32 0 | u64 body length | u64 0 | body | XXH3-64(body)
 *   body: u32 ndocs, u32 0, docs..., (pad to 8) u32 nsegments, u32 0, segments...
 *   doc: u64 size, i64 mtime_ns, 32 bytes hash, u32 words, u32 segment, u8 deleted,
 *        u16 path length, path
 *   segment: u32 ndocs, u32 nterms, u64 terms length, u64 postings length,
 *            u32 docs[ndocs], u32 term_off[nterms+1], u32 freq[nterms],
 *            u64 post_off[nterms+1], terms, postings (each array 8-aligned in the file)
 * All integers little-endian. On a little-endian machine the segments of a loaded file
 * point into the file's bytes: loading is reading, checking, and no copying.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "hash.h"
#include "indexfile.h"

/* The checksum only guards a cache against damage, so a fast one (xxHash, from Debian's
 * libxxhash-dev, compiled in) rather than a cryptographic one. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#define HEADER 32
#define DIGEST 8

static int little_endian(void) {
  uint16_t x = 1;
  return *(const uint8_t *)&x == 1;
}

/* Where serialized bytes go: a buffer (kept whole), or a file (the buffer is flushed to
 * it as it fills; large arrays go straight from memory). The body is hashed on the way. */
typedef struct sink {
  stance_buf *buf;
  stance_atomic *file;
  XXH3_state_t *sum;
  uint64_t written;
  int hashing, failed;
} sink;

static void sink_flush(sink *s) {
  if (s->file == NULL || s->buf->len == 0) return;
  if (stance_atomic_write(s->file, s->buf->data, s->buf->len) != 0) s->failed = 1;
  s->buf->len = 0;
}

static void sink_add(sink *s, const void *data, size_t len) {
  if (len == 0) return;
  if (s->hashing && XXH3_64bits_update(s->sum, data, len) != XXH_OK) s->failed = 1;
  s->written += len;
  if (s->file != NULL && len >= 65536) {
    sink_flush(s);
    if (stance_atomic_write(s->file, data, len) != 0) s->failed = 1;
    return;
  }
  stance_buf_add(s->buf, data, len);
  if (s->buf->oom) s->failed = 1;
  if (s->file != NULL && s->buf->len >= (1u << 20)) sink_flush(s);
}

static void put_u16(sink *s, uint16_t v) {
  char c[2] = {(char)(v & 0xFF), (char)(v >> 8)};
  sink_add(s, c, 2);
}
static void put_u32(sink *s, uint32_t v) {
  char c[4];
  int i;
  for (i = 0; i < 4; i++) c[i] = (char)((v >> (8 * i)) & 0xFF);
  sink_add(s, c, 4);
}
static void put_u64(sink *s, uint64_t v) {
  char c[8];
  int i;
  for (i = 0; i < 8; i++) c[i] = (char)((v >> (8 * i)) & 0xFF);
  sink_add(s, c, 8);
}

static int hex_to_raw(const char *hex, unsigned char *raw) {
  int i;
  for (i = 0; i < 32; i++) {
    unsigned v = 0;
    int k;
    for (k = 0; k < 2; k++) {
      char c = hex[2 * i + k];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= (unsigned)(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= (unsigned)(c - 'a' + 10);
      else
        return -1;
    }
    raw[i] = (unsigned char)v;
  }
  return 0;
}

static void raw_to_hex(const unsigned char *raw, char *hex) {
  static const char d[] = "0123456789abcdef";
  int i;
  for (i = 0; i < 32; i++) {
    hex[2 * i] = d[raw[i] >> 4];
    hex[2 * i + 1] = d[raw[i] & 15];
  }
  hex[64] = '\0';
}

static void put_digest(uint64_t v, unsigned char *out) {
  int b;
  for (b = 0; b < 8; b++) out[b] = (unsigned char)((v >> (8 * b)) & 0xFF);
}

static void pad8(sink *s) {
  static const char zeros[8] = {0};
  if (s->written % 8) sink_add(s, zeros, 8 - s->written % 8);
}

/* Arrays of little-endian integers: as they are in memory where the machine agrees. */
static void put_u32s(sink *s, const uint32_t *v, size_t n) {
  size_t i;
  if (little_endian()) {
    sink_add(s, v, n * 4);
    return;
  }
  for (i = 0; i < n; i++) put_u32(s, v[i]);
}

static void put_u64s(sink *s, const uint64_t *v, size_t n) {
  size_t i;
  if (little_endian()) {
    sink_add(s, v, n * 8);
    return;
  }
  for (i = 0; i < n; i++) put_u64(s, v[i]);
}

/* Everything but the header's body length and the final digest (the caller patches and
 * appends those). */
static void serialize(const stance_index *ix, sink *s) {
  uint32_t i, ndocs = stance_index_ndocs(ix), nsegs = stance_index_nsegments(ix);
  sink_add(s, "STANCEIX", 8);
  put_u32(s, STANCE_INDEX_FILE_VERSION);
  put_u32(s, 0);
  put_u64(s, 0); /* body length */
  put_u64(s, 0);
  s->hashing = 1;
  put_u32(s, ndocs);
  put_u32(s, 0);
  for (i = 0; i < ndocs; i++) {
    const stance_doc *d = stance_index_doc(ix, i);
    unsigned char raw[32];
    size_t n = strlen(d->path);
    if (n > 0xFFFF) n = 0xFFFF;
    if (hex_to_raw(d->hash, raw) != 0) memset(raw, 0, sizeof raw);
    put_u64(s, d->size);
    put_u64(s, (uint64_t)d->mtime_ns);
    sink_add(s, raw, 32);
    put_u32(s, d->words);
    put_u32(s, d->segment);
    sink_add(s, d->deleted ? "\1" : "\0", 1);
    put_u16(s, (uint16_t)n);
    sink_add(s, d->path, n);
  }
  pad8(s);
  put_u32(s, nsegs);
  put_u32(s, 0);
  for (i = 0; i < nsegs; i++) {
    const stance_segment *g = stance_index_segment(ix, i);
    put_u32(s, g->ndocs);
    put_u32(s, g->nterms);
    put_u64(s, g->term_off[g->nterms]);
    put_u64(s, g->post_off[g->nterms]);
    put_u32s(s, g->docs, g->ndocs);
    pad8(s);
    put_u32s(s, g->term_off, (size_t)g->nterms + 1);
    pad8(s);
    put_u32s(s, g->freq, g->nterms);
    pad8(s);
    put_u64s(s, g->post_off, (size_t)g->nterms + 1);
    sink_add(s, g->terms, g->term_off[g->nterms]);
    pad8(s);
    sink_add(s, g->postings, (size_t)g->post_off[g->nterms]);
    pad8(s);
  }
  s->hashing = 0;
}

static void le64(uint64_t v, unsigned char *out) {
  int b;
  for (b = 0; b < 8; b++) out[b] = (unsigned char)((v >> (8 * b)) & 0xFF);
}

int stance_index_serialize(const stance_index *ix, stance_buf *out) {
  sink s;
  unsigned char digest[DIGEST], len[8];
  size_t base = out->len;
  memset(&s, 0, sizeof s);
  s.buf = out;
  s.sum = XXH3_createState();
  if (s.sum == NULL || XXH3_64bits_reset(s.sum) != XXH_OK) {
    XXH3_freeState(s.sum);
    return -1;
  }
  stance_buf_reserve(out, stance_index_memory(ix) + 4096);
  serialize(ix, &s);
  put_digest(XXH3_64bits_digest(s.sum), digest);
  XXH3_freeState(s.sum);
  if (s.failed || out->oom) return -1;
  le64(s.written - HEADER, len);
  memcpy(out->data + base + 16, len, 8);
  stance_buf_add(out, (const char *)digest, DIGEST);
  return out->oom ? -1 : 0;
}

/* Write `ix` to `path` atomically, streaming (no copy of the index in memory). The index
 * is a cache: no fsync; a damaged file fails its checksum and is rebuilt. */
static int save_streaming(const stance_index *ix, const char *path, char *err, size_t errlen) {
  stance_atomic f;
  stance_buf buf;
  sink s;
  unsigned char digest[DIGEST], len[8];
  if (stance_atomic_open(&f, path, err, errlen) != 0) return -1;
  stance_buf_init(&buf);
  memset(&s, 0, sizeof s);
  s.buf = &buf;
  s.file = &f;
  s.sum = XXH3_createState();
  if (s.sum == NULL || XXH3_64bits_reset(s.sum) != XXH_OK) s.failed = 1;
  if (!s.failed) serialize(ix, &s);
  if (!s.failed) put_digest(XXH3_64bits_digest(s.sum), digest);
  XXH3_freeState(s.sum);
  if (!s.failed) {
    sink_add(&s, digest, DIGEST);
    sink_flush(&s);
    le64(s.written - HEADER - DIGEST, len);
    if (stance_atomic_pwrite(&f, len, 8, 16) != 0) s.failed = 1;
  }
  stance_buf_free(&buf);
  if (s.failed) {
    snprintf(err, errlen, "cannot write %s", path);
    stance_atomic_abort(&f);
    return -1;
  }
  return stance_atomic_commit(&f, 0, err, errlen);
}

/* ---- reading, every length checked -------------------------------------------------------- */

typedef struct reader {
  const unsigned char *base, *p, *end;
  int bad;
} reader;

static int need(reader *r, size_t n) {
  if (r->bad || (size_t)(r->end - r->p) < n) {
    r->bad = 1;
    return 0;
  }
  return 1;
}
static uint32_t get_u16(reader *r) {
  uint32_t v;
  if (!need(r, 2)) return 0;
  v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8;
  r->p += 2;
  return v;
}
static uint32_t get_u32(reader *r) {
  uint32_t v = 0;
  int i;
  if (!need(r, 4)) return 0;
  for (i = 3; i >= 0; i--) v = v << 8 | r->p[i];
  r->p += 4;
  return v;
}
static uint64_t get_u64(reader *r) {
  uint64_t v = 0;
  int i;
  if (!need(r, 8)) return 0;
  for (i = 7; i >= 0; i--) v = v << 8 | r->p[i];
  r->p += 8;
  return v;
}

static void skip_pad(reader *r) {
  size_t off = (size_t)(r->p - r->base);
  if (off % 8 && need(r, 8 - off % 8)) r->p += 8 - off % 8;
}

/* A pointer to `n` bytes here, or NULL (and r->bad). */
static const unsigned char *take(reader *r, size_t n) {
  const unsigned char *at = r->p;
  if (!need(r, n)) return NULL;
  r->p += n;
  return at;
}

/* One segment. Zero copy: its arrays point into the file (shared) when the machine is
 * little-endian; otherwise they are decoded into a block of its own. */
static stance_segment *read_segment(reader *r, uint32_t ndocs_total, stance_shared *shared,
                                    char *err, size_t errlen) {
  uint32_t ndocs = get_u32(r), nterms = get_u32(r), k;
  uint64_t terms_len = get_u64(r), post_len = get_u64(r);
  const unsigned char *docs, *term_off, *freq, *post_off, *terms, *postings;
  stance_segment *seg;
  const unsigned char *start = r->p;
  if (r->bad) return NULL;
  if ((uint64_t)ndocs * 4 + (uint64_t)nterms * 16 + 12 + terms_len + post_len >
      (uint64_t)(r->end - r->p)) {
    snprintf(err, errlen, "a segment is longer than the file");
    r->bad = 1;
    return NULL;
  }
  docs = take(r, (size_t)ndocs * 4);
  skip_pad(r);
  term_off = take(r, ((size_t)nterms + 1) * 4);
  skip_pad(r);
  freq = take(r, (size_t)nterms * 4);
  skip_pad(r);
  post_off = take(r, ((size_t)nterms + 1) * 8);
  terms = take(r, (size_t)terms_len);
  skip_pad(r);
  postings = take(r, (size_t)post_len);
  skip_pad(r);
  if (r->bad) {
    snprintf(err, errlen, "a segment is longer than the file");
    return NULL;
  }
  seg = calloc(1, sizeof *seg);
  if (seg == NULL) {
    snprintf(err, errlen, "out of memory");
    r->bad = 1;
    return NULL;
  }
  seg->refs = 1;
  seg->ndocs = ndocs;
  seg->nterms = nterms;
  if (little_endian()) {
    seg->docs = (uint32_t *)(void *)docs;
    seg->term_off = (uint32_t *)(void *)term_off;
    seg->freq = (uint32_t *)(void *)freq;
    seg->post_off = (uint64_t *)(void *)post_off;
    seg->terms = (char *)(void *)terms;
    seg->postings = (uint8_t *)(void *)postings;
    seg->shared = shared;
    seg->block_size = (size_t)(r->p - start);
    shared->refs++;
  } else {
    size_t size = (size_t)ndocs * 4 + ((size_t)nterms + 1) * 4 + (size_t)nterms * 4, off;
    char *block;
    reader a;
    size = (size + 7) & ~(size_t)7;
    off = size;
    size += ((size_t)nterms + 1) * 8 + (size_t)terms_len + (size_t)post_len;
    block = malloc(size ? size : 1);
    if (block == NULL) {
      free(seg);
      snprintf(err, errlen, "out of memory");
      r->bad = 1;
      return NULL;
    }
    seg->block = block;
    seg->block_size = size;
    seg->docs = (uint32_t *)block;
    seg->term_off = seg->docs + ndocs;
    seg->freq = seg->term_off + nterms + 1;
    seg->post_off = (uint64_t *)(block + off);
    seg->terms = (char *)(seg->post_off + nterms + 1);
    seg->postings = (uint8_t *)seg->terms + terms_len;
    a = *r;
    a.p = docs;
    for (k = 0; k < ndocs; k++) seg->docs[k] = get_u32(&a);
    a.p = term_off;
    for (k = 0; k <= nterms; k++) seg->term_off[k] = get_u32(&a);
    a.p = freq;
    for (k = 0; k < nterms; k++) seg->freq[k] = get_u32(&a);
    a.p = post_off;
    for (k = 0; k <= nterms; k++) seg->post_off[k] = get_u64(&a);
    memcpy(seg->terms, terms, (size_t)terms_len);
    memcpy(seg->postings, postings, (size_t)post_len);
  }
  /* every offset checked before any search trusts it */
  for (k = 0; k < ndocs && !r->bad; k++)
    if (seg->docs[k] >= ndocs_total) r->bad = 1;
  for (k = 0; k <= nterms && !r->bad; k++) {
    if ((k > 0 && seg->term_off[k] < seg->term_off[k - 1]) || seg->term_off[k] > terms_len) r->bad = 1;
    if ((k > 0 && seg->post_off[k] < seg->post_off[k - 1]) || seg->post_off[k] > post_len) r->bad = 1;
  }
  if (!r->bad && (seg->term_off[0] != 0 || seg->term_off[nterms] != terms_len ||
                  seg->post_off[0] != 0 || seg->post_off[nterms] != post_len))
    r->bad = 1;
  if (r->bad) {
    snprintf(err, errlen, "a segment's tables are inconsistent");
    stance_segment_unref(seg);
    return NULL;
  }
  return seg;
}

/* Read an index from `data` (malloc'd), which the index takes over: it is freed when no
 * segment points into it any more, or at once on failure. */
static stance_index *deserialize_owned(char *data, size_t len, char *err, size_t errlen) {
  reader r;
  uint64_t body_len;
  uint32_t version, ndocs, nsegs, i;
  unsigned char digest[DIGEST];
  stance_index *ix;
  stance_shared *shared;
  char *path;
  r.base = (const unsigned char *)data;
  r.p = r.base;
  r.end = r.p + len;
  r.bad = 0;
  if (len < HEADER + DIGEST || memcmp(data, "STANCEIX", 8) != 0) {
    snprintf(err, errlen, "not a stance index file");
    free(data);
    return NULL;
  }
  r.p += 8;
  version = get_u32(&r);
  get_u32(&r);
  body_len = get_u64(&r);
  get_u64(&r);
  if (version != STANCE_INDEX_FILE_VERSION) {
    snprintf(err, errlen, "index file version %u, this stance reads version %d", version,
             STANCE_INDEX_FILE_VERSION);
    free(data);
    return NULL;
  }
  if (body_len != len - HEADER - DIGEST) {
    snprintf(err, errlen, "index file truncated or padded (%llu bytes of body, %llu expected)",
             (unsigned long long)(len - HEADER - DIGEST), (unsigned long long)body_len);
    free(data);
    return NULL;
  }
  put_digest(XXH3_64bits(r.p, (size_t)body_len), digest);
  if (memcmp(digest, r.p + body_len, DIGEST) != 0) {
    snprintf(err, errlen, "index file checksum mismatch (corrupt)");
    free(data);
    return NULL;
  }
  r.end = r.p + body_len;
  ix = stance_index_new();
  shared = calloc(1, sizeof *shared);
  path = malloc(65536);
  if (ix == NULL || shared == NULL || path == NULL) {
    snprintf(err, errlen, "out of memory");
    stance_index_free(ix);
    free(shared);
    free(path);
    free(data);
    return NULL;
  }
  shared->data = data;
  shared->size = len;
  shared->refs = 1; /* ours, dropped at the end */
  ndocs = get_u32(&r);
  get_u32(&r);
  for (i = 0; i < ndocs && !r.bad; i++) {
    stance_doc d;
    uint32_t n;
    memset(&d, 0, sizeof d);
    d.size = get_u64(&r);
    d.mtime_ns = (int64_t)get_u64(&r);
    if (!need(&r, 32)) break;
    raw_to_hex(r.p, d.hash);
    r.p += 32;
    d.words = get_u32(&r);
    d.segment = get_u32(&r);
    if (!need(&r, 1)) break;
    d.deleted = *r.p++ != 0;
    n = get_u16(&r);
    if (!need(&r, n)) break;
    memcpy(path, r.p, n);
    path[n] = '\0';
    r.p += n;
    d.path = path;
    if (stance_index_add_doc(ix, &d) < 0) {
      snprintf(err, errlen, "out of memory");
      r.bad = 1;
    }
  }
  free(path);
  skip_pad(&r);
  nsegs = get_u32(&r);
  get_u32(&r);
  for (i = 0; i < nsegs && !r.bad; i++) {
    stance_segment *seg = read_segment(&r, ndocs, shared, err, errlen);
    if (seg == NULL) break;
    if (stance_index_add_segment(ix, seg) != 0) r.bad = 1;
    stance_segment_unref(seg);
  }
  if (--shared->refs == 0) {
    free(shared->data);
    free(shared);
  }
  if (r.bad || r.p != r.end) {
    if (err[0] == '\0' || !r.bad) snprintf(err, errlen, "index file tables are inconsistent");
    stance_index_free(ix);
    return NULL;
  }
  return ix;
}

stance_index *stance_index_deserialize(const char *data, size_t len, char *err, size_t errlen) {
  char *copy = malloc(len ? len : 1);
  if (copy == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  memcpy(copy, data, len);
  err[0] = '\0';
  return deserialize_owned(copy, len, err, errlen);
}

/* ---- jobs ------------------------------------------------------------------------------------ */

typedef struct savejob {
  stance_index *snapshot;
  char *path;
} savejob;

static void save_destroy(void *data) {
  savejob *s = data;
  if (s == NULL) return;
  stance_index_free(s->snapshot);
  free(s->path);
  free(s);
}

static int save_prepare(stance_job *job) {
  savejob *s = stance_job_data(job);
  char err[512];
  stance_job_set_total(job, 1, 0);
  if (save_streaming(s->snapshot, s->path, err, sizeof err) != 0)
    return stance_job_fail(job, -EIO, "%s", err);
  stance_job_advance(job, 1, 0);
  return 0;
}

static const stance_job_ops save_ops = {"save-index", save_prepare, NULL, NULL, save_destroy};

stance_job *stance_savejob_new(const stance_index *ix, const char *path) {
  savejob *s = calloc(1, sizeof *s);
  stance_job *job;
  if (s == NULL) return NULL;
  s->snapshot = stance_index_snapshot(ix);
  s->path = malloc(strlen(path) + 1);
  if (s->snapshot == NULL || s->path == NULL) goto fail;
  strcpy(s->path, path);
  if ((job = stance_job_new(&save_ops, s)) == NULL) goto fail;
  return job;
fail:
  save_destroy(s);
  return NULL;
}

typedef struct loadjob {
  char *path;
  stance_index *loaded;
} loadjob;

static void load_destroy(void *data) {
  loadjob *l = data;
  if (l == NULL) return;
  free(l->path);
  stance_index_free(l->loaded);
  free(l);
}

static int load_prepare(stance_job *job) {
  loadjob *l = stance_job_data(job);
  FILE *f = fopen(l->path, "rb");
  char *data;
  long n;
  char err[512];
  if (f == NULL) return stance_job_fail(job, -errno, "%s: %s", l->path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return stance_job_fail(job, -EIO, "%s: cannot read", l->path);
  }
  data = malloc((size_t)n + 1);
  if (data == NULL) {
    fclose(f);
    return stance_job_fail(job, -ENOMEM, "out of memory");
  }
  if (fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    fclose(f);
    return stance_job_fail(job, -EIO, "%s: cannot read", l->path);
  }
  fclose(f);
  stance_job_set_total(job, 1, (uint64_t)n);
  err[0] = '\0';
  l->loaded = deserialize_owned(data, (size_t)n, err, sizeof err);
  if (l->loaded == NULL) return stance_job_fail(job, -EINVAL, "%s: %s", l->path, err);
  stance_job_advance(job, 1, (uint64_t)n);
  return 0;
}

static const stance_job_ops load_ops = {"load-index", load_prepare, NULL, NULL, load_destroy};

stance_job *stance_loadjob_new(const char *path) {
  loadjob *l = calloc(1, sizeof *l);
  stance_job *job;
  if (l == NULL) return NULL;
  l->path = malloc(strlen(path) + 1);
  if (l->path == NULL) goto fail;
  strcpy(l->path, path);
  if ((job = stance_job_new(&load_ops, l)) == NULL) goto fail;
  return job;
fail:
  load_destroy(l);
  return NULL;
}

stance_index *stance_loadjob_take(stance_job *job) {
  loadjob *l;
  stance_index *ix;
  if (strcmp(stance_job_kind(job), "load-index") != 0) return NULL;
  l = stance_job_data(job);
  ix = l->loaded;
  l->loaded = NULL;
  return ix;
}
