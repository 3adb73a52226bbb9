/* hash.c: SHA-256 against the FIPS 180-2 test vectors, files and buffers agreeing; and
 * xxh3wide.c: XXH3 with AVX2, where it runs, the value of xxhash.h's at every length. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/stat.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "check.h"
#include "hash.h"
#include "xxh3wide.h"

static void hash_matches_fips_vectors(void) {
  char hex[STANCE_HASH_HEXLEN + 1];
  CHECK_INT(stance_hash_buffer("abc", 3, hex), 0);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_INT(stance_hash_buffer("", 0, hex), 0);
  CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void hash_of_file_equals_hash_of_its_bytes(void) {
  const char *d = tmp_dir();
  char path[512], a[STANCE_HASH_HEXLEN + 1], b[STANCE_HASH_HEXLEN + 1];
  unsigned char buf[7]; /* smaller than the file: the read loop must carry state */
  size_t n = 100000, i;
  char *data = malloc(n);
  uint64_t size = 0;
  CHECK(data != NULL);
  for (i = 0; i < n; i++) data[i] = (char)(i * 31 + 7);
  tmp_write(d, "f.bin", data, n);
  snprintf(path, sizeof path, "%s/f.bin", d);
  CHECK_INT(stance_hash_file(path, a, &size, buf, sizeof buf, NULL), 0);
  CHECK_INT(size, n);
  CHECK_INT(stance_hash_buffer(data, n, b), 0);
  CHECK_STR(a, b);
  free(data);
  tmp_cleanup(d);
}

static void hash_of_missing_file_is_an_error(void) {
  char hex[STANCE_HASH_HEXLEN + 1];
  unsigned char buf[64];
  uint64_t size;
  CHECK(stance_hash_file("/nonexistent/stance", hex, &size, buf, sizeof buf, NULL) < 0);
  {
    /* a FIFO (an archive can put one at a layer's name): refused at once, never waited on */
    const char *d = tmp_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/fifo.stance", d);
    CHECK_INT(mkfifo(path, 0600), 0);
    CHECK_INT(stance_hash_file(path, hex, &size, buf, sizeof buf, NULL), -EINVAL);
    tmp_cleanup(d);
  }
}

static void xxh3_wide_is_xxh3(void) {
  static unsigned char buf[5000];
  size_t len, i;
  int wide = 0;
  for (i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 131 + (i >> 7));
  for (len = 0; len <= sizeof buf; len += len < 300 ? 1 : 97) {
    uint64_t h = 0;
    size_t off;
    for (off = 0; off < 3 && off + len <= sizeof buf; off++) { /* (unaligned starts too) */
      if (stance_xxh3_wide(buf + off, len, &h)) {
        wide = 1;
        CHECK(h == XXH3_64bits(buf + off, len));
      }
    }
  }
  (void)wide; /* (0 on a processor or build without AVX2: nothing to compare) */
}

const test_case hash_tests[] = {
    {"xxh3_wide_is_xxh3", xxh3_wide_is_xxh3},
    {"hash_matches_fips_vectors", hash_matches_fips_vectors},
    {"hash_of_file_equals_hash_of_its_bytes", hash_of_file_equals_hash_of_its_bytes},
    {"hash_of_missing_file_is_an_error", hash_of_missing_file_is_an_error},
    {NULL, NULL}};
