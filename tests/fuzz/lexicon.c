/*
 * lexicon.c - a corpus's cue lexicon read by stance.lexicon and compiled into the C cue
 * matcher, then matched against the input as a text; properties in
 * tests/fuzz/lua/lexicon.lua. Input: the lexicon file.
 */
#include "luahost.h"

STANCE_LUA_FUZZ_TARGET(lexicon)
