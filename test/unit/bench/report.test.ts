// BENCHMARKS.md rendering: header facts, tables, the noisy marker, goals, and notes carried over.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allWorkloads } from '../../bench/plan.js';
import { NOTES_MARKER, fmtSummary, keptNotes, renderMarkdown } from '../../bench/report.js';
import type { BenchMeta } from '../../bench/report.js';
import type { RunRecord } from '../../bench/results.js';
import { cells, goals, noisy, ratios } from '../../bench/results.js';
import { summarize } from '../../bench/stats.js';

const meta: BenchMeta = {
  command: 'npm run bench', date: '2026-01-02T03:04:05.000Z', machine: '2 cores (X)', software: 'Node v20',
  loadBefore: [0.5, 0.6, 0.7], loadAfter: [1.5, 1, 0.8], rounds: 3, durationS: 4, elapsedS: 500, notes: ['leader pinned on infra2'],
};

test('fmtSummary shows min–max only for noisy figures', () => {
  const f = (n: number): string => String(n);
  assert.equal(fmtSummary(summarize([100, 101, 99]), f), '100');
  assert.equal(fmtSummary(summarize([100, 150, 80]), f), '~100 (80–150)');
  assert.equal(fmtSummary(summarize([]), f), '—');
});

test('keptNotes returns what follows the marker', () => {
  assert.equal(keptNotes(undefined), '');
  assert.equal(keptNotes('# old\nno marker'), '');
  assert.equal(keptNotes(`# old\n${NOTES_MARKER}\n\n## Why\nbecause\n`), '## Why\nbecause');
});

test('renderMarkdown writes the facts, the tables, the goals and the kept notes', () => {
  const ws = allWorkloads().filter((w) => w.id === 'v2-get-c32');
  const base = { workload: 'v2-get-c32', p50Us: 1500, p99Us: 9000, requests: 1, errors: 0, membersCpuUsPerReq: 60, machineBusyPct: 97 };
  const runs: RunRecord[] = [0, 1, 2].flatMap((round) => [
    { ...base, round, target: 'go-gateway' as const, rps: 10_000, cpuUsPerReq: 30, rssMb: 20 },
    { ...base, round, target: 'edge-gateway' as const, rps: [11_000, 15_000, 9_000][round] as number, cpuUsPerReq: 25, rssMb: 55 },
  ]);
  const cs = cells(runs, ws);
  const rs = ratios(cs, ws);
  const md = renderMarkdown({ meta, workloads: ws, cells: cs, ratios: rs, goals: goals(rs, cs), noisy: noisy(cs), notes: '## Why\nbecause' });
  assert.match(md, /^# Benchmarks$/m);
  assert.match(md, /- Command: `npm run bench`/);
  assert.match(md, /- Load average \(1, 5, 15 min\): before 0\.50 0\.60 0\.70; after 1\.50 1\.00 0\.80/);
  assert.match(md, /- leader pinned on infra2/);
  assert.match(md, /\| v2 GET, 32 conns \| etcd gateway \(Go\) \| 10,000 \| 1\.50 \| 9\.00 \| 30 \| 60 \| 20 \| 97 \| 0 \|/);
  assert.match(md, /\| v2 GET, 32 conns \| etcd-edge gateway \(native\) \| ~11,000 \(9,000–15,000\) \|/);
  assert.match(md, /\| v2 GET, 32 conns \| 1\.10× \| — \| 1\.00× \| — \| — \| — \|/);
  assert.match(md, /- met: v2-get-c32: gateway >= 1\.0x etcd gateway \(1\.10×\)/);
  assert.match(md, /- v2-get-c32 \/ edge-gateway: req\/s spread 55 %/);
  assert.ok(md.endsWith(`${NOTES_MARKER}\n\n## Why\nbecause\n`));
  assert.equal(keptNotes(md), '## Why\nbecause', 'a second run keeps the notes');
});
