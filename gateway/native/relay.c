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
#define _GNU_SOURCE
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)
#define KEY_MAX 256
#define MAX_EVENTS 256
#define ACCEPT_BATCH 64
// Every socket is registered once, for both directions, edge-triggered: no epoll_ctl while relaying.
#define RELAY_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

typedef struct { char *p; uint32_t start, end; } buf_t;

typedef struct {
  struct sockaddr_storage sa;
  socklen_t len;
  uint32_t weight;
  int down;
  char key[KEY_MAX];
} endpoint_t;

typedef struct conn conn_t;
typedef struct { conn_t *c; int fd; uint32_t events; } side_t;

enum { ST_DIALING = 0, ST_RELAY = 1 };

struct conn {
  side_t cl, up;
  buf_t c2u, u2c;
  uint8_t state, cl_eof, up_eof, cl_shut, up_shut, dead;
  uint8_t cl_more, up_more; // the side may have unread bytes (edge-triggered: no new event until it is drained)
  uint8_t cl_hup, up_hup;   // the peer's FIN was reported: read on until EOF (a short read stops before the FIN)
  int attempts;
  uint64_t deadline; // dial deadline (dialing) or last activity (relaying)
  char key[KEY_MAX];
  conn_t *prev, *next;   // all connections
  conn_t *tprev, *tnext; // the dial list or the idle list
  int tlist;             // 0 none, 1 dial, 2 idle
};

typedef struct { conn_t *head, *tail; } tlist_t;

typedef struct gw {
  int lfd, efd, epfd, spare;
  int closing_seen, running;
  uint64_t dial_ms, idle_ms, drain_ms, drain_deadline, now;
  uint32_t max_conns;
  pthread_t thread;
  int joined;
  napi_threadsafe_function tsfn;
  pthread_mutex_t mu;         // guards eps, neps, rr
  endpoint_t *eps;
  uint32_t neps, rr;
  unsigned int seed;
  int closing;                // set by JS (atomic)
  uint64_t accepted, active, refused, bytes_in, bytes_out, no_endpoint; // atomics, written by the thread
  uint64_t refused_reported, last_refused_ms;
  conn_t *all;
  tlist_t dial, idle;
  conn_t *graveyard;
  int lsn_tag, evt_tag;
} gw_t;

typedef struct { char type[16]; char key[KEY_MAX]; char detail[320]; double num; gw_t *g; } event_t;

#define ALOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define AADD(x, n) __atomic_fetch_add(&(x), (n), __ATOMIC_RELAXED)
#define ASUB(x, n) __atomic_fetch_sub(&(x), (n), __ATOMIC_RELAXED)

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

// ---- events to JavaScript --------------------------------------------------------------------------------

static void emit(gw_t *g, const char *type, const char *key, const char *detail, double num) {
  event_t *e = calloc(1, sizeof(*e));
  if (!e) return;
  snprintf(e->type, sizeof(e->type), "%s", type);
  snprintf(e->key, sizeof(e->key), "%s", key ? key : "");
  snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
  e->num = num;
  e->g = g;
  if (napi_call_threadsafe_function(g->tsfn, e, napi_tsfn_nonblocking) != napi_ok) free(e);
}

static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  event_t *e = data;
  if (env != NULL && cb != NULL) {
    napi_value argv[4], undef;
    napi_get_undefined(env, &undef);
    napi_create_string_utf8(env, e->type, NAPI_AUTO_LENGTH, &argv[0]);
    napi_create_string_utf8(env, e->key, NAPI_AUTO_LENGTH, &argv[1]);
    napi_create_string_utf8(env, e->detail, NAPI_AUTO_LENGTH, &argv[2]);
    napi_create_double(env, e->num, &argv[3]);
    napi_call_function(env, undef, cb, 4, argv, NULL);
  }
  free(e);
}

// ---- timer lists (FIFO: dial deadlines and idle times only grow) ------------------------------------------

static void tl_remove(gw_t *g, conn_t *c) {
  if (!c->tlist) return;
  tlist_t *l = c->tlist == 1 ? &g->dial : &g->idle;
  if (c->tprev) c->tprev->tnext = c->tnext; else l->head = c->tnext;
  if (c->tnext) c->tnext->tprev = c->tprev; else l->tail = c->tprev;
  c->tprev = c->tnext = NULL;
  c->tlist = 0;
}

