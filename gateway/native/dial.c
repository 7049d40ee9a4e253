// Dialing for the native data path: picks an up endpoint (round robin, or weighted for SRV weights), connects
// without blocking, and on a failed or timed-out dial tells JavaScript, marks the endpoint down and tries the next.
#include "relay.h"

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

void dial_failed(gw_t *g, conn_t *c, const char *why) {
  char msg[320];
  snprintf(msg, sizeof(msg), "dial tcp %s: %s", c->key, why);
  emit(g, "dialfail", c->key, msg, 0);
  mark_down(g, c->key);
  close_side(g, &c->up);
  dial_next(g, c);
}

void dial_next(gw_t *g, conn_t *c) {
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

void dial_event(gw_t *g, conn_t *c, uint32_t ev) {
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
  // Read the client at once: its request is usually there already. The endpoint may have spoken first: this
  // event was its edge, so keep what it said.
  c->cl_more = 1;
  if (ev & (EPOLLIN | EPOLLRDHUP)) c->up_more = 1;
  if (ev & EPOLLRDHUP) c->up_hup = 1;
  relay(g, c, &c->cl, 0);
}
