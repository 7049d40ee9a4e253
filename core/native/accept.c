// acceptPending(fd, max): accepts up to max connections waiting on a listening socket now (non-blocking,
// close-on-exec) and returns their descriptors; stops at EAGAIN, at max, or at any other error (EMFILE too: what
// was accepted is returned, the error is left to libuv's next accept). Used by core/accept-drain.ts.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "accept.h"

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_MAX 4096

napi_value edge_accept_pending(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "acceptPending(fd, max) needs two numbers");
    return NULL;
  }
  int32_t fd = -1, max = 0;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &max) != napi_ok) {
    napi_throw_type_error(env, NULL, "acceptPending(fd, max) needs two numbers");
    return NULL;
  }
  if (max > ACCEPT_MAX) max = ACCEPT_MAX;
  napi_value out;
  if (napi_create_array(env, &out) != napi_ok) return NULL;
  if (fd < 0) return out;
  uint32_t n = 0;
  while ((int32_t)n < max) {
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break; // EAGAIN/EWOULDBLOCK: the queue is empty; EMFILE, ENFILE, ENOBUFS, ...: libuv's next accept handles it
    }
    napi_value v;
    if (napi_create_int32(env, c, &v) != napi_ok || napi_set_element(env, out, n, v) != napi_ok) {
      close(c); // cannot hand it over: do not leak it
      break;
    }
    n++;
  }
  return out;
}
