// Stress of the data paths in this process: thousands of connections through three echo backends and one that
// never accepts (dials time out and fail over), with random sizes and chunking, client half-closes, client
// resets, slow readers, backends that cut a connection mid-stream and one backend that dies and comes back.
// Every connection's reply must be its own bytes in order (a prefix where a side was cut), every client must
// finish, and once all is closed this process holds exactly the descriptors it held before.
// GATEWAY_ADDON points at another build of the addon (scripts/asan-gateway.sh); GATEWAY_STRESS_CONNS scales it and
// GATEWAY_STRESS_PATHS=native runs only the native data path.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { openDescriptors } from '../../../core/limits.js';
import { createJsDataPath } from '../../../gateway/datapath.js';
import type { DataPath, DataPathEvents } from '../../../gateway/datapath.js';
import type { Endpoint } from '../../../gateway/endpoint.js';
import { createNativeDataPath, loadAddon } from '../../../gateway/native.js';
import { createRemotes } from '../../../gateway/remotes.js';
import type { RemoteView } from '../../../gateway/remotes.js';
import { noopLogger } from '../../../core/log.js';
import { resetSocket } from '../../../core/socket-reset.js';
import { eventually } from '../../helpers/etcd.js';
import { DATA_PATHS } from '../../helpers/gateway.js';

const CONNS = Number(process.env.GATEWAY_STRESS_CONNS ?? 3000);
const PARALLEL = 150;

type Mode = 'halfclose' | 'slow' | 'reset' | 'cut';

/** A backend that echoes; a header byte 'C' asks it to cut the connection after some bytes. */
interface Backend { port: number; close(): Promise<void>; start(): Promise<void> }

function backend(port = 0): Backend {
  const socks = new Set<net.Socket>();
  let server: net.Server | undefined;
  let bound = port;
  const start = (): Promise<void> => new Promise((resolve, reject) => {
    server = net.createServer({ allowHalfOpen: true }, (s) => {
      socks.add(s);
      s.on('close', () => socks.delete(s));
      s.on('error', () => undefined);
      let seen = 0;
      let cutAt = -1;
      s.on('data', (d: Buffer) => {
        if (seen === 0 && d[0] === 0x43) cutAt = 1000 + (d[1] ?? 0) * 64;
        seen += d.length;
        if (!s.write(d)) { s.pause(); s.once('drain', () => s.resume()); }
        if (cutAt >= 0 && seen >= cutAt) s.resetAndDestroy();
      });
      s.on('end', () => s.end());
    });
    server.once('error', reject);
    server.listen(bound, '127.0.0.1', () => { bound = (server?.address() as net.AddressInfo).port; resolve(); });
  });
  return {
    get port() { return bound; },
    start,
    // Dies as a crashed process does, resetting its connections; one that has already ended its side (its FIN on
    // its way) is destroyed instead (resetSocket: Node's reset would leak its descriptor there).
    close: () => new Promise((resolve) => { for (const s of socks) resetSocket(s); if (server) server.close(() => resolve()); else resolve(); }),
  };
}

/** A listener that never accepts, its queue full: connects to it hang until the dial timeout. */
async function blackhole(): Promise<{ port: number; close(): void }> {
  const py = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()'],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  // Fill the accept queue (backlog 0 still takes one or two), so later SYNs are dropped.
  const fillers = Array.from({ length: 3 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await new Promise((r) => setTimeout(r, 200));
  return { port, close: () => { for (const f of fillers) f.destroy(); py.kill('SIGKILL'); } };
}

function ep(port: number): Endpoint {
  return { key: `127.0.0.1:${port}`, host: '127.0.0.1', port, scheme: undefined, priority: 0, weight: 0 };
}

/** One client: sends its bytes as the mode says; resolves with what was sent and what came back. */
function client(port: number, mode: Mode, size: number): Promise<{ sent: Buffer; got: Buffer; complete: boolean; startedMs: number; endedMs: number }> {
  return new Promise((resolve, reject) => {
    const data = randomBytes(size);
    if (mode === 'cut') data[0] = 0x43;
    else if (data[0] === 0x43) data[0] = 0x44;
    const startedMs = performance.now();
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let ended = false;
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`client ${mode} ${size} did not finish`)); }, 30_000);
    c.on('data', (d: Buffer) => {
      chunks.push(d);
      if (mode === 'slow') { c.pause(); setTimeout(() => c.resume(), 5); }
    });
    c.on('end', () => { ended = true; c.end(); });
    c.on('error', () => undefined);
    c.on('close', () => { clearTimeout(timer); resolve({ sent: data, got: Buffer.concat(chunks), complete: ended, startedMs, endedMs: performance.now() }); });
    c.once('connect', () => {
      let off = 0;
      const writeMore = (): void => {
        while (off < data.length) {
          const n = Math.min(data.length - off, 1 + Math.floor(Math.random() * 32768));
          const chunk = data.subarray(off, off + n);
          off += n;
          if (mode === 'reset' && off > data.length / 2) { setTimeout(() => c.resetAndDestroy(), Math.random() * 10); return; }
          if (!c.write(chunk)) { c.once('drain', writeMore); return; }
        }
        if (mode !== 'reset') c.end();
        // An empty reset client has nothing to send half of: it resets at once (else it waits for its timeout).
        else if (data.length === 0) setTimeout(() => c.resetAndDestroy(), Math.random() * 10);
      };
      writeMore();
    });
  });
}

