// The proxy front's Node-API surface (contract: proxy/native/README.md): create() binds and starts the thread;
// setEndpoints() and setOthers() pass the control plane's state in; stats() hands the counters out as deltas;
// close() drains and join() waits for the thread.
#include "front.h"
#include "../../core/native/napi-util.h"

#include <fcntl.h>
#include <sys/eventfd.h>

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

INTERNAL void call_js(napi_env env, napi_value cb, void *context, void *data);
INTERNAL const char *method_name(int i);

static front_t *get_front(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "not a proxy front handle");
    return NULL;
  }
  return p;
}

static void free_front(front_t *f) {
  if (f->epfd >= 0) close(f->epfd);
  if (f->evfd >= 0) close(f->evfd);
  if (f->spare >= 0) close(f->spare);
  if (f->lfd >= 0) close(f->lfd);
  while (f->all_eps) { endpoint_t *e = f->all_eps; f->all_eps = e->next; free(e); }
  free(f->order);
  free(f->pending);
  pthread_mutex_destroy(&f->mu);
  free(f);
}

static void finalize_external(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  front_t *f = data;
  if (!f->started || f->joined) free_front(f); // a running thread still uses it: leak rather than crash
}

static uint64_t ms_opt(napi_env env, napi_value o, const char *name) {
  double d = edge_get_num(env, o, name);
  return d > 0 && d < 1e12 ? (uint64_t)d : 0;
}

static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[128];
  edge_get_str(env, argv[0], "host", host, sizeof(host));
  int lfd = edge_listen(env, host, (int)edge_get_num(env, argv[0], "port"), (int)edge_get_num(env, argv[0], "backlog"), 0);
  if (lfd < 0) return NULL;
  front_t *f = calloc(1, sizeof(*f));
  if (!f) { close(lfd); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  f->lfd = lfd;
  f->epfd = f->evfd = -1;
  f->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pthread_mutex_init(&f->mu, NULL);
  double mc = edge_get_num(env, argv[0], "maxConnections");
  f->max_conns = mc >= 1 && mc < 4e9 ? (uint32_t)mc : UINT32_MAX;
  f->client_ms = ms_opt(env, argv[0], "clientTimeoutMs");
  f->keepalive_ms = ms_opt(env, argv[0], "keepAliveTimeoutMs");
  f->idle_ms = ms_opt(env, argv[0], "idleTimeoutMs");
  f->dial_ms = ms_opt(env, argv[0], "dialTimeoutMs");
  f->write_ms = ms_opt(env, argv[0], "writeTimeoutMs");
  f->read_ms = ms_opt(env, argv[0], "readTimeoutMs");
  f->max_body = ms_opt(env, argv[0], "maxBodyBytes");
  if (f->client_ms == 0) f->client_ms = 30000;
  if (f->keepalive_ms == 0) f->keepalive_ms = 5000;
  if (f->dial_ms == 0) f->dial_ms = 1000;
  if (f->write_ms == 0) f->write_ms = 5000;
  f->readonly = edge_get_bool(env, argv[0], "readonly");
  f->grpc = edge_get_bool(env, argv[0], "v3Grpc") && grpc_available();
  edge_get_str(env, argv[0], "via", f->via, sizeof(f->via));
  f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  f->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (f->evfd < 0 || f->epfd < 0) { int err = errno; free_front(f); return edge_throw_errno(env, err, "epoll"); }
  f->ltag = (tag_t){0, f};
  f->etag = (tag_t){4, f};
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &f->ltag};
  epoll_ctl(f->epfd, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.ptr = &f->etag;
  epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->evfd, &ev);
  napi_value name;
  CHECK(napi_create_string_utf8(env, "proxy-front", NAPI_AUTO_LENGTH, &name));
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &f->tsfn) != napi_ok) {
    free_front(f);
    napi_throw_error(env, NULL, "cannot create the event callback");
    return NULL;
  }
  if (pthread_create(&f->thread, NULL, front_loop, f) != 0) {
    int err = errno;
    napi_release_threadsafe_function(f->tsfn, napi_tsfn_abort);
    free_front(f);
    return edge_throw_errno(env, err, "pthread_create");
  }
  f->started = 1;
  napi_value out;
  CHECK(napi_create_external(env, f, finalize_external, NULL, &out));
  return out;
}

