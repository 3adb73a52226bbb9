/*
 * indexfile.c - the index file format and the jobs that save and load it.
 *
 *   "STANCEIX" | u32 version | u32 0 | u64 body length | body | SHA-256(body)
 *   body: u32 ndocs, docs..., u32 nsegments, segments...
 *   doc: u16 path length, path, u64 size, i64 mtime_ns, 32 bytes hash, u32 words,
 *        u32 segment, u8 deleted
 *   segment: u32 ndocs, u32 nterms, u64 terms length, u64 postings length,
 *            u32 docs[ndocs], u32 term_off[nterms+1], u32 freq[nterms],
 *            u64 post_off[nterms+1], terms, postings
 * All integers little-endian.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "hash.h"
#include "indexfile.h"

#include <openssl/evp.h>

static void put_u16(stance_buf *b, uint16_t v) {
  char c[2] = {(char)(v & 0xFF), (char)(v >> 8)};
  stance_buf_add(b, c, 2);
}
static void put_u32(stance_buf *b, uint32_t v) {
  char c[4];
  int i;
  for (i = 0; i < 4; i++) c[i] = (char)((v >> (8 * i)) & 0xFF);
  stance_buf_add(b, c, 4);
}
static void put_u64(stance_buf *b, uint64_t v) {
  char c[8];
  int i;
  for (i = 0; i < 8; i++) c[i] = (char)((v >> (8 * i)) & 0xFF);
  stance_buf_add(b, c, 8);
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

static int sha256_raw(const void *data, size_t len, unsigned char *out) {
  unsigned int n = 0;
  return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

int stance_index_serialize(const stance_index *ix, stance_buf *out) {
  uint32_t i, k, ndocs = stance_index_ndocs(ix), nsegs = stance_index_nsegments(ix);
  size_t body_at;
  unsigned char digest[32];
  stance_buf_reserve(out, stance_index_memory(ix) + 64);
  stance_buf_add(out, "STANCEIX", 8);
  put_u32(out, STANCE_INDEX_FILE_VERSION);
  put_u32(out, 0);
  put_u64(out, 0); /* body length, patched below */
  body_at = out->len;
  put_u32(out, ndocs);
  for (i = 0; i < ndocs; i++) {
    const stance_doc *d = stance_index_doc(ix, i);
    unsigned char raw[32];
    size_t n = strlen(d->path);
    if (n > 0xFFFF || hex_to_raw(d->hash, raw) != 0) memset(raw, 0, sizeof raw);
    put_u16(out, (uint16_t)(n > 0xFFFF ? 0xFFFF : n));
    stance_buf_add(out, d->path, n > 0xFFFF ? 0xFFFF : n);
    put_u64(out, d->size);
    put_u64(out, (uint64_t)d->mtime_ns);
    stance_buf_add(out, (const char *)raw, 32);
    put_u32(out, d->words);
    put_u32(out, d->segment);
    stance_buf_addc(out, (char)(d->deleted ? 1 : 0));
  }
  put_u32(out, nsegs);
  for (i = 0; i < nsegs; i++) {
    const stance_segment *s = stance_index_segment(ix, i);
    put_u32(out, s->ndocs);
    put_u32(out, s->nterms);
    put_u64(out, s->term_off[s->nterms]);
    put_u64(out, s->post_off[s->nterms]);
    for (k = 0; k < s->ndocs; k++) put_u32(out, s->docs[k]);
    for (k = 0; k <= s->nterms; k++) put_u32(out, s->term_off[k]);
    for (k = 0; k < s->nterms; k++) put_u32(out, s->freq[k]);
    for (k = 0; k <= s->nterms; k++) put_u64(out, s->post_off[k]);
    stance_buf_add(out, s->terms, s->term_off[s->nterms]);
    stance_buf_add(out, (const char *)s->postings, (size_t)s->post_off[s->nterms]);
  }
  if (out->oom) return -1;
  {
    uint64_t body = out->len - body_at;
    int b;
    for (b = 0; b < 8; b++) out->data[body_at - 8 + b] = (char)((body >> (8 * b)) & 0xFF);
    if (sha256_raw(out->data + body_at, (size_t)body, digest) != 0) return -1;
  }
  stance_buf_add(out, (const char *)digest, 32);
  return out->oom ? -1 : 0;
}

