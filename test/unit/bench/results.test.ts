// From runs to the report's figures: cells per workload and target, ratios from medians, goals, noisy figures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TargetId } from '../../bench/plan.js';
import { allWorkloads } from '../../bench/plan.js';
import type { RunRecord } from '../../bench/results.js';
import { cells, goals, noisy, ratios } from '../../bench/results.js';

function run(workload: string, target: TargetId, round: number, rps: number, extra: Partial<RunRecord> = {}): RunRecord {
  return { round, workload, target, rps, p50Us: 1000, p99Us: 5000, requests: rps * 4, errors: 0, cpuUsPerReq: undefined, membersCpuUsPerReq: 50, rssMb: undefined, machineBusyPct: 90, ...extra };
}

const ws = allWorkloads().filter((w) => w.id === 'v2-get-c32' || w.id === 'v2-get-c128');
const runs: RunRecord[] = [];
for (const round of [0, 1, 2]) {
  runs.push(run('v2-get-c32', 'direct-1', round, 20_000), run('v2-get-c32', 'direct-3', round, 18_000));
  runs.push(run('v2-get-c32', 'go-gateway', round, 15_000, { cpuUsPerReq: 30, rssMb: 20 }));
  runs.push(run('v2-get-c32', 'edge-gateway', round, [16_000, 17_000, 20_000][round] as number, { cpuUsPerReq: 35, rssMb: 50 + round, p99Us: 4000 }));
  runs.push(run('v2-get-c32', 'go-proxy', round, 6_000, { cpuUsPerReq: 150 }));
  runs.push(run('v2-get-c32', 'edge-proxy', round, 9_000, { cpuUsPerReq: 100, errors: round === 1 ? 2 : 0 }));
  runs.push(run('v2-get-c128', 'edge-proxy', round, 8_000, { rssMb: 90 + round }));
  runs.push(run('v2-get-c128', 'go-proxy', round, 6_000));
}

test('cells summarise rounds per workload and target, in reporting order', () => {
  const cs = cells(runs, ws);
  assert.deepEqual(cs.map((c) => `${c.workload}/${c.target}`), [
    'v2-get-c32/direct-1', 'v2-get-c32/direct-3', 'v2-get-c32/go-gateway', 'v2-get-c32/edge-gateway', 'v2-get-c32/go-proxy', 'v2-get-c32/edge-proxy',
    'v2-get-c128/go-proxy', 'v2-get-c128/edge-proxy',
  ]);
  const gw = cs.find((c) => c.target === 'edge-gateway');
  assert.equal(gw?.rps.median, 17_000);
  assert.equal(gw?.rssMb, 52, 'peak RSS is the largest after any round');
  assert.equal(cs.find((c) => c.target === 'edge-proxy')?.errors, 2);
  assert.equal(cs.find((c) => c.target === 'direct-1')?.cpuUsPerReq.n, 0, 'direct has no process of its own');
});

test('ratios come from medians; missing sides give NaN', () => {
  const [r32, r128] = ratios(cells(runs, ws), ws);
  assert.equal(r32?.gwVsGo, 17_000 / 15_000);
  assert.equal(r32?.gwVsDirect3, 17_000 / 18_000);
  assert.equal(r32?.gwP99VsGo, 0.8);
  assert.equal(r32?.proxyVsGo, 1.5);
  assert.equal(r32?.proxyVsDirect1, 9_000 / 20_000);
  assert.equal(r32?.proxyCpuVsGo, 100 / 150);
  assert.ok(Number.isNaN(r128?.gwVsGo));
  assert.equal(r128?.proxyVsGo, 8_000 / 6_000);
});

test('goals are checked against the ratios and the proxy RSS at 128 connections', () => {
  const cs = cells(runs, ws);
  const gs = goals(ratios(cs, ws), cs);
  const by = (s: string): boolean | undefined => gs.find((g) => g.goal.startsWith(s))?.met;
  assert.equal(by('v2-get-c32: gateway >= 1.0x'), true);
  assert.equal(by('v2-get-c32: gateway >= 0.9x direct'), true);
  assert.equal(by('v2-get-c32: gateway p99'), true);
  assert.equal(by('v2-get-c32: proxy >= 1.5x'), true);
  assert.equal(by('v2-get-c128: proxy >= 1.5x'), false);
  assert.equal(by('v2-get-c128: gateway'), undefined, 'not measured, not judged');
  assert.equal(by('v2-get-c32: proxy CPU/req <= 0.67x'), true);
  // 90, 91, 92 MB over rounds 0-2: the goal reads the first round's (later rounds carry heavier workloads' peaks).
  assert.deepEqual(gs.find((g) => g.goal.includes('RSS')), { goal: 'proxy peak RSS <= 60 MB at 128 connections (first round)', value: 90, met: false });
});

test('the 1000-connection goal is judged on the slowest request of the worst round', () => {
  const w = allWorkloads().filter((x) => x.id === 'v2-get-c1000');
  const rs = [0, 1, 2].map((round) => run('v2-get-c1000', 'edge-proxy', round, 5_000, { p999Us: 900_000, maxUs: [1_200_000, 2_300_000, 1_000_000][round] as number }));
  const cs = cells(rs, w);
  assert.equal(cs[0]?.p999Us.median, 900_000);
  assert.deepEqual(goals(ratios(cs, w), cs).find((g) => g.goal.startsWith('v2-get-c1000')), { goal: 'v2-get-c1000: proxy slowest request <= 2 s (ms)', value: 2300, met: false });
});

test('noisy lists figures whose rounds spread by more than 15 %', () => {
  assert.deepEqual(noisy(cells(runs, ws)), ['v2-get-c32 / edge-gateway: req/s spread 24 %']);
});

test('the paced workload judges latency and CPU only, not throughput', () => {
  const w = allWorkloads().filter((x) => x.id === 'v2-get-c128-paced');
  const rs = [0, 1].flatMap((round) => [
    run('v2-get-c128-paced', 'go-gateway', round, 7_000, { cpuUsPerReq: 30, p99Us: 4000 }),
    run('v2-get-c128-paced', 'edge-gateway', round, 6_900, { cpuUsPerReq: 20, p99Us: 3000 }),
    run('v2-get-c128-paced', 'haproxy', round, 7_000, { cpuUsPerReq: 25 }),
    run('v2-get-c128-paced', 'go-proxy', round, 7_000, { cpuUsPerReq: 90, p99Us: 5000 }),
    run('v2-get-c128-paced', 'edge-proxy', round, 6_950, { cpuUsPerReq: 70, p99Us: 6000 }),
  ]);
  const gs = goals(ratios(cells(rs, w), w), cells(rs, w));
  const by = (s: string): boolean | undefined => gs.find((g) => g.goal === `v2-get-c128-paced: ${s}`)?.met;
  assert.equal(by('gateway p99 <= etcd gateway p99'), true);
  assert.equal(by('gateway CPU/req <= 1.0x HAProxy'), true);
  assert.equal(by('proxy p99 <= etcd v2 proxy p99'), false);
  assert.equal(by('proxy CPU/req <= 0.67x etcd v2 proxy'), false);
  assert.equal(gs.filter((g) => g.goal.startsWith('v2-get-c128-paced') && /gateway >=|proxy >=/.test(g.goal)).length, 0);
});
