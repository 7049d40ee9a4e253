// The client side of the native front: reads a connection's requests with llhttp, one at a time; serves the
// ordinary ones (see front_eligible) through member.c, hands every other request, with its connection and the
// bytes not answered yet, to node:http; writes the responses back; closes on errors, timeouts and shutdown.
#include "front.h"

#include <netinet/tcp.h>

static const char *METHODS[NMETHOD] = {"GET", "HEAD", "POST", "PUT", "DELETE"};

static int method_index(uint8_t m) {
  switch (m) {
    case HTTP_GET: return 0;
    case HTTP_HEAD: return 1;
    case HTTP_POST: return 2;
    case HTTP_PUT: return 3;
    case HTTP_DELETE: return 4;
    default: return -1;
  }
}

INTERNAL const char *method_name(int i) { return METHODS[i]; }

// Spans are offsets into the connection's input buffer: it may move between reads.
static int on_url(llhttp_t *p, const char *at, size_t n) {
  fconn_t *c = p->data;
  span_extend(&c->url_o, &c->url_l, (uint32_t)(at - c->in.p), (uint32_t)n);
  return 0;
}

static int on_field(llhttp_t *p, const char *at, size_t n) {
  fconn_t *c = p->data;
  heads_field(&c->hd, (uint32_t)(at - c->in.p), (uint32_t)n);
  return 0;
}

static int on_value(llhttp_t *p, const char *at, size_t n) {
  fconn_t *c = p->data;
  heads_value(&c->hd, (uint32_t)(at - c->in.p), (uint32_t)n);
  return 0;
}

// The routes served here; every other one (watches, member lists, the proxy's own paths) is node:http's.
static int route_ok(const front_t *f, const char *u, uint32_t l, int mi) {
  uint32_t plen = 0;
  while (plen < l && u[plen] != '?') plen++;
  if (memmem(u, l, "wait=", 5)) return 0;
  if ((plen == 8 && memcmp(u, "/v2/keys", 8) == 0) || (plen > 8 && memcmp(u, "/v2/keys/", 9) == 0))
    return f->readonly ? mi == 0 : 1;
  if (mi != 2) return 0;
  if (plen == 12 && memcmp(u, "/v3/kv/range", 12) == 0) return 1;
  if (f->readonly) return 0;
  return (plen == 10 && (memcmp(u, "/v3/kv/put", 10) == 0 || memcmp(u, "/v3/kv/txn", 10) == 0))
    || (plen == 18 && memcmp(u, "/v3/kv/deleterange", 18) == 0);
}

// RFC 9110 token characters: llhttp, built without its strict mode, lets a few others through in header names
// (a space), which node:http's llhttp refuses; such a request goes to node:http, which answers it 400.
static int is_token(const char *s, uint32_t n) {
  if (n == 0) return 0;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch && strchr("!#$%&'*+-.^_`|~", ch)))) return 0;
  }
  return 1;
}

static int front_eligible(fconn_t *c) {
  llhttp_t *p = &c->p;
  int mi = method_index(p->method);
  if (mi < 0 || c->hd.over || p->http_major != 1 || p->http_minor != 1 || p->upgrade) return 0;
  if (p->flags & (F_CHUNKED | F_TRANSFER_ENCODING | F_UPGRADE)) return 0;
  if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->f->max_body) return 0;
  if (c->url_l == 0 || c->in.p[c->url_o] != '/') return 0;
  // A head over node:http's limit (16 KB) gets its 431 there.
  uint32_t end = c->url_o + c->url_l;
  for (uint32_t i = 0; i < c->hd.nh; i++) if (c->hd.h[i].vo + c->hd.h[i].vl > end) end = c->hd.h[i].vo + c->hd.h[i].vl;
  if (end - c->req_start > MAX_HEAD) return 0;
  for (uint32_t i = 0; i < c->hd.nh; i++) {
    const hdr_t *h = &c->hd.h[i];
    if (!is_token(c->in.p + h->no, h->nl)) return 0;
    if (span_ieq(c->in.p, h->no, h->nl, "transfer-encoding") || span_ieq(c->in.p, h->no, h->nl, "upgrade")
      || span_ieq(c->in.p, h->no, h->nl, "expect") || span_ieq(c->in.p, h->no, h->nl, "via")) return 0;
  }
  if (!route_ok(c->f, c->in.p + c->url_o, c->url_l, mi)) return 0;
  c->method = (uint8_t)mi;
  return 1;
}

