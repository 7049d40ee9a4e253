import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearEarlierRun, findLeftovers, waitForEarlierRun } from '../../../cluster/leftovers.js';
import { writeUpRecord } from '../../../host/up-record.js';
import type { Leftover } from '../../../cluster/leftovers.js';

test('waits while members of an earlier run use the data dirs, with a progress line, and returns once they are gone', async () => {
  const lines: string[] = [];
  let calls = 0;
  const find = (): Leftover[] => (++calls < 4 ? [{ pid: 42, dataDir: '/d/infra1.etcd' }] : []);
  const waited = await waitForEarlierRun({ dataDirs: ['/d/infra1.etcd'], progress: (l) => lines.push(l), find });
  assert.ok(waited >= 500, String(waited));
  assert.match(lines[0] ?? '', /^waiting for 1 member of an earlier run to exit \(pids 42; 0s of at most 30s\)$/);
  assert.match(lines[lines.length - 1] ?? '', /^members of the earlier run have exited \(waited \d+\.\ds\)$/);
});

test('returns at once, silently, when nothing runs', async () => {
  const lines: string[] = [];
  assert.equal(await waitForEarlierRun({ dataDirs: ['/d/x'], progress: (l) => lines.push(l), find: () => [] }), 0);
  assert.deepEqual(lines, []);
});

test('stays silent and returns 0 when the one look at /proc takes a while and finds nothing', async () => {
  const lines: string[] = [];
  const slowFind = (): Leftover[] => { const end = Date.now() + 15; while (Date.now() < end) { /* a slow /proc scan */ } return []; };
  assert.equal(await waitForEarlierRun({ dataDirs: ['/d/x'], progress: (l) => lines.push(l), find: slowFind }), 0);
  assert.deepEqual(lines, [], 'a fresh start prints no "have exited" line');
});

test('gives up after the bound with EDGE_DATA_DIR naming the pids', async () => {
  await assert.rejects(waitForEarlierRun({ dataDirs: ['/d/x'], boundMs: 300, progress: () => undefined, find: () => [{ pid: 7, dataDir: '/d/x' }] }),
    (err: { code: string; message: string; hint?: string }) => err.code === 'EDGE_DATA_DIR' && /pids 7/.test(err.message) && /kill 7/.test(err.hint ?? ''));
});

test('findLeftovers finds no etcd on a data dir nobody uses', () => {
  assert.deepEqual(findLeftovers(['/nonexistent/etcd-edge-test.etcd']), []);
});

test('clearEarlierRun fails at once while another up still runs on the state dir', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leftovers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeUpRecord(dir, { pid: process.ppid, host: undefined, members: ['infra1'], edge: [] });
  await assert.rejects(clearEarlierRun({ stateDir: dir, dataDirs: [], progress: () => undefined }),
    (err: { code: string; message: string }) => err.code === 'EDGE_DATA_DIR' && new RegExp(`another etcd-edge up \\(pid ${process.ppid}\\)`).test(err.message));
  writeUpRecord(dir, { pid: 2 ** 22 + 12345, host: undefined, members: ['infra1'], edge: [] });
  await clearEarlierRun({ stateDir: dir, dataDirs: [], progress: () => undefined });
});

test('members still there after the orphan delay with no watchdog alive are stopped once, in the given way', async () => {
  let stops = 0;
  let gone = false;
  const lines: string[] = [];
  await waitForEarlierRun({
    dataDirs: ['/d/x'], progress: (l) => lines.push(l), find: () => (gone ? [] : [{ pid: 9, dataDir: '/d/x' }]),
    watchdogAlive: () => false, stopOrphans: async () => { stops++; gone = true; },
  });
  assert.equal(stops, 1);
  assert.ok(lines.some((l) => /no watchdog is stopping them/.test(l)));
});

test('while a watchdog is alive, up only waits', async () => {
  let stops = 0;
  await assert.rejects(waitForEarlierRun({
    dataDirs: ['/d/x'], boundMs: 3500, progress: () => undefined, find: () => [{ pid: 9, dataDir: '/d/x' }],
    watchdogAlive: () => true, stopOrphans: async () => { stops++; },
  }), (err: { code: string }) => err.code === 'EDGE_DATA_DIR');
  assert.equal(stops, 0);
});
