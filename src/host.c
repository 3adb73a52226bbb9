/*
 * host.c - the `stance` executable: Lua 5.4 with stance.core preloaded, running the CLI
 * written in Lua (lua/stance/cli.lua).
 *
 * The Lua sources are found, in order, in $STANCE_LUADIR, next to a checkout's build
 * (<exe>/../../lua) and in an installed tree (<exe>/../share/lua/5.4). In a checkout, a
 * module compiled by make (<exe>/../luac/, the same tree) is loaded instead of its source
 * when it is not older than the source and loads (else the source is: an edit not built
 * yet, or a compiled file of another Lua version), so that a command does not parse its
 * modules at every start. Ctrl-C interrupts the running Lua code the way lua.c does, so the
 * CLI can cancel its jobs and clean up.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hostalloc.h"
#include "lcore.h"

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

int luaopen_stance_core(lua_State *L);

/* KB allocated before the collector's first cycle (see main). */
#define STARTUP_CREDIT_KB 8192

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

/* The Lua sources' folder, and the compiled modules' (checkout only; "" when none). */
static char lua_dir[PATH_MAX], bc_dir[PATH_MAX];

static int64_t mtime_ns(const struct stat *st) {
#if defined(__APPLE__)
  return (int64_t)st->st_mtimespec.tv_sec * 1000000000 + st->st_mtimespec.tv_nsec;
#else
  return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
#endif
}

/* The compiled file `bc` (a regular file not older than `src_mtime`) read whole and loaded
 * as a binary chunk: one open, fstat, read and close (luaL_loadfilex opens a binary file
 * twice and reads it through stdio). LUA_OK with the chunk pushed; anything else pushes
 * nothing. */
static int load_compiled(lua_State *L, const char *bc, int64_t src_mtime) {
  struct stat bs;
  char *buf;
  size_t got = 0;
  int fd = open(bc, O_RDONLY | O_CLOEXEC), rc = LUA_ERRFILE;
  if (fd < 0) return LUA_ERRFILE;
  if (fstat(fd, &bs) != 0 || !S_ISREG(bs.st_mode) || mtime_ns(&bs) < src_mtime || bs.st_size <= 0 ||
      (uint64_t)bs.st_size > (uint64_t)64 * 1024 * 1024 || (buf = malloc((size_t)bs.st_size)) == NULL) {
    close(fd);
    return LUA_ERRFILE;
  }
  while (got < (size_t)bs.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)bs.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (got == (size_t)bs.st_size) {
    rc = luaL_loadbufferx(L, buf, got, bc, "b");
    if (rc != LUA_OK) lua_pop(L, 1); /* the error message */
  }
  free(buf);
  return rc;
}

/* package.searchers entry before Lua's own: module `name`'s compiled file, when its source
 * is in lua_dir and the compiled one (the same path below bc_dir) is a regular file not
 * older than the source and loads as a binary chunk. Anything else: not found here, and
 * the source is loaded as always. The source is looked for first where a module of that
 * name is (lua_dir/a/b.lua, then lua_dir/a/b/init.lua for a.b), then as package.searchpath
 * finds it. */
static int compiled_searcher(lua_State *L) {
  const char *name = luaL_checkstring(L, 1), *src, *rel;
  char bc[PATH_MAX], direct[PATH_MAX];
  struct stat ss;
  size_t n = strlen(lua_dir), i;
  int len = snprintf(direct, sizeof direct, "%s/%s.lua", lua_dir, name);
  if (len > 0 && len < (int)sizeof direct) {
    for (i = n + 1; direct[i] != '\0' && i < (size_t)len - 4; i++)
      if (direct[i] == '.') direct[i] = '/';
  }
  int ok = len > 0 && (size_t)len + 6 < sizeof direct && strchr(name, '/') == NULL;
  if (ok && stat(direct, &ss) == 0 && S_ISREG(ss.st_mode)) {
    src = direct;
  } else if (ok && (memcpy(direct + len - 4, "/init.lua", 10), stat(direct, &ss) == 0) && S_ISREG(ss.st_mode)) {
    src = direct; /* a/b/init.lua, package.path's next place (require('stance')) */
  } else {
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchpath");
    lua_pushstring(L, name);
    lua_getfield(L, -3, "path");
    lua_call(L, 2, 1);
    src = lua_tostring(L, -1);
    if (src == NULL || strncmp(src, lua_dir, n) != 0 || src[n] != '/' || stat(src, &ss) != 0) {
      lua_pushliteral(L, "\n\tno compiled module");
      return 1;
    }
  }
  rel = src + n;
  if (snprintf(bc, sizeof bc, "%s%s", bc_dir, rel) >= (int)sizeof bc ||
      load_compiled(L, bc, mtime_ns(&ss)) != LUA_OK) {
    lua_pushliteral(L, "\n\tno compiled module");
    return 1;
  }
  lua_pushstring(L, src); /* the loader's second argument, as Lua's searcher gives */
  return 2;
}

/* Prepend the directory holding stance/cli.lua to package.path; in a checkout with
 * compiled modules, search them first. */