static int on_headers(llhttp_t *p) {
  fconn_t *c = p->data;
  c->head_seen = 1;
  if (!front_eligible(c)) { c->hand = 1; return HPE_PAUSED; }
  return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n) {
  fconn_t *c = p->data;
  span_extend(&c->body_o, &c->body_l, (uint32_t)(at - c->in.p), (uint32_t)n);
  return 0;
}

static int on_begin(llhttp_t *p) {
  fconn_t *c = p->data;
  if (c->since == 0) c->since = c->f->now;
  return 0;
}

static int on_complete(llhttp_t *p) {
  fconn_t *c = p->data;
  c->complete = 1;
  return HPE_PAUSED;
}

static llhttp_settings_t REQ;
static pthread_once_t req_once = PTHREAD_ONCE_INIT;
static void req_init(void) {
  llhttp_settings_init(&REQ);
  REQ.on_message_begin = on_begin;
  REQ.on_url = on_url;
  REQ.on_header_field = on_field;
  REQ.on_header_value = on_value;
  REQ.on_headers_complete = on_headers;
  REQ.on_body = on_body;
  REQ.on_message_complete = on_complete;
}

static void request_reset(fconn_t *c) {
  c->url_o = c->url_l = c->body_o = c->body_l = c->hd.nh = 0;
  c->hd.in_value = c->hd.over = c->hand = c->complete = c->head_seen = c->stale_retry = c->failed = c->grpc_tried = 0;
  c->since = 0;
}

void client_accepted(front_t *f, int fd, const struct sockaddr_storage *sa) {
  pthread_once(&req_once, req_init);
  fconn_t *c = calloc(1, sizeof(*c));
  if (!c) { close(fd); return; }
  c->tag = (tag_t){1, c};
  c->f = f;
  c->fd = fd;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (sa->ss_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, c->ip, sizeof(c->ip));
  else if (sa->ss_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, c->ip, sizeof(c->ip));
  llhttp_init(&c->p, HTTP_REQUEST, &REQ);
  c->p.data = c;
  c->last_io = f->now;
  LIST_PUSH(f->conns, c);
  AADD(f->active, 1);
  // Bytes that came with the handshake are reported by the add itself (epoll checks readiness on insert).
  struct epoll_event ev = {.events = FR_EVENTS, .data.ptr = &c->tag};
  if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) client_close(f, c, 0);
}

static void unlink_conn(front_t *f, fconn_t *c) { LIST_UNLINK(f->conns, c); }

// The Connection lines of a response head, as node:http writes them: keep-alive with its timeout, or close (also
// once the front is closing).
void put_connection(front_t *f, fconn_t *c) {
  if (ALOAD(f->closing)) c->keep = 0;
  if (!c->keep) { db_str(&c->out, "Connection: close\r\n"); return; }
  char line[64];
  snprintf(line, sizeof(line), "Connection: keep-alive\r\nKeep-Alive: timeout=%u\r\n", (unsigned)(f->keepalive_ms / 1000));
  db_str(&c->out, line);
}

// Requests are counted when their exchange ends here: a request handed to node:http is counted there.
static void count_request(front_t *f, fconn_t *c) {
  pthread_mutex_lock(&f->mu);
  f->st.requests[c->method]++;
  pthread_mutex_unlock(&f->mu);
}

