/*
 * lwatch.c - what `stance watch` (lua/stance/watch/) is made of, for Lua: inotify read
 * directly (libuv's fs_event drops IN_Q_OVERFLOW, which a watcher that vouches for an
 * index must see), a poll over descriptors, and a unix socket, a lock and cookie files
 * inside a corpus's .stance folder, reached through a descriptor of that folder opened
 * without following a link (a collaborator's committed files are never followed or
 * written through).
 *
 *   core.inotify() -> in            in:add(dir, rel), in:read(), in:fd(), in:close()
 *   core.poll({fd...}, ms) -> {fd = true}    the descriptors ready to read
 *   core.stance_dir(path) -> sd     sd:lock(name), sd:listen(name), sd:connect(name),
 *                                   sd:touch(name), sd:remove(name), sd:close()
 *   listener:accept() -> conn       only a peer of this user (SO_PEERCRED)
 *   conn:send(s), conn:read_line(ms), conn:fd(), conn:close()
 *
 * Linux only (inotify, SO_PEERCRED, /proc/self/fd): elsewhere each constructor fails with
 * "ENOSYS", and a search checks every document as before.
 */
#ifdef __linux__
#define _GNU_SOURCE /* accept4, struct ucred */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "compat.h"
#include "lcore.h"

#define INOTIFY_MT "stance.inotify"
#define SDIR_MT "stance.stance_dir"
#define LISTENER_MT "stance.listener"
#define CONN_MT "stance.conn"
#define MAX_LINE 65536
#define MAX_POLL 256
#define STR_(x) #x
#define STR(x) STR_(x)

#ifdef __linux__
#include <sys/file.h>
#include <sys/vfs.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct wdmap {
  int wd;
  char *rel;
} wdmap;

typedef struct linotify {
  int fd;
  wdmap *w;
  size_t n, cap;
} linotify;

typedef struct sdir {
  int dfd, lockfd;
} sdir;

typedef struct lsock {
  int fd;
  int spare; /* listener: a descriptor kept open, given up to accept and drop a peer when the
              * process is out of descriptors (else the listener stays readable and the
              * watcher spins) */
  char *buf; /* conn: bytes received after the last line returned */
  size_t len;
} lsock;

static int fail_errno(lua_State *L, const char *what, int e) {
  const char *code = e == ENOSPC || e == EMFILE || e == ENFILE ? "ELIMIT" : e == ENOENT ? "ENOENT" : e == EACCES ? "EACCES" : "EIO";
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", what, strerror(e));
  lua_pushstring(L, code);
  return 3;
}

/* ---- inotify --------------------------------------------------------------------------- */

static linotify *check_in(lua_State *L) {
  linotify *in = luaL_checkudata(L, 1, INOTIFY_MT);
  if (in->fd < 0) luaL_argerror(L, 1, "closed");
  return in;
}

static int l_inotify(lua_State *L) {
  linotify *in = lua_newuserdata(L, sizeof *in);
  memset(in, 0, sizeof *in);
  in->fd = -1;
  stance__setclass(L, INOTIFY_MT);
  in->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (in->fd < 0) return fail_errno(L, "inotify", errno);
  return 1;
}

/* The folders watched, by watch descriptor: an open-addressing table (linear probing, at most
 * half full, wd 0 marks a free slot: inotify's are >= 1), so that an event finds its folder in
 * constant time however many folders are watched. */
static size_t wd_slot(int wd, size_t cap) { return ((size_t)(unsigned)wd * 0x9E3779B1u) & (cap - 1); }

static wdmap *rel_of(const linotify *in, int wd) {
  size_t i;
  if (in->cap == 0 || wd <= 0) return NULL;
  for (i = wd_slot(wd, in->cap); in->w[i].wd != 0; i = (i + 1) & (in->cap - 1))
    if (in->w[i].wd == wd) return &in->w[i];
  return NULL;
}

