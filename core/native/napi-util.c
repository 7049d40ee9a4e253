// See napi-util.h.
#include "napi-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

napi_value edge_throw_errno(napi_env env, int err, const char *what) {
  const char *code = err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES"
    : err == EINVAL ? "EINVAL" : "EIO";
  char msg[200];
  snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

int edge_parse_addr(const char *host, int port, struct sockaddr_storage *sa, socklen_t *len) {
  memset(sa, 0, sizeof(*sa));
  struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET; a4->sin_port = htons((uint16_t)port); *len = sizeof(*a4); return 0;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6; a6->sin6_port = htons((uint16_t)port); *len = sizeof(*a6); return 0;
  }
  return -1;
}

double edge_get_num(napi_env env, napi_value obj, const char *name) {
  napi_value v;
  double d = 0;
  if (napi_get_named_property(env, obj, name, &v) == napi_ok) napi_get_value_double(env, v, &d);
  return d;
}

int edge_get_bool(napi_env env, napi_value obj, const char *name) {
  napi_value v;
  bool b = false;
  if (napi_get_named_property(env, obj, name, &v) == napi_ok) napi_get_value_bool(env, v, &b);
  return b;
}

void edge_get_str(napi_env env, napi_value obj, const char *name, char *buf, size_t size) {
  napi_value v;
  size_t l = 0;
  buf[0] = 0;
  if (napi_get_named_property(env, obj, name, &v) == napi_ok) napi_get_value_string_utf8(env, v, buf, size, &l);
}

int edge_listen(napi_env env, const char *host, int port, int backlog, int reuse_port) {
  struct sockaddr_storage sa;
  socklen_t len;
  int dual = host[0] == 0 || strcmp(host, "::") == 0;
  if (edge_parse_addr(dual ? "::" : host, port, &sa, &len) < 0) { edge_throw_errno(env, EINVAL, "listen: not an IP address"); return -1; }
  int lfd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0 && dual) { edge_parse_addr("0.0.0.0", port, &sa, &len); lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }
  if (lfd < 0) { edge_throw_errno(env, errno, "socket"); return -1; }
  int one = 1, zero = 0;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port && setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
    int err = errno;
    close(lfd);
    edge_throw_errno(env, err, "SO_REUSEPORT");
    return -1;
  }
  if (sa.ss_family == AF_INET6 && dual) setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  if (bind(lfd, (struct sockaddr *)&sa, len) < 0 || listen(lfd, backlog > 0 ? backlog : 511) < 0) {
    int err = errno;
    close(lfd);
    edge_throw_errno(env, err, "listen");
    return -1;
  }
  return lfd;
}
