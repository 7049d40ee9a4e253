// The member side of the native front: keep-alive connections per endpoint, the request as node:http's side
// would send it (headers.ts requestHeaders), the response read with llhttp and written to the client as
// node:http's ServerResponse would (headers.ts responseHeaders, then Date, Connection and framing). A transport
// failure before anything reached the client fails the endpoint and hands the request to node:http, which
// retries it elsewhere; after that, the client's connection is reset.
#include "front.h"

#include <fcntl.h>

INTERNAL const char *method_name(int i);

static const char *HOP[] = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
  "trailer", "trailers", "transfer-encoding", "upgrade", NULL};

// Whether header i is hop-by-hop or named by one of the Connection headers (close and keep-alive are not names).
static int dropped(const char *b, const hdr_t *h, uint32_t nh, uint32_t i) {
  for (const char **x = HOP; *x; x++) if (span_ieq(b, h[i].no, h[i].nl, *x)) return 1;
  for (uint32_t j = 0; j < nh; j++) {
    if (!span_ieq(b, h[j].no, h[j].nl, "connection")) continue;
    char name[64];
    if (h[i].nl >= sizeof(name)) continue;
    for (uint32_t k = 0; k < h[i].nl; k++) { char ch = b[h[i].no + k]; name[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch); }
    name[h[i].nl] = 0;
    if (strcmp(name, "close") && strcmp(name, "keep-alive") && token_listed(b + h[j].vo, h[j].vl, name)) return 1;
  }
  return 0;
}

static void add_span(dbuf_t *o, const char *b, uint32_t off, uint32_t n) { db_add(o, b + off, n); }

static void add_header(dbuf_t *o, const char *b, const hdr_t *h) {
  uint32_t vo = h->vo, vl = h->vl;
  while (vl && (b[vo + vl - 1] == ' ' || b[vo + vl - 1] == '\t')) vl--;
  add_span(o, b, h->no, h->nl);
  db_add(o, ": ", 2);
  add_span(o, b, vo, vl);
  db_add(o, "\r\n", 2);
}

// The request as the JavaScript side sends it: hop-by-hop headers out, X-Forwarded-For and Via added,
// Content-Length for the buffered body, Host when the client sent none.
static int build_request(front_t *f, fconn_t *c, endpoint_t *ep, dbuf_t *o) {
  const char *b = c->in.p;
  o->len = o->pos = 0;
  db_str(o, method_name(c->method));
  db_add(o, " ", 1);
  add_span(o, b, c->url_o, c->url_l);
  db_str(o, " HTTP/1.1\r\n");
  int has_host = 0, declared = 0;
  uint32_t nxff = 0;
  for (uint32_t i = 0; i < c->hd.nh; i++) {
    const hdr_t *h = &c->hd.h[i];
    if (span_ieq(b, h->no, h->nl, "content-length")) { declared = !(h->vl == 1 && b[h->vo] == '0'); continue; }
    if (dropped(b, c->hd.h, c->hd.nh, i)) continue;
    if (span_ieq(b, h->no, h->nl, "x-forwarded-for")) { nxff++; continue; }
    if (span_ieq(b, h->no, h->nl, "host")) has_host = 1;
    add_header(o, b, h);
  }
  db_str(o, "X-Forwarded-For: ");
  for (uint32_t i = 0; i < c->hd.nh && nxff; i++) {
    const hdr_t *h = &c->hd.h[i];
    if (!span_ieq(b, h->no, h->nl, "x-forwarded-for")) continue;
    uint32_t vl = h->vl;
    while (vl && (b[h->vo + vl - 1] == ' ' || b[h->vo + vl - 1] == '\t')) vl--;
    add_span(o, b, h->vo, vl);
    db_add(o, ", ", 2);
  }
  db_str(o, c->ip);
  db_str(o, "\r\nVia: ");
  db_str(o, f->via);
  db_str(o, "\r\n");
  char num[48];
  if (declared) { snprintf(num, sizeof(num), "Content-Length: %u\r\n", c->body_l); db_str(o, num); }
  else if (c->method == 2 || c->method == 3) db_str(o, "Content-Length: 0\r\n");
  if (!has_host) { db_str(o, "Host: "); db_str(o, ep->host); db_str(o, "\r\n"); }
  db_add(o, "\r\n", 2);
  if (declared && c->body_l) add_span(o, b, c->body_o, c->body_l);
  return o->p == NULL ? -1 : 0;
}

