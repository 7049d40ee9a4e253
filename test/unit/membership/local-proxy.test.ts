// Finding this host's proxy through its pid file: refusing anything that is not an etcd-edge proxy of the same
// data dir, and moving its state aside and back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findLocalProxy, moveProxyState, proxyEnv, proxyPaths, restoreProxyState, upRunningOnlyTheProxy } from '../../../membership/local-proxy.js';
import { writeUpRecord } from '../../../host/up-record.js';

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'membership-unit-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('no pid file, or a dead pid: no proxy runs', (t) => {
  const d = dir(t);
  assert.equal(findLocalProxy(d), undefined);
  mkdirSync(path.join(d, 'proxy'));
  writeFileSync(proxyPaths(d).pid, `${2 ** 22 + 4321}\n`);
  assert.equal(findLocalProxy(d), undefined);
});

test('a pid file naming another program is refused, never signalled', (t) => {
  const d = dir(t);
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => { child.kill('SIGKILL'); });
  mkdirSync(path.join(d, 'proxy'));
  writeFileSync(proxyPaths(d).pid, `${child.pid}\n`);
  assert.throws(() => findLocalProxy(d), /names pid \d+, which is not an etcd-edge proxy \("sleep 30"\)/);
  assert.equal(child.exitCode, null);
});

test('a process named like an etcd-edge proxy: recorded with argv, cwd, listen URLs; another data dir is refused', async (t) => {
  const d = dir(t);
  // A stand-in with the argv shape of `node etcd-edge.js proxy ...`.
  const script = path.join(d, 'etcd-edge.js');
  writeFileSync(script, 'setTimeout(() => {}, 30000);\n');
  const child = spawn(process.execPath, [script, 'proxy', '--listen-client-urls', 'http://127.0.0.1:1,http://127.0.0.1:2', '--data-dir', 'px'],
    { cwd: d, stdio: 'ignore', env: { PATH: '/usr/bin:/bin', ETCD_PROXY_REFRESH_INTERVAL: '5s', SECRET_TOKEN: 'x' } });
  t.after(() => { child.kill('SIGKILL'); });
  const px = path.join(d, 'px');
  mkdirSync(path.join(px, 'proxy'), { recursive: true });
  writeFileSync(proxyPaths(px).pid, `${child.pid}\n`);
  const start = Date.now();
  let rec;
  while (!rec && Date.now() - start < 5000) {
    try { rec = findLocalProxy(px); } catch { await new Promise((r) => setTimeout(r, 50)); /* exec not done yet */ }
  }
  assert.ok(rec);
  assert.equal(rec.pid, child.pid);
  assert.deepEqual(rec.listenUrls, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
  assert.equal(rec.cwd, d);
  assert.deepEqual(rec.env, { PATH: '/usr/bin:/bin', ETCD_PROXY_REFRESH_INTERVAL: '5s' });
  const other = path.join(d, 'other');
  mkdirSync(path.join(other, 'proxy'), { recursive: true });
  writeFileSync(proxyPaths(other).pid, `${child.pid}\n`);
  assert.throws(() => findLocalProxy(other), /is the etcd-edge proxy of ".*\/px", not of ".*\/other"/);
});

test('proxyEnv keeps ETCD_* and the basics only', () => {
  assert.deepEqual(proxyEnv({ ETCD_DATA_DIR: 'a', ETCD_EDGE_LOG_LEVEL: 'debug', PATH: 'p', AWS_SECRET: 's', HOME: 'h' }),
    { ETCD_DATA_DIR: 'a', ETCD_EDGE_LOG_LEVEL: 'debug', PATH: 'p', HOME: 'h' });
});

test('moveProxyState and restoreProxyState round-trip; restore refuses to overwrite', (t) => {
  const d = dir(t);
  assert.equal(moveProxyState(d, 'X'), undefined);
  mkdirSync(path.join(d, 'proxy'));
  writeFileSync(proxyPaths(d).cluster, '{"PeerURLs":["http://127.0.0.1:1"]}');
  const moved = moveProxyState(d, '20260101T000000Z');
  assert.equal(moved, path.join(d, 'proxy.promoted-20260101T000000Z'));
  assert.equal(existsSync(path.join(d, 'proxy')), false);
  restoreProxyState(d, moved ?? '');
  assert.equal(readFileSync(proxyPaths(d).cluster, 'utf8'), '{"PeerURLs":["http://127.0.0.1:1"]}');
  const again = moveProxyState(d, 'Y') ?? '';
  mkdirSync(path.join(d, 'proxy'));
  assert.throws(() => restoreProxyState(d, again), /exists again/);
});

test('a proxy inside etcd-edge up: stoppable only when up.json says that up runs nothing else', (t) => {
  const d = dir(t);
  const argv = ['/usr/bin/node', '/opt/etcd-edge/build/bin/etcd-edge.js', 'up', '-f', 'topo.yaml', '--host', 'w'];
  assert.throws(() => upRunningOnlyTheProxy(d, process.pid, argv), (err: { message: string; hint?: string }) =>
    /runs inside etcd-edge up \(pid \d+\)$/.test(err.message) && /^stopping it would stop the rest too: run the proxy on its own/.test(err.hint ?? ''));
  writeUpRecord(d, { pid: process.pid, host: 'w', members: ['a'], edge: [{ kind: 'proxy', address: 'http://127.0.0.1:2379' }, { kind: 'gateway', address: '127.0.0.1:23790' }] });
  assert.throws(() => upRunningOnlyTheProxy(d, process.pid, argv), /which also runs member a, gateway 127\.0\.0\.1:23790/);
  writeUpRecord(d, { pid: process.pid + 1, host: 'w', members: [], edge: [{ kind: 'proxy', address: 'http://127.0.0.1:2379' }] });
  assert.throws(() => upRunningOnlyTheProxy(d, process.pid, argv), /runs inside etcd-edge up/, 'a record of another up does not count');
  writeUpRecord(d, { pid: process.pid, host: 'w', members: [], edge: [{ kind: 'proxy', address: 'http://127.0.0.1:2379' }] });
  const rec = upRunningOnlyTheProxy(d, process.pid, argv);
  assert.deepEqual(rec.argv, argv, 'a rollback reruns the same up');
  assert.deepEqual(rec.listenUrls, ['http://127.0.0.1:2379']);
  assert.equal(rec.cwd, process.cwd());
});
