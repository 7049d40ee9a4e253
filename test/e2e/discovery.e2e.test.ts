// e2e: `etcd-edge discovery serve` on a real store cluster, driven with HTTP and with real etcd 3.4 members that
// bootstrap through it (also across a restart of the service); `discovery new` in both token styles.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { getDiscoveryCluster } from '../../etcd/discovery-client.js';
import { cleanEnv, runBin, spawnBin } from '../helpers/bin.js';
import type { BinProcess } from '../helpers/bin.js';
import { etcdctl, eventually, startBundledCluster, tempDir } from '../helpers/etcd.js';
import { freePort, freePorts } from '../helpers/ports.js';

interface Etcd { readonly name: string; readonly clientUrl: string; exitCode(): number | null; exited: Promise<number>; log(): string }

/** Starts one etcd member with --discovery in its own process group; stopped by PID after the test. */
function startEtcd(t: TestContext, o: { name: string; dataDir: string; clientPort: number; peerPort: number; discovery: string }): Etcd {
  const client = `http://127.0.0.1:${o.clientPort}`;
  const peer = `http://127.0.0.1:${o.peerPort}`;
  const child = spawn('etcd', ['--name', o.name, '--data-dir', o.dataDir, '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--discovery', o.discovery], { env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 128)));
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    // Members stopped together cannot hand over leadership; the data is throw-away, so do not wait for it.
    const timer = setTimeout(() => { if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); }, 2000);
    await exited;
    clearTimeout(timer);
  });
  return { name: o.name, clientUrl: client, exitCode: () => child.exitCode, exited, log: () => out };
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; index: string | null; type: string | null; text: string; json: Record<string, unknown> }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* not JSON */ }
  return { status: res.status, index: res.headers.get('x-etcd-index'), type: res.headers.get('content-type'), text, json };
}

const form = (value: string): RequestInit => ({ method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `value=${encodeURIComponent(value)}` });

/** Sends raw bytes and returns the first line of the answer (or '' when the server just closed). */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const s = net.connect(port, '127.0.0.1', () => s.end(bytes));
    s.on('data', (c: Buffer) => { out += c.toString(); });
    s.on('error', () => resolve(out.split('\r\n')[0] ?? ''));
    s.on('close', () => resolve(out.split('\r\n')[0] ?? ''));
  });
}

