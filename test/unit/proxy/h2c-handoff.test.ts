// h2c on a plain-http listener is found by node:http's own parser, not by a sniffer: a client whose preface comes
// in several reads still reaches the HTTP/2 side; an HTTP/1.1 request that starts like the preface stays HTTP/1.1;
// a connection that never sends a byte is cut after --proxy-client-timeout, and one that is busy is not.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startProxy } from './fakes.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A duplex over a socket that drops the first `skip` bytes the HTTP/2 client writes (sent by the test already). */
function skipping(socket: net.Socket, skip: number): Duplex {
  let left = skip;
  const d = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      const cut = Math.min(left, chunk.length);
      left -= cut;
      if (cut === chunk.length) { cb(); return; }
      socket.write(chunk.subarray(cut), cb);
    },
    read() { socket.resume(); },
    final(cb) { socket.end(cb); },
    destroy(err, cb) { socket.destroy(); cb(err); },
  });
  socket.on('data', (c: Buffer) => { if (!d.push(c)) socket.pause(); });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  return d;
}

function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) { resolve(true); return; }
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => { clearTimeout(timer); resolve(true); });
  });
}

test('a preface split over several reads still reaches the HTTP/2 server', async (t) => {
  const p = await startProxy(t, () => ['http://127.0.0.1:1']);
  const { port } = p.address();
  for (const first of [3, 16, 20]) {
    const socket = net.connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(PREFACE.subarray(0, first));
    await sleep(60);
    const c = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => skipping(socket, first) });
    c.on('error', () => undefined);
    const status = await new Promise<number>((resolve, reject) => {
      const s = c.request({ ':path': '/v2/keys/a' });
      s.on('response', (h) => { resolve(Number(h[':status'])); s.resume(); });
      s.on('error', reject);
      s.end();
    });
    c.destroy();
    assert.equal(status, 415, `HTTP/2 answered after ${first} bytes of preface in a first read`);
  }
});

test('a request that only starts like the preface is HTTP/1.1, answered 400 or 405 without hanging', async (t) => {
  const p = await startProxy(t, () => ['http://127.0.0.1:1']);
  const socket = net.connect(p.address().port, '127.0.0.1');
  t.after(() => socket.destroy());
  let got = '';
  socket.on('data', (c: Buffer) => { got += c.toString('latin1'); });
  socket.write('PRI /x HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.ok(await closedWithin(socket, 3000) || got !== '', 'answered or closed');
  assert.match(got, /^HTTP\/1\.1 (400|405|501) /);
});

test('a connection that never sends a byte is cut after --proxy-client-timeout; a keep-alive one in use is not', async (t) => {
  const p = await startProxy(t, () => ['http://127.0.0.1:1'], ['--proxy-client-timeout', '300ms']);
  const silent = net.connect(p.address().port, '127.0.0.1');
  t.after(() => silent.destroy());
  assert.equal(await closedWithin(silent, 100), false, 'still open early on');
  assert.equal(await closedWithin(silent, 2000), true, 'cut after the client timeout');
  const busy = net.connect(p.address().port, '127.0.0.1');
  t.after(() => busy.destroy());
  let answers = 0;
  busy.on('data', (c: Buffer) => { answers += (c.toString('latin1').match(/HTTP\/1\.1 /g) ?? []).length; });
  for (let i = 0; i < 5; i++) {
    busy.write('GET /v2/config/local/proxy HTTP/1.1\r\nHost: a\r\n\r\n');
    await sleep(120);
  }
  assert.equal(answers, 5, 'every request on the busy connection answered');
  assert.equal(busy.destroyed, false, 'the busy connection is still open after more than the timeout');
});
