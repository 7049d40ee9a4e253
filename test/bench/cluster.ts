// The cluster under test: `etcd-edge up --edge=false` on ports chosen at run time, the members' PIDs (from its
// log), their raft IDs and the leader (v3 JSON /v3/maintenance/status), leadership pinned on a chosen member
// (/v3/maintenance/transfer-leadership), the keys the workloads read, and compaction between rounds.
import { BIN, BIN_NODE_FLAGS } from '../helpers/bin.js';
import type { BenchProc, ProcSet } from './procs.js';
import { READ_KEY, READ_VALUE } from './plan.js';

/** One member of the bench cluster. */
export interface BenchMember {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly pid: number;
  readonly id: string;
}

/** The running cluster. */
export interface BenchCluster {
  readonly proc: BenchProc;
  readonly members: readonly BenchMember[];
  clientUrl(i: number): string;
  peerUrl(i: number): string;
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

interface Status { readonly id: string; readonly leader: string; readonly revision: number }

async function status(clientUrl: string): Promise<Status> {
  const s = await postJson(`${clientUrl}/v3/maintenance/status`, {});
  const header = s.header as Record<string, string>;
  return { id: String(header.member_id), leader: String(s.leader), revision: Number(header.revision) };
}

/** Starts the bundled 3-member cluster (clients on P..P+2, peers on P+3..P+5) and waits until it is up. */
export async function startCluster(procs: ProcSet, basePort: number, dataDir: string): Promise<BenchCluster> {
  // No metrics listener: its bundled slot (P+8) is where the bench puts a target.
  const proc = procs.start('etcd-edge up', process.execPath, [...BIN_NODE_FLAGS, BIN, 'up', '--base-port', String(basePort), '--edge=false', '--listen-metrics-urls=', '--data-dir', dataDir]);
  await proc.waitFor(/"msg":"etcd-edge is up"/, 90_000);
  const clientUrl = (i: number): string => `http://127.0.0.1:${basePort + i}`;
  const members: BenchMember[] = [];
  for (let i = 0; i < 3; i++) {
    const name = `infra${i + 1}`;
    const m = [...proc.output().matchAll(new RegExp(`"member":"${name}","memberPid":(\\d+)`, 'g'))].pop();
    if (!m) throw new Error(`no PID logged for member ${name}`);
    members.push({ name, clientPort: basePort + i, peerPort: basePort + 3 + i, pid: Number(m[1]), id: (await status(clientUrl(i))).id });
  }
  return { proc, members, clientUrl, peerUrl: (i) => `http://127.0.0.1:${basePort + 3 + i}` };
}

/** Returns the index of the current leader (as member 0 sees it). */
export async function leaderIndex(c: BenchCluster): Promise<number> {
  const s = await status(c.clientUrl(0));
  const i = c.members.findIndex((m) => m.id === s.leader);
  if (i === -1) throw new Error(`leader ${s.leader} is not a member`);
  return i;
}

/** Moves leadership to member `to` unless it already leads; resolves true when it had to move it. */
export async function pinLeader(c: BenchCluster, to: number): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const from = await leaderIndex(c);
    if (from === to) return attempt > 0;
    try {
      await postJson(`${c.clientUrl(from)}/v3/maintenance/transfer-leadership`, { targetID: (c.members[to] as BenchMember).id });
    } catch {
      // The leader changed under us, or the transfer timed out: look again.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`could not move raft leadership to ${(c.members[to] as BenchMember).name}`);
}

/** Writes the key the read workloads read, in the v2 and the v3 store. */
export async function seedKeys(c: BenchCluster): Promise<void> {
  const res = await fetch(`${c.clientUrl(0)}/v2/keys/${READ_KEY}`, {
    method: 'PUT', body: new URLSearchParams({ value: READ_VALUE }), signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`v2 PUT /v2/keys/${READ_KEY}: ${res.status} ${await res.text()}`);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  await postJson(`${c.clientUrl(0)}/v3/kv/put`, { key: b64(READ_KEY), value: b64(READ_VALUE) });
}

/** Compacts the v3 history up to now, so the put workloads of earlier rounds do not weigh on later ones. */
export async function compact(c: BenchCluster): Promise<void> {
  const { revision } = await status(c.clientUrl(0));
  if (revision <= 1) return;
  try {
    await postJson(`${c.clientUrl(0)}/v3/kv/compaction`, { revision: String(revision), physical: true });
  } catch (err) {
    // Nothing was written since the last compaction (a round of reads only): already compacted, nothing to do.
    if (!/required revision has been compacted/.test((err as Error).message)) throw err;
  }
}
