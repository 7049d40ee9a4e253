// The proxy's native front (see proxy/native/README.md): types shared by its files, and the functions one file
// calls in another (hidden: only the Node-API init leaves the addon). One epoll thread serves the ordinary
// HTTP/1.1 requests of a plain-http listener; everything else is handed to node:http with its unanswered bytes.
#ifndef PROXY_FRONT_H
#define PROXY_FRONT_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <node_api.h>
#include <llhttp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define INTERNAL __attribute__((visibility("hidden")))
#define ALOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ASTORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define AADD(x, n) __atomic_fetch_add(&(x), (n), __ATOMIC_RELAXED)
#define ASUB(x, n) __atomic_fetch_sub(&(x), (n), __ATOMIC_RELAXED)

// The intrusive doubly linked lists (connections, member connections, HTTP/2 connections, calls): x pushed at
// the head, or taken out (its links cleared).
#define LIST_PUSH(head, x) do { (x)->prev = NULL; (x)->next = (head); if (head) (head)->prev = (x); (head) = (x); } while (0)
#define LIST_UNLINK(head, x) do { \
    if ((x)->prev) { (x)->prev->next = (x)->next; } else { (head) = (x)->next; } \
    if ((x)->next) { (x)->next->prev = (x)->prev; } \
    (x)->prev = (x)->next = NULL; \
  } while (0)

#define FR_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
#define MAX_HEAD (16 * 1024)     // node:http's default --max-http-header-size: a bigger head goes to node:http (431)
#define MAX_HDRS 64
#define OUT_HIGH (256 * 1024)    // client output queued beyond this: the member is not read until it drains
#define READ_CHUNK (64 * 1024)
#define POOL_IDLE_MAX 256        // idle member connections kept per endpoint
#define POOL_IDLE_MS 60000
#define NMETHOD 5                // GET, HEAD, POST, PUT, DELETE
#define NBUCKET 13
#define URL_MAX 512

typedef struct { char *p; uint32_t len, cap, pos; } dbuf_t; // pos: consumed (written or parsed) up to
typedef struct { uint32_t no, nl, vo, vl; } hdr_t;          // name and value spans (offsets into a dbuf)
// The header lines of one message, as llhttp reports them piece by piece (heads_field, heads_value).
typedef struct { hdr_t h[MAX_HDRS]; uint32_t nh; uint8_t in_value, over; } heads_t;

typedef struct front front_t;
typedef struct fconn fconn_t;
typedef struct mconn mconn_t;
typedef struct endpoint endpoint_t;
typedef struct hconn hconn_t;     // grpc.c: an HTTP/2 connection to a member
typedef struct gstream gstream_t; // grpc.c: one call on it
typedef struct { uint8_t kind; void *o; } tag_t; // what an epoll event is about: 0 listener, 1 client, 2 member, 3 HTTP/2 member, 4 JavaScript

struct endpoint {
  char url[URL_MAX];
  char host[URL_MAX];                 // the Host header for clients that sent none
  struct sockaddr_storage sa;
  socklen_t salen;
  int down;                           // failed here: skipped until JavaScript lists it again
  mconn_t *idle;                      // pooled keep-alive connections (LIFO)
  uint32_t nidle;
  uint64_t served;                    // requests answered through it (stats delta)
  hconn_t *h2;                        // its HTTP/2 connection for v3 ranges (grpc.c)
  uint64_t no_h2_until;               // the member failed HTTP/2: JSON only until then
  endpoint_t *next;                   // every endpoint ever listed
};

enum { C_READ = 0, C_FORWARD, C_LINGER };

struct fconn {
  tag_t tag;
  front_t *f;
  int fd;
  uint8_t state, eof, more, dead, keep, head_seen, method, stale_retry, failed, hup;
  uint8_t hand, complete;             // hand off; request complete
  llhttp_t p;
  dbuf_t in;                          // from the current request's first byte on
  uint32_t req_start, url_o, url_l, body_o, body_l;
  heads_t hd;
  dbuf_t out;                         // to the client
  mconn_t *m;                         // the member exchange in progress
  gstream_t *gs;                      // or the gRPC call in progress (grpc.c)
  uint8_t grpc_tried;                 // this request goes as JSON
  uint64_t since, last_io;            // request start (ms), last byte either way (ms)
  uint64_t t0_ns;
  char ip[INET6_ADDRSTRLEN];
  fconn_t *prev, *next;
};

enum { M_DIAL = 0, M_SEND, M_RECV, M_IDLE };

struct mconn {
  tag_t tag;
  front_t *f;
  int fd;
  uint8_t state, reused, got, head_done, skip_1xx, chunked_out, no_body, done, broken, more, dead;
  llhttp_t p;
  endpoint_t *ep;
  fconn_t *c;
  dbuf_t req;                         // the request as sent to the member
  dbuf_t rb;                          // response bytes being parsed (the head's spans point into it)
  heads_t hd;
  uint32_t st_o, st_l;
  uint8_t filled, hup;
  uint16_t status;
  uint64_t deadline, last_io;
  mconn_t *inext;                     // the endpoint's idle list
  mconn_t *prev, *next;
};

