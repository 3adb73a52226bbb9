/*
 * Fuzz target "layercache": the cache of parsed annotation files (.stance/cache/layers.bin,
 * layercache.h). A first byte of 0 gives the rest as the cache file: loading it and looking
 * keys up never crashes or leaks, and a store it gives writes a file that reads back without
 * error. Any other first byte takes the rest as an annotation file: read without problems,
 * it is put in a cache, which is saved and loaded again; then the entry comes back the same
 * (written the same, bytes the same) for the same identity and not at all for another, and
 * with one byte of the saved cache changed (chosen by the first byte) it comes back the same
 * or not at all: a damaged cache never gives other annotations. The same for a lookup by
 * key alone (a watcher vouching the file unchanged, llayercache.c's vouched lookup).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "layercache.h"
#include "reader.h"
#include "store_text.h"


static int reads_back(const stance_store *s) {
  stance_problems p;
  stance_store *r;
  size_t n = 0, i;
  int ok = 1;
  char *w = fuzz_store_text(s, &n);
  if (w == NULL) return 1;
  stance_problems_init(&p);
  r = stance_read(w, n, NULL, &p);
  for (i = 0; i < p.n; i++)
    if (p.items[i].severity == STANCE_SEV_ERROR) ok = 0;
  stance_store_free(r);
  stance_problems_free(&p);
  free(w);
  return ok;
}

/* 1: the entry of "k" with `id` (NULL: whatever its identity) is the store `want` (written as `w`, `wn` bytes) and the
 * bytes of `data`; 0: no entry; -1: another one */
static int lookup(stance_layercache *c, const stance_layer_id *id, const char *w, size_t wn, const uint8_t *data,
                  size_t size) {
  stance_store *got = NULL;
  const char *bytes = NULL;
  size_t len = 0, gn = 0;
  char *gw;
  int rc = stance_layercache_get(c, "k", id, &got, &bytes, &len), same;
  if (rc != 1) return rc == 0 ? 0 : -1;
  gw = fuzz_store_text(got, &gn);
  same = gw != NULL && gn == wn && memcmp(gw, w, wn) == 0 && len == size && memcmp(bytes, data, size) == 0;
  free(gw);
  stance_store_free(got);
  return same ? 1 : -1;
}

STANCE_FUZZ_TARGET(layercache) {
  stance_layer_id id = {1, 2, 3, 4, 5}, other = {1, 2, 3, 4, 6};
  if (size < 1) return 0;
  if (data[0] == 0) {
    stance_layercache *c = stance_layercache_from_memory((const char *)data + 1, size - 1, 7);
    stance_store *s = NULL;
    const char *bytes;
    size_t len;
    stance_buf again;
    int ok = 1, gen = 1;
    if (c == NULL) return 0;
    if (stance_layercache_get(c, "k", &id, &s, &bytes, &len) == 1) {
      ok = reads_back(s);
      stance_store_free(s);
    }
    s = NULL;
    if (stance_layercache_get(c, "k", NULL, &s, &bytes, &len) == 1) {
      ok = ok && reads_back(s);
      stance_store_free(s);
    }
    stance_buf_init(&again);
    stance_layercache_set_generation(c, stance_layercache_generation(c));
    if (stance_layercache_serialize(c, 0, &again) == STANCE_OK) {
      stance_layercache *back = stance_layercache_from_memory(again.data, again.len, 7);
      if (back != NULL && stance_layercache_generation(back) != stance_layercache_generation(c)) gen = 0;
      stance_layercache_free(back);
    }
    stance_buf_free(&again);
    stance_layercache_free(c);
    FUZZ_CHECK(ok, "a store from a cache writes a file that reads back without error");
    FUZZ_CHECK(gen, "a cache saved again records the generation it was loaded with");
    return 0;
  }
  {
    stance_problems p;
    stance_store *s;
    stance_layercache *c, *back, *hurt;
    stance_buf saved;
    char *w;
    size_t wn = 0;
    int same, none, damaged = 0, gen, vouched;
    stance_problems_init(&p);
    s = stance_read((const char *)data + 1, size - 1, NULL, &p);
    if (s == NULL || p.n > 0 || (w = fuzz_store_text(s, &wn)) == NULL) {
      stance_store_free(s);
      stance_problems_free(&p);
      return 0;
    }
    stance_problems_free(&p);
    c = stance_layercache_from_memory(NULL, 0, 7);
    stance_buf_init(&saved);
    if (c != NULL) stance_layercache_set_generation(c, (uint64_t)data[0] * 0x9e3779b97f4a7c15ULL);
    if (c == NULL || stance_layercache_put(c, "k", &id, (const char *)data + 1, size - 1, s) != STANCE_OK ||
        stance_layercache_serialize(c, 0, &saved) != STANCE_OK) {
      stance_layercache_free(c);
      stance_buf_free(&saved);
      stance_store_free(s);
      free(w);
      return 0;
    }
    back = stance_layercache_from_memory(saved.data, saved.len, 7);
    same = back == NULL || lookup(back, &id, w, wn, data + 1, size - 1) == 1;
    gen = back == NULL || stance_layercache_generation(back) == (uint64_t)data[0] * 0x9e3779b97f4a7c15ULL;
    stance_layercache_free(back);
    back = stance_layercache_from_memory(saved.data, saved.len, 7);
    none = back == NULL || lookup(back, &other, w, wn, data + 1, size - 1) == 0;
    stance_layercache_free(back);
    back = stance_layercache_from_memory(saved.data, saved.len, 7);
    vouched = back == NULL || lookup(back, NULL, w, wn, data + 1, size - 1) == 1;
    stance_layercache_free(back);
    if (saved.len > 0) {
      size_t at = ((size_t)data[0] * 7919u + size) % saved.len;
      saved.data[at] = (char)(saved.data[at] ^ (1u << (data[0] % 8)));
      hurt = stance_layercache_from_memory(saved.data, saved.len, 7);
      damaged = hurt != NULL && lookup(hurt, &id, w, wn, data + 1, size - 1) == -1;
      stance_layercache_free(hurt);
      hurt = stance_layercache_from_memory(saved.data, saved.len, 7);
      damaged = damaged || (hurt != NULL && lookup(hurt, NULL, w, wn, data + 1, size - 1) == -1);
      stance_layercache_free(hurt);
    }
    stance_layercache_free(c);
    stance_buf_free(&saved);
    stance_store_free(s);
    free(w);
    FUZZ_CHECK(same, "an entry comes back as it was put");
    FUZZ_CHECK(none, "an entry of another identity does not come back");
    FUZZ_CHECK(vouched, "an entry looked up by its key alone comes back as it was put");
    FUZZ_CHECK(gen, "a saved cache records the generation set for it");
    FUZZ_CHECK(!damaged, "a damaged cache gives the entry as it was put or not at all");
  }
  return 0;
}
