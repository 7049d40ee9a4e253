// The native front's thread: one epoll loop that accepts (under the shared connection cap), hands client and
// member events to client.c and member.c, takes the endpoint lists JavaScript sets, sweeps timeouts every 100 ms,
// reports refusals, and on close stops accepting, lets exchanges finish for the drain time, then cuts the rest.
#include "front.h"

#include <fcntl.h>

void bury(front_t *f) {
  while (f->grave_c) {
    fconn_t *c = f->grave_c;
    f->grave_c = c->next;
    db_free(&c->in);
    db_free(&c->out);
    free(c);
  }
  while (f->grave_m) {
    mconn_t *m = f->grave_m;
    f->grave_m = m->next;
    db_free(&m->req);
    db_free(&m->rb);
    free(m);
  }
  grpc_bury(f);
}

static void refused(front_t *f) {
  pthread_mutex_lock(&f->mu);
  f->st.refused++;
  f->refused_total++;
  pthread_mutex_unlock(&f->mu);
}

static void on_accept(front_t *f) {
  for (int i = 0; i < 64; i++) {
    struct sockaddr_storage sa;
    socklen_t sl = sizeof(sa);
    int fd = accept4(f->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && f->spare >= 0) {
        // Out of descriptors: take the pending connection with the spare one and close it (counted as refused).
        close(f->spare);
        int tmp = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (tmp >= 0) { close(tmp); refused(f); }
        f->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return; // EAGAIN: the listener is level-triggered, the next wait says when more come
    }
    if (ALOAD(f->active) + ALOAD(f->others) >= f->max_conns) { close(fd); refused(f); continue; }
    pthread_mutex_lock(&f->mu);
    f->st.accepted++;
    pthread_mutex_unlock(&f->mu);
    client_accepted(f, fd, &sa);
  }
}

static void sweep(front_t *f) {
  fconn_t *nc;
  for (fconn_t *c = f->conns; c; c = nc) { nc = c->next; client_sweep(f, c); }
  mconn_t *nm;
  for (mconn_t *m = f->members; m; m = nm) { nm = m->next; member_sweep(f, m); }
  hconn_t *nh;
  for (hconn_t *h = f->h2s; h; h = nh) { nh = grpc_next(h); grpc_sweep(f, h); }
  bury(f);
}

static void report_refused(front_t *f) {
  pthread_mutex_lock(&f->mu);
  uint64_t total = f->refused_total;
  pthread_mutex_unlock(&f->mu);
  if (total > f->refused_reported && f->now - f->last_refused_ms >= 1000) {
    emit(f, "refused", -1, NULL, 0, NULL, (double)(total - f->refused_reported));
    f->refused_reported = total;
    f->last_refused_ms = f->now;
  }
}

static void cut_all(front_t *f) {
  while (f->conns) client_close(f, f->conns, 1);
  grpc_cut_all(f);
  while (f->members) member_close(f, f->members);
  bury(f);
}

void *front_loop(void *arg) {
  front_t *f = arg;
  struct epoll_event evs[256];
  f->now = now_ms();
  f->last_sweep = f->now;
  for (;;) {
    if (ALOAD(f->closing)) {
      if (f->lfd >= 0) {
        epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->lfd, NULL);
        close(f->lfd);
        f->lfd = -1;
        f->drain_deadline = f->now + f->drain_ms;
        sweep(f); // idle keep-alive connections close now
      }
      if (f->conns == NULL || f->now >= f->drain_deadline) break;
    }
    int n = epoll_wait(f->epfd, evs, 256, 100);
    f->now = now_ms();
    for (int i = 0; i < n; i++) {
      tag_t *t = evs[i].data.ptr;
      uint32_t ev = evs[i].events;
      if (t->kind == 0) on_accept(f);
      else if (t->kind == 1) client_event(f, t->o, ev);
      else if (t->kind == 2) member_event(f, t->o, ev);
      else if (t->kind == 3) grpc_event(f, t->o, ev);
      else {
        uint64_t v;
        if (read(f->evfd, &v, sizeof(v)) < 0) { /* already drained */ }
        endpoints_swap(f);
      }
    }
    bury(f);
    if (f->now - f->last_sweep >= 100) { f->last_sweep = f->now; sweep(f); report_refused(f); }
  }
  cut_all(f);
  report_refused(f);
  emit(f, "closed", -1, NULL, 0, NULL, 0);
  napi_release_threadsafe_function(f->tsfn, napi_tsfn_release);
  return NULL;
}
