// Renders BENCHMARKS.md from a bench run: the command, the machine and its load, the results table (median over
// rounds, min–max where the rounds disagree by more than 15 %), the ratios, the goals, and the notes kept from
// the previous file (everything after NOTES_MARKER is prose, carried over unchanged).
import type { MemoryReport } from './memory.js';
import type { TargetId, Workload } from './plan.js';
import { TARGET_LABELS } from './plan.js';
import type { Cell, GoalCheck, Ratios } from './results.js';
import { find, peakRssMb } from './results.js';
import { isNoisy } from './stats.js';
import type { Summary } from './stats.js';

/** Everything the report says about the run besides its figures. */
export interface BenchMeta {
  readonly command: string;
  readonly date: string;
  readonly machine: string;
  readonly software: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly rounds: number;
  readonly durationS: number;
  readonly elapsedS: number;
  /** How the run went: data dir, leader, which member each proxy used, warnings. */
  readonly notes: readonly string[];
}

/** The line after which BENCHMARKS.md holds prose that a new run keeps. */
export const NOTES_MARKER = '<!-- notes below are kept by npm run bench -->';

/** Returns the kept notes of an existing BENCHMARKS.md (empty when it has none). */
export function keptNotes(existing: string | undefined): string {
  if (existing === undefined) return '';
  const i = existing.indexOf(NOTES_MARKER);
  return i === -1 ? '' : existing.slice(i + NOTES_MARKER.length).trim();
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const ms = (us: number): string => (Number.isFinite(us) ? (us / 1000).toFixed(2) : '—');
const x = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');

/** Formats a summary: the median, with min–max when the rounds were noisy (marked ~). */
export function fmtSummary(s: Summary, f: (n: number) => string): string {
  if (s.n === 0) return '—';
  return isNoisy(s) ? `~${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

function resultsTable(ws: readonly Workload[], cs: readonly Cell[]): string[] {
  const rows = ['| workload | target | req/s | p50 ms | p99 ms | CPU µs/req (process) | CPU µs/req (3 members) | peak RSS MB | machine busy % | failed |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|'];
  for (const w of ws) {
    for (const c of cs.filter((k) => k.workload === w.id)) {
      rows.push(`| ${w.label} | ${TARGET_LABELS[c.target]} | ${fmtSummary(c.rps, int)} | ${fmtSummary(c.p50Us, ms)} | ${fmtSummary(c.p99Us, ms)} | `
        + `${fmtSummary(c.cpuUsPerReq, int)} | ${fmtSummary(c.membersCpuUsPerReq, int)} | ${c.rssMb === undefined ? '—' : c.rssMb.toFixed(0)} | `
        + `${int(c.machineBusyPct.median)} | ${c.errors} |`);
    }
  }
  return rows;
}

function ratioTable(ws: readonly Workload[], rs: readonly Ratios[]): string[] {
  const rows = ['| workload | gateway ÷ etcd gateway | gateway ÷ direct ×3 | gateway p99 ÷ etcd gateway p99 | proxy ÷ etcd proxy¹ | proxy ÷ direct ×1 | proxy CPU/req ÷ etcd proxy¹ CPU/req |',
    '|---|--:|--:|--:|--:|--:|--:|'];
  for (const r of rs) {
    const label = ws.find((w) => w.id === r.workload)?.label ?? r.workload;
    rows.push(`| ${label} | ${x(r.gwVsGo)} | ${x(r.gwVsDirect3)} | ${x(r.gwP99VsGo)} | ${x(r.proxyVsGo)} | ${x(r.proxyVsDirect1)} | ${x(r.proxyCpuVsGo)} |`);
  }
  rows.push('', '¹ etcd\'s v2 proxy for the HTTP/1 workloads, its grpc-proxy for the gRPC ones.');
  rows.push('', '| workload | gateway ÷ HAProxy | gateway CPU/req ÷ HAProxy | gateway CPU/req ÷ etcd gateway | JS data path ÷ HAProxy | JS data path CPU/req ÷ HAProxy |',
    '|---|--:|--:|--:|--:|--:|');
  for (const r of rs) {
    const label = ws.find((w) => w.id === r.workload)?.label ?? r.workload;
    rows.push(`| ${label} | ${x(r.gwVsHaproxy)} | ${x(r.gwCpuVsHaproxy)} | ${x(r.gwCpuVsGo)} | ${x(r.gwJsVsHaproxy)} | ${x(r.gwJsCpuVsHaproxy)} |`);
  }
  return rows;
}

function goalLines(gs: readonly GoalCheck[]): string[] {
  if (gs.length === 0) return ['(no goal could be checked: a side was not measured)'];
  const fmt = (g: GoalCheck): string => (g.goal.includes('RSS') && !g.goal.includes('2x') ? `${g.value.toFixed(0)} MB` : g.goal.endsWith('(ms)') ? `${g.value.toFixed(0)} ms` : x(g.value));
  return gs.map((g) => `- ${g.met ? 'met' : '**not met**'}: ${g.goal} (${fmt(g)})`);
}

function methodLines(meta: BenchMeta): string[] {
  return [
    `Each workload ran against each target once per round, ${meta.rounds} rounds, ${meta.durationS} s per run, the target order `
      + 'rotated every round and workload so that machine noise hits every target alike. Figures are medians over the rounds.',
    '- HTTP: `wrk --latency`-style percentiles from a Lua `done()` hook; 2 threads, except "direct, 3 members": one wrk with 3 threads, '
      + 'each thread bound to one member (Lua `setup()` sets `thread.addr`), connections rounded up to a multiple of 3 (33, 129).',
    '- gRPC: `h2load` with prior-knowledge h2c and a gRPC-framed protobuf body (`content-type: application/grpc`), '
      + 'latencies from its `--log-file`; "direct, 3 members" is one h2load per member with a third of the connections, logs pooled. '
      + 'Every target was first checked to answer the same body with `grpc-status: 0`.',
    '- CPU per request: utime+stime of the process (/proc/PID/stat) over the run, divided by the requests wrk or h2load completed. '
      + 'The members column sums the three etcd processes. Peak RSS is VmHWM after the run, the highest over the rounds (VmHWM only grows, so a later round also carries the peaks of the heavier workloads run before it; the RSS goal at 128 connections reads the first round). Machine busy is the share of all '
      + 'cores not idle during the run (/proc/stat), whoever used them: near 100 the machine, not the target, was the limit.',
    '- etcd\'s v2 proxy is HTTP/1 and cannot carry gRPC; for gRPC, etcd\'s grpc-proxy (on infra1) is the anchor of our proxy. The gateways (L4) carry everything.',
  ];
}

function tailTable(ws: readonly Workload[], cs: readonly Cell[]): string[] {
  const many = ws.filter((w) => w.connections >= 1000);
  if (many.length === 0) return ['(no many-connections workload in this run)'];
  const rows = ['| workload | target | req/s | p99 ms | p99.9 ms | max ms (worst round) | failed |', '|---|---|--:|--:|--:|--:|--:|'];
  for (const w of many) {
    for (const c of cs.filter((k) => k.workload === w.id)) {
      rows.push(`| ${w.label} | ${TARGET_LABELS[c.target]} | ${fmtSummary(c.rps, int)} | ${fmtSummary(c.p99Us, ms)} | ${fmtSummary(c.p999Us, ms)} | ${ms(c.maxUs.max)} | ${c.errors} |`);
    }
  }
  return rows;
}

const mb = (n: number | undefined): string => (n === undefined ? '—' : n.toFixed(0));

/** The memory section: idle and peak RSS of every long-running process, and the load cost of each subcommand. */
export function memoryLines(m: MemoryReport, cs: readonly Cell[]): string[] {
  const peak = (t: TargetId | undefined): number | undefined => (t === undefined ? undefined : peakRssMb(cs, t));
  const first = (t: TargetId | undefined): number | undefined => (t === undefined ? undefined : find(cs, 'v2-get-c128', t)?.firstRoundRssMb);
  return [
    `Measured before any load, with the flags of the CLI's first line. "Idle" is VmRSS ${m.settleS} s after the ready line (the targets had `
      + 'answered one check request); "peak" is the highest VmHWM after a run (the last workloads carry the peaks of 1,000 connections); '
      + '"128 conns" is VmHWM after the first round\'s v2 GET at 128 connections; for the processes the bench puts no load on, "peak" is '
      + 'VmHWM at the idle reading (start-up included). '
      + `Node itself, running nothing, peaks at ${mb(m.bareNodeMb)} MB.`, '',
    '| process | idle MB | 128 conns MB | peak MB |', '|---|--:|--:|--:|',
    ...m.idle.map((r) => `| ${r.target === undefined ? `etcd-edge ${r.what}` : TARGET_LABELS[r.target]} | ${mb(r.idleMb)} | ${mb(first(r.target))} | ${mb(r.target === undefined ? r.startPeakMb : peak(r.target))} |`), '',
    '"Load" is the peak RSS of `etcd-edge <command> --help` (`/usr/bin/time -f %M`): the command\'s modules and nothing else.', '',
    '| command | load MB |', '|---|--:|',
    ...m.load.map((l) => `| \`${l.command}\` | ${mb(l.mb)} |`),
  ];
}