static napi_value js_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  front_t *f = get_front(env, argv[0]);
  if (!f) return NULL;
  struct sockaddr_storage sa;
  socklen_t len = sizeof(sa);
  int port = 0;
  if (f->lfd >= 0 && getsockname(f->lfd, (struct sockaddr *)&sa, &len) == 0) {
    port = sa.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&sa)->sin_port) : ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
  }
  CHECK(napi_create_int32(env, port, &out));
  return out;
}

// setEndpoints(handle, [[url, ip, port, hostHeader], ...]): the available endpoints, in order.
static napi_value js_set_endpoints(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  front_t *f = get_front(env, argv[0]);
  if (!f) return NULL;
  uint32_t n = 0;
  CHECK(napi_get_array_length(env, argv[1], &n));
  __typeof__(f->pending) list = calloc(n ? n : 1, sizeof(*list));
  if (!list) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item, v;
    char ip[64] = {0};
    size_t l;
    int32_t port = 0;
    if (napi_get_element(env, argv[1], i, &item) != napi_ok) continue;
    if (napi_get_element(env, item, 0, &v) != napi_ok || napi_get_value_string_utf8(env, v, list[k].url, URL_MAX, &l) != napi_ok) continue;
    if (napi_get_element(env, item, 1, &v) != napi_ok || napi_get_value_string_utf8(env, v, ip, sizeof(ip), &l) != napi_ok) continue;
    if (napi_get_element(env, item, 2, &v) != napi_ok || napi_get_value_int32(env, v, &port) != napi_ok) continue;
    if (napi_get_element(env, item, 3, &v) != napi_ok || napi_get_value_string_utf8(env, v, list[k].host, URL_MAX, &l) != napi_ok) continue;
    if (edge_parse_addr(ip, port, &list[k].sa, &list[k].salen) == 0) k++;
  }
  pthread_mutex_lock(&f->mu);
  free(f->pending);
  f->pending = list;
  f->npending = k;
  f->pending_set = 1;
  pthread_mutex_unlock(&f->mu);
  uint64_t one = 1;
  if (write(f->evfd, &one, sizeof(one)) < 0) { /* the counter is already non-zero */ }
  return NULL;
}

static napi_value js_set_others(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  front_t *f = get_front(env, argv[0]);
  if (!f) return NULL;
  uint32_t n = 0;
  napi_get_value_uint32(env, argv[1], &n);
  ASTORE(f->others, n);
  return NULL;
}

static napi_value js_active(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  front_t *f = get_front(env, argv[0]);
  if (!f) return NULL;
  CHECK(napi_create_uint32(env, ALOAD(f->active), &out));
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  front_t *f = get_front(env, argv[0]);
  if (!f) return NULL;
  double d = 0;
  napi_get_value_double(env, argv[1], &d);
  f->drain_ms = d > 0 ? (uint64_t)d : 0;
  __atomic_store_n(&f->closing, 1, __ATOMIC_RELEASE);
  uint64_t one = 1;
  if (write(f->evfd, &one, sizeof(one)) < 0) { /* the counter is already non-zero */ }
  return NULL;
}

static napi_value js_join(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  front_t *f = get_front(env, argv[0]);
  if (!f) return NULL;
  if (f->started && !f->joined) {
    pthread_join(f->thread, NULL);
    f->joined = 1;
    close(f->epfd); f->epfd = -1;
    close(f->evfd); f->evfd = -1;
    if (f->spare >= 0) { close(f->spare); f->spare = -1; }
  }
  return NULL;
}

INTERNAL napi_value front_stats(napi_env env, front_t *f);

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  front_t *f = get_front(env, argv[0]);
  if (!f) return NULL;
  return front_stats(env, f);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, js_create, NULL, NULL, NULL, napi_default, NULL },
    { "port", NULL, js_port, NULL, NULL, NULL, napi_default, NULL },
    { "setEndpoints", NULL, js_set_endpoints, NULL, NULL, NULL, napi_default, NULL },
    { "setOthers", NULL, js_set_others, NULL, NULL, NULL, napi_default, NULL },
    { "active", NULL, js_active, NULL, NULL, NULL, napi_default, NULL },
    { "stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "join", NULL, js_join, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
