// The response parser against llhttp (node:http's parser) on 120,000 generated and mutated responses cut into
// random pieces, plus hand-written desync and response-splitting cases. Where both accept, they must agree on
// status, headers, body and reuse; where llhttp rejects, ours must too. Ours may be stricter (it then answers 502):
// those classes are listed in proxy/README.md and counted here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseParser } from '../../../proxy/http1.js';
import { generate, rng } from '../../helpers/http1-gen.js';
import { llhttpVerdict, type Verdict } from '../../helpers/llhttp.js';

const CASES = 120_000;
const SEED = 0x5eed18;

/** Runs the pieces through ResponseParser as upstream.ts does (a piece after the end closes the connection). */
function oursVerdict(pieces: readonly Buffer[], noBody: boolean): Verdict {
  let status = 0;
  let statusMessage = '';
  let rawHeaders: string[] = [];
  const body: Buffer[] = [];
  let ended = false;
  let after = false;
  const p = new ResponseParser({
    head: (s, m, raw) => { status = s; statusMessage = m; rawHeaders = raw; },
    data: (c) => { body.push(Buffer.from(c)); },
    end: () => { ended = true; },
  }, noBody);
  let error = '';
  try {
    for (const piece of pieces) {
      if (ended) { after ||= piece.length > 0; continue; }
      p.feed(piece);
    }
    if (!ended && !p.eof()) error = 'incomplete';
  } catch (err) {
    error = (err as Error).message;
  }
  const ok = error === '' && ended;
  return { ok, status, statusMessage, rawHeaders, body: Buffer.concat(body).toString('latin1'), reusable: ok && p.keepAlive && !after, error };
}

/** Returns what is wrong when ours is laxer than llhttp or disagrees on a response both accept, else ''. */
function divergence(ours: Verdict, ref: Verdict): string {
  if (!ours.ok) return '';
  if (!ref.ok) return `accepted what llhttp rejects (${ref.error})`;
  if (ours.status !== ref.status) return `status ${ours.status} vs ${ref.status}`;
  if (ours.statusMessage !== ref.statusMessage) return `status message ${JSON.stringify(ours.statusMessage)} vs ${JSON.stringify(ref.statusMessage)}`;
  if (JSON.stringify(ours.rawHeaders) !== JSON.stringify(ref.rawHeaders)) return `headers ${JSON.stringify(ours.rawHeaders)} vs ${JSON.stringify(ref.rawHeaders)}`;
  if (ours.body !== ref.body) return `body ${JSON.stringify(ours.body)} vs ${JSON.stringify(ref.body)}`;
  if (ours.reusable && !ref.reusable) return 'reuses a connection llhttp would not';
  return '';
}

test(`agrees with llhttp on ${CASES} generated and mutated responses`, () => {
  const r = rng(SEED);
  const failures: string[] = [];
  const counts = { bothOk: 0, bothRejected: 0, stricter: 0, notReused: 0 };
  for (let i = 0; i < CASES; i++) {
    const c = generate(r);
    const ours = oursVerdict(c.pieces, c.noBody);
    const ref = llhttpVerdict(c.pieces, c.noBody);
    const d = divergence(ours, ref);
    if (d !== '') {
      if (failures.length < 10) failures.push(`case ${i}${c.noBody ? ' (HEAD)' : ''}: ${d}\n  ${JSON.stringify(c.bytes.toString('latin1'))}`);
      continue;
    }
    if (ours.ok) { counts.bothOk++; if (ref.reusable && !ours.reusable) counts.notReused++; }
    else if (ref.ok) counts.stricter++;
    else counts.bothRejected++;
  }
  assert.deepEqual(failures, []);
  // The generator must exercise both sides: plenty accepted, plenty rejected.
  assert.ok(counts.bothOk > CASES / 4 && counts.bothRejected > CASES / 10, JSON.stringify(counts));
  process.stderr.write(`# differential: ${JSON.stringify(counts)}\n`);
});

