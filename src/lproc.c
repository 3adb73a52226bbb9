/*
 * lproc.c - running a program without a shell (plain Lua has only io.popen and os.execute,
 * which go through one): nothing a corpus names ever becomes shell syntax.
 */
#if defined(__linux__)
#define _GNU_SOURCE /* pipe2, F_DUPFD_CLOEXEC */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/syscall.h>
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2) /* Linux 5.11 */
#endif
#endif
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

/* What the two processes detach() starts tell it through a pipe: the program's pid (from
 * the middle one), or why it did not start (fork or exec failed: errno). */
enum { DETACH_PID, DETACH_NOFORK, DETACH_NOEXEC };
struct detach_msg {
  int kind;
  int value;
};

/* Only async-signal-safe calls from here to the exec (we may have threads). */
static void detach_say(int fd, int kind, int value) {
  struct detach_msg m;
  ssize_t w;
  m.kind = kind;
  m.value = value;
  do {
    w = write(fd, &m, sizeof m);
  } while (w < 0 && errno == EINTR);
}

/* A copy of `fd` at 3 or above (0, 1 and 2 are the program's), close-on-exec; -1 on failure
 * (`fd` closed either way when it moved). */
static int detach_above_stdio(int fd) {
  int moved;
  if (fd < 0 || fd > 2) return fd;
  moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

/* The program's process: a session of its own, signals as by default, stdin /dev/null,
 * stdout and stderr the log, no other descriptor of ours across the exec, "/" its folder. */
static void detach_exec(const char *const *argv, int log, int say, int fd_end) {
  static const int dflt[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD};
  struct sigaction sa;
  sigset_t none;
  size_t i;
  int in;
  (void)setsid();
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (i = 0; i < sizeof dflt / sizeof dflt[0]; i++) (void)sigaction(dflt[i], &sa, NULL);
  sigemptyset(&none);
  (void)sigprocmask(SIG_SETMASK, &none, NULL);
  in = open("/dev/null", O_RDONLY);
  if (in < 0 || dup2(in, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
    detach_say(say, DETACH_NOEXEC, errno);
    _exit(127);
  }
  if (in > 2) close(in);
#if defined(__linux__) && defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
#endif
  {
    int fd;
    for (fd = 3; fd < fd_end; fd++) (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* EBADF for most */
  }
  (void)chdir("/"); /* holds no folder of ours (a mount) */
  execve(argv[0], (char *const *)argv, environ);
  detach_say(say, DETACH_NOEXEC, errno);
  _exit(127);
}

/* detach(argv, log) -> pid | nil, err, code
 * Starts the program at the absolute path argv[1] (no PATH search, no shell) with the
 * arguments argv[2..] in a session of its own (no controlling terminal: a Ctrl-C or a
 * hang-up of ours never reaches it), stdin from /dev/null, stdout and stderr appended to
 * the file `log` (made 0600 if missing; a link or anything but a plain file is refused,
 * "EUNSAFE"; one grown past 1 MB is emptied first), no other descriptor of ours open in it
 * and "/" its working folder. It is not our child (started by a process of ours that ends at
 * once, which we wait for): when it ends, it is no zombie of a program that goes on running
 * (a `stance run` script). Waits until it runs the program, not for it to end. */
#define DETACH_LOG_MAX (1024L * 1024L)
static int l_detach(lua_State *L) {
  const char *argv[MAX_ARGS + 1];
  const char *log = NULL;
  int n, i, fd, pipefd[2], status, got_pid = 0, err = 0;
  struct stat st;
  struct detach_msg m;
  sigset_t all, old;
  struct rlimit nofile;
  int fd_end;
  pid_t mid, pid = -1;
  ssize_t r;
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
  fd = detach_above_stdio(fd);
  if (fd < 0) return stance__fail(L, strerror(errno), "ESPAWN");
#if defined(__linux__)
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
#else
  if (pipe(pipefd) != 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) != 0) {
#endif
    close(fd);
    return stance__fail(L, strerror(errno), "ESPAWN");
  }
  pipefd[0] = detach_above_stdio(pipefd[0]);
  pipefd[1] = detach_above_stdio(pipefd[1]);
  if (pipefd[0] < 0 || pipefd[1] < 0) {
    err = errno;
    if (pipefd[0] >= 0) close(pipefd[0]);
    if (pipefd[1] >= 0) close(pipefd[1]);
    close(fd);
    return stance__fail(L, strerror(err), "ESPAWN");
  }
  /* no handler of ours runs in the processes started (their signals are put back as by
   * default before the exec) */
  /* the descriptors a kernel without close_range could have open: up to the process's limit
   * (asked here: getrlimit is not among the calls safe after a fork), at most 2^20 */
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > (1u << 20))
    fd_end = 1 << 20;
  else
    fd_end = (int)nofile.rlim_cur;
  sigfillset(&all);
  (void)sigprocmask(SIG_BLOCK, &all, &old);
  mid = fork();
  if (mid == 0) {
    pid_t child = fork();
    if (child == 0) detach_exec(argv, fd, pipefd[1], fd_end);
    if (child < 0)
      detach_say(pipefd[1], DETACH_NOFORK, errno);
    else
      detach_say(pipefd[1], DETACH_PID, (int)child);
    _exit(0);
  }
  if (mid < 0) err = errno;
  (void)sigprocmask(SIG_SETMASK, &old, NULL);
  close(pipefd[1]);
  close(fd);
  if (mid < 0) {
    close(pipefd[0]);
    lua_pushnil(L);
    lua_pushfstring(L, "cannot run %s: %s", argv[0], strerror(err));
    lua_pushliteral(L, "ESPAWN");
    return 3;
  }
  while (waitpid(mid, &status, 0) < 0 && errno == EINTR) {
  }
  /* until every end that writes is closed: the middle process's at its exit, the program's
   * at its exec */
  for (;;) {
    r = read(pipefd[0], &m, sizeof m);
    if (r < 0 && errno == EINTR) continue;
    if (r != (ssize_t)sizeof m) break;
    if (m.kind == DETACH_PID) {
      pid = (pid_t)m.value;
      got_pid = 1;
    } else {
      err = m.value ? m.value : EIO;
    }
  }
  close(pipefd[0]);
  if (!err && !got_pid) err = EIO;
  if (err) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot run %s: %s", argv[0], strerror(err));
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
