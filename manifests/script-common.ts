// The POSIX sh shared by the member script and the preStop hook: reading the pod's identity from the environment
// the StatefulSet gives it (Downward API + plain values), the pods' DNS names, etcdctl, and the member-list lookup.
// Only sh builtins, etcdctl, rm and sleep are used; busybox ash runs it in the pod and dash in the unit tests, so
// no bash-isms.

/** What the generated scripts depend on besides the environment. */
export interface ScriptOptions {
  /** https URLs, certificates from $TLS_DIR, client-certificate auth on both ports. */
  readonly tls: boolean;
}

/** Returns the URL scheme of the members. */
export function schemeOf(o: ScriptOptions): 'http' | 'https' {
  return o.tls ? 'https' : 'http';
}

/** Returns etcdctl's TLS flags for the pod's own certificate (empty without TLS). */
export function ctlTlsFlags(o: ScriptOptions): string {
  return o.tls ? ' --cacert="$TLS_DIR/ca.crt" --cert="$TLS_DIR/$name.crt" --key="$TLS_DIR/$name.key"' : '';
}

function identity(o: ScriptOptions): string {
  return `set -u
export ETCDCTL_API=3
# The init containers' busybox and kubectl first; images keep etcdctl in different places (etcd's /usr/local/bin,
# Debian /usr/bin, Bitnami /opt/bitnami/etcd/bin).
PATH="\${TOOLS_DIR:-/tools}:$PATH:/usr/local/bin:/opt/bitnami/etcd/bin"
nl='
'
log() { echo "etcd-member \${POD_NAME:-?}: $*" >&2; }
die() { log "$*"; exit 1; }
require() { [ -n "$2" ] || die "$1 is not set ($3)"; }

name=\${POD_NAME:-}
ns=\${POD_NAMESPACE:-}
svc=\${SERVICE_NAME:-}
domain=\${CLUSTER_DOMAIN:-cluster.local}
size=\${INITIAL_CLUSTER_SIZE:-}
data=\${DATA_DIR:-}
require POD_NAME "$name" "Downward API field metadata.name"
require POD_NAMESPACE "$ns" "Downward API field metadata.namespace"
require SERVICE_NAME "$svc" "the headless Service's name"
require DATA_DIR "$data" "a directory on the pod's volume"${o.tls ? '\nrequire TLS_DIR "${TLS_DIR:-}" "where the TLS Secret is mounted"' : ''}
set_name=\${name%-*}
ord=\${name##*-}
case $ord in ''|*[!0-9]*) die "pod name $name does not end in an ordinal" ;; esac
case $size in ''|*[!0-9]*|0) die "INITIAL_CLUSTER_SIZE=\\"$size\\" is not a positive number" ;; esac
# The data dir is wiped when this member must join again: never let a typo point that at the volume or at /.
case $data in /?*/?*) ;; *) die "DATA_DIR=\\"$data\\" must be a directory inside the volume" ;; esac
`;
}

function lookups(o: ScriptOptions): string {
  const scheme = schemeOf(o);
  return `# The stable DNS name of ordinal $1: <pod>.<headless service>.<namespace>.svc.<cluster domain>.
host_of() { echo "$set_name-$1.$svc.$ns.svc.$domain"; }
self_peer="${scheme}://$(host_of "$ord"):2380"
self_client="${scheme}://$(host_of "$ord"):2379"

# The client URLs of the other pods that may run a member: the initial ones and every lower ordinal.
others() {
  n=$size
  if [ "$ord" -ge "$n" ]; then n=$ord; fi
  i=0
  list=
  while [ "$i" -lt "$n" ]; do
    if [ "$i" -ne "$ord" ]; then list="$list\${list:+,}${scheme}://$(host_of "$i"):2379"; fi
    i=$((i + 1))
  done
  echo "$list"
}

# etcdctl against the endpoints in $1, with short timeouts so a missing pod costs seconds, not minutes.
ctl() {
  endpoints=$1
  shift
  etcdctl --endpoints="$endpoints" --dial-timeout=3s --command-timeout=8s${ctlTlsFlags(o)} "$@"
}

# Prints "ID STATUS IS_LEARNER" of the member whose peer URLs include this pod's, nothing when there is none;
# fails when no endpoint in $1 answered. Rows: "ID, STATUS, NAME, PEER URLS, CLIENT URLS, IS LEARNER".
lookup_self() {
  [ -n "$1" ] || return 1
  members=$(ctl "$1" member list 2>/dev/null) || return 1
  printf '%s\\n' "$members" | while IFS= read -r line; do
    [ -n "$line" ] || continue
    id=\${line%%, *}
    rest=\${line#*, }
    status=\${rest%%, *}
    rest=\${rest#*, }
    rest=\${rest#*, }
    peers=\${rest%%, *}
    case ",$peers," in *",$self_peer,"*) echo "$id $status \${line##*, }" ;; esac
  done
}
`;
}

/**
 * Returns the prelude: checked environment, the ordinal from the pod name, the pods' URLs, `ctl` (etcdctl with
 * short timeouts) and `lookup_self` (this pod's row of `member list`, matched by peer URL, since an unstarted
 * member has no name yet).
 */
export function prelude(o: ScriptOptions): string {
  return `${identity(o)}\n${lookups(o)}`;
}

/**
 * Escapes a script for a container's `command`: Kubernetes expands `$(VAR)` there and turns `$$` into `$`, so
 * doubling every `$` hands the shell the script unchanged. Lifecycle hooks are not expanded, so never for preStop.
 */
export function escapeForCommand(script: string): string {
  return script.replace(/\$/g, '$$$$');
}
