// Unit tests of gateway/remotes.ts with a fake probe: round robin, skipping down endpoints, backoff re-probing
// capped at retryDelayMs, demand probes, set() keeping state, SRV weights, and close() stopping the timers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { parseEndpoint } from '../../../gateway/endpoint.js';
import type { Endpoint } from '../../../gateway/endpoint.js';
import { createRemotes } from '../../../gateway/remotes.js';
import type { RemotesOptions } from '../../../gateway/remotes.js';
import { eventually } from '../../helpers/etcd.js';
import { captureLogger } from '../../helpers/gateway.js';

const eps = (...keys: string[]): Endpoint[] => keys.map((k) => parseEndpoint(k, 'test'));

/** A probe whose answer per endpoint the test sets, recording when each endpoint was probed. */
function fakeProbe() {
  const alive = new Set<string>();
  const calls: { key: string; at: number }[] = [];
  const probe = (ep: Endpoint): Promise<void> => {
    calls.push({ key: ep.key, at: Date.now() });
    return alive.has(ep.key) ? Promise.resolve() : Promise.reject(new Error(`connect ECONNREFUSED ${ep.key}`));
  };
  return { alive, calls, probe };
}

function make(over: Partial<RemotesOptions> = {}) {
  const fp = fakeProbe();
  const log = captureLogger();
  const r = createRemotes({ initialRetryMs: 40, retryDelayMs: 160, probe: fp.probe, logger: log, ...over });
  return { r, fp, log };
}

test('round robin in list order over all endpoints', (t) => {
  const { r } = make();
  t.after(() => r.close());
  r.set(eps('a:1', 'b:1', 'c:1'));
  assert.deepEqual(Array.from({ length: 7 }, () => r.pick()?.key), ['a:1', 'b:1', 'c:1', 'a:1', 'b:1', 'c:1', 'a:1']);
});

test('a down endpoint is skipped, and none up gives undefined', (t) => {
  const { r, log } = make();
  t.after(() => r.close());
  r.set(eps('a:1', 'b:1', 'c:1'));
  r.markDown('b:1', new Error('refused'));
  assert.deepEqual(Array.from({ length: 4 }, () => r.pick()?.key), ['a:1', 'c:1', 'a:1', 'c:1']);
  assert.equal(r.liveCount(), 2);
  assert.ok(log.records.some((x) => x.msg === 'deactivated endpoint' && x.fields.address === 'b:1' && x.level === 'warn'));
  r.markDown('a:1', new Error('refused'));
  r.markDown('c:1', new Error('refused'));
  assert.equal(r.pick(), undefined);
});

test('re-probes back off from initialRetryMs, doubling, capped at retryDelayMs', async (t) => {
  const { r, fp } = make();
  t.after(() => r.close());
  r.set(eps('a:1'));
  const t0 = Date.now();
  r.markDown('a:1', new Error('refused'));
  await eventually(async () => fp.calls.length >= 5, 10_000, 10);
  const at = fp.calls.map((c) => c.at - t0);
  const gaps = at.map((x, i) => x - (i === 0 ? 0 : at[i - 1] ?? 0));
  // Expected gaps 40, 80, 160, 160, 160 (timers fire late, never early).
  assert.ok((gaps[0] ?? 0) >= 35, `first re-probe after ~40ms, got ${gaps.join(',')}`);
  assert.ok((gaps[1] ?? 0) >= 75, `second after ~80ms, got ${gaps.join(',')}`);
  assert.ok((gaps[3] ?? 0) >= 150 && (gaps[3] ?? 0) < 1000, `capped at ~160ms, got ${gaps.join(',')}`);
  assert.equal(r.list()[0]?.failures, fp.calls.length);
});

test('a successful re-probe brings the endpoint back and logs it', async (t) => {
  const { r, fp, log } = make();
  t.after(() => r.close());
  r.set(eps('a:1', 'b:1'));
  r.markDown('a:1', new Error('refused'));
  fp.alive.add('a:1');
  await eventually(async () => r.liveCount() === 2, 5000, 10);
  assert.ok(log.records.some((x) => x.msg === 'activated endpoint' && x.fields.address === 'a:1'));
  assert.equal(r.list()[0]?.failures, 0);
});

test('probeNow re-probes down endpoints at once, at most once per initialRetryMs', async (t) => {
  const { r, fp } = make({ initialRetryMs: 5000, retryDelayMs: 60_000 });
  t.after(() => r.close());
  r.set(eps('a:1', 'b:1'));
  r.markDown('a:1', new Error('refused'));
  r.markDown('b:1', new Error('refused'));
  fp.alive.add('b:1');
  r.probeNow();
  r.probeNow();
  await eventually(async () => r.liveCount() === 1, 2000, 5);
  assert.equal(fp.calls.length, 2, 'one demand probe per down endpoint');
  assert.equal(r.pick()?.key, 'b:1');
  assert.equal(r.list()[0]?.failures, 0, 'a failed demand probe does not stretch the backoff');
});

test('probeAll marks the endpoints that do not answer down, quietly counting nothing else', async (t) => {
  const { r, fp } = make();
  t.after(() => r.close());
  r.set(eps('a:1', 'b:1'));
  fp.alive.add('b:1');
  await r.probeAll();
  assert.deepEqual(r.list().map((v) => [v.endpoint.key, v.up]), [['a:1', false], ['b:1', true]]);
});

test('set() keeps the state of kept endpoints, adds new ones up (or down when told), drops removed ones', (t) => {
  const states: [string, boolean | undefined][] = [];
  const { r } = make({ onState: (ep, up) => states.push([ep.key, up]) });
  t.after(() => r.close());
  r.set(eps('a:1', 'b:1'));
  r.markDown('a:1', new Error('refused'));
  r.set(eps('a:1', 'c:1', 'd:1'), new Set(['d:1']));
  assert.deepEqual(r.list().map((v) => [v.endpoint.key, v.up]), [['a:1', false], ['c:1', true], ['d:1', false]]);
  assert.deepEqual(states, [['a:1', true], ['b:1', true], ['a:1', false], ['c:1', true], ['d:1', true], ['b:1', undefined], ['d:1', false]]);
});

test('SRV weights: weighted random in the best priority class only', (t) => {
  let i = 0;
  const seq = [0.1, 0.5, 0.9, 0.95];
  const { r } = make({ random: () => seq[i++ % seq.length] ?? 0 });
  t.after(() => r.close());
  r.set([
    parseEndpoint('a:1', 't', { priority: 10, weight: 1 }),
    parseEndpoint('b:1', 't', { priority: 10, weight: 3 }),
    parseEndpoint('c:1', 't', { priority: 20, weight: 100 }),
  ]);
  assert.deepEqual(Array.from({ length: 4 }, () => r.pick()?.key), ['a:1', 'b:1', 'b:1', 'b:1']);
  r.markDown('a:1', new Error('x'));
  r.markDown('b:1', new Error('x'));
  assert.equal(r.pick()?.key, 'c:1', 'the next priority class takes over when the best is down');
});

test('close() stops every re-probe timer', async () => {
  const { r, fp } = make();
  r.set(eps('a:1'));
  r.markDown('a:1', new Error('refused'));
  r.close();
  await delay(150);
  assert.equal(fp.calls.length, 0);
});
