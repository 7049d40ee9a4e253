#!/usr/bin/env bash
# Builds the gateway's native addon with AddressSanitizer into a temporary directory (the normal build is left
# alone) and runs a reduced stress test of the native data path and the accept-drain tests against it, with libasan preloaded into node.
# Exit 0 when the stress test passes and AddressSanitizer reported nothing. Needs gcc with libasan, and `npm run
# build` done. GATEWAY_STRESS_CONNS sets the number of connections (default 600).
set -euo pipefail
cd "$(dirname "$0")/.."

nodedir="$(npm config get nodedir 2>/dev/null || true)"
[ -n "$nodedir" ] && [ "$nodedir" != "undefined" ] || nodedir="$(dirname "$(dirname "$(command -v node)")")"
inc="$nodedir/include/node"
[ -f "$inc/node_api.h" ] || { echo "error: node_api.h not found under $inc" >&2; exit 2; }
libasan="$(gcc -print-file-name=libasan.so)"
[ -e "$libasan" ] || { echo "error: libasan not found (install gcc's libasan, e.g. Debian libasan8)" >&2; exit 2; }
[ -f build/test/unit/gateway/stress.test.js ] || { echo "error: run npm run build first" >&2; exit 2; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/gateway-asan-XXXXXX")"
trap 'rm -rf "$dir"' EXIT
gcc -shared -fPIC -O1 -g -fsanitize=address -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra \
  -DNODE_GYP_MODULE_NAME=gateway_relay -I"$inc" gateway/native/relay.c gateway/native/loop.c gateway/native/conn.c gateway/native/dial.c core/native/accept.c core/native/napi-util.c -o "$dir/gateway_relay.node" -lpthread

# Node itself is not built for LeakSanitizer; memory errors (overflow, use after free, double free) are what we check.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:exitcode=99:log_path=$dir/asan"
export GATEWAY_ADDON="$dir/gateway_relay.node"
export GATEWAY_STRESS_CONNS="${GATEWAY_STRESS_CONNS:-600}"
status=0
GATEWAY_STRESS_PATHS=native LD_PRELOAD="$libasan" node --test build/test/unit/gateway/stress.test.js || status=$?
# The accept drain (acceptPending) under the same build: bursts over HTTP and TLS, the cap, close.
[ "$status" != 0 ] || LD_PRELOAD="$libasan" node --test build/test/unit/core/accept-drain.test.js || status=$?
if ls "$dir"/asan* >/dev/null 2>&1; then
  cat "$dir"/asan* >&2
  echo "AddressSanitizer reported errors" >&2
  exit 1
fi
[ "$status" = 0 ] || { echo "the stress test failed under AddressSanitizer (exit $status)" >&2; exit 1; }
echo "asan-gateway: stress test ($GATEWAY_STRESS_CONNS connections) and accept drain clean under AddressSanitizer"