static int set_path(lua_State *L, const char *argv0) {
  char dir[PATH_MAX], cand[PATH_MAX];
  const char *env = getenv("STANCE_LUADIR");
  const char *found = NULL;
  int checkout = 0;
  if (env != NULL && *env != '\0' && has_cli(env)) {
    found = env;
  } else if (exe_dir(argv0, dir, sizeof dir) == 0) {
    static const char *const rel[] = {"/../../lua", "/../share/lua/5.4", NULL};
    int i;
    for (i = 0; rel[i] != NULL && found == NULL; i++) {
      if (snprintf(cand, sizeof cand, "%s%s", dir, rel[i]) < (int)sizeof cand && has_cli(cand)) {
        found = cand;
        checkout = i == 0;
      }
    }
  }
  if (found == NULL) return -1;
  if (checkout && strlen(found) < sizeof lua_dir &&
      snprintf(bc_dir, sizeof bc_dir, "%s/../luac", dir) < (int)sizeof bc_dir) {
    struct stat st;
    memcpy(lua_dir, found, strlen(found) + 1);
    if (stat(bc_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
      /* package.searchers: [1] preload, then ours, then Lua's */
      lua_getglobal(L, "package");
      lua_getfield(L, -1, "searchers");
      {
        lua_Integer i, k = (lua_Integer)luaL_len(L, -1);
        for (i = k; i >= 2; i--) {
          lua_rawgeti(L, -1, i);
          lua_rawseti(L, -2, i + 1);
        }
      }
      lua_pushcfunction(L, compiled_searcher);
      lua_rawseti(L, -2, 2);
      lua_pop(L, 2);
    }
  }
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", found, found);
  lua_getfield(L, -2, "path");
  lua_concat(L, 2);
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  return 0;
}

/* Whether the command ran a user's script (`stance run`: its module is loaded). */
static int ran_script(lua_State *L) {
  int top = lua_gettop(L), ran = 1;
  lua_getglobal(L, "package");
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "loaded");
    if (lua_istable(L, -1)) ran = lua_getfield(L, -1, "stance.cli.run") != LUA_TNIL;
  }
  lua_settop(L, top);
  return ran;
}

/* What luaL_newstate sets on a state, for one made with the executable's own allocator: the
 * panic function and Lua's warnings, off until a script sends "@on" (as lauxlib does). */
static int on_panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  if (msg == NULL) msg = "error object is not a string";
  fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n", msg);
  fflush(stderr);
  return 0; /* (Lua aborts) */
}

static void warn_off(void *ud, const char *message, int tocont);
static void warn_on(void *ud, const char *message, int tocont);

/* A control message ("@on", "@off") acted on: 1; else 0. */
static int warn_control(lua_State *L, const char *message, int tocont) {
  if (tocont || message[0] != '@') return 0;
  if (strcmp(message + 1, "off") == 0) lua_setwarnf(L, warn_off, L);
  if (strcmp(message + 1, "on") == 0) lua_setwarnf(L, warn_on, L);
  return 1;
}

static void warn_off(void *ud, const char *message, int tocont) { (void)warn_control(ud, message, tocont); }

static void warn_cont(void *ud, const char *message, int tocont) {
  fputs(message, stderr);
  if (tocont) {
    lua_setwarnf(ud, warn_cont, ud);
  } else {
    fputs("\n", stderr);
    fflush(stderr);
    lua_setwarnf(ud, warn_on, ud);
  }
}

static void warn_on(void *ud, const char *message, int tocont) {
  if (warn_control(ud, message, tocont)) return;
  fputs("Lua warning: ", stderr);
  warn_cont(ud, message, tocont);
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) msg = "(error object is not a string)";
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int main(int argc, char **argv) {
  /* the state's own allocator (see hostalloc.h): small blocks from free lists */
  stance_hostalloc *alloc = stance_hostalloc_new();
  lua_State *L = alloc != NULL ? lua_newstate(stance_hostalloc_lua, alloc) : NULL;
  int i, status, code = 1;
  if (L == NULL) {
    fputs("stance: cannot create a Lua state (out of memory)\n", stderr);
    stance_hostalloc_free(alloc);
    return 1;
  }
  lua_atpanic(L, on_panic);
  lua_setwarnf(L, warn_off, L);
  /* The collector's first cycle once STARTUP_CREDIT_KB are allocated, not at the first: a
   * command's start (the libraries, the modules it loads, a count from the saved index) makes
   * almost nothing that dies, and a new state starts a cycle at once and another each time
   * its heap doubles (six or more cycles marking the modules again, 6% of a count's
   * instructions). Lua 5.4 adds `data` KB to the collector's debt: a negative one is credit
   * (lapi.c, LUA_GCSTEP). From the first cycle on, the collector paces itself as always. */
  lua_gc(L, LUA_GCSTEP, -STARTUP_CREDIT_KB);
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_stance_core);
  lua_setfield(L, -2, "stance.core");
  lua_pop(L, 1);
  lua_pushboolean(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, STANCE_HOST_KEY);
  if (set_path(L, argv[0]) != 0) {
    fputs("stance: cannot find the Lua sources (stance/cli.lua); set STANCE_LUADIR\n", stderr);
    lua_close(L);
    stance_hostalloc_free(alloc);
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
  /* The state is closed only after `stance run` (a script's own finalizers run then, as
   * lua.c runs them). Otherwise the process ends here: the kernel takes back its memory,
   * mappings and descriptors at once, where lua_close freed every object one by one (a
   * tenth of a count's instructions); what closing does that matters is done: cli.main
   * stopped the worker's threads, and exit() flushes every stdio stream (Lua's files). */
  if (ran_script(L)) {
    lua_close(L);
    stance_hostalloc_free(alloc);
  }
  return code;
}
