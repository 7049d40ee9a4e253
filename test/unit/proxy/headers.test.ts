// requestHeaders/responseHeaders: hop-by-hop and Connection-named headers go, XFF and Via are appended.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestHeaders, responseHeaders } from '../../../proxy/headers.js';

const VIA = '1.1 etcd-edge-abc';
const cases: { name: string; raw: string[]; opts?: { clientIp?: string; body?: number; dropAE?: boolean }; want: string[]; hasHost: boolean }[] = [
  { name: 'plain GET', raw: ['Host', 'h:1', 'Accept', '*/*'], want: ['Host', 'h:1', 'Accept', '*/*', 'X-Forwarded-For', '127.0.0.1', 'Via', VIA], hasHost: true },
  {
    name: 'hop-by-hop and Connection-named removed',
    raw: ['Connection', 'keep-alive, X-Secret', 'X-Secret', 's', 'Keep-Alive', '5', 'TE', 'trailers', 'Trailer', 'X', 'Upgrade', 'h2c', 'Proxy-Authorization', 'p', 'X-Ok', '1'],
    want: ['X-Ok', '1', 'X-Forwarded-For', '127.0.0.1', 'Via', VIA], hasHost: false,
  },
  { name: 'XFF folded and appended', raw: ['X-Forwarded-For', '10.0.0.1', 'x-forwarded-for', '10.0.0.2'], want: ['X-Forwarded-For', '10.0.0.1, 10.0.0.2, 127.0.0.1', 'Via', VIA], hasHost: false },
  { name: 'Via appended to a prior hop', raw: ['Via', '1.1 other'], want: ['X-Forwarded-For', '127.0.0.1', 'Via', `1.1 other, ${VIA}`], hasHost: false },
  {
    name: 'body length replaces the client\'s framing', raw: ['Transfer-Encoding', 'chunked', 'Content-Length', '99'], opts: { body: 5 },
    want: ['X-Forwarded-For', '127.0.0.1', 'Via', VIA, 'Content-Length', '5'], hasHost: false,
  },
  { name: 'accept-encoding dropped for rewritten responses', raw: ['Accept-Encoding', 'gzip'], opts: { dropAE: true }, want: ['X-Forwarded-For', '127.0.0.1', 'Via', VIA], hasHost: false },
  { name: 'no client IP keeps prior XFF alone', raw: ['X-Forwarded-For', '10.0.0.1'], opts: { clientIp: '' }, want: ['X-Forwarded-For', '10.0.0.1', 'Via', VIA], hasHost: false },
];
for (const c of cases) {
  test(`request: ${c.name}`, () => {
    const ip = c.opts?.clientIp === '' ? undefined : c.opts?.clientIp ?? '127.0.0.1';
    const got = requestHeaders(c.raw, { clientIp: ip, via: VIA, bodyLength: c.opts?.body, dropAcceptEncoding: c.opts?.dropAE === true });
    assert.deepEqual(got.headers, c.want);
    assert.equal(got.hasHost, c.hasHost);
  });
}

test('response: hop-by-hop and Connection-named removed, Content-Length only when asked', () => {
  const raw = ['Content-Type', 'application/json', 'Connection', 'X-Internal', 'X-Internal', '1', 'Transfer-Encoding', 'chunked', 'Content-Length', '3', 'X-Etcd-Index', '7'];
  assert.deepEqual(responseHeaders(raw, false), ['Content-Type', 'application/json', 'Content-Length', '3', 'X-Etcd-Index', '7']);
  assert.deepEqual(responseHeaders(raw, true), ['Content-Type', 'application/json', 'X-Etcd-Index', '7']);
});