/* Make room for one more entry (the table at most half full): 0 or ENOMEM. */
static int wd_reserve(linotify *in) {
  size_t cap, i, j;
  wdmap *nw;
  if (in->n + 1 <= in->cap / 2) return 0;
  cap = in->cap ? in->cap * 2 : 64;
  if (cap < in->cap || cap > SIZE_MAX / sizeof *nw || (nw = calloc(cap, sizeof *nw)) == NULL) return ENOMEM;
  for (i = 0; i < in->cap; i++)
    if (in->w[i].wd != 0) {
      for (j = wd_slot(in->w[i].wd, cap); nw[j].wd != 0; j = (j + 1) & (cap - 1)) {
      }
      nw[j] = in->w[i];
    }
  free(in->w);
  in->w = nw;
  in->cap = cap;
  return 0;
}

/* Remove the entry `e` (its name freed), moving back the entries after it that its slot kept
 * from their own (deletion without tombstones). */
static void wd_remove(linotify *in, wdmap *e) {
  size_t mask = in->cap - 1, i = (size_t)(e - in->w), j = i, k;
  free(e->rel);
  for (;;) {
    j = (j + 1) & mask;
    if (in->w[j].wd == 0) break;
    k = wd_slot(in->w[j].wd, in->cap);
    /* move w[j] into the hole at i when its home k is not cyclically within (i, j] */
    if ((i <= j) ? (k <= i || k > j) : (k <= i && k > j)) {
      in->w[i] = in->w[j];
      i = j;
    }
  }
  in->w[i].wd = 0;
  in->w[i].rel = NULL;
  in->n--;
}

/* Watch the folder `dir`, its events reported under `rel`: 0 or an errno. */
static int add_one(linotify *in, const char *dir, const char *rel) {
  uint32_t mask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM |
                  IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
  int wd = inotify_add_watch(in->fd, dir, mask);
  wdmap *e;
  char *copy;
  size_t i;
  if (wd < 0) return errno;
  if ((copy = malloc(strlen(rel) + 1)) == NULL) return ENOMEM;
  strcpy(copy, rel);
  if ((e = rel_of(in, wd)) != NULL) { /* the same folder again (a rename): its newest name */
    free(e->rel);
    e->rel = copy;
    return 0;
  }
  if (wd_reserve(in) != 0) {
    free(copy);
    return ENOMEM;
  }
  for (i = wd_slot(wd, in->cap); in->w[i].wd != 0; i = (i + 1) & (in->cap - 1)) {
  }
  in->w[i].wd = wd;
  in->w[i].rel = copy;
  in->n++;
  return 0;
}

/* `dir` and every folder below it whose name does not start with '.' (links not followed),
 * the watch first, then the listing (a folder made meanwhile is an event of its parent).
 * 0 or an errno; a folder gone meanwhile is left out. */
static int add_tree(linotify *in, const char *dir, const char *rel, int depth, size_t *count) {
  DIR *d;
  struct dirent *e;
  int rc = add_one(in, dir, rel);
  if (rc == ENOENT || rc == ENOTDIR) return 0;
  if (rc != 0) return rc;
  ++*count;
  if (depth >= 64) return ELOOP;
  if ((d = opendir(dir)) == NULL) return errno == ENOENT || errno == ENOTDIR ? 0 : errno;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    char path[PATH_MAX], sub[PATH_MAX];
    struct stat st;
    if (e->d_name[0] == '.') continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= (int)sizeof sub) {
      rc = ENAMETOOLONG;
      break;
    }
    if (e->d_type == DT_UNKNOWN && (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))) continue;
    rc = add_tree(in, path, sub, depth + 1, count);
  }
  closedir(d);
  return rc;
}

/* add(dir, rel[, tree]) -> folders watched | nil, err, code ("ELIMIT": the user's inotify
 * watch limit is reached): watch `dir` (and with `tree` every folder below it that may hold
 * documents), reporting its events under the relative path `rel` */
static int in_add(lua_State *L) {
  linotify *in = check_in(L);
  const char *dir = luaL_checkstring(L, 2), *rel = luaL_checkstring(L, 3);
  size_t count = 0;
  int rc = lua_toboolean(L, 4) ? add_tree(in, dir, rel, 0, &count) : add_one(in, dir, rel);
  if (rc == ENOMEM) return stance__fail(L, "out of memory", "ENOMEM");
  if (rc != 0) return fail_errno(L, dir, rc);
  lua_pushinteger(L, lua_toboolean(L, 4) ? (lua_Integer)count : 1);
  return 1;
}