static void tl_push(gw_t *g, conn_t *c, int which, uint64_t t) {
  tl_remove(g, c);
  tlist_t *l = which == 1 ? &g->dial : &g->idle;
  c->deadline = t;
  c->tlist = which;
  c->tprev = l->tail;
  c->tnext = NULL;
  if (l->tail) l->tail->tnext = c; else l->head = c;
  l->tail = c;
}

// ---- connections ------------------------------------------------------------------------------------------

static void set_interest(gw_t *g, side_t *s, uint32_t want) {
  if (s->fd < 0 || s->events == want) return;
  struct epoll_event ev = { .events = want, .data.ptr = s };
  int op = s->events == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  if (epoll_ctl(g->epfd, op, s->fd, &ev) == 0) s->events = want;
}

static void close_side(gw_t *g, side_t *s) {
  if (s->fd < 0) return;
  if (s->events) epoll_ctl(g->epfd, EPOLL_CTL_DEL, s->fd, NULL);
  close(s->fd);
  s->fd = -1;
  s->events = 0;
}

// Ends a connection at once; the memory is freed after the current batch of events (they may point at it).
static void conn_kill(gw_t *g, conn_t *c) {
  if (c->dead) return;
  c->dead = 1;
  close_side(g, &c->cl);
  close_side(g, &c->up);
  tl_remove(g, c);
  if (c->prev) c->prev->next = c->next; else g->all = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = NULL;
  c->next = g->graveyard;
  g->graveyard = c;
  ASUB(g->active, 1);
}

static void bury(gw_t *g) {
  while (g->graveyard) {
    conn_t *c = g->graveyard;
    g->graveyard = c->next;
    free(c->c2u.p);
    free(c->u2c.p);
    free(c);
  }
}

static int pick(gw_t *g, conn_t *c, struct sockaddr_storage *sa, socklen_t *len) {
  int found = 0;
  pthread_mutex_lock(&g->mu);
  uint32_t n = g->neps;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) if (!g->eps[i].down) total += g->eps[i].weight;
  endpoint_t *chosen = NULL;
  if (total > 0) {
    uint64_t r = (uint64_t)rand_r(&g->seed) % total;
    for (uint32_t i = 0; i < n; i++) {
      if (g->eps[i].down || g->eps[i].weight == 0) continue;
      if (r < g->eps[i].weight) { chosen = &g->eps[i]; break; }
      r -= g->eps[i].weight;
    }
  } else {
    for (uint32_t k = 0; k < n; k++) {
      uint32_t i = (g->rr + k) % n;
      if (!g->eps[i].down) { chosen = &g->eps[i]; g->rr = i + 1; break; }
    }
  }
  if (chosen) {
    memcpy(sa, &chosen->sa, chosen->len);
    *len = chosen->len;
    memcpy(c->key, chosen->key, KEY_MAX);
    found = 1;
  }
  pthread_mutex_unlock(&g->mu);
  return found;
}

static void mark_down(gw_t *g, const char *key) {
  pthread_mutex_lock(&g->mu);
  for (uint32_t i = 0; i < g->neps; i++) if (strcmp(g->eps[i].key, key) == 0) g->eps[i].down = 1;
  pthread_mutex_unlock(&g->mu);
}

static void dial_next(gw_t *g, conn_t *c);

static void dial_failed(gw_t *g, conn_t *c, const char *why) {
  char msg[320];
  snprintf(msg, sizeof(msg), "dial tcp %s: %s", c->key, why);
  emit(g, "dialfail", c->key, msg, 0);
  mark_down(g, c->key);
  close_side(g, &c->up);
  dial_next(g, c);
}

