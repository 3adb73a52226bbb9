/* layercache.c: entries come back only for their file's identity, the same as put; a damaged,
 * short or foreign cache gives nothing else; saving merges, drops stale entries, prunes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "layercache.h"
#include "reader.h"

static const char *const FILES[] = {
    "format stance 1\n\ndocument \"a.txt\"\n  hash sha256:00\n  annotator ana\n\n"
    "annotation a1\n  span 1-4\n  label claim\n  target t\n  stance favor\n  quote \"a \\\"b\\\"\\nc\"\n"
    "  note \"x\"\n  created 2026-01-01T00:00:00Z\n\n"
    "annotation a2\n  span 5-9, 12-14\n  label premise\n  created 2026-01-01T00:00:00Z\n\n"
    "relation r1\n  type supports\n  from a2\n  to a1\n  created 2026-01-01T00:00:00Z\n\n"
    "doclabel d1\n  target t\n  stance against\n  created 2026-01-01T00:00:00Z\n",
    "# a comment kept\nformat stance 1\n\ndocument \"b/c d.txt\"\n  annotator ben\n  status done\n",
    "format stance 1\n\ndocument \"e.txt\"\n  annotator ana\n\n"
    "annotation x\n  span 0-1\n  label claim\n  unknown-attr kept\n  created 2026-01-01T00:00:00Z\n",
};
#define NFILES (sizeof FILES / sizeof FILES[0])

static char *written(const stance_store *s) {
  stance_buf b;
  stance_buf_init(&b);
  stance_write(s, &b);
  stance_buf_addc(&b, '\0');
  return b.data;
}

static stance_store *parse(const char *text) {
  stance_problems p;
  stance_store *s;
  stance_problems_init(&p);
  s = stance_read(text, strlen(text), NULL, &p);
  stance_problems_free(&p);
  return s;
}

static stance_layer_id id_n(uint64_t n) {
  stance_layer_id id;
  id.dev = 1;
  id.ino = 100 + n;
  id.size = n * 10;
  id.mtime_ns = 1000 + (int64_t)n;
  id.ctime_ns = 2000 + (int64_t)n;
  return id;
}

/* A cache of every file of FILES under keys "/c/0", "/c/1", ..., serialized into `out`. */
static void make_cache(stance_buf *out) {
  stance_layercache *c = stance_layercache_from_memory(NULL, 0, 42);
  size_t i;
  CHECK(c != NULL);
  for (i = 0; i < NFILES; i++) {
    char key[32];
    stance_store *s = parse(FILES[i]);
    stance_layer_id id = id_n(i);
    snprintf(key, sizeof key, "/c/%zu", i);
    CHECK_INT(stance_layercache_put(c, key, &id, FILES[i], strlen(FILES[i]), s), STANCE_OK);
    stance_store_free(s);
  }
  CHECK(stance_layercache_dirty(c));
  stance_buf_init(out);
  CHECK_INT(stance_layercache_serialize(c, 0, out), STANCE_OK);
  stance_layercache_free(c);
}

/* 1 when key i is in `c` with its own store and bytes, 0 when missing, -1 when different */
static int found(stance_layercache *c, size_t i, stance_layer_id id) {
  char key[32], *a, *b;
  stance_store *got = NULL, *want;
  const char *bytes;
  size_t len;
  int rc, same;
  snprintf(key, sizeof key, "/c/%zu", i);
  rc = stance_layercache_get(c, key, &id, &got, &bytes, &len);
  if (rc != 1) return rc;
  want = parse(FILES[i]);
  a = written(got);
  b = written(want);
  same = strcmp(a, b) == 0 && len == strlen(FILES[i]) && memcmp(bytes, FILES[i], len) == 0;
  free(a);
  free(b);
  stance_store_free(got);
  stance_store_free(want);
  return same ? 1 : -1;
}