static void push_event(lua_State *L, int *k, const char *rel, const char *name, int dir, int self) {
  lua_createtable(L, 0, 3);
  if (name != NULL && *rel != '\0') {
    lua_pushfstring(L, "%s/%s", rel, name);
  } else {
    lua_pushstring(L, name != NULL ? name : rel);
  }
  lua_setfield(L, -2, "path");
  lua_pushboolean(L, dir);
  lua_setfield(L, -2, "dir");
  lua_pushboolean(L, self);
  lua_setfield(L, -2, "self");
  lua_rawseti(L, -2, ++*k);
}

/* read() -> events, overflow: what is queued now, up to 16 reads of 64 kB (never waits: call
 * again while the descriptor is readable). Each event: { path (relative,
 * as the folder's `rel` and the name), dir (the name is a folder), self (the watched folder
 * itself went: deleted, moved, unmounted) }. overflow: the kernel's queue overflowed
 * (IN_Q_OVERFLOW): events were lost. */
static int in_read(lua_State *L) {
  linotify *in = check_in(L);
  union {
    struct inotify_event e;
    char b[65536];
  } u;
  char *buf = u.b;
  int k = 0, overflow = 0, reads;
  lua_newtable(L);
  /* at most 16 buffers a call (~4,000 events): the caller answers its clients between calls
   * however fast the events come (what is left stays queued, and the descriptor readable) */
  for (reads = 0; reads < 16; reads++) {
    ssize_t n = read(in->fd, buf, sizeof u.b), off = 0;
    if (n < 0) {
      if (errno == EINTR) {
        reads--;
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return fail_errno(L, "inotify", errno);
    }
    if (n == 0) break;
    while (off + (ssize_t)sizeof(struct inotify_event) <= n) {
      const struct inotify_event *e = (const struct inotify_event *)(buf + off);
      wdmap *at;
      const char *rel;
      if (off + (ssize_t)sizeof *e + (ssize_t)e->len > n) break;
      off += (ssize_t)sizeof *e + (ssize_t)e->len;
      if (e->mask & IN_Q_OVERFLOW) {
        overflow = 1;
        continue;
      }
      if ((at = rel_of(in, e->wd)) == NULL) continue;
      rel = at->rel;
      if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
        push_event(L, &k, rel, NULL, 1, 1);
        if (e->mask & IN_IGNORED) wd_remove(in, at); /* the watch is gone */
        continue;
      }
      /* the watched folder itself touched (its times, its mode): nothing of a document */
      if (e->len == 0) continue;
      /* a subfolder's times or mode: no folder made, moved or removed */
      if ((e->mask & IN_ISDIR) && !(e->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))) continue;
      push_event(L, &k, rel, e->name, (e->mask & IN_ISDIR) != 0, 0);
    }
  }
  lua_pushboolean(L, overflow);
  return 2;
}

static int in_fd(lua_State *L) {
  lua_pushinteger(L, check_in(L)->fd);
  return 1;
}

static int in_close(lua_State *L) {
  linotify *in = luaL_checkudata(L, 1, INOTIFY_MT);
  size_t i;
  if (in->fd >= 0) close(in->fd);
  in->fd = -1;
  for (i = 0; i < in->cap; i++) free(in->w[i].rel);
  free(in->w);
  in->w = NULL;
  in->n = in->cap = 0;
  return 0;
}

/* ---- poll ----------------------------------------------------------------------------- */

/* poll({fd...}, timeout_ms) -> { [fd] = true } for each descriptor ready to read (or closed
 * by its peer); empty after the timeout. */
