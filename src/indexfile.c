/*
 * indexfile.c - the index folder's formats, saving and loading, and their jobs.
 *
 * All integers little-endian; every table 8-aligned in its file.
 *
 * meta (its header and the pages of segs and their document numbers checked when loaded;
 * the documents and folders decoded, each page checked, when used: stance_meta):
 *   header (64): "STANCEIX" | u32 version | u32 12 (page bits) | u64 body length |
 *                u64 XXH3-64(the page sums and the zeros after them) | u64 rule | u32 ndocs
 *                | u32 ndirs | u32 nsegs | u32 0 | u64 XXH3-64(header before this field)
 *   page sums:   u32 per 4096 bytes of the body (the low half of XXH3-64 of the page)
 *   body (at the next multiple of 4096, so that every byte of the file is under a checksum):
 *                docs[ndocs] (48 bytes: u64 size, i64 mtime_ns, i64 ctime_ns, u64 inode,
 *                u32 words, u32 path offset, u32 path length, u8 flags (1 racy, 2 link),
 *                3 zero bytes), hashes[ndocs] (32 bytes each), dirs[ndirs] (24 bytes: i64
 *                mtime_ns, u32 path offset, u32 path length, u8 flags (1 racy), 7 zero
 *                bytes), segs[nsegs] (24 bytes: u64 id, u32 ndocs, u32 nterms, u64 file
 *                size), each segment's document numbers (u32 each; 0xFFFFFFFF: gone),
 *                (pad to 8) strings (paths, each followed by a NUL byte).
 *   Documents are live and sorted by path (strictly: a lookup is a binary search); folders
 *   sorted by path. Version 6; version 5 had segments of version 1 (each word's postings
 *   interleaved: a document, its positions, the next one), version 4 no page sums.
 *
 * seg-<id as 16 hex digits>.bin (its header checked when loaded, its pages when read):
 *   header (64): "STANCESG" | u32 version | u32 12 (page bits) | u32 nterms | u32 ndocs |
 *                u64 terms length | u64 postings length | u64 data length |
 *                u64 XXH3-64(page sums) | u64 XXH3-64(header before this field)
 *   page sums:   u32 per 4096 bytes of data (the low half of XXH3-64 of the page)
 *   data (at the next multiple of 4096): term_off[nterms + 1] u32 | freq[nterms] u32 |
 *                (pad to 8) post_off[nterms + 1] u64 | keys[ceil(nterms / 64)] (the first 8
 *                bytes of every 64th word, big-endian u64: where a lookup starts) | terms |
 *                (pad to 8) postings (per word: varint(length of its documents' part), its
 *                documents, then their positions: the format is in builder.c). Version 2.
 *
 * Checksums only guard against damage (a crafted file can have right ones): safety comes
 * from checking every count, offset and length before it is used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#if defined(__linux__)
#include <sys/vfs.h>
#endif

#include "atomic.h"
#include "hash.h"
#include "indexfile.h"
#include "indexjob.h"
#include "worker.h"

/* The checksum only guards a cache against damage, so a fast one (xxHash, from Debian's
 * libxxhash-dev, compiled in) rather than a cryptographic one. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "xxh3wide.h"

#define HEADER 64
#define PAGE_BITS 12
#define PAGE ((uint64_t)1 << PAGE_BITS)
#define DOC_BYTES 48
#define DIR_BYTES 24
#define SEG_BYTES 24
#define SEG_VERSION 2
#define GONE STANCE_DOC_GONE
/* A save keeps the segments few (a search reads the dictionary of each), at a bounded cost,
 * as an LSM tree's tiers do: from the smallest up, a group gathers the segments at most
 * TIER_RATIO times the size of its first (sizes below TIER_FLOOR count as TIER_FLOOR), at
 * most MERGE_WAYS of them and MERGE_MAX bytes together; it is merged into one segment when
 * it has TIER_MIN of them or fills half of MERGE_MAX (and when one of them lost more than
 * half its documents, which a merge drops). So a save after a few edits merges nothing
 * or a few small segments; one after a rebuild (segments of about 10 to 14 MB each, one per
 * 24 MB that a thread held) packs them into segments of up to MERGE_MAX; a segment is
 * merged again only once TIER_MIN others of its size have come; at most MAX_SEGMENTS are
 * kept. Each merged segment is written and mapped while the next merge reads its inputs'
 * sizes (its first pass), and a merge gives back the pages of its inputs as it goes
 * (stance_segments_merge): a save holds one merge's output at a time. */
#define TIER_FLOOR (1u * 1024u * 1024u)
#define TIER_RATIO 4
#define TIER_MIN 4
#define MERGE_WAYS 8
#define MERGE_MAX (32u * 1024u * 1024u)
#define MAX_SEGMENTS 32
/* A merge of less than this is not shared between threads. */
#define MERGE_SHARED (4u * 1024u * 1024u)
#define LOCK_WAIT_MS 30000

static uint64_t pad8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

int stance_index_path_ok(const char *path, size_t n, int root_ok) {
  const char *p = path, *end = path + n, *slash;
  if (n == 0) return root_ok;
  if (memchr(path, '\0', n) != NULL) return 0;
  /* every component (what starts the path, and what follows each '/') is neither empty nor
   * starts with '.' (".", "..", hidden): the slashes found with memchr, not byte by byte */
  for (;;) {
    if (p == end || *p == '/' || *p == '.') return 0;
    if ((slash = memchr(p, '/', (size_t)(end - p))) == NULL) return 1;
    p = slash + 1;
  }
}

/* ---- page checksums ------------------------------------------------------------------------- */

/* XXH3-64, with AVX2 when the processor has it for an input past XXH3's short forms (the same
 * value: see xxh3wide.h): the page sums of a segment (4 bytes a page: 30 KB for a segment of
 * 30 MB) and of the meta file are hashed whole at every load, and each page read is checked,
 * in half the instructions. */
static uint64_t sum64(const void *p, size_t n) {
  uint64_t h;
  if (n > 240 && stance_xxh3_wide(p, n, &h)) return h;
  return XXH3_64bits(p, n);
}

static uint32_t page_sum(const uint8_t *p, size_t n) { return (uint32_t)sum64(p, n); }

#if defined(__GNUC__) || defined(__clang__)
#define RELAXED_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define RELAXED_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#else
#define RELAXED_LOAD(x) (x)
#define RELAXED_STORE(x, v) ((x) = (v))
#endif

int stance_mapped_check(stance_mapped *m, const void *p, size_t len) {
  const uint8_t *b = p;
  uint64_t off, end, k;
  if (b < m->data || (size_t)(b - m->data) > m->size || len > m->size - (size_t)(b - m->data)) return -1;
  if (m->sums == NULL || len == 0) return 0;
  off = (uint64_t)(b - m->data);
  end = off + len;
  if (end <= m->data_off) return 0; /* the header, checked when loaded */
  if (off < m->data_off) off = m->data_off;
  for (k = (off - m->data_off) >> PAGE_BITS; k <= (end - 1 - m->data_off) >> PAGE_BITS; k++) {
    uint8_t v = RELAXED_LOAD(m->verified[k]);
    if (v == 0) {
      uint64_t at = m->data_off + (k << PAGE_BITS), n = m->size - at < PAGE ? m->size - at : PAGE;
      v = page_sum(m->data + at, (size_t)n) == stance_get32(m->sums + k * 4) ? 1 : 2;
      RELAXED_STORE(m->verified[k], v);
    }
    if (v != 1) {
      RELAXED_STORE(m->bad, 1); /* threads checking documents at once may all find it */
      return -1;
    }
  }
  return 0;
}

/* ---- writing ---------------------------------------------------------------------------------- */

/* Where bytes go: a buffer (kept whole), or an atomic file (flushed as the buffer fills;
 * large arrays straight from memory). */
typedef struct sink {
  stance_buf *buf;
  stance_atomic *file;
  uint64_t written;
  int failed;
} sink;

/* Segment files are written 64 KiB at a time: the page cache then holds them in folios of
 * that size at most, and a search that maps them and reads a few places has only those
 * places resident (a kernel maps a large folio whole on the first touch: 2 MB for a read
 * of a few bytes; 64 KiB is what it maps around a fault anyway). */
#define WRITE_CHUNK (64u * 1024u)
static int write_pages(stance_atomic *f, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    size_t n = len < WRITE_CHUNK ? len : WRITE_CHUNK;
    if (stance_atomic_write(f, p, n) != 0) return -1;
    p += n;
    len -= n;
  }
  return 0;
}

/* All of `len` bytes at `off` of the file. 0, or -1 (errno). */
static int pwrite_all(int fd, const void *data, size_t len, uint64_t off) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = pwrite(fd, p, len, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
    off += (uint64_t)n;
  }
  return 0;
}

static void sink_flush(sink *s) {
  if (s->file == NULL || s->buf->len == 0) return;
  if (write_pages(s->file, s->buf->data, s->buf->len) != 0) s->failed = 1;
  s->buf->len = 0;
}

static void sink_add(sink *s, const void *data, size_t len) {
  if (len == 0) return;
  s->written += len;
  if (s->file != NULL && len >= WRITE_CHUNK) {
    sink_flush(s);
    if (write_pages(s->file, data, len) != 0) s->failed = 1;
    return;
  }
  stance_buf_add(s->buf, data, len);
  if (s->buf->oom) s->failed = 1;
  if (s->file != NULL && s->buf->len >= WRITE_CHUNK) sink_flush(s);
}

static void sink_zeros(sink *s, uint64_t n) {
  static const uint8_t zeros[4096];
  while (n > 0) {
    size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
    sink_add(s, zeros, k);
    n -= k;
  }
}

/* The layout of a segment's data: offsets from the data's start. */
typedef struct seg_layout {
  uint64_t freq, post_off, keys, terms, postings, len;
} seg_layout;

