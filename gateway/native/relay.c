// The gateway's native data path: one thread with an epoll loop that owns the listening socket, accepts,
// dials an endpoint that JavaScript says is up (round robin, or weighted for SRV weights), and relays bytes both
// ways through two bounded buffers per connection. JavaScript keeps the control plane: it pushes the up
// endpoints (setEndpoints), hears about failed dials, refusals and "no endpoint" through a threadsafe function,
// and reads the counters at scrape time.
//
// Per connection: client fd, upstream fd, a client→upstream and an upstream→client buffer (BUF_SIZE each,
// allocated on first use). A side is read only while its buffer has room (backpressure); a FIN read on one side is
// passed on with shutdown(SHUT_WR) once its buffer is flushed, and the other direction keeps flowing (half-close).
// A connection ends when both directions are done, or at once on an error or reset on either side.
// This file is the Node-API surface; loop.c is the thread, conn.c the relay of one connection, dial.c the dialer.
#include "relay.h"
#include "../../core/native/accept.h"
#include "../../core/native/napi-util.h"

// ---- Node-API surface ---------------------------------------------------------------------------------------

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

// The gateway behind a handle; NULL, with a TypeError pending, for anything that is not one of ours.
static gw_t *get_gw(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "not a gateway relay handle");
    return NULL;
  }
  return p;
}

static void free_gw(gw_t *g) {
  if (g->epfd >= 0) close(g->epfd);
  if (g->efd >= 0) close(g->efd);
  if (g->spare >= 0) close(g->spare);
  if (g->lfd >= 0) close(g->lfd);
  pthread_mutex_destroy(&g->mu);
  free(g->eps);
  free(g);
}

static void finalize_external(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  gw_t *g = data;
  if (!g->running || g->joined) free_gw(g); // a running thread still uses it: leak rather than crash
}

// create({host, port, dialTimeoutMs, idleTimeoutMs, maxConnections, backlog, reusePort}, onEvent) → handle; throws on bind errors.
static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[128] = {0};
  napi_value hv;
  size_t hl;
  CHECK(napi_get_named_property(env, argv[0], "host", &hv));
  CHECK(napi_get_value_string_utf8(env, hv, host, sizeof(host), &hl));
  int port = (int)edge_get_num(env, argv[0], "port");
  int backlog = (int)edge_get_num(env, argv[0], "backlog");
  int lfd = edge_listen(env, host, port, backlog, edge_get_bool(env, argv[0], "reusePort"));
  if (lfd < 0) return NULL;
  gw_t *g = calloc(1, sizeof(*g));
  if (!g) { close(lfd); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  g->lfd = lfd;
  g->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  g->dial_ms = (uint64_t)edge_get_num(env, argv[0], "dialTimeoutMs");
  g->idle_ms = (uint64_t)edge_get_num(env, argv[0], "idleTimeoutMs");
  double mc = edge_get_num(env, argv[0], "maxConnections");
  g->max_conns = mc >= 1 && mc < 4e9 ? (uint32_t)mc : UINT32_MAX;
  g->seed = (unsigned int)now_ms();
  pthread_mutex_init(&g->mu, NULL);
  g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  g->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (g->efd < 0 || g->epfd < 0) { int err = errno; free_gw(g); return edge_throw_errno(env, err, "epoll"); }
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &g->lsn_tag };
  epoll_ctl(g->epfd, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.ptr = &g->evt_tag;
  epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->efd, &ev);
  napi_value name;
  CHECK(napi_create_string_utf8(env, "gateway-relay", NAPI_AUTO_LENGTH, &name));
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &g->tsfn) != napi_ok) {
    free_gw(g);
    napi_throw_error(env, NULL, "cannot create the event callback");
    return NULL;
  }
  if (pthread_create(&g->thread, NULL, loop, g) != 0) {
    int err = errno;
    napi_release_threadsafe_function(g->tsfn, napi_tsfn_abort);
    free_gw(g);
    return edge_throw_errno(env, err, "pthread_create");
  }
  g->running = 1;
  napi_value out;
  CHECK(napi_create_external(env, g, finalize_external, NULL, &out));
  return out;
}