static int l_poll(lua_State *L) {
  struct pollfd p[MAX_POLL];
  lua_Integer ms = luaL_optinteger(L, 2, -1);
  int n = 0, i, rc;
  luaL_checktype(L, 1, LUA_TTABLE);
  if (ms < -1 || ms > 86400000) return luaL_argerror(L, 2, "a time in milliseconds");
  for (i = 1;; i++) {
    lua_rawgeti(L, 1, i);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (n == MAX_POLL) return luaL_argerror(L, 1, "more than " STR(MAX_POLL) " descriptors");
    p[n].fd = (int)luaL_checkinteger(L, -1);
    p[n].events = POLLIN;
    p[n].revents = 0;
    n++;
    lua_pop(L, 1);
  }
  /* a signal (Ctrl-C) returns at once, with nothing ready: the caller's Lua code runs
   * again, and the host's interrupt with it */
  rc = poll(p, (nfds_t)n, (int)ms);
  if (rc < 0 && errno != EINTR) return fail_errno(L, "poll", errno);
  lua_newtable(L);
  for (i = 0; rc > 0 && i < n; i++)
    if (p[i].revents != 0) {
      lua_pushboolean(L, 1);
      lua_rawseti(L, -2, p[i].fd);
    }
  return 1;
}

/* ---- the .stance folder ------------------------------------------------------------------ */

static sdir *check_sd(lua_State *L) {
  sdir *sd = luaL_checkudata(L, 1, SDIR_MT);
  if (sd->dfd < 0) luaL_argerror(L, 1, "closed");
  return sd;
}

/* A plain name in the folder: no '/', not "." or "..", not empty, short. */
static const char *check_name(lua_State *L, int i) {
  size_t n;
  const char *s = luaL_checklstring(L, i, &n);
  if (n == 0 || n > 64 || strchr(s, '/') != NULL || strlen(s) != n || strcmp(s, ".") == 0 ||
      strcmp(s, "..") == 0)
    luaL_argerror(L, i, "a plain file name");
  return s;
}

/* stance_dir(path) -> sd: the folder, opened without following a link */
static int l_stance_dir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  sdir *sd = lua_newuserdata(L, sizeof *sd);
  sd->dfd = sd->lockfd = -1;
  stance__setclass(L, SDIR_MT);
  sd->dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sd->dfd < 0) return fail_errno(L, path, errno);
  return 1;
}

/* lock(name) -> true | nil, err, "EBUSY": an exclusive lock on the file `name` (made if
 * missing; a link or anything but a plain file is refused), held until close */
static int sd_lock(lua_State *L) {
  sdir *sd = check_sd(L);
  const char *name = check_name(L, 2);
  struct stat st;
  int fd = openat(sd->dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) return fail_errno(L, name, errno);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return stance__fail(L, "the lock file is not a plain file", "EUNSAFE");
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(fd);
    if (e == EWOULDBLOCK) return stance__fail(L, "held by another process", "EBUSY");
    return fail_errno(L, name, e);
  }
  if (sd->lockfd >= 0) close(sd->lockfd);
  sd->lockfd = fd;
  lua_pushboolean(L, 1);
  return 1;
}

/* unlock(): let go of the lock taken by lock() (none held: nothing) */
static int sd_unlock(lua_State *L) {
  sdir *sd = check_sd(L);
  if (sd->lockfd >= 0) close(sd->lockfd);
  sd->lockfd = -1;
  return 0;
}

/* The socket's address: through /proc/self/fd, which resolves to the folder the descriptor
 * holds (a path of any length, no link followed on the way). */
static int sock_addr(const sdir *sd, const char *name, struct sockaddr_un *a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  return snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", sd->dfd, name) <
                 (int)sizeof a->sun_path
             ? 0
             : -1;
}

