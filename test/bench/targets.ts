// The targets in front of the cluster: etcd's Go gateway and v2 proxy, ours, each on a port chosen at run time.
// Both proxies stick to one member (as etcd's does) and reshuffle at each refresh: the refresh is set to an hour,
// and a proxy that picked the leader is restarted, so that, like "direct, 1 member", they use a follower.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, BIN_NODE_FLAGS } from '../helpers/bin.js';
import type { BenchCluster } from './cluster.js';
import type { TargetId } from './plan.js';
import type { BenchProc, ProcSet } from './procs.js';

/** Where a target listens, and the process to watch (none for direct). */
export interface Target {
  readonly id: TargetId;
  /** One port, or the three members' client ports for direct-3. */
  readonly ports: readonly number[];
  readonly proc: BenchProc | undefined;
  /** Which member a proxy forwards to. */
  readonly member?: string;
}

/** How to start the targets. */
export interface TargetOptions {
  readonly procs: ProcSet;
  readonly cluster: BenchCluster;
  readonly dataDir: string;
  /** Free ports for go-gateway, edge-gateway, go-proxy, edge-proxy, haproxy, edge-gateway-js, go-grpc-proxy. */
  readonly ports: readonly [number, number, number, number, number, number, number];
  /** Write node --cpu-prof profiles of our processes here. */
  readonly profileDir: string | undefined;
  /** Extra flags for `etcd-edge proxy` (e.g. --access-log info). */
  readonly edgeProxyArgs: readonly string[];
  /** Extra flags for the native etcd-edge gateway. */
  readonly edgeGatewayArgs: readonly string[];
  /** The leader's index: the proxies must not use it. */
  readonly leader: number;
}

const READY = /ready to proxy client requests/;
const REFRESH_MS = '3600000';

function nodeArgs(o: TargetOptions, id: TargetId): string[] {
  // The flags of the CLI's first line first: the targets run as `npx etcd-edge` runs them.
  return [...BIN_NODE_FLAGS, ...(o.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.join(o.profileDir, id)])];
}

function initialCluster(c: BenchCluster): string {
  return c.members.map((m, i) => `${m.name}=${c.peerUrl(i)}`).join(',');
}

async function startGoGateway(o: TargetOptions): Promise<Target> {
  const port = o.ports[0];
  const endpoints = o.cluster.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
  const proc = o.procs.start('etcd gateway', 'etcd', ['gateway', 'start', '--listen-addr', `127.0.0.1:${port}`, '--endpoints', endpoints]);
  await proc.waitFor(READY, 30_000);
  return { id: 'go-gateway', ports: [port], proc };
}

async function startEdgeGateway(o: TargetOptions, id: 'edge-gateway' | 'edge-gateway-js'): Promise<Target> {
  const port = id === 'edge-gateway' ? o.ports[1] : o.ports[5];
  const endpoints = o.cluster.members.map((_, i) => o.cluster.clientUrl(i)).join(',');
  const proc = o.procs.start(`etcd-edge gateway (${id === 'edge-gateway' ? 'native' : 'js'})`, process.execPath, [...nodeArgs(o, id), BIN, 'gateway', 'start',
    '--listen-addr', `127.0.0.1:${port}`, '--endpoints', endpoints, '--data-path', id === 'edge-gateway' ? 'native' : 'js', ...(id === 'edge-gateway' ? o.edgeGatewayArgs : [])]);
  await proc.waitFor(READY, 30_000);
  if (id === 'edge-gateway' && !/"dataPath":"native"/.test(proc.output())) throw new Error('the native data path did not load (see the gateway log)');
  return { id, ports: [port], proc };
}

