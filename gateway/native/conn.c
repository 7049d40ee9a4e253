// One relayed connection of the native data path: its two sockets, registered once edge-triggered for both
// directions, two bounded buffers (BUF_SIZE each, allocated on first use), backpressure, half-close and its end
// (a FIN is passed on as a FIN, a reset as a reset).
#include "relay.h"

void set_interest(gw_t *g, side_t *s, uint32_t want) {
  if (s->fd < 0 || s->events == want) return;
  struct epoll_event ev = { .events = want, .data.ptr = s };
  int op = s->events == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  if (epoll_ctl(g->epfd, op, s->fd, &ev) == 0) s->events = want;
}

void close_side(gw_t *g, side_t *s) {
  if (s->fd < 0) return;
  if (s->events) epoll_ctl(g->epfd, EPOLL_CTL_DEL, s->fd, NULL);
  close(s->fd);
  s->fd = -1;
  s->events = 0;
}

// Ends a connection at once; the memory is freed after the current batch of events (they may point at it).
void conn_kill(gw_t *g, conn_t *c) {
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

// Ends a connection after an error on either side (a reset, a failed send): each socket is closed with a reset
// (SO_LINGER 0), so the peer of the side that did not fail sees the abort too. A plain close() would send a FIN when
// the receive queue happens to be empty, which the peer takes for a clean end after part of the stream.
static void conn_abort(gw_t *g, conn_t *c) {
  struct linger l = { 1, 0 };
  if (c->cl.fd >= 0) setsockopt(c->cl.fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  if (c->up.fd >= 0) setsockopt(c->up.fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  conn_kill(g, c);
}

void bury(gw_t *g) {
  while (g->graveyard) {
    conn_t *c = g->graveyard;
    g->graveyard = c->next;
    free(c->c2u.p);
    free(c->u2c.p);
    free(c);
  }
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
void relay(gw_t *g, conn_t *c, side_t *s, uint32_t ev) {
  if (ev & EPOLLERR) { conn_abort(g, c); return; }
  if (ev & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) { if (s == &c->cl) c->cl_more = 1; else c->up_more = 1; }
  if (ev & (EPOLLHUP | EPOLLRDHUP)) { if (s == &c->cl) c->cl_hup = 1; else c->up_hup = 1; }
  if (pump(g, c, 1) < 0 || pump(g, c, 0) < 0) { conn_abort(g, c); return; }
  if (g->idle_ms) tl_push(g, c, 2, g->now);
  // Pass a FIN on once everything read before it has been sent; when both directions are done, close() sends it.
  int c2u_done = c->cl_eof && c->c2u.end == c->c2u.start, u2c_done = c->up_eof && c->u2c.end == c->u2c.start;
  if (c2u_done && u2c_done) { conn_kill(g, c); return; }
  if (c2u_done && !c->up_shut) { shutdown(c->up.fd, SHUT_WR); c->up_shut = 1; }
  if (u2c_done && !c->cl_shut) { shutdown(c->cl.fd, SHUT_WR); c->cl_shut = 1; }
}
