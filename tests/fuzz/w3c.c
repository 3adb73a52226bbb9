/*
 * w3c.c - the JSON decoder (lua/stance/json.lua) and the W3C Web Annotation reader
 * (lua/stance/interop/w3c.lua), in Lua; properties in tests/fuzz/lua/w3c.lua. Input: JSON,
 * JSON Lines, or anything.
 */
#include "luahost.h"

STANCE_LUA_FUZZ_TARGET(w3c)
