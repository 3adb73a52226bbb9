/*
 * hash.h - SHA-256 content hashes (OpenSSL's libcrypto), as lowercase hex.
 */
#ifndef STANCE_HASH_H
#define STANCE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define STANCE_HASH_HEXLEN 64

struct stance_job;

/* NULL when hashing works; else why not (libcrypto, loaded at the first hash where the
 * build does so, could not be loaded): the message for a hash that returned an error. */
const char *stance_hash_error(void);

/* Hash `len` bytes into `hex` (STANCE_HASH_HEXLEN + 1 bytes). 0 or -1. */
int stance_hash_buffer(const void *data, size_t len, char *hex);

/* The same, as the 32 bytes of the digest; and digest bytes as hex. */
int stance_hash_raw(const void *data, size_t len, unsigned char *raw);
void stance_hash_hex(const unsigned char *raw, char *hex);

/* Hash a file, reading it in `buf` (`buflen` bytes, caller's). `job` may be NULL; if not,
 * the bytes read are reported to it as they go and a cancelled job stops the read
 * (returns -ECANCELED). 0, or a negative errno. `size` gets the bytes hashed. */
int stance_hash_file(const char *path, char *hex, uint64_t *size, unsigned char *buf,
                     size_t buflen, struct stance_job *job);
/* The same with the file open at `fd` (read from where it is; left open): -EINVAL when it is
 * not a regular file. */
int stance_hash_fd(int fd, char *hex, uint64_t *size, unsigned char *buf, size_t buflen,
                   struct stance_job *job);

#endif
