// `etcd-edge tunnel` through a real OpenSSH sshd on loopback to `etcd-edge gateway start` in front of a real
// 3-member cluster, driven by etcdctl: -L and -R traffic, reconnect after the sshd session is killed, -R retry
// while sshd holds the port, host-key refusals and --accept-new, auth errors, and a clean SIGTERM.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { cleanEnv, runBin, spawnBin } from '../helpers/bin.js';
import type { BinProcess } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool, startBundledCluster } from '../helpers/etcd.js';
import { freePort } from '../helpers/ports.js';
import { sshKeygen, startSshd } from '../helpers/sshd.js';

interface Ready { forwards: { kind: string; listen: string }[]; metrics: string[] }

async function startTunnel(t: TestContext, args: readonly string[]): Promise<{ proc: BinProcess; ready: Ready }> {
  const proc = spawnBin(['tunnel', ...args], { env: cleanEnv() });
  t.after(() => proc.stop());
  await proc.waitFor(/"msg":"tunnel ready"/, 30_000);
  const line = proc.stderr().split('\n').find((l) => l.includes('"msg":"tunnel ready"')) ?? '';
  return { proc, ready: JSON.parse(line) as Ready };
}

const portOf = (addr: string | undefined): number => Number(/:(\d+)$/.exec(addr ?? '')?.[1]);

async function putGet(port: number, key: string, value: string): Promise<string> {
  const ep = `127.0.0.1:${port}`;
  const put = await etcdctl(['--endpoints', ep, '--dial-timeout', '5s', 'put', key, value]);
  assert.equal(put.code, 0, put.stderr);
  return (await etcdctl(['--endpoints', ep, '--dial-timeout', '5s', 'get', key, '--print-value-only'])).stdout.trim();
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms}ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

