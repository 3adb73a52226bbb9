/*
 * layercache.c - the parsed annotation files of a corpus in one file (see layercache.h).
 */
#include "layercache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "atomic.h"
#include "buf.h"
#include "snapshot.h"
#include "xxh3wide.h"

#define MAGIC "STLAYC02"
#define HEAD 40u        /* magic, digest, entries, table offset, annotations generation */
#define ID_BYTES 40u    /* dev, ino, size, mtime_ns, ctime_ns */

enum { SEEN_NOT = 0, SEEN_HIT = 1, SEEN_STALE = 2 };

typedef struct added {
  uint64_t hash;
  char *data; /* the entry, as written; NULL when it is in the spill file, at `off` */
  size_t len;
  uint64_t seq, off;
  char *key; /* a spilled entry's key (the rows are sorted by it before it is read back) */
  uint32_t keylen;
} added;

/* The file loaded (mmap'd, or a copy for from_memory), with a count of its holders: the
 * cache, and the bytes of entries lent out (stance_layercache_lend). */
struct stance_layercache_map {
  const unsigned char *p;
  size_t len;
  int mapped;
  size_t refs;
};

struct stance_layercache {
  const unsigned char *map; /* = mapping->p */
  size_t maplen;
  stance_layercache_map *mapping;
  uint64_t digest, n; /* entries of the file loaded */
  uint64_t gen_loaded; /* the annotations generation the file loaded records (0: none) */
  uint64_t gen_save;   /* the one the next save records (0: none) */
  const unsigned char *table;
  unsigned char *seen; /* per entry of the table */
  added *add;
  size_t nadd, capadd;
  int spill_fd;        /* entries put go there instead of memory (-1: none) */
  int spill_full;      /* a write to it failed: the next entries stay in memory */
  uint64_t spill_len;
  stance_layercache_stats st;
};

static uint64_t get64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static uint32_t get32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static uint64_t key_hash(const char *key, size_t len) { return XXH3_64bits(key, len); }

/* Check the header and the table of the file loaded; an invalid one leaves the cache empty. */
static void take(stance_layercache *c, uint64_t digest) {
  uint64_t n, toff, i, prev = 0;
  c->n = 0;
  if (c->maplen < HEAD || memcmp(c->map, MAGIC, 8) != 0 || get64(c->map + 8) != digest) return;
  n = get64(c->map + 16);
  toff = get64(c->map + 24);
  if (toff < HEAD || toff > c->maplen || n > (c->maplen - toff) / 16 || toff + n * 16 != c->maplen) return;
  for (i = 0; i < n; i++) {
    uint64_t h = get64(c->map + toff + i * 16), off = get64(c->map + toff + i * 16 + 8);
    if ((i > 0 && h < prev) || off < HEAD || off > toff || toff - off < 16) return;
    prev = h;
  }
  if (n > 0 && (c->seen = calloc((size_t)n, 1)) == NULL) return;
  c->table = c->map + toff;
  c->n = n;
  c->gen_loaded = get64(c->map + 32);
}

static stance_layercache *new_cache(uint64_t digest) {
  stance_layercache *c = calloc(1, sizeof *c);
  if (c != NULL) {
    c->digest = digest;
    c->spill_fd = -1;
  }
  return c;
}

int stance_layercache_spill_to(stance_layercache *c, const char *dir) {
  char path[4096];
  int fd;
  if (c->spill_fd >= 0) return 0;
  if ((size_t)snprintf(path, sizeof path, "%s/.layers-spill-XXXXXX", dir) >= sizeof path) return -1;
  if ((fd = mkstemp(path)) < 0) return -1;
  /* nobody else's to see, and gone with the process however it ends */
  if (unlink(path) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    close(fd);
    return -1;
  }
  c->spill_fd = fd;
  c->spill_len = 0;
  return 0;
}

