/*
 * schema.c - a corpus's schema read by stance.schema (the markup reader in C, the rules in
 * Lua); properties in tests/fuzz/lua/schema.lua. Input: the schema file.
 */
#include "luahost.h"

STANCE_LUA_FUZZ_TARGET(schema)
