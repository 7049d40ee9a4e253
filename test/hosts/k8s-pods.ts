// StatefulSet pods on bed hosts, as a kubelet would run them: each pod is a namespace named like the pod, with the
// generated command (after $(VAR) expansion) run by the busybox sh the tools init container put into the tools
// volume, the Downward API environment, the API server's address and the ServiceAccount token, a volume dir and
// the TLS Secret as files; preStop runs verbatim. Clients are real etcdctl and curl on a client host.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ManifestsConfig } from '../../manifests/index.js';
import type { K8sObject } from '../../manifests/index.js';
import type { Bed, ExecResult } from '../netns/bed.js';
import { bedEnv } from '../netns/bed.js';
import { etcdctl, retry, why } from '../netns/clients.js';
import type { Daemon } from '../netns/daemon.js';
import { containerCommand, gracePeriodSeconds, mountSecret, podEnv, preStopCommand, resolveMounted } from '../helpers/kubelet.js';
import type { StatefulSetLike } from '../helpers/kubelet.js';

/** The host every client command runs on. */
export const CLIENT_HOST = 'client';

/** One generated cluster running on the bed. */
export interface Cluster {
  readonly bed: Bed;
  readonly config: ManifestsConfig;
  readonly objects: readonly K8sObject[];
  /** The pod IPs by ordinal. */
  readonly ips: readonly string[];
  /** Acknowledged writes, checked at the end. */
  readonly acked: Map<string, string>;
  readonly pods: Map<number, Daemon>;
  /** What every pod of the bed shares: the tools volume, the ServiceAccount mount and the API server's address. */
  readonly node: PodNode;
  /** The StatefulSet's spec.replicas as the API server answers it; set with setReplicas. */
  replicas: number;
}

/** The kubelet's side of the bed: the tools volume the init containers filled, the token mount, the API server. */
export interface PodNode {
  readonly tools: string;
  readonly serviceAccount: string;
  readonly apiHost: string;
  readonly apiPort: number;
  /** Where the API server reads each StatefulSet's replicas (<namespace>.<name>). */
  readonly apiState: string;
}

/** A `member list` row. */
export interface MemberRow { readonly id: string; readonly status: string; readonly name: string; readonly peer: string; readonly client: string; readonly learner: boolean }

const tls = (c: Cluster): boolean => c.config.tls === 'self-signed';
/** The generated StatefulSet of a cluster. */
export const sts = (c: Cluster): StatefulSetLike => c.objects.find((o) => o.kind === 'StatefulSet') as unknown as StatefulSetLike;
const secret = (c: Cluster, name: string): { data?: Record<string, string> } => {
  const s = c.objects.find((o) => o.kind === 'Secret' && o.metadata?.name === name);
  assert.ok(s, `no Secret ${name}`);
  return s as { data?: Record<string, string> };
};

/** The bed host (network namespace) of a pod: named like the pod. */
export function podHost(c: Cluster, i: number): string {
  return `${c.config.name}-${i}`;
}

/** The stable DNS name of a pod. */
export function podDns(c: Cluster, i: number): string {
  return `${c.config.name}-${i}.${c.config.name}.${c.config.namespace}.svc.${c.config.clusterDomain}`;
}

/** The client URL of a pod, by its DNS name. */
export function clientUrl(c: Cluster, i: number): string {
  return `${tls(c) ? 'https' : 'http'}://${podDns(c, i)}:2379`;
}

/** Mounts the client TLS Secret on the client host (for --tls self-signed); a no-op otherwise. */
export function mountClientTls(c: Cluster): void {
  if (tls(c)) mountSecret(secret(c, `${c.config.name}-client-tls`), path.join(c.bed.dir, 'tls', `${c.config.name}-client`));
}

/** The etcdctl TLS flags of the client host. */
export function clientTlsArgs(c: Cluster): string[] {
  if (!tls(c)) return [];
  const dir = path.join(c.bed.dir, 'tls', `${c.config.name}-client`);
  return ['--cacert', path.join(dir, 'ca.crt'), '--cert', path.join(dir, 'tls.crt'), '--key', path.join(dir, 'tls.key')];
}

/**
 * The environment the kubelet gives pod i: Downward API values, the API server's address (always injected, even
 * with enableServiceLinks false), and this bed's paths for the volume, the tools volume, the token and the Secret.
 */
export function envOf(c: Cluster, i: number, extra: Record<string, string> = {}): Record<string, string> {
  const volume = path.join(c.bed.dir, 'volumes', podHost(c, i));
  mkdirSync(volume, { recursive: true, mode: 0o755 });
  const overrides: Record<string, string> = {
    DATA_DIR: path.join(volume, 'data'), TOOLS_DIR: c.node.tools, SERVICEACCOUNT_DIR: c.node.serviceAccount,
    KUBERNETES_SERVICE_HOST: c.node.apiHost, KUBERNETES_SERVICE_PORT: String(c.node.apiPort), ...extra,
  };
  if (tls(c)) {
    overrides.TLS_DIR = path.join(c.bed.dir, 'tls', podHost(c, i));
    mountSecret(secret(c, `${c.config.name}-tls`), overrides.TLS_DIR);
  }
  return podEnv(sts(c), { name: podHost(c, i), namespace: c.config.namespace, ip: c.ips[i] as string }, overrides);
}

