// The member supervisor with fake etcd processes: restart after a crash, let go once removed, give up after
// repeated exits, stop on request; and spawnEtcd with a real short-lived process.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { noopLogger } from '../../../core/log.js';
import { spawnEtcd, superviseMember } from '../../../membership/member-process.js';
import { tailLines } from '../../../core/log-tail.js';
import type { EtcdChild } from '../../../membership/member-process.js';

function fakeChild(pid: number): EtcdChild & { exit(code: number): void } {
  let resolve: (v: { code: number | null; signal: NodeJS.Signals | null }) => void = () => undefined;
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => { resolve = r; });
  return {
    pid, logOffset: 0, exited, hasExited: () => done,
    exit(code) { done = true; resolve({ code, signal: null }); },
    async stop() { if (!done) { done = true; resolve({ code: null, signal: 'SIGTERM' }); } },
  };
}

function harness(removed: () => boolean, maxRestarts = 3) {
  const children = [fakeChild(100)];
  const restarts: number[] = [];
  const sup = superviseMember({
    first: children[0] as EtcdChild, logger: noopLogger(), logFile: '/nonexistent', maxRestarts, windowMs: 60_000,
    respawn: () => { const c = fakeChild(100 + children.length); children.push(c); return c; },
    isRemoved: async () => removed(), onRestart: (pid) => restarts.push(pid),
  });
  const last = () => children[children.length - 1] as ReturnType<typeof fakeChild>;
  return { sup, children, restarts, last };
}

const until = async (cond: () => boolean): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) { if (Date.now() - t0 > 10_000) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 20)); }
};

test('a crashed member is restarted; stop() ends supervision', async () => {
  const h = harness(() => false);
  h.last().exit(1);
  await until(() => h.children.length === 2);
  assert.deepEqual(h.restarts, [101]);
  assert.equal(h.sup.current().pid, 101);
  await h.sup.stop(100);
  assert.equal((await h.sup.done).end, 'stopped');
});

test('a member the cluster no longer lists is not restarted', async () => {
  const h = harness(() => true);
  h.last().exit(0);
  assert.equal((await h.sup.done).end, 'removed');
  assert.equal(h.children.length, 1);
});

test('repeated exits within the window: gives up', async () => {
  const h = harness(() => false, 1);
  h.last().exit(1);
  await until(() => h.children.length === 2);
  h.last().exit(1);
  assert.equal((await h.sup.done).end, 'failed');
});

test('spawnEtcd: own process group, fresh env, output appended to the log; tailLines reads only its lines', async (t) => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'membership-unit-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const log = path.join(d, 'logs', 'm.log');
  const first = spawnEtcd({ bin: '/bin/sh', args: ['-c', 'echo old run'], env: { PATH: '/usr/bin:/bin' }, logFile: log });
  await first.exited;
  const c = spawnEtcd({ bin: '/bin/sh', args: ['-c', 'echo "pgid=$(ps -o pgid= -p $$ | tr -d " ") env=${HOME:-none}"; exit 3'], env: { PATH: '/usr/bin:/bin' }, logFile: log });
  assert.deepEqual(await c.exited, { code: 3, signal: null });
  assert.equal(c.hasExited(), true);
  assert.match(readFileSync(log, 'utf8'), /^old run\npgid=\d+ env=none\n$/);
  assert.deepEqual(tailLines(log, 5, c.logOffset), [`pgid=${c.pid} env=none`]);
  writeFileSync(path.join(d, 'x'), '');
});

test('EtcdChild.stop: SIGTERM to the group, SIGKILL after the grace period', async () => {
  const c = spawnEtcd({ bin: '/bin/sh', args: ['-c', 'trap "" TERM; sleep 30 & wait'], env: { PATH: '/usr/bin:/bin' }, logFile: path.join(os.tmpdir(), `membership-unit-${process.pid}.log`) });
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  await c.stop(300);
  assert.ok(Date.now() - t0 >= 250, 'waited the grace period');
  assert.equal((await c.exited).signal, 'SIGKILL');
  rmSync(path.join(os.tmpdir(), `membership-unit-${process.pid}.log`), { force: true });
});
