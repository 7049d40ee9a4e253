// ResponseParser: framing by length, chunks and close, 1xx skipped, bodies that must be empty, keep-alive
// decisions, input split at every byte, and malformed responses rejected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseParser } from '../../../proxy/http1.js';

interface Seen { status?: number; message?: string; raw?: string[]; body: string; ended: boolean; keepAlive: boolean }

function parse(text: string, opts: { noBody?: boolean; split?: number; eof?: boolean } = {}): Seen {
  const seen: Seen = { body: '', ended: false, keepAlive: true };
  const p = new ResponseParser({
    head: (status, message, raw) => { seen.status = status; seen.message = message; seen.raw = raw; },
    data: (c) => { seen.body += c.toString('latin1'); },
    end: () => { seen.ended = true; },
  }, opts.noBody === true);
  const buf = Buffer.from(text, 'latin1');
  const step = opts.split ?? buf.length;
  for (let i = 0; i < buf.length; i += step) p.feed(buf.subarray(i, i + step));
  if (opts.eof) p.eof();
  seen.keepAlive = p.keepAlive;
  return seen;
}

const cases: { name: string; text: string; opts?: { noBody?: boolean; eof?: boolean }; want: Partial<Seen> }[] = [
  { name: 'content-length', text: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', want: { status: 200, message: 'OK', body: '{}', ended: true, keepAlive: true } },
  { name: 'raw headers keep case and order', text: 'HTTP/1.1 201 Created\r\nX-Etcd-Index: 7\r\nx-b: 1\r\nContent-Length: 0\r\n\r\n', want: { raw: ['X-Etcd-Index', '7', 'x-b', '1', 'Content-Length', '0'], ended: true } },
  { name: 'chunked with extensions and trailers', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n', want: { body: 'abcde', ended: true, keepAlive: true } },
  { name: 'chunked without trailers', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n', want: { body: 'z', ended: true } },
  { name: '100 Continue is skipped', text: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nk', want: { status: 200, body: 'k', ended: true } },
  { name: 'HEAD has no body', text: 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n', opts: { noBody: true }, want: { body: '', ended: true } },
  { name: '204 has no body', text: 'HTTP/1.1 204 No Content\r\n\r\n', want: { status: 204, ended: true } },
  { name: 'read until close', text: 'HTTP/1.1 200 OK\r\n\r\nstream', opts: { eof: true }, want: { body: 'stream', ended: true, keepAlive: false } },
  { name: 'Connection: close', text: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx', want: { ended: true, keepAlive: false } },
  { name: 'HTTP/1.0 is not reused', text: 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx', want: { ended: true, keepAlive: false } },
  { name: 'stray bytes after the body', text: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxGARBAGE', want: { body: 'x', ended: true, keepAlive: false } },
  { name: 'empty status message', text: 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n', want: { status: 200, message: '', ended: true } },
];
for (const c of cases) {
  for (const split of [undefined, 1, 7]) {
    test(`${c.name}${split ? ` (fed ${split} byte(s) at a time)` : ''}`, () => {
      const seen = parse(c.text, { ...c.opts, ...(split ? { split } : {}) });
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(seen[k as keyof Seen], v, k);
    });
  }
}

test('a chunked body is not ended before its last chunk', () => {
  const seen = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
  assert.deepEqual([seen.body, seen.ended], ['hel', false]);
});

const bad: [string, string][] = [
  ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
  ['header without colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
  ['bad length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
  ['conflicting lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
  ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ['missing CRLF after a chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX'],
  ['endless head', `HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(10_000)}`],
];
for (const [name, text] of bad) {
  test(`rejects: ${name}`, () => assert.throws(() => parse(text), (e: { code?: string }) => e.code === 'EPROTO'));
}
