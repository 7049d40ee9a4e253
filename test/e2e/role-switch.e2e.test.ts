// A host switching roles as the topology and `plan` describe it, with real etcd and the commands plan prints run
// verbatim: members a and b under `etcd-edge up --host`, host w with role: proxy runs plan's proxy line, plan's
// promote line makes it member w; host v with role: proxy runs `up --host v` (its proxy inside up) and plan's
// promote line makes it member v too; then plan's demote line turns the up-run member a into a proxy (up does not
// restart the removed member) and that proxy serves the keys written before. And demote next to the bundled up,
// whose proxy already holds the data dir: refused before any change, or run with --start-proxy=false. And on a
// TLS cluster, where the replacing proxy serves https with the member's certificate.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kvGet, kvPut } from '../../etcd/etcd-client.js';
import { runBin, spawnBin } from '../helpers/bin.js';
import type { BinProcess } from '../helpers/bin.js';
import { eventually, requireTool, startBundledCluster } from '../helpers/etcd.js';
import { freePort, freePorts } from '../helpers/ports.js';
import { cleanupStack, listMembers, tempDirIn, url } from './membership-support.js';
import { curl } from './proxy-support.js';
import { printed } from '../helpers/plan-lines.js';

test('role switch: plan\'s proxy, promote and demote commands, run verbatim, move hosts between roles', async (t) => {
  requireTool('etcd', 'etcd-server');
  const stack = cleanupStack(t);
  const dir = tempDirIn(stack);
  const state = `${dir}/state`;
  const p = await freePorts(8);
  writeFileSync(`${dir}/topo.yaml`, `
cluster-token: role-switch
hosts:
  a: {member: {name: a, listen-peer-urls: ${url(p + 3)}, listen-client-urls: ${url(p)}}}
  b: {member: {name: b, listen-peer-urls: ${url(p + 4)}, listen-client-urls: ${url(p + 1)}}}
  w: {role: proxy, member: {name: w, listen-peer-urls: ${url(p + 5)}, listen-client-urls: ${url(p + 2)}}}
  v: {role: proxy, member: {name: v, listen-peer-urls: ${url(p + 7)}, listen-client-urls: ${url(p + 6)}}}
`);
  const ups: BinProcess[] = ['a', 'b'].map((h) => spawnBin(['up', '-f', `${dir}/topo.yaml`, '--host', h, '--data-dir', state]));
  for (const u of ups) stack.push(async () => assert.equal(await u.stop(), 0));
  await Promise.all(ups.map((u) => u.waitFor(/"msg":"etcd-edge is up"/, 60_000)));

  const planW = await runBin(['plan', '-f', `${dir}/topo.yaml`, '--host', 'w', '--data-dir', state]);
  assert.equal(planW.code, 0, planW.stderr);
  assert.doesNotMatch(planW.stdout, /ETCD_NAME=/, 'a proxy-role host runs no etcd yet');
  const proxyArgs = printed(planW.stdout, 'proxy');
  assert.ok(proxyArgs.includes(`--listen-client-urls=${url(p + 2)}`), 'the proxy takes the member\'s client port on loopback');
  const proxy = spawnBin(proxyArgs);
  stack.push(() => proxy.stop());
  await proxy.waitFor(/"msg":"ready to proxy client requests"/, 30_000);
  await kvPut(url(p + 2), 'before', 'through the proxy', { timeoutMs: 5000 });

  const promote = spawnBin(printed(planW.stdout, 'promote'));
  stack.push(() => promote.stop());
  await promote.waitFor(/"msg":"member is ready"/, 90_000);
  assert.equal(await proxy.exited(), 0, 'promote stopped the proxy with SIGTERM');
  assert.match(promote.stdout(), /^member w \([0-9a-f]+\) is a voting member; the cluster has 3 members/m);
  const three = await listMembers(url(p));
  assert.deepEqual(three.map((m) => [m.name, m.status, m.learner]).sort(), [['a', 'started', false], ['b', 'started', false], ['w', 'started', false]]);
  assert.equal(await kvGet(url(p + 2), 'before', { timeoutMs: 5000 }), 'through the proxy', 'the member answers where the proxy did');
  assert.ok(existsSync(`${state}/w.etcd/member/wal`), 'the member\'s data is where up and plan look for it');

  // Host v runs `up --host v`: only its proxy runs inside that up, so promote may stop the whole up.
  const vState = `${dir}/v-state`;
  const upV = spawnBin(['up', '-f', `${dir}/topo.yaml`, '--host', 'v', '--data-dir', vState]);
  stack.push(() => upV.stop());
  await upV.waitFor(/"msg":"etcd-edge is up"/, 30_000);
  await kvPut(url(p + 6), 'via-v', 'through up\'s proxy', { timeoutMs: 5000 });
  const planV = await runBin(['plan', '-f', `${dir}/topo.yaml`, '--host', 'v', '--data-dir', vState]);
  assert.equal(planV.code, 0, planV.stderr);
  const promoteV = spawnBin(printed(planV.stdout, 'promote'));
  stack.push(() => promoteV.stop());
  await promoteV.waitFor(/"msg":"member is ready"/, 90_000);
  assert.equal(await upV.exited(), 0, 'promote stopped up --host v (which ran only the proxy) with SIGTERM');
  assert.match(promoteV.stdout(), /^member v \([0-9a-f]+\) is a voting member; the cluster has 4 members/m);
  assert.equal(await kvGet(url(p + 6), 'via-v', { timeoutMs: 5000 }), 'through up\'s proxy');

  const planA = await runBin(['plan', '-f', `${dir}/topo.yaml`, '--host', 'a', '--data-dir', state]);
  assert.equal(planA.code, 0, planA.stderr);
  const demote = spawnBin(printed(planA.stdout, 'demote'));
  stack.push(async () => assert.equal(await demote.stop(), 0));
  await demote.waitFor(/"msg":"proxy is ready"/, 60_000);
  assert.match(demote.stdout(), /etcd pid \d+ runs on \S+\/a\.etcd \(not under etcd-edge promote\)/);
  assert.match(demote.stdout(), /etcd \(pid \d+\) exited by itself after the removal/);
  await ups[0]?.waitFor(/member a was removed from the cluster; not restarting it/, 10_000);
  const three2 = await listMembers(url(p + 1));
  assert.deepEqual(three2.map((m) => m.name).sort(), ['b', 'v', 'w']);
  assert.ok(readdirSync(state).some((f) => /^a\.etcd\.demoted-/.test(f)), 'a\'s data dir was archived');
  // The proxy demote started listens where member a did and follows the cluster that is left.
  assert.equal(await eventually(() => kvGet(url(p), 'before', { timeoutMs: 3000 }), 20_000), 'through the proxy');
  await kvPut(url(p), 'after', 'demoted', { timeoutMs: 5000 });
  assert.equal(await kvGet(url(p + 1), 'after', { timeoutMs: 5000 }), 'demoted');
});

