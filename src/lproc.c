/*
 * lproc.c - running a program without a shell (plain Lua has only io.popen and os.execute,
 * which go through one): nothing a corpus names ever becomes shell syntax.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "lcore.h"

extern char **environ;

#define MAX_ARGS 256

/* run(argv[, {stderr = true, output = false}]) -> status, stdout | nil, err, code
 * Runs argv[1] (found on PATH when it has no slash) with the arguments argv[2..], stdin from
 * /dev/null, stderr discarded unless opts.stderr, stdout returned (or discarded with
 * output = false: what a desktop opener needs, whose program may keep it open); waits for
 * it. status: the exit status (128 + the signal's number when killed by one). */
static int l_run(lua_State *L) {
  const char *argv[MAX_ARGS + 1];
  int n, i, out[2], status = 0, keep_stderr = 0, keep_stdout = 1, rc;
  posix_spawn_file_actions_t fa;
  pid_t pid;
  luaL_Buffer b;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (int)lua_rawlen(L, 1);
  if (n < 1 || n > MAX_ARGS) return luaL_argerror(L, 1, "a list of 1 to 256 strings");
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 1, i + 1);
    size_t len;
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_argerror(L, 1, "a list of strings");
    argv[i] = lua_tolstring(L, -1, &len);
    if (strlen(argv[i]) != len) return luaL_argerror(L, 1, "a string holds a NUL byte");
    lua_pop(L, 1); /* stays alive in the table */
  }
  argv[n] = NULL;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "stderr");
    keep_stderr = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 2, "output");
    keep_stdout = lua_isnil(L, -1) || lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  if (pipe(out) != 0) return stance__fail(L, strerror(errno), "ESPAWN");
  (void)fcntl(out[0], F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (keep_stdout)
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  else
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  if (!keep_stderr) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&fa, out[1]);
  rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    lua_pushnil(L);
    lua_pushfstring(L, "cannot run %s: %s", argv[0], strerror(rc));
    lua_pushliteral(L, "ESPAWN");
    return 3;
  }
  luaL_buffinit(L, &b);
  for (;;) {
    char buf[4096];
    ssize_t got = read(out[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    luaL_addlstring(&b, buf, (size_t)got);
  }
  close(out[0]);
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      status = -1;
      break;
    }
  }
  luaL_pushresult(&b);
  if (status == -1)
    lua_pushinteger(L, -1);
  else if (WIFEXITED(status))
    lua_pushinteger(L, WEXITSTATUS(status));
  else
    lua_pushinteger(L, 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
  lua_insert(L, -2);
  return 2;
}

/* chmod(path, mode) -> true | nil, err, code */
static int l_chmod(lua_State *L) {
  if (chmod(luaL_checkstring(L, 1), (mode_t)luaL_checkinteger(L, 2)) != 0)
    return stance__fail(L, strerror(errno), "ECHMOD");
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg proc_funcs[] = {{"run", l_run}, {"chmod", l_chmod}, {NULL, NULL}};

void stance__open_proc(lua_State *L) { luaL_setfuncs(L, proc_funcs, 0); }
