// e2e: the rough edges an etcd operator meets, each with real etcd, dig and etcdctl: dns serve on a tls topology
// publishes _etcd-server-ssl; a bare `certs`/`gateway` is a usage error; --base-port 0 and deep YAML get their own
// errors; a gateway with a scheme-less endpoint and no TLS settings syncs over http only; a restarted bundled up
// starts what the cluster now is after a demote.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runBin, spawnBin } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool, startBundledCluster, tempDir } from '../helpers/etcd.js';
import { peerEntry, startMember } from '../helpers/etcd-member.js';
import { freePort, freePorts } from '../helpers/ports.js';
import { listMembers } from './membership-support.js';

function dig(port: number, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=2', ...args], { timeout: 15_000 }, (err, stdout) => {
      if (err && !stdout) reject(err);
      else resolve(stdout);
    });
  });
}

test('dns serve on a tls: self-signed topology with derived URLs publishes _etcd-server-ssl, as plan derives https', async (t) => {
  requireTool('dig', 'bind9-dnsutils');
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'topology.yaml'), `bootstrap: dns
discovery-srv: example.test
tls: self-signed
hosts:
  infra0: {address: 10.231.0.10, member: {}}
  infra1: {address: 10.231.0.11, member: {}}
  spare: {address: 10.231.0.12, role: proxy, member: {}}
`);
  const plan = await runBin(['plan', '-f', 'topology.yaml', '--host', 'infra0'], { cwd: dir });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /--initial-advertise-peer-urls=https:\/\/10\.231\.0\.10:2380/);
  const port = await freePort();
  const dns = spawnBin(['dns', 'serve', '--listen-addr', `127.0.0.1:${port}`, '-f', 'topology.yaml'], { cwd: dir });
  t.after(async () => assert.equal(await dns.stop(), 0));
  await dns.waitFor(/"msg":"dns server ready"/);
  const short = async (name: string): Promise<string[]> => (await dig(port, [name, 'SRV', '+short'])).trim().split('\n').filter(Boolean).sort();
  assert.deepEqual(await short('_etcd-server-ssl._tcp.example.test'), ['0 0 2380 infra0.example.test.', '0 0 2380 infra1.example.test.']);
  assert.deepEqual(await short('_etcd-client-ssl._tcp.example.test'), ['0 0 2379 infra0.example.test.', '0 0 2379 infra1.example.test.']);
  assert.match(await dig(port, ['_etcd-server._tcp.example.test', 'SRV']), /status: NXDOMAIN/, 'no plain records for https peers');
});

test('usage errors: bare certs and gateway print usage and exit 2; --base-port 0; deep YAML nesting', async (t) => {
  for (const group of ['certs', 'gateway']) {
    const r = await runBin([group]);
    assert.equal(r.code, 2, `bare ${group}`);
    assert.match(r.stdout, new RegExp(`^usage: etcd-edge ${group} `), `bare ${group} prints its usage`);
  }
  const help = await runBin(['certs', '--help']);
  assert.equal(help.code, 0);
  const bp = await runBin(['up', '--base-port', '0']);
  assert.equal(bp.code, 2);
  assert.match(bp.stderr, /^error: invalid --base-port 0: the bundled layout uses ports P\.\.P\+7, which must lie in 1\.\.65535 \[EDGE_USAGE\]\nhint: pass --base-port with a port/);
  assert.doesNotMatch(bp.stderr, /endpoints/);
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'deep.yaml'), `hosts:\n  a:\n    proxy:\n      x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
  for (const cmd of [['plan', '-f', 'deep.yaml'], ['up', '-f', 'deep.yaml', '--host', 'a'], ['dns', 'serve', '-f', 'deep.yaml', '--domain', 'example.test']]) {
    const r = await runBin(cmd, { cwd: dir });
    assert.equal(r.code, 2, cmd.join(' '));
    assert.match(r.stderr, /topology file "\S+deep\.yaml" nests deeper than 64 levels \[EDGE_CONFIG_INVALID\]/, cmd.join(' '));
    assert.doesNotMatch(r.stderr, /call stack/);
  }
});

test('gateway start with a scheme-less endpoint and no TLS settings syncs over http only', async (t) => {
  const [client, peer, listen] = [await freePort(), await freePort(), await freePort()];
  const m = await startMember(t, { name: 'g1', clientPort: client, peerPort: peer, initialCluster: peerEntry('g1', peer), state: 'new' });
  const gw = spawnBin(['gateway', 'start', '--listen-addr', `127.0.0.1:${listen}`, '--endpoints', `127.0.0.1:${client}`, '--endpoints-auto-sync-interval', '300ms']);
  t.after(async () => assert.equal(await gw.stop(), 0));
  await gw.waitFor(/"msg":"ready to proxy client requests"/);
  assert.equal((await etcdctl(['--endpoints', `127.0.0.1:${listen}`, 'put', 'through', 'gateway'])).code, 0);
  await m.stop();
  await gw.waitFor(/"msg":"endpoint sync failed"/, 15_000);
  const failed = gw.stderr().split('\n').filter((l) => l.includes('endpoint sync failed'));
  assert.match(failed[0] ?? '', /http:\/\/127\.0\.0\.1:\d+/);
  assert.doesNotMatch(gw.stderr(), /https:\/\//, 'no https attempt for a plain endpoint');
});

test('bundled up restarted after a demote starts the cluster as it now is', async (t) => {
  const basePort = await freePorts(8);
  const c = await startBundledCluster(t, { edge: true, basePort });
  const eps = c.clientUrls[0] ?? '';
  assert.equal((await etcdctl(['--endpoints', eps, 'put', 'kept', 'yes'])).code, 0);
  const r = await runBin(['demote', '--name', 'infra3', '--data-dir', c.dataDir, '--endpoints', eps, '--start-proxy=false']);
  assert.equal(r.code, 0, r.stderr);
  await c.proc.waitFor(/member infra3 was removed from the cluster; not restarting it/, 10_000);
  assert.deepEqual(JSON.parse(readFileSync(path.join(c.dataDir, 'removed-members.json'), 'utf8')), { removed: ['infra3'] });
  assert.equal(await c.stop(), 0);

  const again = spawnBin(['up', '--base-port', String(basePort), '--edge=true', '--data-dir', c.dataDir]);
  t.after(async () => assert.equal(await again.stop(), 0));
  await again.waitFor(/"msg":"etcd-edge is up"/, 60_000);
  assert.match(again.stdout(), /member infra3 was removed from the cluster \(demoted\) and has no data dir: not starting it/);
  assert.doesNotMatch(again.stdout(), /starting member infra3/);
  assert.deepEqual((await listMembers(eps)).map((x) => x.name).sort(), ['infra1', 'infra2']);
  const got = await eventually(async () => {
    const g = await etcdctl(['--endpoints', `127.0.0.1:${basePort + 7}`, 'get', 'kept', '--print-value-only']);
    return g.code === 0 ? g.stdout.trim() : undefined;
  });
  assert.equal(got, 'yes', 'the gateway serves the cluster that is left');
});