/** HAProxy 2.6 in TCP mode, one thread, the anchor configuration of the data-path notes, in the foreground (-db). */
async function startHaproxy(o: TargetOptions): Promise<Target> {
  const port = o.ports[4];
  const cfg = path.join(o.dataDir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global', '  nbthread 1', '  maxconn 4096', '',
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 300s', '  timeout server 300s', '',
    'listen etcd', `  bind 127.0.0.1:${port}`, '  balance roundrobin',
    ...o.cluster.members.map((m) => `  server ${m.name} 127.0.0.1:${m.clientPort}`), '',
  ].join('\n'));
  const proc = o.procs.start('haproxy', 'haproxy', ['-db', '-f', cfg]);
  for (let i = 0; i < 100; i++) {
    if (await connects(port)) return { id: 'haproxy', ports: [port], proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`haproxy did not listen on ${port}: ${proc.output().slice(-500)}`);
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** etcd's grpc-proxy on infra1 (a follower, as the proxies use one). */
async function startGoGrpcProxy(o: TargetOptions): Promise<Target> {
  const port = o.ports[6];
  const proc = o.procs.start('etcd grpc-proxy', 'etcd', ['grpc-proxy', 'start', '--listen-addr', `127.0.0.1:${port}`,
    '--endpoints', `127.0.0.1:${o.cluster.members[0]?.clientPort ?? 0}`, '--data-dir', path.join(o.dataDir, 'go-grpc-proxy')]);
  await proc.waitFor(/listening for gRPC proxy client requests|started gRPC proxy|gRPC proxy/, 30_000);
  return { id: 'go-grpc-proxy', ports: [port], proc, member: o.cluster.members[0]?.name ?? '' };
}

function startGoProxy(o: TargetOptions, attempt: number): Promise<BenchProc> {
  const port = o.ports[2];
  const proc = o.procs.start('etcd v2 proxy', 'etcd', ['--proxy', 'on', '--name', 'bench-proxy',
    '--data-dir', path.join(o.dataDir, `go-proxy-${attempt}`), '--listen-client-urls', `http://127.0.0.1:${port}`,
    '--initial-cluster', initialCluster(o.cluster), '--proxy-refresh-interval', REFRESH_MS]);
  return proc.waitFor(/v2 proxy started listening on client requests/, 30_000).then(() => proc);
}

function startEdgeProxy(o: TargetOptions, attempt: number): Promise<BenchProc> {
  const port = o.ports[3];
  const proc = o.procs.start('etcd-edge proxy', process.execPath, [...nodeArgs(o, 'edge-proxy'), BIN, 'proxy',
    '--data-dir', path.join(o.dataDir, `edge-proxy-${attempt}`), '--listen-client-urls', `http://127.0.0.1:${port}`,
    '--initial-cluster', initialCluster(o.cluster), '--proxy-refresh-interval', REFRESH_MS, ...o.edgeProxyArgs]);
  return proc.waitFor(READY, 30_000).then(() => proc);
}

/** Returns the member a proxy sends requests to: the first of its available endpoints. */
async function proxyMember(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/v2/config/local/proxy`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { endpoints?: string[] };
  const first = body.endpoints?.[0];
  if (first === undefined) throw new Error(`proxy on ${port} has no endpoint`);
  return first;
}

/** Starts a proxy until it picks a follower (the shuffle gives the leader 1 time in 3). */
async function startProxyOnFollower(o: TargetOptions, id: 'go-proxy' | 'edge-proxy'): Promise<Target> {
  const port = id === 'go-proxy' ? o.ports[2] : o.ports[3];
  const leaderUrl = o.cluster.clientUrl(o.leader);
  for (let attempt = 0; attempt < 12; attempt++) {
    const proc = await (id === 'go-proxy' ? startGoProxy(o, attempt) : startEdgeProxy(o, attempt));
    const url = await proxyMember(port);
    if (url !== leaderUrl) {
      const i = o.cluster.members.findIndex((_, k) => o.cluster.clientUrl(k) === url);
      return { id, ports: [port], proc, member: o.cluster.members[i]?.name ?? url };
    }
    await proc.stop();
  }
  throw new Error(`${id} kept picking the leader`);
}

async function startOne(o: TargetOptions, id: TargetId): Promise<Target> {
  const members = o.cluster.members;
  if (id === 'direct-1') return { id, ports: [(members[0] as { clientPort: number }).clientPort], proc: undefined, member: members[0]?.name ?? '' };
  if (id === 'direct-3') return { id, ports: members.map((m) => m.clientPort), proc: undefined };
  if (id === 'go-gateway') return startGoGateway(o);
  if (id === 'edge-gateway' || id === 'edge-gateway-js') return startEdgeGateway(o, id);
  if (id === 'haproxy') return startHaproxy(o);
  if (id === 'go-grpc-proxy') return startGoGrpcProxy(o);
  return startProxyOnFollower(o, id as 'go-proxy' | 'edge-proxy');
}

/**
 * Starts every target the bench measures (the direct ones need nothing). etcd's own gateway and v2 proxy may be
 * missing (etcd 3.6 has no v2 proxy): they are then left out and reported; ours failing to start is an error.
 */
export async function startTargets(o: TargetOptions, enabled: readonly TargetId[]): Promise<{ targets: Target[]; skipped: string[] }> {
  const targets: Target[] = [];
  const skipped: string[] = [];
  for (const id of enabled) {
    try {
      targets.push(await startOne(o, id));
    } catch (err) {
      if (id !== 'go-gateway' && id !== 'go-proxy' && id !== 'go-grpc-proxy' && id !== 'haproxy') throw err;
      skipped.push(`${id} was left out: it did not start (${(err as Error).message.split('\n')[0] ?? ''})`);
    }
  }
  return { targets, skipped };
}
