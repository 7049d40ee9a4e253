// The gRPC frame relay against one real etcd 3.4 member, with a raw node:http2 client on one connection: a
// MemberList answer rewritten to a longer and to a shorter message (the relay re-frames it and keeps the flow
// control both sides count), then values larger than the client's 64 KiB windows through the same connection;
// metrics per method and code, a non-OK code included.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { createProxy, parseProxyFlags } from '../../proxy/index.js';
import { lengthDelimited, readFields } from '../../proxy/protobuf.js';
import { tempDir } from '../helpers/etcd.js';
import { peerEntry, startMember } from '../helpers/etcd-member.js';
import { freePorts } from '../helpers/ports.js';

const frame = (msg: Buffer): Buffer => { const h = Buffer.alloc(5); h.writeUInt32BE(msg.length, 1); return Buffer.concat([h, msg]); };

interface Answer { status: string; message: Buffer }

/** One unary call on session; resolves with grpc-status and the first response message. */
function unary(session: http2.ClientHttp2Session, path: string, msg: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let status = '';
    s.on('response', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
    s.on('trailers', (h) => { status = String(h['grpc-status']); });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const body = Buffer.concat(chunks);
      resolve({ status, message: body.length >= 5 ? body.subarray(5, 5 + body.readUInt32BE(1)) : Buffer.alloc(0) });
    });
    s.end(frame(msg));
  });
}

/** clientURLs of every member of a MemberListResponse. */
function clientUrls(msg: Buffer): string[][] {
  return readFields(msg).filter((f) => f.no === 2).map((m) => readFields(m.bytes as Uint8Array).filter((f) => f.no === 4).map((f) => Buffer.from(f.bytes as Uint8Array).toString()));
}

async function relayProxy(t: TestContext, peerUrl: string, advertise: string): Promise<{ url: string; metrics(): Promise<string> }> {
  const port = await freePorts(1);
  const cfg = parseProxyFlags(['--listen-client-urls', `http://127.0.0.1:${port}`, '--initial-cluster', `m1=${peerUrl}`, '--data-dir', tempDir(t),
    '--proxy-advertise-client-urls', advertise, '--proxy-shutdown-timeout', '300'], {});
  const p = createProxy(cfg);
  t.after(() => p.close());
  await p.start();
  return { url: p.urls()[0] as string, metrics: () => p.metrics?.() ?? Promise.resolve('') };
}

test('gRPC frame relay against a real etcd member', { timeout: 120_000 }, async (t) => {
  const base = await freePorts(2);
  const m = await startMember(t, { name: 'm1', clientPort: base, peerPort: base + 1, initialCluster: peerEntry('m1', base + 1), state: 'new' });
  const longer = ['http://relay-advertised-a.example:2379', 'http://relay-advertised-b.example:2379', 'http://relay-advertised-c.example:2379'];
  for (const advertise of [longer, ['http://a:1']]) {
    await t.test(`MemberList rewritten to ${advertise.length} URL(s), then large values on the same connection`, async (t2) => {
      const p = await relayProxy(t2, m.peerUrl, advertise.join(','));
      const session = http2.connect(p.url);
      t2.after(() => session.close());
      session.on('error', () => undefined);
      const list = await unary(session, '/etcdserverpb.Cluster/MemberList', Buffer.alloc(0));
      assert.equal(list.status, '0');
      assert.deepEqual(clientUrls(list.message), [advertise]);
      // Each value is larger than the client's stream and connection windows (65,535 bytes by default).
      for (const [i, size] of [200_000, 150_000, 300_000].entries()) {
        const key = Buffer.from(`relay/${advertise.length}/${i}`);
        const value = Buffer.alloc(size, 0x61 + i);
        assert.equal((await unary(session, '/etcdserverpb.KV/Put', Buffer.concat([lengthDelimited(1, key), lengthDelimited(2, value)]))).status, '0');
        const got = await unary(session, '/etcdserverpb.KV/Range', lengthDelimited(1, key));
        assert.equal(got.status, '0');
        const kv = readFields(got.message).find((f) => f.no === 2);
        const v = readFields(kv?.bytes as Uint8Array).find((f) => f.no === 5);
        assert.ok(v?.bytes !== undefined && Buffer.from(v.bytes).equals(value), `value ${i} (${size} bytes) came back whole`);
      }
      // A revision beyond the store's is OutOfRange (11) from the member.
      const future = await unary(session, '/etcdserverpb.KV/Range', Buffer.concat([lengthDelimited(1, Buffer.from('k')), Buffer.from([0x20, 0xe8, 0x07])]));
      assert.equal(future.status, '11');
      const text = await p.metrics();
      for (const [method, code] of [['Put', 0], ['Range', 0], ['Range', 11]] as const) {
        assert.match(text, new RegExp(`etcd_proxy_grpc_handled_total\\{grpc_service="etcdserverpb.KV",grpc_method="${method}",grpc_code="${code}"\\} [1-9]`));
      }
      assert.match(text, /etcd_proxy_grpc_handled_total\{grpc_service="etcdserverpb.Cluster",grpc_method="MemberList",grpc_code="0"\} 1\n/);
    });
  }
});