static void layercache_gives_each_entry_back_for_its_identity_only(void) {
  stance_buf b;
  stance_layercache *c;
  stance_layercache_stats st;
  size_t i;
  make_cache(&b);
  c = stance_layercache_from_memory(b.data, b.len, 42);
  for (i = 0; i < NFILES; i++) CHECK_INT(found(c, i, id_n(i)), 1);
  {
    stance_layer_id changed = id_n(1);
    changed.ctime_ns++; /* the same size and mtime, changed since: a miss, never the old one */
    stance_layercache_free(c);
    c = stance_layercache_from_memory(b.data, b.len, 42);
    CHECK_INT(found(c, 1, changed), 0);
    CHECK_INT(found(c, 1, id_n(1)), 0); /* stale from now on */
    CHECK_INT(found(c, 0, id_n(0)), 1);
    stance_layercache_stats_of(c, &st);
    CHECK_INT(st.loaded, NFILES);
    CHECK_INT(st.stale, 1);
    CHECK(stance_layercache_dirty(c));
  }
  {
    /* saved again: without the stale entry; pruned: only what was found */
    stance_buf again, pruned;
    stance_layercache *c2;
    stance_buf_init(&again);
    stance_buf_init(&pruned);
    CHECK_INT(stance_layercache_serialize(c, 0, &again), STANCE_OK);
    CHECK_INT(stance_layercache_serialize(c, 1, &pruned), STANCE_OK);
    c2 = stance_layercache_from_memory(again.data, again.len, 42);
    stance_layercache_stats_of(c2, &st);
    CHECK_INT(st.loaded, NFILES - 1);
    CHECK_INT(found(c2, 2, id_n(2)), 1);
    stance_layercache_free(c2);
    c2 = stance_layercache_from_memory(pruned.data, pruned.len, 42);
    stance_layercache_stats_of(c2, &st);
    CHECK_INT(st.loaded, 1);
    CHECK_INT(found(c2, 0, id_n(0)), 1);
    stance_layercache_free(c2);
    stance_buf_free(&again);
    stance_buf_free(&pruned);
  }
  stance_layercache_free(c);
  /* another vocabulary: empty */
  c = stance_layercache_from_memory(b.data, b.len, 43);
  stance_layercache_stats_of(c, &st);
  CHECK_INT(st.loaded, 0);
  CHECK_INT(found(c, 0, id_n(0)), 0);
  stance_layercache_free(c);
  stance_buf_free(&b);
}

static void layercache_damaged_anywhere_gives_the_same_or_nothing(void) {
  stance_buf b;
  size_t at, i;
  make_cache(&b);
  for (at = 0; at < b.len; at++) {
    int bit;
    for (bit = 0; bit < 8; bit += 3) {
      stance_layercache *c;
      b.data[at] = (char)(b.data[at] ^ (1 << bit));
      c = stance_layercache_from_memory(b.data, b.len, 42);
      CHECK(c != NULL);
      for (i = 0; c != NULL && i < NFILES; i++) CHECK(found(c, i, id_n(i)) != -1);
      stance_layercache_free(c);
      b.data[at] = (char)(b.data[at] ^ (1 << bit));
    }
  }
  /* cut short anywhere: loads as empty or finds the same */
  for (at = 0; at < b.len; at += 7) {
    stance_layercache *c = stance_layercache_from_memory(b.data, at, 42);
    for (i = 0; i < NFILES; i++) CHECK(found(c, i, id_n(i)) != -1);
    stance_layercache_free(c);
  }
  stance_buf_free(&b);
}

static void layercache_saves_atomically_and_merges_what_was_put(void) {
  const char *dir = tmp_dir();
  char path[4096], err[256];
  stance_layercache *c, *d;
  stance_layercache_stats st;
  stance_store *s;
  stance_layer_id id = id_n(0), id1 = id_n(1);
  snprintf(path, sizeof path, "%s/layers.bin", dir);
  c = stance_layercache_open(path, 9); /* missing: empty */
  stance_layercache_stats_of(c, &st);
  CHECK_INT(st.loaded, 0);
  s = parse(FILES[0]);
  CHECK_INT(stance_layercache_put(c, "/c/0", &id, FILES[0], strlen(FILES[0]), s), STANCE_OK);
  stance_store_free(s);
  CHECK_INT(stance_layercache_save(c, path, 0, err, sizeof err), 0);
  d = stance_layercache_open(path, 9);
  CHECK_INT(found(d, 0, id), 1);
  s = parse(FILES[1]);
  CHECK_INT(stance_layercache_put(d, "/c/1", &id1, FILES[1], strlen(FILES[1]), s), STANCE_OK);
  stance_store_free(s);
  /* the first writes again (an older view): each save is whole; the last one wins */
  CHECK_INT(stance_layercache_save(d, path, 0, err, sizeof err), 0);
  stance_layercache_free(d);
  d = stance_layercache_open(path, 9);
  CHECK_INT(found(d, 0, id), 1);
  CHECK_INT(found(d, 1, id1), 1);
  stance_layercache_free(d);
  CHECK_INT(stance_layercache_save(c, path, 0, err, sizeof err), 0);
  d = stance_layercache_open(path, 9);
  CHECK_INT(found(d, 0, id), 1);
  CHECK_INT(found(d, 1, id1), 0);
  stance_layercache_free(d);
  stance_layercache_free(c);
  /* a file that is not a cache loads as an empty one */
  tmp_write(dir, "layers.bin", "STLAYC01 but nothing else", (size_t)-1);
  d = stance_layercache_open(path, 9);
  stance_layercache_stats_of(d, &st);
  CHECK_INT(st.loaded, 0);
  stance_layercache_free(d);
  tmp_cleanup(dir);
}