/** Returns the data dir of pod i on the bed. */
export function dataDir(c: Cluster, i: number): string {
  return path.join(c.bed.dir, 'volumes', podHost(c, i), 'data');
}

/** Sets the StatefulSet's spec.replicas the API server answers, as `kubectl scale` does. */
export function setReplicas(c: Cluster, n: number): void {
  c.replicas = n;
  writeFileSync(path.join(c.node.apiState, `${c.config.namespace}.${c.config.name}`), String(n));
}

/** Resolves a container path under the tools volume to this bed's tools dir. */
export function inTools(c: Cluster, file: string): string {
  return resolveMounted(sts(c), file, { tools: c.node.tools });
}

/**
 * Starts pod i: `<tools>/sh -c <the generated command after $(VAR) expansion>` (busybox ash) in its namespace. With `etcd: 'stub'`
 * an etcd that never starts stands in for the real one, as when a pod is killed between member add and etcd.
 */
export async function startPod(c: Cluster, i: number, opts: { etcd?: 'real' | 'stub' } = {}): Promise<Daemon> {
  const extra: Record<string, string> = {};
  if (opts.etcd === 'stub') {
    const stub = path.join(c.bed.dir, 'stub-bin');
    mkdirSync(stub, { recursive: true });
    writeFileSync(path.join(stub, 'etcd'), '#!/bin/sh\nexec sleep 600\n');
    chmodSync(path.join(stub, 'etcd'), 0o755);
    extra.PATH = `${stub}:${bedEnv(c.bed.dir).PATH}`;
  }
  const env = envOf(c, i, extra);
  const [sh, flag, script] = containerCommand(sts(c), env);
  assert.deepEqual([sh, flag], ['/tools/sh', '-c'], 'the container command is the tools volume\'s sh -c SCRIPT');
  const d = await c.bed.start(podHost(c, i), 'pod', inTools(c, sh as string), ['-c', script as string], { env });
  c.pods.set(i, d);
  return d;
}

/** Runs pod i's preStop hook as the kubelet does (verbatim, in the container's environment, within the grace period). */
export function runPreStop(c: Cluster, i: number): Promise<ExecResult> {
  const [sh, flag, script] = preStopCommand(sts(c));
  assert.deepEqual([sh, flag], ['/tools/sh', '-c'], 'the preStop hook is the tools volume\'s sh -c SCRIPT');
  return c.bed.exec(podHost(c, i), inTools(c, sh as string), ['-c', script as string], { env: envOf(c, i), timeoutMs: gracePeriodSeconds(sts(c)) * 1000 });
}

/** Runs etcdctl on the client host against the pods' DNS names (with the client certificate under TLS). */
export function ctl(c: Cluster, ordinals: readonly number[], args: readonly string[]): Promise<ExecResult> {
  const eps = ordinals.map((i) => clientUrl(c, i)).join(',');
  return etcdctl(c.bed, CLIENT_HOST, [...clientTlsArgs(c), '--endpoints', eps, '--dial-timeout', '2s', '--command-timeout', '5s', ...args]);
}

/** Returns the member list as seen through the given pods. */
export async function members(c: Cluster, ordinals: readonly number[]): Promise<MemberRow[]> {
  const r = await ctl(c, ordinals, ['member', 'list']);
  assert.equal(r.code, 0, why(r));
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const [id = '', status = '', name = '', peer = '', client = '', learner = ''] = l.split(', ');
    return { id, status, name, peer, client, learner: learner === 'true' };
  });
}

/** Waits until the member list through the given pods satisfies ok; returns the last list. */
export async function waitMembers(c: Cluster, ordinals: readonly number[], ok: (m: MemberRow[]) => boolean, timeoutMs = 60_000): Promise<MemberRow[]> {
  const r = await retry(async () => members(c, ordinals).catch(() => [] as MemberRow[]), ok, timeoutMs, 500);
  return r.result;
}

/** Tells whether a member list is exactly the given ordinals, all started voters with the DNS-name URLs. */
export function isExactly(c: Cluster, m: readonly MemberRow[], ordinals: readonly number[]): boolean {
  const want = ordinals.map((i) => `${podHost(c, i)} started false ${clientUrl(c, i).replace(/2379$/, '2380')} ${clientUrl(c, i)}`).sort();
  return JSON.stringify(m.map((r) => `${r.name} ${r.status} ${r.learner} ${r.peer} ${r.client}`).sort()) === JSON.stringify(want);
}

/** Puts a key through the given pods with retries and records it as acknowledged. */
export async function putKey(c: Cluster, ordinals: readonly number[], key: string, value: string): Promise<void> {
  const { result, attempts } = await retry(() => ctl(c, ordinals, ['put', key, value]), (r) => r.code === 0, 30_000);
  assert.equal(result.code, 0, `put ${key}, ${attempts} attempts: ${why(result)}`);
  c.acked.set(key, value);
}

/** Asserts every acknowledged key reads back with its value through the given pods. */
export async function assertAcked(c: Cluster, ordinals: readonly number[]): Promise<void> {
  assert.ok(c.acked.size > 0, 'keys were written');
  for (const [key, value] of c.acked) {
    const r = await ctl(c, ordinals, ['get', key, '--print-value-only']);
    assert.equal(r.stdout.trim(), value, `${key}: ${why(r)}`);
  }
}
