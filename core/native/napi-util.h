// Node-API helpers both native addons use (the gateway's relay, the proxy's front): thrown errors with a code,
// IP literal parsing, option reading, and the listening socket.
#ifndef EDGE_NAPI_UTIL_H
#define EDGE_NAPI_UTIL_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <node_api.h>
#include <sys/socket.h>

#define EDGE_HIDDEN __attribute__((visibility("hidden")))

/** Throws an Error whose .code is EADDRINUSE, EADDRNOTAVAIL, EACCES, EINVAL or EIO; returns NULL. */
EDGE_HIDDEN napi_value edge_throw_errno(napi_env env, int err, const char *what);
/** Parses an IPv4 or IPv6 literal and a port; -1 when host is not one. */
EDGE_HIDDEN int edge_parse_addr(const char *host, int port, struct sockaddr_storage *sa, socklen_t *len);
/** A number property of obj (0 when absent). */
EDGE_HIDDEN double edge_get_num(napi_env env, napi_value obj, const char *name);
/** A boolean property of obj (false when absent). */
EDGE_HIDDEN int edge_get_bool(napi_env env, napi_value obj, const char *name);
/** A string property of obj into buf (empty when absent). */
EDGE_HIDDEN void edge_get_str(napi_env env, napi_value obj, const char *name, char *buf, size_t size);
/**
 * Binds a non-blocking listening socket (SO_REUSEADDR; host "" or "::" is dual-stack, falling back to 0.0.0.0;
 * SO_REUSEPORT when asked); returns the descriptor, or throws (see edge_throw_errno) and returns -1.
 */
EDGE_HIDDEN int edge_listen(napi_env env, const char *host, int port, int backlog, int reuse_port);
#endif