/* A save that keeps present entries drops those of files no longer there (not found again
 * since loaded), keeps the others; bytes lent from the mapping outlive the cache. */
static void layercache_drops_what_is_gone_and_lends_its_bytes(void) {
  const char *dir = tmp_dir();
  char keys[3][4096], path[4096], err[256];
  stance_layercache *c;
  stance_layercache_stats st;
  stance_layercache_map *m;
  stance_store *s;
  const char *bytes;
  size_t i, len;
  snprintf(path, sizeof path, "%s/layers.bin", dir);
  c = stance_layercache_open(path, 9);
  CHECK(stance_layercache_mapping(c) == NULL); /* nothing loaded */
  for (i = 0; i < 3; i++) {
    stance_layer_id id = id_n(i);
    char rel[16];
    snprintf(rel, sizeof rel, "f%zu", i);
    tmp_write(dir, rel, FILES[i], (size_t)-1);
    snprintf(keys[i], sizeof keys[i], "%s/%s", dir, rel);
    s = parse(FILES[i]);
    CHECK_INT(stance_layercache_put(c, keys[i], &id, FILES[i], strlen(FILES[i]), s), STANCE_OK);
    stance_store_free(s);
  }
  CHECK_INT(stance_layercache_save(c, path, STANCE_LC_KEEP_PRESENT, err, sizeof err), 0);
  stance_layercache_free(c);
  /* f1 deleted, f2 now a folder: gone; f0 there, not looked up: kept */
  CHECK(remove(keys[1]) == 0);
  CHECK(remove(keys[2]) == 0);
  tmp_write(dir, "f2/inner", "x", (size_t)-1);
  c = stance_layercache_open(path, 9);
  stance_layercache_stats_of(c, &st);
  CHECK_INT(st.loaded, 3);
  CHECK_INT(stance_layercache_save(c, path, STANCE_LC_KEEP_ALL, err, sizeof err), 0);
  stance_layercache_free(c);
  c = stance_layercache_open(path, 9);
  stance_layercache_stats_of(c, &st);
  CHECK_INT(st.loaded, 3);
  CHECK_INT(stance_layercache_save(c, path, STANCE_LC_KEEP_PRESENT, err, sizeof err), 0);
  stance_layercache_free(c);
  c = stance_layercache_open(path, 9);
  stance_layercache_stats_of(c, &st);
  CHECK_INT(st.loaded, 1);
  {
    stance_layer_id id = id_n(0);
    CHECK_INT(stance_layercache_get(c, keys[0], &id, &s, &bytes, &len), 1);
    stance_store_free(s);
  }
  m = stance_layercache_mapping(c);
  CHECK(m != NULL);
  stance_layercache_lend(m);
  stance_layercache_free(c); /* the bytes stay mapped (ASan sees any use after the unmap) */
  CHECK_INT(len, strlen(FILES[0]));
  CHECK(memcmp(bytes, FILES[0], len) == 0);
  stance_layercache_map_release(m);
  stance_layercache_map_release(NULL);
  tmp_cleanup(dir);
}

/* Entries put after spill_to() are kept in a temporary file (none left in the folder), and
 * saved the same as those kept in memory, with the last put of a key winning. */