/* 0, or -1 when the sizes do not fit in 64 bits. */
static int layout(uint32_t nterms, uint64_t terms_len, uint64_t post_len, seg_layout *l) {
  uint64_t n = nterms;
  l->freq = (n + 1) * 4;
  l->post_off = pad8(l->freq + n * 4);
  l->keys = l->post_off + (n + 1) * 8;
  l->terms = l->keys + STANCE_NKEYS(n) * 8;
  if (terms_len > UINT64_MAX / 4 || post_len > UINT64_MAX / 4) return -1;
  l->postings = pad8(l->terms + terms_len);
  l->len = l->postings + post_len;
  return l->len < l->postings ? -1 : 0;
}

static void put_u32(uint8_t *p, uint32_t v) { stance_put32(p, v); }
static void put_u64(uint8_t *p, uint64_t v) { stance_put64(p, v); }

/* A segment file's header: its sizes (`len`: its data's, see layout), the checksum of its
 * `npages` page sums, and its own checksum. */
static void seg_header(uint8_t h[HEADER], const stance_segment *g, uint64_t len, const uint8_t *sums,
                       uint64_t npages) {
  memset(h, 0, HEADER);
  memcpy(h, "STANCESG", 8);
  put_u32(h + 8, SEG_VERSION);
  put_u32(h + 12, PAGE_BITS);
  put_u32(h + 16, g->nterms);
  put_u32(h + 20, g->ndocs);
  put_u64(h + 24, g->terms_len);
  put_u64(h + 32, g->post_len);
  put_u64(h + 40, len);
  put_u64(h + 48, sum64(sums, (size_t)npages * 4));
  put_u64(h + 56, XXH3_64bits(h, 56));
}

/* A built segment's file into `s`: header, page sums, then the data (tables laid out as in
 * the file, with their gaps). The sums are made first, page by page, from the parts each
 * page overlaps: no copy of the whole segment is needed. 0, or -1 when out of memory. */
static int emit_segment(const stance_segment *g, sink *s) {
  seg_layout l;
  uint64_t npages, k, data_off;
  uint8_t h[HEADER], *sums, *page;
  struct {
    uint64_t at, len;
    const void *src;
  } parts[6];
  int i;
  if (layout(g->nterms, g->terms_len, g->post_len, &l) != 0) return -1;
  npages = (l.len + PAGE - 1) >> PAGE_BITS;
  data_off = (HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1);
  sums = calloc((size_t)npages + 1, 4);
  page = malloc(PAGE);
  if (sums == NULL || page == NULL) {
    free(sums);
    free(page);
    return -1;
  }
  parts[0].at = 0, parts[0].len = ((uint64_t)g->nterms + 1) * 4, parts[0].src = g->term_off;
  parts[1].at = l.freq, parts[1].len = (uint64_t)g->nterms * 4, parts[1].src = g->freq;
  parts[2].at = l.post_off, parts[2].len = ((uint64_t)g->nterms + 1) * 8, parts[2].src = g->post_off;
  parts[3].at = l.keys, parts[3].len = STANCE_NKEYS(g->nterms) * 8, parts[3].src = g->keys;
  parts[4].at = l.terms, parts[4].len = g->terms_len, parts[4].src = g->terms;
  parts[5].at = l.postings, parts[5].len = g->post_len, parts[5].src = g->postings;
  for (k = 0; k < npages; k++) {
    uint64_t a = k << PAGE_BITS, n = l.len - a < PAGE ? l.len - a : PAGE;
    memset(page, 0, (size_t)n);
    for (i = 0; i < 6; i++) {
      uint64_t s0 = parts[i].at > a ? parts[i].at : a;
      uint64_t e0 = parts[i].at + parts[i].len < a + n ? parts[i].at + parts[i].len : a + n;
      if (s0 < e0) memcpy(page + (s0 - a), (const uint8_t *)parts[i].src + (s0 - parts[i].at), (size_t)(e0 - s0));
    }
    put_u32(sums + k * 4, page_sum(page, (size_t)n));
  }
  free(page);
  seg_header(h, g, l.len, sums, npages);
  sink_add(s, h, HEADER);
  sink_add(s, sums, (size_t)npages * 4);
  free(sums);
  sink_zeros(s, data_off - s->written);
  for (i = 0; i < 6; i++) {
    sink_zeros(s, data_off + parts[i].at - s->written); /* the gaps: zeros, as summed */
    sink_add(s, parts[i].src, (size_t)parts[i].len);
  }
  sink_flush(s);
  return s->failed ? -1 : 0;
}

/* A segment file's bytes, in `out`: from a built segment; or from a loaded one, its file's
 * bytes as they are (with their checksums: damage is never laundered into good sums). */
static int segment_file(const stance_segment *g, stance_buf *out) {
  sink s;
  if (g->file != NULL) {
    stance_buf_add(out, (const char *)g->file->data, g->file->size);
    return out->oom ? -1 : 0;
  }
  memset(&s, 0, sizeof s);
  s.buf = out;
  s.written = 0;
  return emit_segment(g, &s);
}

/* What a save decided, before writing: the segments of the new meta (merged ones among
 * them) and the new numbers of the documents. */
typedef struct plan {
  stance_segment **segs;        /* as saved (references held) */
  uint32_t nsegs;
  uint32_t *newid;              /* snapshot id -> saved id, GONE for deleted */
  const uint32_t *order;        /* saved id -> snapshot id */
  uint32_t nlive;
} plan;

struct stance_index_saved {
  stance_segment **saved;       /* segments that got a file, and their ids */
  uint64_t *ids;
  uint32_t nsaved;
  stance_segment **merged_from; /* merges: `merged_to[i]` replaces its nparts[i] inputs */
  uint32_t *nparts;
  stance_segment **merged_to;
  uint32_t nmerged, nfrom;
};

void stance_index_saved_free(stance_index_saved *s) {
  uint32_t i;
  if (s == NULL) return;
  for (i = 0; i < s->nsaved; i++) stance_segment_unref(s->saved[i]);
  for (i = 0; i < s->nfrom; i++) stance_segment_unref(s->merged_from[i]);
  for (i = 0; i < s->nmerged; i++) stance_segment_unref(s->merged_to[i]);
  free(s->saved);
  free(s->ids);
  free(s->merged_from);
  free(s->nparts);
  free(s->merged_to);
  free(s);
}

static uint32_t dead_docs(const stance_index *ix, const stance_segment *g) {
  uint32_t d, n = 0;
  for (d = 0; d < g->ndocs; d++) {
    const stance_doc *doc = stance_index_doc(ix, g->docs[d]);
    if (doc == NULL || doc->deleted) n++;
  }
  return n;
}

static int keep_live(void *ud, uint32_t id) {
  const stance_doc *d = stance_index_doc(ud, id);
  return d != NULL && !d->deleted;
}

static uint64_t seg_size(const stance_segment *g) { return g->terms_len + g->post_len; }

static int cmp_size(const void *a, const void *b) {
  uint64_t sx = seg_size(*(stance_segment *const *)a), sy = seg_size(*(stance_segment *const *)b);
  return (sx > sy) - (sx < sy);
}

static int adopt_written(stance_segment *seg, const char *dir, const char *name, uint64_t id, char *err,
                         size_t errlen);
static stance_mapped *mapped_new(const uint8_t *data, size_t size, int mmapped);
static uint64_t new_id(void);
static void new_name(uint64_t id, char *out, size_t n);

/* A merged segment made straight in its file (Linux): the merge writes its tables into the
 * file mapped shared, and its threads give back the pages of postings they are past (the
 * page cache keeps them): a save holds no copy of a merge's output, which was the peak of a
 * rebuild. The pages are then summed (a megabyte at a time, each given back), the header
 * written, the file named and mapped back as stance_segment_to_file leaves a segment. */
typedef struct merge_file {
  int open;                     /* the file is being made */
  stance_atomic f;
  uint64_t id;
  uint8_t *map;                 /* its bytes, mapped shared */
  size_t size;
  uint8_t *sums;                /* npages page sums */
  uint64_t npages, data_off;
  seg_layout l;
} merge_file;

/* A merged segment being finished (written, or summed) on a thread of its own, while the
 * save goes on to the next merge (whose parts keep both cores busy; the write, on one, left
 * the other idle for a third of a rebuild's save). */
typedef struct seg_writer {
  uv_thread_t tid;
  int started;
  stance_segment *seg;
  const char *dir;
  const char *merge_dir;        /* where merge_alloc makes a merge's file (NULL: in memory) */
  merge_file mf;
} seg_writer;

/* The merged segment's file finished: its pages summed, its header written, the file named
 * "new-" (taken by the save) and mapped back; when any step fails, the segment reads the
 * mapping it was made in (whole: a save writes those bytes again). */
static void merge_file_finish(seg_writer *w) {
  merge_file *mf = &w->mf;
  stance_segment *seg = w->seg;
  stance_mapped *rw = seg->file;
  uint8_t h[HEADER];
  uint64_t k, len = mf->l.len;
  char err[512], name[64];
  const uint8_t *data = mf->map + mf->data_off;
  for (k = 0; k < mf->npages; k++) {
    uint64_t at = k << PAGE_BITS;
    put_u32(mf->sums + k * 4, page_sum(data + at, len - at < PAGE ? (size_t)(len - at) : (size_t)PAGE));
#if defined(MADV_DONTNEED)
    if ((k + 1) % 256 == 0 || k + 1 == mf->npages) {
      uint64_t from = (k + 1 - ((k + 1) % 256 == 0 ? 256 : (k + 1) % 256)) << PAGE_BITS;
      madvise((void *)(uintptr_t)(data + from), (size_t)(((k + 1) << PAGE_BITS) - from), MADV_DONTNEED);
    }
#endif
  }
  seg_header(h, seg, len, mf->sums, mf->npages);
  memcpy(mf->map, h, HEADER);
  memcpy(mf->map + HEADER, mf->sums, (size_t)mf->npages * 4);
  free(mf->sums);
  mf->sums = NULL;
  mf->open = 0;
  if (stance_atomic_commit(&mf->f, 0, err, sizeof err) != 0) return;
  new_name(mf->id, name, sizeof name);
  seg->file = NULL;
  if (adopt_written(seg, w->dir, name, mf->id, err, sizeof err) != 0) {
    seg->file = rw;
    return;
  }
  stance_mapped_unref(rw);
}

