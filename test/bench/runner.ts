// Runs one step of the schedule: the load tool against one target for a fixed time, with the CPU ticks of the
// target's process and of the members read right before and after, and the process's peak RSS after.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchCluster } from './cluster.js';
import { runH2load } from './h2load.js';
import type { Step, Workload } from './plan.js';
import type { ProcSet } from './procs.js';
import { wrkShape } from './plan.js';
import { readCpuTicks, readMachineTicks, readPeakRssKb, sumTicks } from './procfs.js';
import type { RunRecord } from './results.js';
import type { Target } from './targets.js';
import { runWrk, totalErrors, wrkScript } from './wrk.js';

/** What every run needs. */
export interface RunContext {
  readonly cluster: BenchCluster;
  readonly targets: readonly Target[];
  readonly durationS: number;
  readonly workDir: string;
  readonly ticksPerS: number;
  readonly procs: ProcSet;
}

interface Load { requests: number; rps: number; p50Us: number; p99Us: number; p999Us?: number; maxUs?: number; errors: number }

function procTicks(t: Target): number | undefined {
  if (t.proc === undefined) return undefined;
  const s = readCpuTicks(t.proc.pid);
  if (s === undefined) throw new Error(`${t.proc.name} (PID ${t.proc.pid}) is gone`);
  return s.utime + s.stime;
}

async function runWorkload(ctx: RunContext, w: Workload, t: Target, durationS: number, tag: string): Promise<Load> {
  const urls = t.ports.map((p) => `http://127.0.0.1:${p}`);
  if (w.tool === 'h2load') {
    const bodyPath = path.join(ctx.workDir, `${w.id}.bin`);
    writeFileSync(bodyPath, w.frame);
    const r = await runH2load({ urls: urls.map((u) => `${u}${w.path}`), clients: w.connections, streams: w.streams, durationS, bodyPath, logPrefix: path.join(ctx.workDir, `h2-${tag}`), track: (c) => ctx.procs.track(c) });
    return { requests: r.requests, rps: r.rps, p50Us: r.p50Us, p99Us: r.p99Us, errors: r.failed };
  }
  const spread = t.ports.length > 1 ? t.ports.map((port) => ({ host: '127.0.0.1', port })) : [];
  const scriptPath = path.join(ctx.workDir, `${w.id}-${t.id}.lua`);
  writeFileSync(scriptPath, wrkScript(w.request, spread));
  const shape = wrkShape(t.id, w.connections);
  const r = await runWrk({ url: `${urls[0] as string}${w.request.path}`, ...shape, durationS, scriptPath }, (c) => ctx.procs.track(c));
  return { requests: r.requests, rps: r.rps, p50Us: r.p50Us, p99Us: r.p99Us, p999Us: r.p999Us, maxUs: r.maxUs, errors: totalErrors(r.errors) };
}

/** Runs one step and measures it. */
export async function runStep(ctx: RunContext, step: Step): Promise<RunRecord> {
  const t = ctx.targets.find((x) => x.id === step.target);
  if (t === undefined) throw new Error(`target ${step.target} was not started`);
  const memberPids = ctx.cluster.members.map((m) => m.pid);
  const p0 = procTicks(t);
  const m0 = sumTicks(memberPids);
  const a0 = readMachineTicks();
  const load = await runWorkload(ctx, step.workload, t, ctx.durationS, `${step.round}-${step.workload.id}-${t.id}`);
  const p1 = procTicks(t);
  const m1 = sumTicks(memberPids);
  const a1 = readMachineTicks();
  const usPerTick = 1e6 / ctx.ticksPerS;
  const perReq = (ticks: number): number => (load.requests > 0 ? (ticks * usPerTick) / load.requests : NaN);
  const rssKb = t.proc === undefined ? undefined : readPeakRssKb(t.proc.pid);
  return {
    round: step.round, workload: step.workload.id, target: t.id,
    rps: load.rps, p50Us: load.p50Us, p99Us: load.p99Us, requests: load.requests, errors: load.errors,
    ...(load.p999Us === undefined ? {} : { p999Us: load.p999Us }), ...(load.maxUs === undefined ? {} : { maxUs: load.maxUs }),
    cpuUsPerReq: p0 === undefined || p1 === undefined ? undefined : perReq(p1 - p0),
    membersCpuUsPerReq: perReq(m1 - m0),
    rssMb: rssKb === undefined ? undefined : rssKb / 1024,
    machineBusyPct: a1.total > a0.total ? (100 * (a1.busy - a0.busy)) / (a1.total - a0.total) : NaN,
  };
}

/** Loads a target briefly without measuring (JIT, connection pools), so the first round is not the cold one. */
export async function warmUp(ctx: RunContext, w: Workload, t: Target, durationS: number): Promise<void> {
  await runWorkload(ctx, w, t, durationS, `warm-${w.id}-${t.id}`);
}