/* Is `name` in the folder a socket of this user (not a link, not another user's)? */
static int our_socket(const sdir *sd, const char *name) {
  struct stat st;
  return fstatat(sd->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
         st.st_uid == geteuid();
}

static int peer_is_us(int fd) {
  struct ucred cr;
  socklen_t n = sizeof cr;
  return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == 0 && n == sizeof cr && cr.uid == geteuid();
}

static lsock *new_sock(lua_State *L, const char *mt) {
  lsock *s = lua_newuserdata(L, sizeof *s);
  memset(s, 0, sizeof *s);
  s->fd = s->spare = -1;
  stance__setclass(L, mt);
  return s;
}

/* fail_errno, the socket `s` closed first (not left to the garbage collector) */
static int sock_fail(lua_State *L, lsock *s, const char *what) {
  int e = errno;
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  return fail_errno(L, what, e);
}

/* listen(name) -> listener | nil, err, code: a unix socket `name` in the folder. A socket of
 * this user there is taken as a dead watcher's (the caller holds the lock) and replaced;
 * anything else there (a committed file, a link) is refused ("EUNSAFE"). */
static int sd_listen(lua_State *L) {
  sdir *sd = check_sd(L);
  const char *name = check_name(L, 2);
  struct sockaddr_un a;
  struct stat st;
  lsock *s;
  if (fstatat(sd->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!our_socket(sd, name)) return stance__fail(L, "something that is not our socket is there", "EUNSAFE");
    if (unlinkat(sd->dfd, name, 0) != 0) return fail_errno(L, name, errno);
  }
  if (sock_addr(sd, name, &a) != 0) return stance__fail(L, "socket address too long", "EINVAL");
  s = new_sock(L, LISTENER_MT);
  if ((s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) return sock_fail(L, s, "socket");
  if (bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0) return sock_fail(L, s, name);
  if (fchmodat(sd->dfd, name, 0600, 0) != 0 || listen(s->fd, 64) != 0) return sock_fail(L, s, name);
  if ((s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) return sock_fail(L, s, "/dev/null");
  return 1;
}

/* connect(name) -> conn | nil, err, code: only to a socket of this user whose listening
 * process runs as this user ("EUNSAFE" otherwise; "ECONNREFUSED": nobody listens) */
static int sd_connect(lua_State *L) {
  sdir *sd = check_sd(L);
  const char *name = check_name(L, 2);
  struct sockaddr_un a;
  lsock *s;
  int rc;
  if (fstatat(sd->dfd, name, &(struct stat){0}, AT_SYMLINK_NOFOLLOW) != 0) return fail_errno(L, name, errno);
  if (!our_socket(sd, name)) return stance__fail(L, "not a socket of this user", "EUNSAFE");
  if (sock_addr(sd, name, &a) != 0) return stance__fail(L, "socket address too long", "EINVAL");
  s = new_sock(L, CONN_MT);
  /* non-blocking: a watcher that stopped reading (Ctrl-Z) fills its backlog, and a blocking
   * connect would then wait for ever; EAGAIN is an answer of "not known" */
  if ((s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) return sock_fail(L, s, "socket");
  do {
    rc = connect(s->fd, (struct sockaddr *)&a, sizeof a);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int e = errno;
    close(s->fd);
    s->fd = -1;
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", name, strerror(e));
    lua_pushstring(L, e == ECONNREFUSED ? "ECONNREFUSED" : e == EAGAIN || e == EINPROGRESS ? "EBUSY" : "EIO");
    return 3;
  }
  if (!peer_is_us(s->fd)) {
    close(s->fd);
    s->fd = -1;
    return stance__fail(L, "the socket's process is another user's", "EUNSAFE");
  }
  return 1;
}

/* touch(name) -> true | nil, err: make the new empty file `name` (never one that exists,
 * never through a link) */
static int sd_touch(lua_State *L) {
  sdir *sd = check_sd(L);
  const char *name = check_name(L, 2);
  int fd = openat(sd->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail_errno(L, name, errno);
  close(fd);
  lua_pushboolean(L, 1);
  return 1;
}

/* remove(name) -> true | nil: remove `name` if it is this user's file or socket (not a link
 * a collaborator committed, not a folder) */
static int sd_remove(lua_State *L) {
  sdir *sd = check_sd(L);
  const char *name = check_name(L, 2);
  struct stat st;
  if (fstatat(sd->dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != geteuid() ||
      !(S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode)) || unlinkat(sd->dfd, name, 0) != 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* remote() -> name | nil: the kind of network file system the folder is on (its changes made
 * elsewhere give no inotify event: a watcher there would vouch for what it cannot see), as
 * watchman refuses them */
static int sd_remote(lua_State *L) {
  sdir *sd = check_sd(L);
  struct statfs fs;
  static const struct {
    unsigned long magic;
    const char *name;
  } remote[] = {{0x6969, "NFS"},        {0x517B, "SMB"},      {0xFF534D42UL, "CIFS"}, {0xFE534D42UL, "SMB2"},
                {0x65735546, "FUSE"},   {0x01021997, "9P"},   {0x6B414653, "AFS"},    {0x5346414F, "AFS"},
                {0x73757245, "Coda"},   {0x564C, "NCP"},      {0x47504653, "GPFS"},   {0x0BD00BD0, "Lustre"},
                {0x00C36400, "CephFS"}, {0x7461636F, "OCFS2"}};
  size_t i;
  if (fstatfs(sd->dfd, &fs) != 0) return fail_errno(L, "statfs", errno);
  for (i = 0; i < sizeof remote / sizeof remote[0]; i++)
    if ((unsigned long)fs.f_type == remote[i].magic) {
      lua_pushstring(L, remote[i].name);
      return 1;
    }
  lua_pushnil(L);
  return 1;
}

static int sd_close(lua_State *L) {
  sdir *sd = luaL_checkudata(L, 1, SDIR_MT);
  if (sd->lockfd >= 0) close(sd->lockfd);
  if (sd->dfd >= 0) close(sd->dfd);
  sd->dfd = sd->lockfd = -1;
  return 0;
}

/* ---- sockets ---------------------------------------------------------------------------- */

static lsock *check_sock(lua_State *L, const char *mt) {
  lsock *s = luaL_checkudata(L, 1, mt);
  if (s->fd < 0) luaL_argerror(L, 1, "closed");
  return s;
}

/* accept() -> conn | false (nobody waiting, or a peer of another user, refused) */
static int li_accept(lua_State *L) {
  lsock *s = check_sock(L, LISTENER_MT), *c;
  int fd;
  do {
    fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE) && s->spare >= 0) {
    /* out of descriptors: the peer taken with the spare one and dropped (it then checks
     * every document itself), so that the listener is not readable for ever */
    close(s->spare);
    s->spare = -1;
    fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) close(fd);
    s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    fd = -1;
  }
  if (fd < 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (!peer_is_us(fd)) {
    close(fd);
    lua_pushboolean(L, 0);
    return 1;
  }
  c = new_sock(L, CONN_MT);
  c->fd = fd;
  return 1;
}

static long ms_since(int64_t t0) { return (long)((stance_now_ns(CLOCK_MONOTONIC) - t0) / 1000000); }

/* poll one descriptor for `ev`, `ms` in all (a signal does not start the time again) */
static int wait_fd(int fd, short ev, int ms) {
  struct pollfd p;
  int64_t t0 = stance_now_ns(CLOCK_MONOTONIC);
  int rc;
  long left = ms;
  p.fd = fd;
  p.events = ev;
  for (;;) {
    p.revents = 0;
    rc = poll(&p, 1, (int)left);
    if (rc >= 0 || errno != EINTR) return rc;
    if ((left = ms - ms_since(t0)) <= 0) return 0;
  }
}

/* send(s) -> true | nil, err: all of s, waiting at most a second for room */
static int co_send(lua_State *L) {
  lsock *s = check_sock(L, CONN_MT);
  size_t n, off = 0;
  const char *data = luaL_checklstring(L, 2, &n);
  while (off < n) {
    ssize_t w = send(s->fd, data + off, n - off, MSG_NOSIGNAL);
    if (w > 0) {
      off += (size_t)w;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_fd(s->fd, POLLOUT, 1000) <= 0) return stance__fail(L, "the peer does not read", "ETIMEDOUT");
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else {
      return fail_errno(L, "send", errno);
    }
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* read_line(timeout_ms) -> line (without its "\n") | nil, err, "ETIMEDOUT" | "EOF" | "ETOOLONG".
 * timeout 0: only what has arrived already. */
static int co_read_line(lua_State *L) {
  lsock *s = check_sock(L, CONN_MT);
  lua_Integer ms = luaL_optinteger(L, 2, 0);
  int64_t t0 = stance_now_ns(CLOCK_MONOTONIC);
  if (ms < 0 || ms > 3600000) return luaL_argerror(L, 2, "a time in milliseconds");
  for (;;) {
    char *nl = s->len > 0 ? memchr(s->buf, '\n', s->len) : NULL;
    char chunk[4096];
    ssize_t r;
    long left;
    if (nl != NULL) {
      size_t k = (size_t)(nl - s->buf);
      lua_pushlstring(L, s->buf, k);
      memmove(s->buf, nl + 1, s->len - k - 1);
      s->len -= k + 1;
      return 1;
    }
    if (s->len >= MAX_LINE) return stance__fail(L, "a line too long", "ETOOLONG");
    r = recv(s->fd, chunk, sizeof chunk, 0);
    if (r > 0) {
      char *nb = realloc(s->buf, s->len + (size_t)r);
      if (nb == NULL) return stance__fail(L, "out of memory", "ENOMEM");
      memcpy(nb + s->len, chunk, (size_t)r);
      s->buf = nb;
      s->len += (size_t)r;
      continue;
    }
    if (r == 0) return stance__fail(L, "closed by the peer", "EOF");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return fail_errno(L, "recv", errno);
    left = (long)ms - ms_since(t0);
    if (left <= 0 || wait_fd(s->fd, POLLIN, (int)left) <= 0) return stance__fail(L, "no answer in time", "ETIMEDOUT");
  }
}

static int so_fd(lua_State *L) {
  lsock *s = luaL_testudata(L, 1, CONN_MT);
  if (s == NULL) s = luaL_checkudata(L, 1, LISTENER_MT);
  lua_pushinteger(L, s->fd);
  return 1;
}

static int so_close(lua_State *L) {
  lsock *s = luaL_testudata(L, 1, CONN_MT);
  if (s == NULL) s = luaL_checkudata(L, 1, LISTENER_MT);
  if (s->fd >= 0) close(s->fd);
  if (s->spare >= 0) close(s->spare);
  s->fd = s->spare = -1;
  free(s->buf);
  s->buf = NULL;
  s->len = 0;
  return 0;
}

static const luaL_Reg in_meta[] = {{"__gc", in_close}, {NULL, NULL}};
static const luaL_Reg in_methods[] = {{"add", in_add}, {"read", in_read}, {"fd", in_fd}, {"close", in_close}, {NULL, NULL}};
static const luaL_Reg sd_meta[] = {{"__gc", sd_close}, {NULL, NULL}};
static const luaL_Reg sd_methods[] = {{"lock", sd_lock},     {"listen", sd_listen}, {"connect", sd_connect},
                                      {"touch", sd_touch},   {"remove", sd_remove}, {"remote", sd_remote}, {"close", sd_close},
                                      {"unlock", sd_unlock}, {NULL, NULL}};
static const luaL_Reg so_meta[] = {{"__gc", so_close}, {NULL, NULL}};
static const luaL_Reg li_methods[] = {{"accept", li_accept}, {"fd", so_fd}, {"close", so_close}, {NULL, NULL}};
static const luaL_Reg co_methods[] = {{"send", co_send}, {"read_line", co_read_line}, {"fd", so_fd},
                                      {"close", so_close}, {NULL, NULL}};
static const luaL_Reg funcs[] = {{"inotify", l_inotify}, {"poll", l_poll}, {"stance_dir", l_stance_dir}, {NULL, NULL}};

void stance__open_watch(lua_State *L) {
  stance__newclass(L, INOTIFY_MT, in_meta, in_methods);
  stance__newclass(L, SDIR_MT, sd_meta, sd_methods);
  stance__newclass(L, LISTENER_MT, so_meta, li_methods);
  stance__newclass(L, CONN_MT, so_meta, co_methods);
  luaL_setfuncs(L, funcs, 0);
}

#else /* not Linux */

static int l_unsupported(lua_State *L) { return stance__fail(L, "not supported on this system", "ENOSYS"); }

static const luaL_Reg funcs[] = {{"inotify", l_unsupported}, {"poll", l_unsupported}, {"stance_dir", l_unsupported}, {NULL, NULL}};

void stance__open_watch(lua_State *L) { luaL_setfuncs(L, funcs, 0); }

#endif