static void seg_write_run(void *arg) {
  seg_writer *w = arg;
  char err[512];
  if (w->mf.open) {
    merge_file_finish(w);
    return;
  }
  /* a folder that cannot be written: the segment stays in memory, as a save writes it then */
  stance_segment_to_file(w->seg, w->dir, err, sizeof err);
}

/* The write under way, if any, waited for. */
static void seg_write_wait(seg_writer *w) {
  if (w->started) uv_thread_join(&w->tid);
  w->started = 0;
}

#if defined(__linux__)
/* Whether a file on descriptor `fd` may be written through a shared mapping once its blocks
 * are taken with posix_fallocate: only on file systems that allocate the blocks for real and
 * write in place (ext2/3/4, XFS, tmpfs). Elsewhere a page written through the mapping can
 * still find no room (btrfs and ZFS copy on write; glibc emulates fallocate on NFS, SMB and
 * FUSE by writing a byte per block) and the process would be killed by SIGBUS where a write
 * only fails: the merge is made in memory there. */
static int maps_in_place(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) != 0) return 0;
  switch ((unsigned long)sf.f_type) {
  case 0xEF53UL:     /* ext2, ext3, ext4 */
  case 0x58465342UL: /* XFS */
  case 0x01021994UL: /* tmpfs */
    return 1;
  default:
    return 0;
  }
}
#endif

/* stance_merge_to.alloc: the write before waited for (one merge's output held at a time),
 * then the new segment in its file when it can be made there, else in memory. */
static stance_segment *merge_alloc(void *ud, uint32_t ndocs, uint32_t nterms, size_t words_len, size_t post_len) {
  seg_writer *w = ud;
  seg_write_wait(w);
#if defined(__linux__)
  if (w->merge_dir != NULL) {
    merge_file *mf = &w->mf;
    stance_segment *seg;
    char err[512], name[64], path[4096];
    void *p;
    uint64_t size;
    if (layout(nterms, words_len, post_len, &mf->l) != 0) return NULL;
    mf->npages = (mf->l.len + PAGE - 1) >> PAGE_BITS;
    mf->data_off = (HEADER + mf->npages * 4 + PAGE - 1) & ~(PAGE - 1);
    size = mf->data_off + mf->l.len;
    if (size > SIZE_MAX / 2 || (mf->sums = malloc((size_t)mf->npages * 4 + 4)) == NULL) return NULL;
    mf->id = new_id();
    new_name(mf->id, name, sizeof name);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", w->merge_dir, name) < sizeof path &&
        stance_atomic_open(&mf->f, path, err, sizeof err) == 0) {
      /* the file's blocks taken first, on a file system that writes in place (maps_in_place):
       * a page written through the mapping with no room on the disk would kill the process
       * (SIGBUS), where a write fails; mapped through a descriptor
       * that reads as well (the atomic file's writes only) */
      int rw = open(mf->f.tmp, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
      p = MAP_FAILED;
      if (rw >= 0) {
        if (maps_in_place(rw) && posix_fallocate(rw, 0, (off_t)size) == 0)
          p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
        close(rw);
      }
      if (p != MAP_FAILED) {
        stance_mapped *m = mapped_new(p, (size_t)size, 1);
        seg = calloc(1, sizeof *seg);
        if (seg != NULL) seg->docs = malloc(((size_t)ndocs + 1) * sizeof *seg->docs);
        if (m == NULL || seg == NULL || seg->docs == NULL) {
          if (seg != NULL) free(seg->docs);
          free(seg);
          if (m != NULL)
            stance_mapped_unref(m);
          else
            munmap(p, (size_t)size);
          stance_atomic_abort(&mf->f);
          free(mf->sums);
          mf->sums = NULL;
          return NULL;
        }
        mf->map = p;
        mf->size = (size_t)size;
        mf->open = 1;
        seg->refs = 1;
        seg->ndocs = ndocs;
        seg->nterms = nterms;
        seg->term_off = mf->map + mf->data_off;
        seg->freq = seg->term_off + mf->l.freq;
        seg->post_off = seg->term_off + mf->l.post_off;
        seg->keys = seg->term_off + mf->l.keys;
        seg->terms = (const char *)(seg->term_off + mf->l.terms);
        seg->terms_len = words_len;
        seg->postings = seg->term_off + mf->l.postings;
        seg->post_len = post_len;
        seg->file = m; /* no sums: what it reads is what it wrote */
        return seg;
      }
      stance_atomic_abort(&mf->f);
    }
    free(mf->sums);
    mf->sums = NULL;
  }
#endif
  return stance__segment_alloc(ndocs, nterms, words_len, post_len);
}

