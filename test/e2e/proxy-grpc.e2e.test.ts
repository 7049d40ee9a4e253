// gRPC through `etcd-edge proxy` in front of a real 3-member etcd 3.4 cluster: etcdctl v3 and the npm etcd3
// client (@grpc/grpc-js) over h2c on the same port that still answers v2 and v3 JSON; a readonly proxy that
// serves reads and watches and refuses every write (the members show no change); gRPC metrics.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { cleanEnv } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool, startBundledCluster } from '../helpers/etcd.js';
import { b64, curl, startProxyBin } from './proxy-support.js';
import type { TestContext } from 'node:test';

/** etcdctl v3 against one endpoint (no endpoint sync, as a client of a local proxy would). */
const ctl = (url: string, args: string[], input?: string) => (input === undefined
  ? etcdctl(['--endpoints', url, '--command-timeout=5s', ...args])
  : new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const c = spawn('etcdctl', ['--endpoints', url, '--command-timeout=5s', ...args], { env: cleanEnv({ ETCDCTL_API: '3' }) });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    c.stdin.end(input);
  }));

/** A running `etcdctl watch`, its output read while it runs. */
function watchCtl(t: TestContext, url: string, key: string): { output(): string; running(): boolean } {
  const c = spawn('etcdctl', ['--endpoints', url, 'watch', key], { env: cleanEnv({ ETCDCTL_API: '3' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  t.after(() => { if (c.exitCode === null) c.kill('SIGKILL'); });
  return { output: () => out, running: () => c.exitCode === null && c.signalCode === null };
}

async function revisionAndMembers(memberUrl: string): Promise<{ revision: number; members: string }> {
  const s = await ctl(memberUrl, ['endpoint', 'status', '-w', 'json']);
  const m = await ctl(memberUrl, ['member', 'list', '-w', 'json']);
  const parsed = JSON.parse(m.stdout) as { members: { ID: number; peerURLs: string[] }[] };
  return { revision: Number((JSON.parse(s.stdout) as { Status: { header: { revision: number } } }[])[0]?.Status.header.revision), members: JSON.stringify(parsed.members.map((x) => [String(x.ID), x.peerURLs]).sort()) };
}

const DENIED = /PermissionDenied desc = etcd-edge readonly proxy/;

test('gRPC through etcd-edge proxy against a real cluster', { timeout: 180_000 }, async (t) => {
  requireTool('etcdctl', 'etcd-client');
  requireTool('curl', 'curl');
  const c = await startBundledCluster(t);
  const peers = ['--initial-cluster', `infra1=${c.peerUrls[0]}`];
  const rw = await startProxyBin(t, peers);
  // The readwrite proxy relays gRPC frame by frame; this one terminates every call in node:http2 instead.
  const rwh2 = await startProxyBin(t, [...peers, '--grpc-relay=false']);
  const ro = await startProxyBin(t, [...peers, '--proxy', 'readonly']);
  const readwrite = [{ name: 'relay', p: rw }, { name: 'node:http2', p: rwh2 }];

  for (const { name, p: { url: rwUrl } } of readwrite) await t.test(`etcdctl v3 through the readwrite proxy (${name}): put, get, watch, lease keep-alive, txn, member list`, async (t2) => {
    assert.equal((await ctl(rwUrl, ['put', 'g/a', 'one'])).stdout.trim(), 'OK');
    assert.equal((await ctl(rwUrl, ['get', 'g/a', '--print-value-only'])).stdout.trim(), 'one');
    const w = watchCtl(t2, rwUrl, 'g/w');
    await new Promise((r) => setTimeout(r, 700));
    await ctl(rwUrl, ['put', 'g/w', `event-${name}`]);
    await eventually(async () => w.output().includes(`event-${name}`), 10_000, 50);
    assert.ok(w.running(), 'the watch is still open when the event arrives');
    const lease = /lease ([0-9a-f]+) granted/.exec((await ctl(rwUrl, ['lease', 'grant', '60'])).stdout)?.[1];
    assert.ok(lease);
    assert.match((await ctl(rwUrl, ['lease', 'keep-alive', '--once', lease])).stdout, new RegExp(`lease ${lease} keepalived with TTL\\(\\d+\\)`));
    const txn = await ctl(rwUrl, ['txn'], 'value("g/a") = "one"\n\nput g/a two\n\nget g/a\n\n');
    assert.match(txn.stdout, /^SUCCESS/);
    assert.equal((await ctl(rwUrl, ['get', 'g/a', '--print-value-only'])).stdout.trim(), 'two');
    const members = (await ctl(rwUrl, ['member', 'list'])).stdout.trim().split('\n');
    assert.equal(members.length, 3);
    for (const m of members) assert.ok(m.endsWith(`, ${rwUrl}, false`), `member list shows the proxy as client URL: ${m}`);
    // Per-endpoint commands send the whole URL as :authority: node:http2 refuses it, the relay leaves it to etcd.
    const status = await ctl(rwUrl, ['endpoint', 'status']);
    if (name === 'relay') assert.match(status.stdout, new RegExp(`^${rwUrl}, [0-9a-f]+, 3\\.4\\.`));
    else assert.match(status.stderr, /PROTOCOL_ERROR/);
  });

  await t.test('the same port still answers v2 and v3 JSON over HTTP/1.1', async () => {
    assert.match((await curl(['-XPUT', `${rw.url}/v2/keys/g/v2`, '-d', 'value=x'])).stdout, /"action":"set"/);
    assert.match((await curl(['-XPOST', `${rw.url}/v3/kv/range`, '-d', JSON.stringify({ key: b64('g/a') })])).stdout, new RegExp(`"value":"${b64('two')}"`));
  });

  await t.test('readonly proxy: get and watch work; every write is refused and the members show no change', async (t2) => {
    assert.equal((await ctl(ro.url, ['get', 'g/a', '--print-value-only'])).stdout.trim(), 'two');
    const w = watchCtl(t2, ro.url, 'g/w');
    await new Promise((r) => setTimeout(r, 700));
    await ctl(rw.url, ['put', 'g/w', 'event-ro']);
    await eventually(async () => w.output().includes('event-ro'), 10_000, 50);
    const before = await revisionAndMembers(c.clientUrls[0] as string);
    const refused: string[][] = [['put', 'g/a', 'ro'], ['del', 'g/a'], ['lease', 'grant', '10'], ['compaction', '1'], ['defrag'],
      ['member', 'add', 'intruder', '--peer-urls=http://127.0.0.1:9']];
    for (const args of refused) {
      // defrag and move-leader dial each endpoint with the whole URL as :authority, which Node's HTTP/2 server
      // (nghttp2) rejects: they get host:port, as etcdctl users must give them for the proxy.
      const r = await ctl(ro.url.replace('http://', ''), args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr + r.stdout, DENIED, args.join(' '));
    }
    const txn = await ctl(ro.url, ['txn'], 'value("g/a") = "two"\n\nput g/a ro\n\nget g/a\n\n');
    assert.match(txn.stderr, DENIED);
    const readTxn = await ctl(ro.url, ['txn'], 'value("g/a") = "two"\n\nget g/a\n\nget g/a\n\n');
    assert.match(readTxn.stdout, /^SUCCESS/);
    assert.deepEqual(await revisionAndMembers(c.clientUrls[0] as string), before);
  });

  await t.test('the npm etcd3 client (grpc-js) through both proxies, alarm disarm refused in readonly', async () => {
    const roc = new Etcd3({ hosts: ro.url });
    t.after(() => roc.close());
    for (const { name, p } of readwrite) {
      const rwc = new Etcd3({ hosts: p.url });
      t.after(() => rwc.close());
      await rwc.put('g/js').value(`from-js-${name}`);
      assert.equal(await rwc.get('g/js').string(), `from-js-${name}`);
      const watcher = await rwc.watch().key('g/jsw').create();
      const seen = new Promise<string>((resolve) => watcher.on('put', (kv) => resolve(kv.value.toString())));
      await rwc.put('g/jsw').value(`js-event-${name}`);
      assert.equal(await seen, `js-event-${name}`);
      await watcher.cancel();
      assert.equal((await rwc.cluster.memberList({})).members.flatMap((m) => m.clientURLs).join(','), [p.url, p.url, p.url].join(','));
    }
    assert.equal(await roc.get('g/js').string(), 'from-js-node:http2');
    const before = await revisionAndMembers(c.clientUrls[0] as string);
    await assert.rejects(async () => { await roc.put('g/js').value('nope'); }, /readonly proxy/);
    await assert.rejects(roc.maintenance.alarm({ action: 'Deactivate', memberID: '0', alarm: 'Nospace' }), /readonly proxy/);
    assert.deepEqual((await roc.maintenance.alarm({ action: 'Get' })).alarms, []);
    assert.deepEqual(await revisionAndMembers(c.clientUrls[0] as string), before);
  });

  await t.test('gRPC metrics per method and code', async () => {
    for (const { p } of readwrite) {
      const m = await (await fetch(`${p.metricsUrl}/metrics`)).text();
      for (const method of ['Put', 'Range', 'Txn']) assert.match(m, new RegExp(`etcd_proxy_grpc_handled_total\\{grpc_service="etcdserverpb.KV",grpc_method="${method}",grpc_code="0"\\} [1-9]`));
      assert.match(m, /etcd_proxy_grpc_handled_total\{grpc_service="etcdserverpb.Cluster",grpc_method="MemberList",grpc_code="0"\} [1-9]/);
      assert.match(m, /etcd_proxy_grpc_started_total\{grpc_service="etcdserverpb.Watch",grpc_method="Watch"\} [1-9]/);
    }
    const text = await (await fetch(`${ro.metricsUrl}/metrics`)).text();
    assert.match(text, /etcd_proxy_grpc_handled_total\{grpc_service="etcdserverpb.KV",grpc_method="Put",grpc_code="7"\} [1-9]/);
    assert.match(text, /etcd_proxy_grpc_handled_total\{grpc_service="etcdserverpb.KV",grpc_method="Range",grpc_code="0"\} [1-9]/);
  });
});
