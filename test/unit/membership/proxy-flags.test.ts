// The flags record of a proxy that runs inside promote or demote, and the takeover decision a later promote
// makes from it: a demote's proxy is taken over (restarted on its own from the same flags), a promote's refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findLocalProxy, hostedProxy, proxyPaths, refuseInsidePromote } from '../../../membership/local-proxy.js';
import { ETCD_EDGE_BIN, proxyArgv, readProxyFlags, removeProxyFlags, writeProxyFlags } from '../../../membership/proxy-flags.js';

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'proxy-flags-unit-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const FLAGS = { 'listen-client-urls': 'https://127.0.0.1:1,https://127.0.0.1:2/', 'initial-cluster': 'a=http://127.0.0.1:3', 'data-dir': '/d', 'client-cert-auth': true } as const;

test('the flags record is written 0600, read back, and removed only by the process it names', (t) => {
  const d = dir(t);
  assert.equal(readProxyFlags(d), undefined);
  writeProxyFlags(d, 4242, FLAGS);
  assert.equal(statSync(proxyPaths(d).flags).mode & 0o777, 0o600);
  assert.deepEqual(readProxyFlags(d), { pid: 4242, flags: FLAGS });
  removeProxyFlags(d, 4243);
  assert.equal(readProxyFlags(d)?.pid, 4242, 'another pid leaves it');
  removeProxyFlags(d, 4242);
  assert.equal(readProxyFlags(d), undefined);
  for (const bad of ['{"pid":1', '{"pid":"1","flags":{}}', '{"pid":1,"flags":[]}', '{"pid":1,"flags":{"x":2}}']) {
    writeFileSync(proxyPaths(d).flags, bad);
    assert.equal(readProxyFlags(d), undefined, bad);
  }
});

test('a demote\'s proxy is taken over: restarted as etcd-edge proxy with the same flags, a plain environment', () => {
  assert.deepEqual(proxyArgv(FLAGS), ['--listen-client-urls=https://127.0.0.1:1,https://127.0.0.1:2/', '--initial-cluster=a=http://127.0.0.1:3', '--data-dir=/d', '--client-cert-auth']);
  const rec = hostedProxy('/d', 77, 'demote', { pid: 77, flags: FLAGS }, { PATH: '/bin', ETCD_NAME: 'm1', HOME: '/root' });
  assert.deepEqual(rec, {
    pid: 77, argv: [process.execPath, ETCD_EDGE_BIN, 'proxy', ...proxyArgv(FLAGS)], cwd: '/',
    env: { PATH: '/bin', LANG: 'C.UTF-8', HOME: '/root' }, listenUrls: ['https://127.0.0.1:1', 'https://127.0.0.1:2'],
  });
});

test('no record, or one of another pid: the demote is not signalled, and the message says what to do', () => {
  for (const r of [undefined, { pid: 78, flags: FLAGS }]) {
    assert.throws(() => hostedProxy('/d', 77, 'demote', r, {}), (err: { code: string; message: string; hint?: string }) =>
      err.code === 'EDGE_MEMBERSHIP' && /runs inside etcd-edge demote \(pid 77\), but \/d\/proxy\/flags\.json does not record its flags/.test(err.message)
      && /kill -TERM 77/.test(err.hint ?? ''));
  }
});

test('a promote\'s proxy is found (its URLs from the record) but refused before a join would stop it', () => {
  const rec = hostedProxy('/d', 77, 'promote', { pid: 77, flags: FLAGS }, {});
  assert.deepEqual([rec.insidePromote, rec.listenUrls], [true, ['https://127.0.0.1:1', 'https://127.0.0.1:2']]);
  assert.deepEqual(hostedProxy('/d', 77, 'promote', undefined, {}).listenUrls, []);
  assert.throws(() => refuseInsidePromote('/d', rec), /runs inside etcd-edge promote \(pid 77\), which also runs a member/);
  refuseInsidePromote('/d', hostedProxy('/d', 77, 'demote', { pid: 77, flags: FLAGS }, {}));
  refuseInsidePromote('/d', undefined);
});

test('findLocalProxy reads the record of a live process named like etcd-edge demote', async (t) => {
  const d = dir(t);
  const script = path.join(d, 'etcd-edge.js');
  writeFileSync(script, 'setTimeout(() => {}, 30000);\n');
  const child = spawn(process.execPath, [script, 'demote', '--name', 'm1'], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
  t.after(() => { child.kill('SIGKILL'); });
  mkdirSync(proxyPaths(d).dir);
  writeFileSync(proxyPaths(d).pid, `${child.pid}\n`);
  writeProxyFlags(d, child.pid ?? -1, { ...FLAGS, 'data-dir': d });
  let rec;
  for (const t0 = Date.now(); !rec && Date.now() - t0 < 5000;) {
    try { rec = findLocalProxy(d); } catch { await new Promise((r) => setTimeout(r, 50)); /* exec not done yet */ }
  }
  assert.equal(rec?.pid, child.pid);
  assert.deepEqual(rec?.argv.slice(2), ['proxy', ...proxyArgv({ ...FLAGS, 'data-dir': d })]);
  assert.equal(rec?.env.PATH, '/usr/bin:/bin');
  assert.equal(child.exitCode, null, 'finding it does not signal it');
});
