// The native front sends v3 JSON ranges to the member as gRPC calls and writes the answer as etcd's gateway does.
// Differential, against one real etcd 3.4 member: a few hundred generated range requests (keys with binary bytes,
// empty and large values, leases, many versions; limits, revisions, key-only and count-only ranges, both jsonpb
// spellings, whitespace; answers on both sides of Go's 2,048-byte Content-Length limit; errors, unknown fields
// and bad JSON) through the native front and through node:http's side (--data-path js): same status, same header
// lines in the same order (Date aside), same body. The front's counter says which went over gRPC.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { eventually, requireTool } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { curl, startMember, startProxyBin } from './proxy-support.js';

/** A small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 0x1_0000_0000; };
}

interface Answer { status: number; headers: string[]; body: string }

function post(agent: http.Agent, base: string, path: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]?.toLowerCase() !== 'date') headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('latin1') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64');

test('v3 JSON ranges over gRPC answer byte for byte as the member gateway does', { timeout: 180_000 }, async (t) => {
  requireTool('curl', 'curl');
  const peerPort = await freePorts(2);
  const clientPort = peerPort + 1;
  const peer = `http://127.0.0.1:${peerPort}`;
  const member = `http://127.0.0.1:${clientPort}`;
  await startMember(t, { name: 'g1', peerPort, clientPort, initialCluster: `g1=${peer}`, state: 'new' });
  await eventually(async () => (await curl([`${member}/health`])).stdout.includes('true'), 20_000, 100);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  t.after(() => agent.destroy());

  // The keyspace: binary keys, values from empty to a few KB, some with many versions, one with a lease.
  const rnd = prng(20261204);
  const keys: Buffer[] = [];
  const puts: Array<Promise<Answer>> = [];
  for (let i = 0; i < 120; i++) {
    const key = i % 10 === 0 ? Buffer.from([0x67, i, 0xff, 0x00, Math.floor(rnd() * 256)]) : Buffer.from(`g/${String(i).padStart(3, '0')}`);
    keys.push(key);
    const size = rnd() < 0.1 ? 0 : rnd() < 0.8 ? Math.floor(rnd() * 700) : 1500 + Math.floor(rnd() * 3000);
    const versions = rnd() < 0.2 ? 1 + Math.floor(rnd() * 12) : 1;
    for (let v = 0; v < versions; v++) puts.push(post(agent, member, '/v3/kv/put', JSON.stringify({ key: b64(key), value: b64(Buffer.alloc(size + v, 0x61 + (i % 26))) })));
    if (puts.length > 40) await Promise.all(puts.splice(0));
  }
  await Promise.all(puts);
  const lease = JSON.parse((await post(agent, member, '/v3/lease/grant', '{"TTL":600}')).body) as { ID: string };
  await post(agent, member, '/v3/kv/put', JSON.stringify({ key: b64('g/leased'), value: b64('x'), lease: lease.ID }));
  const rev = Number((JSON.parse((await post(agent, member, '/v3/kv/range', `{"key":"${b64('g/000')}"}`)).body) as { header: { revision: string } }).header.revision);
  await post(agent, member, '/v3/kv/compaction', JSON.stringify({ revision: String(Math.floor(rev / 3)) }));

  // Answers of every length from 2,047 to 2,050 bytes (Go's gateway sends up to 2,048 with a Content-Length, more
  // chunked). Base64 grows by 4, so the other lengths come from the digits of a version (1 or 10) and of a count
  // (a limit 1 range over 2, 10 or 100 keys adds "more" and the count). One key, measured first, gives the rest.
  const put = (key: string, size: number): Promise<Answer> => post(agent, member, '/v3/kv/put', JSON.stringify({ key: b64(key), value: b64('q'.repeat(size)) }));
  const single = async (key: string): Promise<number> => (await post(agent, member, '/v3/kv/range', JSON.stringify({ key: b64(key) }))).body.length;
  await put('c/000', 999);
  const base = (await single('c/000')) - 1332; // the answer for c/000 (and any q/ key) less its value's base64
  const m = Math.floor((2047 - 12 - base) / 4);
  for (const [i, size, versions] of [[0, 3 * m, 1], [1, 3 * m, 10], [2, 3 * m + 3, 1], [3, 3 * m + 3, 10]] as const) {
    for (let v = 0; v < versions; v++) await put(`q/${String(i).padStart(3, '0')}`, size);
  }
  for (let i = 4; i < 110; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => put(`q/${String(i + k).padStart(3, '0')}`, 1)));
  const boundary: string[] = [];
  for (let i = 0; i < 4; i++) {
    for (const k of [2, 10, 100]) {
      boundary.push(JSON.stringify({ key: b64(`q/${String(i).padStart(3, '0')}`), range_end: b64(`q/${String(i + k).padStart(3, '0')}`), limit: 1 }));
    }
  }

  // The requests: the subset the front encodes, and bodies it must leave to the gateway.
  const sorted = [...keys].sort(Buffer.compare);
  const pick = (): Buffer => sorted[Math.floor(rnd() * sorted.length)] as Buffer;
  const bodies: string[] = [...boundary];
  for (let i = 0; i < 260; i++) {
    const a = pick();
    const f: Array<[string, unknown]> = [['key', b64(a)]];
    const r = rnd();
    if (r < 0.45) f.push([rnd() < 0.7 ? 'range_end' : 'rangeEnd', b64(rnd() < 0.2 ? Buffer.from([0]) : pick())]);
    if (rnd() < 0.4) f.push(['limit', rnd() < 0.5 ? 1 + Math.floor(rnd() * 5) : String(1 + Math.floor(rnd() * 40))]);
    if (rnd() < 0.2) f.push(['revision', String(rnd() < 0.7 ? Math.floor(rev / 3) + Math.floor(rnd() * (rev - rev / 3)) : rnd() < 0.5 ? 2 : rev + 100)]);
    if (rnd() < 0.2) f.push(['serializable', rnd() < 0.5]);
    if (rnd() < 0.15) f.push([rnd() < 0.5 ? 'keys_only' : 'keysOnly', true]);
    if (rnd() < 0.1) f.push([rnd() < 0.5 ? 'count_only' : 'countOnly', rnd() < 0.8]);
    const json = `{${f.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(rnd() < 0.2 ? ' ,\n ' : ',')}}`;
    bodies.push(rnd() < 0.1 ? ` ${json}\n` : json);
  }
  // Prefix ranges over each single key and pairs of neighbours: answers of every length around 2,048 bytes.
  for (let i = 0; i + 1 < sorted.length; i++) {
    bodies.push(JSON.stringify({ key: b64(sorted[i] as Buffer) }));
    bodies.push(JSON.stringify({ key: b64(sorted[i] as Buffer), range_end: b64(Buffer.concat([sorted[i + 1] as Buffer, Buffer.from([0])])) }));
  }
  bodies.push(
    JSON.stringify({ key: b64('g/leased') }),
    JSON.stringify({ key: b64('g/') , range_end: b64('g0'), count_only: true }),
    JSON.stringify({ key: b64('nothing-here') }),
    '{"key":"Zw==","range_end":"AA==","limit":"0"}',
    // Left to the gateway: an unknown field, sort options, a negative or fractional limit, a non-canonical or
    // bad base64, an escape, no key, an empty body, bad JSON, a future and a compacted revision.
    '{"key":"Zw==","range_end":"AA==","sort_order":"DESCEND"}', '{"key":"Zw==","bogus":1}', '{"key":"Zw==","limit":-1}',
    '{"key":"Zw==","limit":1.5}', '{"key":"Zx=="}', '{"key":"Z w=="}', '{"key":"Z\\u0077=="}', '{"limit":1}', '',
    '{"key":', '[1]', '{"key":"Zw==","key":"Zw=="}', `{"key":"Zw==","revision":"${rev + 1000}"}`, '{"key":"Zw==","revision":"2"}',
    '{"key":"Zw==","min_mod_revision":"3"}', '{"key":null}', '{"key":"Zw==","serializable":"true"}', '{"key":"Zw=="} x',
  );

  // scripts/asan-gateway.sh runs this test with the front built with AddressSanitizer: the proxy (only) gets that
  // build, with libasan preloaded (PROXY_FRONT_PRELOAD).
  const asan: Record<string, string> = {};
  for (const name of ['PROXY_FRONT_ADDON', 'ASAN_OPTIONS']) { const v = process.env[name]; if (v !== undefined) asan[name] = v; }
  if (process.env['PROXY_FRONT_PRELOAD'] !== undefined) asan['LD_PRELOAD'] = process.env['PROXY_FRONT_PRELOAD'];
  const native = await startProxyBin(t, ['--initial-cluster', `g1=${peer}`, '--data-path', 'native'], asan);
  const js = await startProxyBin(t, ['--initial-cluster', `g1=${peer}`, '--data-path', 'js']);
  const lengths = new Set<number>();
  let chunked = 0;
  for (const body of bodies) {
    const [a, b] = await Promise.all([post(agent, native.url, '/v3/kv/range', body), post(agent, js.url, '/v3/kv/range', body)]);
    assert.deepEqual(a, b, `body ${JSON.stringify(body)}`);
    if (a.status === 200) lengths.add(a.body.length);
    if (a.headers.includes('Transfer-Encoding: chunked') && a.status === 200) chunked++;
  }
  for (const n of [2047, 2048, 2049, 2050]) assert.ok(lengths.has(n), `an answer of ${n} bytes was compared (Go's Content-Length limit is 2,048)`);
  assert.ok(chunked > 10, `chunked answers compared: ${chunked}`);

  // curl, a real client, through the front: the same answer as from the member itself.
  const direct = await curl(['-XPOST', `${member}/v3/kv/range`, '-d', JSON.stringify({ key: b64('g/leased') })]);
  const viaFront = await curl(['-XPOST', `${native.url}/v3/kv/range`, '-d', JSON.stringify({ key: b64('g/leased') })]);
  assert.equal(viaFront.stdout, direct.stdout);
  assert.match(direct.stdout, new RegExp(`"lease":"${BigInt(lease.ID).toString()}"`));

  const text = await (await fetch(`${native.metricsUrl}/metrics`)).text();
  const count = (outcome: string): number => Number(new RegExp(`^etcd_edge_proxy_v3_range_grpc_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? -1);
  t.diagnostic(`${bodies.length} bodies compared; over gRPC: ${count('answered')} answered, ${count('json')} sent again as JSON`);
  assert.ok(count('answered') >= bodies.length - 60, `answered over gRPC: ${count('answered')} of ${bodies.length}`);
  assert.ok(count('json') >= 3, `sent again as JSON (gRPC errors: future and compacted revisions, a bad key): ${count('json')}`);
});
