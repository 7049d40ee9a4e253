// The kubelet and API server around the simulated pods: the init containers (the tools volume), the ServiceAccount
// mount and a stand-in API server answering the StatefulSet's scale; probes run as the kubelet runs them (exec in
// the container's environment, httpGet to the pod IP), a liveness loop that restarts a container after
// failureThreshold failures in a row, and pod termination for its two reasons: a scale-down (spec.replicas lowered
// first) or a restart (rolling update, drain, eviction: spec.replicas unchanged), each preStop → SIGTERM → SIGKILL
// at the end of the grace period.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CA_CERT, CA_KEY, createCa, issueCertificate, loadCa } from '../../certs/index.js';
import { requireTool } from '../helpers/etcd.js';
import { gracePeriodSeconds, initCommands, execProbeCommand, probeOf, probePort } from '../helpers/kubelet.js';
import type { ProbeKind, StatefulSetLike } from '../helpers/kubelet.js';
import type { Bed, ExecResult } from '../netns/bed.js';
import { curl, retry } from '../netns/clients.js';
import { CLIENT_HOST, envOf, inTools, podHost, runPreStop, setReplicas, startPod, sts } from './k8s-pods.js';
import type { Cluster, PodNode } from './k8s-pods.js';

const API_PORT = 6443;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sets up what the pods of a bed share: runs the tools init container's command (the host's static busybox copies
 * itself into the tools dir), stands in for the kubectl init container with the host's kubectl, writes the
 * ServiceAccount mount (token, CA, namespace) and starts the API server on apiHost with a certificate for its IP.
 */
export async function startNode(bed: Bed, generated: StatefulSetLike, apiHost: string, apiIp: string, namespace: string): Promise<PodNode> {
  requireTool('busybox', 'busybox-static');
  requireTool('kubectl', 'kubernetes-client');
  const tools = path.join(bed.dir, 'tools');
  mkdirSync(tools, { recursive: true });
  const [busybox, kubectl] = initCommands(generated);
  assert.deepEqual(busybox?.slice(0, 3), ['/bin/busybox', 'sh', '-c'], 'the tools init container runs its busybox');
  execFileSync('/bin/busybox', ['sh', '-c', busybox?.[3] as string], { env: { TOOLS_DIR: tools } });
  assert.deepEqual(kubectl, ['/tools/busybox', 'cp', '/bin/kubectl', '/tools/kubectl'], 'the kubectl init container copies kubectl');
  symlinkSync(realpathSync(execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim()), path.join(tools, 'kubectl'));

  const pki = path.join(bed.dir, 'api-pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const ca = await createCa({ commonName: 'kubernetes CA' });
  writeFileSync(path.join(pki, CA_CERT), ca.certPem, { mode: 0o600 });
  writeFileSync(path.join(pki, CA_KEY), ca.keyPem, { mode: 0o600 });
  const cert = await issueCertificate({ profile: 'member', commonName: 'kube-apiserver', hosts: { dns: ['kubernetes.default.svc'], ips: [apiIp] }, issuer: await loadCa(pki) });
  writeFileSync(path.join(pki, 'api.crt'), cert.certPem);
  writeFileSync(path.join(pki, 'api.key'), cert.keyPem, { mode: 0o600 });
  const serviceAccount = path.join(bed.dir, 'serviceaccount');
  mkdirSync(serviceAccount, { recursive: true });
  writeFileSync(path.join(serviceAccount, 'token'), `token-${bed.id}`);
  writeFileSync(path.join(serviceAccount, 'ca.crt'), ca.certPem);
  writeFileSync(path.join(serviceAccount, 'namespace'), namespace);
  const apiState = path.join(bed.dir, 'api-state');
  mkdirSync(apiState, { recursive: true });
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'k8s-apiserver.js');
  await bed.start(apiHost, 'apiserver', process.execPath, [script, `${apiIp}:${API_PORT}`, path.join(pki, 'api.crt'), path.join(pki, 'api.key'),
    path.join(serviceAccount, 'token'), apiState]).then((d) => d.waitFor(/apiserver ready/, 10_000));
  return { tools, serviceAccount, apiHost: apiIp, apiPort: API_PORT, apiState };
}

/** One probe's outcome, as the kubelet judges it. */
export interface ProbeResult { readonly ok: boolean; readonly detail: string }