test('etcd-edge tunnel through a real OpenSSH sshd', { timeout: 240_000 }, async (t) => {
  requireTool('etcdctl', 'etcd-client');
  const cluster = await startBundledCluster(t);
  const gw = spawnBin(['gateway', 'start', '--listen-addr', '127.0.0.1:0', '--endpoints', cluster.clientUrls.join(',')], { env: cleanEnv() });
  t.after(() => gw.stop());
  const gwPort = portOf((await gw.waitFor(/"listenAddr":"([^"]+)"[^\n]*"msg":"ready to proxy client requests"/))[1]);
  const sshd = await startSshd(t);
  const ssh = ['--ssh', `root@127.0.0.1:${sshd.port}`, '--identity', sshd.clientKey];

  await t.test('-L and -R carry etcdctl to the gateway, survive a killed sshd session, and stop cleanly on SIGTERM', async (t2) => {
    const rPort = await freePort();
    const { proc, ready } = await startTunnel(t2, [...ssh, '--known-hosts', sshd.knownHosts, '-L', `0:127.0.0.1:${gwPort}`,
      '-R', `${rPort}:127.0.0.1:${gwPort}`, '--listen-metrics-urls', 'http://127.0.0.1:0']);
    const lPort = portOf(ready.forwards.find((f) => f.kind === 'L')?.listen);
    assert.equal(ready.forwards.find((f) => f.kind === 'R')?.listen, `127.0.0.1:${rPort}`);
    assert.equal(await putGet(lPort, 'tunnel/l', 'via-L'), 'via-L');
    assert.equal(await putGet(rPort, 'tunnel/r', 'via-R'), 'via-R');
    const metricsUrl = `http://${ready.metrics[0] ?? ''}/metrics`;
    const before = await (await fetch(metricsUrl)).text();
    assert.match(before, /^etcd_edge_tunnel_connected 1$/m);
    assert.match(before, /^etcd_edge_tunnel_sent_bytes_total\{forward="-L 127\.0\.0\.1:0:127\.0\.0\.1:\d+"\} [1-9]/m);

    const inFlight = net.connect({ host: '127.0.0.1', port: lPort });
    await new Promise((resolve) => inFlight.once('connect', resolve));
    const inFlightClosed = new Promise((resolve) => inFlight.once('close', resolve));
    inFlight.on('error', () => undefined);
    const sessions = sshd.sessionPids();
    assert.equal(sessions.length, 1, 'one sshd session for the tunnel');
    process.kill(sessions[0] as number, 'SIGKILL');
    await within(inFlightClosed, 15_000, 'closing the connection in flight');
    await proc.waitFor(/"msg":"tunnel reconnected"/, 30_000);
    assert.match(proc.stderr(), /"msg":"tunnel disconnected"/);
    assert.equal(await eventually(async () => (await putGet(lPort, 'tunnel/l', 'again-L')) === 'again-L', 20_000), true);
    assert.equal(await eventually(async () => (await putGet(rPort, 'tunnel/r', 'again-R')) === 'again-R', 20_000), true);
    assert.match(await (await fetch(metricsUrl)).text(), /^etcd_edge_tunnel_reconnects_total 1$/m);

    assert.equal(await proc.stop(), 0);
    assert.equal(await refused(lPort), true, 'the -L listener is closed');
    await eventually(() => refused(rPort), 10_000);
    await eventually(async () => sshd.sessionPids().length === 0, 10_000);
  });

  await t.test('-R retries while another session holds the port, and binds once it is released', async (t2) => {
    const rPort = await freePort();
    const holder = await startTunnel(t2, [...ssh, '--known-hosts', sshd.knownHosts, '-R', `${rPort}:127.0.0.1:${gwPort}`]);
    const second = spawnBin(['tunnel', ...ssh, '--known-hosts', sshd.knownHosts, '-R', `${rPort}:127.0.0.1:${gwPort}`], { env: cleanEnv() });
    t2.after(() => second.stop());
    await second.waitFor(/"msg":"remote forward not bound; retrying"/, 20_000);
    assert.equal(await holder.proc.stop(), 0);
    await second.waitFor(/"msg":"tunnel ready"/, 30_000);
    assert.equal(await putGet(rPort, 'tunnel/r2', 'retried'), 'retried');
    assert.equal(await second.stop(), 0);
  });

  await t.test('host keys: a wrong pin and an unknown host are refused showing the offered key; --accept-new records then verifies', async () => {
    const fwd = ['-L', `0:127.0.0.1:${gwPort}`];
    const pinned = await runBin(['tunnel', ...ssh, ...fwd, '--host-key-fingerprint', `SHA256:${'A'.repeat(43)}`]);
    assert.equal(pinned.code, 1, pinned.stderr);
    assert.match(pinned.stderr, /\[EDGE_SSH_HOSTKEY_MISMATCH\]/);
    assert.ok(pinned.stderr.includes(`offered ED25519 key ${sshd.fingerprint}`), pinned.stderr);
    assert.ok(pinned.stderr.includes(`--host-key-fingerprint ${sshd.fingerprint}`), pinned.stderr);

    const otherHost = path.join(sshd.dir, 'known_hosts_other');
    writeFileSync(otherHost, readFileSync(sshd.knownHosts, 'utf8').replace(/^\S+/, 'gw.example.com'));
    const unknown = await runBin(['tunnel', ...ssh, ...fwd, '--known-hosts', otherHost]);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /\[EDGE_SSH_HOSTKEY_UNKNOWN\]/);
    assert.ok(unknown.stderr.includes(sshd.fingerprint), unknown.stderr);
    assert.ok(unknown.stderr.includes(`>> ${otherHost}`), unknown.stderr);

    const fresh = path.join(sshd.dir, 'known_hosts_new');
    const first = spawnBin(['tunnel', ...ssh, ...fwd, '--known-hosts', fresh, '--accept-new'], { env: cleanEnv() });
    await first.waitFor(/"msg":"tunnel ready"/, 30_000);
    assert.equal(await first.stop(), 0);
    assert.match(first.stderr(), /"msg":"recorded new host key \(accept-new\)"/);
    assert.equal(readFileSync(fresh, 'utf8'), readFileSync(sshd.knownHosts, 'utf8'));
    const again = spawnBin(['tunnel', ...ssh, ...fwd, '--known-hosts', fresh], { env: cleanEnv() });
    await again.waitFor(/"msg":"tunnel ready"/, 30_000);
    assert.equal(await again.stop(), 0);
  });

  await t.test('a key the server does not accept is an auth error (exit 1); an unreadable key exits 2', async () => {
    const stranger = path.join(sshd.dir, 'stranger_ed25519');
    sshKeygen(stranger);
    const base = ['--ssh', `root@127.0.0.1:${sshd.port}`, '--known-hosts', sshd.knownHosts, '-L', `0:127.0.0.1:${gwPort}`];
    const auth = await runBin(['tunnel', ...base, '--identity', stranger]);
    assert.equal(auth.code, 1, auth.stderr);
    assert.match(auth.stderr, /error: ssh authentication failed for "root@127\.0\.0\.1:\d+".*\[EDGE_SSH_AUTH\]/);
    assert.match(auth.stderr, /hint: .*authorized_keys/);
    const missing = await runBin(['tunnel', ...base, '--identity', path.join(sshd.dir, 'absent')]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /cannot read identity .*\[EDGE_SSH_KEY\]/);
  });
});
