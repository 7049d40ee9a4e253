// Shared by the native data path's files: the gateway, connection and endpoint types, and the functions one file
// calls in another (hidden: nothing but the Node-API init leaves the addon).
#ifndef GATEWAY_RELAY_H
#define GATEWAY_RELAY_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

#define INTERNAL __attribute__((visibility("hidden")))

INTERNAL uint64_t now_ms(void);
// Events to JavaScript (loop.c): queued for the main thread through the threadsafe function.
INTERNAL void emit(gw_t *g, const char *type, const char *key, const char *detail, double num);
INTERNAL void call_js(napi_env env, napi_value cb, void *context, void *data);
// Timer lists (loop.c): FIFO, dial deadlines and idle times only grow.
INTERNAL void tl_remove(gw_t *g, conn_t *c);
INTERNAL void tl_push(gw_t *g, conn_t *c, int which, uint64_t t);
// Connections (conn.c).
INTERNAL void set_interest(gw_t *g, side_t *s, uint32_t want);
INTERNAL void close_side(gw_t *g, side_t *s);
INTERNAL void conn_kill(gw_t *g, conn_t *c);
INTERNAL void bury(gw_t *g);
INTERNAL void relay(gw_t *g, conn_t *c, side_t *s, uint32_t ev);
// Dialing (dial.c).
INTERNAL void dial_next(gw_t *g, conn_t *c);
INTERNAL void dial_event(gw_t *g, conn_t *c, uint32_t ev);
INTERNAL void dial_failed(gw_t *g, conn_t *c, const char *why);
// The relay thread (loop.c).
INTERNAL void *loop(void *arg);
#endif