static void layercache_spills_what_it_puts_to_a_file(void) {
  const char *dir = tmp_dir();
  char path[4096], missing[4096], err[256];
  stance_layercache *c, *d;
  stance_layercache_stats st;
  stance_buf mem, spilled;
  size_t i, round;
  snprintf(path, sizeof path, "%s/layers.bin", dir);
  snprintf(missing, sizeof missing, "%s/no/such/folder", dir);
  stance_buf_init(&mem);
  stance_buf_init(&spilled);
  for (round = 0; round < 2; round++) {
    c = stance_layercache_from_memory(NULL, 0, 42);
    if (round == 1) {
      CHECK_INT(stance_layercache_spill_to(c, missing), -1);
      CHECK_INT(stance_layercache_spill_to(c, dir), 0);
      CHECK_INT(stance_layercache_spill_to(c, dir), 0); /* once */
    }
    for (i = 0; i < NFILES + 1; i++) {
      char key[32];
      size_t f = i % NFILES; /* the last one puts /c/0 again: that one wins */
      stance_store *s = parse(FILES[f]);
      stance_layer_id id = id_n(i == NFILES ? 7 : f);
      snprintf(key, sizeof key, "/c/%zu", f);
      CHECK_INT(stance_layercache_put(c, key, &id, FILES[f], strlen(FILES[f]), s), STANCE_OK);
      stance_store_free(s);
    }
    CHECK_INT(stance_layercache_serialize(c, 0, round == 0 ? &mem : &spilled), STANCE_OK);
    if (round == 1) CHECK_INT(stance_layercache_save(c, path, STANCE_LC_KEEP_ALL, err, sizeof err), 0);
    stance_layercache_free(c);
  }
  CHECK_INT(mem.len, spilled.len);
  CHECK(memcmp(mem.data, spilled.data, mem.len) == 0);
  d = stance_layercache_open(path, 42);
  stance_layercache_stats_of(d, &st);
  CHECK_INT(st.loaded, NFILES);
  CHECK_INT(found(d, 0, id_n(7)), 1);
  for (i = 1; i < NFILES; i++) CHECK_INT(found(d, i, id_n(i)), 1);
  stance_layercache_free(d);
  {
    /* nothing left beside it but the cache */
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = layers.bin", dir);
    CHECK_INT(system(cmd), 0);
  }
  stance_buf_free(&mem);
  stance_buf_free(&spilled);
  tmp_cleanup(dir);
}

/* Many entries (the table searched from where a hash falls in it): each key found for its
 * identity, with its own bytes; keys not put, never. */
static void layercache_finds_each_of_many_entries(void) {
  enum { MANY = 5000 };
  stance_layercache *c = stance_layercache_from_memory(NULL, 0, 42), *d;
  stance_store *s = parse(FILES[2]);
  stance_buf out;
  size_t i;
  CHECK(c != NULL && s != NULL);
  for (i = 0; i < MANY; i++) {
    char key[32], bytes[32];
    stance_layer_id id = id_n(i);
    snprintf(key, sizeof key, "/many/%zu", i);
    snprintf(bytes, sizeof bytes, "bytes of %zu", i);
    CHECK_INT(stance_layercache_put(c, key, &id, bytes, strlen(bytes), s), STANCE_OK);
  }
  stance_buf_init(&out);
  CHECK_INT(stance_layercache_serialize(c, 0, &out), STANCE_OK);
  stance_layercache_free(c);
  d = stance_layercache_from_memory(out.data, out.len, 42);
  CHECK(d != NULL);
  for (i = 0; d != NULL && i < MANY + 500; i++) {
    char key[32], want[32];
    const char *snap, *bytes;
    size_t snaplen, len;
    uint64_t which;
    stance_layer_id id = id_n(i);
    snprintf(key, sizeof key, "/many/%zu", i);
    snprintf(want, sizeof want, "bytes of %zu", i);
    if (i < MANY) {
      CHECK_INT(stance_layercache_find(d, key, &id, &snap, &snaplen, &bytes, &len, &which), 1);
      CHECK(len == strlen(want) && memcmp(bytes, want, len) == 0);
    } else {
      CHECK_INT(stance_layercache_find(d, key, &id, &snap, &snaplen, &bytes, &len, &which), 0);
    }
  }
  stance_layercache_free(d);
  stance_buf_free(&out);
  stance_store_free(s);
}

/* A vouched lookup (no identity: the caller vouches the file unchanged): the entry of the
 * key whatever the identity asked; a key not put, never; an entry found stale before by its
 * identity is not served again; the entry's bytes checked by its checksum all the same. */
