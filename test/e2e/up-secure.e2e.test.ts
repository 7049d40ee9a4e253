// `etcd-edge up` as an internet-facing operator runs it: under --tls self-signed its proxy serves https and only
// lends the cluster's client certificate to clients presenting one; and an up SIGKILLed a moment ago is
// replaced at once by a new up on the same data dir, which waits for the old members and comes up with the data.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cleanEnv, spawnBin } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool, tempDir } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { curl } from './proxy-support.js';

// A zombie (exited, not yet reaped by whoever inherited it) counts as gone.
function alive(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

test('up --tls self-signed: a write through the proxy without a client certificate never reaches the cluster; with one it does', async (t) => {
  requireTool('etcd', 'etcd-server');
  const base = await freePorts(8);
  const dir = tempDir(t);
  const up = spawnBin(['up', '--tls', 'self-signed', '--base-port', String(base), '--data-dir', dir], { env: cleanEnv() });
  t.after(async () => { assert.equal(await up.stop('SIGTERM', 30_000), 0, up.stderr().slice(-2000)); });
  await up.waitFor(/"msg":"etcd-edge is up"/, 90_000);
  const pki = path.join(dir, 'pki');
  const [ca, cert, key] = ['ca.crt', 'client.crt', 'client.key'].map((f) => path.join(pki, f)) as [string, string, string];
  const proxy = `127.0.0.1:${base + 6}`;
  assert.match(up.stdout(), new RegExp(`curl --cacert ${ca} --cert ${cert} --key ${key} https://${proxy.replace(/\./g, '\\.')}/v2/keys/foo -XPUT`));
  assert.match(up.stdout(), /etcdctl --endpoints=127\.0\.0\.1:\d+ --cacert=\S+ --cert=\S+ --key=\S+ put foo bar/);
  const put = (name: string, extra: string[], scheme = 'https'): Promise<{ code: number; stdout: string }> =>
    curl(['-m', '5', '-o', '/dev/null', '-w', '%{http_code}', ...extra, '-XPUT', `${scheme}://${proxy}/v2/keys/${name}`, '-d', 'value=1']);
  const plain = await put('plain', [], 'http');
  assert.notEqual(plain.stdout, '201', 'plain http gets no answer from the https listener');
  const noCert = await put('nocert', ['--cacert', ca]);
  assert.notEqual(noCert.code, 0, 'the TLS handshake fails without a client certificate');
  assert.notEqual(noCert.stdout, '201');
  const withCert = await put('withcert', ['--cacert', ca, '--cert', cert, '--key', key]);
  assert.equal(withCert.stdout, '201');
  const member = (name: string): Promise<{ code: number; stdout: string }> =>
    curl(['-m', '5', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', ca, '--cert', cert, '--key', key, `https://127.0.0.1:${base}/v2/keys/${name}`]);
  assert.equal((await member('plain')).stdout, '404', 'the plain-http write never reached the cluster');
  assert.equal((await member('nocert')).stdout, '404', 'the certificate-less write never reached the cluster');
  assert.equal((await member('withcert')).stdout, '200');
});

test('kill -9 up; up again on the same data dir: the new up waits for the old members and comes up healthy with its data', async (t) => {
  requireTool('etcd', 'etcd-server');
  const base = await freePorts(8);
  const dir = tempDir(t);
  const args = ['up', '--base-port', String(base), '--data-dir', dir];
  const first = spawnBin(args, { env: cleanEnv() });
  t.after(() => first.stop('SIGKILL'));
  await first.waitFor(/"msg":"etcd-edge is up"/, 90_000);
  const endpoints = [0, 1, 2].map((i) => `http://127.0.0.1:${base + i}`).join(',');
  assert.equal((await etcdctl(['--endpoints', endpoints, 'put', 'survivor', 'yes'])).code, 0);
  const watchdogLog = path.join(dir, 'logs', 'watchdog.log');
  const pids = [...first.stderr().matchAll(/"memberPid":(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(pids.length, 3, first.stderr().slice(-2000));
  const killedAt = Date.now();
  await first.stop('SIGKILL');
  const second = spawnBin(args, { env: cleanEnv() });
  t.after(async () => { assert.equal(await second.stop('SIGTERM', 30_000), 0, second.stderr().slice(-2000)); });
  const exitedAfter = eventually(async () => pids.every((p) => !alive(p)) && Date.now() - killedAt, 40_000, 50);
  await second.waitFor(/"msg":"etcd-edge is up"/, 90_000);
  const readyMs = Date.now() - killedAt;
  const exitMs = await exitedAfter;
  t.diagnostic(`old members exited ${exitMs} ms after SIGKILL of up; the new up was ready ${readyMs} ms after it`);
  // The watchdog stopped them in order: followers first, the leader last.
  const wlog = readFileSync(watchdogLog, 'utf8');
  assert.match(wlog, /up is gone: stopping followers \["infra\d","infra\d"\], then leader \["infra\d"\]/);
  t.diagnostic(wlog.trim());
  assert.ok(exitMs < 30_000);
  if (exitMs > 1000) assert.match(second.stdout(), /waiting for \d members? of an earlier run to exit/);
  assert.doesNotMatch(second.stderr(), /EDGE_LISTEN_FAILED/);
  const got = await etcdctl(['--endpoints', endpoints, 'get', 'survivor', '--print-value-only']);
  assert.equal(got.stdout.trim(), 'yes');
});

test('up and its watchdog both SIGKILLed: the members keep running, and the next up stops them in order and comes up with the data', async (t) => {
  requireTool('etcd', 'etcd-server');
  const base = await freePorts(8);
  const dir = tempDir(t);
  const args = ['up', '--base-port', String(base), '--data-dir', dir, '--edge=false'];
  const first = spawnBin(args, { env: cleanEnv() });
  t.after(() => first.stop('SIGKILL'));
  await first.waitFor(/"msg":"etcd-edge is up"/, 90_000);
  const endpoints = [0, 1, 2].map((i) => `http://127.0.0.1:${base + i}`).join(',');
  assert.equal((await etcdctl(['--endpoints', endpoints, 'put', 'orphaned', 'kept'])).code, 0);
  const pids = [...first.stderr().matchAll(/"memberPid":(\d+)/g)].map((m) => Number(m[1]));
  // The watchdog this test's up started: its command line carries our data dir.
  const watchdog = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).find((pid) => {
    try { const c = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); return c.includes('etcd-edge-watchdog.js') && c.includes(dir); } catch { return false; }
  });
  assert.ok(watchdog, 'up runs a watchdog');
  process.kill(watchdog, 'SIGKILL');
  await first.stop('SIGKILL');
  t.after(() => pids.forEach((p) => { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }));
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(pids.every(alive), 'with USR2 as parent-death signal the members keep running');
  const second = spawnBin(args, { env: cleanEnv() });
  t.after(async () => { assert.equal(await second.stop('SIGTERM', 30_000), 0, second.stderr().slice(-2000)); });
  await second.waitFor(/"msg":"etcd-edge is up"/, 90_000);
  assert.match(second.stdout(), /no watchdog is stopping them: stopping the earlier run's members in order/);
  assert.ok(pids.every((p) => !alive(p)), 'the old members are gone');
  assert.equal((await etcdctl(['--endpoints', endpoints, 'get', 'orphaned', '--print-value-only'])).stdout.trim(), 'kept');
});
