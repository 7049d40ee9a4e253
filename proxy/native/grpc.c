// v3 JSON range over gRPC: a POST /v3/kv/range whose body rangepb.c can encode goes to the member as a gRPC
// KV/Range call on one multiplexed HTTP/2 connection per endpoint (nghttp2, the copy inside node), instead of as
// JSON to the member's grpc-gateway, which would make that same gRPC call to itself over loopback. The answer is
// written as the gateway writes it. Whatever is not a clean gRPC OK with a response rangepb.c knows (an error, a
// connection failure, an answer over 256 KB, a member that does not speak HTTP/2) sends the request to the member
// as JSON, as it came, through member.c: errors and failed endpoints are handled there, once.
#include "front.h"

#include <nghttp2/nghttp2.h>
#include <dlfcn.h>

#define GRPC_MAX (256 * 1024)    // a bigger answer goes over JSON (member.c streams it)
#define NO_H2_MS 60000           // a member that failed the HTTP/2 handshake is asked again after this

INTERNAL int range_request_pb(const char *body, uint32_t n, dbuf_t *o);
INTERNAL int range_response_json(const uint8_t *p, uint32_t n, dbuf_t *o);

struct gstream {
  hconn_t *h;
  fconn_t *c;                         // NULL once the client went away
  int32_t id;
  uint8_t closed, big, ctype_ok, other_hdr, has_status, status_ok;
  uint16_t status;
  uint32_t err;
  dbuf_t req, data;
  gstream_t *prev, *next;             // the connection's streams
  gstream_t *dnext;                   // closed in this read
};

struct hconn {
  tag_t tag;
  front_t *f;
  int fd;
  endpoint_t *ep;
  nghttp2_session *s;
  dbuf_t wb;                          // bytes nghttp2 produced that the socket did not take yet
  uint8_t connecting, dead, draining, broken, proto_err, got;
  uint64_t deadline, last_io;
  gstream_t *streams, *done;
  hconn_t *prev, *next;
};

static nghttp2_session_callbacks *CB;
static pthread_once_t cb_once = PTHREAD_ONCE_INIT;

static gstream_t *stream_of(nghttp2_session *s, int32_t id) { return nghttp2_session_get_stream_user_data(s, id); }

