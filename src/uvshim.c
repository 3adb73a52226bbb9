/*
 * uvshim.c - lets Debian's static libuv (libuv_a.a) live inside a shared object.
 *
 * That archive is compiled for executables (-fPIE): it reaches three libc variables
 * (environ, stderr, in6addr_any) with PC-relative relocations that a shared object cannot
 * use. The Makefile links a copy whose references are renamed to the hidden variables
 * below, which point at libc's own. environ is a snapshot taken at load time; the only
 * libuv functions reading it (uv_os_environ, uv_spawn without env) are never called here.
 * Built only with -DSTANCE_UV_SHIM; a libuv built with -fPIC needs none of this.
 */
#ifdef STANCE_UV_SHIM
#include <netinet/in.h>
#include <stdio.h>

extern char **environ;

__attribute__((visibility("hidden"))) char **stance__uv_environ;
__attribute__((visibility("hidden"))) FILE *stance__uv_stderr;
__attribute__((visibility("hidden"))) const struct in6_addr stance__uv_in6addr_any =
    IN6ADDR_ANY_INIT;

__attribute__((constructor)) static void stance__uv_shim_init(void) {
  stance__uv_environ = environ;
  stance__uv_stderr = stderr;
}
#else
typedef int stance__uv_shim_unused; /* ISO C forbids an empty translation unit */
#endif
