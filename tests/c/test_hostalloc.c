/* hostalloc.c: the `stance` executable's Lua allocator: blocks of every size keep their bytes
 * when resized across classes and to and from malloc's sizes, a block freed is used again
 * (no chunk more), and a Lua state runs on it (and closes) under the sanitizers. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hostalloc.h"

static void fill(unsigned char *p, size_t n, unsigned seed) {
  size_t i;
  for (i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 7);
}

static int same(const unsigned char *p, size_t n, unsigned seed) {
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i] != (unsigned char)(seed + i * 7)) return 0;
  return 1;
}

static void hostalloc_keeps_bytes_across_sizes(void) {
  stance_hostalloc *a = stance_hostalloc_new();
  static const size_t sizes[] = {1, 8, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257, 300, 4096, 70000, 3, 256, 1};
  size_t i, j, n = sizeof sizes / sizeof sizes[0];
  void *blocks[64];
  CHECK(a != NULL);
  if (a == NULL) return;
  /* one block resized through every size: what it held (up to the smaller size) is kept */
  for (i = 0; i < n; i++) {
    unsigned char *p = stance_hostalloc_lua(a, NULL, 5 /* (a kind, not a size) */, sizes[i]);
    CHECK(p != NULL);
    if (p == NULL) break;
    fill(p, sizes[i], (unsigned)i);
    for (j = 0; j < n; j++) {
      size_t keep = sizes[i] < sizes[j] ? sizes[i] : sizes[j];
      unsigned char *q = stance_hostalloc_lua(a, p, sizes[i], sizes[j]);
      CHECK(q != NULL);
      if (q == NULL) break;
      CHECK(same(q, keep, (unsigned)i));
      p = stance_hostalloc_lua(a, q, sizes[j], sizes[i]);
      CHECK(p != NULL);
      if (p == NULL) break;
      fill(p, sizes[i], (unsigned)i);
    }
    CHECK(stance_hostalloc_lua(a, p, sizes[i], 0) == NULL);
  }
  /* blocks alive together do not overlap, and are aligned as malloc's */
  for (i = 0; i < 64; i++) {
    blocks[i] = stance_hostalloc_lua(a, NULL, 0, i * 5 + 1);
    CHECK(blocks[i] != NULL && (uintptr_t)blocks[i] % 16 == 0);
    if (blocks[i] != NULL) fill(blocks[i], i * 5 + 1, (unsigned)i);
  }
  for (i = 0; i < 64; i++) {
    CHECK(blocks[i] == NULL || same(blocks[i], i * 5 + 1, (unsigned)i));
    stance_hostalloc_lua(a, blocks[i], i * 5 + 1, 0);
  }
  CHECK(stance_hostalloc_lua(a, NULL, 0, 0) == NULL);
  stance_hostalloc_free(a);
  stance_hostalloc_free(NULL);
}

static void hostalloc_uses_freed_blocks_again(void) {
  stance_hostalloc *a = stance_hostalloc_new();
  void *p[1000];
  size_t i, round, bytes = 0;
  CHECK(a != NULL);
  if (a == NULL) return;
  for (round = 0; round < 5; round++) {
    for (i = 0; i < 1000; i++) {
      p[i] = stance_hostalloc_lua(a, NULL, 0, 56);
      CHECK(p[i] != NULL);
    }
    for (i = 0; i < 1000; i++) stance_hostalloc_lua(a, p[i], 56, 0);
    if (round == 0) bytes = stance_hostalloc_chunk_bytes(a);
    CHECK_INT(stance_hostalloc_chunk_bytes(a), bytes); /* (no chunk more after the first round) */
  }
  /* a block resized within its class stays where it is */
  p[0] = stance_hostalloc_lua(a, NULL, 0, 40);
  CHECK(stance_hostalloc_lua(a, p[0], 40, 48) == p[0]);
  stance_hostalloc_lua(a, p[0], 48, 0);
  stance_hostalloc_free(a);
}

static void hostalloc_runs_a_lua_state(void) {
  stance_hostalloc *a = stance_hostalloc_new();
  lua_State *L = a != NULL ? lua_newstate(stance_hostalloc_lua, a) : NULL;
  CHECK(L != NULL);
  if (L == NULL) {
    stance_hostalloc_free(a);
    return;
  }
  luaL_openlibs(L);
  CHECK_INT(luaL_dostring(L, "local t, s = {}, ''\n"
                             "for i = 1, 20000 do t[i] = { i, tostring(i), x = ('y'):rep(i % 300) } end\n"
                             "for i = 1, 20000, 2 do t[i] = nil end\n"
                             "collectgarbage()\n"
                             "for i = 2, 20000, 2 do s = t[i][2] end\n"
                             "return s .. #t[20000].x"),
            LUA_OK);
  CHECK_STR(lua_tostring(L, -1), "20000200");
  lua_close(L);
  stance_hostalloc_free(a);
}

const test_case hostalloc_tests[] = {
    {"hostalloc_keeps_bytes_across_sizes", hostalloc_keeps_bytes_across_sizes},
    {"hostalloc_uses_freed_blocks_again", hostalloc_uses_freed_blocks_again},
    {"hostalloc_runs_a_lua_state", hostalloc_runs_a_lua_state},
    {NULL, NULL}};
