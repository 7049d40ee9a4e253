// The gateway's descriptor limits, on both data paths: started under `ulimit -n 512` (soft = hard, so nothing
// to raise) with 900 idle connections held open, it caps connections at the derived figure, closes the rest at
// accept and counts them, /metrics keeps answering, and etcdctl through it is served again within 5 s after the
// idle connections close.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { deriveMaxConnections } from '../../core/limits.js';
import { BIN, cleanEnv } from '../helpers/bin.js';
import { etcdctl, eventually } from '../helpers/etcd.js';
import { peerEntry, startMember } from '../helpers/etcd-member.js';
import { DATA_PATHS, GATEWAY_READY } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';

const IDLE = 900;
const NOFILE = 512;

for (const dataPath of DATA_PATHS) {
  test(`under ulimit -n ${NOFILE}, ${IDLE} idle connections: capped, refusals counted, /metrics answers, served again after [${dataPath}]`, async (t) => {
    const [client, peer, listen, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const m = await startMember(t, { name: 'lim', clientPort: client, peerPort: peer, initialCluster: peerEntry('lim', peer), state: 'new' });
    const args = ['gateway', 'start', '--data-path', dataPath, '--listen-addr', `127.0.0.1:${listen}`, '--endpoints', m.clientUrl,
      '--listen-metrics-urls', `http://127.0.0.1:${metricsPort}`, '--endpoints-auto-sync-interval', '0'];
    const cmd = `ulimit -n ${NOFILE}; exec "$0" "$@"`;
    const gw = spawn('sh', ['-c', cmd, process.execPath, BIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    gw.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number>((r) => gw.once('exit', (code) => r(code ?? 1)));
    t.after(() => { if (gw.exitCode === null) gw.kill('SIGKILL'); });
    await eventually(async () => GATEWAY_READY.test(err), 30_000, 50);

    const cap = deriveMaxConnections({ nofile: NOFILE, fdsPerConnection: 2 });
    assert.match(err, new RegExp(`"dataPath":"${dataPath}","nofile":${NOFILE},"nofileBefore":${NOFILE},"maxConnections":${cap}`));
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
      return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    };

    const socks: net.Socket[] = [];
    t.after(() => { for (const s of socks) s.destroy(); });
    for (let i = 0; i < IDLE; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, IDLE - i) }, () => new Promise<void>((resolve) => {
        const s = net.connect(listen, '127.0.0.1');
        s.on('error', () => undefined);
        s.once('connect', () => resolve());
        s.once('close', () => resolve());
        socks.push(s);
      })));
    }
    const active = await eventually(async () => { const a = await metric('etcd_edge_gateway_connections_active'); return a === cap ? a : undefined; }, 10_000, 100);
    assert.equal(active, cap);
    const refused = await eventually(async () => { const r = await metric('etcd_edge_gateway_refused_connections_total'); return r >= IDLE - cap ? r : undefined; }, 10_000, 100);
    assert.ok(refused >= IDLE - cap, `refused ${refused}`);
    assert.match(err, /connection cap reached/);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status, 200);

    for (const s of socks) s.destroy();
    const t0 = Date.now();
    await eventually(async () => (await etcdctl(['--endpoints', `127.0.0.1:${listen}`, '--dial-timeout', '1s', 'put', '/lim/k', 'v'], { timeoutMs: 3000 })).code === 0, 5000, 100);
    t.diagnostic(`served again ${Date.now() - t0} ms after the idle connections closed`);
    assert.equal((await etcdctl(['--endpoints', `127.0.0.1:${listen}`, 'get', '/lim/k', '--print-value-only'])).stdout.trim(), 'v');
    gw.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
}
