// stats(): the front's counters since the previous call, in the shape proxy/metrics.ts absorbs (see README.md).
#include "front.h"

INTERNAL const char *method_name(int i);

#define TRY(call) do { if ((call) != napi_ok) goto out; } while (0)

static napi_value num(napi_env env, double d) {
  napi_value v = NULL;
  napi_create_double(env, d, &v);
  return v;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v = NULL;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value tuple(napi_env env, napi_value *items, uint32_t n) {
  napi_value a = NULL;
  if (napi_create_array_with_length(env, n, &a) != napi_ok) return NULL;
  for (uint32_t i = 0; i < n; i++) napi_set_element(env, a, i, items[i]);
  return a;
}

static void push(napi_env env, napi_value list, napi_value item) {
  uint32_t n = 0;
  napi_get_array_length(env, list, &n);
  napi_set_element(env, list, n, item);
}

napi_value front_stats(napi_env env, front_t *f) {
  stats_t *s = malloc(sizeof(*s));
  if (!s) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  uint32_t neps = 0;
  for (endpoint_t *e = f->all_eps; e; e = e->next) neps++;
  pthread_mutex_lock(&f->mu);
  memcpy(s, &f->st, sizeof(*s));
  memset(&f->st, 0, sizeof(f->st));
  // Endpoints are only added (under the lock) while the thread runs: take their counts now.
  uint32_t k = 0;
  char (*urls)[URL_MAX] = calloc(neps + 64, URL_MAX);
  uint64_t *served = calloc(neps + 64, sizeof(uint64_t));
  for (endpoint_t *e = f->all_eps; e && urls && served && k < neps + 64; e = e->next) {
    if (e->served == 0) continue;
    memcpy(urls[k], e->url, URL_MAX);
    served[k++] = e->served;
    e->served = 0;
  }
  pthread_mutex_unlock(&f->mu);
  napi_value out = NULL, lists[5];
  TRY(napi_create_object(env, &out));
  for (int i = 0; i < 5; i++) TRY(napi_create_array(env, &lists[i]));
  for (int m = 0; m < NMETHOD; m++) {
    napi_value mn = str(env, method_name(m));
    if (s->requests[m]) { napi_value t[2] = {mn, num(env, (double)s->requests[m])}; push(env, lists[0], tuple(env, t, 2)); }
    for (int code = 0; code < 600; code++) {
      if (!s->handled[m][code]) continue;
      napi_value t[3] = {mn, num(env, code), num(env, s->handled[m][code])};
      push(env, lists[1], tuple(env, t, 3));
    }
    if (s->count[m]) {
      napi_value b[NBUCKET];
      for (int i = 0; i < NBUCKET; i++) b[i] = num(env, (double)s->buckets[m][i]);
      napi_value t[4] = {mn, tuple(env, b, NBUCKET), num(env, s->sum[m]), num(env, (double)s->count[m])};
      push(env, lists[3], tuple(env, t, 4));
    }
  }
  for (int m = 0; m <= NMETHOD; m++) {
    napi_value mn = str(env, m == NMETHOD ? "OTHER" : method_name(m));
    if (s->drop_bad[m]) { napi_value t[3] = {mn, str(env, "bad_request"), num(env, (double)s->drop_bad[m])}; push(env, lists[2], tuple(env, t, 3)); }
    if (s->drop_gone[m]) { napi_value t[3] = {mn, str(env, "client_gone"), num(env, (double)s->drop_gone[m])}; push(env, lists[2], tuple(env, t, 3)); }
  }
  for (uint32_t i = 0; i < k; i++) { napi_value t[2] = {str(env, urls[i]), num(env, (double)served[i])}; push(env, lists[4], tuple(env, t, 2)); }
  TRY(napi_set_named_property(env, out, "requests", lists[0]));
  TRY(napi_set_named_property(env, out, "handled", lists[1]));
  TRY(napi_set_named_property(env, out, "dropped", lists[2]));
  TRY(napi_set_named_property(env, out, "durations", lists[3]));
  TRY(napi_set_named_property(env, out, "served", lists[4]));
  TRY(napi_set_named_property(env, out, "accepted", num(env, (double)s->accepted)));
  TRY(napi_set_named_property(env, out, "refused", num(env, (double)s->refused)));
  TRY(napi_set_named_property(env, out, "handedOff", num(env, (double)s->handed)));
  TRY(napi_set_named_property(env, out, "v3Grpc", tuple(env, (napi_value[]){num(env, (double)s->grpc_answered), num(env, (double)s->grpc_json)}, 2)));
out:
  free(urls);
  free(served);
  free(s);
  return out;
}
