// Unit tests of gateway/sync.ts: a fake member list (the only fake) over real TCP listeners standing in for
// members. Adopting client URLs, logging old/new lists, skipping learners and unstarted members, keeping the
// set when nothing advertised is usable, falling back to the seeds, and the timer loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { EtcdMember } from '../../../etcd/etcd-client.js';
import { probeTcp } from '../../../gateway/dial.js';
import { parseEndpoint } from '../../../gateway/endpoint.js';
import type { Endpoint } from '../../../gateway/endpoint.js';
import { createLoopGuard } from '../../../gateway/loop.js';
import { createRemotes } from '../../../gateway/remotes.js';
import { createSync } from '../../../gateway/sync.js';
import type { SyncOptions } from '../../../gateway/sync.js';
import { eventually } from '../../helpers/etcd.js';
import { captureLogger, startEcho } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/ports.js';

const member = (name: string, urls: string[], over: Partial<EtcdMember> = {}): EtcdMember =>
  ({ id: name, name, peerURLs: [], clientURLs: urls, isLearner: false, ...over });

async function setup(t: TestContext, initial: string[], members: () => EtcdMember[] | Error, over: Partial<SyncOptions> = {}) {
  const log = captureLogger();
  const probe = (ep: Endpoint): Promise<void> => probeTcp(ep, 1000);
  const remotes = createRemotes({ initialRetryMs: 50, retryDelayMs: 200, probe, logger: log });
  t.after(() => remotes.close());
  remotes.set(initial.map((k) => parseEndpoint(k, 'test')));
  const asked: string[] = [];
  const sync = createSync({
    intervalMs: 100, initialRetryMs: 50, remotes, probe, logger: log,
    loop: await createLoopGuard({ host: '127.0.0.1', port: 1 }),
    seeds: async () => [],
    fetchMembers: async (ep) => {
      asked.push(ep.key);
      const m = members();
      if (m instanceof Error) throw m;
      return m;
    },
    ...over,
  });
  t.after(() => sync.close());
  return { log, remotes, sync, asked };
}

test('adopts the members\' client URLs and logs the old and new lists', async (t) => {
  const [a, b, c] = [await startEcho(t, 'a'), await startEcho(t, 'b'), await startEcho(t, 'c')];
  const { sync, remotes, log } = await setup(t, [`127.0.0.1:${a.port}`], () => [
    member('m1', [`http://127.0.0.1:${a.port}`]), member('m2', [`http://127.0.0.1:${b.port}`]), member('m3', [`http://127.0.0.1:${c.port}`]),
  ]);
  assert.equal(await sync.runOnce(), 'changed');
  assert.deepEqual(remotes.endpoints().map((e) => e.port), [a.port, b.port, c.port]);
  const rec = log.records.find((r) => r.msg === 'endpoints changed');
  assert.ok(rec);
  assert.deepEqual(rec.fields.old, [`127.0.0.1:${a.port}`]);
  assert.deepEqual(rec.fields.added, [`127.0.0.1:${b.port}`, `127.0.0.1:${c.port}`]);
  assert.equal(await sync.runOnce(), 'unchanged');
});

test('skips learners and members not started yet; an unreachable new member joins the set as down', async (t) => {
  const a = await startEcho(t, 'a');
  const [learner, dead] = [await freePort(), await freePort()];
  const { sync, remotes } = await setup(t, [`127.0.0.1:${a.port}`], () => [
    member('m1', [`http://127.0.0.1:${a.port}`]),
    member('l', [`http://127.0.0.1:${learner}`], { isLearner: true }),
    member('', []),
    member('m4', [`http://127.0.0.1:${dead}`]),
  ]);
  assert.equal(await sync.runOnce(), 'changed');
  assert.deepEqual(remotes.list().map((v) => [v.endpoint.port, v.up]), [[a.port, true], [dead, false]]);
});