/* stance_merge_to.written: the pages of postings written given back (the file has them). */
static void merge_written(void *ud, stance_segment *out, uint64_t from, uint64_t to) {
  seg_writer *w = ud;
  uintptr_t a, b;
  if (!w->mf.open || out->file == NULL) return;
  a = ((uintptr_t)(out->postings + from) + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
  b = (uintptr_t)(out->postings + to) & ~(uintptr_t)(PAGE - 1);
#if defined(MADV_DONTNEED)
  if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
#else
  (void)a;
  (void)b;
#endif
}

/* Merge `n` segments into one for the plan (written to `dir` and mapped, when there is a
 * folder, on `w`'s thread while the plan goes on): the inputs go to res->merged_from, the
 * result to res->merged_to and `keep`. */
static int merge_group(const stance_index *ix, stance_segment **group, uint32_t n, const char *dir,
                       stance_index_saved *res, stance_segment **keep, uint32_t *nkeep, seg_writer *w, char *err,
                       size_t errlen) {
  int damaged = 0;
  uint32_t i;
  uint64_t size = 0;
  unsigned threads = stance_cpus();
  stance_segment *m;
  stance_merge_to to;
  /* on every core (a save after a rebuild merges about 60 MB of its segments at its end,
   * when nothing else is left to do), unless there is too little to share */
  for (i = 0; i < n; i++) size += seg_size(group[i]);
  if (size < MERGE_SHARED) threads = 1;
  /* the write before waited for once this merge has read its inputs' sizes, before it
   * takes its own output's memory (merge_alloc): one merge's output held at a time (two,
   * when the write was slow, made the peak of a rebuild) */
  w->merge_dir = dir;
  to.alloc = merge_alloc;
  to.written = merge_written;
  to.ud = w;
  m = stance_segments_merge_to(group, n, keep_live, (void *)(uintptr_t)ix, threads, &damaged, &to);
  seg_write_wait(w);
  if (m == NULL && w->mf.open) {
    stance_atomic_abort(&w->mf.f);
    free(w->mf.sums);
    w->mf.sums = NULL;
    w->mf.open = 0;
  }
  if (m == NULL) {
    snprintf(err, errlen, damaged ? "a segment of the index is damaged" : "out of memory");
    return -1;
  }
  /* written now (as an index job's segment is: "new-", taken by the save), so that its
   * tables are the file's pages, not memory held until the save ends */
  if (dir != NULL) {
    w->seg = m;
    w->dir = dir;
    w->started = uv_thread_create(&w->tid, seg_write_run, w) == 0;
    if (!w->started) seg_write_run(w); /* no thread to be had: here */
  }
  for (i = 0; i < n; i++) res->merged_from[res->nfrom++] = stance_segment_ref(group[i]);
  res->nparts[res->nmerged] = n;
  res->merged_to[res->nmerged++] = stance_segment_ref(m);
  keep[(*nkeep)++] = m; /* the plan's reference */
  return 0;
}

/* Choose the segments to save, merging some (see TIER_RATIO); empty ones dropped. */
static int make_plan(const stance_index *ix, const char *dir, plan *p, stance_index_saved *res, char *err,
                     size_t errlen) {
  uint32_t n = stance_index_nsegments(ix), i, j, npool = 0, nkeep = 0, nd = stance_index_ndocs(ix);
  stance_segment **pool, **keep;
  uint8_t *lost;
  seg_writer w;
  memset(&w, 0, sizeof w);
  memset(p, 0, sizeof *p);
  /* a loaded index's documents decoded (a damaged one is not saved again) */
  if (nd > 0 && stance_index_docs(ix) == NULL) {
    snprintf(err, errlen, stance_index_damaged(ix) ? "the index is damaged (a page of its documents)" : "out of memory");
    return -1;
  }
  pool = calloc((size_t)n + 1, sizeof *pool);
  keep = calloc((size_t)n + 1, sizeof *keep);
  lost = calloc((size_t)n + 1, 1);
  res->merged_from = calloc((size_t)n + 1, sizeof *res->merged_from);
  res->nparts = calloc((size_t)n + 1, sizeof *res->nparts);
  res->merged_to = calloc((size_t)n + 1, sizeof *res->merged_to);
  if (pool == NULL || keep == NULL || lost == NULL || res->merged_from == NULL || res->nparts == NULL ||
      res->merged_to == NULL)
    goto oom;
  for (i = 0; i < n; i++) {
    stance_segment *g = stance_index_segment(ix, i);
    uint32_t dead = dead_docs(ix, g);
    if (dead < g->ndocs) pool[npool++] = g;
  }
  qsort(pool, npool, sizeof *pool, cmp_size);
  for (i = 0; i < npool; i++) lost[i] = dead_docs(ix, pool[i]) > pool[i]->ndocs / 2;
  /* the tiers, from the smallest segment up */
  for (i = 0; i < npool;) {
    uint64_t first = seg_size(pool[i]) > TIER_FLOOR ? seg_size(pool[i]) : TIER_FLOOR, total = seg_size(pool[i]);
    int must = lost[i];
    for (j = i + 1; j < npool && j - i < MERGE_WAYS && seg_size(pool[j]) <= first * TIER_RATIO &&
                    total + seg_size(pool[j]) <= MERGE_MAX;
         j++) {
      total += seg_size(pool[j]);
      must |= lost[j];
    }
    if (j - i >= TIER_MIN || (j - i >= 2 && total >= MERGE_MAX / 2) || must) {
      if (merge_group(ix, pool + i, j - i, dir, res, keep, &nkeep, &w, err, errlen) != 0) goto fail;
      i = j;
    } else {
      keep[nkeep++] = stance_segment_ref(pool[i]);
      i++;
    }
  }
  /* never more than MAX_SEGMENTS: the smallest of those kept as they were are merged */
  if (nkeep > MAX_SEGMENTS) {
    uint32_t nold = 0, k;
    for (i = 0; i < nkeep; i++) {
      int merged = 0;
      for (k = 0; k < res->nmerged; k++) merged |= keep[i] == res->merged_to[k];
      if (!merged) pool[nold++] = keep[i];
    }
    qsort(pool, nold, sizeof *pool, cmp_size);
    if (nold >= 2) {
      uint32_t take = nkeep - MAX_SEGMENTS + 1 < nold ? nkeep - MAX_SEGMENTS + 1 : nold;
      for (i = 0; i < take; i++)
        for (k = 0; k < nkeep; k++)
          if (keep[k] == pool[i]) {
            keep[k] = keep[--nkeep];
            break;
          }
      if (merge_group(ix, pool, take, dir, res, keep, &nkeep, &w, err, errlen) != 0) {
        for (i = 0; i < take; i++) stance_segment_unref(pool[i]);
        goto fail;
      }
      for (i = 0; i < take; i++) stance_segment_unref(pool[i]); /* the plan's old references */
    }
  }
  seg_write_wait(&w);
  free(pool);
  free(lost);
  p->segs = keep;
  p->nsegs = nkeep;
  /* the saved numbering: live documents in path order */
  p->order = stance_index_by_path((stance_index *)(uintptr_t)ix, &p->nlive);
  p->newid = malloc(((size_t)nd + 1) * sizeof *p->newid);
  if (p->order == NULL || p->newid == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < nd; i++) p->newid[i] = GONE;
  for (i = 0; i < p->nlive; i++) p->newid[p->order[i]] = i;
  return 0;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  seg_write_wait(&w);
  if (keep != NULL)
    for (i = 0; i < nkeep; i++) stance_segment_unref(keep[i]);
  free(pool);
  free(keep);
  free(lost);
  return -1;
}

static void plan_free(plan *p) {
  uint32_t i;
  for (i = 0; i < p->nsegs; i++) stance_segment_unref(p->segs[i]);
  free(p->segs);
  free(p->newid);
  memset(p, 0, sizeof *p);
}

/* The meta file's bytes for the plan, with the segment ids given. */
static int meta_bytes(const stance_index *ix, const plan *p, const uint64_t *ids, stance_buf *out) {
  const stance_doc *docs = stance_index_docs(ix);
  uint32_t ndirs, i, d;
  const stance_dir *dirs = stance_index_dirs(ix, &ndirs);
  uint64_t strings = 0, segdocs = 0, at;
  uint8_t h[HEADER], *body, *q;
  size_t body_len;
  for (i = 0; i < p->nlive; i++) strings += strlen(docs[p->order[i]].path) + 1;
  for (i = 0; i < ndirs; i++) strings += strlen(dirs[i].path) + 1;
  for (i = 0; i < p->nsegs; i++) segdocs += p->segs[i]->ndocs;
  if (strings > UINT32_MAX) return -1;
  at = (uint64_t)p->nlive * (DOC_BYTES + 32) + (uint64_t)ndirs * DIR_BYTES + (uint64_t)p->nsegs * SEG_BYTES;
  at = pad8(at + segdocs * 4);
  body_len = (size_t)(at + strings);
  if ((body = calloc(body_len + 1, 1)) == NULL) return -1;
  q = body;
  at = 0; /* string offsets */
  {
    uint8_t *hashes = body + (size_t)p->nlive * DOC_BYTES;
    uint8_t *strs = body + (body_len - (size_t)strings);
    for (i = 0; i < p->nlive; i++) {
      const stance_doc *doc = &docs[p->order[i]];
      size_t n = strlen(doc->path);
      put_u64(q, doc->size);
      put_u64(q + 8, (uint64_t)doc->mtime_ns);
      put_u64(q + 16, (uint64_t)doc->ctime_ns);
      put_u64(q + 24, doc->ino);
      put_u32(q + 32, doc->words);
      put_u32(q + 36, (uint32_t)at);
      put_u32(q + 40, (uint32_t)n);
      q[44] = (uint8_t)((doc->racy ? 1 : 0) | (doc->link ? 2 : 0));
      memcpy(hashes + (size_t)i * 32, doc->hash, 32);
      memcpy(strs + at, doc->path, n + 1);
      at += n + 1;
      q += DOC_BYTES;
    }
    q = hashes + (size_t)p->nlive * 32;
    for (i = 0; i < ndirs; i++) {
      size_t n = strlen(dirs[i].path);
      put_u64(q, (uint64_t)dirs[i].mtime_ns);
      put_u32(q + 8, (uint32_t)at);
      put_u32(q + 12, (uint32_t)n);
      q[16] = dirs[i].racy ? 1 : 0;
      memcpy(strs + at, dirs[i].path, n + 1);
      at += n + 1;
      q += DIR_BYTES;
    }
    for (i = 0; i < p->nsegs; i++) {
      const stance_segment *g = p->segs[i];
      seg_layout l;
      uint64_t npages, size;
      memset(&l, 0, sizeof l);
      layout(g->nterms, g->terms_len, g->post_len, &l);
      npages = (l.len + PAGE - 1) >> PAGE_BITS;
      size = ((HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1)) + l.len;
      if (g->file != NULL) size = g->file->size;
      put_u64(q, ids[i]);
      put_u32(q + 8, g->ndocs);
      put_u32(q + 12, g->nterms);
      put_u64(q + 16, size);
      q += SEG_BYTES;
    }
    for (i = 0; i < p->nsegs; i++)
      for (d = 0; d < p->segs[i]->ndocs; d++) {
        uint32_t g = p->segs[i]->docs[d];
        put_u32(q, g < stance_index_ndocs(ix) ? p->newid[g] : GONE);
        q += 4;
      }
  }
  {
    /* the header, the page sums and zeros up to the next page, then the body */
    uint64_t npages = ((uint64_t)body_len + PAGE - 1) >> PAGE_BITS, k;
    size_t data_off = (size_t)((HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1));
    uint8_t *sums = calloc(data_off - HEADER, 1);
    if (sums == NULL) {
      free(body);
      return -1;
    }
    for (k = 0; k < npages; k++) {
      size_t a = (size_t)(k << PAGE_BITS), n = body_len - a < PAGE ? body_len - a : (size_t)PAGE;
      put_u32(sums + k * 4, page_sum(body + a, n));
    }
    memset(h, 0, sizeof h);
    memcpy(h, "STANCEIX", 8);
    put_u32(h + 8, STANCE_INDEX_FILE_VERSION);
    put_u32(h + 12, PAGE_BITS);
    put_u64(h + 16, body_len);
    put_u64(h + 24, sum64(sums, data_off - HEADER));
    put_u64(h + 32, stance_index_rule(ix));
    put_u32(h + 40, p->nlive);
    put_u32(h + 44, ndirs);
    put_u32(h + 48, p->nsegs);
    put_u64(h + 56, XXH3_64bits(h, 56));
    stance_buf_add(out, (const char *)h, HEADER);
    stance_buf_add(out, (const char *)sums, data_off - HEADER);
    stance_buf_add(out, (const char *)body, body_len);
    free(sums);
  }
  free(body);
  return out->oom ? -1 : 0;
}

/* A fresh segment id, never 0. */
static uint64_t new_id(void) {
  uint64_t id = 0;
  while (id == 0) {
    if (uv_random(NULL, NULL, &id, sizeof id, 0, NULL) != 0) id = uv_hrtime() ^ ((uint64_t)getpid() << 40);
  }
  return id;
}

/* A segment's file: "seg-" once a meta lists it; "new-" when an index job wrote it and no
 * save took it yet (a save renames it; left over for an hour, it is removed). */
static void seg_name(uint64_t id, char *out, size_t n) { snprintf(out, n, "seg-%016llx.bin", (unsigned long long)id); }
static void new_name(uint64_t id, char *out, size_t n) { snprintf(out, n, "new-%016llx.bin", (unsigned long long)id); }

int stance_index_save_mem(const stance_index *ix, stance_buf *meta, stance_buf *segments,
                          uint64_t **ids_out, size_t **offsets, uint32_t *nsegs) {
  plan p;
  stance_index_saved *res = calloc(1, sizeof *res);
  uint64_t *ids = NULL;
  size_t *offs = NULL;
  char err[128];
  uint32_t i;
  int rc = -1;
  if (res == NULL || make_plan(ix, NULL, &p, res, err, sizeof err) != 0) {
    stance_index_saved_free(res);
    return -1;
  }
  ids = calloc((size_t)p.nsegs + 1, sizeof *ids);
  offs = calloc((size_t)p.nsegs + 2, sizeof *offs);
  if (ids == NULL || offs == NULL) goto done;
  for (i = 0; i < p.nsegs; i++) {
    ids[i] = i + 1;
    offs[i] = segments->len;
    if (segment_file(p.segs[i], segments) != 0) goto done;
  }
  offs[p.nsegs] = segments->len;
  if (meta_bytes(ix, &p, ids, meta) != 0) goto done;
  *ids_out = ids;
  *offsets = offs;
  *nsegs = p.nsegs;
  ids = NULL;
  offs = NULL;
  rc = 0;
done:
  free(ids);
  free(offs);
  plan_free(&p);
  stance_index_saved_free(res);
  return rc;
}

/* Write `data` as `name` in the folder (through a temporary file, no fsync: a cache). */
static int write_file(const char *dir, const char *name, const void *data, size_t len, char *err, size_t errlen) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
    snprintf(err, errlen, "%s: path too long", dir);
    return -1;
  }
  return stance_write_atomic_cache(path, data, len, err, errlen);
}

/* Write a segment straight to its file, streaming (no copy of a large segment in memory
 * beyond its page sums). */
