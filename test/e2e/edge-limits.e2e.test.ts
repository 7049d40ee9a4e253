// The proxy under abuse, with a real etcd member behind it and real clients: a proxy started under `ulimit -n 512`
// keeps answering /metrics while 900 idle connections are held and serves again once they close; a raw client
// that writes a 2.67 MB body at once reads a 413; 400 and 405 answers; a proxy that would lend its client
// certificate on plain http refuses to start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { BIN, cleanEnv, runBin } from '../helpers/bin.js';
import { eventually, requireTool, tempDir } from '../helpers/etcd.js';
import { peerEntry, startMember } from '../helpers/etcd-member.js';
import { freePort } from '../helpers/ports.js';
import { curl } from './proxy-support.js';

async function oneMember(t: TestContext): Promise<string> {
  requireTool('etcd', 'etcd-server');
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const m = await startMember(t, { name: 'm1', clientPort, peerPort, initialCluster: peerEntry('m1', peerPort), state: 'new' });
  return m.peerUrl;
}

/** Starts the proxy bin under `ulimit -n 512` through sh, as an operator's unit with a low limit would. */
async function lowLimitProxy(t: TestContext, peerUrl: string): Promise<{ url: string; port: number; metricsUrl: string; stderr: () => string }> {
  const [port, mport] = [await freePort(), await freePort()];
  const args = ['proxy', '--listen-client-urls', `http://127.0.0.1:${port}`, '--listen-metrics-urls', `http://127.0.0.1:${mport}`,
    '--initial-cluster', `m1=${peerUrl}`, '--data-dir', tempDir(t, 'proxy-limits-'), '--proxy-shutdown-timeout', '500'];
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('sh', ['-c', `ulimit -n 512; exec ${quoted}`], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    assert.equal(await exited, 0, `proxy exit code\n${err.slice(-2000)}`);
  });
  await eventually(async () => /"msg":"ready to proxy client requests"/.test(err), 30_000, 100);
  return { url: `http://127.0.0.1:${port}`, port, metricsUrl: `http://127.0.0.1:${mport}`, stderr: () => err };
}

function holdIdle(t: TestContext, port: number, n: number): Promise<net.Socket[]> {
  const all: net.Socket[] = [];
  t.after(() => all.forEach((s) => s.destroy()));
  return Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve());
    s.on('error', () => resolve());
    all.push(s);
  }))).then(() => all);
}

/** Writes head and body in one go, reads only afterwards, until the server closes. */
function writeThenRead(port: number, data: Buffer): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.write(data); });
    let text = '';
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ text, error: e.code ?? e.message }));
    s.on('close', () => resolve({ text }));
    setTimeout(() => s.destroy(), 15_000).unref();
  });
}

test('under ulimit -n 512, 900 idle connections: /metrics answers and counts refusals; clients are served within 5 s after they close', async (t) => {
  const peer = await oneMember(t);
  const p = await lowLimitProxy(t, peer);
  assert.match(p.stderr(), /"soft":512[^\n]*"maxConnections":224[^\n]*"msg":"open-file limit"/);
  const idle = await holdIdle(t, p.port, 900);
  // Connected sockets may still sit in the accept backlog for a moment: every one is accepted and decided soon.
  let metrics = { code: 1, stdout: '' };
  let refused = 0;
  await eventually(async () => {
    metrics = await curl(['-m', '5', `${p.metricsUrl}/metrics`]);
    assert.equal(metrics.code, 0, 'the metrics listener answers');
    refused = Number(/^etcd_edge_proxy_refused_connections_total (\d+)/m.exec(metrics.stdout)?.[1]);
    return refused >= 900 - 224;
  }, 10_000, 200).catch(() => assert.fail(`refused ${refused} of 900 with a cap of 224`));
  assert.match(metrics.stdout, /^etcd_edge_proxy_connections 224$/m);
  assert.match(p.stderr(), /"msg":"connection cap reached; closing new connections"/);
  assert.equal((await curl(['-m', '3', '-o', '/dev/null', '-w', '%{http_code}', `${p.metricsUrl}/readyz`])).stdout, '200');
  idle.forEach((s) => s.destroy());
  const t0 = Date.now();
  const put = ['-m', '1', '-o', '/dev/null', '-w', '%{http_code}', '-XPOST', `${p.url}/v3/kv/put`, '-d', JSON.stringify({ key: 'bGltaXRz', value: 'MQ==' })];
  await eventually(async () => (await curl(put)).stdout === '200', 5000, 100);
  t.diagnostic(`served again ${Date.now() - t0} ms after the idle connections closed`);
});

test('bad HTTP through a real proxy: 413 for a 2.67 MB body written at once, 400 without a version, 405 for CONNECT and TRACE', async (t) => {
  const peer = await oneMember(t);
  const p = await lowLimitProxy(t, peer);
  const body = Buffer.from(JSON.stringify({ key: Buffer.from('big').toString('base64'), value: Buffer.alloc(2_000_000, 7).toString('base64') }));
  assert.ok(body.length > 2_660_000 && body.length < 2_680_000, String(body.length));
  const head = Buffer.from(`POST /v3/kv/put HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  const big = await writeThenRead(p.port, Buffer.concat([head, body]));
  assert.match(big.text, /^HTTP\/1\.1 413 /, `${JSON.stringify(big.text.slice(0, 100))} ${big.error ?? ''}`);
  const noVersion = await writeThenRead(p.port, Buffer.from('GET /v2/keys/foo\r\n\r\n'));
  assert.match(noVersion.text, /^HTTP\/1\.1 400 /);
  const connect = await writeThenRead(p.port, Buffer.from('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'));
  assert.match(connect.text, /^HTTP\/1\.1 405 [^]*method CONNECT is not forwarded/);
  const trace = await curl(['-m', '5', '-X', 'TRACE', '-w', ' %{http_code}', `${p.url}/v2/keys/foo`]);
  assert.match(trace.stdout, /method TRACE is not forwarded[^]* 405$/);
  const stored = await curl(['-m', '5', '-XPOST', `${p.url}/v3/kv/range`, '-d', JSON.stringify({ key: Buffer.from('big').toString('base64') })]);
  assert.doesNotMatch(stored.stdout, /"kvs"/, 'the oversized put never reached the member');
});

test('a proxy that would lend its client certificate on plain http refuses to start (exit 2), and on a non-loopback address even with the flag', async (t) => {
  const dir = tempDir(t);
  const peerTls = ['--peer-cert-file', `${dir}/c.crt`, '--peer-key-file', `${dir}/c.key`, '--initial-cluster', 'a=https://127.0.0.1:1', '--data-dir', dir];
  const plain = await runBin(['proxy', '--listen-client-urls', 'http://127.0.0.1:1', ...peerTls], { timeoutMs: 20_000 });
  assert.equal(plain.code, 2, plain.stderr);
  assert.match(plain.stderr, /error: the proxy would present the client certificate .* plain http checks no client certificate \[EDGE_CONFIG_INVALID\]/);
  assert.match(plain.stderr, /hint: .*--client-cert-auth.*--insecure-unauthenticated-listener/);
  const wide = await runBin(['proxy', '--listen-client-urls', 'http://0.0.0.0:1', '--proxy-rewrite-member-urls=false', '--insecure-unauthenticated-listener', ...peerTls], { timeoutMs: 20_000 });
  assert.equal(wide.code, 2, wide.stderr);
  assert.match(wide.stderr, /allows loopback addresses only/);
});
