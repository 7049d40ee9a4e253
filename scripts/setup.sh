#!/usr/bin/env bash
# Installs everything etcd-edge and its tests need on Debian/Ubuntu (run as root): the system packages that are
# missing (etcd, etcdctl, OpenSSH, dig, curl, openssl, iproute2, wrk, h2load), the npm dependencies, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "error: node is not installed; etcd-edge needs Node.js 20 (20.19+), 22 (22.12+) or 24" >&2
  exit 2
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit((a===20&&b>=19)||(a===22&&b>=12)||a===24?0:1)'; then
  echo "error: node $(node --version) found; etcd-edge needs Node.js 20 (20.19+), 22 (22.12+) or 24" >&2
  exit 2
fi

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v dig >/dev/null 2>&1 || need+=(bind9-dnsutils)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
[ -x /usr/bin/setpriv ] || need+=(util-linux)             # members die with up/promote (setpriv --pdeathsig)
command -v wrk >/dev/null 2>&1 || need+=(wrk)                 # npm run bench
command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)   # npm run bench (gRPC through the gateways)
[ -x /bin/busybox ] || need+=(busybox-static)                 # the k8s hosts test: the pods' shell (static busybox)
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client) # the k8s hosts test: preStop reads the StatefulSet's scale
command -v chromium >/dev/null 2>&1 || need+=(chromium)         # the status page test drives a real browser
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)         # npm run bench (the HAProxy anchor; its service stays off)
command -v python3 >/dev/null 2>&1 || need+=(python3)         # the gateway's native addon (node-gyp)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)
[ -f /usr/share/llhttp/llhttp.c ] || need+=(node-llhttp)       # the proxy's native front: llhttp's C sources (node:http's parser)
[ -f /usr/include/nghttp2/nghttp2.h ] || need+=(libnghttp2-dev)  # the proxy's native front: nghttp2's header (the library is node's own)

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: missing packages: ${need[*]}; run this as root or install them with apt-get" >&2
    exit 2
  fi
  echo "installing: ${need[*]}"
  # Debian's etcd-server starts a system etcd on 127.0.0.1:2379; we want only the binary, so keep services
  # from starting during the install (policy-rc.d exit 101 = "action forbidden").
  created_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
  fi
  trap '[ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if printf '%s\n' "${need[@]}" | grep -qx etcd-server && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
    echo "note: disabled the etcd.service that etcd-server installs (etcd-edge runs its own members)"
  fi
  if printf '%s\n' "${need[@]}" | grep -qx haproxy && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now haproxy >/dev/null 2>&1 || true
    echo "note: disabled the haproxy.service that haproxy installs (the benchmark runs its own, in the foreground)"
  fi
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
echo "etcd-edge is built: $(etcd --version | head -1)"