test('keeps the current set when every advertised URL is unusable from here, with a warning', async (t) => {
  const a = await startEcho(t, 'a');
  // A fake resolver: no DNS query leaves the machine.
  const resolve = async (h: string): Promise<string[]> => { if (h === '127.0.0.1') return [h]; throw new Error(`lookup ${h}: ENOTFOUND`); };
  const loop = await createLoopGuard({ host: '127.0.0.1', port: a.port + 1 }, { resolve });
  const { sync, remotes, log } = await setup(t, [`127.0.0.1:${a.port}`], () => [
    member('m1', ['http://0.0.0.0:2379']), member('m2', [`http://127.0.0.1:${a.port + 1}`]), member('m3', [`http://no-such-host.invalid:${a.port + 1}`]),
  ], { loop });
  assert.equal(await sync.runOnce(), 'kept');
  assert.deepEqual(remotes.endpoints().map((e) => e.port), [a.port]);
  const w = log.records.find((r) => r.msg === 'members advertise no client URL usable from here; keeping the current endpoints');
  assert.ok(w);
  assert.match(String(w.fields.rejected), /0\.0\.0\.0:2379 \(a wildcard address\)/);
  assert.match(String(w.fields.rejected), /the gateway's own listen address/);
  assert.match(String(w.fields.rejected), /does not resolve here/);
});

test('keeps the current set when no advertised URL answers (private addresses seen from outside)', async (t) => {
  const a = await startEcho(t, 'a');
  const [d1, d2] = [await freePort(), await freePort()];
  const { sync, remotes, log } = await setup(t, [`127.0.0.1:${a.port}`], () => [member('m1', [`http://127.0.0.1:${d1}`]), member('m2', [`http://127.0.0.1:${d2}`])]);
  assert.equal(await sync.runOnce(), 'kept');
  assert.deepEqual(remotes.endpoints().map((e) => e.port), [a.port]);
  assert.ok(log.records.some((r) => r.msg === 'no advertised client URL answers from here; keeping the current endpoints'));
});

test('loopback URLs advertised by a member reached at a non-loopback address are unusable', async (t) => {
  const { sync, log } = await setup(t, ['10.255.255.1:2379'], () => [member('m1', ['http://127.0.0.1:2379'])],
    { fetchMembers: async () => [member('m1', ['http://127.0.0.1:2379'])] });
  assert.equal(await sync.runOnce(), 'kept');
  assert.match(String(log.records.find((r) => r.msg.startsWith('members advertise'))?.fields.rejected), /a loopback address, advertised by a member reached at 10\.255\.255\.1:2379/);
});

test('when no current endpoint answers, the seeds are asked', async (t) => {
  const a = await startEcho(t, 'a');
  const dead = await freePort();
  const seeds = async (): Promise<Endpoint[]> => [parseEndpoint(`127.0.0.1:${a.port}`, 'seed')];
  const { sync, remotes, asked } = await setup(t, [`127.0.0.1:${dead}`], () => [member('m1', [`http://127.0.0.1:${a.port}`])], {
    seeds,
    fetchMembers: async (ep) => {
      asked.push(ep.key);
      if (ep.port === dead) throw new Error('connect ECONNREFUSED');
      return [member('m1', [`http://127.0.0.1:${a.port}`])];
    },
  });
  assert.equal(await sync.runOnce(), 'changed');
  assert.deepEqual(asked, [`127.0.0.1:${dead}`, `127.0.0.1:${a.port}`]);
  assert.deepEqual(remotes.endpoints().map((e) => e.port), [a.port]);
});

test('a failed round warns once, not every round', async (t) => {
  const { sync, log } = await setup(t, ['127.0.0.1:1'], () => new Error('connect ECONNREFUSED'));
  assert.equal(await sync.runOnce(), 'failed');
  assert.equal(await sync.runOnce(), 'failed');
  const fails = log.records.filter((r) => r.msg === 'endpoint sync failed');
  assert.deepEqual(fails.map((r) => r.level), ['warn', 'debug']);
});

test('start() runs rounds on a timer until close()', async (t) => {
  const a = await startEcho(t, 'a');
  let rounds = 0;
  const { sync } = await setup(t, [`127.0.0.1:${a.port}`], () => { rounds++; return [member('m1', [`http://127.0.0.1:${a.port}`])]; });
  sync.start();
  await eventually(async () => rounds >= 3, 5000, 20);
  sync.close();
  const at = rounds;
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(rounds <= at + 1, 'no rounds after close (one may have been in flight)');
});
