// up with a discovery token: the member the token has room for bootstraps; the one beyond the size runs an
// etcd-edge proxy on its client URL instead, with its data dir left clean, and restarts cleanly.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { runBin, spawnBin } from '../helpers/bin.js';
import { etcdctl, startBundledCluster, tempDir } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { httpRequest } from '../../core/http-client.js';

test('up --discovery: a node beyond the size falls back to a proxy, data dir clean', async (t) => {
  const store = await startBundledCluster(t);
  const dir = tempDir(t);
  const p = await freePorts(6);
  const svc = spawnBin(['discovery', 'serve', '--listen-addr', `127.0.0.1:${p + 5}`, '--endpoints', store.clientUrls.join(',')]);
  t.after(() => svc.stop());
  await svc.waitFor(/discovery service ready/);
  const made = await runBin(['discovery', 'new', '--size', '1', '--service', `http://127.0.0.1:${p + 5}`]);
  assert.equal(made.code, 0, made.stderr);
  const token = made.stdout.trim();
  writeFileSync(`${dir}/topo.yaml`, `bootstrap: discovery
discovery: ${token}
hosts:
  a: {member: {name: a, listen-peer-urls: http://127.0.0.1:${p + 1}, listen-client-urls: http://127.0.0.1:${p}}}
  b: {member: {name: b, listen-peer-urls: http://127.0.0.1:${p + 3}, listen-client-urls: http://127.0.0.1:${p + 2}}}
`);
  const a = spawnBin(['up', '-f', `${dir}/topo.yaml`, '--host', 'a', '--data-dir', `${dir}/a`]);
  t.after(() => a.stop());
  await a.waitFor(/"msg":"etcd-edge is up"/, 60_000);

  for (const round of [1, 2]) {
    const b = spawnBin(['up', '-f', `${dir}/topo.yaml`, '--host', 'b', '--data-dir', `${dir}/b`]);
    t.after(() => b.stop());
    await b.waitFor(/"msg":"etcd-edge is up"/, 60_000);
    assert.match(b.stdout(), /member b: the discovery cluster is full \(1 members\); running an etcd-edge proxy/);
    // The proxy on b's client URL serves the cluster formed by a.
    const put = await httpRequest(`http://127.0.0.1:${p + 2}/v2/keys/fallback${round}`, { method: 'PUT', body: 'value=ok', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(put.status, 201, put.body);
    const list = await etcdctl(['--endpoints', `http://127.0.0.1:${p}`, 'member', 'list']);
    assert.equal(list.stdout.trim().split('\n').length, 1, 'the cluster has only member a');
    assert.equal(existsSync(`${dir}/b/b.etcd`), false, 'b never created a member data dir');
    assert.equal(await b.stop(), 0);
  }
});