/* Write the entry `data` at the end of the spill file: 0, or -1 (then it stays in memory). */
static int spill(stance_layercache *c, const char *data, size_t len, uint64_t *off) {
  size_t done = 0;
  if (c->spill_fd < 0 || c->spill_full || c->spill_len > (uint64_t)INT64_MAX - len) return -1;
  while (done < len) {
    ssize_t w = pwrite(c->spill_fd, data + done, len - done, (off_t)(c->spill_len + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      /* a full disk: what was written of this one is never used (the entries before it are
       * still read back); the next ones stay in memory */
      c->spill_full = 1;
      return -1;
    }
    done += (size_t)w;
  }
  *off = c->spill_len;
  c->spill_len += len;
  return 0;
}

/* The mapping of `p` (len bytes) held by `c`; 0, or -1 when out of memory (p not taken). */
static int hold_map(stance_layercache *c, const unsigned char *p, size_t len, int mapped) {
  stance_layercache_map *m = malloc(sizeof *m);
  if (m == NULL) return -1;
  m->p = p;
  m->len = len;
  m->mapped = mapped;
  m->refs = 1;
  c->mapping = m;
  c->map = p;
  c->maplen = len;
  return 0;
}

void stance_layercache_map_release(stance_layercache_map *m) {
  if (m == NULL || --m->refs > 0) return;
  if (m->mapped)
    munmap((void *)m->p, m->len);
  else
    free((void *)m->p);
  free(m);
}

uint64_t stance_layercache_generation(const stance_layercache *c) { return c->gen_loaded; }

void stance_layercache_set_generation(stance_layercache *c, uint64_t gen) { c->gen_save = gen; }

int stance_layercache_all_seen(const stance_layercache *c) {
  uint64_t i;
  for (i = 0; i < c->n; i++)
    if (c->seen[i] == SEEN_NOT) return 0;
  return 1;
}

stance_layercache_map *stance_layercache_mapping(const stance_layercache *c) { return c->mapping; }

void stance_layercache_lend(stance_layercache_map *m) {
  if (m != NULL) m->refs++;
}

stance_layercache *stance_layercache_open(const char *path, uint64_t digest) {
  stance_layercache *c = new_cache(digest);
  struct stat st;
  int fd;
  if (c == NULL) return NULL;
  /* never through a link, never a FIFO or a device */
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return c;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)HEAD &&
      (uint64_t)st.st_size < (uint64_t)SIZE_MAX / 2) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      if (hold_map(c, m, (size_t)st.st_size, 1) != 0) {
        munmap(m, (size_t)st.st_size);
        close(fd);
        free(c);
        return NULL;
      }
      take(c, digest);
    }
  }
  close(fd);
  return c;
}

stance_layercache *stance_layercache_from_memory(const char *data, size_t len, uint64_t digest) {
  stance_layercache *c = new_cache(digest);
  unsigned char *copy;
  if (c == NULL) return NULL;
  if (len == 0) return c;
  if ((copy = malloc(len)) == NULL) {
    free(c);
    return NULL;
  }
  memcpy(copy, data, len);
  if (hold_map(c, copy, len, 0) != 0) {
    free(copy);
    free(c);
    return NULL;
  }
  take(c, digest);
  return c;
}

void stance_layercache_free(stance_layercache *c) {
  size_t i;
  if (c == NULL) return;
  stance_layercache_map_release(c->mapping);
  free(c->seen);
  for (i = 0; i < c->nadd; i++) {
    free(c->add[i].data);
    free(c->add[i].key);
  }
  free(c->add);
  if (c->spill_fd >= 0) close(c->spill_fd);
  free(c);
}

/* The parts of the entry at `off`, checked: its length in *len (header included). 0 when it
 * is damaged. */
typedef struct entry {
  const unsigned char *key, *id, *bytes, *snap;
  uint32_t keylen;
  uint64_t nbytes, nsnap, len;
} entry;

/* The checksum of an entry (XXH3-64 of what follows its first 16 bytes), with AVX2 when the
 * processor has it (the same value: see xxh3wide.h). */
