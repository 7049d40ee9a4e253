// Scaling with promote/demote on a real 3-member cluster under a steady stream of writes through the gateway:
// 3 -> 5 by promoting two proxies, back to 3 by demoting them. Then the failure paths on the same cluster: a
// member that cannot start (rolled back to the same member list, proxy serving again) and a member that is
// down (refused before any change).
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { kvGet } from '../../etcd/etcd-client.js';
import { runBin, spawnBin } from '../helpers/bin.js';
import type { BinProcess } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { cleanupStack, FAILING_ETCD, keysUnder, killPid, listMembers, startProxy, startWriter, tempDirIn, url } from './membership-support.js';

test('grow 3 -> 5 by promoting two proxies and shrink back by demoting them, losing no acknowledged write', async (t) => {
  requireTool('etcd', 'etcd-server');
  requireTool('etcdctl', 'etcd-client');
  const stack = cleanupStack(t);
  const dir = tempDirIn(stack);
  // One block, so the cluster's ports (b..b+8, the metrics listener last) and ours (x..x+9) cannot overlap.
  const b = await freePorts(19);
  const x = b + 9;
  const up = spawnBin(['up', '--base-port', String(b), '--edge=false', '--data-dir', `${dir}/cluster`]);
  stack.push(async () => assert.equal(await up.stop(), 0));
  await up.waitFor(/"msg":"etcd-edge is up"/, 60_000);
  const clients = [b, b + 1, b + 2].map(url);
  const peers = `infra1=${url(b + 3)},infra2=${url(b + 4)},infra3=${url(b + 5)}`;
  const gw = spawnBin(['gateway', 'start', '--listen-addr', `127.0.0.1:${x}`, '--endpoints', clients.join(',')]);
  stack.push(async () => assert.equal(await gw.stop(), 0));
  await gw.waitFor(/"msg":"ready to proxy client requests"/, 30_000);
  // x+1/x+2: proxies A and B; x+3..x+6: m4 and m5 client/peer; x+7: proxy C; x+8: the member C cannot become.
  const proxyA = await startProxy(stack, { port: x + 1, peers, dataDir: `${dir}/a` });
  const proxyB = await startProxy(stack, { port: x + 2, peers, dataDir: `${dir}/b` });
  const writer = startWriter([url(x)], 'gw/');
  stack.push(() => writer.stop());

  const promote = async (name: string, data: string, client: number, peer: number, extra: string[] = []): Promise<BinProcess> => {
    const p = spawnBin(['promote', '--name', name, '--peer-urls', url(peer), '--client-urls', url(client), '--data-dir', data, ...extra]);
    stack.push(() => p.stop());
    await p.waitFor(/"msg":"member is ready"/, 60_000);
    return p;
  };
  const t0 = Date.now();
  // --endpoints naming the proxy itself: its rewritten member list must not fool promote.
  const m4 = await promote('m4', `${dir}/a`, x + 3, x + 4, ['--endpoints', url(x + 1)]);
  const m5 = await promote('m5', `${dir}/b`, x + 5, x + 6);
  const grownMs = Date.now() - t0;
  assert.equal(await proxyA.exited(), 0);
  assert.equal(await proxyB.exited(), 0);
  const five = await listMembers(clients[0] ?? '');
  assert.deepEqual(five.map((m) => [m.name, m.status, m.learner]).sort(), ['infra1', 'infra2', 'infra3', 'm4', 'm5'].map((n) => [n, 'started', false]));

  const demote = async (name: string, data: string, supervisor: BinProcess): Promise<BinProcess> => {
    const d = spawnBin(['demote', '--name', name, '--data-dir', data]);
    stack.push(() => d.stop());
    await d.waitFor(/"msg":"proxy is ready"/, 60_000);
    assert.equal(await supervisor.exited(), 0, `the promote running ${name} stopped cleanly`);
    return d;
  };
  // Make m5 the leader first: demote must hand leadership away before removing it.
  const m5id = five.find((m) => m.name === 'm5')?.id ?? '';
  const moved = await etcdctl(['--endpoints', [...clients, url(x + 3), url(x + 5)].join(','), 'move-leader', m5id]);
  assert.equal(moved.code, 0, moved.stderr);
  const t1 = Date.now();
  const d5 = await demote('m5', `${dir}/b`, m5);
  assert.match(d5.stdout(), /^\[2\/6\] move leadership away if it leads\n {6}leadership moved to \S+ \([0-9a-f]+\)$/m);
  const d4 = await demote('m4', `${dir}/a`, m4);
  // m5 may have handed leadership to m4: either way the step says what it did.
  assert.match(d4.stdout(), /^\[2\/6\] move leadership away if it leads\n {6}(not the leader \(the leader is [0-9a-f]+\)|leadership moved to \S+ \([0-9a-f]+\))$/m);
  const shrunkMs = Date.now() - t1;
  const three = await listMembers(clients[0] ?? '');
  assert.deepEqual(three.map((m) => m.name).sort(), ['infra1', 'infra2', 'infra3']);

  await new Promise((r) => setTimeout(r, 300));
  const w = await writer.stop();
  t.diagnostic(`3 -> 5 took ${grownMs} ms, 5 -> 3 took ${shrunkMs} ms; ${w.acked.length} writes acknowledged through the gateway, ${w.failed} failed`);
  assert.ok(w.acked.length > 50, `a steady stream of writes was acknowledged (${w.acked.length})`);
  const keys = await keysUnder(clients[1] ?? '', 'gw/');
  const lost = w.acked.filter((k) => !keys.has(k));
  assert.deepEqual(lost, [], 'every acknowledged write is readable');
  assert.equal(await kvGet(url(x + 5), 'gw/0'), 'v0', 'the proxy that replaced m5 serves on m5\'s client URL');
  assert.equal(await kvGet(url(x + 3), 'gw/0'), 'v0', 'the proxy that replaced m4 serves on m4\'s client URL');

  await t.test('a member that cannot start is rolled back: same member list, the proxy serving again', async () => {
    const dataC = `${dir}/c`;
    const proxyC = await startProxy(stack, { port: x + 7, peers, dataDir: dataC });
    writeFileSync(`${dir}/failing-etcd`, FAILING_ETCD);
    chmodSync(`${dir}/failing-etcd`, 0o755);
    const before = await listMembers(clients[0] ?? '');
    const r = await runBin(['promote', '--name', 'mc', '--peer-urls', url(x + 8), '--client-urls', url(x + 7), '--data-dir', dataC, '--etcd-bin', `${dir}/failing-etcd`]);
    const newPid = Number(readFileSync(`${dataC}/proxy/pid`, 'utf8'));
    stack.push(() => killPid(newPid));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^\[5\/7\] start etcd/m);
    assert.match(r.stdout, /^step 6 failed: etcd exited while joining[^]*injected failure/m);
    assert.match(r.stdout, /^rolling back:\n {6}removed member [0-9a-f]+\n {6}stopped etcd[^]*restored [^\n]*\/c\/proxy\n {6}restarted the proxy: pid \d+/m);
    assert.match(r.stderr, /failed at step 6[^]*\[EDGE_MEMBERSHIP\]\nhint: rolled back/);
    assert.deepEqual(await listMembers(clients[0] ?? ''), before);
    assert.equal(await proxyC.exited(), 0, 'the original proxy was stopped with SIGTERM');
    assert.notEqual(newPid, proxyC.child.pid);
    assert.equal(await eventually(() => kvGet(url(x + 7), 'gw/1'), 20_000), 'v1', 'the restarted proxy serves');
  });

  await t.test('a member is down: promote refuses before any change', async () => {
    const dataC = `${dir}/c`;
    const proxyPid = Number(readFileSync(`${dataC}/proxy/pid`, 'utf8'));
    const before = await listMembers(clients[0] ?? '');
    const pids = [...up.stderr().matchAll(/"member":"infra2","memberPid":(\d+)/g)];
    const infra2 = Number(pids[pids.length - 1]?.[1]);
    assert.ok(infra2 > 0);
    // SIGSTOP keeps the process (so up does not restart it) while it stops answering.
    process.kill(infra2, 'SIGSTOP');
    stack.push(() => { try { process.kill(infra2, 'SIGCONT'); } catch { /* gone */ } });
    const r = await runBin(['promote', '--name', 'mc', '--peer-urls', url(x + 8), '--client-urls', url(x + 7), '--data-dir', dataC]);
    process.kill(infra2, 'SIGCONT');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`refusing to add a member while the cluster is unhealthy: member "infra2" \\([0-9a-f]+\\) is not healthy at ${url(b + 1)} \\[EDGE_ETCD_UNHEALTHY\\]`));
    assert.doesNotMatch(r.stdout, /\[2\/7\]/);
    assert.deepEqual(await listMembers(clients[0] ?? ''), before);
    assert.equal(Number(readFileSync(`${dataC}/proxy/pid`, 'utf8')), proxyPid, 'the same proxy still runs');
    assert.equal(await eventually(() => kvGet(url(x + 7), 'gw/2'), 20_000), 'v2', 'and serves');
  });
});
