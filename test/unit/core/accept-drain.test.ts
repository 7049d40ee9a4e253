import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { drainAccepts } from '../../../core/accept-drain.js';
import { createConnectionCap } from '../../../core/conn-cap.js';
import { openDescriptors } from '../../../core/limits.js';
import { noopLogger } from '../../../core/log.js';
import { acceptAddon } from '../../../core/native-addon.js';
import type { AcceptAddon } from '../../../core/native-addon.js';
import { requireTool } from '../../helpers/etcd.js';
import { freePorts } from '../../helpers/ports.js';

// GATEWAY_ADDON points at another build of the addon (scripts/asan-gateway.sh runs this file against it too).
const addon = process.env.GATEWAY_ADDON ? acceptAddon(process.env.GATEWAY_ADDON) : acceptAddon();

function need(): AcceptAddon {
  assert.ok(addon, 'the native addon (npm ci builds it) has acceptPending');
  return addon;
}

async function listening<S extends net.Server>(server: S): Promise<{ server: S; port: number }> {
  const port = await freePorts(1);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, port };
}

function listenFd(server: net.Server): number {
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  assert.ok(fd >= 0, 'the listening socket has a descriptor');
  return fd;
}

/** Opens n loopback connections and blocks the event loop for ms once their connect()s are issued. */
async function burst(port: number, n: number, ms: number, onSocket: (s: net.Socket, i: number) => void = () => undefined): Promise<net.Socket[]> {
  const clients = Array.from({ length: n }, (_, i) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    onSocket(c, i);
    return c;
  });
  await new Promise((r) => process.nextTick(r)); // the connect() calls are made on the next tick
  await new Promise((r) => setTimeout(r, 20)); // the loopback handshakes complete in the kernel
  const until = Date.now() + ms;
  while (Date.now() < until) { /* busy: the kernel queues the connections, Node accepts none */ }
  return clients;
}

