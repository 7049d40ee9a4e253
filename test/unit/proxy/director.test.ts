// The director with a fake member fetch: ordering, learners and self dropped, ejection and return, the
// every-second retry while nothing is available, peers handed on for persistence, and close().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EtcdMember } from '../../../etcd/etcd-client.js';
import { noopLogger } from '../../../core/log.js';
import { createDirector, shuffle } from '../../../proxy/director.js';
import type { DirectorOptions } from '../../../proxy/director.js';

const member = (n: number, extra: Partial<EtcdMember> = {}): EtcdMember => ({
  id: String(n), name: `m${n}`, peerURLs: [`http://127.0.0.1:${2380 + n}`], clientURLs: [`http://127.0.0.1:${2370 + n}`], isLearner: false, ...extra,
});

function director(over: Partial<DirectorOptions> & Pick<DirectorOptions, 'fetchMembers'>) {
  return createDirector({ peers: ['http://127.0.0.1:1'], refreshIntervalMs: 60_000, failureWaitMs: 60_000, dialTimeoutMs: 1000, logger: noopLogger(), isSelf: () => false, order: (u) => u, ...over });
}

test('builds sorted endpoints from client URLs, skipping learners and the proxy itself; hands on all peer URLs', async (t) => {
  let saved: readonly string[] = [];
  const d = director({
    fetchMembers: () => Promise.resolve([member(3), member(1), member(2, { isLearner: true }), member(4)]),
    isSelf: (u) => u.endsWith(':2374'), onPeers: (p) => { saved = p; },
  });
  t.after(() => d.close());
  assert.equal(await d.refresh(), true);
  assert.deepEqual(d.availableUrls(), ['http://127.0.0.1:2371', 'http://127.0.0.1:2373']);
  assert.deepEqual(saved, ['http://127.0.0.1:2381', 'http://127.0.0.1:2382', 'http://127.0.0.1:2383', 'http://127.0.0.1:2384']);
  assert.deepEqual(d.peers(), saved);
});

test('a failed endpoint is left out for the failure wait, then comes back; a refresh does not bring it back early', async (t) => {
  const d = director({ fetchMembers: () => Promise.resolve([member(1), member(2)]), failureWaitMs: 150 });
  t.after(() => d.close());
  await d.refresh();
  const first = d.endpoints()[0];
  assert.ok(first);
  d.fail(first, new Error('refused'));
  assert.deepEqual(d.availableUrls(), ['http://127.0.0.1:2372']);
  await d.refresh();
  assert.deepEqual(d.availableUrls(), ['http://127.0.0.1:2372']);
  await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(d.availableUrls(), ['http://127.0.0.1:2371', 'http://127.0.0.1:2372']);
});

test('refreshes every second while no endpoint is available, at the interval otherwise', async (t) => {
  let calls = 0;
  let answer: EtcdMember[] = [];
  const d = director({ fetchMembers: () => { calls++; return Promise.resolve(answer); }, refreshIntervalMs: 60_000 });
  t.after(() => d.close());
  await d.refresh();
  d.startTimer();
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(calls, 2, 'one retry after a second');
  answer = [member(1)];
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(calls, 3);
  assert.deepEqual(d.availableUrls(), ['http://127.0.0.1:2371']);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(calls, 3, 'no retry once an endpoint is available');
});

test('a failed fetch keeps the last endpoints and peers', async (t) => {
  let fail = false;
  const d = director({ fetchMembers: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve([member(1)])) });
  t.after(() => d.close());
  await d.refresh();
  fail = true;
  assert.equal(await d.refresh(), false);
  assert.deepEqual(d.availableUrls(), ['http://127.0.0.1:2371']);
  assert.deepEqual(d.peers(), ['http://127.0.0.1:2381']);
});

test('close() stops the timer: no fetch afterwards', async () => {
  let calls = 0;
  const d = director({ fetchMembers: () => { calls++; return Promise.resolve([]); }, refreshIntervalMs: 50 });
  await d.refresh();
  d.startTimer();
  d.close();
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(calls, 1);
});

test('shuffle keeps every element', () => {
  const a = Array.from({ length: 50 }, (_, i) => i);
  assert.deepEqual([...shuffle([...a])].sort((x, y) => x - y), a);
});