static uint64_t entry_sum(const void *p, size_t len) {
  uint64_t h;
  if (stance_xxh3_wide(p, len, &h)) return h;
  return XXH3_64bits(p, len);
}

static int parse_entry(const unsigned char *p, uint64_t avail, int verify, entry *e) {
  uint64_t rest, pos;
  if (avail < 16) return 0;
  rest = get64(p + 8);
  if (rest > avail - 16) return 0;
  if (verify && entry_sum(p + 16, (size_t)rest) != get64(p)) return 0;
  p += 16;
  if (rest < 4) return 0;
  e->keylen = get32(p);
  pos = 4;
  if (e->keylen > rest - pos) return 0;
  e->key = p + pos;
  pos += e->keylen;
  if (rest - pos < ID_BYTES + 8) return 0;
  e->id = p + pos;
  pos += ID_BYTES;
  e->nbytes = get64(p + pos);
  pos += 8;
  if (e->nbytes > rest - pos) return 0;
  e->bytes = p + pos;
  pos += e->nbytes;
  if (rest - pos < 8) return 0;
  e->nsnap = get64(p + pos);
  pos += 8;
  if (e->nsnap != rest - pos) return 0;
  e->snap = p + pos;
  e->len = rest + 16;
  return 1;
}

static void put_id(unsigned char *p, const stance_layer_id *id) {
  memcpy(p, &id->dev, 8);
  memcpy(p + 8, &id->ino, 8);
  memcpy(p + 16, &id->size, 8);
  memcpy(p + 24, &id->mtime_ns, 8);
  memcpy(p + 32, &id->ctime_ns, 8);
}

/* The first index of the table whose hash is `h` (or c->n). The hashes are uniform and the
 * table sorted (take() checked it): the search starts where `h` falls in proportion and
 * widens from there, a few probes instead of a binary search's cache misses over it all. */