const S = 'HTTP/1.1 200 OK\r\n';
/** Desync and response-splitting material: each must be refused, or at least never leave the connection reusable. */
const attacks: { name: string; text: string; head?: boolean; want: 'reject' | 'no-reuse' }[] = [
  { name: 'Content-Length and chunked (CL.TE)', text: `${S}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, want: 'reject' },
  { name: 'chunked and Content-Length (TE.CL)', text: `${S}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`, want: 'reject' },
  { name: 'two different lengths', text: `${S}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`, want: 'reject' },
  { name: 'two equal lengths', text: `${S}Content-Length: 2\r\nContent-Length: 2\r\n\r\nab`, want: 'reject' },
  { name: 'length list', text: `${S}Content-Length: 2, 2\r\n\r\nab`, want: 'reject' },
  { name: 'space before the colon', text: `${S}Content-Length : 2\r\n\r\nab`, want: 'reject' },
  { name: 'folded header', text: `${S}X-A: 1\r\n Content-Length: 2\r\n\r\nab`, want: 'reject' },
  { name: 'bare LF inside the head', text: `${S}X-A: 1\nContent-Length: 2\r\n\r\nab`, want: 'reject' },
  { name: 'bare CR inside a value', text: `${S}X-A: 1\rContent-Length: 2\r\n\r\nab`, want: 'reject' },
  { name: 'NUL inside a value', text: `${S}X-A: 1\x00\r\nContent-Length: 2\r\n\r\nab`, want: 'reject' },
  { name: 'header injection in a value', text: `${S}X-A: a\nSet-Cookie: x=1\r\nContent-Length: 0\r\n\r\n`, want: 'reject' },
  { name: 'control byte in the status message', text: 'HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n', want: 'reject' },
  { name: 'gzip, chunked', text: `${S}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, want: 'reject' },
  { name: 'chunked, then identity', text: `${S}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`, want: 'reject' },
  { name: 'chunk size overflow', text: `${S}Transfer-Encoding: chunked\r\n\r\n10000000000000001\r\nx\r\n0\r\n\r\n`, want: 'reject' },
  { name: 'chunk size with a space', text: `${S}Transfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n`, want: 'reject' },
  { name: 'chunk extension with a bare LF', text: `${S}Transfer-Encoding: chunked\r\n\r\n1;a\nb\r\nx\r\n0\r\n\r\n`, want: 'reject' },
  { name: 'chunk without its CRLF', text: `${S}Transfer-Encoding: chunked\r\n\r\n1\r\nxy0\r\n\r\n`, want: 'reject' },
  { name: 'length in the trailers', text: `${S}Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n`, want: 'reject' },
  { name: 'unexpected 101', text: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', want: 'reject' },
  { name: 'Connection: upgrade on a final response', text: `${S}Connection: upgrade\r\nUpgrade: x\r\nContent-Length: 0\r\n\r\nRAW`, want: 'reject' },
  { name: 'a smuggled second response after the body', text: `${S}Content-Length: 2\r\n\r\nabHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil`, want: 'no-reuse' },
  { name: 'a body on a 204', text: 'HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\nevil', want: 'no-reuse' },
  { name: 'a body on a HEAD answer', text: `${S}Content-Length: 4\r\n\r\nevil`, head: true, want: 'no-reuse' },
  { name: 'a HEAD answer without a length', text: `${S}\r\n`, head: true, want: 'no-reuse' },
  { name: 'a body read until close', text: `${S}\r\nHTTP/1.1 200 OK\r\n\r\n`, want: 'no-reuse' },
];
for (const a of attacks) {
  for (const split of [0, 1]) {
    test(`desync: ${a.name}${split ? ' (byte by byte)' : ''}`, () => {
      const bytes = Buffer.from(a.text, 'latin1');
      const pieces = split ? [...bytes].map((b) => Buffer.from([b])) : [bytes];
      const ours = oursVerdict(pieces, a.head === true);
      const ref = llhttpVerdict(pieces, a.head === true);
      assert.equal(divergence(ours, ref), '');
      if (a.want === 'reject') assert.equal(ours.ok, false, 'accepted');
      else assert.equal(ours.reusable, false, 'reusable');
    });
  }
}