static int write_segment(const char *dir, const stance_segment *g, uint64_t id, int fresh, char *err,
                         size_t errlen) {
  char name[64], path[4096];
  stance_atomic f;
  stance_buf b;
  sink s;
  int failed;
  if (fresh)
    new_name(id, name, sizeof name);
  else
    seg_name(id, name, sizeof name);
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
    snprintf(err, errlen, "%s: path too long", dir);
    return -1;
  }
  if (stance_atomic_open(&f, path, err, errlen) != 0) return -1;
  stance_buf_init(&b);
  memset(&s, 0, sizeof s);
  s.buf = &b;
  s.file = &f;
  if (g->file != NULL) {
    /* a loaded segment whose file went (another save removed it): its bytes as they are */
    sink_add(&s, g->file->data, g->file->size);
    sink_flush(&s);
    failed = s.failed;
  } else {
    failed = emit_segment(g, &s) != 0;
  }
  stance_buf_free(&b);
  if (failed) {
    snprintf(err, errlen, "cannot write %s", path);
    stance_atomic_abort(&f);
    return -1;
  }
  return stance_atomic_commit(&f, 0, err, errlen);
}

/* The index folder, made if missing; whatever else is at its place (a file of an older
 * version, a symbolic link) is removed first: it is a cache, and never followed. */
static int open_dir(const char *dir, int create, char *err, size_t errlen) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 || !create) {
    if (fd < 0) snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return fd;
  }
  if (errno != ENOENT) {
    struct stat st;
    if (lstat(dir, &st) == 0 && !S_ISDIR(st.st_mode) && unlink(dir) != 0) {
      snprintf(err, errlen, "%s: %s", dir, strerror(errno));
      return -1;
    }
  }
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return -1;
  }
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) snprintf(err, errlen, "%s: %s", dir, strerror(errno));
  return fd;
}

/* Hold the folder's lock (one writer at a time). The descriptor, or -1. */
static int take_lock(int dfd, const char *dir, char *err, size_t errlen) {
  int fd = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666), waited = 0;
  if (fd < 0) {
    snprintf(err, errlen, "%s/lock: %s", dir, strerror(errno));
    return -1;
  }
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS) {
      snprintf(err, errlen, "%s is being saved by another process", dir);
      close(fd);
      return -1;
    }
    nanosleep(&ts, NULL);
    waited += 20;
  }
  return fd;
}

static int listed(const uint64_t *ids, uint32_t n, const char *name) {
  uint32_t i;
  char want[64];
  for (i = 0; i < n; i++) {
    seg_name(ids[i], want, sizeof want);
    if (strcmp(want, name) == 0) return 1;
  }
  return 0;
}

/* Remove what the new meta does not list: segments of before; segments that index jobs
 * wrote ("new-") once they are an hour old (their job's save never came); temporary and
 * lock files (names starting with '.') of writers that died, once ten minutes old (an index
 * job may be writing a segment now, without the folder's lock). */
static void collect_garbage(int dfd, const char *dir, const uint64_t *ids, uint32_t n) {
  DIR *d = opendir(dir);
  struct dirent *de;
  time_t now = time(NULL);
  if (d == NULL) return;
  while ((de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    struct stat st;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "meta") == 0 ||
        strcmp(name, "lock") == 0 || listed(ids, n, name))
      continue;
    if (strncmp(name, "seg-", 4) == 0 && strlen(name) == 24)
      unlinkat(dfd, name, 0);
    else if (strncmp(name, "new-", 4) == 0 && strlen(name) == 24 &&
             fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime + 3600 < now)
      unlinkat(dfd, name, 0);
    else if (name[0] == '.' && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
             st.st_mtime + 600 < now)
      unlinkat(dfd, name, 0);
  }
  closedir(d);
}