/** Counts the 'connection' events of each event-loop turn (a turn ends at the next setImmediate). */
function perTurn(server: net.Server): number[] {
  const turns: number[] = [];
  let current = 0;
  server.on('connection', () => {
    if (current++ === 0) setImmediate(() => { turns.push(current); current = 0; });
  });
  return turns;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('acceptPending takes at most max waiting connections, then none (EAGAIN), and leaks no descriptor', async (t) => {
  const a = need();
  const fdsBefore = openDescriptors();
  const server = net.createServer();
  const { port } = await listening(server);
  const fd = listenFd(server);
  const clients = Array.from({ length: 5 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
  t.after(() => { clients.forEach((c) => c.destroy()); server.close(); });
  await new Promise((r) => process.nextTick(r));
  const until = Date.now() + 50;
  while (Date.now() < until) { /* the handshakes complete; Node's own accept cannot run meanwhile */ }
  // All synchronous: Node's accept gets no turn between these calls.
  const first = a.acceptPending(fd, 3);
  const rest = a.acceptPending(fd, 100);
  const empty = a.acceptPending(fd, 100);
  assert.equal(first.length, 3, 'max bounds one call');
  assert.equal(rest.length, 2, 'the rest of the queue');
  assert.deepEqual(empty, [], 'an empty queue (EAGAIN) gives none');
  assert.equal(new Set([...first, ...rest]).size, 5, 'five distinct descriptors');
  [...first, ...rest].forEach((d) => closeSync(d));
  assert.deepEqual(a.acceptPending(fd, 0), [], 'max 0 takes none');
  assert.deepEqual(a.acceptPending(-1, 10), [], 'no descriptor, nothing');
  assert.deepEqual(a.acceptPending(0, 10), [], 'not a socket: the error stops it, nothing');
  clients.forEach((c) => c.destroy());
  await new Promise<void>((r) => server.close(() => r()));
  await sleep(50);
  assert.equal(openDescriptors(), fdsBefore, 'every descriptor closed again');
});

test('without the addon drainAccepts changes nothing', () => {
  const server = http.createServer();
  const before = server.listenerCount('connection');
  drainAccepts(server, undefined);
  assert.equal(server.listenerCount('connection'), before);
});

test('an HTTP server takes a burst in one turn, answers every client, counts them and closes them all', async (t) => {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (_req, res) => res.end('ok'));
  drainAccepts(server, need());
  const turns = perTurn(server);
  const { port } = await listening(server);
  let clients: net.Socket[] = [];
  t.after(() => { clients.forEach((c) => c.destroy()); server.closeAllConnections(); server.close(); });
  const answers: Array<Promise<string>> = [];
  const closed: Array<Promise<void>> = [];
  clients = await burst(port, 100, 200, (c) => {
    c.write('GET / HTTP/1.1\r\nHost: edge\r\n\r\n');
    answers.push(new Promise((r) => { let got = ''; c.on('data', (d: Buffer) => { got += d.toString(); if (got.includes('\r\n\r\nok')) r(got); }); }));
    closed.push(new Promise((r) => c.once('close', () => r())));
  });
  const got = await Promise.all(answers);
  assert.equal(got.filter((g) => g.startsWith('HTTP/1.1 200')).length, 100, 'every client answered');
  assert.ok(Math.max(...turns) > 1, `more than one connection in one turn (turns: ${turns.join(',')})`);
  const count = await new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
  assert.equal(count, 100, 'getConnections counts the drained connections (held by keep-alive)');
  const done = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  await Promise.all(closed);
  await done; // close waits for (and is released by) the drained connections too
});

test('the connection cap sees every drained connection: cap 10, burst 50 → 10 held, 40 closed and refused', async (t) => {
  const cap = createConnectionCap({ max: 10, idleTimeoutMs: 0, logger: noopLogger() });
  const server = net.createServer((s) => s.on('error', () => undefined));
  cap.attach(server);
  drainAccepts(server, need());
  const turns = perTurn(server);
  const { port } = await listening(server);
  let clients: net.Socket[] = [];
  let closedByServer = 0;
  t.after(() => { clients.forEach((c) => c.destroy()); cap.close(); server.close(); });
  clients = await burst(port, 50, 200, (c) => c.on('close', () => { closedByServer++; }));
  while (cap.active() + cap.refused() < 50) await sleep(10);
  assert.ok(Math.max(...turns) > 1, `more than one connection in one turn (turns: ${turns.join(',')})`);
  assert.equal(cap.active(), 10);
  assert.equal(cap.refused(), 40);
  while (closedByServer < 40) await sleep(10);
  const done = new Promise<void>((r) => server.close(() => r()));
  clients.forEach((c) => c.destroy());
  await done; // close waits for the held (drained or not) connections
  while (cap.active() > 0) await sleep(10); // the cap frees each on its 'close'
});

test('net.Server#maxConnections still holds for drained connections (drop emitted for the excess)', async (t) => {
  const server = net.createServer((s) => s.on('error', () => undefined));
  server.maxConnections = 10;
  let drops = 0;
  server.on('drop', () => { drops++; });
  drainAccepts(server, need());
  let inTurn = 0;
  let dropsInFirstTurn = -1;
  server.on('connection', () => { if (inTurn++ === 0) setImmediate(() => { if (dropsInFirstTurn < 0) dropsInFirstTurn = drops; }); });
  const { port } = await listening(server);
  let clients: net.Socket[] = [];
  t.after(() => { clients.forEach((c) => c.destroy()); server.close(); });
  clients = await burst(port, 50, 200);
  while (drops < 40) await sleep(10);
  const count = await new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
  assert.equal(count, 10);
  assert.equal(drops, 40);
  assert.ok(dropsInFirstTurn > 0, `the drained excess was dropped in the first turn (${dropsInFirstTurn})`);
});

test('an HTTPS server takes a burst in one turn too (TLS wraps the drained sockets) and answers every client', async (t) => {
  requireTool('openssl', 'openssl');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'accept-drain-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore' });
  const cert = readFileSync(path.join(dir, 'c.pem'));
  const server = https.createServer({ cert, key: readFileSync(path.join(dir, 'k.pem')) }, (_req, res) => res.end('ok'));
  drainAccepts(server, need());
  const turns = perTurn(server);
  const { port } = await listening(server);
  const reqs: http.ClientRequest[] = [];
  t.after(() => { reqs.forEach((r) => r.destroy()); server.closeAllConnections(); server.close(); });
  const answers = Array.from({ length: 30 }, () => new Promise<string>((resolve, reject) => {
    const r = https.get({ host: '127.0.0.1', port, servername: 'localhost', ca: cert, agent: false, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); }).on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    r.on('error', reject);
    reqs.push(r);
  }));
  await new Promise((r) => process.nextTick(r));
  await sleep(20);
  const until = Date.now() + 200;
  while (Date.now() < until) { /* the kernel queues the connections */ }
  assert.deepEqual(await Promise.all(answers), Array.from({ length: 30 }, () => '200 ok'));
  assert.ok(Math.max(...turns) > 1, `more than one connection in one turn (turns: ${turns.join(',')})`);
});
