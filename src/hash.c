/*
 * hash.c - SHA-256 through OpenSSL's EVP interface (which picks the CPU's SHA extensions).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hash.h"
#include "job.h"

static void to_hex(const unsigned char *md, char *hex) {
  static const char digits[] = "0123456789abcdef";
  int i;
  for (i = 0; i < 32; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[STANCE_HASH_HEXLEN] = '\0';
}

void stance_hash_hex(const unsigned char *raw, char *hex) { to_hex(raw, hex); }

int stance_hash_raw(const void *data, size_t len, unsigned char *raw) {
  unsigned int mdlen = 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) return -1;
  memcpy(raw, md, 32);
  return 0;
}

int stance_hash_buffer(const void *data, size_t len, char *hex) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) return -1;
  to_hex(md, hex);
  return 0;
}

int stance_hash_file(const char *path, char *hex, uint64_t *size, unsigned char *buf,
                     size_t buflen, struct stance_job *job) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx;
  int fd, rc = 0;
  *size = 0;
  fd = open(path, O_RDONLY);
  if (fd < 0) return -errno;
  ctx = EVP_MD_CTX_new();
  if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    rc = -ENOMEM;
    goto done;
  }
  for (;;) {
    ssize_t n = read(fd, buf, buflen);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = -errno;
      goto done;
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
      rc = -EIO;
      goto done;
    }
    *size += (uint64_t)n;
    if (job != NULL) {
      stance_job_advance(job, 0, (uint64_t)n);
      if (stance_job_cancelled(job)) {
        rc = -ECANCELED;
        goto done;
      }
    }
  }
  if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
    rc = -EIO;
    goto done;
  }
  to_hex(md, hex);
done:
  EVP_MD_CTX_free(ctx);
  close(fd);
  return rc;
}
