/*
 * arena.c - bump allocator in blocks of 4 KiB growing to 64 KiB (see arena.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "arena.h"

#define BLOCK_SIZE (64u * 1024u)
/* an arena past BIG_FROM bytes takes blocks of BIG_BLOCK, their pages asked for at once */
#define BIG_FROM (4u << 20)
#define BIG_BLOCK (1u << 20)
#define FIRST_BLOCK (4u * 1024u)
#define ALIGN 16u

struct stance_arena_block {
  stance_arena_block *next;
  size_t size, used;
  /* then the bytes, aligned */
};

#define HEADER ((sizeof(stance_arena_block) + ALIGN - 1) / ALIGN * ALIGN)

void stance_arena_init(stance_arena *a) { memset(a, 0, sizeof *a); }

void stance_arena_free(stance_arena *a) {
  stance_arena_block *b = a->head;
  while (b != NULL) {
    stance_arena_block *next = b->next;
    free(b);
    b = next;
  }
  stance_arena_init(a);
}

void *stance_arena_alloc(stance_arena *a, size_t n) {
  stance_arena_block *b = a->head;
  size_t need = (n + ALIGN - 1) / ALIGN * ALIGN;
  if (need < n) return NULL;
  if (b == NULL || b->size - b->used < need) {
    /* blocks grow with the arena, from FIRST_BLOCK to BLOCK_SIZE: a small store (most
     * annotation files) costs a small allocation, which malloc serves from its free lists */
    size_t size = a->used < FIRST_BLOCK ? FIRST_BLOCK : a->used > BLOCK_SIZE ? BLOCK_SIZE : a->used;
    int big = a->used >= BIG_FROM;
    if (big) size = BIG_BLOCK - HEADER;
    if (need > size) size = need;
    if (size > SIZE_MAX - HEADER) return NULL;
    b = malloc(HEADER + size);
    if (b == NULL) return NULL;
    if (big) stance_prefault(b, HEADER + size);
    b->size = size;
    b->used = 0;
    /* A big single allocation goes behind the current block so that the rest of the
     * current block stays usable. */
    if (a->head != NULL && need > BLOCK_SIZE) {
      b->next = a->head->next;
      a->head->next = b;
    } else {
      b->next = a->head;
      a->head = b;
    }
  }
  b->used += need;
  a->used += need;
  return (char *)b + HEADER + b->used - need;
}

void stance_arena_absorb(stance_arena *a, stance_arena *from) {
  stance_arena_block *last = from->head;
  if (last == NULL) return;
  while (last->next != NULL) last = last->next;
  /* behind a's current block, which stays the one that serves the next allocations */
  if (a->head != NULL) {
    last->next = a->head->next;
    a->head->next = from->head;
  } else {
    a->head = from->head;
  }
  a->used += from->used;
  stance_arena_init(from);
}

char *stance_arena_strndup(stance_arena *a, const char *s, size_t len) {
  char *d = stance_arena_alloc(a, len + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

void stance_prefault(void *p, size_t n) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  static size_t page;
  uintptr_t from, to;
  if (page == 0) {
    long ps = sysconf(_SC_PAGESIZE);
    page = ps > 0 ? (size_t)ps : 4096;
  }
  from = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
  to = ((uintptr_t)p + n) & ~(uintptr_t)(page - 1);
  if (to > from) (void)madvise((void *)from, (size_t)(to - from), MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)n;
#endif
}

void *stance_lookup_alloc(size_t n, size_t huge_from) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  size_t huge = (size_t)2 << 20;
  if (n >= huge_from && n <= SIZE_MAX - huge) {
    void *p = NULL;
    size_t round = (n + huge - 1) & ~(huge - 1);
    if (posix_memalign(&p, huge, round) != 0) return NULL;
    (void)madvise(p, round, MADV_HUGEPAGE); /* a hint: without it, small pages */
    memset(p, 0, n);
    return p;
  }
#endif
  {
    void *p = calloc(n ? n : 1, 1);
    /* present from the start: a prefetch of a page never touched does nothing */
    if (p != NULL && n >= ((size_t)1 << 20)) stance_prefault(p, n);
    return p;
  }
}