const PATHS = DATA_PATHS.filter((p) => (process.env.GATEWAY_STRESS_PATHS ?? 'native,js').split(',').includes(p));

for (const dataPath of PATHS) {
  test(`stress: ${CONNS} connections, half-closes, resets, slow readers, cuts, a dying endpoint, dial timeouts [${dataPath}]`, async (t) => {
    const backends = [backend(), backend(), backend()];
    for (const b of backends) await b.start();
    const hole = await blackhole();
    t.after(async () => { hole.close(); for (const b of backends) await b.close(); });
    const fdsBefore = openDescriptors();

    const eps = [...backends.map((b) => ep(b.port)), ep(hole.port)];
    const views = (): RemoteView[] => eps.map((e) => ({ endpoint: e, up: true, failures: 0 }));
    let dialFailures = 0;
    let dp: DataPath | undefined;
    // Every endpoint stays "up" for the data path: failed dials keep happening, so failover is exercised throughout.
    const events: DataPathEvents = { onDialFailure: () => { dialFailures++; dp?.setEndpoints(views()); }, onNoEndpoint: () => undefined, onRefused: () => undefined };
    const common = { dialTimeoutMs: 200, idleTimeoutMs: 0, maxConnections: 100_000, events };
    if (dataPath === 'native') {
      const addon = loadAddon(process.env.GATEWAY_ADDON);
      assert.equal(typeof addon, 'object', `the addon loads (${String(addon)})`);
      if (typeof addon === 'string') return;
      dp = createNativeDataPath({ ...common, addon });
    } else {
      const remotes = createRemotes({ initialRetryMs: 100, retryDelayMs: 200, probe: async () => undefined, logger: noopLogger() });
      remotes.set(eps);
      t.after(() => remotes.close());
      dp = createJsDataPath({ ...common, events: { ...events, onDialFailure: () => { dialFailures++; } }, remotes });
    }
    const opened = dp;
    t.after(() => opened.close(0)); // also on failure, so the test process can end
    const { port } = await dp.listen({ host: '127.0.0.1', port: 0 }, '--listen-addr');
    dp.setEndpoints(views());
    await new Promise((r) => setTimeout(r, 50));

    const modes: Mode[] = ['halfclose', 'halfclose', 'halfclose', 'slow', 'reset', 'cut'];
    let done = 0;
    let complete = 0;
    let next = 0;
    const failures: string[] = [];
    // When the second backend dies: a connection open then may end cleanly after part of its bytes (see backend()).
    let diedMs = Infinity;
    const worker = async (): Promise<void> => {
      while (next < CONNS) {
        const i = next++;
        // The second backend dies a third of the way in and comes back at two thirds.
        if (i === Math.floor(CONNS / 3)) { diedMs = performance.now(); void backends[1]?.close(); }
        if (i === Math.floor((2 * CONNS) / 3)) await backends[1]?.start().catch(() => undefined);
        const mode = modes[i % modes.length] ?? 'halfclose';
        const size = mode === 'slow' ? 256 * 1024 + Math.floor(Math.random() * 768 * 1024) : Math.random() < 0.1 ? 1 + Math.floor(Math.random() * 512 * 1024) : Math.floor(Math.random() * 8192);
        const r = await client(port, mode, size);
        done++;
        const prefix = r.got.length <= r.sent.length && r.sent.subarray(0, r.got.length).equals(r.got);
        if (!prefix) failures.push(`${mode} ${size}: reply is not a prefix of the bytes sent (${r.got.length} bytes)`);
        const openAtDeath = r.startedMs <= diedMs && r.endedMs >= diedMs;
        if (r.complete && mode === 'halfclose' && r.got.length !== r.sent.length && r.got.length > 0 && !openAtDeath) {
          failures.push(`${mode} ${size}: clean end after ${r.got.length} of ${r.sent.length} bytes`);
        }
        if (r.complete && r.got.length === r.sent.length) complete++;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    assert.deepEqual(failures.slice(0, 5), []);
    assert.equal(done, CONNS);
    assert.ok(complete > CONNS / 2, `${complete} of ${CONNS} connections completed in full`);
    assert.ok(dialFailures > 0, 'dials timed out or were refused and failed over');
    await eventually(async () => dp?.active() === 0, 10_000, 50);
    assert.equal(dp.accepted(), CONNS);
    const b = dp.bytes();
    assert.ok(b.in > 0 && b.out > 0);
    assert.equal(await dp.close(1000), 0);
    t.diagnostic(`${CONNS} connections, ${complete} complete, ${dialFailures} failed dials, ${(b.in / 1048576).toFixed(0)} MiB each way`);
    await eventually(async () => openDescriptors() <= fdsBefore, 5000, 50)
      .catch(() => assert.equal(openDescriptors(), fdsBefore, 'descriptors held after everything closed'));
  });
}

test('the addon refuses a handle that is not its own with a TypeError instead of crashing', () => {
  const addon = loadAddon(process.env.GATEWAY_ADDON);
  assert.equal(typeof addon, 'object', `the addon loads (${String(addon)})`);
  if (typeof addon === 'string') return;
  const bogus = {};
  for (const call of [() => addon.stats(bogus), () => addon.port(bogus), () => addon.setEndpoints(bogus, []), () => addon.close(bogus, 0), () => addon.join(bogus)]) {
    assert.throws(call, (err: Error) => err instanceof TypeError && /not a gateway relay handle/.test(err.message));
  }
});
