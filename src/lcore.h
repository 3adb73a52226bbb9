/*
 * lcore.h - the parts of the stance.core Lua module; each adds its functions to the
 * module table on top of the stack.
 */
#ifndef STANCE_LCORE_H
#define STANCE_LCORE_H

#include <lua.h>

#define STANCE_VERSION "0.1.0"

void stance__open_worker(lua_State *L);
void stance__open_fs(lua_State *L);
void stance__open_store(lua_State *L);

#endif
