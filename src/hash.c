/*
 * hash.c - SHA-256 through OpenSSL's EVP interface (which picks the CPU's SHA extensions).
 *
 * Built with STANCE_CRYPTO_SONAME (the Makefile sets it where it can read libcrypto's
 * soname), libcrypto is not linked but loaded at the first hash: loading and relocating it
 * costs a process about 0.6 ms, more than a whole `stance search --count` needs otherwise,
 * and most commands hash nothing. The library tried is the one the build found (its
 * soname, then STANCE_CRYPTO_PATH, the file itself); it is loaded once, under a
 * pthread_once, by whichever thread hashes first.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hash.h"
#include "job.h"

#ifdef STANCE_CRYPTO_SONAME
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
  int (*digest)(const void *, size_t, unsigned char *, unsigned int *, const EVP_MD *, ENGINE *);
  const EVP_MD *(*sha256)(void);
  EVP_MD_CTX *(*ctx_new)(void);
  void (*ctx_free)(EVP_MD_CTX *);
  int (*init_ex)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
  int (*update)(EVP_MD_CTX *, const void *, size_t);
  int (*final_ex)(EVP_MD_CTX *, unsigned char *, unsigned int *);
} crypto;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static int crypto_ok;
static char crypto_err[256];

/* A function of the library: dlsym's object pointer copied into a function pointer's bytes
 * (the POSIX way; C99 has no conversion between the two). */
static int sym(void *lib, const char *name, void *fp, size_t size) {
  void *p = dlsym(lib, name);
  if (p == NULL || size != sizeof p) return -1;
  memcpy(fp, &p, size);
  return 0;
}

static void crypto_load(void) {
  void *lib = dlopen(STANCE_CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
  const char *err;
#ifdef STANCE_CRYPTO_PATH
  if (lib == NULL) lib = dlopen(STANCE_CRYPTO_PATH, RTLD_NOW | RTLD_LOCAL);
#endif
  if (lib == NULL) {
    err = dlerror();
    snprintf(crypto_err, sizeof crypto_err, "cannot load %s: %s", STANCE_CRYPTO_SONAME, err ? err : "?");
    return;
  }
  if (sym(lib, "EVP_Digest", &crypto.digest, sizeof crypto.digest) != 0 ||
      sym(lib, "EVP_sha256", &crypto.sha256, sizeof crypto.sha256) != 0 ||
      sym(lib, "EVP_MD_CTX_new", &crypto.ctx_new, sizeof crypto.ctx_new) != 0 ||
      sym(lib, "EVP_MD_CTX_free", &crypto.ctx_free, sizeof crypto.ctx_free) != 0 ||
      sym(lib, "EVP_DigestInit_ex", &crypto.init_ex, sizeof crypto.init_ex) != 0 ||
      sym(lib, "EVP_DigestUpdate", &crypto.update, sizeof crypto.update) != 0 ||
      sym(lib, "EVP_DigestFinal_ex", &crypto.final_ex, sizeof crypto.final_ex) != 0) {
    snprintf(crypto_err, sizeof crypto_err, "%s lacks the EVP digest functions", STANCE_CRYPTO_SONAME);
    return; /* kept loaded: a half-resolved library is never called */
  }
  crypto_ok = 1;
}

static int crypto_ready(void) {
  return pthread_once(&crypto_once, crypto_load) == 0 && crypto_ok;
}

const char *stance_hash_error(void) {
  if (crypto_ready()) return NULL;
  return crypto_err[0] ? crypto_err : "cannot load libcrypto";
}

#define EVP_Digest crypto.digest
#define EVP_sha256 crypto.sha256
#define EVP_MD_CTX_new crypto.ctx_new
#define EVP_MD_CTX_free crypto.ctx_free
#define EVP_DigestInit_ex crypto.init_ex
#define EVP_DigestUpdate crypto.update
#define EVP_DigestFinal_ex crypto.final_ex
#define READY() crypto_ready()
#else
const char *stance_hash_error(void) { return NULL; }
#define READY() 1
#endif

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
  if (!READY()) return -1;
  if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) return -1;
  memcpy(raw, md, 32);
  return 0;
}

int stance_hash_buffer(const void *data, size_t len, char *hex) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (!READY()) return -1;
  if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) return -1;
  to_hex(md, hex);
  return 0;
}

int stance_hash_file(const char *path, char *hex, uint64_t *size, unsigned char *buf,
                     size_t buflen, struct stance_job *job) {
  int fd, rc;
  *size = 0;
  if (!READY()) return -ENOSYS;
  /* O_NONBLOCK: a FIFO at the path must not block the open until a writer comes; anything
   * not a regular file is refused (-EINVAL) before a byte is read */
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return -errno;
  rc = stance_hash_fd(fd, hex, size, buf, buflen, job);
  close(fd);
  return rc;
}

int stance_hash_fd(int fd, char *hex, uint64_t *size, unsigned char *buf, size_t buflen,
                   struct stance_job *job) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx;
  int rc = 0;
  *size = 0;
  if (!READY()) return -ENOSYS;
  {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -EINVAL;
  }
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
  if (ctx != NULL) EVP_MD_CTX_free(ctx);
  return rc;
}
