/*
 * hostalloc.h - the allocator of the `stance` executable's Lua state (src/host.c): small
 * blocks from free lists of size classes carved out of large chunks, the rest from malloc.
 * Never in the module the editor loads (Neovim's LuaJIT has its own).
 *
 * A Lua state tells its allocator the size of every block it frees or resizes, so a small
 * block needs no header: its class is its size's. A script's pass over a corpus makes and
 * drops millions of small tables and strings; taking them from a free list costs a few
 * instructions where malloc and free cost a hundred or more each.
 */
#ifndef STANCE_HOSTALLOC_H
#define STANCE_HOSTALLOC_H

#include <stddef.h>

typedef struct stance_hostalloc stance_hostalloc;

/* A new allocator (NULL when out of memory). */
stance_hostalloc *stance_hostalloc_new(void);

/* The lua_Alloc function (its `ud` the allocator): frees when nsize is 0, else (re)allocates;
 * NULL when out of memory (the block at ptr unchanged). */
void *stance_hostalloc_lua(void *ud, void *ptr, size_t osize, size_t nsize);

/* Free the allocator and every chunk it carved (after lua_close: no block may be in use). */
void stance_hostalloc_free(stance_hostalloc *a);

/* Bytes held in chunks (for tests): carved, whether in use or on a free list. */
size_t stance_hostalloc_chunk_bytes(const stance_hostalloc *a);

/* The largest block served from the free lists (larger ones are malloc's). */
#define STANCE_HOSTALLOC_SMALL 256

#endif
