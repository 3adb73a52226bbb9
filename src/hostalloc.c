/*
 * hostalloc.c - the `stance` executable's Lua allocator (see hostalloc.h).
 *
 * Blocks of up to STANCE_HOSTALLOC_SMALL bytes are in size classes of 16 bytes (so every block
 * is aligned as malloc's are); a block freed goes on its class's free list, which the next
 * allocation of that class takes first; a list that is empty takes the next block of the
 * current chunk (CHUNK bytes from malloc, kept until the allocator is freed). A block resized
 * within its class stays where it is. Larger blocks are malloc's, realloc's and free's.
 * Under AddressSanitizer the blocks on a free list and the rest of a chunk are poisoned, so
 * that a use after free is still found.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define STANCE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STANCE_ASAN 1
#endif
#endif
#ifdef STANCE_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define GRAIN 16
#define CLASSES (STANCE_HOSTALLOC_SMALL / GRAIN)
#define CHUNK (64 * 1024 - 64) /* (leaves room for malloc's own header below 64 KiB) */

typedef struct chunk {
  struct chunk *next;
} chunk;
/* the blocks of a chunk start HEADER bytes after it, so 16-aligned as malloc's block is (on
 * 32-bit systems too, where the header itself is smaller) */
#define HEADER GRAIN
typedef char header_fits[sizeof(chunk) <= HEADER ? 1 : -1];

struct stance_hostalloc {
  void *free[CLASSES + 1]; /* per class (1 to CLASSES): blocks freed, linked by their first word */
  char *cur, *end;         /* what is left of the current chunk */
  chunk *chunks;
  size_t chunk_bytes;
};

/* The class of a small size (1 to CLASSES; size is 1 to STANCE_HOSTALLOC_SMALL). */
static size_t class_of(size_t size) { return (size + GRAIN - 1) / GRAIN; }

stance_hostalloc *stance_hostalloc_new(void) {
  stance_hostalloc *a = malloc(sizeof *a);
  if (a != NULL) memset(a, 0, sizeof *a);
  return a;
}

void stance_hostalloc_free(stance_hostalloc *a) {
  chunk *c, *next;
  if (a == NULL) return;
  for (c = a->chunks; c != NULL; c = next) {
    next = c->next;
    UNPOISON(c, CHUNK);
    free(c);
  }
  free(a);
}

size_t stance_hostalloc_chunk_bytes(const stance_hostalloc *a) { return a->chunk_bytes; }

static void push(stance_hostalloc *a, size_t k, void *p) {
  UNPOISON(p, k * GRAIN);
  memcpy(p, &a->free[k], sizeof(void *));
  a->free[k] = p;
  POISON(p, k * GRAIN);
}

/* A block of class k, or NULL when out of memory. */
static void *take(stance_hostalloc *a, size_t k) {
  size_t size = k * GRAIN;
  void *p = a->free[k];
  if (p != NULL) {
    UNPOISON(p, size);
    memcpy(&a->free[k], p, sizeof(void *));
    return p;
  }
  if ((size_t)(a->end - a->cur) < size) {
    chunk *c;
    /* the rest of the chunk (a whole number of grains) to the list of its size */
    if (a->end != a->cur) push(a, (size_t)(a->end - a->cur) / GRAIN, a->cur);
    if ((c = malloc(CHUNK)) == NULL) return NULL;
    c->next = a->chunks;
    a->chunks = c;
    a->chunk_bytes += CHUNK;
    a->cur = (char *)c + HEADER;
    a->end = a->cur + (CHUNK - HEADER) / GRAIN * GRAIN;
    POISON(a->cur, (size_t)(a->end - a->cur));
  }
  p = a->cur;
  a->cur += size;
  UNPOISON(p, size);
  return p;
}

void *stance_hostalloc_lua(void *ud, void *ptr, size_t osize, size_t nsize) {
  stance_hostalloc *a = ud;
  void *p;
  if (ptr == NULL) { /* (osize then tells what kind of object, not a size) */
    if (nsize == 0) return NULL;
    return nsize <= STANCE_HOSTALLOC_SMALL ? take(a, class_of(nsize)) : malloc(nsize);
  }
  if (nsize == 0) {
    if (osize <= STANCE_HOSTALLOC_SMALL && osize > 0)
      push(a, class_of(osize), ptr);
    else
      free(ptr);
    return NULL;
  }
  if (osize > STANCE_HOSTALLOC_SMALL && nsize > STANCE_HOSTALLOC_SMALL) return realloc(ptr, nsize);
  if (osize <= STANCE_HOSTALLOC_SMALL && nsize <= STANCE_HOSTALLOC_SMALL && osize > 0 &&
      class_of(osize) == class_of(nsize))
    return ptr;
  p = nsize <= STANCE_HOSTALLOC_SMALL ? take(a, class_of(nsize)) : malloc(nsize);
  /* (Lua assumes a block made smaller never fails: then the block stays where it is, larger
   * than asked, and is later given back by the smaller size, as a block of that class) */
  if (p == NULL) return nsize <= osize ? ptr : NULL; /* (the block at ptr is unchanged) */
  memcpy(p, ptr, osize < nsize ? osize : nsize);
  if (osize <= STANCE_HOSTALLOC_SMALL && osize > 0)
    push(a, class_of(osize), ptr);
  else
    free(ptr);
  return p;
}