static int on_header(nghttp2_session *s, const nghttp2_frame *fr, const uint8_t *name, size_t nl, const uint8_t *value,
    size_t vl, uint8_t flags, void *ud) {
  (void)flags; (void)ud;
  gstream_t *g = stream_of(s, fr->hd.stream_id);
  if (g == NULL || fr->hd.type != NGHTTP2_HEADERS) return 0;
  if (nl == 7 && memcmp(name, ":status", 7) == 0) g->status = (uint16_t)(vl == 3 ? (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0') : 0);
  else if (nl == 12 && memcmp(name, "content-type", 12) == 0) g->ctype_ok = vl == 16 && memcmp(value, "application/grpc", 16) == 0;
  else if (nl == 11 && memcmp(name, "grpc-status", 11) == 0) { g->has_status = 1; g->status_ok = vl == 1 && value[0] == '0'; }
  else if (!(nl == 12 && memcmp(name, "grpc-message", 12) == 0)) g->other_hdr = 1; // the gateway would pass it on
  return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud) {
  (void)flags; (void)ud;
  gstream_t *g = stream_of(s, id);
  if (g == NULL || g->big) return 0;
  if (g->data.len + len > GRPC_MAX || db_add(&g->data, data, (uint32_t)len)) { g->big = 1; db_free(&g->data); }
  return 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t err, void *ud) {
  hconn_t *h = ud;
  gstream_t *g = stream_of(s, id);
  if (g == NULL) return 0;
  nghttp2_session_set_stream_user_data(s, id, NULL);
  g->closed = 1;
  g->err = err;
  g->dnext = h->done;
  h->done = g;
  return 0;
}

// The member's SETTINGS: it speaks HTTP/2 (a failure after this is not a reason to stop asking it).
static int on_frame(nghttp2_session *s, const nghttp2_frame *fr, void *ud) {
  (void)s;
  hconn_t *h = ud;
  if (fr->hd.type == NGHTTP2_SETTINGS && !(fr->hd.flags & NGHTTP2_FLAG_ACK)) h->got = 1;
  return 0;
}

static void cb_init(void) {
  if (nghttp2_session_callbacks_new(&CB) != 0) { CB = NULL; return; }
  nghttp2_session_callbacks_set_on_header_callback(CB, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(CB, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(CB, on_close);
  nghttp2_session_callbacks_set_on_frame_recv_callback(CB, on_frame);
}

static ssize_t read_req(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags, nghttp2_data_source *src, void *ud) {
  (void)s; (void)id; (void)ud;
  gstream_t *g = src->ptr;
  size_t n = g->req.len - g->req.pos;
  if (n > len) n = len;
  memcpy(buf, g->req.p + g->req.pos, n);
  g->req.pos += (uint32_t)n;
  if (g->req.pos == g->req.len) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

static void unlink_stream(gstream_t *g) { LIST_UNLINK(g->h->streams, g); }

static void free_stream(gstream_t *g) {
  db_free(&g->req);
  db_free(&g->data);
  free(g);
}

// Sends what nghttp2 has; -1 when the connection broke (the caller's caller fails it: never inside a callback).
static int h2_flush(hconn_t *h) {
  if (h->dead || h->broken || h->connecting) return h->dead || h->broken ? -1 : 0;
  for (;;) {
    while (h->wb.pos < h->wb.len) {
      ssize_t w = send(h->fd, h->wb.p + h->wb.pos, h->wb.len - h->wb.pos, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        h->broken = 1;
        return -1;
      }
      h->wb.pos += (uint32_t)w;
    }
    h->wb.len = h->wb.pos = 0;
    const uint8_t *d;
    ssize_t n = nghttp2_session_mem_send(h->s, &d);
    if (n < 0) { h->broken = h->proto_err = 1; return -1; }
    if (n == 0) return 0;
    ssize_t w = send(h->fd, d, (size_t)n, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { h->broken = 1; return -1; }
    if (w < 0) w = 0;
    if (w < n && db_add(&h->wb, d + w, (uint32_t)(n - w))) { h->broken = 1; return -1; }
  }
}

// The request goes over JSON after all (member.c), once.
static void to_json(front_t *f, fconn_t *c) {
  c->gs = NULL;
  c->grpc_tried = 1;
  member_start(f, c);
}

static void h2_fail(front_t *f, hconn_t *h, const char *why);

static hconn_t *h2_dial(front_t *f, endpoint_t *ep) {
  pthread_once(&cb_once, cb_init);
  if (CB == NULL) return NULL;
  int fd = endpoint_socket(ep);
  if (fd < 0) return NULL;
  hconn_t *h = calloc(1, sizeof(*h));
  if (!h) { close(fd); return NULL; }
  h->tag = (tag_t){3, h};
  h->f = f;
  h->fd = fd;
  h->ep = ep;
  LIST_PUSH(f->h2s, h);
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}, {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  struct epoll_event ev = {.events = FR_EVENTS, .data.ptr = &h->tag};
  if (nghttp2_session_client_new(&h->s, CB, h) != 0 || nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, 2) != 0
    || nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0, 16 << 20) != 0
    || epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) { h2_fail(f, h, NULL); return NULL; }
  int r = connect(fd, (struct sockaddr *)&ep->sa, ep->salen);
  if (r != 0 && errno != EINPROGRESS) { h2_fail(f, h, NULL); return NULL; }
  h->connecting = r != 0;
  h->deadline = f->now + f->dial_ms;
  h->last_io = f->now;
  return h;
}

// A request this path does not take: another URL, a query, credentials or metadata the gateway would pass on.
static int plain_range(const fconn_t *c) {
  const char *b = c->in.p;
  if (c->method != 2 || c->url_l != 12 || memcmp(b + c->url_o, "/v3/kv/range", 12) != 0) return 0;
  for (uint32_t i = 0; i < c->hd.nh; i++) {
    const hdr_t *h = &c->hd.h[i];
    if (span_ieq(b, h->no, h->nl, "authorization") || span_ieq(b, h->no, h->nl, "grpc-timeout")
      || (h->nl >= 14 && span_ieq(b, h->no, 14, "grpc-metadata-"))) return 0;
  }
  return 1;
}

int grpc_start(front_t *f, fconn_t *c) {
  if (!f->grpc || c->grpc_tried || !plain_range(c)) return 0;
  endpoint_t *ep = endpoint_pick(f);
  if (ep == NULL || ep->no_h2_until > f->now) return 0;
  gstream_t *g = calloc(1, sizeof(*g));
  if (!g) return 0;
  // The gRPC message: uncompressed flag, 4-byte length, the protobuf RangeRequest.
  if (db_add(&g->req, "\0\0\0\0\0", 5) || range_request_pb(c->in.p + c->body_o, c->body_l, &g->req)) { free_stream(g); return 0; }
  uint32_t len = g->req.len - 5;
  g->req.p[1] = (char)(len >> 24); g->req.p[2] = (char)(len >> 16); g->req.p[3] = (char)(len >> 8); g->req.p[4] = (char)len;
  hconn_t *h = ep->h2;
  if (h == NULL || h->dead || h->draining || h->broken || !nghttp2_session_check_request_allowed(h->s)) {
    if (h) { h->draining = 1; ep->h2 = NULL; }
    h = h2_dial(f, ep);
    if (h == NULL) { free_stream(g); return 0; }
    ep->h2 = h;
  }
  const char *host = ep->host;
  nghttp2_nv nva[] = {
    {(uint8_t *)":method", (uint8_t *)"POST", 7, 4, NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE},
    {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE},
    {(uint8_t *)":path", (uint8_t *)"/etcdserverpb.KV/Range", 5, 22, NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE},
    {(uint8_t *)":authority", (uint8_t *)host, 10, strlen(host), NGHTTP2_NV_FLAG_NO_COPY_NAME},
    {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE},
    {(uint8_t *)"te", (uint8_t *)"trailers", 2, 8, NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE},
  };
  nghttp2_data_provider dp = {.source.ptr = g, .read_callback = read_req};
  int32_t id = nghttp2_submit_request(h->s, NULL, nva, sizeof(nva) / sizeof(nva[0]), &dp, g);
  if (id < 0) { free_stream(g); return 0; }
  g->id = id;
  g->h = h;
  g->c = c;
  LIST_PUSH(h->streams, g);
  c->gs = g;
  if (h2_flush(h) < 0) h2_fail(f, h, "write failed"); // its streams, this one too, go over JSON
  return 1;
}

// The client went away: the member is told to stop (the stream is freed when nghttp2 closes it).
void grpc_detach(front_t *f, fconn_t *c) {
  (void)f;
  gstream_t *g = c->gs;
  c->gs = NULL;
  if (g == NULL) return;
  g->c = NULL;
  if (!g->closed && !g->h->dead) { nghttp2_submit_rst_stream(g->h->s, NGHTTP2_FLAG_NONE, g->id, NGHTTP2_CANCEL); h2_flush(g->h); }
}

// The answer, as etcd's gateway writes it (Go's net/http: a body over 2048 bytes goes chunked), then as
// member.c frames it for the client.
static int answer(front_t *f, fconn_t *c, gstream_t *g) {
  if (g->err || g->big || g->other_hdr || g->status != 200 || !g->ctype_ok || !g->has_status || !g->status_ok) return -1;
  const uint8_t *d = (const uint8_t *)g->data.p;
  uint32_t n = g->data.len;
  if (n < 5 || d[0] != 0 || ((uint32_t)d[1] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 8 | d[4]) != n - 5) return -1;
  dbuf_t json = {0};
  if (range_response_json(d + 5, n - 5, &json)) { db_free(&json); return -1; }
  dbuf_t *o = &c->out;
  db_str(o, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Headers: accept, content-type, authorization\r\n"
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\nAccess-Control-Allow-Origin: *\r\n"
    "Content-Type: application/json\r\nGrpc-Metadata-Content-Type: application/grpc\r\nDate: ");
  db_str(o, http_date(f));
  char line[64];
  int chunked = json.len > 2048;
  if (!chunked) snprintf(line, sizeof(line), "\r\nContent-Length: %u\r\n", json.len);
  db_str(o, chunked ? "\r\n" : line);
  put_connection(f, c);
  if (chunked) { snprintf(line, sizeof(line), "Transfer-Encoding: chunked\r\n\r\n%x\r\n", json.len); db_str(o, line); }
  else db_add(o, "\r\n", 2);
  db_add(o, json.p, json.len);
  if (chunked) db_str(o, "\r\n0\r\n\r\n");
  db_free(&json);
  pthread_mutex_lock(&f->mu);
  g->h->ep->served++;
  pthread_mutex_unlock(&f->mu);
  count_handled(f, c->method, 200, c->t0_ns);
  return 0;
}

// Streams nghttp2 closed during the last read: answered, or sent over JSON.
static void settle(front_t *f, hconn_t *h) {
  while (h->done) {
    gstream_t *g = h->done;
    h->done = g->dnext;
    unlink_stream(g);
    fconn_t *c = g->c;
    if (c && !c->dead) {
      c->gs = NULL;
      int ok = answer(f, c, g) == 0;
      pthread_mutex_lock(&f->mu);
      if (ok) f->st.grpc_answered++; else f->st.grpc_json++;
      pthread_mutex_unlock(&f->mu);
      if (ok) client_done(f, c);
      else to_json(f, c);
    }
    free_stream(g);
  }
}

// The connection is done for: every stream still open goes over JSON (member.c then finds a dead member).
static void h2_fail(front_t *f, hconn_t *h, const char *why) {
  if (h->dead) return;
  h->dead = 1;
  if (why && h->proto_err && !h->got) h->ep->no_h2_until = f->now + NO_H2_MS;
  if (h->ep->h2 == h) h->ep->h2 = NULL;
  if (h->fd >= 0) { epoll_ctl(f->epfd, EPOLL_CTL_DEL, h->fd, NULL); close(h->fd); h->fd = -1; }
  h->done = NULL;
  while (h->streams) {
    gstream_t *g = h->streams;
    unlink_stream(g);
    fconn_t *c = g->c;
    free_stream(g);
    if (c && !c->dead) {
      pthread_mutex_lock(&f->mu);
      f->st.grpc_json++;
      pthread_mutex_unlock(&f->mu);
      to_json(f, c);
    }
  }
  if (h->s) { nghttp2_session_del(h->s); h->s = NULL; }
  LIST_UNLINK(f->h2s, h);
  h->next = f->grave_h;
  f->grave_h = h;
}

void grpc_event(front_t *f, hconn_t *h, uint32_t ev) {
  if (h->dead) return;
  if (h->connecting) {
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) { h2_fail(f, h, "connect failed"); return; }
    h->connecting = 0;
  }
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    uint8_t buf[65536];
    for (;;) {
      ssize_t n = recv(h->fd, buf, sizeof(buf), 0);
      if (n > 0) {
        h->last_io = f->now;
        ssize_t r = nghttp2_session_mem_recv(h->s, buf, (size_t)n);
        if (r < 0) { h->proto_err = 1; h2_fail(f, h, "protocol error"); return; }
        settle(f, h);
        if (h->dead) return;
        // nghttp2 ended the session (a GOAWAY either way, after garbage from a member that is not HTTP/2).
        if (!nghttp2_session_want_read(h->s) && !nghttp2_session_want_write(h->s)) { h->proto_err = 1; h2_fail(f, h, "session ended"); return; }
        if ((size_t)n < sizeof(buf) && !(ev & (EPOLLRDHUP | EPOLLHUP))) break;
        continue;
      }
      if (n == 0) { h->proto_err = !h->got; h2_fail(f, h, "EOF"); return; }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      h2_fail(f, h, "read failed");
      return;
    }
  }
  if (h2_flush(h) < 0) h2_fail(f, h, "write failed");
}

// Timeouts: the dial, and a member that stopped answering streams in flight; idle or unlisted connections close.
void grpc_sweep(front_t *f, hconn_t *h) {
  if (h->dead) return;
  if (h->broken) { h2_fail(f, h, "write failed"); return; }
  if (h->connecting && f->now >= h->deadline) { h2_fail(f, h, "dial timeout"); return; }
  // A member that took the connection but sent no SETTINGS within the dial timeout does not speak HTTP/2 (etcd
  // sends them at once): its calls go as JSON, and it is not asked again for a while.
  if (!h->got && f->now >= h->deadline) { h->proto_err = 1; h2_fail(f, h, "no HTTP/2 settings"); return; }
  if (h->streams && f->read_ms && f->now - h->last_io >= f->read_ms) { h2_fail(f, h, "read timeout"); return; }
  if (h->streams == NULL && (h->draining || ALOAD(f->closing) || f->now - h->last_io >= POOL_IDLE_MS)) h2_fail(f, h, NULL);
}

// An endpoint unlisted or moved: its connection takes no new stream and closes when its streams are done.
void grpc_retire(endpoint_t *ep) {
  if (ep->h2) { ep->h2->draining = 1; ep->h2 = NULL; }
  ep->no_h2_until = 0;
}

void grpc_cut_all(front_t *f) {
  while (f->h2s) h2_fail(f, f->h2s, NULL);
}

void grpc_bury(front_t *f) {
  while (f->grave_h) {
    hconn_t *h = f->grave_h;
    f->grave_h = h->next;
    db_free(&h->wb);
    free(h);
  }
}

hconn_t *grpc_next(hconn_t *h) { return h->next; }

// The nghttp2 this uses is node's own (node exports it; no other copy is linked): without it, JSON only.
int grpc_available(void) {
  static const char *const NEEDED[] = {"nghttp2_session_callbacks_new", "nghttp2_session_callbacks_set_on_header_callback",
    "nghttp2_session_callbacks_set_on_data_chunk_recv_callback", "nghttp2_session_callbacks_set_on_stream_close_callback",
    "nghttp2_session_client_new", "nghttp2_submit_settings", "nghttp2_session_set_local_window_size",
    "nghttp2_session_get_stream_user_data", "nghttp2_session_set_stream_user_data", "nghttp2_session_mem_send",
    "nghttp2_session_mem_recv", "nghttp2_submit_request", "nghttp2_submit_rst_stream",
    "nghttp2_session_check_request_allowed", "nghttp2_session_del", "nghttp2_session_callbacks_set_on_frame_recv_callback",
    "nghttp2_session_want_read", "nghttp2_session_want_write", NULL};
  for (const char *const *n = NEEDED; *n; n++) if (dlsym(RTLD_DEFAULT, *n) == NULL) return 0;
  return 1;
}