int stance_index_save(const stance_index *ix, const char *dir, stance_index_saved **out,
                      char *err, size_t errlen) {
  plan p;
  stance_index_saved *res = calloc(1, sizeof *res);
  uint64_t *ids = NULL;
  stance_buf meta;
  int dfd = -1, lock = -1, rc = -1;
  uint32_t i;
  err[0] = '\0';
  stance_buf_init(&meta);
  memset(&p, 0, sizeof p);
  if (out != NULL) *out = NULL;
  if (res == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if ((dfd = open_dir(dir, 1, err, errlen)) < 0 || (lock = take_lock(dfd, dir, err, errlen)) < 0) goto done;
  if (make_plan(ix, dir, &p, res, err, errlen) != 0) goto done;
  ids = calloc((size_t)p.nsegs + 1, sizeof *ids);
  res->saved = calloc((size_t)p.nsegs + 1, sizeof *res->saved);
  res->ids = calloc((size_t)p.nsegs + 1, sizeof *res->ids);
  if (ids == NULL || res->saved == NULL || res->ids == NULL) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  for (i = 0; i < p.nsegs; i++) {
    stance_segment *g = p.segs[i];
    char name[64], fresh[64];
    struct stat st;
    if (g->file_id != 0) {
      /* on disk already (or written by the index job that made it), unless another save
       * removed it since */
      seg_name(g->file_id, name, sizeof name);
      if (g->file != NULL && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
          (uint64_t)st.st_size == g->file->size) {
        ids[i] = g->file_id;
        continue;
      }
      new_name(g->file_id, fresh, sizeof fresh);
      if (g->file != NULL && fstatat(dfd, fresh, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
          (uint64_t)st.st_size == g->file->size && renameat(dfd, fresh, dfd, name) == 0) {
        ids[i] = g->file_id;
        res->saved[res->nsaved] = stance_segment_ref(g);
        res->ids[res->nsaved++] = ids[i];
        continue;
      }
    }
    ids[i] = new_id();
    if (write_segment(dir, g, ids[i], 0, err, errlen) != 0) goto done;
    res->saved[res->nsaved] = stance_segment_ref(g);
    res->ids[res->nsaved++] = ids[i];
  }
  if (meta_bytes(ix, &p, ids, &meta) != 0) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  if (write_file(dir, "meta", meta.data, meta.len, err, errlen) != 0) goto done;
  collect_garbage(dfd, dir, ids, p.nsegs);
  /* the files of segments merged away that no save had taken yet */
  for (i = 0; i < res->nfrom; i++)
    if (res->merged_from[i]->file_id != 0) {
      char name[64];
      new_name(res->merged_from[i]->file_id, name, sizeof name);
      unlinkat(dfd, name, 0);
    }
  rc = 0;
done:
  if (lock >= 0) close(lock);
  if (dfd >= 0) close(dfd);
  stance_buf_free(&meta);
  free(ids);
  plan_free(&p);
  if (rc == 0 && out != NULL)
    *out = res;
  else
    stance_index_saved_free(res);
  return rc;
}

void stance_index_saved_apply(const stance_index_saved *s, stance_index *ix) {
  uint32_t i, at = 0;
  if (s == NULL) return;
  for (i = 0; i < s->nmerged; i++) {
    stance_index_replace_segments(ix, s->merged_from + at, s->nparts[i], s->merged_to[i]);
    at += s->nparts[i];
  }
  for (i = 0; i < s->nsaved; i++) {
    uint32_t k, n = stance_index_nsegments(ix);
    for (k = 0; k < n; k++)
      if (stance_index_segment(ix, k) == s->saved[i]) s->saved[i]->file_id = s->ids[i];
  }
}

/* ---- reading ----------------------------------------------------------------------------------- */

static stance_mapped *mapped_new(const uint8_t *data, size_t size, int mmapped) {
  stance_mapped *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->refs = 1;
  m->data = data;
  m->size = size;
  m->mmapped = mmapped;
  return m;
}

/* The bytes of a file, mapped: a load or a search reads a few places of it, each checked
 * against its page's checksum when first read. */
static stance_mapped *map_file(int dfd, const char *name, char *err, size_t errlen, int *missing) {
  /* O_NONBLOCK: a FIFO put at an index file's name (an archive can carry one) must not block
   * the open until a writer comes; the fstat below then refuses anything not a regular file */
  int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  struct stat st;
  void *p;
  stance_mapped *m;
  if (fd < 0) {
    if (missing != NULL) *missing = errno == ENOENT;
    snprintf(err, errlen, "%s: %s", name, strerror(errno));
    return NULL;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < HEADER || (uint64_t)st.st_size > SIZE_MAX) {
    snprintf(err, errlen, "%s: not an index file", name);
    close(fd);
    return NULL;
  }
  p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    snprintf(err, errlen, "%s: %s", name, strerror(errno));
    return NULL;
  }
  /* a search reads a few pages here and there: map only those (not the 2 MB around each, as
   * a kernel mapping the page cache's large folios whole would), read ahead nothing */
#if defined(MADV_NOHUGEPAGE)
  madvise(p, (size_t)st.st_size, MADV_NOHUGEPAGE);
#endif
#if defined(MADV_RANDOM)
  madvise(p, (size_t)st.st_size, MADV_RANDOM);
#endif
  if ((m = mapped_new(p, (size_t)st.st_size, 1)) == NULL) {
    munmap(p, (size_t)st.st_size);
    snprintf(err, errlen, "out of memory");
  }
  return m;
}

/* A segment from its file's bytes, the header and the sums checked (the pages are checked
 * as they are read). Takes the reference to `m`. */
static stance_segment *open_segment(stance_mapped *m, uint32_t ndocs, uint32_t nterms, char *err, size_t errlen) {
  const uint8_t *h = m->data;
  stance_segment *g;
  seg_layout l;
  uint64_t npages, data_off, data_len;
  if (m->size < HEADER || memcmp(h, "STANCESG", 8) != 0 || stance_get64(h + 56) != XXH3_64bits(h, 56)) {
    snprintf(err, errlen, "a segment file is damaged");
    goto bad;
  }
  if (stance_get32(h + 8) != SEG_VERSION || stance_get32(h + 12) != PAGE_BITS) {
    snprintf(err, errlen, "a segment file of another version");
    goto bad;
  }
  if (stance_get32(h + 16) != nterms || stance_get32(h + 20) != ndocs) {
    snprintf(err, errlen, "a segment file does not match the index");
    goto bad;
  }
  data_len = stance_get64(h + 40);
  if (layout(nterms, stance_get64(h + 24), stance_get64(h + 32), &l) != 0 || l.len != data_len ||
      data_len > m->size) {
    snprintf(err, errlen, "a segment file's sizes are inconsistent");
    goto bad;
  }
  npages = (data_len + PAGE - 1) >> PAGE_BITS;
  data_off = (HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1);
  if (data_off > m->size || m->size - data_off != data_len) {
    snprintf(err, errlen, "a segment file is truncated or padded");
    goto bad;
  }
  if (sum64(h + HEADER, (size_t)npages * 4) != stance_get64(h + 48)) {
    snprintf(err, errlen, "a segment file is damaged");
    goto bad;
  }
  if ((m->verified = calloc((size_t)npages + 1, 1)) == NULL || (g = calloc(1, sizeof *g)) == NULL) {
    snprintf(err, errlen, "out of memory");
    goto bad;
  }
  m->sums = h + HEADER;
  m->npages = npages;
  m->data_off = data_off;
  g->refs = 1;
  g->ndocs = ndocs;
  g->nterms = nterms;
  g->term_off = m->data + data_off;
  g->freq = g->term_off + l.freq;
  g->post_off = g->term_off + l.post_off;
  g->keys = g->term_off + l.keys;
  g->terms = (const char *)(g->term_off + l.terms);
  g->terms_len = stance_get64(h + 24);
  g->postings = g->term_off + l.postings;
  g->post_len = stance_get64(h + 32);
  g->file = m;
  return g;
bad:
  stance_mapped_unref(m);
  return NULL;
}

/* Where a load finds its segment files. */
typedef struct seg_source {
  int dfd;                      /* a folder, or -1 */
  const void *(*mem)(void *ud, uint64_t id, size_t *len);
  void *ud;
} seg_source;

static stance_mapped *segment_bytes(const seg_source *src, uint64_t id, char *err, size_t errlen) {
  if (src->dfd >= 0) {
    char name[64];
    seg_name(id, name, sizeof name);
    return map_file(src->dfd, name, err, errlen, NULL);
  } else {
    size_t len = 0;
    const void *p = src->mem(src->ud, id, &len);
    uint8_t *copy;
    stance_mapped *m;
    if (p == NULL) {
      snprintf(err, errlen, "a segment file is missing");
      return NULL;
    }
    m = NULL;
    if ((copy = malloc(len ? len : 1)) != NULL) {
      memcpy(copy, p, len);
      m = mapped_new(copy, len, 0);
    }
    if (m == NULL) {
      free(copy);
      snprintf(err, errlen, "out of memory");
    }
    return m;
  }
}

/* ---- the meta file's documents and folders, decoded on use ----------------------------- */

struct stance_meta {
  int refs;
  stance_mapped *file;          /* the meta file, its pages checked when first read */
  const uint8_t *docs, *hashes, *dirs, *strs;
  uint64_t strings;
  uint32_t ndocs, ndirs;
};

stance_meta *stance_meta_ref(stance_meta *m) {
  STANCE_REF_INC(m->refs);
  return m;
}

void stance_meta_unref(stance_meta *m) {
  if (m == NULL || STANCE_REF_DEC(m->refs) > 0) return;
  stance_mapped_unref(m->file);
  free(m);
}

uint32_t stance_meta_ndocs(const stance_meta *m) { return m->ndocs; }
stance_mapped *stance_meta_file(const stance_meta *m) { return m->file; }

/* A path of the strings table (n bytes at off, then a NUL), its pages checked; NULL when it
 * is out of bounds, damaged, or not a corpus path. */
static const char *meta_string(const stance_meta *m, uint32_t off, uint32_t n, int root_ok) {
  if ((uint64_t)off + n >= m->strings || stance_mapped_check(m->file, m->strs + off, (size_t)n + 1) != 0 ||
      m->strs[off + n] != '\0' || !stance_index_path_ok((const char *)m->strs + off, n, root_ok))
    return NULL;
  return (const char *)m->strs + off;
}

const char *stance_meta_path(const stance_meta *m, uint32_t i) {
  const uint8_t *q;
  if (i >= m->ndocs) return NULL;
  q = m->docs + (size_t)i * DOC_BYTES;
  if (stance_mapped_check(m->file, q, DOC_BYTES) != 0) return NULL;
  return meta_string(m, stance_get32(q + 36), stance_get32(q + 40), 0);
}

int stance_meta_stat(const stance_meta *m, uint32_t i, stance_doc *d) {
  const char *path = stance_meta_path(m, i);
  const uint8_t *q = m->docs + (size_t)i * DOC_BYTES;
  if (path == NULL) return -1;
  memset(d, 0, sizeof *d);
  d->path = path;
  d->size = stance_get64(q);
  d->mtime_ns = (int64_t)stance_get64(q + 8);
  d->ctime_ns = (int64_t)stance_get64(q + 16);
  d->ino = stance_get64(q + 24);
  d->words = stance_get32(q + 32);
  d->racy = (q[44] & 1) != 0;
  d->link = (q[44] & 2) != 0;
  return 0;
}

int stance_meta_doc(const stance_meta *m, uint32_t i, stance_doc *d) {
  if (stance_meta_stat(m, i, d) != 0 || stance_mapped_check(m->file, m->hashes + (size_t)i * 32, 32) != 0) return -1;
  memcpy(d->hash, m->hashes + (size_t)i * 32, 32);
  return 0;
}

uint32_t stance_meta_ndirs(const stance_meta *m) { return m->ndirs; }

int stance_meta_dir(const stance_meta *m, uint32_t i, stance_dir *d) {
  const uint8_t *q = m->dirs + (size_t)i * DIR_BYTES;
  if (i >= m->ndirs || stance_mapped_check(m->file, q, DIR_BYTES) != 0) return -1;
  memset(d, 0, sizeof *d);
  if ((d->path = meta_string(m, stance_get32(q + 8), stance_get32(q + 12), 1)) == NULL) return -1;
  d->mtime_ns = (int64_t)stance_get64(q);
  d->racy = (q[16] & 1) != 0;
  return 0;
}

int stance_meta_decode(const stance_meta *m, stance_doc **docs_out, stance_dir **dirs_out, uint32_t *ndirs) {
  stance_doc *docs = calloc((size_t)m->ndocs + 1, sizeof *docs);
  stance_dir *dirs = calloc((size_t)m->ndirs + 1, sizeof *dirs);
  const stance_mapped *f = m->file;
  uint32_t i;
  int rc = STANCE_INDEX_DAMAGED;
  if (docs == NULL || dirs == NULL) {
    rc = -1;
    goto fail;
  }
  /* every page at once (each is checked once, whoever reads it first) */
  if (stance_mapped_check(m->file, f->data + f->data_off, f->size - (size_t)f->data_off) != 0) goto fail;
  for (i = 0; i < m->ndocs; i++) {
    if (stance_meta_doc(m, i, &docs[i]) != 0) goto fail;
    if (i > 0 && strcmp(docs[i - 1].path, docs[i].path) >= 0) goto fail; /* strictly in order */
  }
  for (i = 0; i < m->ndirs; i++) {
    if (stance_meta_dir(m, i, &dirs[i]) != 0) goto fail;
    if (i > 0 && strcmp(dirs[i - 1].path, dirs[i].path) >= 0) goto fail;
  }
  *docs_out = docs;
  *dirs_out = dirs;
  *ndirs = m->ndirs;
  return 0;
fail:
  free(docs);
  free(dirs);
  return rc;
}

/* The index from its meta file's bytes and its segments: the header, the checksum of the
 * page sums, and the pages of the segments' tables are checked now; the documents and
 * folders when used (stance_meta). Takes `m`. */
static stance_index *open_meta(stance_mapped *m, const seg_source *src, char *err, size_t errlen) {
  const uint8_t *h = m->data, *body, *segs_at, *segdocs;
  uint64_t body_len, need, total_segdocs = 0, npages, data_off;
  uint32_t ndocs, ndirs, nsegs, i, k, version;
  stance_meta *meta = NULL;
  stance_segment **segs = NULL;
  stance_index *ix = NULL;
  if (m->size < HEADER || memcmp(h, "STANCEIX", 8) != 0) {
    snprintf(err, errlen, "not a stance index");
    goto done;
  }
  version = stance_get32(h + 8);
  if (version != STANCE_INDEX_FILE_VERSION) {
    snprintf(err, errlen, "an index of version %u, this stance reads version %d", version,
             STANCE_INDEX_FILE_VERSION);
    goto done;
  }
  if (stance_get64(h + 56) != XXH3_64bits(h, 56)) {
    snprintf(err, errlen, "the index's header is damaged");
    goto done;
  }
  if (stance_get32(h + 12) != PAGE_BITS) {
    snprintf(err, errlen, "an index of another page size");
    goto done;
  }
  body_len = stance_get64(h + 16);
  npages = body_len <= m->size ? (body_len + PAGE - 1) >> PAGE_BITS : 0;
  data_off = (HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1);
  if (body_len > m->size || data_off > m->size || m->size - data_off != body_len) {
    snprintf(err, errlen, "the index is truncated or padded (%llu bytes, a body of %llu)",
             (unsigned long long)m->size, (unsigned long long)body_len);
    goto done;
  }
  /* the page sums and the zeros after them */
  if (sum64(h + HEADER, (size_t)(data_off - HEADER)) != stance_get64(h + 24)) {
    snprintf(err, errlen, "the index is damaged (checksum of its page sums)");
    goto done;
  }
  if ((m->verified = calloc((size_t)npages + 1, 1)) == NULL) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  m->sums = h + HEADER;
  m->npages = npages;
  m->data_off = data_off;
  body = h + data_off;
  ndocs = stance_get32(h + 40);
  ndirs = stance_get32(h + 44);
  nsegs = stance_get32(h + 48);
  need = (uint64_t)ndocs * (DOC_BYTES + 32) + (uint64_t)ndirs * DIR_BYTES + (uint64_t)nsegs * SEG_BYTES;
  if (need > body_len || ndocs == GONE) {
    snprintf(err, errlen, "the index's tables are longer than the file");
    goto done;
  }
  segs_at = body + (size_t)ndocs * (DOC_BYTES + 32) + (size_t)ndirs * DIR_BYTES;
  segdocs = segs_at + (size_t)nsegs * SEG_BYTES;
  if (stance_mapped_check(m, segs_at, (size_t)nsegs * SEG_BYTES) != 0) {
    snprintf(err, errlen, "the index is damaged (a page of its segments' table)");
    goto done;
  }
  for (i = 0; i < nsegs && total_segdocs <= body_len; i++) total_segdocs += stance_get32(segs_at + (size_t)i * SEG_BYTES + 8);
  if (total_segdocs <= body_len) need = pad8(need + total_segdocs * 4);
  if (total_segdocs > body_len || need > body_len) {
    snprintf(err, errlen, "the index's tables are longer than the file");
    goto done;
  }
  if (stance_mapped_check(m, segdocs, (size_t)total_segdocs * 4) != 0) {
    snprintf(err, errlen, "the index is damaged (a page of its segments' documents)");
    goto done;
  }
  if ((meta = calloc(1, sizeof *meta)) == NULL || (segs = calloc((size_t)nsegs + 1, sizeof *segs)) == NULL) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  meta->refs = 1;
  meta->file = m;
  STANCE_REF_INC(m->refs);
  meta->docs = body;
  meta->hashes = body + (size_t)ndocs * DOC_BYTES;
  meta->dirs = meta->hashes + (size_t)ndocs * 32;
  meta->strs = body + need;
  meta->strings = body_len - need;
  meta->ndocs = ndocs;
  meta->ndirs = ndirs;
  for (i = 0; i < nsegs; i++) {
    const uint8_t *q = segs_at + (size_t)i * SEG_BYTES;
    uint64_t id = stance_get64(q), size = stance_get64(q + 16);
    uint32_t nd = stance_get32(q + 8), nt = stance_get32(q + 12);
    stance_mapped *f;
    if (id == 0) {
      snprintf(err, errlen, "a segment of the index has no file");
      goto done;
    }
    for (k = 0; k < i; k++)
      if (segs[k]->file_id == id) {
        snprintf(err, errlen, "a segment is listed twice");
        goto done;
      }
    if ((f = segment_bytes(src, id, err, errlen)) == NULL) goto done;
    if (f->size != size) {
      stance_mapped_unref(f);
      snprintf(err, errlen, "a segment file is not the one listed");
      goto done;
    }
    if ((segs[i] = open_segment(f, nd, nt, err, errlen)) == NULL) goto done;
    segs[i]->file_id = id;
    if ((segs[i]->docs = malloc(((size_t)nd + 1) * sizeof *segs[i]->docs)) == NULL) {
      snprintf(err, errlen, "out of memory");
      goto done;
    }
    for (k = 0; k < nd; k++) {
      uint32_t g = stance_get32(segdocs + (size_t)k * 4);
      if (g >= ndocs && g != GONE) {
        snprintf(err, errlen, "a segment names a document the index does not have");
        goto done;
      }
      segs[i]->docs[k] = g;
    }
    segdocs += (size_t)nd * 4;
  }
  ix = stance__index_adopt(meta, stance_get64(h + 32), segs, nsegs);
  if (ix == NULL) snprintf(err, errlen, "out of memory");
done:
  if (segs != NULL)
    for (i = 0; i < nsegs; i++) stance_segment_unref(segs[i]);
  free(segs);
  stance_meta_unref(meta); /* the index holds its own references */
  stance_mapped_unref(m);
  return ix;
}

stance_index *stance_index_load(const char *dir, int *missing, char *err, size_t errlen) {
  seg_source src;
  stance_mapped *m;
  stance_index *ix = NULL;
  int attempt, gone = 0;
  struct stat st;
  err[0] = '\0';
  *missing = 0;
  if (lstat(dir, &st) != 0) {
    *missing = errno == ENOENT;
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return NULL;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s is not an index of this version", dir);
    return NULL;
  }
  memset(&src, 0, sizeof src);
  if ((src.dfd = open_dir(dir, 0, err, errlen)) < 0) return NULL;
  /* a save may replace the meta file and remove the segments it named between our reading
   * the one and opening the others: read again then */
  for (attempt = 0; attempt < 3 && ix == NULL; attempt++) {
    if ((m = map_file(src.dfd, "meta", err, errlen, &gone)) == NULL) {
      *missing = gone;
      break;
    }
    ix = open_meta(m, &src, err, errlen);
    if (ix == NULL && strstr(err, "No such file") == NULL) break;
  }
  close(src.dfd);
  return ix;
}

stance_index *stance_index_load_mem(const void *meta, size_t meta_len,
                                    const void *(*segment)(void *ud, uint64_t id, size_t *len),
                                    void *ud, char *err, size_t errlen) {
  seg_source src;
  uint8_t *copy = malloc(meta_len ? meta_len : 1);
  stance_mapped *m = NULL;
  err[0] = '\0';
  if (copy != NULL) {
    memcpy(copy, meta, meta_len);
    m = mapped_new(copy, meta_len, 0);
  }
  if (m == NULL) {
    free(copy);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  src.dfd = -1;
  src.mem = segment;
  src.ud = ud;
  return open_meta(m, &src, err, errlen);
}

/* Map back the file `name` just written into `dir` from `seg` (file id `id`) and let `seg`
 * read its tables from there (its documents stay its own). Its pages are what this process
 * has just checksummed and written from memory (the page cache's copy of them): known good,
 * not summed again when read (a save's merge read every page of a rebuild's segments, as
 * much work as the merge). */
static int adopt_written(stance_segment *seg, const char *dir, const char *name, uint64_t id, char *err,
                         size_t errlen) {
  int dfd;
  stance_mapped *m;
  stance_segment *g;
  if ((dfd = open_dir(dir, 1, err, errlen)) < 0) return -1;
  m = map_file(dfd, name, err, errlen, NULL);
  close(dfd);
  if (m == NULL || (g = open_segment(m, seg->ndocs, seg->nterms, err, errlen)) == NULL) return -1;
  memset(m->verified, 1, (size_t)m->npages);
  stance__segment_free_block(seg);
  seg->term_off = g->term_off;
  seg->freq = g->freq;
  seg->post_off = g->post_off;
  seg->keys = g->keys;
  seg->terms = g->terms;
  seg->postings = g->postings;
  seg->file = g->file;
  seg->file_id = id;
  g->file = NULL;
  stance_segment_unref(g);
  return 0;
}

int stance_segment_to_file(stance_segment *seg, const char *dir, char *err, size_t errlen) {
  uint64_t id = new_id();
  char name[64];
  if (seg->file != NULL) return 0;
  if (write_segment(dir, seg, id, 1, err, errlen) != 0) return -1;
  new_name(id, name, sizeof name);
  return adopt_written(seg, dir, name, id, err, errlen);
}

/* A segment file written as its data is made: the data goes through `buf`, written and
 * summed a WRITE_CHUNK of whole pages at a time; header and sums are written last, at the
 * file's start. */
typedef struct page_stream {
  stance_atomic *f;
  uint8_t *buf;                 /* WRITE_CHUNK bytes */
  size_t len;
  uint8_t *sums;
  uint64_t page;                /* the next page to sum */
  int failed;
} page_stream;

/* The whole pages of the buffer (all of it when `last`) summed and written. */
static void stream_flush(page_stream *ps, int last) {
  size_t whole = last ? ps->len : ps->len & ~(size_t)(PAGE - 1), k;
  for (k = 0; k < whole; k += PAGE, ps->page++)
    put_u32(ps->sums + ps->page * 4, page_sum(ps->buf + k, whole - k < PAGE ? whole - k : PAGE));
  if (!ps->failed && whole > 0 && stance_atomic_write(ps->f, ps->buf, whole) != 0) ps->failed = 1;
  memmove(ps->buf, ps->buf + whole, ps->len - whole);
  ps->len -= whole;
}

/* Room for n bytes at the buffer's end (n <= WRITE_CHUNK - PAGE). */
static uint8_t *stream_room(page_stream *ps, size_t n) {
  if (WRITE_CHUNK - ps->len < n) stream_flush(ps, 0);
  return ps->buf + ps->len;
}

static void stream_add(page_stream *ps, const void *data, uint64_t n) {
  const uint8_t *p = data;
  while (n > 0) {
    size_t k;
    stream_room(ps, 1);
    k = WRITE_CHUNK - ps->len < n ? WRITE_CHUNK - ps->len : (size_t)n;
    if (p != NULL) {
      memcpy(ps->buf + ps->len, p, k);
      p += k;
    } else {
      memset(ps->buf + ps->len, 0, k);
    }
    ps->len += k;
    n -= k;
  }
}

/* The builder's segment written to its file in `dir` as it is made (no copy of its
 * postings in memory: what a thread holds at most is its builder), then mapped, as
 * stance_segment_to_file leaves a segment. NULL when it could not be written (*oom set when
 * out of memory): the builder is left as it was, for stance_builder_finish. */
stance_segment *stance_builder_to_file(stance_segment_builder *b, const char *dir, int *oom, char *err,
                                       size_t errlen) {
  stance_segment *g = NULL;
  page_stream ps;
  stance_atomic f;
  seg_layout l;
  uint64_t npages, data_off, at, id = new_id();
  uint8_t h[HEADER], *scratch = NULL;
  size_t scratch_cap = 0;
  uint32_t k;
  char name[64], path[4096];
  int dfd, opened = 0;
  *oom = 0;
  memset(&ps, 0, sizeof ps);
  new_name(id, name, sizeof name);
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
    snprintf(err, errlen, "%s: path too long", dir);
    return NULL;
  }
  if ((g = stance__builder_tables(b)) == NULL) goto oom;
  if (layout(g->nterms, g->terms_len, g->post_len, &l) != 0) goto oom;
  npages = (l.len + PAGE - 1) >> PAGE_BITS;
  data_off = (HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1);
  ps.sums = calloc((size_t)npages + 1, 4);
  ps.buf = malloc(WRITE_CHUNK);
  if (ps.sums == NULL || ps.buf == NULL) goto oom;
  if ((dfd = open_dir(dir, 1, err, errlen)) < 0) goto fail;
  close(dfd);
  if (stance_atomic_open(&f, path, err, errlen) != 0) goto fail;
  opened = 1;
  ps.f = &f;
  /* the header and sums' place, written again at the end */
  for (at = 0; at < data_off; at += WRITE_CHUNK) {
    size_t n = data_off - at < WRITE_CHUNK ? (size_t)(data_off - at) : WRITE_CHUNK;
    memset(ps.buf, 0, n);
    if (stance_atomic_write(&f, ps.buf, n) != 0) ps.failed = 1;
  }
  /* the tables, laid out as emit_segment lays them out (gaps of zeros) */
  stream_add(&ps, g->term_off, ((uint64_t)g->nterms + 1) * 4);
  stream_add(&ps, NULL, l.freq - ((uint64_t)g->nterms + 1) * 4);
  stream_add(&ps, g->freq, (uint64_t)g->nterms * 4);
  stream_add(&ps, NULL, l.post_off - l.freq - (uint64_t)g->nterms * 4);
  stream_add(&ps, g->post_off, ((uint64_t)g->nterms + 1) * 8);
  stream_add(&ps, g->keys, STANCE_NKEYS(g->nterms) * 8);
  stream_add(&ps, g->terms, g->terms_len);
  stream_add(&ps, NULL, l.postings - l.terms - g->terms_len);
  /* the postings, word by word: into the buffer when they fit, else through `scratch` */
  for (k = 0; k < g->nterms && !ps.failed; k++) {
    uint64_t a = stance_get64(g->post_off + (size_t)k * 8), e = stance_get64(g->post_off + (size_t)k * 8 + 8);
    size_t n = (size_t)(e - a);
    if (n <= WRITE_CHUNK - PAGE) {
      uint8_t *out = stream_room(&ps, n);
      if (stance__builder_postings(b, k, out) != n) ps.failed = 1;
      ps.len += n;
    } else {
      if (n > scratch_cap) {
        uint8_t *ns = realloc(scratch, n);
        if (ns == NULL) goto oom;
        scratch = ns;
        scratch_cap = n;
      }
      if (stance__builder_postings(b, k, scratch) != n) ps.failed = 1;
      stream_add(&ps, scratch, n);
    }
  }
  stream_flush(&ps, 1);
  free(scratch);
  scratch = NULL;
  if (ps.failed || ps.page != npages) {
    snprintf(err, errlen, "cannot write %s", path);
    goto fail;
  }
  seg_header(h, g, l.len, ps.sums, npages);
  if (pwrite_all(f.fd, h, HEADER, 0) != 0 || pwrite_all(f.fd, ps.sums, (size_t)npages * 4, HEADER) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    goto fail;
  }
  opened = 0;
  if (stance_atomic_commit(&f, 0, err, errlen) != 0) goto fail;
  free(ps.sums);
  free(ps.buf);
  ps.sums = ps.buf = NULL;
  if (adopt_written(g, dir, name, id, err, errlen) != 0) goto fail; /* mapped back, known good */
  stance__builder_streamed(b);
  return g;
oom:
  *oom = 1;
  snprintf(err, errlen, "out of memory");
fail:
  if (opened) stance_atomic_abort(&f);
  free(scratch);
  free(ps.sums);
  free(ps.buf);
  stance_segment_unref(g);
  return NULL;
}

void stance__reseal_meta(uint8_t *m, size_t len) {
  uint64_t body_len, npages, data_off, k;
  if (len < HEADER) return;
  body_len = stance_get64(m + 16);
  if (body_len > len) body_len = len;
  npages = (body_len + PAGE - 1) >> PAGE_BITS;
  data_off = (HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1);
  if (data_off <= len) {
    for (k = 0; k < npages && data_off + (k << PAGE_BITS) < len; k++) {
      uint64_t at = data_off + (k << PAGE_BITS), n = len - at < PAGE ? len - at : PAGE;
      put_u32(m + HEADER + k * 4, page_sum(m + at, (size_t)n));
    }
    put_u64(m + 24, sum64(m + HEADER, (size_t)(data_off - HEADER)));
  }
  put_u64(m + 56, XXH3_64bits(m, 56));
}

void stance__reseal_segment(uint8_t *g, size_t len) {
  uint64_t data_len, npages, data_off, k;
  if (len < HEADER) return;
  data_len = stance_get64(g + 40);
  if (data_len > len) data_len = len;
  npages = (data_len + PAGE - 1) >> PAGE_BITS;
  data_off = (HEADER + npages * 4 + PAGE - 1) & ~(PAGE - 1);
  if (HEADER + npages * 4 <= len) {
    for (k = 0; k < npages && data_off + (k << PAGE_BITS) < len; k++) {
      uint64_t at = data_off + (k << PAGE_BITS), n = len - at < PAGE ? len - at : PAGE;
      put_u32(g + HEADER + k * 4, page_sum(g + at, (size_t)n));
    }
    put_u64(g + 48, sum64(g + HEADER, (size_t)npages * 4));
  }
  put_u64(g + 56, XXH3_64bits(g, 56));
}

/* ---- jobs ------------------------------------------------------------------------------------ */

typedef struct savejob {
  stance_index *base;           /* the index to save (until prepare copies it) */
  uint64_t base_id;
  char *dir;
  stance_index *result;         /* base's copy that knows what was saved */
} savejob;

static void save_destroy(void *data) {
  savejob *s = data;
  if (s == NULL) return;
  stance_index_free(s->base);
  stance_index_free(s->result);
  free(s->dir);
  free(s);
}

static int save_prepare(stance_job *job) {
  savejob *s = stance_job_data(job);
  stance_index_saved *saved = NULL;
  stance_index *copy;
  char err[512];
  stance_job_set_total(job, 1, 0);
  /* copied here, on the worker: the owner's thread pays nothing */
  copy = stance_index_copy(s->base);
  stance_index_free(s->base);
  s->base = NULL;
  if (copy == NULL) return stance_job_fail(job, -ENOMEM, "out of memory");
  if (stance_index_save(copy, s->dir, &saved, err, sizeof err) != 0) {
    stance_index_free(copy);
    return stance_job_fail(job, -EIO, "%s", err);
  }
  stance_index_saved_apply(saved, copy);
  stance_index_saved_free(saved);
  if (stance_index_ready(copy) != 0) {
    stance_index_free(copy);
    return stance_job_fail(job, -ENOMEM, "out of memory");
  }
  s->result = copy;
  stance_job_advance(job, 1, 0);
  return 0;
}

static const stance_job_ops save_ops = {"save-index", save_prepare, NULL, NULL, save_destroy};

stance_job *stance_savejob_new(const stance_index *ix, const char *dir) {
  savejob *s = calloc(1, sizeof *s);
  stance_job *job;
  if (s == NULL) return NULL;
  s->dir = malloc(strlen(dir) + 1);
  if (s->dir == NULL) goto fail;
  strcpy(s->dir, dir);
  /* a reference, not a copy: the owner never changes an index once it is shared */
  s->base = stance_index_ref((stance_index *)(uintptr_t)ix);
  s->base_id = stance_index_id(ix);
  if ((job = stance_job_new(&save_ops, s)) == NULL) goto fail;
  return job;
fail:
  save_destroy(s);
  return NULL;
}

stance_index *stance_savejob_take(stance_job *job, const stance_index *current, int *stale) {
  savejob *s;
  stance_index *ix;
  *stale = 0;
  if (strcmp(stance_job_kind(job), "save-index") != 0) return NULL;
  s = stance_job_data(job);
  if (s->result == NULL) return NULL;
  if (current == NULL || stance_index_id(current) != s->base_id) {
    *stale = 1;
    return NULL;
  }
  ix = s->result;
  s->result = NULL;
  return ix;
}

typedef struct loadjob {
  char *dir;
  stance_index *loaded;
  int missing;
  int lazy; /* the tables by path are made at first use, by the index's owner */
} loadjob;

static void load_destroy(void *data) {
  loadjob *l = data;
  if (l == NULL) return;
  free(l->dir);
  stance_index_free(l->loaded);
  free(l);
}

static int load_prepare(stance_job *job) {
  loadjob *l = stance_job_data(job);
  char err[512];
  stance_job_set_total(job, 1, 0);
  l->loaded = stance_index_load(l->dir, &l->missing, err, sizeof err);
  /* no index at all is not a failure: the job is done, with nothing loaded */
  if (l->loaded == NULL && !l->missing) return stance_job_fail(job, -EINVAL, "%s", err);
  /* its documents decoded and its tables made here, not at the owner's first search (unless
   * the owner has nothing else to do meanwhile and may not need them at all: a count in a
   * fresh process; an update decodes them on its worker) */
  if (l->loaded != NULL && !l->lazy) {
    int rc = stance_index_ready(l->loaded);
    if (rc == STANCE_INDEX_DAMAGED) return stance_job_fail(job, -EINVAL, "the index is damaged (a page of its documents)");
    if (rc != 0) return stance_job_fail(job, -ENOMEM, "out of memory");
  }
  stance_job_advance(job, 1, 0);
  return 0;
}

static const stance_job_ops load_ops = {"load-index", load_prepare, NULL, NULL, load_destroy};

stance_job *stance_loadjob_new(const char *dir, int lazy) {
  loadjob *l = calloc(1, sizeof *l);
  stance_job *job;
  if (l == NULL) return NULL;
  l->lazy = lazy != 0;
  l->dir = malloc(strlen(dir) + 1);
  if (l->dir == NULL) goto fail;
  strcpy(l->dir, dir);
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

int stance_loadjob_missing(stance_job *job) {
  if (strcmp(stance_job_kind(job), "load-index") != 0) return 0;
  return ((loadjob *)stance_job_data(job))->missing;
}
