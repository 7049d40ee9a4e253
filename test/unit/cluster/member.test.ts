// up's member on host/'s supervisor, with tiny real child scripts: a member the cluster removed (status 0 and
// etcd's removal line) is not restarted; one that keeps exiting is given up on with its log tail; one that
// cannot be started at all reports why.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EdgeError } from '../../../core/errors.js';
import { noopLogger } from '../../../core/log.js';
import { createMemberProcess, REMOVED_MARKER } from '../../../cluster/member.js';
import type { MemberProcessConfig } from '../../../cluster/member.js';

function member(t: { after(fn: () => unknown): void }, args: () => readonly string[], extra: Partial<MemberProcessConfig> = {}) {
  const d = mkdtempSync(path.join(os.tmpdir(), 'cluster-member-'));
  let failed: readonly string[] | undefined;
  let removed = false;
  const m = createMemberProcess({
    name: 'm1', bin: '/bin/sh', args, env: { PATH: '/usr/bin:/bin' }, logFile: path.join(d, 'm1.log'),
    restart: { initialDelayMs: 10, maxDelayMs: 20, maxRestarts: 1, windowMs: 60_000 }, stopGraceMs: 500, logger: noopLogger(),
    spawn, onFailed: (l) => { failed = l; }, onRemoved: () => { removed = true; }, ...extra,
  });
  t.after(async () => { await m.stop(); rmSync(d, { recursive: true, force: true }); });
  return { m, failed: () => failed, removed: () => removed };
}

const until = async (cond: () => boolean): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) { if (Date.now() - t0 > 10_000) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 10)); }
};

test('status 0 after the removal line: removed, not restarted', async (t) => {
  const h = member(t, () => ['-c', `echo "${REMOVED_MARKER}"; exit 0`]);
  h.m.run();
  await until(() => h.removed());
  assert.equal(h.m.state, 'removed');
  assert.equal(h.m.restarts, 0);
});

test('keeps exiting: restarted once, then given up on with its last log lines', async (t) => {
  const h = member(t, () => ['-c', 'echo boom; exit 1']);
  h.m.run();
  await until(() => h.failed() !== undefined);
  assert.equal(h.m.state, 'failed');
  assert.equal(h.m.restarts, 1);
  assert.deepEqual(h.failed(), ['boom']);
  assert.equal(h.m.pid, undefined);
});

test('args() that throws (a damaged data dir): failed with the message and hint, nothing spawned', async (t) => {
  const h = member(t, () => { throw new EdgeError('EDGE_DATA_DIR', 'damaged', { hint: 'move it away' }); });
  h.m.run();
  await until(() => h.failed() !== undefined);
  assert.equal(h.m.state, 'failed');
  assert.deepEqual(h.failed(), ['damaged', 'hint: move it away']);
});

test('stop() before run(): stopped, and run() then starts nothing', async (t) => {
  let calls = 0;
  const h = member(t, () => { calls++; return ['-c', 'sleep 5']; });
  await h.m.stop();
  h.m.run();
  assert.equal(h.m.state, 'stopped');
  assert.equal(calls, 0);
});

test('a running member has a pid until stop(), which ends it', async (t) => {
  const h = member(t, () => ['-c', 'exec sleep 30']);
  h.m.run();
  assert.equal(h.m.state, 'running');
  assert.ok((h.m.pid ?? 0) > 0);
  await h.m.stop();
  assert.equal(h.m.state, 'stopped');
  assert.equal(h.m.pid, undefined);
});
