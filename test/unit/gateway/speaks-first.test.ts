// Byte order corner cases of the data paths: an endpoint that speaks first (its bytes arrive with the dial's
// completion), a client whose bytes and FIN are all there before the dial completes, an endpoint that closes while
// a slow client still has bytes queued (all are delivered, then the FIN), and an endpoint that resets (the client
// gets a reset, not a clean end).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { createJsDataPath } from '../../../gateway/datapath.js';
import type { DataPath, DataPathEvents } from '../../../gateway/datapath.js';
import { createNativeDataPath, loadAddon } from '../../../gateway/native.js';
import { createRemotes } from '../../../gateway/remotes.js';
import { noopLogger } from '../../../core/log.js';
import { DATA_PATHS } from '../../helpers/gateway.js';

/** A backend that writes "hello\\n" at accept, then waits for the FIN and closes. */
const GREETER = [
  'import socket, threading',
  's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(512)',
  'print(s.getsockname()[1], flush=True)',
  'def serve(c):',
  '  c.sendall(b"hello\\n")',
  '  while c.recv(4096): pass',
  '  c.close()',
  'while True:',
  '  c, _ = s.accept()',
  '  threading.Thread(target=serve, args=(c,), daemon=True).start()',
].join('\n');

/** Starts a backend on loopback; `onConn` gets each accepted socket. */
async function backend(onConn: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => undefined); onConn(s); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Connects through the gateway and writes `send` then ends, or, with a number, ends once that many bytes came;
 * resolves with what came back before the gateway's FIN. */
function exchange(port: number, send: Buffer | number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { c.destroy(); reject(new Error('no end from the gateway within 5 s')); }, 5000);
    let got = 0;
    c.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (typeof send === 'number' && got === send) c.end();
    });
    c.on('end', () => { clearTimeout(timer); if (typeof send !== 'number') c.end(); resolve(Buffer.concat(chunks)); });
    c.on('error', (err) => { clearTimeout(timer); reject(err); });
    if (typeof send !== 'number') { c.write(send); c.end(); }
  });
}

async function dataPath(kind: string, port: number, t: { after(fn: () => unknown): void }): Promise<{ dp: DataPath; port: number }> {
  const events: DataPathEvents = { onDialFailure: () => undefined, onNoEndpoint: () => undefined, onRefused: () => undefined };
  const common = { dialTimeoutMs: 1000, idleTimeoutMs: 0, maxConnections: 1000, events };
  const ep = { key: `127.0.0.1:${port}`, host: '127.0.0.1', port, scheme: undefined, priority: 0, weight: 0 };
  let dp: DataPath;
  if (kind === 'native') {
    const addon = loadAddon(process.env.GATEWAY_ADDON);
    if (typeof addon === 'string') throw new Error(`the addon does not load: ${addon}`);
    dp = createNativeDataPath({ ...common, addon });
  } else {
    const remotes = createRemotes({ initialRetryMs: 100, retryDelayMs: 200, probe: async () => undefined, logger: noopLogger() });
    remotes.set([ep]);
    t.after(() => remotes.close());
    dp = createJsDataPath({ ...common, remotes });
  }
  t.after(() => dp.close(0));
  const bound = await dp.listen({ host: '127.0.0.1', port: 0 }, '--listen-addr');
  dp.setEndpoints([{ endpoint: ep, up: true, failures: 0 }]);
  await new Promise((r) => setTimeout(r, 50));
  return { dp, port: bound.port };
}

for (const kind of DATA_PATHS) {
  test(`an endpoint that speaks first and waits: the client gets its greeting [${kind}]`, async (t) => {
    const greeting = Buffer.from('hello\n');
    // The backend is a process of its own that greets at accept, so greetings race the gateway's dial handling.
    const py = spawn('python3', ['-c', GREETER], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => { py.kill('SIGKILL'); });
    const backendPort = await new Promise<number>((resolve) => py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const { port } = await dataPath(kind, backendPort, t);
    // Many at once, so that greetings often arrive before the gateway has handled its dial's completion.
    const got = await Promise.all(Array.from({ length: 200 }, () => exchange(port, greeting.length)));
    for (const g of got) assert.ok(g.equals(greeting));
  });

  test(`a client whose bytes and FIN precede the dial: the endpoint echoes them all [${kind}]`, async (t) => {
    const server = await backend((s) => { s.pipe(s); });
    t.after(() => new Promise((r) => server.close(r)));
    const { port } = await dataPath(kind, (server.address() as net.AddressInfo).port, t);
    const body = Buffer.alloc(100_000, 7);
    for (let i = 0; i < 20; i++) assert.ok((await exchange(port, body)).equals(body));
  });

  test(`an endpoint that sends and closes while the client reads slowly: every byte, then the FIN [${kind}]`, async (t) => {
    const payload = Buffer.alloc(4 * 1024 * 1024, 9);
    // Sends the payload, and ends once the client has ended (both directions done, so the gateway closes it).
    const server = await backend((s) => { s.write(payload); s.on('end', () => s.end()); s.resume(); });
    t.after(() => new Promise((r) => server.close(r)));
    const { port } = await dataPath(kind, (server.address() as net.AddressInfo).port, t);
    const got = await new Promise<number>((resolve, reject) => {
      const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      let n = 0;
      const timer = setTimeout(() => { c.destroy(); reject(new Error(`no end within 10 s (${n} bytes)`)); }, 10_000);
      c.on('error', (err) => { clearTimeout(timer); reject(err); });
      // Half-closes at once, then reads in small steps with pauses, so the gateway's queue toward it stays full.
      c.once('connect', () => { c.end(); c.pause(); setTimeout(() => c.resume(), 300); });
      c.on('data', (d: Buffer) => { n += d.length; c.pause(); setTimeout(() => c.resume(), 1); });
      c.on('end', () => { clearTimeout(timer); resolve(n); });
    });
    assert.equal(got, payload.length);
  });

  test(`an endpoint that resets mid-stream: the client gets a reset, not a clean end [${kind}]`, async (t) => {
    // Echoes the first chunk, then resets (it never ends its side, so the reset is a real RST).
    const server = await backend((s) => { s.once('data', (d: Buffer) => { s.write(d, () => setTimeout(() => s.resetAndDestroy(), 50)); }); });
    t.after(() => new Promise((r) => server.close(r)));
    const { port } = await dataPath(kind, (server.address() as net.AddressInfo).port, t);
    for (let i = 0; i < 5; i++) {
      const outcome = await new Promise<string>((resolve) => {
        const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        const timer = setTimeout(() => { c.destroy(); resolve('no end within 5 s'); }, 5000);
        c.on('error', (err: NodeJS.ErrnoException) => { clearTimeout(timer); resolve(err.code ?? err.message); });
        c.on('end', () => { clearTimeout(timer); resolve('clean end'); c.destroy(); });
        c.once('connect', () => c.write('ping'));
        c.resume();
      });
      assert.equal(outcome, 'ECONNRESET');
    }
  });
}