void client_close(front_t *f, fconn_t *c, int reset) {
  if (c->dead) return;
  c->dead = 1;
  if (c->state == C_FORWARD) count_request(f, c);
  if (c->m) { member_detach(f, c->m); c->m = NULL; }
  if (c->gs) grpc_detach(f, c);
  if (reset) {
    struct linger lg = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
  epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  unlink_conn(f, c);
  ASUB(f->active, 1);
  c->next = f->grave_c; // freed after the current batch of events: callers up the stack check c->dead
  f->grave_c = c;
}

// Gives the connection to node:http with what it sent and was not answered yet, from a request boundary on.
void client_handoff(front_t *f, fconn_t *c) {
  if (c->dead) return;
  if (c->m) { member_detach(f, c->m); c->m = NULL; }
  if (c->gs) grpc_detach(f, c);
  epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  int fd = c->fd;
  c->dead = 1;
  unlink_conn(f, c);
  ASUB(f->active, 1);
  pthread_mutex_lock(&f->mu);
  f->st.handed++;
  pthread_mutex_unlock(&f->mu);
  // Requests are parsed only once the previous response is out (client_done), so nothing queued is lost here.
  if (c->out.pos < c->out.len) close(fd);
  else emit(f, "handoff", fd, c->in.p + c->req_start, c->in.len - c->req_start, NULL, c->failed);
  c->next = f->grave_c;
  f->grave_c = c;
}

// Writes queued output; 0 when all of it is out, 1 when the socket is full, -1 on error (the connection is gone).
int client_flush(front_t *f, fconn_t *c) {
  while (c->out.pos < c->out.len) {
    ssize_t w = send(c->fd, c->out.p + c->out.pos, c->out.len - c->out.pos, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
      client_close(f, c, 1);
      return -1;
    }
    c->out.pos += (uint32_t)w;
    c->last_io = f->now;
  }
  c->out.len = c->out.pos = 0;
  if (c->out.cap > 65536) db_free(&c->out);
  return 0;
}

// After a response was queued: the next request, or the close the response announced.
void client_done(front_t *f, fconn_t *c) {
  c->m = NULL;
  count_request(f, c);
  db_compact(&c->in, c->in.pos);
  c->req_start = 0;
  request_reset(c);
  llhttp_resume(&c->p);
  if (!c->keep || ALOAD(f->closing)) {
    c->state = C_LINGER;
    if (client_flush(f, c) == 0) { shutdown(c->fd, SHUT_WR); client_close(f, c, 0); }
    return;
  }
  c->state = C_READ;
  c->last_io = f->now;
  // The next request is read once this response is out (client_event goes on when the socket drains).
  if (client_flush(f, c) != 0) return;
  if (c->in.len > 0) client_parse(f, c);
  else if (c->eof) client_close(f, c, 0);
  if (!c->dead && c->state == C_READ && c->more) client_event(f, c, EPOLLIN);
}

void client_parse(front_t *f, fconn_t *c) {
  while (c->state == C_READ && c->in.pos < c->in.len) {
    llhttp_errno_t e = llhttp_execute(&c->p, c->in.p + c->in.pos, c->in.len - c->in.pos);
    if (e == HPE_OK) {
      c->in.pos = c->in.len;
      if (c->in.len - c->req_start > MAX_HEAD + c->f->max_body + 4096 || (!c->head_seen && c->in.len - c->req_start > MAX_HEAD)) {
        client_handoff(f, c);
        return;
      }
      break;
    }
    if (e != HPE_PAUSED || c->hand) { client_handoff(f, c); return; }
    c->in.pos = (uint32_t)(llhttp_get_error_pos(&c->p) - c->in.p);
    if (!c->complete) { client_handoff(f, c); return; }
    c->keep = (uint8_t)(llhttp_should_keep_alive(&c->p) && !c->eof);
    c->t0_ns = now_ns();
    c->state = C_FORWARD;
    member_start(f, c);
    return;
  }
  if (c->state == C_READ && c->eof && !c->dead) {
    // A request cut short by the client's FIN gets no answer, as from node:http.
    client_close(f, c, 0);
  }
}

void client_event(front_t *f, fconn_t *c, uint32_t ev) {
  if (c->dead) return;
  if (ev & (EPOLLERR)) { client_close(f, c, 1); return; }
  if ((ev & EPOLLOUT) && c->out.len > c->out.pos) {
    if (client_flush(f, c) < 0) return;
    if (c->m && c->out.len == 0) { member_resume(f, c->m); if (c->dead) return; }
    if (c->state == C_LINGER && c->out.pos == c->out.len) { shutdown(c->fd, SHUT_WR); client_close(f, c, 0); return; }
    if (c->state == C_READ && c->out.len == 0 && c->in.pos < c->in.len) { client_parse(f, c); if (c->dead || c->state != C_READ) return; }
  }
  if (ev & (EPOLLRDHUP | EPOLLHUP)) c->hup = 1; // remembered: a resumed read has no flags
  if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && !c->more) return;
  for (;;) {
    // At most 64 KB unparsed at a time: parsing takes it (or hands it off) before more is read, so no client
    // grows a buffer past a request head and a body the front would take. While a request is forwarded, reading
    // stops there too (one request ahead, pipelined).
    while (!c->eof) {
      if (c->in.len - c->in.pos >= 65536) { c->more = 1; break; }
      // Small first (one page per connection at rest); the buffer doubles while a request does not fit.
      if (db_reserve(&c->in, c->in.cap - c->in.len < 512 ? (c->in.cap >= 2048 ? c->in.cap : 2048) : 0)) { client_close(f, c, 1); return; }
      uint32_t room = c->in.cap - c->in.len;
      ssize_t n = recv(c->fd, c->in.p + c->in.len, room, 0);
      if (n > 0) {
        c->in.len += (uint32_t)n;
        c->last_io = f->now;
        if (c->state == C_LINGER) c->in.len = c->in.pos = 0;
        // A short read emptied the socket: the next byte raises a new edge, so no read to EAGAIN is needed
        // (unless a FIN came with this event: no edge follows it).
        if ((uint32_t)n < room && !c->hup) { c->more = 0; break; }
        continue;
      }
      if (n == 0) { c->eof = 1; break; }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) { c->more = 0; break; }
      client_close(f, c, 1);
      return;
    }
    if (c->state == C_LINGER) { if (c->eof) client_close(f, c, 0); return; }
    if (c->state != C_READ) { if (c->eof && c->m == NULL) client_close(f, c, 0); return; }
    if (c->out.len != 0) return; // parsing goes on once the previous response is out
    client_parse(f, c);
    if (c->dead || c->state != C_READ || !c->more) return;
  }
}

