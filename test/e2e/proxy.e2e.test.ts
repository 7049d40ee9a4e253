// `etcd-edge proxy` in front of a real 3-member etcd 3.4 cluster, driven by etcdctl (v2) and curl: v2 and v3
// JSON traffic, streaming watches, readonly, member-list rewriting with syncing clients, member death, and a
// rolling replacement of every member while the proxy keeps serving. One bundled cluster for everything.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kvGet, memberAdd, memberList, memberRemove, isHealthy } from '../../etcd/etcd-client.js';
import { runBin, cleanEnv } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool, startBundledCluster } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { b64, curl, curlStream, servedBy, startMember, startProxyBin } from './proxy-support.js';
import { startSrvDns } from '../helpers/srv-dns.js';

test('etcd-edge proxy against a real cluster', { timeout: 240_000 }, async (t) => {
  requireTool('curl', 'curl');
  requireTool('etcdctl', 'etcd-client');
  const c = await startBundledCluster(t);
  const peers = ['--initial-cluster', `infra1=${c.peerUrls[0]}`];
  const rw = await startProxyBin(t, [...peers, '--proxy-refresh-interval', '500', '--proxy-failure-wait', '2000']);
  const ro = await startProxyBin(t, [...peers, '--proxy', 'readonly']);
  const v2 = (url: string, args: string[], sync = false) => etcdctl([...(sync ? [] : ['--no-sync']), '--endpoints', url, ...args], { api: 2 });

  await t.test('etcdctl v2 set, get and watch through the proxy', async () => {
    assert.equal((await v2(rw.url, ['set', '/e2e/a', 'one'])).code, 0);
    const got = await v2(rw.url, ['get', '/e2e/a']);
    assert.equal(got.stdout.trim(), 'one');
    const index = Number((await fetch(`${rw.url}/v2/keys/e2e/a`)).headers.get('x-etcd-index'));
    const watch = v2(rw.url, ['watch', '--after-index', String(index), '/e2e/a']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await v2(rw.url, ['set', '/e2e/a', 'two'])).code, 0);
    assert.equal((await watch).stdout.trim(), 'two');
  });

  await t.test('curl on the v2 and v3 JSON APIs, and a streaming v3 watch that gets events as they happen', async (t2) => {
    assert.match((await curl(['-XPUT', `${rw.url}/v2/keys/e2e/b`, '-d', 'value=x'])).stdout, /"action":"set"/);
    assert.match((await curl(['-XPOST', `${rw.url}/v3/kv/put`, '-d', JSON.stringify({ key: b64('e2e/v3'), value: b64('v') })])).stdout, /"revision"/);
    assert.match((await curl(['-XPOST', `${rw.url}/v3/kv/range`, '-d', JSON.stringify({ key: b64('e2e/v3') })])).stdout, new RegExp(`"value":"${b64('v')}"`));
    const w = curlStream(t2, ['-XPOST', `${rw.url}/v3/watch`, '-d', JSON.stringify({ create_request: { key: b64('e2e/w') } })]);
    await eventually(async () => w.output().includes('"created":true'), 10_000, 50);
    for (const value of ['e1', 'e2']) {
      await curl(['-XPOST', `${rw.url}/v3/kv/put`, '-d', JSON.stringify({ key: b64('e2e/w'), value: b64(value) })]);
      await eventually(async () => w.output().includes(b64(value)), 10_000, 50);
    }
    assert.equal(w.child.exitCode, null, 'the watch stream is still open');
  });

  await t.test('v3 member list through the proxy shows the proxy\'s URL; with rewriting off, the members\' own', async (t2) => {
    const on = await memberList(rw.url);
    assert.equal(on.length, 3);
    for (const m of on) assert.deepEqual(m.clientURLs, [rw.url]);
    const plain = await startProxyBin(t2, [...peers, '--proxy-rewrite-member-urls=false']);
    const off = await memberList(plain.url);
    assert.deepEqual(off.flatMap((m) => m.clientURLs).sort(), [...c.clientUrls].sort());
  });

  await t.test('readonly: every write path gets 501 and changes nothing; reads and synced etcdctl reads work', async () => {
    await v2(rw.url, ['set', '/e2e/ro', 'before']);
    await curl(['-XPOST', `${rw.url}/v3/kv/put`, '-d', JSON.stringify({ key: b64('e2e/ro3'), value: b64('before') })]);
    for (const [method, p, body] of [['PUT', '/v2/keys/e2e/ro', 'value=after'], ['POST', '/v2/keys/e2e/ro', 'value=after'], ['DELETE', '/v2/keys/e2e/ro', ''],
      ['POST', '/v3/kv/put', JSON.stringify({ key: b64('e2e/ro3'), value: b64('after') })], ['POST', '/v3/kv/deleterange', JSON.stringify({ key: b64('e2e/ro3') })],
      ['POST', '/v3/kv/txn', JSON.stringify({ success: [{ request_put: { key: b64('e2e/ro3'), value: b64('after') } }] })],
      ['POST', '/v3/lease/grant', '{"TTL":60}'], ['POST', '/v3/kv/compaction', '{"revision":1}'], ['POST', '/v3/auth/enable', '{}'],
      ['POST', '/v3/cluster/member/add', '{"peerURLs":["http://127.0.0.1:9"]}'], ['POST', '/v3/maintenance/defragment', '{}']] as const) {
      const r = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-X', method, `${ro.url}${p}`, ...(body ? ['-d', body] : [])]);
      assert.equal(r.stdout, '501', `${method} ${p}`);
    }
    assert.equal((await v2(ro.url, ['get', '/e2e/ro'], true)).stdout.trim(), 'before');
    const set = await v2(ro.url, ['set', '/e2e/ro', 'after'], true);
    assert.notEqual(set.code, 0, 'a synced etcdctl set through a readonly proxy fails');
    assert.equal((await v2(c.clientUrls[0] as string, ['get', '/e2e/ro'])).stdout.trim(), 'before');
    assert.equal(await kvGet(c.clientUrls[1] as string, 'e2e/ro3'), 'before');
    assert.equal((await memberList(c.clientUrls[0] as string)).length, 3);
    assert.match((await curl(['-XPOST', `${ro.url}/v3/kv/range`, '-d', JSON.stringify({ key: b64('e2e/ro3') })])).stdout, new RegExp(b64('before')));
  });

  await t.test('peers from a discovery token and from SRV records (--discovery, --discovery-srv with --dns-server)', async (t2) => {
    const token = `${c.clientUrls[0]}/v2/keys/discovery/proxy-e2e`;
    assert.equal((await fetch(`${token}/_config/size`, { method: 'PUT', body: 'value=3', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 201);
    for (const [i, peer] of c.peerUrls.entries()) {
      await fetch(`${token}/${(i + 1).toString(16).padStart(16, '0')}`, { method: 'PUT', body: `value=infra${i + 1}=${peer}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    }
    const viaToken = await startProxyBin(t2, ['--discovery', token]);
    assert.match(viaToken.proc.stderr(), /"source":"discovery"/);
    assert.equal((await v2(viaToken.url, ['get', '/e2e/a'])).stdout.trim(), 'two');
    const dns = await startSrvDns(t2, { '_etcd-server._tcp.proxy.test': c.peerUrls.map((u) => ({ priority: 0, weight: 0, port: Number(new URL(u).port), target: '127.0.0.1' })) });
    const viaSrv = await startProxyBin(t2, ['--discovery-srv', 'proxy.test', '--dns-server', dns]);
    assert.match(viaSrv.proc.stderr(), /"source":"discovery-srv"/);
    assert.equal((await v2(viaSrv.url, ['get', '/e2e/a'])).stdout.trim(), 'two');
  });

  await t.test('killing the member the proxy uses: the next requests, and a syncing etcdctl, succeed on another', async () => {
    await v2(rw.url, ['set', '/e2e/k', 'v']);
    const before = await servedBy(rw.metricsUrl);
    assert.equal((await v2(rw.url, ['get', '/e2e/k'])).code, 0);
    const after = await servedBy(rw.metricsUrl);
    const used = [...after].find(([u, n]) => n > (before.get(u) ?? 0))?.[0] as string;
    const name = `infra${c.clientUrls.indexOf(used) + 1}`;
    process.kill(c.memberPid(name) as number, 'SIGKILL');
    const served = await servedBy(rw.metricsUrl);
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${rw.url}/v2/keys/e2e/k`);
      assert.equal(r.status, 200);
    }
    assert.equal((await v2(rw.url, ['get', '/e2e/k'], true)).stdout.trim(), 'v');
    const later = await servedBy(rw.metricsUrl);
    const others = (m: Map<string, number>): number => [...m].filter(([u]) => u !== used).reduce((a, [, n]) => a + n, 0);
    assert.ok(others(later) - others(served) >= 5, 'the other members answered the requests after the kill');
    await eventually(() => isHealthy(used), 30_000, 250);
  });

  await t.test('rolling replacement of every member, new ports, no proxy restart', async (t2) => {
    // Its own unsupervised cluster, so a removed member stays gone (a supervisor would restart it with a stale view).
    const base = await freePorts(12);
    const url = (k: number): string => `http://127.0.0.1:${base + k}`;
    const initial = [0, 1, 2].map((i) => `old${i + 1}=${url(i)}`).join(',');
    await Promise.all([0, 1, 2].map((i) => startMember(t2, { name: `old${i + 1}`, peerPort: base + i, clientPort: base + 3 + i, initialCluster: initial, state: 'new' })));
    await eventually(async () => (await Promise.all([3, 4, 5].map((k) => isHealthy(url(k))))).every(Boolean), 30_000, 250);
    const p = await startProxyBin(t2, ['--initial-cluster', initial, '--proxy-refresh-interval', '300', '--proxy-failure-wait', '1000']);
    // etcd refuses membership changes ("unhealthy cluster") until every member has been connected for 5 s: retry.
    const replace = async (i: number): Promise<void> => {
      const name = `new${i + 1}`;
      const added = await eventually(() => memberAdd(p.url, [url(6 + i)], false), 30_000, 500);
      const cluster = added.members.map((m) => `${m.name || name}=${m.peerURLs[0]}`).join(',');
      await startMember(t2, { name, peerPort: base + 6 + i, clientPort: base + 9 + i, initialCluster: cluster, state: 'existing' });
      await eventually(() => isHealthy(url(9 + i)), 30_000, 250);
      const old = (await memberList(url(9 + i))).find((m) => m.name === `old${i + 1}`);
      assert.ok(old, `old${i + 1} still listed`);
      await eventually(async () => { await memberRemove(url(9 + i), old.id); return true; }, 30_000, 500);
    };
    let failures = 0;
    let ok = 0;
    let stop = false;
    const failedWith: string[] = [];
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await fetch(`${p.url}/v2/keys/roll`, { method: 'PUT', body: `value=${i}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }).catch(() => undefined);
        if (r?.status === 200 || r?.status === 201) ok++; else { failures++; failedWith.push(r ? `${r.status} ${await r.text()}` : 'no response'); }
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    try {
      for (let i = 0; i < 3; i++) await replace(i);
      const fresh = [9, 10, 11].map(url);
      await eventually(async () => ((await (await fetch(`${p.url}/v2/config/local/proxy`)).json()) as { endpoints: string[] }).endpoints.sort().join(',') === fresh.join(','), 30_000, 250);
      // The members may still be settling (a leader election after the last removal): allow a few tries.
      await eventually(async () => (await v2(p.url, ['--timeout', '5s', 'set', '/rolled', 'yes'])).code === 0, 30_000, 500);
    } finally {
      stop = true;
      await load;
    }
    t2.diagnostic(`writes during the replacement: ${ok} ok, ${failures} failed ${JSON.stringify(failedWith)}`);
    assert.ok(ok > 20, `requests during the replacement: ${ok} ok, ${failures} failed`);
    const saved = JSON.parse(readFileSync(path.join(p.dataDir, 'proxy', 'cluster'), 'utf8')) as { PeerURLs: string[] };
    assert.deepEqual(saved.PeerURLs, [6, 7, 8].map(url));
  });

  await t.test('bad flags exit 2 with a hint; a second proxy on the same data dir is refused', async () => {
    const bad = await runBin(['proxy', '--proxy-refresh'], { env: cleanEnv() });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error: flag provided but not defined: --proxy-refresh \[EDGE_USAGE\]\nhint: /);
    const two = await runBin(['proxy', '--initial-cluster', 'a=http://127.0.0.1:9', '--discovery', 'http://127.0.0.1:9/x'], { env: cleanEnv() });
    assert.equal(two.code, 2);
    assert.match(two.stderr, /multiple discovery or bootstrap flags/);
    const dup = await runBin(['proxy', '--listen-client-urls', 'http://127.0.0.1:0', '--data-dir', rw.dataDir, ...peers], { env: cleanEnv() });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /another proxy \(pid \d+\) is using/);
  });
});
