// The probes: liveness answers "is this process alive", readiness "can it serve". etcd 3.6 has /livez and /readyz
// for exactly this split. etcd 3.4 has neither and ignores /health's serializable parameter (its /health fails
// without a leader), so there liveness is a serializable read through etcdctl, which a leaderless member serves.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ManifestsConfig } from './config.js';
import { probeStyleOf } from './images.js';
import { CLIENT_PORT, TOOLS_DIR } from './names.js';

/** Liveness: every 10 s, restarted after 8 failures in a row (80 s). */
export const LIVENESS = Object.freeze({ periodSeconds: 10, failureThreshold: 8, timeoutSeconds: 5 });

/**
 * Returns the exec liveness check for etcd before 3.6: a serializable read on the local member, answered from its
 * own store without a leader, through the same etcdctl flags as the scripts. It has no `$$` and no `$(`, so the
 * kubelet's static $(VAR) expansion of exec probes leaves it unchanged.
 */
export function livenessScript(o: { tls: boolean }): string {
  const scheme = o.tls ? 'https' : 'http';
  const tls = o.tls ? ' --cacert="$TLS_DIR/ca.crt" --cert="$TLS_DIR/$POD_NAME.crt" --key="$TLS_DIR/$POD_NAME.key"' : '';
  return `PATH="\${TOOLS_DIR:-${TOOLS_DIR}}:$PATH:/usr/local/bin:/opt/bitnami/etcd/bin"
export ETCDCTL_API=3
exec etcdctl --endpoints=${scheme}://127.0.0.1:${CLIENT_PORT} --dial-timeout=2s --command-timeout=3s${tls} \\
  get --consistency=s --keys-only --limit=1 etcd-edge-liveness >/dev/null
`;
}

/**
 * Builds the probes for the image's etcd version. The startup probe uses the liveness check, so a member that
 * starts while the cluster has no quorum is not restarted either; it allows 10 minutes for a join waiting its turn.
 * With TLS the client port wants client certificates, which kubelet cannot present: the plain metrics port serves
 * the HTTP checks.
 */
export function probes(c: ManifestsConfig): Pick<IContainer, 'readinessProbe' | 'livenessProbe' | 'startupProbe'> {
  const tls = c.tls === 'self-signed';
  const port = tls ? 'metrics' : 'client';
  const http = (p: string): Pick<IProbe, 'httpGet'> => ({ httpGet: { path: p, port, scheme: 'HTTP' } });
  const live: Pick<IProbe, 'httpGet' | 'exec'> = probeStyleOf(c.image) === 'livez'
    ? http('/livez')
    : { exec: { command: [`${TOOLS_DIR}/sh`, '-c', livenessScript({ tls })] } };
  const ready = http(probeStyleOf(c.image) === 'livez' ? '/readyz' : '/health');
  return {
    startupProbe: { ...live, periodSeconds: 10, failureThreshold: 60, timeoutSeconds: 5 },
    readinessProbe: { ...ready, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
    livenessProbe: { ...live, ...LIVENESS },
  };
}