// Timeouts, run every sweep: a started request must be complete within the client timeout (408), a connection
// idles at most the client timeout (the keep-alive timeout between requests, the idle timeout when set).
void client_sweep(front_t *f, fconn_t *c) {
  if (c->dead) return;
  uint64_t now = f->now;
  if (c->state == C_READ) {
    if (c->in.len > c->req_start && c->since && now - c->since >= f->client_ms) {
      db_str(&c->out, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      pthread_mutex_lock(&f->mu);
      f->st.drop_bad[NMETHOD]++;
      pthread_mutex_unlock(&f->mu);
      c->state = C_LINGER;
      if (client_flush(f, c) == 0) { shutdown(c->fd, SHUT_WR); client_close(f, c, 0); }
      return;
    }
    uint64_t limit = c->in.len == 0 && c->p.initial_message_completed ? f->keepalive_ms : f->client_ms;
    if (ALOAD(f->closing) && c->in.len == 0) { client_close(f, c, 0); return; }
    if (now - c->last_io >= limit) { client_close(f, c, 0); return; }
  } else if (c->state == C_FORWARD) {
    if (now - c->last_io >= f->client_ms && (c->m == NULL || now - c->m->last_io >= f->client_ms)) { client_close(f, c, 1); return; }
  } else if (now - c->last_io >= 2000) {
    client_close(f, c, 0);
    return;
  }
  if (f->idle_ms && now - c->last_io >= f->idle_ms) client_close(f, c, 0);
}
