// The gateway bin under connection load, without etcd: a client is closed at once when no endpoint is up, and
// 1,000 concurrent idle connections keep the gateway's memory bounded (RSS read from /proc, reported) with no
// socket left behind once the clients go. Fd limits are raised per child with prlimit, as the gateway holds 2
// fds per connection.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { cleanEnv } from '../helpers/bin.js';
import { eventually, requireTool } from '../helpers/etcd.js';
import { DATA_PATHS, startGatewayBin } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';

const CONNECTIONS = 1000;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

/** Raises a running process's soft fd limit to `need` (or fails saying why). */
function raiseFdLimit(pid: number, need: number): void {
  requireTool('prlimit', 'util-linux');
  const hard = execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim();
  if (hard !== 'unlimited' && Number(hard) < need) throw new Error(`the hard fd limit is ${hard}; this test needs ${need} (raise it: ulimit -Hn ${need})`);
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${need}:`]);
}

// The clients' side in a child of its own (its fds would not fit the test runner's limit): a backend that greets
// each connection, then N clients through the gateway, each waiting for the greeting; they stay idle until stdin ends.
const CLIENTS = `
import net from 'node:net';
const backend = net.createServer((s) => { s.on('error', () => {}); s.write('hi\\n'); });
backend.listen(0, '127.0.0.1', () => console.log('backend ' + backend.address().port));
const socks = [];
process.stdin.once('data', async (line) => {
  const [, port, n] = String(line).trim().split(' ').map(Number);
  for (let i = 0; i < n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('error', reject);
      c.once('data', () => resolve());
      socks.push(c);
    })));
  }
  console.log('connected ' + socks.length);
  process.stdin.once('end', () => { for (const c of socks) c.destroy(); backend.close(); console.log('done'); });
});
`;

for (const dataPath of DATA_PATHS) {
  test(`no endpoint up: the client connection is closed at once, with nothing written [${dataPath}]`, async (t) => {
    const gw = await startGatewayBin(t, ['--data-path', dataPath, '--listen-addr', `127.0.0.1:${await freePort()}`, '--endpoints', `127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}`]);
    const [host, port] = [gw.addr.split(':')[0] ?? '', Number(gw.addr.split(':')[1])];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const got = await new Promise<{ data: string; ms: number }>((resolve) => {
        const c = net.connect(port, host);
        let data = '';
        c.on('data', (d: Buffer) => { data += d.toString(); });
        c.on('error', () => undefined);
        c.on('close', () => resolve({ data, ms: Date.now() - t0 }));
        c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      assert.equal(got.data, '');
      assert.ok(got.ms < 2000, `closed after ${got.ms}ms`);
    }
    assert.equal(await gw.stop(), 0);
  });

  test(`${CONNECTIONS} concurrent idle connections: bounded memory, nothing leaked [${dataPath}]`, async (t) => {
    const clients = spawn(process.execPath, ['--input-type=module', '-e', CLIENTS], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => { clients.kill('SIGKILL'); });
    raiseFdLimit(clients.pid ?? 0, 4 * CONNECTIONS + 256);
    let out = '';
    clients.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const backendPort = Number((await eventually(async () => /backend (\d+)/.exec(out) ?? undefined, 10_000, 20))[1]);

    const metricsPort = await freePort();
    const gw = await startGatewayBin(t, ['--data-path', dataPath, 
      '--listen-addr', `127.0.0.1:${await freePort()}`, '--endpoints', `127.0.0.1:${backendPort}`,
      '--listen-metrics-urls', `http://127.0.0.1:${metricsPort}`, '--endpoints-auto-sync-interval', '0',
    ]);
    const pid = gw.proc.child.pid ?? 0;
    raiseFdLimit(pid, 4 * CONNECTIONS + 256);
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    };
    await metric('etcd_edge_gateway_connections_active');
    const before = rssKb(pid);

    clients.stdin.write(`go ${gw.addr.split(':')[1]} ${CONNECTIONS}\n`);
    await eventually(async () => out.includes(`connected ${CONNECTIONS}`), 60_000, 100);
    assert.equal(await metric('etcd_edge_gateway_connections_active'), CONNECTIONS);
    await new Promise((r) => setTimeout(r, 1000));
    const during = rssKb(pid);
    const perConnKb = (during - before) / CONNECTIONS;
    t.diagnostic(`gateway RSS: ${(before / 1024).toFixed(1)} MiB idle, ${(during / 1024).toFixed(1)} MiB with ${CONNECTIONS} idle connections (${perConnKb.toFixed(1)} KiB per connection)`);
    assert.ok(during - before < 64 * 1024, `RSS grew by ${during - before} kB for ${CONNECTIONS} connections`);

    clients.stdin.end();
    await eventually(async () => out.includes('done'), 20_000, 100);
    await eventually(async () => (await metric('etcd_edge_gateway_connections_active')) === 0, 20_000, 100);
    assert.equal(await metric('etcd_edge_gateway_connections_total'), CONNECTIONS);
    const fds = execFileSync('ls', [`/proc/${pid}/fd`]).toString().trim().split('\n').length;
    assert.ok(fds < 100, `the gateway holds ${fds} fds after the clients left`);
    assert.equal(await gw.stop(), 0);
  });
}
