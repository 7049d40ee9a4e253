// The etcd supervisor with fake etcd processes: restart after a crash, let go once removed, give up after
// repeated exits, a spawn that throws, stop during the backoff and on request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noopLogger } from '../../../core/log.js';
import type { EtcdChild } from '../../../host/etcd-process.js';
import { superviseEtcd } from '../../../host/supervisor.js';

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

function harness(o: { removed?: () => boolean; maxRestarts?: number; initialDelayMs?: number; failSpawnAt?: number; first?: boolean } = {}) {
  const children: ReturnType<typeof fakeChild>[] = [];
  const restarts: number[] = [];
  const spawn = (): EtcdChild => {
    if (children.length === o.failSpawnAt) throw new Error('cannot spawn');
    const c = fakeChild(100 + children.length); children.push(c); return c;
  };
  const first = o.first === false ? undefined : spawn();
  const sup = superviseEtcd({
    ...(first ? { first } : {}), spawn, logger: noopLogger(), logFile: '/nonexistent',
    policy: { initialDelayMs: o.initialDelayMs ?? 10, maxDelayMs: 50, maxRestarts: o.maxRestarts ?? 3, windowMs: 60_000 },
    isRemoved: async () => (o.removed ?? (() => false))(), onRestart: (c) => restarts.push(c.pid),
  });
  const last = () => children[children.length - 1] as ReturnType<typeof fakeChild>;
  return { sup, children, restarts, last };
}

const until = async (cond: () => boolean): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) { if (Date.now() - t0 > 10_000) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 5)); }
};

test('a crashed member is restarted; stop() ends supervision', async () => {
  const h = harness();
  assert.equal(h.sup.state, 'running');
  h.last().exit(1);
  await until(() => h.children.length === 2);
  assert.deepEqual(h.restarts, [101]);
  assert.equal(h.sup.current()?.pid, 101);
  assert.equal(h.sup.restarts, 1);
  await h.sup.stop(100);
  assert.equal((await h.sup.done).end, 'stopped');
  assert.equal(h.sup.state, 'stopped');
});

test('without `first` the supervisor spawns etcd itself', async () => {
  const h = harness({ first: false });
  assert.equal(h.children.length, 1);
  assert.equal(h.sup.current()?.pid, 100);
  await h.sup.stop(100);
});

test('a member the cluster no longer lists is not restarted', async () => {
  const h = harness({ removed: () => true });
  h.last().exit(0);
  assert.equal((await h.sup.done).end, 'removed');
  assert.equal(h.sup.state, 'removed');
  assert.equal(h.children.length, 1);
});

test('more than maxRestarts exits within the window: gives up', async () => {
  const h = harness({ maxRestarts: 1 });
  h.last().exit(1);
  await until(() => h.children.length === 2);
  h.last().exit(1);
  assert.equal((await h.sup.done).end, 'failed');
  assert.equal(h.sup.state, 'failed');
  assert.equal(h.children.length, 2);
});

test('a first spawn that throws ends supervision as failed, with the error', async () => {
  const h = harness({ first: false, failSpawnAt: 0 });
  const r = await h.sup.done;
  assert.equal(r.end, 'failed');
  assert.match((r.error as Error).message, /cannot spawn/);
  assert.equal(h.sup.current(), undefined);
});

test('a restart that throws ends supervision as failed', async () => {
  const h = harness({ failSpawnAt: 1 });
  h.last().exit(1);
  const r = await h.sup.done;
  assert.equal(r.end, 'failed');
  assert.match((r.error as Error).message, /cannot spawn/);
});

test('stop() during the backoff wait: no restart happens', async () => {
  const h = harness({ initialDelayMs: 5000 });
  h.last().exit(1);
  await until(() => h.sup.state === 'restarting');
  const t0 = Date.now();
  await h.sup.stop(100);
  assert.ok(Date.now() - t0 < 2000, 'the backoff sleep was cut short');
  assert.equal((await h.sup.done).end, 'stopped');
  assert.equal(h.children.length, 1);
});
