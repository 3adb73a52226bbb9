/*
 * host.c - the `stance` executable: Lua 5.4 with stance.core preloaded, running the CLI
 * written in Lua (lua/stance/cli.lua).
 *
 * The Lua sources are found, in order, in $STANCE_LUADIR, next to a checkout's build
 * (<exe>/../../lua) and in an installed tree (<exe>/../share/lua/5.4). Ctrl-C interrupts
 * the running Lua code the way lua.c does, so the CLI can cancel its jobs and clean up.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

int luaopen_stance_core(lua_State *L);

/* The executable's one piece of global state: the state a signal handler must reach. */
static lua_State *global_L = NULL;

static void on_interrupt_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

static void on_sigint(int sig) {
  int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  signal(sig, SIG_DFL); /* a second Ctrl-C kills at once */
  if (global_L != NULL) lua_sethook(global_L, on_interrupt_hook, mask, 1);
}

static int exe_dir(const char *argv0, char *out, size_t len) {
  char buf[PATH_MAX];
  char *slash;
#if defined(__linux__)
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = '\0';
  (void)argv0;
#elif defined(__APPLE__)
  uint32_t size = sizeof buf;
  char tmp[PATH_MAX];
  if (_NSGetExecutablePath(tmp, &size) != 0 || realpath(tmp, buf) == NULL) return -1;
  (void)argv0;
#else
  if (strchr(argv0, '/') == NULL || realpath(argv0, buf) == NULL) return -1;
#endif
  slash = strrchr(buf, '/');
  if (slash == NULL) return -1;
  *slash = '\0';
  if (strlen(buf) + 1 > len) return -1;
  memcpy(out, buf, strlen(buf) + 1);
  return 0;
}

static int has_cli(const char *dir) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/stance/cli.lua", dir) >= (int)sizeof path) return 0;
  return access(path, R_OK) == 0;
}

/* Prepend the directory holding stance/cli.lua to package.path. */
static int set_path(lua_State *L, const char *argv0) {
  char dir[PATH_MAX], cand[PATH_MAX];
  const char *env = getenv("STANCE_LUADIR");
  const char *found = NULL;
  if (env != NULL && *env != '\0' && has_cli(env)) {
    found = env;
  } else if (exe_dir(argv0, dir, sizeof dir) == 0) {
    static const char *const rel[] = {"/../../lua", "/../share/lua/5.4", NULL};
    int i;
    for (i = 0; rel[i] != NULL && found == NULL; i++) {
      if (snprintf(cand, sizeof cand, "%s%s", dir, rel[i]) < (int)sizeof cand && has_cli(cand))
        found = cand;
    }
  }
  if (found == NULL) return -1;
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", found, found);
  lua_getfield(L, -2, "path");
  lua_concat(L, 2);
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  return 0;
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) msg = "(error object is not a string)";
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  int i, status, code = 1;
  if (L == NULL) {
    fputs("stance: cannot create a Lua state (out of memory)\n", stderr);
    return 1;
  }
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_stance_core);
  lua_setfield(L, -2, "stance.core");
  lua_pop(L, 1);
  if (set_path(L, argv[0]) != 0) {
    fputs("stance: cannot find the Lua sources (stance/cli.lua); set STANCE_LUADIR\n", stderr);
    lua_close(L);
    return 1;
  }
  /* arg[0] is the program, arg[1..] the command line, as in lua.c. */
  lua_createtable(L, argc, 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_setglobal(L, "arg");

  global_L = L;
  signal(SIGINT, on_sigint);
  lua_pushcfunction(L, traceback);
  lua_getglobal(L, "require");
  lua_pushstring(L, "stance.cli");
  status = lua_pcall(L, 1, 1, 1);
  if (status == LUA_OK) {
    lua_getfield(L, -1, "main");
    lua_getglobal(L, "arg");
    status = lua_pcall(L, 1, 1, 1);
  }
  if (status == LUA_OK) {
    code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  } else {
    fprintf(stderr, "stance: %s\n", lua_tostring(L, -1));
  }
  signal(SIGINT, SIG_DFL);
  global_L = NULL;
  fflush(stdout);
  lua_close(L);
  return code;
}
