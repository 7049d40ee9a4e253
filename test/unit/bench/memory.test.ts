// The bench's memory section: /usr/bin/time's peak-RSS line, and the table of idle, 128-connection and peak RSS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMaxRssKb } from '../../bench/memory.js';
import type { MemoryReport } from '../../bench/memory.js';
import { allWorkloads } from '../../bench/plan.js';
import { memoryLines } from '../../bench/report.js';
import type { RunRecord } from '../../bench/results.js';
import { cells } from '../../bench/results.js';

test('parseMaxRssKb reads the last line of /usr/bin/time -f %M as kB', () => {
  assert.equal(parseMaxRssKb('51200\n'), 50);
  assert.equal(parseMaxRssKb('some warning from the command\n40960\n'), 40);
  assert.equal(parseMaxRssKb('Command exited with non-zero status 2\n'), undefined);
  assert.equal(parseMaxRssKb(''), undefined);
});

test('memoryLines shows idle, the first round at 128 connections and the peak per process, and the load per command', () => {
  const ws = allWorkloads().filter((w) => w.id === 'v2-get-c128' || w.id === 'v2-get-c1000');
  const base = { p50Us: 1500, p99Us: 9000, requests: 1, errors: 0, membersCpuUsPerReq: 60, machineBusyPct: 97, rps: 1000, cpuUsPerReq: 50 };
  const runs: RunRecord[] = [0, 1].flatMap((round) => [
    { ...base, round, workload: 'v2-get-c128', target: 'edge-proxy' as const, rssMb: round === 0 ? 58 : 80 },
    { ...base, round, workload: 'v2-get-c1000', target: 'edge-proxy' as const, rssMb: round === 0 ? 78 : 84 },
  ]);
  const m: MemoryReport = {
    load: [{ command: 'proxy', mb: 51.6 }, { command: 'tunnel', mb: undefined }], bareNodeMb: 40.2, settleS: 4,
    idle: [{ what: 'edge-proxy', target: 'edge-proxy', idleMb: 53.4, startPeakMb: 54 }, { what: 'discovery serve', idleMb: 55, startPeakMb: 57.2 }],
  };
  const text = memoryLines(m, cells(runs, ws)).join('\n');
  assert.match(text, /\| etcd-edge proxy \| 53 \| 58 \| 84 \|/);
  assert.match(text, /\| etcd-edge discovery serve \| 55 \| — \| 57 \|/);
  assert.match(text, /\| `proxy` \| 52 \|/);
  assert.match(text, /\| `tunnel` \| — \|/);
  assert.match(text, /Node itself, running nothing, peaks at 40 MB/);
});