typedef struct {
  uint64_t requests[NMETHOD];
  uint32_t handled[NMETHOD][600];
  uint64_t drop_bad[NMETHOD + 1], drop_gone[NMETHOD + 1]; // +1: OTHER
  uint64_t buckets[NMETHOD][NBUCKET], count[NMETHOD];
  double sum[NMETHOD];
  uint64_t accepted, refused, handed;
  uint64_t grpc_answered, grpc_json;  // v3 JSON ranges sent as gRPC calls: answered so, or sent again as JSON
} stats_t;

struct front {
  int lfd, epfd, evfd, spare;
  pthread_t thread;
  int started, joined;
  napi_threadsafe_function tsfn;
  // limits
  uint32_t max_conns, backlog;
  uint64_t client_ms, keepalive_ms, idle_ms, dial_ms, write_ms, read_ms, max_body;
  int readonly;
  int grpc;                           // v3 JSON ranges go to members over gRPC (grpc.c)
  char via[128];
  // shared with JavaScript
  pthread_mutex_t mu;                 // guards pending, stats, eps list swap
  struct { char url[URL_MAX], host[URL_MAX]; struct sockaddr_storage sa; socklen_t salen; } *pending;
  uint32_t npending;
  int pending_set;
  stats_t st;
  uint32_t others, active;            // atomics: connections JavaScript holds; connections held here
  int closing;                        // atomic, set by close()
  uint64_t drain_ms;
  // the thread's own
  endpoint_t *all_eps;
  endpoint_t **order;                 // the available endpoints in the order requests try them
  uint32_t norder;
  fconn_t *conns, *grave_c;
  mconn_t *members, *grave_m;
  hconn_t *h2s, *grave_h;
  uint64_t now, drain_deadline, last_sweep, refused_reported, last_refused_ms, refused_total;
  tag_t ltag, etag;
  char date[40];
  uint64_t date_s;
};

// util.c
INTERNAL uint64_t now_ms(void);
INTERNAL uint64_t now_ns(void);
INTERNAL int db_reserve(dbuf_t *b, uint32_t extra);
INTERNAL int db_add(dbuf_t *b, const void *p, uint32_t n);
INTERNAL int db_str(dbuf_t *b, const char *s);
INTERNAL void db_free(dbuf_t *b);
INTERNAL void db_compact(dbuf_t *b, uint32_t from);
INTERNAL void span_extend(uint32_t *off, uint32_t *len, uint32_t o, uint32_t n);
INTERNAL void heads_field(heads_t *hd, uint32_t o, uint32_t n);
INTERNAL void heads_value(heads_t *hd, uint32_t o, uint32_t n);
INTERNAL int span_ieq(const char *base, uint32_t o, uint32_t l, const char *lit);
INTERNAL int token_listed(const char *v, uint32_t l, const char *lit);
INTERNAL void emit(front_t *f, const char *type, int fd, const char *data, uint32_t len, const char *detail, double num);
INTERNAL const char *http_date(front_t *f);
INTERNAL void count_handled(front_t *f, int method, int status, uint64_t t0_ns);
INTERNAL int endpoint_socket(const endpoint_t *ep);
// client.c
INTERNAL void client_accepted(front_t *f, int fd, const struct sockaddr_storage *sa);
INTERNAL void client_event(front_t *f, fconn_t *c, uint32_t ev);
INTERNAL int client_flush(front_t *f, fconn_t *c);
INTERNAL void client_parse(front_t *f, fconn_t *c);
INTERNAL void client_done(front_t *f, fconn_t *c);
INTERNAL void client_close(front_t *f, fconn_t *c, int reset);
INTERNAL void client_handoff(front_t *f, fconn_t *c);
INTERNAL void client_sweep(front_t *f, fconn_t *c);
INTERNAL void put_connection(front_t *f, fconn_t *c);
// member.c
INTERNAL void member_start(front_t *f, fconn_t *c);
INTERNAL void member_event(front_t *f, mconn_t *m, uint32_t ev);
INTERNAL void member_detach(front_t *f, mconn_t *m);
INTERNAL void member_resume(front_t *f, mconn_t *m);
INTERNAL void member_sweep(front_t *f, mconn_t *m);
INTERNAL void member_close(front_t *f, mconn_t *m);
INTERNAL void endpoints_swap(front_t *f);
INTERNAL endpoint_t *endpoint_pick(front_t *f);
// grpc.c
INTERNAL int grpc_start(front_t *f, fconn_t *c);
INTERNAL void grpc_event(front_t *f, hconn_t *h, uint32_t ev);
INTERNAL void grpc_detach(front_t *f, fconn_t *c);
INTERNAL void grpc_sweep(front_t *f, hconn_t *h);
INTERNAL void grpc_retire(endpoint_t *ep);
INTERNAL void grpc_cut_all(front_t *f);
INTERNAL void grpc_bury(front_t *f);
INTERNAL int grpc_available(void);
INTERNAL hconn_t *grpc_next(hconn_t *h);
// loop.c
INTERNAL void *front_loop(void *arg);
INTERNAL void bury(front_t *f);
#endif