// Response parsing: spans are offsets into m->rb.
static int on_status(llhttp_t *p, const char *at, size_t n) {
  mconn_t *m = p->data;
  span_extend(&m->st_o, &m->st_l, (uint32_t)(at - m->rb.p), (uint32_t)n);
  return 0;
}

// Trailers (header lines after the head) are not passed on, nor are they by node:http's side.
static int on_field(llhttp_t *p, const char *at, size_t n) {
  mconn_t *m = p->data;
  if (!m->head_done) heads_field(&m->hd, (uint32_t)(at - m->rb.p), (uint32_t)n);
  return 0;
}

static int on_value(llhttp_t *p, const char *at, size_t n) {
  mconn_t *m = p->data;
  if (!m->head_done) heads_value(&m->hd, (uint32_t)(at - m->rb.p), (uint32_t)n);
  return 0;
}

static int on_headers(llhttp_t *p) {
  mconn_t *m = p->data;
  fconn_t *c = m->c;
  int status = p->status_code;
  if (status >= 100 && status < 200) {
    if (status == 101) return -1;
    m->skip_1xx = 1; // an interim response: the final one follows
    return 0;
  }
  if (m->hd.over || c == NULL) return -1;
  front_t *f = m->f;
  const char *b = m->rb.p;
  dbuf_t *o = &c->out;
  char line[48];
  snprintf(line, sizeof(line), "HTTP/1.1 %d ", status);
  db_str(o, line);
  add_span(o, b, m->st_o, m->st_l);
  db_add(o, "\r\n", 2);
  int has_cl = 0, has_date = 0;
  for (uint32_t i = 0; i < m->hd.nh; i++) {
    const hdr_t *h = &m->hd.h[i];
    if (dropped(b, m->hd.h, m->hd.nh, i)) continue;
    if (span_ieq(b, h->no, h->nl, "content-length")) has_cl = 1;
    else if (span_ieq(b, h->no, h->nl, "date")) has_date = 1;
    add_header(o, b, h);
  }
  if (!has_date) { db_str(o, "Date: "); db_str(o, http_date(f)); db_add(o, "\r\n", 2); }
  put_connection(f, c);
  m->no_body = c->method == 1 || status == 204 || status == 304;
  if (!has_cl && !m->no_body) { db_str(o, "Transfer-Encoding: chunked\r\n"); m->chunked_out = 1; }
  db_add(o, "\r\n", 2);
  m->head_done = 1;
  m->status = (uint16_t)status;
  pthread_mutex_lock(&f->mu);
  m->ep->served++;
  pthread_mutex_unlock(&f->mu);
  return c->method == 1 ? 1 : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n) {
  mconn_t *m = p->data;
  fconn_t *c = m->c;
  if (c == NULL || m->no_body || n == 0) return 0;
  if (m->chunked_out) {
    char hex[24];
    snprintf(hex, sizeof(hex), "%zx\r\n", n);
    db_str(&c->out, hex);
    db_add(&c->out, at, (uint32_t)n);
    db_add(&c->out, "\r\n", 2);
  } else {
    db_add(&c->out, at, (uint32_t)n);
  }
  return 0;
}

static int on_complete(llhttp_t *p) {
  mconn_t *m = p->data;
  if (m->skip_1xx) {
    m->skip_1xx = 0;
    m->hd.nh = m->st_o = m->st_l = 0;
    m->hd.in_value = 0;
    return 0;
  }
  m->done = 1;
  return HPE_PAUSED;
}

static llhttp_settings_t RES;
static pthread_once_t res_once = PTHREAD_ONCE_INIT;
static void res_init(void) {
  llhttp_settings_init(&RES);
  RES.on_status = on_status;
  RES.on_header_field = on_field;
  RES.on_header_value = on_value;
  RES.on_headers_complete = on_headers;
  RES.on_body = on_body;
  RES.on_message_complete = on_complete;
}