static void layercache_finds_by_key_when_vouched(void) {
  stance_layercache *c = stance_layercache_from_memory(NULL, 0, 42), *d;
  stance_store *s = parse(FILES[2]);
  stance_buf out;
  const char *snap, *bytes;
  size_t snaplen, len;
  uint64_t which;
  stance_layer_id id = id_n(1), other = id_n(2);
  CHECK(c != NULL && s != NULL);
  CHECK_INT(stance_layercache_put(c, "/v/a", &id, "aaa", 3, s), STANCE_OK);
  CHECK_INT(stance_layercache_put(c, "/v/b", &id, "bbb", 3, s), STANCE_OK);
  stance_buf_init(&out);
  CHECK_INT(stance_layercache_serialize(c, 0, &out), STANCE_OK);
  stance_layercache_free(c);
  d = stance_layercache_from_memory(out.data, out.len, 42);
  CHECK(d != NULL);
  if (d != NULL) {
    CHECK_INT(stance_layercache_find(d, "/v/a", NULL, &snap, &snaplen, &bytes, &len, &which), 1);
    CHECK(len == 3 && memcmp(bytes, "aaa", 3) == 0);
    CHECK_INT(stance_layercache_find(d, "/v/c", NULL, &snap, &snaplen, &bytes, &len, &which), 0);
    CHECK_INT(stance_layercache_find(d, "/v/b", &other, &snap, &snaplen, &bytes, &len, &which), 0);
    CHECK_INT(stance_layercache_find(d, "/v/b", NULL, &snap, &snaplen, &bytes, &len, &which), 0);
    CHECK_INT(stance_layercache_all_seen(d), 1);
  }
  stance_layercache_free(d);
  /* a damaged entry is not served without its identity either */
  if (out.len > 200) {
    out.data[out.len - 60] ^= 0x55;
    d = stance_layercache_from_memory(out.data, out.len, 42);
    CHECK(d != NULL);
    if (d != NULL) {
      int a = stance_layercache_find(d, "/v/a", NULL, &snap, &snaplen, &bytes, &len, &which);
      int b = stance_layercache_find(d, "/v/b", NULL, &snap, &snaplen, &bytes, &len, &which);
      CHECK(a + b <= 1);
    }
    stance_layercache_free(d);
  }
  stance_buf_free(&out);
  stance_store_free(s);
}

/* The annotations generation: none by default; the one set is what a save records and a
 * load gives back; all_seen() only once every entry loaded was looked up (found again with
 * its identity, or found stale). */
static void layercache_records_the_annotations_generation(void) {
  stance_layercache *c, *d;
  stance_buf out, again;
  size_t i;
  make_cache(&out);
  c = stance_layercache_from_memory(out.data, out.len, 42);
  CHECK(c != NULL);
  CHECK(stance_layercache_generation(c) == 0);
  CHECK_INT(stance_layercache_all_seen(c), 0);
  for (i = 0; i + 1 < NFILES; i++) CHECK_INT(found(c, i, id_n(i)), 1);
  CHECK_INT(stance_layercache_all_seen(c), 0);
  CHECK_INT(found(c, NFILES - 1, id_n(NFILES)), 0); /* another identity: stale, dropped */
  CHECK_INT(stance_layercache_all_seen(c), 1);
  stance_layercache_set_generation(c, 0x1234567890abcdefULL);
  stance_buf_init(&again);
  CHECK_INT(stance_layercache_serialize(c, 0, &again), STANCE_OK);
  stance_layercache_free(c);
  d = stance_layercache_from_memory(again.data, again.len, 42);
  CHECK(d != NULL && stance_layercache_generation(d) == 0x1234567890abcdefULL);
  for (i = 0; i + 1 < NFILES; i++) CHECK_INT(found(d, i, id_n(i)), 1);
  CHECK_INT(stance_layercache_all_seen(d), 1); /* the stale one was not saved */
  stance_layercache_free(d);
  /* another vocabulary: nothing loaded, no generation */
  d = stance_layercache_from_memory(again.data, again.len, 43);
  CHECK(d != NULL && stance_layercache_generation(d) == 0);
  CHECK_INT(stance_layercache_all_seen(d), 1);
  stance_layercache_free(d);
  stance_buf_free(&again);
  stance_buf_free(&out);
}

const test_case layercache_tests[] = {
    {"layercache_records_the_annotations_generation", layercache_records_the_annotations_generation},
    {"layercache_gives_each_entry_back_for_its_identity_only", layercache_gives_each_entry_back_for_its_identity_only},
    {"layercache_damaged_anywhere_gives_the_same_or_nothing", layercache_damaged_anywhere_gives_the_same_or_nothing},
    {"layercache_saves_atomically_and_merges_what_was_put", layercache_saves_atomically_and_merges_what_was_put},
    {"layercache_drops_what_is_gone_and_lends_its_bytes", layercache_drops_what_is_gone_and_lends_its_bytes},
    {"layercache_spills_what_it_puts_to_a_file", layercache_spills_what_it_puts_to_a_file},
    {"layercache_finds_each_of_many_entries", layercache_finds_each_of_many_entries},
    {"layercache_finds_by_key_when_vouched", layercache_finds_by_key_when_vouched},
    {NULL, NULL}};
