import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createConnectionCap } from '../../../core/conn-cap.js';
import type { Logger } from '../../../core/log.js';
import { noopLogger } from '../../../core/log.js';

test('acquire takes slots shared with accepted sockets, refuses when full and frees on release (once)', () => {
  const cap = createConnectionCap({ max: 2, idleTimeoutMs: 0, logger: noopLogger() });
  const a = cap.acquire();
  const b = cap.acquire();
  assert.ok(a && b);
  assert.equal(cap.acquire(), undefined);
  assert.equal(cap.refused(), 1);
  a();
  a();
  assert.equal(cap.active(), 1, 'a second release of the same slot changes nothing');
  assert.ok(cap.acquire());
});

test('the cap warning is rate-limited', async (t) => {
  const warned: string[] = [];
  const log = { ...noopLogger(), warn: (_f: unknown, msg: string) => { warned.push(msg); } } as unknown as Logger;
  const cap = createConnectionCap({ max: 1, idleTimeoutMs: 0, logger: log, warnEveryMs: 60_000 });
  const server = net.createServer((s) => s.on('error', () => undefined));
  cap.attach(server);
  t.after(() => { cap.close(); server.close(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const socks = await Promise.all([0, 1, 2, 3].map(() => new Promise<net.Socket>((r) => { const s = net.connect(port, '127.0.0.1', () => r(s)); s.on('error', () => undefined); })));
  t.after(() => socks.forEach((s) => s.destroy()));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(cap.refused(), 3);
  assert.equal(cap.active(), 1);
  assert.deepEqual(warned, ['connection cap reached; closing new connections']);
});

test('a linked cap counts the peer in, tells it what we hold, admits its hand-offs unchecked and counts its refusals', async (t) => {
  const cap = createConnectionCap({ max: 3, idleTimeoutMs: 0, logger: noopLogger() });
  t.after(() => cap.close());
  const told: number[] = [];
  let peerHeld = 1;
  cap.link({ active: () => peerHeld, setOthers: (n: number) => told.push(n) });
  assert.deepEqual(told, [0], 'the peer learns what we hold when it joins');
  const a = cap.acquire();
  const b = cap.acquire();
  assert.ok(a && b);
  assert.equal(cap.active(), 3);
  assert.equal(cap.acquire(), undefined, 'full: 2 slots here + 1 connection in the peer');
  assert.equal(cap.refused(), 1);
  assert.deepEqual(told, [0, 1, 2]);
  // The peer's connection comes over (a hand-off) while the peer counts another one: admitted although the cap
  // is reached, counted here, and the peer told.
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  const x = await accepted;
  t.after(() => { x.destroy(); client.destroy(); server.close(); });
  cap.admit(x);
  assert.ok(!x.destroyed);
  assert.equal(cap.active(), 4);
  assert.equal(told.at(-1), 3, 'the peer is told about the admitted connection');
  await new Promise((r) => { x.once('close', r); x.destroy(); });
  assert.equal(cap.active(), 3);
  assert.equal(told.at(-1), 2);
  cap.refusedElsewhere(4);
  assert.equal(cap.refused(), 5);
  peerHeld = 0;
  assert.equal(cap.active(), 2);
  assert.ok(cap.acquire(), 'room again once the peer holds less');
});
