/*
 * brat.c - the brat standoff reader (lua/stance/interop/brat_ann.lua, brat_read.lua) and
 * writer, in Lua; properties in tests/fuzz/lua/brat.lua. Input: an .ann file, then a NUL
 * byte and the document (or a fixed document when there is no NUL).
 */
#include "luahost.h"

STANCE_LUA_FUZZ_TARGET(brat)
