/*
 * Fuzz target "snapshot": the editor's layer cache (the .snap files of .stance/cache/, snapshot.h), the
 * file `stance warm` and the editor write and load without parsing. A first byte of 0 gives
 * the rest as the file; any other wraps the rest in a valid envelope (magic, length,
 * checksum), so that the fuzzer reaches the records behind the checksum. Key: "k". For
 * every input: loading never crashes or leaks, and a store it loads writes an annotation
 * file that reads back without error, and snapshots to the same store again.
 */
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fuzz.h"
#include "reader.h"
#include "snapshot.h"
#include "store_text.h"


STANCE_FUZZ_TARGET(snapshot) {
  stance_store *s, *again = NULL;
  stance_buf env, snap;
  const char *why;
  char *w1, *w2 = NULL;
  size_t n1 = 0, n2 = 0;
  int reread_ok = 1, same = 1;
  if (size < 1) return 0;
  stance_buf_init(&env);
  if (data[0] == 0) {
    stance_buf_add(&env, (const char *)data + 1, size - 1);
  } else {
    uint64_t plen = size - 1, sum = XXH3_64bits(data + 1, size - 1);
    stance_buf_add(&env, "STSNAP01", 8);
    stance_buf_add(&env, (const char *)&plen, 8);
    stance_buf_add(&env, (const char *)&sum, 8);
    stance_buf_add(&env, (const char *)data + 1, size - 1);
  }
  if (env.oom) {
    stance_buf_free(&env);
    return 0;
  }
  s = stance_store_from_snapshot(env.data, env.len, "k", &why);
  stance_buf_free(&env);
  if (s == NULL) return 0;
  w1 = fuzz_store_text(s, &n1);
  if (w1 != NULL) {
    stance_problems p;
    stance_store *r;
    size_t i;
    stance_problems_init(&p);
    r = stance_read(w1, n1, NULL, &p);
    for (i = 0; i < p.n; i++)
      if (p.items[i].severity == STANCE_SEV_ERROR) reread_ok = 0;
    stance_store_free(r);
    stance_problems_free(&p);
  }
  stance_buf_init(&snap);
  if (stance_store_snapshot(s, "k", &snap) == STANCE_OK && !snap.oom) {
    again = stance_store_from_snapshot(snap.data, snap.len, "k", &why);
    if (again != NULL) w2 = fuzz_store_text(again, &n2);
    same = again != NULL && w1 != NULL && w2 != NULL && n1 == n2 && memcmp(w1, w2, n1) == 0;
  }
  stance_buf_free(&snap);
  stance_store_free(again);
  stance_store_free(s);
  free(w1);
  free(w2);
  FUZZ_CHECK(reread_ok, "a loaded snapshot writes a file that reads back without error");
  FUZZ_CHECK(same, "a loaded snapshot snapshots to the same store");
  return 0;
}
