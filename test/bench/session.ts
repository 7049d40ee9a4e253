// One bench session: cluster up with a pinned leader, the targets started and checked, a warm-up, then the
// interleaved schedule with the leader re-pinned (and v3 history compacted) as it goes.
import type { BenchCluster } from './cluster.js';
import { compact, leaderIndex, pinLeader, seedKeys, startCluster } from './cluster.js';
import { grpcCall } from './h2load.js';
import type { MemoryReport } from './memory.js';
import { measureMemory } from './memory.js';
import type { Step, TargetId, Workload } from './plan.js';
import { GRPC_ONLY_TARGETS, GRPC_TARGETS, READ_VALUE, allWorkloads, schedule, targetsOf } from './plan.js';
import type { ProcSet } from './procs.js';
import type { RunRecord } from './results.js';
import type { RunContext } from './runner.js';
import { runStep, warmUp } from './runner.js';
import type { Target } from './targets.js';
import { startTargets } from './targets.js';

/** What a session needs. */
export interface SessionOptions {
  readonly procs: ProcSet;
  readonly workDir: string;
  readonly basePort: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly workloads: readonly Workload[];
  readonly targets: readonly TargetId[];
  readonly profileDir: string | undefined;
  readonly edgeProxyArgs: readonly string[];
  readonly edgeGatewayArgs: readonly string[];
  readonly ticksPerS: number;
  readonly log: (line: string) => void;
}

/** What a session measured and noticed. */
export interface SessionResult {
  readonly runs: RunRecord[];
  readonly notes: string[];
  /** Memory per subcommand, measured before any load. */
  readonly memory: MemoryReport;
}

async function checkTarget(t: Target): Promise<void> {
  for (const port of t.ports) {
    if (GRPC_ONLY_TARGETS.includes(t.id)) continue;
    const res = await fetch(`http://127.0.0.1:${port}/v2/keys/bench`, { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.status !== 200 || !body.includes(READ_VALUE)) throw new Error(`${t.id} on ${port}: v2 GET gave ${res.status} ${body.slice(0, 200)}`);
  }
  for (const port of t.ports) {
    if (!GRPC_TARGETS.includes(t.id)) continue;
    for (const w of allWorkloads()) {
      if (w.tool !== 'h2load') continue;
      const size = await grpcCall(`http://127.0.0.1:${port}`, w.path, w.frame);
      if (size <= 5) throw new Error(`${t.id} on ${port}: gRPC ${w.path} answered an empty message`);
    }
  }
}

function describe(r: RunRecord, i: number, n: number): string {
  const cpu = r.cpuUsPerReq === undefined ? '' : ` cpu ${r.cpuUsPerReq.toFixed(0)} µs/req`;
  const rss = r.rssMb === undefined ? '' : ` rss ${r.rssMb.toFixed(0)} MB`;
  const err = r.errors > 0 ? ` FAILED ${r.errors}` : '';
  return `[round ${r.round + 1} ${i}/${n}] ${r.workload} ${r.target}: ${Math.round(r.rps)} req/s p50 ${(r.p50Us / 1000).toFixed(2)} ms `
    + `p99 ${(r.p99Us / 1000).toFixed(2)} ms${cpu} members ${r.membersCpuUsPerReq.toFixed(0)} µs/req${rss} busy ${r.machineBusyPct.toFixed(0)} %${err}`;
}

async function runSchedule(o: SessionOptions, cluster: BenchCluster, ctx: RunContext, leader: number): Promise<{ runs: RunRecord[]; moves: number }> {
  const steps: Step[] = schedule(o.rounds, o.workloads, ctx.targets.map((t) => t.id));
  const runs: RunRecord[] = [];
  let moves = 0;
  let round = -1;
  for (const [i, step] of steps.entries()) {
    if (step.round !== round) {
      round = step.round;
      await compact(cluster);
    }
    if (await pinLeader(cluster, leader)) { moves++; o.log(`raft leadership had moved; moved it back to ${cluster.members[leader]?.name}`); }
    const r = await runStep(ctx, step);
    runs.push(r);
    o.log(describe(r, i + 1, steps.length));
    await new Promise((res) => setTimeout(res, 300));
  }
  return { runs, moves };
}

/** Runs the whole measurement. */
export async function runSession(o: SessionOptions): Promise<SessionResult> {
  const notes: string[] = [];
  o.log(`starting a 3-member cluster on 127.0.0.1:${o.basePort}..${o.basePort + 5} in ${o.workDir}`);
  const cluster = await startCluster(o.procs, o.basePort, `${o.workDir}/cluster`);
  // "direct, 1 member" is infra1: it must be a follower.
  let leader = await leaderIndex(cluster);
  if (leader === 0) { leader = 1; await pinLeader(cluster, leader); }
  notes.push(`Cluster: 3 members (etcd-edge up --edge=false), data dir on ${o.workDir.startsWith('/dev/shm') ? 'tmpfs (/dev/shm)' : o.workDir}; `
    + `raft leader pinned on ${cluster.members[leader]?.name}; "direct, 1 member" is infra1 (a follower).`);
  await seedKeys(cluster);
  const p = o.basePort + 6;
  const { targets, skipped } = await startTargets({
    procs: o.procs, cluster, dataDir: o.workDir, ports: [p, p + 1, p + 2, p + 3, p + 4, p + 5, p + 6], profileDir: o.profileDir, edgeProxyArgs: o.edgeProxyArgs, edgeGatewayArgs: o.edgeGatewayArgs, leader,
  }, o.targets);
  notes.push(...skipped);
  for (const t of targets) await checkTarget(t);
  for (const t of targets) if (t.member !== undefined && t.id.endsWith('proxy')) notes.push(`${t.id} forwarded to ${t.member} (a follower; member refresh set to 1 h so it stays there).`);
  if (o.edgeProxyArgs.length > 0) notes.push(`etcd-edge proxy extra flags: ${o.edgeProxyArgs.join(' ')}`);
  if (o.edgeGatewayArgs.length > 0) notes.push(`etcd-edge gateway (native) extra flags: ${o.edgeGatewayArgs.join(' ')}`);
  o.log('measuring memory per subcommand (load and idle)');
  const memory = await measureMemory({ procs: o.procs, cluster, workDir: o.workDir, targets, ports: [p + 7, p + 8] });
  const ctx: RunContext = { cluster, targets, durationS: o.durationS, workDir: o.workDir, ticksPerS: o.ticksPerS, procs: o.procs };
  o.log('warming up every target');
  for (const t of targets) for (const w of o.workloads.filter((x) => targetsOf(x, [t.id]).length > 0 && ['v2-get-c32', 'v3-range', 'grpc-range'].includes(x.id))) await warmUp(ctx, w, t, 1);
  const { runs, moves } = await runSchedule(o, cluster, ctx, leader);
  notes.push(moves === 0 ? 'The raft leader stayed put for the whole run.' : `The raft leader moved ${moves} time(s) under load and was moved back before the next run.`);
  return { runs, notes, memory };
}