static void exchange_reset(mconn_t *m) {
  llhttp_init(&m->p, HTTP_RESPONSE, &RES);
  m->p.data = m;
  m->hup = m->got = m->head_done = m->skip_1xx = m->chunked_out = m->no_body = m->done = m->hd.over = m->hd.in_value = 0;
  m->hd.nh = m->st_o = m->st_l = 0;
  m->rb.len = m->rb.pos = 0;
}

// Closes now, frees after the current batch of events (callers up the stack may still look at m->dead).
void member_close(front_t *f, mconn_t *m) {
  if (m->dead) return;
  m->dead = 1;
  if (m->state == M_IDLE && m->ep) {
    mconn_t **pp = &m->ep->idle;
    while (*pp && *pp != m) pp = &(*pp)->inext;
    if (*pp) { *pp = m->inext; m->ep->nidle--; }
  }
  if (m->fd >= 0) { epoll_ctl(f->epfd, EPOLL_CTL_DEL, m->fd, NULL); close(m->fd); }
  LIST_UNLINK(f->members, m);
  m->next = f->grave_m;
  f->grave_m = m;
}

void member_detach(front_t *f, mconn_t *m) {
  m->c = NULL;
  member_close(f, m);
}

static void member_send(front_t *f, mconn_t *m);

static mconn_t *dial(front_t *f, endpoint_t *ep) {
  int fd = endpoint_socket(ep);
  if (fd < 0) return NULL;
  mconn_t *m = calloc(1, sizeof(*m));
  if (!m) { close(fd); return NULL; }
  m->tag = (tag_t){2, m};
  m->f = f;
  m->fd = fd;
  m->ep = ep;
  LIST_PUSH(f->members, m);
  struct epoll_event ev = {.events = FR_EVENTS, .data.ptr = &m->tag};
  if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) { member_close(f, m); return NULL; }
  int r = connect(fd, (struct sockaddr *)&ep->sa, ep->salen);
  m->state = r == 0 ? M_SEND : M_DIAL;
  if (r != 0 && errno != EINPROGRESS) m->broken = 1;
  m->deadline = f->now + f->dial_ms;
  return m;
}

endpoint_t *endpoint_pick(front_t *f) {
  for (uint32_t i = 0; i < f->norder; i++) if (!f->order[i]->down) return f->order[i];
  return NULL;
}

static void fail(front_t *f, mconn_t *m, const char *why);

void member_start(front_t *f, fconn_t *c) {
  if (grpc_start(f, c)) return;
  pthread_once(&res_once, res_init);
  endpoint_t *ep = endpoint_pick(f);
  if (ep == NULL) { client_handoff(f, c); return; } // node:http answers 503, as with no endpoint there
  mconn_t *m = NULL;
  if (!c->stale_retry && ep->idle) {
    m = ep->idle;
    ep->idle = m->inext;
    ep->nidle--;
    m->inext = NULL;
    m->reused = 1;
    m->state = M_SEND;
  } else {
    m = dial(f, ep);
    if (m == NULL) { client_handoff(f, c); return; }
    m->reused = 0;
  }
  m->c = c;
  c->m = m;
  exchange_reset(m);
  if (build_request(f, c, ep, &m->req) != 0) { fail(f, m, "out of memory"); return; }
  m->last_io = f->now;
  if (m->broken) { fail(f, m, "connect failed"); return; }
  if (m->state == M_SEND) { m->deadline = f->now + f->write_ms; member_send(f, m); }
}

// A failed round trip. Before the response started: a stale pooled connection is retried once on a new one;
// otherwise the endpoint is failed and node:http's side takes the request. After: the client is reset.
static void fail(front_t *f, mconn_t *m, const char *why) {
  fconn_t *c = m->c;
  endpoint_t *ep = m->ep;
  int stale = m->reused && !m->got;
  int started = m->head_done;
  m->c = NULL;
  member_close(f, m);
  if (c == NULL) return;
  c->m = NULL;
  if (started) { client_close(f, c, 1); return; }
  if (stale && !c->stale_retry) { c->stale_retry = 1; member_start(f, c); return; }
  ep->down = 1;
  c->failed++; // node:http's side counts it among the endpoints this request tried (its 502 names them)
  char detail[URL_MAX + 64];
  snprintf(detail, sizeof(detail), "%s\n%s", ep->url, why);
  emit(f, "fail", -1, NULL, 0, detail, 0);
  client_handoff(f, c);
}