static void dial_next(gw_t *g, conn_t *c) {
  struct sockaddr_storage sa;
  socklen_t len;
  if (c->attempts <= 0 || !pick(g, c, &sa, &len)) {
    AADD(g->no_endpoint, 1);
    emit(g, "noendpoint", "", "", 0);
    conn_kill(g, c);
    return;
  }
  c->attempts--;
  int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { // out of descriptors: not the endpoint's fault
    AADD(g->refused, 1);
    conn_kill(g, c);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->up.fd = fd;
  c->up.events = 0;
  if (connect(fd, (struct sockaddr *)&sa, len) < 0 && errno != EINPROGRESS) {
    dial_failed(g, c, strerror(errno));
    return;
  }
  set_interest(g, &c->up, RELAY_EVENTS);
  if (c->up.events == 0) { dial_failed(g, c, strerror(errno)); return; }
  tl_push(g, c, 1, g->now + g->dial_ms);
}

// Reads what fd has into b; returns -1 on error, 0 on EOF, 1 when fd is drained (a short read or EAGAIN), 2 when
// b is full and fd may hold more.
static int fill(gw_t *g, int fd, buf_t *b, uint64_t *counter, int to_eof) {
  if (!b->p && !(b->p = malloc(BUF_SIZE))) return -1;
  if (b->start == b->end) b->start = b->end = 0;
  else if (b->end == BUF_SIZE && b->start > 0) {
    memmove(b->p, b->p + b->start, b->end - b->start);
    b->end -= b->start;
    b->start = 0;
  }
  while (b->end < BUF_SIZE) {
    size_t room = BUF_SIZE - b->end;
    ssize_t n = recv(fd, b->p + b->end, room, 0);
    if (n > 0) {
      b->end += (uint32_t)n;
      AADD(*counter, (uint64_t)n);
      if ((size_t)n < room && !to_eof) return 1;
      continue;
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
  }
  (void)g;
  return 2;
}

// Sends what b holds to fd; returns -1 on error.
static int flush(int fd, buf_t *b) {
  while (b->end > b->start) {
    ssize_t n = send(fd, b->p + b->start, b->end - b->start, MSG_NOSIGNAL);
    if (n > 0) { b->start += (uint32_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
  }
  b->start = b->end = 0;
  return 0;
}

// Moves one direction as far as it goes now: reads the source while it may hold bytes and the buffer has room,
// and sends to the destination until it would block. Returns -1 when the connection must end.
static int pump(gw_t *g, conn_t *c, int from_client) {
  side_t *src = from_client ? &c->cl : &c->up, *dst = from_client ? &c->up : &c->cl;
  buf_t *b = from_client ? &c->c2u : &c->u2c;
  uint8_t *eof = from_client ? &c->cl_eof : &c->up_eof, *more = from_client ? &c->cl_more : &c->up_more;
  for (;;) {
    if (*more && !*eof && b->end < BUF_SIZE) {
      int r = fill(g, src->fd, b, from_client ? &g->bytes_in : &g->bytes_out, from_client ? c->cl_hup : c->up_hup);
      if (r < 0) return -1;
      if (r == 0) *eof = 1;
      if (r != 2) *more = 0;
    }
    if (b->end > b->start && flush(dst->fd, b) < 0) return -1;
    // Go on only when the source may hold more and the send emptied the buffer (else the destination blocks).
    if (!*more || *eof || b->end != 0) return 0;
  }
}

// Services a relaying connection after an event on one of its sides. Both sides are registered once,
// edge-triggered, for reading and writing, so nothing here calls epoll_ctl: a side is read while it may hold bytes
// and its buffer has room (backpressure: a full buffer leaves the bytes in the kernel until the destination drains).
static void relay(gw_t *g, conn_t *c, side_t *s, uint32_t ev) {
  if (ev & EPOLLERR) { conn_kill(g, c); return; }
  if (ev & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) { if (s == &c->cl) c->cl_more = 1; else c->up_more = 1; }
  if (ev & (EPOLLHUP | EPOLLRDHUP)) { if (s == &c->cl) c->cl_hup = 1; else c->up_hup = 1; }
  if (pump(g, c, 1) < 0 || pump(g, c, 0) < 0) { conn_kill(g, c); return; }
  if (g->idle_ms) tl_push(g, c, 2, g->now);
  // Pass a FIN on once everything read before it has been sent; when both directions are done, close() sends it.
  int c2u_done = c->cl_eof && c->c2u.end == c->c2u.start, u2c_done = c->up_eof && c->u2c.end == c->u2c.start;
  if (c2u_done && u2c_done) { conn_kill(g, c); return; }
  if (c2u_done && !c->up_shut) { shutdown(c->up.fd, SHUT_WR); c->up_shut = 1; }
  if (u2c_done && !c->cl_shut) { shutdown(c->cl.fd, SHUT_WR); c->cl_shut = 1; }
}

static void dial_event(gw_t *g, conn_t *c, uint32_t ev) {
  if (ev & (EPOLLERR | EPOLLHUP)) { // a failed connect; a writable socket without them is a connected one
    int err = 0;
    socklen_t elen = sizeof(err);
    if (getsockopt(c->up.fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) err = errno;
    dial_failed(g, c, strerror(err ? err : ECONNREFUSED));
    return;
  }
  if (!(ev & EPOLLOUT)) return;
  c->state = ST_RELAY;
  tl_remove(g, c);
  set_interest(g, &c->cl, RELAY_EVENTS);
  if (c->cl.events == 0) { conn_kill(g, c); return; }
  // Read the client at once: its request is usually there already.
  c->cl_more = 1;
  relay(g, c, &c->cl, 0);
}

static void on_accept(gw_t *g) {
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    int fd = accept4(g->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && g->spare >= 0) {
        // Out of descriptors: take the pending connection with the spare one and close it (counted as refused).
        close(g->spare);
        int tmp = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (tmp >= 0) { close(tmp); AADD(g->refused, 1); }
        g->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return;
    }
    if (ALOAD(g->active) >= g->max_conns) {
      close(fd);
      AADD(g->refused, 1);
      continue;
    }
    AADD(g->accepted, 1);
    conn_t *c = calloc(1, sizeof(*c));
    if (!c) { close(fd); AADD(g->refused, 1); continue; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->cl.c = c; c->up.c = c;
    c->cl.fd = fd; c->up.fd = -1;
    c->next = g->all;
    if (g->all) g->all->prev = c;
    g->all = c;
    AADD(g->active, 1);
    pthread_mutex_lock(&g->mu);
    c->attempts = (int)g->neps;
    pthread_mutex_unlock(&g->mu);
    dial_next(g, c);
  }
}

static void report_refusals(gw_t *g) {
  uint64_t r = ALOAD(g->refused);
  if (r == g->refused_reported || g->now - g->last_refused_ms < 1000) return;
  emit(g, "refused", "", "", (double)(r - g->refused_reported));
  g->refused_reported = r;
  g->last_refused_ms = g->now;
}

static void expire(gw_t *g) {
  while (g->dial.head && g->dial.head->deadline <= g->now) {
    conn_t *c = g->dial.head;
    char why[64];
    snprintf(why, sizeof(why), "i/o timeout after %llums", (unsigned long long)g->dial_ms);
    tl_remove(g, c);
    dial_failed(g, c, why);
  }
  while (g->idle_ms && g->idle.head && g->idle.head->deadline + g->idle_ms <= g->now) conn_kill(g, g->idle.head);
}

static int next_timeout(gw_t *g) {
  uint64_t t = UINT64_MAX;
  if (g->dial.head) t = g->dial.head->deadline;
  if (g->idle_ms && g->idle.head && g->idle.head->deadline + g->idle_ms < t) t = g->idle.head->deadline + g->idle_ms;
  if (g->closing_seen && g->drain_deadline < t) t = g->drain_deadline;
  if (ALOAD(g->refused) != g->refused_reported && g->last_refused_ms + 1000 < t) t = g->last_refused_ms + 1000;
  if (t == UINT64_MAX) return -1;
  return t <= g->now ? 0 : (int)(t - g->now > 60000 ? 60000 : t - g->now);
}

static void *loop(void *arg) {
  gw_t *g = arg;
  struct epoll_event evs[MAX_EVENTS];
  g->now = now_ms();
  for (;;) {
    int n = epoll_wait(g->epfd, evs, MAX_EVENTS, next_timeout(g));
    g->now = now_ms();
    for (int i = 0; i < n; i++) {
      void *p = evs[i].data.ptr;
      if (p == &g->lsn_tag) { on_accept(g); continue; }
      if (p == &g->evt_tag) { uint64_t v; if (read(g->efd, &v, sizeof(v)) < 0) { /* drained */ } continue; }
      side_t *s = p;
      conn_t *c = s->c;
      if (c->dead) continue;
      if (c->state == ST_DIALING) { if (s == &c->up) dial_event(g, c, evs[i].events); }
      else relay(g, c, s, evs[i].events);
    }
    bury(g);
    expire(g);
    bury(g);
    report_refusals(g);
    if (__atomic_load_n(&g->closing, __ATOMIC_ACQUIRE) && !g->closing_seen) {
      g->closing_seen = 1;
      g->drain_deadline = g->now + g->drain_ms;
      epoll_ctl(g->epfd, EPOLL_CTL_DEL, g->lfd, NULL);
      close(g->lfd);
      g->lfd = -1;
    }
    if (g->closing_seen && (g->all == NULL || g->now >= g->drain_deadline)) break;
  }
  uint64_t cut = 0;
  while (g->all) { conn_kill(g, g->all); cut++; }
  bury(g);
  emit(g, "closed", "", "", (double)cut);
  napi_release_threadsafe_function(g->tsfn, napi_tsfn_release);
  return NULL;
}

// ---- Node-API surface ---------------------------------------------------------------------------------------

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static napi_value throw_errno(napi_env env, int err, const char *what) {
  const char *code = err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES"
    : err == EINVAL ? "EINVAL" : "EIO";
  char msg[200];
  snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

static int parse_addr(const char *host, int port, struct sockaddr_storage *sa, socklen_t *len) {
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

static double get_num(napi_env env, napi_value obj, const char *name) {
  napi_value v;
  double d = 0;
  if (napi_get_named_property(env, obj, name, &v) == napi_ok) napi_get_value_double(env, v, &d);
  return d;
}

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

// create({host, port, dialTimeoutMs, idleTimeoutMs, maxConnections, backlog}, onEvent) → handle; throws on bind errors.
static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[128] = {0};
  napi_value hv;
  size_t hl;
  CHECK(napi_get_named_property(env, argv[0], "host", &hv));
  CHECK(napi_get_value_string_utf8(env, hv, host, sizeof(host), &hl));
  int port = (int)get_num(env, argv[0], "port");
  int backlog = (int)get_num(env, argv[0], "backlog");
  struct sockaddr_storage sa;
  socklen_t len;
  int dual = host[0] == 0 || strcmp(host, "::") == 0;
  if (parse_addr(dual ? "::" : host, port, &sa, &len) < 0) return throw_errno(env, EINVAL, "listen: not an IP address");
  int lfd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0 && dual) { parse_addr("0.0.0.0", port, &sa, &len); lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }
  if (lfd < 0) return throw_errno(env, errno, "socket");
  int one = 1, zero = 0;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (sa.ss_family == AF_INET6 && dual) setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  if (bind(lfd, (struct sockaddr *)&sa, len) < 0 || listen(lfd, backlog > 0 ? backlog : 511) < 0) {
    int err = errno;
    close(lfd);
    return throw_errno(env, err, "listen");
  }
  gw_t *g = calloc(1, sizeof(*g));
  if (!g) { close(lfd); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  g->lfd = lfd;
  g->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  g->dial_ms = (uint64_t)get_num(env, argv[0], "dialTimeoutMs");
  g->idle_ms = (uint64_t)get_num(env, argv[0], "idleTimeoutMs");
  double mc = get_num(env, argv[0], "maxConnections");
  g->max_conns = mc >= 1 && mc < 4e9 ? (uint32_t)mc : UINT32_MAX;
  g->seed = (unsigned int)now_ms();
  pthread_mutex_init(&g->mu, NULL);
  g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  g->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (g->efd < 0 || g->epfd < 0) { int err = errno; free_gw(g); return throw_errno(env, err, "epoll"); }
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
    return throw_errno(env, err, "pthread_create");
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
    if (parse_addr(ip, port, &eps[k].sa, &eps[k].len) == 0) k++;
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
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