test('discovery service on a real store', { timeout: 240_000 }, async (t) => {
  const store = await startBundledCluster(t);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serve = (): BinProcess => {
    const p = spawnBin(['discovery', 'serve', '--listen-addr', `127.0.0.1:${port}`, '--endpoints', store.clientUrls.join(',')]);
    t.after(() => p.stop());
    return p;
  };
  let svc = serve();
  await svc.waitFor(/"msg":"discovery service ready"/);
  const restart = async (): Promise<void> => {
    assert.equal(await svc.stop(), 0);
    svc = serve();
    await svc.waitFor(/"msg":"discovery service ready"/);
  };
  const newToken = async (size: number): Promise<string> => {
    const r = await runBin(['discovery', 'new', '--size', String(size), '--service', base]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  await t.test('v2 keys subset: size, list, create, 412s, waits, delete; nothing lost across a restart', async () => {
    const created = await call(`${base}/new?size=3`);
    assert.equal(created.status, 200);
    assert.match(created.text, new RegExp(`^${base}/[a-f0-9]{32}$`), 'no trailing newline, as discovery.etcd.io');
    const tok = await newToken(3);
    const id = tok.slice(-32);
    const size = await call(`${tok}/_config/size?quorum=false&recursive=false&sorted=false`);
    assert.deepEqual([size.status, size.type, (size.json.node as { value: string }).value], [200, 'application/json', '3']);
    assert.match(size.index ?? '', /^\d+$/);
    const a = await call(`${tok}/aaaa?prevExist=false`, form('m1=http://127.0.0.1:1'));
    assert.deepEqual([a.status, a.json.action], [201, 'create']);
    const aIndex = (a.json.node as { createdIndex: number }).createdIndex;
    const again = await call(`${tok}/aaaa?prevExist=false`, form('m1=http://127.0.0.1:1'));
    assert.deepEqual([again.status, again.json.errorCode, again.json.message, again.json.cause], [412, 105, 'Key already exists', `/${id}/aaaa`]);
    const dupName = await call(`${tok}/cccc?prevExist=false`, form('m1=http://127.0.0.1:3'));
    assert.deepEqual([dupName.status, dupName.json.errorCode], [412, 101]);
    const past = await call(`${tok}/aaaa?recursive=false&wait=true&waitIndex=${aIndex}`);
    assert.deepEqual([past.status, (past.json.node as { createdIndex: number }).createdIndex], [200, aIndex], 'an event that already happened is returned');
    const list = await call(`${tok}?quorum=false&recursive=false&sorted=false`);
    const pending = call(`${tok}?recursive=true&wait=true&waitIndex=${Number(list.index) + 1}`);
    await new Promise((r) => setTimeout(r, 300));
    const b = await call(`${tok}/bbbb?prevExist=false`, form('m2=http://127.0.0.1:2'));
    const waited = await pending;
    assert.deepEqual([waited.json.action, (waited.json.node as { key: string }).key], ['create', `/${id}/bbbb`]);
    await restart();
    const after = await call(tok);
    const nodes = (after.json.node as { nodes: { key: string; createdIndex: number }[] }).nodes;
    assert.deepEqual(nodes.map((n) => [n.key, n.createdIndex]), [[`/${id}/aaaa`, aIndex], [`/${id}/bbbb`, (b.json.node as { createdIndex: number }).createdIndex]]);
    const replay = await call(`${tok}?recursive=true&wait=true&waitIndex=${aIndex}`);
    assert.equal((replay.json.node as { key: string }).key, `/${id}/aaaa`, 'waitIndex history survives the restart');
    const del = await call(`${tok}/bbbb`, { method: 'DELETE' });
    assert.deepEqual([del.status, del.json.action], [200, 'delete']);
    const missing = await call(`${base}/${'0'.repeat(32)}/_config/size`);
    assert.deepEqual([missing.status, missing.json.errorCode, missing.json.message], [404, 100, 'Key not found']);
    assert.equal((await call(`${base}/health`)).json.health, 'true');
    assert.match((await call(`${base}/metrics`)).text, /etcd_edge_discovery_requests_total\{route="machine",method="DELETE",code="200"\} 1/);
  });

  await t.test('malformed requests get errors and the service keeps running', async () => {
    const tok = await newToken(3);
    const cases: [string, RequestInit, number][] = [
      [`${base}/new`, { method: 'DELETE' }, 405],
      [`${base}/new?size=abc`, {}, 400],
      [`${base}/new?size=0`, {}, 400],
      [`${tok}?wait=true&waitIndex=abc`, {}, 400],
      [`${tok}/aaaa?prevExist=maybe`, form('m=http://127.0.0.1:1'), 400],
      [`${tok}/aaaa`, { method: 'PUT', body: '' }, 400],
      [`${tok}/aaaa`, form('not a registration'), 400],
      [`${tok}/aaaa`, form('x'.repeat(70_000)), 400],
      [`${tok}/_config/size`, { method: 'PUT', body: 'value=9' }, 405],
      [`${tok}/a/b/c`, {}, 404],
      [`${base}/..%2f..%2fetc%2fpasswd`, {}, 404],
      [`${base}/${'x'.repeat(8000)}`, {}, 404],
    ];
    for (const [url, init, status] of cases) assert.equal((await call(url, init)).status, status, `${init.method ?? 'GET'} ${url.slice(0, 80)}`);
    assert.match(await raw(port, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400/);
    await raw(port, Buffer.from([0, 255, 13, 10, 13, 10]));
    await raw(port, `PUT /${tok.slice(-32)}/aaaa HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nvalue=`);
    assert.equal(svc.child.exitCode, null);
    assert.equal((await call(`${base}/health`)).status, 200);
  });

  await t.test('real etcd members bootstrap through it, across a restart; a duplicate name is refused', async () => {
    const tok = await newToken(3);
    const dir = tempDir(t);
    const p = await freePorts(8);
    const member = (name: string, i: number): Etcd => startEtcd(t, { name, dataDir: path.join(dir, `member-${i}`), clientPort: p + i, peerPort: p + 4 + i, discovery: tok });
    const m1 = member('m1', 0);
    await eventually(async () => (await getDiscoveryCluster(tok)).members.length === 1, 30_000);
    const dup = member('m1', 3);
    assert.equal(await Promise.race([dup.exited, new Promise((r) => setTimeout(r, 30_000, 'still running').unref())]), 1, dup.log());
    assert.match(dup.log(), /member name \\?"m1\\?" is already registered by [0-9a-f]+; start this member with another --name/);
    assert.equal(svc.child.exitCode, null);
    assert.equal(await svc.stop(), 0);
    const m2 = member('m2', 1);
    await new Promise((r) => setTimeout(r, 1000));
    svc = serve();
    await svc.waitFor(/"msg":"discovery service ready"/);
    const m3 = member('m3', 2);
    const urls = [m1, m2, m3].map((m) => m.clientUrl).join(',');
    await eventually(async () => (await etcdctl(['--endpoints', urls, 'endpoint', 'health'])).code === 0, 90_000, 1000);
    const list = await etcdctl(['--endpoints', urls, 'member', 'list']);
    assert.deepEqual(list.stdout.trim().split('\n').map((l) => l.split(', ')[2]).sort(), ['m1', 'm2', 'm3']);
    const seen = await getDiscoveryCluster(tok);
    assert.deepEqual(seen.members.map((m) => m.name).sort(), ['m1', 'm2', 'm3']);
    assert.equal(m1.exitCode(), null);
    assert.match(m2.log(), /error connecting to http:\/\/127\.0\.0\.1:\d+, retrying in 2s/, 'm2 met the service down and retried');
  });

  await t.test('clear errors: no size, unreachable service; custom-style tokens on the store cluster', async () => {
    await assert.rejects(getDiscoveryCluster(`${base}/${'f'.repeat(32)}`), { code: 'EDGE_DISCOVERY', message: /the token has no size/ });
    const closed = await freePort();
    await assert.rejects(getDiscoveryCluster(`http://127.0.0.1:${closed}/${'f'.repeat(32)}`), { code: 'EDGE_DISCOVERY', message: /is unreachable: ECONNREFUSED/ });
    const refused = await runBin(['discovery', 'new', '--service', `http://127.0.0.1:${closed}`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is unreachable.*\[EDGE_DISCOVERY\]\nhint: start one with etcd-edge discovery serve/s);
    const custom = await runBin(['discovery', 'new', '--size', '1', '--endpoints', store.clientUrls[0] ?? '']);
    assert.equal(custom.code, 0, custom.stderr);
    assert.match(custom.stdout, /\/v2\/keys\/discovery\/[a-f0-9]{32}\n$/);
    assert.deepEqual(await getDiscoveryCluster(custom.stdout.trim()), { size: 1, members: [] });
  });
});
