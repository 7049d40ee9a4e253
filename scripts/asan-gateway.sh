#!/usr/bin/env bash
# Builds the gateway's native addon and the proxy's native front with AddressSanitizer into a temporary directory
# (the normal build is left alone) and runs, with libasan preloaded into node: a reduced stress test of the
# gateway's native data path, the accept-drain tests, and the proxy front's own tests, parity and stress tests.
# Exit 0 when the tests pass and AddressSanitizer reported nothing. Needs gcc with libasan, Debian's node-llhttp
# sources (/usr/share/llhttp) and `npm run build` done. GATEWAY_STRESS_CONNS sets the gateway's connections
# (default 600), PROXY_FRONT_STRESS_CONNS the proxy front's clients (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."

nodedir="$(npm config get nodedir 2>/dev/null || true)"
[ -n "$nodedir" ] && [ "$nodedir" != "undefined" ] || nodedir="$(dirname "$(dirname "$(command -v node)")")"
inc="$nodedir/include/node"
[ -f "$inc/node_api.h" ] || { echo "error: node_api.h not found under $inc" >&2; exit 2; }
libasan="$(gcc -print-file-name=libasan.so)"
[ -e "$libasan" ] || { echo "error: libasan not found (install gcc's libasan, e.g. Debian libasan8)" >&2; exit 2; }
[ -f build/test/unit/gateway/stress.test.js ] && [ -f build/test/unit/proxy/front-stress.test.js ] || { echo "error: run npm run build first" >&2; exit 2; }
[ -f /usr/share/llhttp/llhttp.c ] || { echo "error: llhttp sources not found under /usr/share/llhttp (install Debian's node-llhttp)" >&2; exit 2; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/gateway-asan-XXXXXX")"
trap 'rm -rf "$dir"' EXIT
gcc -shared -fPIC -O1 -g -fsanitize=address -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra \
  -DNODE_GYP_MODULE_NAME=gateway_relay -I"$inc" gateway/native/relay.c gateway/native/loop.c gateway/native/conn.c gateway/native/dial.c core/native/accept.c core/native/napi-util.c -o "$dir/gateway_relay.node" -lpthread
# The proxy's front: the sources of binding.gyp's proxy_front target (llhttp's C files included, as there).
gcc -shared -fPIC -O1 -g -fsanitize=address -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra -fvisibility=hidden -Wl,-Bsymbolic \
  -DNODE_GYP_MODULE_NAME=proxy_front -I"$inc" -I/usr/share/include/llhttp -I/usr/share \
  proxy/native/addon.c proxy/native/loop.c proxy/native/client.c proxy/native/member.c proxy/native/stats.c proxy/native/util.c \
  proxy/native/grpc.c proxy/native/rangepb.c core/native/napi-util.c proxy/native/llhttp-parser.c proxy/native/llhttp-api.c proxy/native/llhttp-http.c -o "$dir/proxy_front.node" -lpthread

# Node itself is not built for LeakSanitizer; memory errors (overflow, use after free, double free) are what we check.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:exitcode=99:log_path=$dir/asan"
export GATEWAY_ADDON="$dir/gateway_relay.node"
export GATEWAY_STRESS_CONNS="${GATEWAY_STRESS_CONNS:-600}"
export PROXY_FRONT_ADDON="$dir/proxy_front.node"
export PROXY_FRONT_STRESS_CONNS="${PROXY_FRONT_STRESS_CONNS:-300}"
status=0
GATEWAY_STRESS_PATHS=native LD_PRELOAD="$libasan" node --test build/test/unit/gateway/stress.test.js || status=$?
# The accept drain (acceptPending) under the same build: bursts over HTTP and TLS, the cap, close.
[ "$status" != 0 ] || LD_PRELOAD="$libasan" node --test build/test/unit/core/accept-drain.test.js || status=$?
# The proxy's native front: its own tests, the parity test (both data paths) and the stress test on the native
# path (about 2 s here; PROXY_FRONT_ASAN_STRESS=0 leaves it out).
[ "$status" != 0 ] || LD_PRELOAD="$libasan" node --test --test-concurrency=1 build/test/unit/proxy/native-front.test.js build/test/unit/proxy/front-grpc.test.js || status=$?
[ "$status" != 0 ] || LD_PRELOAD="$libasan" node --test build/test/unit/proxy/front-parity.test.js || status=$?
# v3 JSON ranges over gRPC (grpc.c, rangepb.c) against a real member: the proxy process (only) gets the build.
[ "$status" != 0 ] || PROXY_FRONT_PRELOAD="$libasan" node --test build/test/e2e/proxy-v3grpc.e2e.test.js || status=$?
if [ "$status" = 0 ] && [ "${PROXY_FRONT_ASAN_STRESS:-1}" != 0 ]; then
  PROXY_FRONT_STRESS_PATHS=native LD_PRELOAD="$libasan" timeout -k 5 120 node --test build/test/unit/proxy/front-stress.test.js || status=$?
fi
if ls "$dir"/asan* >/dev/null 2>&1; then
  cat "$dir"/asan* >&2
  echo "AddressSanitizer reported errors" >&2
  exit 1
fi
[ "$status" = 0 ] || { echo "a test failed under AddressSanitizer (exit $status)" >&2; exit 1; }
echo "asan-gateway: stress test ($GATEWAY_STRESS_CONNS connections) and accept drain clean under AddressSanitizer"
echo "asan-gateway: proxy front tests, parity and v3 ranges over gRPC clean under AddressSanitizer"
[ "${PROXY_FRONT_ASAN_STRESS:-1}" = 0 ] || echo "asan-gateway: proxy front stress test ($PROXY_FRONT_STRESS_CONNS clients) clean under AddressSanitizer"