static void member_send(front_t *f, mconn_t *m) {
  while (m->req.pos < m->req.len) {
    ssize_t w = send(m->fd, m->req.p + m->req.pos, m->req.len - m->req.pos, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      fail(f, m, errno == EPIPE ? "write: broken pipe" : errno == ECONNRESET ? "write: connection reset" : "write failed");
      return;
    }
    m->req.pos += (uint32_t)w;
  }
  m->state = M_RECV;
  m->last_io = f->now;
  m->deadline = f->read_ms ? f->now + f->read_ms : 0;
  if (m->req.cap > 65536) db_free(&m->req);
  // No read now: nothing can have come before the request, and the response raises its own edge.
}

// The exchange is over: the member connection goes back to its pool (or closes), the client goes on.
static void finished(front_t *f, mconn_t *m) {
  fconn_t *c = m->c;
  if (m->chunked_out) db_str(&c->out, "0\r\n\r\n");
  count_handled(f, c->method, m->status, c->t0_ns);
  int reuse = llhttp_should_keep_alive(&m->p) && m->rb.pos == m->rb.len && !ALOAD(f->closing) && m->ep->nidle < POOL_IDLE_MAX;
  m->c = NULL;
  c->m = NULL;
  if (reuse) {
    m->state = M_IDLE;
    m->deadline = f->now + POOL_IDLE_MS;
    m->rb.len = m->rb.pos = 0;
    if (m->rb.cap > 65536) db_free(&m->rb);
    m->inext = m->ep->idle;
    m->ep->idle = m;
    m->ep->nidle++;
  } else {
    member_close(f, m);
  }
  client_done(f, c);
}

// Parses what was read; 1 when the exchange ended here (finished or failed: m is no longer this exchange's).
static int parse(front_t *f, mconn_t *m, uint32_t from) {
  llhttp_errno_t e = llhttp_execute(&m->p, m->rb.p + from, m->rb.len - from);
  if (e == HPE_PAUSED && m->done) {
    m->rb.pos = (uint32_t)(llhttp_get_error_pos(&m->p) - m->rb.p);
    finished(f, m);
    return 1;
  }
  if (e != HPE_OK) { fail(f, m, "malformed response"); return 1; }
  m->rb.pos = m->rb.len;
  // Once the head is out, the body bytes were copied to the client: the buffer starts over.
  if (m->head_done) m->rb.len = m->rb.pos = 0;
  else if (m->rb.len > MAX_HEAD * 4) { fail(f, m, "response head too large"); return 1; }
  return 0;
}

