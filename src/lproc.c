/*
 * lproc.c - running a program without a shell (plain Lua has only io.popen and os.execute,
 * which go through one): nothing a corpus names ever becomes shell syntax.
 */
#if defined(__linux__)
#define _GNU_SOURCE /* POSIX_SPAWN_SETSID, posix_spawn_file_actions_addclosefrom_np */
#endif
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
  /* each step checked: one dropped (out of memory) would leave our pipe or terminal to it */
  rc = posix_spawn_file_actions_init(&fa);
  if (rc != 0) {
    close(out[0]);
    close(out[1]);
    return stance__fail(L, strerror(rc), "ESPAWN");
  }
  rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0)
    rc = keep_stdout ? posix_spawn_file_actions_adddup2(&fa, out[1], 1)
                     : posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  if (rc == 0 && !keep_stderr) rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_addclose(&fa, out[1]);
  if (rc == 0) rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
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

/* detach(argv, log) -> pid | nil, err, code
 * Starts the program at the absolute path argv[1] (no PATH search, no shell) with the
 * arguments argv[2..] in a session of its own (no controlling terminal: a Ctrl-C or a
 * hang-up of ours never reaches it), stdin from /dev/null, stdout and stderr appended to
 * the file `log` (made 0600 if missing; a link or anything but a plain file is refused,
 * "EUNSAFE"; one grown past 1 MB is emptied first), no other descriptor of ours open in it
 * and "/" its working folder where the system can do so. Does not wait for it. */
#define DETACH_LOG_MAX (1024L * 1024L)
static int l_detach(lua_State *L) {
  const char *argv[MAX_ARGS + 1];
  const char *log = NULL;
  int n, i, fd, rc;
  struct stat st;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, dflt;
  short flags = 0;
  int fa_made = 0;
  pid_t pid;
  luaL_checktype(L, 1, LUA_TTABLE);
  log = luaL_checkstring(L, 2);
  n = (int)lua_rawlen(L, 1);
  if (n < 1 || n > MAX_ARGS) return luaL_argerror(L, 1, "a list of 1 to 256 strings");
  for (i = 0; i < n; i++) {
    size_t len;
    lua_rawgeti(L, 1, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_argerror(L, 1, "a list of strings");
    argv[i] = lua_tolstring(L, -1, &len);
    if (strlen(argv[i]) != len) return luaL_argerror(L, 1, "a string holds a NUL byte");
    lua_pop(L, 1); /* stays alive in the table */
  }
  argv[n] = NULL;
  if (argv[0][0] != '/') return luaL_argerror(L, 1, "the program is an absolute path");
  fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) return stance__fail(L, strerror(errno), errno == ELOOP ? "EUNSAFE" : "ESPAWN");
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return stance__fail(L, "the log is not a plain file", "EUNSAFE");
  }
  if (st.st_size > DETACH_LOG_MAX && ftruncate(fd, 0) != 0) {
    close(fd);
    return stance__fail(L, strerror(errno), "ESPAWN");
  }
  if (posix_spawnattr_init(&attr) != 0) {
    close(fd);
    return stance__fail(L, "out of memory", "ENOMEM");
  }
  /* every signal delivered as by default, none blocked: ours (a host that ignores SIGPIPE or
   * blocks some) are not its business */
  sigemptyset(&none);
  sigemptyset(&dflt);
  sigaddset(&dflt, SIGINT);
  sigaddset(&dflt, SIGTERM);
  sigaddset(&dflt, SIGHUP);
  sigaddset(&dflt, SIGQUIT);
  sigaddset(&dflt, SIGPIPE);
  sigaddset(&dflt, SIGCHLD);
  /* each step checked: one dropped (out of memory) would leave it our descriptors, our
   * terminal or our signals */
  rc = posix_spawnattr_setsigmask(&attr, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &dflt);
  flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_SETSID
  flags |= POSIX_SPAWN_SETSID;
#else
  flags |= POSIX_SPAWN_SETPGROUP; /* its own process group at least: no Ctrl-C of ours */
  if (rc == 0) rc = posix_spawnattr_setpgroup(&attr, 0);
#endif
  if (rc == 0) rc = posix_spawnattr_setflags(&attr, flags);
  if (rc == 0) {
    rc = posix_spawn_file_actions_init(&fa);
    fa_made = rc == 0;
  }
  if (rc == 0) rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, fd, 2);
#if defined(__GLIBC__) && defined(__USE_GNU) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
#if defined(__GLIBC__) && defined(__USE_GNU) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
  if (rc == 0) rc = posix_spawn_file_actions_addchdir_np(&fa, "/"); /* holds no folder of ours (a mount) */
#endif
  if (rc == 0) rc = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
  if (fa_made) posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(fd);
  if (rc != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot run %s: %s", argv[0], strerror(rc));
    lua_pushliteral(L, "ESPAWN");
    return 3;
  }
  lua_pushinteger(L, (lua_Integer)pid);
  return 1;
}

/* chmod(path, mode) -> true | nil, err, code */
static int l_chmod(lua_State *L) {
  if (chmod(luaL_checkstring(L, 1), (mode_t)luaL_checkinteger(L, 2)) != 0)
    return stance__fail(L, strerror(errno), "ECHMOD");
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg proc_funcs[] = {{"run", l_run}, {"detach", l_detach}, {"chmod", l_chmod}, {NULL, NULL}};

void stance__open_proc(lua_State *L) { luaL_setfuncs(L, proc_funcs, 0); }
