// The native data path's thread: one epoll loop that accepts, hands ready sockets to the relay or the dialer,
// expires dial deadlines and idle connections, reports refusals, and drains on close; and the events it queues
// for JavaScript (failed dials, refusals, "no endpoint", closed) through the threadsafe function.
#include "relay.h"

uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void emit(gw_t *g, const char *type, const char *key, const char *detail, double num) {
  event_t *e = calloc(1, sizeof(*e));
  if (!e) return;
  snprintf(e->type, sizeof(e->type), "%s", type);
  snprintf(e->key, sizeof(e->key), "%s", key ? key : "");
  snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
  e->num = num;
  e->g = g;
  if (napi_call_threadsafe_function(g->tsfn, e, napi_tsfn_nonblocking) != napi_ok) free(e);
}

void call_js(napi_env env, napi_value cb, void *context, void *data) {
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

void tl_remove(gw_t *g, conn_t *c) {
  if (!c->tlist) return;
  tlist_t *l = c->tlist == 1 ? &g->dial : &g->idle;
  if (c->tprev) c->tprev->tnext = c->tnext; else l->head = c->tnext;
  if (c->tnext) c->tnext->tprev = c->tprev; else l->tail = c->tprev;
  c->tprev = c->tnext = NULL;
  c->tlist = 0;
}

void tl_push(gw_t *g, conn_t *c, int which, uint64_t t) {
  tl_remove(g, c);
  tlist_t *l = which == 1 ? &g->dial : &g->idle;
  c->deadline = t;
  c->tlist = which;
  c->tprev = l->tail;
  c->tnext = NULL;
  if (l->tail) l->tail->tnext = c; else l->head = c;
  l->tail = c;
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

void *loop(void *arg) {
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