void member_event(front_t *f, mconn_t *m, uint32_t ev) {
  if (m->dead) return;
  if (m->state == M_IDLE) {
    // An idle pooled connection has nothing to say: a FIN, an error or stray bytes end it.
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) member_close(f, m);
    return;
  }
  if (m->state == M_DIAL) {
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(m->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) { fail(f, m, err == ECONNREFUSED ? "connect: connection refused" : "connect failed"); return; }
    m->state = M_SEND;
    m->deadline = f->now + f->write_ms;
    member_send(f, m);
    return;
  }
  if (m->state == M_SEND) {
    if (ev & EPOLLERR) { fail(f, m, "write failed"); return; }
    if (ev & EPOLLOUT) member_send(f, m);
    return;
  }
  // M_RECV: read while the client keeps up. A FIN seen once is remembered (a resumed read has no flags).
  if (ev & (EPOLLRDHUP | EPOLLHUP)) m->hup = 1;
  fconn_t *c = m->c;
  if (c == NULL) { member_close(f, m); return; }
  for (;;) {
    if (c->out.len - c->out.pos > OUT_HIGH) {
      m->more = 1;
      if (client_flush(f, c) != 0) return; // waits for the client; member_resume goes on
      if (c->dead || m->dead) return;
      continue;
    }
    // 4 KB first (most responses); a read that filled the buffer doubles it, up to READ_CHUNK.
    uint32_t want = m->rb.cap < 4096 ? 4096 : (m->filled && m->rb.cap < READ_CHUNK) ? 2 * m->rb.cap - m->rb.len
      : m->rb.cap - m->rb.len < 1024 ? m->rb.cap : 0;
    m->filled = 0;
    if (db_reserve(&m->rb, want)) { fail(f, m, "out of memory"); return; }
    uint32_t room = m->rb.cap - m->rb.len;
    ssize_t n = recv(m->fd, m->rb.p + m->rb.len, room, 0);
    if (n > 0) {
      uint32_t from = m->rb.len;
      // A short read emptied the socket: the next byte raises a new edge. Not so a FIN that came with this
      // event's bytes: no edge follows it, so read on until recv says 0.
      int drained = (uint32_t)n < room && !m->hup;
      m->filled = !drained;
      m->rb.len += (uint32_t)n;
      m->got = 1;
      m->last_io = f->now;
      if (f->read_ms) m->deadline = f->now + f->read_ms;
      if (parse(f, m, from)) return;
      if (drained) { m->more = 0; break; }
      continue;
    }
    if (n == 0) {
      // on_message_complete pauses, so a body that ends at EOF finishes with HPE_PAUSED.
      llhttp_errno_t e = m->head_done ? llhttp_finish(&m->p) : HPE_INVALID_EOF_STATE;
      if ((e == HPE_OK || e == HPE_PAUSED) && m->done) { m->rb.pos = m->rb.len; finished(f, m); return; }
      // A close-delimited body ends here; anything else is a response cut short.
      if (m->c) fail(f, m, m->got ? "response cut short" : "EOF");
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) { m->more = 0; break; }
    fail(f, m, errno == ECONNRESET ? "read: connection reset" : "read failed");
    return;
  }
  if (client_flush(f, c) < 0) return;
}

void member_resume(front_t *f, mconn_t *m) {
  if (!m->dead && m->state == M_RECV && m->more && m->c && m->c->out.len - m->c->out.pos <= OUT_HIGH / 2) member_event(f, m, EPOLLIN);
}

void member_sweep(front_t *f, mconn_t *m) {
  if (m->dead) return;
  if (m->state == M_IDLE) { if (f->now >= m->deadline || ALOAD(f->closing)) member_close(f, m); return; }
  if (m->deadline == 0 || f->now < m->deadline) return;
  fail(f, m, m->state == M_DIAL ? "dial timeout" : m->state == M_SEND ? "write timeout" : "read timeout");
}

// Takes the endpoint list JavaScript set last: endpoints are kept by URL (with their pools) and never freed
// before the front; the ones no longer listed lose their idle connections.
void endpoints_swap(front_t *f) {
  pthread_mutex_lock(&f->mu);
  if (!f->pending_set) { pthread_mutex_unlock(&f->mu); return; }
  f->pending_set = 0;
  endpoint_t **order = calloc(f->npending ? f->npending : 1, sizeof(*order));
  uint32_t n = 0;
  for (endpoint_t *e = f->all_eps; e; e = e->next) e->down = 2;
  for (uint32_t i = 0; order && i < f->npending; i++) {
    endpoint_t *e = f->all_eps;
    while (e && strcmp(e->url, f->pending[i].url) != 0) e = e->next;
    if (e == NULL) {
      e = calloc(1, sizeof(*e));
      if (!e) continue;
      snprintf(e->url, sizeof(e->url), "%s", f->pending[i].url);
      e->next = f->all_eps;
      f->all_eps = e;
    }
    if (e->salen != f->pending[i].salen || memcmp(&e->sa, &f->pending[i].sa, e->salen) != 0) {
      while (e->idle) member_close(f, e->idle);
      grpc_retire(e);
      memcpy(&e->sa, &f->pending[i].sa, sizeof(e->sa));
      e->salen = f->pending[i].salen;
    }
    snprintf(e->host, sizeof(e->host), "%s", f->pending[i].host);
    e->down = 0;
    order[n++] = e;
  }
  pthread_mutex_unlock(&f->mu);
  for (endpoint_t *e = f->all_eps; e; e = e->next) if (e->down == 2) { while (e->idle) member_close(f, e->idle); grpc_retire(e); }
  if (order) { free(f->order); f->order = order; f->norder = n; }
}