/* ---- reading, every length checked -------------------------------------------------------- */

typedef struct reader {
  const unsigned char *p, *end;
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

static stance_segment *read_segment(reader *r, uint32_t ndocs_total, char *err, size_t errlen) {
  uint32_t ndocs = get_u32(r), nterms = get_u32(r), k;
  uint64_t terms_len = get_u64(r), post_len = get_u64(r);
  size_t size, off;
  stance_segment *seg;
  char *block;
  if (r->bad) return NULL;
  /* every array must fit in what is left of the file */
  if ((uint64_t)ndocs * 4 + (uint64_t)nterms * 16 + 12 + terms_len + post_len >
      (uint64_t)(r->end - r->p)) {
    snprintf(err, errlen, "a segment is longer than the file");
    r->bad = 1;
    return NULL;
  }
  size = (size_t)ndocs * 4 + ((size_t)nterms + 1) * 4 + (size_t)nterms * 4;
  size = (size + 7) & ~(size_t)7;
  off = size;
  size += ((size_t)nterms + 1) * 8 + (size_t)terms_len + (size_t)post_len;
  seg = calloc(1, sizeof *seg);
  block = malloc(size ? size : 1);
  if (seg == NULL || block == NULL) {
    free(seg);
    free(block);
    snprintf(err, errlen, "out of memory");
    r->bad = 1;
    return NULL;
  }
  seg->refs = 1;
  seg->block = block;
  seg->block_size = size;
  seg->ndocs = ndocs;
  seg->nterms = nterms;
  seg->docs = (uint32_t *)block;
  seg->term_off = seg->docs + ndocs;
  seg->freq = seg->term_off + nterms + 1;
  seg->post_off = (uint64_t *)(block + off);
  seg->terms = (char *)(seg->post_off + nterms + 1);
  seg->postings = (uint8_t *)seg->terms + terms_len;
  for (k = 0; k < ndocs; k++) {
    seg->docs[k] = get_u32(r);
    if (seg->docs[k] >= ndocs_total) r->bad = 1;
  }
  for (k = 0; k <= nterms; k++) {
    seg->term_off[k] = get_u32(r);
    if ((k > 0 && seg->term_off[k] < seg->term_off[k - 1]) || seg->term_off[k] > terms_len) r->bad = 1;
  }
  for (k = 0; k < nterms; k++) seg->freq[k] = get_u32(r);
  for (k = 0; k <= nterms; k++) {
    seg->post_off[k] = get_u64(r);
    if ((k > 0 && seg->post_off[k] < seg->post_off[k - 1]) || seg->post_off[k] > post_len) r->bad = 1;
  }
  if (!r->bad && (seg->term_off[0] != 0 || seg->term_off[nterms] != terms_len ||
                  seg->post_off[0] != 0 || seg->post_off[nterms] != post_len))
    r->bad = 1;
  if (!r->bad && need(r, (size_t)terms_len + (size_t)post_len)) {
    memcpy(seg->terms, r->p, (size_t)terms_len);
    memcpy(seg->postings, r->p + terms_len, (size_t)post_len);
    r->p += terms_len + post_len;
  }
  if (r->bad) {
    snprintf(err, errlen, "a segment's tables are inconsistent");
    stance_segment_unref(seg);
    return NULL;
  }
  return seg;
}

stance_index *stance_index_deserialize(const char *data, size_t len, char *err, size_t errlen) {
  reader r;
  uint64_t body_len;
  uint32_t version, ndocs, nsegs, i;
  unsigned char digest[32];
  stance_index *ix;
  const unsigned char *body;
  char *path;
  r.p = (const unsigned char *)data;
  r.end = r.p + len;
  r.bad = 0;
  if (len < 24 + 32 || memcmp(data, "STANCEIX", 8) != 0) {
    snprintf(err, errlen, "not a stance index file");
    return NULL;
  }
  r.p += 8;
  version = get_u32(&r);
  get_u32(&r);
  body_len = get_u64(&r);
  if (version != STANCE_INDEX_FILE_VERSION) {
    snprintf(err, errlen, "index file version %u, this stance reads version %d", version,
             STANCE_INDEX_FILE_VERSION);
    return NULL;
  }
  if (body_len != len - 24 - 32) {
    snprintf(err, errlen, "index file truncated or padded (%llu bytes of body, %llu expected)",
             (unsigned long long)(len - 24 - 32), (unsigned long long)body_len);
    return NULL;
  }
  body = r.p;
  if (sha256_raw(body, (size_t)body_len, digest) != 0 || memcmp(digest, body + body_len, 32) != 0) {
    snprintf(err, errlen, "index file checksum mismatch (corrupt)");
    return NULL;
  }
  r.end = body + body_len;
  ix = stance_index_new();
  if (ix == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  ndocs = get_u32(&r);
  path = malloc(65536);
  if (path == NULL) {
    snprintf(err, errlen, "out of memory");
    stance_index_free(ix);
    return NULL;
  }
  for (i = 0; i < ndocs && !r.bad; i++) {
    stance_doc d;
    uint32_t n = get_u16(&r);
    memset(&d, 0, sizeof d);
    if (!need(&r, n)) break;
    memcpy(path, r.p, n);
    path[n] = '\0';
    r.p += n;
    d.path = path;
    d.size = get_u64(&r);
    d.mtime_ns = (int64_t)get_u64(&r);
    if (!need(&r, 32)) break;
    raw_to_hex(r.p, d.hash);
    r.p += 32;
    d.words = get_u32(&r);
    d.segment = get_u32(&r);
    if (!need(&r, 1)) break;
    d.deleted = *r.p++ != 0;
    if (stance_index_add_doc(ix, &d) < 0) {
      snprintf(err, errlen, "out of memory");
      free(path);
      stance_index_free(ix);
      return NULL;
    }
  }
  free(path);
  nsegs = get_u32(&r);
  for (i = 0; i < nsegs && !r.bad; i++) {
    stance_segment *seg = read_segment(&r, ndocs, err, errlen);
    if (seg == NULL) break;
    if (stance_index_add_segment(ix, seg) != 0) r.bad = 1;
    stance_segment_unref(seg);
  }
  if (r.bad || r.p != r.end) {
    if (err[0] == '\0' || !r.bad) snprintf(err, errlen, "index file tables are inconsistent");
    stance_index_free(ix);
    return NULL;
  }
  return ix;
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
  stance_buf b;
  char err[512];
  int rc;
  stance_buf_init(&b);
  if (stance_index_serialize(s->snapshot, &b) != 0) {
    stance_buf_free(&b);
    return stance_job_fail(job, -ENOMEM, "out of memory");
  }
  rc = stance_write_atomic(s->path, b.data, b.len, NULL, err, sizeof err);
  stance_job_set_total(job, 1, b.len);
  stance_job_advance(job, 1, b.len);
  stance_buf_free(&b);
  if (rc != 0) return stance_job_fail(job, -EIO, "%s", err);
  return 0;
}

static const stance_job_ops save_ops = {"save-index", save_prepare, NULL, NULL, save_destroy};

/* A snapshot shares the (immutable) segments and copies the document table. */
static stance_index *snapshot(const stance_index *ix) {
  stance_index *c = stance_index_new();
  uint32_t i;
  if (c == NULL) return NULL;
  for (i = 0; i < stance_index_ndocs(ix); i++) {
    if (stance_index_add_doc(c, stance_index_doc(ix, i)) < 0) goto fail;
  }
  for (i = 0; i < stance_index_nsegments(ix); i++) {
    if (stance_index_add_segment(c, stance_index_segment(ix, i)) != 0) goto fail;
  }
  return c;
fail:
  stance_index_free(c);
  return NULL;
}

stance_job *stance_savejob_new(const stance_index *ix, const char *path) {
  savejob *s = calloc(1, sizeof *s);
  stance_job *job;
  if (s == NULL) return NULL;
  s->snapshot = snapshot(ix);
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
  l->loaded = stance_index_deserialize(data, (size_t)n, err, sizeof err);
  free(data);
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