test('demote of a member of the bundled up: refused before any change while up\'s proxy holds the data dir; --start-proxy=false removes and stops it', async (t) => {
  const c = await startBundledCluster(t, { edge: true });
  const eps = c.clientUrls[0] ?? '';
  const refused = await runBin(['demote', '--name', 'infra3', '--data-dir', c.dataDir, '--endpoints', eps]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /the replacing proxy could not start: etcd-edge up \(pid \d+\) already runs a proxy on \S+; nothing was changed \[EDGE_MEMBERSHIP\]\nhint: that proxy already follows the cluster: pass --start-proxy=false/);
  assert.equal((await listMembers(eps)).length, 3, 'nothing was changed');
  // Right after start etcd refuses removals for 5 s ("unhealthy cluster"): demote retries that.
  const r = await runBin(['demote', '--name', 'infra3', '--data-dir', c.dataDir, '--endpoints', eps, '--start-proxy=false']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {6}removed; 2 members left: infra[12], infra[12]$/m);
  assert.match(r.stdout, /^ {6}etcd \(pid \d+\) exited by itself after the removal$/m);
  await c.proc.waitFor(/member infra3 was removed from the cluster; not restarting it/, 10_000);
  assert.deepEqual((await listMembers(eps)).map((m) => m.name).sort(), ['infra1', 'infra2']);
  // up's own proxy follows the cluster that is left.
  await kvPut(c.proxyUrl, 'after-demote', 'ok', { timeoutMs: 5000 });
  assert.equal(await kvGet(c.clientUrls[1] ?? '', 'after-demote', { timeoutMs: 5000 }), 'ok');
});