/** Runs pod i's probe of a kind as the kubelet does: exec in the container's environment, or httpGet to the pod IP. */
export async function runProbe(c: Cluster, i: number, kind: ProbeKind): Promise<ProbeResult> {
  const p = probeOf(sts(c), kind);
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  const cmd = execProbeCommand(p, sts(c));
  if (cmd) {
    const [file, ...args] = cmd;
    const r: ExecResult = await c.bed.exec(podHost(c, i), inTools(c, file as string), args, { env: envOf(c, i), timeoutMs });
    return { ok: r.code === 0, detail: `exec exit ${r.code} ${r.stderr.trim().split('\n').pop() ?? ''}` };
  }
  const url = `http://${c.ips[i] as string}:${String(probePort(sts(c), p))}${p.httpGet?.path ?? '/'}`;
  const r = await curl(c.bed, CLIENT_HOST, [url], timeoutMs + 1000);
  return { ok: r.status >= 200 && r.status < 400, detail: `GET ${url} ${r.status} ${r.body.trim()}` };
}

/** What a liveness loop saw. */
export interface LivenessReport { readonly probes: number; readonly failures: number; readonly maxInARow: number; readonly restarted: number[] }

/**
 * Runs the liveness probe of each ordinal every periodSeconds × timeScale (the manifest's cadence, compressed) as
 * the kubelet does, restarting (SIGKILL, then the member script again) a container after failureThreshold failures
 * in a row. Returns stop(), which ends the loop and reports.
 */
export function watchLiveness(c: Cluster, ordinals: readonly number[], timeScale: number): { stop(): Promise<LivenessReport> } {
  const p = probeOf(sts(c), 'liveness');
  const periodMs = (p.periodSeconds ?? 10) * 1000 * timeScale;
  const threshold = p.failureThreshold ?? 3;
  const inARow = new Map<number, number>();
  const report = { probes: 0, failures: 0, maxInARow: 0, restarted: [] as number[] };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      await Promise.all(ordinals.map(async (i) => {
        const r = await runProbe(c, i, 'liveness');
        report.probes++;
        const n = r.ok ? 0 : (inARow.get(i) ?? 0) + 1;
        if (!r.ok) report.failures++;
        inARow.set(i, n);
        report.maxInARow = Math.max(report.maxInARow, n);
        if (n >= threshold) {
          report.restarted.push(i);
          inARow.set(i, 0);
          await c.bed.crash(podHost(c, i));
          await startPod(c, i);
        }
      }));
      await sleep(Math.max(0, periodMs - (Date.now() - t0)));
    }
  })();
  return { async stop() { stopped = true; await loop; return report; } };
}

/** Why a pod is terminated: its ordinal left spec.replicas, or it is replaced with spec.replicas unchanged. */
export type TerminationReason = 'scale-down' | 'restart';

/**
 * Terminates pod i as the kubelet does: preStop, then SIGTERM to the main process, then SIGKILL when the grace
 * period runs out. Returns the hook's result and whether the pod stopped within the grace period.
 */
export async function terminatePod(c: Cluster, i: number, reason: TerminationReason): Promise<{ hook: ExecResult; inGrace: boolean }> {
  assert.equal(reason === 'scale-down', i >= c.replicas, `a ${reason} of ordinal ${i} with spec.replicas ${c.replicas}`);
  const d = c.pods.get(i);
  assert.ok(d, `pod ${i} was started`);
  const deadline = Date.now() + gracePeriodSeconds(sts(c)) * 1000;
  const hook = await runPreStop(c, i);
  d.kill('SIGTERM');
  const done = await retry(async () => c.bed.processes(podHost(c, i)), (ps) => ps.length === 0, Math.max(0, deadline - Date.now()), 200);
  const inGrace = done.result.length === 0;
  if (!inGrace) await c.bed.crash(podHost(c, i));
  return { hook, inGrace };
}

/** Scales the StatefulSet to n as its controller does with Parallel pods: spec.replicas first, then every pod at once. */
export async function scaleTo(c: Cluster, n: number): Promise<Map<number, ExecResult>> {
  const before = c.replicas;
  setReplicas(c, n);
  const hooks = new Map<number, ExecResult>();
  const gone = [...c.pods.keys()].filter((i) => i >= n && i < before);
  await Promise.all(gone.map(async (i) => {
    const t = await terminatePod(c, i, 'scale-down');
    assert.ok(t.inGrace, `${podHost(c, i)} stopped within the grace period`);
    hooks.set(i, t.hook);
    c.pods.delete(i);
  }));
  for (let i = before; i < n; i++) await startPod(c, i);
  return hooks;
}
