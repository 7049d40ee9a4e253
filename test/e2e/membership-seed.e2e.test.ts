// The seed example end to end: one member plus an etcd-edge proxy, keys written through the proxy, then
// `etcd-edge promote` while writers keep going. Then a second run (harmless), and `member add/list/remove`
// against the same cluster, compared with the real etcdctl.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { kvGet, kvPut } from '../../etcd/etcd-client.js';
import { runBin, spawnBin } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { cleanupStack, keysUnder, listMembers, startProxy, startWriter, tempDirIn, url } from './membership-support.js';

test('promote the seed example\'s proxy to a second member, losing no acknowledged write', async (t) => {
  requireTool('etcd', 'etcd-server');
  requireTool('etcdctl', 'etcd-client');
  const stack = cleanupStack(t);
  const dir = tempDirIn(stack);
  // p: solo client, p+1 solo peer, p+2 proxy (then the new member's client URL), p+3 new peer, p+4 local proxy after, p+5 spare peer.
  const p = await freePorts(6);
  writeFileSync(`${dir}/topo.yaml`, `hosts:\n  solo:\n    member:\n      name: solo\n      listen-peer-urls: ${url(p + 1)}\n      listen-client-urls: ${url(p)}\n`);
  const up = spawnBin(['up', '-f', `${dir}/topo.yaml`, '--data-dir', `${dir}/solo`]);
  stack.push(async () => assert.equal(await up.stop(), 0));
  await up.waitFor(/"msg":"etcd-edge is up"/, 60_000);
  const px = `${dir}/px`;
  const proxy = await startProxy(stack, { port: p + 2, peers: `solo=${url(p + 1)}`, dataDir: px });
  for (let i = 0; i < 20; i++) await kvPut(url(p + 2), `before/${i}`, `v${i}`);

  const viaProxy = startWriter([url(p + 2)], 'during/proxy/');
  const viaSolo = startWriter([url(p)], 'during/solo/');
  await new Promise((r) => setTimeout(r, 300));
  const args = ['promote', '--name', 'm2', '--peer-urls', url(p + 3), '--client-urls', url(p + 2), '--data-dir', px, '--proxy-listen-client-urls', url(p + 4)];
  const promote = spawnBin(args);
  stack.push(async () => assert.equal(await promote.stop(), 0, promote.stderr().slice(-2000)));
  const ackedBefore = viaSolo.acked();
  const t0 = Date.now();
  await promote.waitFor(/"msg":"member is ready"/, 90_000);
  const tookMs = Date.now() - t0;
  assert.equal(await proxy.exited(), 0, 'the proxy was stopped with SIGTERM and exited cleanly');
  await new Promise((r) => setTimeout(r, 500));
  const a = await viaProxy.stop();
  const b = await viaSolo.stop();
  t.diagnostic(`promotion took ${tookMs} ms; acknowledged writes: ${a.acked.length} via the proxy URL (${a.failed} failed), ${b.acked.length} via solo (${b.failed} failed)`);
  assert.ok(b.acked.length > ackedBefore, 'writes were acknowledged while the promotion ran');
  assert.ok(a.acked.length > 0, 'writes through the proxy URL were acknowledged');

  for (let n = 1; n <= 7; n++) assert.match(promote.stdout(), new RegExp(`^\\[${n}/7\\] `, 'm'));
  const members = await listMembers(url(p));
  assert.deepEqual(members.map((m) => [m.name, m.status, m.learner]).sort(), [['m2', 'started', false], ['solo', 'started', false]]);
  assert.equal(members.find((m) => m.name === 'm2')?.clients, url(p + 2));
  const keys = await keysUnder(url(p + 2), '');
  for (let i = 0; i < 20; i++) assert.ok(keys.has(`before/${i}`), `before/${i}`);
  for (const k of [...a.acked, ...b.acked]) assert.ok(keys.has(k), `acknowledged ${k} is readable`);
  assert.equal(await kvGet(url(p + 4), 'before/7'), 'v7', 'the local proxy started after the promotion serves');

  await t.test('a second run sees the member running and changes nothing', async () => {
    const r = await runBin(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /member "m2" \([0-9a-f]+\) is already part of the cluster and running \(supervised by etcd-edge promote, pid \d+\); nothing to do/);
    assert.equal((await listMembers(url(p))).length, 2);
  });

  await t.test('member list prints exactly what etcdctl prints', async () => {
    const ours = await runBin(['member', 'list', '--endpoints', url(p)]);
    const theirs = await etcdctl(['--endpoints', url(p), 'member', 'list']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout);
  });

  await t.test('member add prints etcdctl\'s ETCD_* lines; member remove its removal line', async () => {
    const before = await listMembers(url(p));
    // Like etcdctl, member add does not retry etcd's "unhealthy cluster", which it answers until the leader has
    // been connected to m2 (promoted moments ago) for 5 s.
    const add = await eventually(async () => {
      const r = await runBin(['member', 'add', 'm3', '--peer-urls', url(p + 5), '--learner', '--endpoints', url(p)]);
      if (r.code !== 0 && !/etcdserver: unhealthy cluster \[EDGE_MEMBERSHIP\]/.test(r.stderr)) throw new Error(r.stderr);
      return r.code === 0 ? r : undefined;
    }, 20_000, 500);
    const m = /^Member ([ 0-9a-f]{16}) added to cluster ([ 0-9a-f]{16})\n\nETCD_NAME="m3"\nETCD_INITIAL_CLUSTER="([^"]+)"\nETCD_INITIAL_ADVERTISE_PEER_URLS="([^"]+)"\nETCD_INITIAL_CLUSTER_STATE="existing"\n$/.exec(add.stdout);
    assert.ok(m, add.stdout);
    const id = (m[1] ?? '').trim();
    assert.equal(m[4], url(p + 5));
    const after = await listMembers(url(p));
    const added = after.find((x) => x.id === id);
    assert.deepEqual([added?.status, added?.learner], ['unstarted', true]);
    // etcdctl lists members by ID ascending: ETCD_INITIAL_CLUSTER must follow the same order.
    assert.equal(m[3], after.map((x) => `${x.id === id ? 'm3' : x.name}=${x.peers}`).join(','));
    const rm = await runBin(['member', 'remove', id, '--endpoints', url(p)]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout, `Member ${id.padStart(16, ' ')} removed from cluster ${m[2]}\n`);
    assert.deepEqual(await listMembers(url(p)), before);
    const again = await runBin(['member', 'remove', id, '--endpoints', url(p)]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: etcdserver: member not found \[EDGE_MEMBERSHIP\]$/m);
  });
});
