/*
 * arena.h - a bump allocator for the many small strings of an annotation store. Memory
 * is released all at once by stance_arena_free().
 */
#ifndef STANCE_ARENA_H
#define STANCE_ARENA_H

#include <stddef.h>

typedef struct stance_arena_block stance_arena_block;
typedef struct stance_arena {
  stance_arena_block *head;
  size_t used;                  /* bytes handed out, for statistics */
} stance_arena;

void stance_arena_init(stance_arena *a);
void stance_arena_free(stance_arena *a);
/* `n` bytes aligned for any type, or NULL. */
void *stance_arena_alloc(stance_arena *a, size_t n);
/* Move every block of `from` into `a` (what `from` handed out stays valid, now owned by
 * `a`); `from` is left empty. */
void stance_arena_absorb(stance_arena *a, stance_arena *from);
/* A NUL-terminated copy of `len` bytes of `s`, or NULL. */
char *stance_arena_strndup(stance_arena *a, const char *s, size_t len);

/* Ask the system for the pages of `n` bytes at `p` now, in one call, rather than one page
 * fault per page as they are first written (Linux; elsewhere, and when it fails, nothing).
 * Only for memory about to be written whole. */
void stance_prefault(void *p, size_t n);

/* `n` bytes of zeros, freed with free(), or NULL: for a table looked up at random (a store's
 * ID map, a model's weights and words' cache). One of `huge_from` bytes and more is, on
 * Linux, in huge pages (a hint), so that a lookup does not also miss the TLB (each caller's
 * threshold measured: huge pages for everything made reading slower); one of 1 MiB and more
 * below that has its pages present from the start. */
void *stance_lookup_alloc(size_t n, size_t huge_from);

#endif