function noiseLines(rounds: number, list: readonly string[]): string[] {
  if (rounds < 2) return ['Only one round: the spread between rounds was not measured.'];
  return list.length === 0 ? ['None: every throughput and p99 agreed within 15 % across rounds.'] : list.map((n) => `- ${n}`);
}

/** Renders the whole BENCHMARKS.md. */
export function renderMarkdown(p: { meta: BenchMeta; workloads: readonly Workload[]; cells: readonly Cell[]; ratios: readonly Ratios[]; goals: readonly GoalCheck[]; noisy: readonly string[]; memory?: MemoryReport; notes: string }): string {
  const { meta } = p;
  const load = (l: readonly number[]): string => l.map((n) => n.toFixed(2)).join(' ');
  const out = [
    '# Benchmarks', '',
    'Written by `npm run bench` (test/bench/bench.ts); the figures below come from one run and are not edited by hand.', '',
    `- Command: \`${meta.command}\``,
    `- Date: ${meta.date} (the run took ${Math.round(meta.elapsedS)} s)`,
    `- Machine: ${meta.machine}`,
    `- Software: ${meta.software}`,
    `- Load average (1, 5, 15 min): before ${load(meta.loadBefore)}; after ${load(meta.loadAfter)}`,
    ...meta.notes.map((n) => `- ${n}`), '',
    '## Method', '', ...methodLines(meta), '',
    '## Results', '',
    'A value marked `~` was noisy: its rounds spread by more than 15 %; the median is followed by min–max.', '',
    ...resultsTable(p.workloads, p.cells), '',
    '## Many connections: the tail', '',
    'wrk counts a request that took more than 5 s as a timeout (under failed), not in the latencies.', '',
    ...tailTable(p.workloads, p.cells), '',
    '## Ratios (medians of the same run)', '', ...ratioTable(p.workloads, p.ratios), '',
    '## Goals', '', ...goalLines(p.goals), '',
    ...(p.memory === undefined ? [] : ['## Memory per subcommand', '', ...memoryLines(p.memory, p.cells), '']),
    '## Noisy figures', '',
    ...noiseLines(meta.rounds, p.noisy), '',
    NOTES_MARKER, '',
  ];
  if (p.notes !== '') out.push(p.notes, '');
  return out.join('\n');
}