test('demote on an up --tls self-signed cluster: the replacing proxy serves https with the member\'s certificate and client-cert auth', async (t) => {
  requireTool('curl', 'curl');
  const c = await startBundledCluster(t, { extraArgs: ['--tls', 'self-signed'] });
  const pki = path.join(c.dataDir, 'pki');
  const auth = ['--cacert', `${pki}/ca.crt`, '--cert', `${pki}/client.crt`, '--key', `${pki}/client.key`];
  const https = (i: number): string => `https://127.0.0.1:${c.basePort + i}`;
  assert.equal((await curl(['--max-time', '5', ...auth, `${https(0)}/v2/keys/tls-key`, '-XPUT', '-d', 'value=secret'])).code, 0);
  const d = spawnBin(['demote', '--name', 'infra3', '--data-dir', c.dataDir, '--endpoints', https(0), ...auth]);
  t.after(async () => { assert.equal(await d.stop(), 0); });
  await d.waitFor(/"msg":"proxy is ready"/, 60_000);
  assert.match(d.stdout(), new RegExp(`start an etcd-edge proxy on ${https(2)}`));
  const got = await curl(['--max-time', '5', ...auth, `${https(2)}/v2/keys/tls-key`]);
  assert.equal(got.code, 0);
  assert.match(got.stdout, /"value":"secret"/);
  const anonymous = await curl(['--max-time', '5', '--cacert', `${pki}/ca.crt`, `${https(2)}/v2/keys/tls-key`]);
  assert.notEqual(anonymous.code, 0, 'without a client certificate the proxy refuses, as the member did');
  // The proxy runs inside demote: its pid file names demote, its flags are recorded, its JSON lines go to proxy.log.
  assert.equal(readFileSync(path.join(c.dataDir, 'proxy', 'pid'), 'utf8').trim(), String(d.child.pid));
  const rec = JSON.parse(readFileSync(path.join(c.dataDir, 'proxy', 'flags.json'), 'utf8')) as { pid: number; flags: Record<string, unknown> };
  assert.equal(rec.pid, d.child.pid);
  assert.equal(rec.flags['listen-client-urls'], https(2));
  const proxyLog = path.join(c.dataDir, 'logs', 'proxy.log');
  assert.equal(statSync(proxyLog).mode & 0o777, 0o600);
  assert.match(readFileSync(proxyLog, 'utf8'), new RegExp(`^\\{.*"pid":${d.child.pid},.*"msg":"ready to proxy client requests"\\}$`, 'm'));

  // And back: promote that proxy's host to a TLS member (etcd's TLS flags after --), with a step-7 https proxy.
  const [peerPort, proxyPort] = [await freePort(), await freePort()];
  const m = `${pki}/members/infra3`;
  const promote = spawnBin(['promote', '--name', 'back', '--peer-urls', `https://127.0.0.1:${peerPort}`, '--client-urls', https(2), '--data-dir', c.dataDir,
    '--endpoints', https(0), ...auth, '--proxy-listen-client-urls', `https://127.0.0.1:${proxyPort}`,
    '--', `--cert-file=${m}.crt`, `--key-file=${m}.key`, `--trusted-ca-file=${pki}/ca.crt`, '--client-cert-auth',
    `--peer-cert-file=${m}-peer.crt`, `--peer-key-file=${m}-peer.key`, `--peer-trusted-ca-file=${pki}/ca.crt`, '--peer-client-cert-auth']);
  t.after(async () => { assert.equal(await promote.stop(), 0); });
  await promote.waitFor(/"msg":"member is ready"/, 90_000);
  assert.equal(await d.exited(), 0, 'promote stopped the proxy demote ran, and demote exited cleanly');
  assert.match(promote.stdout(), new RegExp(`stopped pid ${d.child.pid} \\(${https(2)}\\)`));
  assert.match(promote.stdout(), /^\[7\/7\] start a local etcd-edge proxy on https:\/\/127\.0\.0\.1:\d+\n {6}pid \d+ on https:/m);
  for (const url of [https(2), `https://127.0.0.1:${proxyPort}`]) {
    const r = await curl(['--max-time', '5', ...auth, `${url}/v2/keys/tls-key`]);
    assert.match(r.stdout, /"value":"secret"/, `${url} serves over TLS`);
  }
});
