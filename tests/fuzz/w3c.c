/*
 * w3c.c - the JSON decoder (src/json.c through src/ljson.c and lua/stance/json.lua: the
 * fuzzer sees its C) and the W3C Web Annotation reader (lua/stance/interop/w3c.lua), through
 * Lua; properties in tests/fuzz/lua/w3c.lua. Input: JSON, JSON Lines, or anything.
 */
#include "luahost.h"

STANCE_LUA_FUZZ_TARGET(w3c)