// port(handle) → the bound port.
static napi_value js_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  gw_t *g = get_gw(env, argv[0]);
  if (!g) return NULL;
  struct sockaddr_storage sa;
  socklen_t len = sizeof(sa);
  int port = 0;
  if (g->lfd >= 0 && getsockname(g->lfd, (struct sockaddr *)&sa, &len) == 0) {
    port = sa.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&sa)->sin_port) : ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
  }
  CHECK(napi_create_int32(env, port, &out));
  return out;
}

// setEndpoints(handle, [[ip, port, key, weight], ...]): the endpoints that are up now.
static napi_value js_set_endpoints(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  gw_t *g = get_gw(env, argv[0]);
  if (!g) return NULL;
  uint32_t n = 0;
  CHECK(napi_get_array_length(env, argv[1], &n));
  endpoint_t *eps = calloc(n ? n : 1, sizeof(*eps));
  if (!eps) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item, v;
    char ip[64] = {0};
    size_t l;
    CHECK(napi_get_element(env, argv[1], i, &item));
    CHECK(napi_get_element(env, item, 0, &v));
    CHECK(napi_get_value_string_utf8(env, v, ip, sizeof(ip), &l));
    CHECK(napi_get_element(env, item, 1, &v));
    int32_t port = 0;
    CHECK(napi_get_value_int32(env, v, &port));
    CHECK(napi_get_element(env, item, 2, &v));
    CHECK(napi_get_value_string_utf8(env, v, eps[k].key, KEY_MAX, &l));
    CHECK(napi_get_element(env, item, 3, &v));
    uint32_t w = 0;
    CHECK(napi_get_value_uint32(env, v, &w));
    eps[k].weight = w;
    if (edge_parse_addr(ip, port, &eps[k].sa, &eps[k].len) == 0) k++;
  }
  pthread_mutex_lock(&g->mu);
  endpoint_t *old = g->eps;
  g->eps = eps;
  g->neps = k;
  if (g->rr >= k) g->rr = 0;
  pthread_mutex_unlock(&g->mu);
  free(old);
  return NULL;
}

// stats(handle) → [accepted, active, refused, bytesIn, bytesOut, noEndpoint].
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  gw_t *g = get_gw(env, argv[0]);
  if (!g) return NULL;
  uint64_t vals[6] = { ALOAD(g->accepted), ALOAD(g->active), ALOAD(g->refused), ALOAD(g->bytes_in), ALOAD(g->bytes_out), ALOAD(g->no_endpoint) };
  CHECK(napi_create_array_with_length(env, 6, &out));
  for (uint32_t i = 0; i < 6; i++) {
    CHECK(napi_create_double(env, (double)vals[i], &v));
    CHECK(napi_set_element(env, out, i, v));
  }
  return out;
}

// close(handle, drainMs): stop accepting, drain up to drainMs, then cut; "closed" is emitted when the thread ends.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  gw_t *g = get_gw(env, argv[0]);
  if (!g) return NULL;
  double d = 0;
  napi_get_value_double(env, argv[1], &d);
  g->drain_ms = d > 0 ? (uint64_t)d : 0;
  // Stop accepting now (new connects are refused at once); the thread closes the descriptor itself.
  if (!__atomic_load_n(&g->closing, __ATOMIC_ACQUIRE) && g->lfd >= 0) shutdown(g->lfd, SHUT_RDWR);
  __atomic_store_n(&g->closing, 1, __ATOMIC_RELEASE);
  uint64_t one = 1;
  if (write(g->efd, &one, sizeof(one)) < 0) { /* the counter is already non-zero */ }
  return NULL;
}

// join(handle): waits for the thread (after "closed") and frees every descriptor it held.
static napi_value js_join(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  gw_t *g = get_gw(env, argv[0]);
  if (!g) return NULL;
  if (g->running && !g->joined) {
    pthread_join(g->thread, NULL);
    g->joined = 1;
    close(g->epfd); g->epfd = -1;
    close(g->efd); g->efd = -1;
    if (g->spare >= 0) { close(g->spare); g->spare = -1; }
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, js_create, NULL, NULL, NULL, napi_default, NULL },
    { "port", NULL, js_port, NULL, NULL, NULL, napi_default, NULL },
    { "setEndpoints", NULL, js_set_endpoints, NULL, NULL, NULL, napi_default, NULL },
    { "stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "join", NULL, js_join, NULL, NULL, NULL, napi_default, NULL },
    { "acceptPending", NULL, edge_accept_pending, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
