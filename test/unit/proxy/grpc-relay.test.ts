// The relay's MemberList rewrite keeps HTTP/2 flow control consistent: after a rewritten answer that shrank
// (padding makes up the difference) or grew (the surplus comes off the client's next WINDOW_UPDATEs) and more
// calls on the same connection, the member's view of the connection window equals the client's.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { lengthDelimited, readFields } from '../../../proxy/protobuf.js';
import { startProxy } from './fakes.js';

const frame = (m: Buffer): Buffer => { const h = Buffer.alloc(5); h.writeUInt32BE(m.length, 1); return Buffer.concat([h, m]); };
// MemberListResponse with one member (ID 1) whose clientURLs is the member's own URL.
const MEMBERS = lengthDelimited(2, Buffer.concat([Buffer.from([8, 1]), lengthDelimited(4, Buffer.from('http://127.0.0.1:2379'))]));

/** A fake member: MemberList answers MEMBERS, any other method 20,000 bytes. */
async function member(t: TestContext): Promise<{ url: string; session: () => http2.ServerHttp2Session | undefined }> {
  const server = http2.createServer();
  let session: http2.ServerHttp2Session | undefined;
  server.on('session', (s) => { session = s; });
  server.on('stream', (s, h) => {
    s.on('error', () => undefined);
    s.resume();
    s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
    s.end(String(h[':path']).endsWith('/MemberList') ? frame(MEMBERS) : frame(Buffer.alloc(20_000, 1)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { session?.destroy(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, session: () => session };
}

function unary(c: http2.ClientHttp2Session, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = c.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.end(frame(Buffer.alloc(0)));
  });
}

for (const advertise of [['http://a:1'], ['http://a-much-longer-advertised-name.example:2379', 'http://b-much-longer-advertised-name.example:2379']]) {
  test(`relay: MemberList rewritten to ${advertise.length === 1 ? 'a shorter' : 'a longer'} message keeps the connection window in step`, async (t) => {
    const m = await member(t);
    const p = await startProxy(t, () => [m.url], ['--proxy-advertise-client-urls', advertise.join(',')]);
    const c = http2.connect(p.urls()[0] as string);
    t.after(() => c.close());
    const body = await unary(c, '/etcdserverpb.Cluster/MemberList');
    const urls = readFields(body.subarray(5)).filter((f) => f.no === 2)
      .flatMap((f) => readFields(f.bytes as Uint8Array).filter((x) => x.no === 4).map((x) => Buffer.from(x.bytes as Uint8Array).toString()));
    assert.deepEqual(urls, advertise);
    // Enough data after it that the client sends connection WINDOW_UPDATEs.
    for (let i = 0; i < 6; i++) assert.equal((await unary(c, '/etcdserverpb.KV/Range')).length, 20_005);
    await new Promise((r) => setTimeout(r, 100));
    const memberView = m.session()?.state.remoteWindowSize;
    assert.ok(memberView !== undefined && memberView < 65_535, 'the window was used');
    assert.equal(memberView, c.state.localWindowSize, "the member's view of the connection window is the client's");
  });
}