static uint64_t lower_bound(const stance_layercache *c, uint64_t h) {
  uint64_t lo = 0, hi = c->n;
  if (c->n > 64 && c->n <= 0xFFFFFFFFu) {
    uint64_t guess = ((h >> 32) * c->n) >> 32, step = 8;
    if (get64(c->table + guess * 16) < h) {
      lo = guess + 1; /* h is after guess: find an end at or past it */
      while (lo + step < c->n && get64(c->table + (lo + step) * 16) < h) {
        lo += step + 1;
        step *= 2;
      }
      hi = lo + step < c->n ? lo + step + 1 : c->n;
    } else {
      hi = guess; /* the first one is at guess or before: find a start before it */
      while (hi > step && get64(c->table + (hi - step - 1) * 16) >= h) {
        hi -= step + 1;
        step *= 2;
      }
      lo = hi > step ? hi - step - 1 : 0;
    }
  }
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (get64(c->table + mid * 16) < h)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int stance_layercache_find(stance_layercache *c, const char *key, const stance_layer_id *id, const char **snap,
                           size_t *snaplen, const char **bytes, size_t *len, uint64_t *which) {
  size_t klen = strlen(key);
  uint64_t h = key_hash(key, klen), i;
  unsigned char want[ID_BYTES];
  if (id != NULL) put_id(want, id);
  for (i = lower_bound(c, h); i < c->n && get64(c->table + i * 16) == h; i++) {
    uint64_t off = get64(c->table + i * 16 + 8);
    entry e;
    if (c->seen[i] == SEEN_STALE) continue;
    if (!parse_entry(c->map + off, (uint64_t)(c->table - c->map) - off, 0, &e)) {
      c->seen[i] = SEEN_STALE;
      continue;
    }
    if (e.keylen != klen || memcmp(e.key, key, klen) != 0) continue;
    /* the key is this file's: the entry is used now, or never again */
    if ((id != NULL && memcmp(e.id, want, ID_BYTES) != 0) || !parse_entry(c->map + off, e.len, 1, &e)) {
      c->seen[i] = SEEN_STALE;
      c->st.stale++;
      break;
    }
    *snap = (const char *)e.snap;
    *snaplen = (size_t)e.nsnap;
    *bytes = (const char *)e.bytes;
    *len = (size_t)e.nbytes;
    *which = i;
    c->seen[i] = SEEN_HIT;
    c->st.hits++;
    return 1;
  }
  c->st.misses++;
  return 0;
}

void stance_layercache_drop(stance_layercache *c, uint64_t which) {
  if (which >= c->n || c->seen[which] != SEEN_HIT) return;
  c->seen[which] = SEEN_STALE;
  c->st.hits--;
  c->st.stale++;
}

int stance_layercache_get(stance_layercache *c, const char *key, const stance_layer_id *id, stance_store **store,
                          const char **bytes, size_t *len) {
  const char *snap, *why;
  size_t snaplen;
  uint64_t which;
  *store = NULL;
  if (stance_layercache_find(c, key, id, &snap, &snaplen, bytes, len, &which) != 1) return 0;
  *store = stance_store_from_snapshot(snap, snaplen, STANCE_LAYERCACHE_SNAP_KEY, &why);
  if (*store == NULL) {
    if (why != NULL && strcmp(why, "memory") == 0) return STANCE_ENOMEM;
    stance_layercache_drop(c, which);
    c->st.misses++;
    return 0;
  }
  return 1;
}

int stance_layercache_put(stance_layercache *c, const char *key, const stance_layer_id *id, const char *bytes,
                          size_t len, const stance_store *s) {
  stance_buf b, snap;
  size_t klen = strlen(key);
  uint64_t rest, n64 = len;
  uint32_t k32 = (uint32_t)klen;
  unsigned char idb[ID_BYTES];
  if (klen > 0xFFFFFFFFu) return STANCE_EINVAL;
  stance_buf_init(&snap);
  if (stance_store_snapshot(s, STANCE_LAYERCACHE_SNAP_KEY, &snap) != STANCE_OK || snap.oom) {
    stance_buf_free(&snap);
    return STANCE_ENOMEM;
  }
  if (c->nadd == c->capadd) {
    size_t cap = c->capadd ? c->capadd * 2 : 256;
    added *na = cap > SIZE_MAX / sizeof *na ? NULL : realloc(c->add, cap * sizeof *na);
    if (na == NULL) {
      stance_buf_free(&snap);
      return STANCE_ENOMEM;
    }
    c->add = na;
    c->capadd = cap;
  }
  stance_buf_init(&b);
  rest = 4 + klen + ID_BYTES + 8 + len + 8 + snap.len;
  if (rest < len || stance_buf_reserve(&b, 16 + (size_t)rest) == NULL) {
    stance_buf_free(&b);
    stance_buf_free(&snap);
    return STANCE_ENOMEM;
  }
  put_id(idb, id);
  stance_buf_add(&b, "\0\0\0\0\0\0\0\0", 8); /* the checksum, below */
  stance_buf_add(&b, (const char *)&rest, 8);
  stance_buf_add(&b, (const char *)&k32, 4);
  stance_buf_add(&b, key, klen);
  stance_buf_add(&b, (const char *)idb, ID_BYTES);
  stance_buf_add(&b, (const char *)&n64, 8);
  stance_buf_add(&b, bytes, len);
  n64 = snap.len;
  stance_buf_add(&b, (const char *)&n64, 8);
  stance_buf_add(&b, snap.data, snap.len);
  stance_buf_free(&snap);
  if (b.oom) {
    stance_buf_free(&b);
    return STANCE_ENOMEM;
  }
  {
    uint64_t sum = XXH3_64bits(b.data + 16, (size_t)rest);
    memcpy(b.data, &sum, 8);
  }
  c->add[c->nadd].hash = key_hash(key, klen);
  c->add[c->nadd].data = b.data;
  c->add[c->nadd].len = b.len;
  c->add[c->nadd].seq = c->nadd;
  c->add[c->nadd].off = 0;
  c->add[c->nadd].key = NULL;
  c->add[c->nadd].keylen = k32;
  if (c->spill_fd >= 0 && !c->spill_full) {
    char *kc = malloc(klen + 1);
    if (kc != NULL && spill(c, b.data, b.len, &c->add[c->nadd].off) == 0) {
      memcpy(kc, key, klen);
      c->add[c->nadd].key = kc;
      free(b.data);
      c->add[c->nadd].data = NULL;
    } else {
      free(kc);
    }
  }
  c->nadd++;
  c->st.put++;
  return STANCE_OK;
}

int stance_layercache_dirty(const stance_layercache *c) { return c->nadd > 0 || c->st.stale > 0; }

void stance_layercache_stats_of(const stance_layercache *c, stance_layercache_stats *out) {
  *out = c->st;
  out->loaded = c->n;
}

/* ---- saving --------------------------------------------------------------------------- */

typedef struct row {
  uint64_t hash, off; /* off: in the file written */
  const unsigned char *data; /* NULL: in the spill file, at spill_off */
  uint64_t spill_off;
  size_t len;
  const unsigned char *key;
  uint32_t keylen;
  uint64_t order; /* loaded entries first, then those put, in the order put */
} row;

static int cmp_rows(const void *a, const void *b) {
  const row *x = a, *y = b;
  int k;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  if (x->keylen != y->keylen) return x->keylen < y->keylen ? -1 : 1;
  k = memcmp(x->key, y->key, x->keylen);
  if (k != 0) return k;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Whether the file of entry `e` (its key, a path) is still a regular file: an entry not
 * looked up since it was loaded is dropped when it is not (the file was deleted, or moved
 * with its folder), so that a cache does not keep what no longer exists. */
static int still_there(const entry *e) {
  char path[4096];
  struct stat st;
  if (e->keylen == 0 || e->keylen >= sizeof path) return 0;
  memcpy(path, e->key, e->keylen);
  path[e->keylen] = '\0';
  if (memchr(path, '\0', e->keylen) != NULL) return 0;
  return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The rows to write, one per key (the last put wins), sorted as the table is. */
static row *rows_of(stance_layercache *c, int prune, size_t *nrows) {
  size_t n = 0, i, w;
  row *rows;
  if (c->n > (SIZE_MAX / sizeof *rows) - c->nadd - 1) return NULL;
  rows = malloc(((size_t)c->n + c->nadd + 1) * sizeof *rows);
  if (rows == NULL) return NULL;
  for (i = 0; i < c->n; i++) {
    uint64_t off = get64(c->table + i * 16 + 8);
    entry e;
    if (c->seen[i] == SEEN_STALE || (prune == STANCE_LC_KEEP_SEEN && c->seen[i] != SEEN_HIT)) continue;
    if (!parse_entry(c->map + off, (uint64_t)(c->table - c->map) - off, 0, &e)) continue;
    if (prune == STANCE_LC_KEEP_PRESENT && c->seen[i] != SEEN_HIT && !still_there(&e)) continue;
    rows[n].hash = get64(c->table + i * 16);
    rows[n].data = c->map + off;
    rows[n].spill_off = 0;
    rows[n].len = (size_t)e.len;
    rows[n].key = e.key;
    rows[n].keylen = e.keylen;
    rows[n].order = i;
    n++;
  }
  for (i = 0; i < c->nadd; i++) {
    entry e;
    if (c->add[i].data == NULL) { /* spilled: written whole by put, read back when written */
      rows[n].key = (const unsigned char *)c->add[i].key;
      rows[n].keylen = c->add[i].keylen;
    } else if (parse_entry((const unsigned char *)c->add[i].data, c->add[i].len, 0, &e)) {
      rows[n].key = e.key;
      rows[n].keylen = e.keylen;
    } else {
      continue;
    }
    rows[n].hash = c->add[i].hash;
    rows[n].data = (const unsigned char *)c->add[i].data;
    rows[n].spill_off = c->add[i].off;
    rows[n].len = c->add[i].len;
    rows[n].order = c->n + i;
    n++;
  }
  qsort(rows, n, sizeof *rows, cmp_rows);
  /* one per key: the last of equal keys */
  for (i = 0, w = 0; i < n; i++) {
    if (i + 1 < n && rows[i + 1].hash == rows[i].hash && rows[i + 1].keylen == rows[i].keylen &&
        memcmp(rows[i + 1].key, rows[i].key, rows[i].keylen) == 0)
      continue;
    rows[w++] = rows[i];
  }
  *nrows = w;
  return rows;
}

typedef int (*sink_fn)(void *ud, const void *data, size_t len);

/* Rows by their keys' bytes (paths: a folder's files one after the other). */
static int cmp_keys(const void *a, const void *b) {
  const row *x = *(const row *const *)a, *y = *(const row *const *)b;
  size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
  int k = memcmp(x->key, y->key, n);
  if (k != 0) return k;
  return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

static int write_all(stance_layercache *c, int prune, sink_fn sink, void *ud) {
  size_t n = 0, i;
  row *rows, **by_key = NULL;
  uint64_t off = HEAD, head[4];
  char *buf = NULL; /* a spilled entry read back (one at a time: none is held in memory) */
  size_t cap = 0;
  int rc = -1;
  rows = rows_of(c, prune, &n);
  if (rows == NULL) goto done;
  /* the entries in the order of their paths (a pass over the corpus reads the file from
   * start to end), the table in the order of their keys' hashes (where lookups search) */
  if ((by_key = malloc((n + 1) * sizeof *by_key)) == NULL) goto done;
  for (i = 0; i < n; i++) by_key[i] = &rows[i];
  qsort(by_key, n, sizeof *by_key, cmp_keys);
  for (i = 0; i < n; i++) {
    by_key[i]->off = off;
    off += by_key[i]->len;
  }
  head[0] = c->digest;
  head[1] = n;
  head[2] = off;
  head[3] = c->gen_save;
  if (sink(ud, MAGIC, 8) != 0 || sink(ud, head, sizeof head) != 0) goto done;
  for (i = 0; i < n; i++) {
    const row *r = by_key[i];
    const void *data = r->data;
    if (data == NULL) {
      size_t got = 0;
      if (r->len > cap) {
        char *nb = realloc(buf, r->len);
        if (nb == NULL) goto done;
        buf = nb;
        cap = r->len;
      }
      while (got < r->len) {
        ssize_t k = pread(c->spill_fd, buf + got, r->len - got, (off_t)(r->spill_off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) goto done;
        got += (size_t)k;
      }
      data = buf;
    }
    if (sink(ud, data, r->len) != 0) goto done;
  }
  for (i = 0; i < n; i++) {
    uint64_t t[2];
    t[0] = rows[i].hash;
    t[1] = rows[i].off;
    if (sink(ud, t, sizeof t) != 0) goto done;
  }
  rc = 0;
done:
  free(by_key);
  free(rows);
  free(buf);
  return rc;
}

static int to_buf(void *ud, const void *data, size_t len) {
  stance_buf *b = ud;
  stance_buf_add(b, data, len);
  return b->oom ? -1 : 0;
}

int stance_layercache_serialize(stance_layercache *c, int prune, stance_buf *out) {
  return write_all(c, prune, to_buf, out) == 0 ? STANCE_OK : STANCE_ENOMEM;
}

static int to_file(void *ud, const void *data, size_t len) { return stance_atomic_write(ud, data, len); }

int stance_layercache_save(stance_layercache *c, const char *path, int prune, char *err, size_t errlen) {
  stance_atomic f;
  int rc;
  if (stance_atomic_open(&f, path, err, errlen) != 0) return -1;
  rc = write_all(c, prune, to_file, &f);
  if (rc != 0) {
    int e = f.failed;
    stance_atomic_abort(&f);
    snprintf(err, errlen, "%s: %s", path, e ? strerror(e) : "out of memory");
    return -1;
  }
  return stance_atomic_commit(&f, 0, err, errlen);
}
