// acceptPending(fd, max): the accept-queue drain shared by the listeners that Node owns (core/accept-drain.ts).
// Registered by the addon's init (gateway/native/relay.c); the only symbol of this file that leaves it.
#ifndef EDGE_ACCEPT_H
#define EDGE_ACCEPT_H
#include <node_api.h>

/** acceptPending(fd: number, max: number) → number[]: the descriptors accepted now (non-blocking, close-on-exec). */
napi_value edge_accept_pending(napi_env env, napi_callback_info info);

#endif
