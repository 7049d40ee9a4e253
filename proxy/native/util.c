// Small helpers of the native front: clocks, growable byte buffers, case-insensitive span tests, events queued
// for JavaScript, the Date header, and the request counters.
#include "front.h"

#include <netinet/tcp.h>
#include <strings.h>
#include <time.h>

uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int db_reserve(dbuf_t *b, uint32_t extra) {
  if (b->cap - b->len >= extra) return 0;
  uint64_t want = (uint64_t)b->len + extra;
  uint64_t cap = b->cap ? b->cap : 512;
  while (cap < want) cap *= 2;
  if (cap > 0x40000000u) return -1;
  char *p = realloc(b->p, cap);
  if (!p) return -1;
  b->p = p;
  b->cap = (uint32_t)cap;
  return 0;
}

int db_add(dbuf_t *b, const void *p, uint32_t n) {
  if (db_reserve(b, n)) return -1;
  memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

int db_str(dbuf_t *b, const char *s) { return db_add(b, s, (uint32_t)strlen(s)); }

void db_free(dbuf_t *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = b->pos = 0;
}

// Drops the bytes before `from`; positions move with them. Large idle buffers are given back.
void db_compact(dbuf_t *b, uint32_t from) {
  if (from > b->len) from = b->len;
  uint32_t rest = b->len - from;
  if (rest && from) memmove(b->p, b->p + from, rest);
  b->len = rest;
  b->pos = b->pos > from ? b->pos - from : 0;
  if (rest == 0 && b->cap > 16384) db_free(b);
}

// Spans grow piece by piece (a message may arrive in several reads); they are offsets, as buffers move.
void span_extend(uint32_t *off, uint32_t *len, uint32_t o, uint32_t n) {
  if (*len == 0) *off = o;
  *len = o + n - *off;
}

// A header name piece: a new line after a value (or the first); past MAX_HDRS the message is marked over.
void heads_field(heads_t *hd, uint32_t o, uint32_t n) {
  if (hd->nh == 0 || hd->in_value) {
    if (hd->nh == MAX_HDRS) { hd->over = 1; return; }
    hd->h[hd->nh++] = (hdr_t){o, 0, 0, 0};
    hd->in_value = 0;
  }
  if (!hd->over) span_extend(&hd->h[hd->nh - 1].no, &hd->h[hd->nh - 1].nl, o, n);
}

void heads_value(heads_t *hd, uint32_t o, uint32_t n) {
  if (hd->over || hd->nh == 0) return;
  hdr_t *h = &hd->h[hd->nh - 1];
  if (!hd->in_value) { h->vo = o; h->vl = 0; hd->in_value = 1; }
  span_extend(&h->vo, &h->vl, o, n);
}

int span_ieq(const char *base, uint32_t o, uint32_t l, const char *lit) {
  size_t n = strlen(lit);
  return l == n && strncasecmp(base + o, lit, n) == 0;
}

// Whether a comma-separated header value lists the token lit (case-insensitive, optional whitespace).
int token_listed(const char *v, uint32_t l, const char *lit) {
  size_t n = strlen(lit);
  uint32_t i = 0;
  while (i < l) {
    while (i < l && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
    uint32_t s = i;
    while (i < l && v[i] != ',') i++;
    uint32_t e = i;
    while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t')) e--;
    if (e - s == n && strncasecmp(v + s, lit, n) == 0) return 1;
  }
  return 0;
}

typedef struct { char type[12]; int fd; char *data; uint32_t len; char *detail; double num; } event_t;

void emit(front_t *f, const char *type, int fd, const char *data, uint32_t len, const char *detail, double num) {
  event_t *e = calloc(1, sizeof(*e));
  if (!e) { if (fd >= 0) close(fd); return; }
  snprintf(e->type, sizeof(e->type), "%s", type);
  e->fd = fd;
  e->num = num;
  if (len) { e->data = malloc(len); if (e->data) { memcpy(e->data, data, len); e->len = len; } }
  if (detail) e->detail = strdup(detail);
  if (napi_call_threadsafe_function(f->tsfn, e, napi_tsfn_nonblocking) != napi_ok) {
    if (fd >= 0) close(fd);
    free(e->data);
    free(e->detail);
    free(e);
  }
}

static void free_bytes(napi_env env, void *data, void *hint) { (void)env; (void)hint; free(data); }

// Runs on the main thread. A handed-off descriptor that cannot reach JavaScript (the environment is going away)
// is closed here, so it never leaks.
INTERNAL void call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  event_t *e = data;
  if (env == NULL || cb == NULL) {
    if (e->fd >= 0) close(e->fd);
    free(e->data);
    free(e->detail);
    free(e);
    return;
  }
  napi_value argv[5], undef;
  napi_get_undefined(env, &undef);
  napi_create_string_utf8(env, e->type, NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_int32(env, e->fd, &argv[1]);
  if (e->data) {
    if (napi_create_external_buffer(env, e->len, e->data, free_bytes, NULL, &argv[2]) != napi_ok) { free(e->data); argv[2] = undef; }
  } else {
    argv[2] = undef;
  }
  napi_create_string_utf8(env, e->detail ? e->detail : "", NAPI_AUTO_LENGTH, &argv[3]);
  napi_create_double(env, e->num, &argv[4]);
  if (napi_call_function(env, undef, cb, 5, argv, NULL) != napi_ok && e->fd >= 0 && strcmp(e->type, "handoff") == 0) {
    // The listener threw before it took the descriptor.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) { napi_value ex; napi_get_and_clear_last_exception(env, &ex); }
    close(e->fd);
  }
  free(e->detail);
  free(e);
}

const char *http_date(front_t *f) {
  time_t t = time(NULL);
  if ((uint64_t)t != f->date_s) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(f->date, sizeof(f->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    f->date_s = (uint64_t)t;
  }
  return f->date;
}

static const double BUCKETS[NBUCKET] = {0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048};

void count_handled(front_t *f, int method, int status, uint64_t t0_ns) {
  double s = (double)(now_ns() - t0_ns) / 1e9;
  int i = 0;
  while (i < NBUCKET && s > BUCKETS[i]) i++;
  pthread_mutex_lock(&f->mu);
  if (status >= 0 && status < 600) f->st.handled[method][status]++;
  if (i < NBUCKET) f->st.buckets[method][i]++;
  f->st.sum[method] += s;
  f->st.count[method]++;
  pthread_mutex_unlock(&f->mu);
}

// A non-blocking TCP socket for an endpoint, Nagle off (requests and answers are written whole); -1 on error.
int endpoint_socket(const endpoint_t *ep) {
  int fd = socket(ep->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}
