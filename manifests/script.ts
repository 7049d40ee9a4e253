// The generated container command and preStop hook (POSIX sh + etcdctl). Start: a data dir restarts the member
// (or, when the cluster removed it, joins again); an initial ordinal without data bootstraps; any other joins as a
// learner (removing a stale half-joined member first) and is promoted once caught up. The preStop hook is in
// prestop.ts.
import { prelude, schemeOf } from './script-common.js';
import type { ScriptOptions } from './script-common.js';

function etcdTlsFlags(o: ScriptOptions): string {
  if (!o.tls) return '';
  const pair = (p: string): string => ` --${p}cert-file="$TLS_DIR/$name.crt" --${p}key-file="$TLS_DIR/$name.key" --${p}trusted-ca-file="$TLS_DIR/ca.crt"`;
  // The client port needs client certificates, so probes use the plain-http metrics listener (/health on 2381).
  return `${pair('')} --client-cert-auth${pair('peer-')} --peer-client-cert-auth \\\n    --listen-metrics-urls="http://$lip:2381"`;
}

function runEtcd(o: ScriptOptions): string {
  const s = schemeOf(o);
  return `# Starts etcd in the background ($1: new|existing, $2: the initial cluster). Listen URLs must be IPs (etcd
# refuses names there); advertise URLs are the stable DNS names, which survive a pod moving to another IP.
run_etcd() {
  etcd --name="$name" --data-dir="$data" --logger=zap \\
    --listen-peer-urls="${s}://$lip:2380" --listen-client-urls="${s}://$lip:2379,${s}://127.0.0.1:2379" \\
    --initial-advertise-peer-urls="$self_peer" --advertise-client-urls="$self_client" \\
    --initial-cluster="$2" --initial-cluster-state="$1" --initial-cluster-token="$set_name-$ns"${etcdTlsFlags(o)} &
  pid=$!
  # sh is PID 1 of the container: it hands the kubelet's SIGTERM to etcd and waits for it below.
  trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
}

wait_etcd() {
  while :; do
    wait "$pid"
    status=$?
    kill -0 "$pid" 2>/dev/null || break
  done
  log "etcd exited with status $status"
  exit "$status"
}

# A learner is promoted once it has caught up; etcd refuses earlier ("can only promote a learner member which is
# in sync with leader"), so this retries while etcd runs. A voter returns at once.
ensure_voter() {
  eps=$(others)
  eps=\${eps:-$self_client}
  while kill -0 "$pid" 2>/dev/null; do
    if entry=$(lookup_self "$eps") && [ -n "$entry" ]; then
      set -- $entry
      [ "$3" = true ] || return 0
      if out=$(ctl "$eps" member promote "$1" 2>&1); then log "promoted to a voting member"; return 0; fi
      log "not promoted yet: \${out##*"$nl"}"
    fi
    sleep 2
  done
}
`;
}

function join(): string {
  return `# Joins a running cluster: removes a stale member with this pod's peer URL (a pod restarted between member add
# and its first start, or one whose data is gone), adds itself as a learner (it does not count towards quorum until
# promoted), then starts with state existing and the initial cluster member add printed.
join() {
  eps=$(others)
  [ -n "$eps" ] || die "there is no other member to join (INITIAL_CLUSTER_SIZE=$size)"
  while :; do
    if ! entry=$(lookup_self "$eps"); then log "no member answered at $eps; retrying"; sleep 3; continue; fi
    if [ -n "$entry" ]; then
      set -- $entry
      log "removing the stale member $1 ($2) that has this pod's peer URL"
      if ! out=$(ctl "$eps" member remove "$1" 2>&1); then log "member remove failed: \${out##*"$nl"}"; sleep 3; continue; fi
    fi
    if added=$(ctl "$eps" member add "$name" --peer-urls="$self_peer" --learner 2>&1); then break; fi
    # Refusals are expected: one learner at a time, and no change unless every voter is connected.
    log "member add refused, retrying: \${added##*"$nl"}"
    sleep 3
  done
  cluster=
  while IFS= read -r line; do
    case $line in ETCD_INITIAL_CLUSTER=*) cluster=\${line#*=}; cluster=\${cluster#\\"}; cluster=\${cluster%\\"} ;; esac
  done <<EOF
$added
EOF
  [ -n "$cluster" ] || die "member add printed no ETCD_INITIAL_CLUSTER: $added"
  log "added as a learner; joining with the initial cluster $cluster"
  rm -rf "$data"
  run_etcd existing "$cluster"
  ensure_voter
  wait_etcd
}
`;
}

function main(o: ScriptOptions): string {
  const s = schemeOf(o);
  return `# The initial cluster: the first INITIAL_CLUSTER_SIZE pods, by their stable DNS names.
initial_cluster() {
  i=0
  list=
  while [ "$i" -lt "$size" ]; do
    list="$list\${list:+,}$set_name-$i=${s}://$(host_of "$i"):2380"
    i=$((i + 1))
  done
  echo "$list"
}

has_wal() {
  for f in "$data"/member/wal/*.wal; do [ -e "$f" ] && return 0; done
  return 1
}

trap 'log "stopped before etcd started"; exit 143' TERM INT
if has_wal; then
  # Asked first: etcd refuses to run with the data of a removed member, so that data is discarded and the
  # member joins again. When nobody answers (the whole cluster restarting), the member starts as it is.
  if entry=$(lookup_self "$(others)") && [ -z "$entry" ]; then
    log "the cluster no longer lists this member (a preStop hook or an operator removed it); joining again"
    join
  fi
  log "restarting the member from its data dir"
  if [ "$ord" -lt "$size" ]; then run_etcd new "$(initial_cluster)"; else run_etcd existing "$name=$self_peer"; fi
  ensure_voter
  wait_etcd
fi
if [ "$ord" -lt "$size" ]; then
  # An initial member without data bootstraps, unless the cluster already runs and lists it as started: then its
  # volume was lost, and it must join again as a new member.
  if entry=$(lookup_self "$(others)"); then
    set -- $entry
    if [ $# -eq 0 ] || [ "$2" = started ]; then log "the cluster runs without this member's data; joining it again"; join; fi
  fi
  rm -rf "$data"
  log "bootstrapping the initial cluster of $size members"
  run_etcd new "$(initial_cluster)"
  wait_etcd
fi
join
`;
}

/** Returns the container command's script: start, join or restart the member, then run etcd until it exits. */
export function memberScript(o: ScriptOptions): string {
  const checks = `ip=\${POD_IP:-}
require POD_IP "$ip" "Downward API field status.podIP"
case $ip in *:*) lip="[$ip]" ;; *) lip=$ip ;; esac
${o.tls ? '[ -r "$TLS_DIR/$name.crt" ] || die "no certificate for $name in $TLS_DIR: regenerate the Secret with a larger --max-replicas"\n' : ''}`;
  return `# etcd member start script (generated by etcd-edge manifests k8s; POSIX sh + etcdctl).
${prelude(o)}${checks}
${runEtcd(o)}
${join()}
${main(o)}`;
}
