// The gateway following real etcd 3.4 clusters over time: TLS members with client-cert auth (up --tls
// self-signed) passed through untouched while auto-sync speaks mTLS, a gateway started before its (auto-TLS)
// member, and a rolling replacement of every member with auto-sync on.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { etcdctl, eventually, startBundledCluster } from '../helpers/etcd.js';
import { peerEntry, startMember } from '../helpers/etcd-member.js';
import type { MemberProc } from '../helpers/etcd-member.js';
import { DATA_PATHS, startGatewayBin } from '../helpers/gateway.js';
import { freePort, freePorts } from '../helpers/ports.js';

for (const dataPath of DATA_PATHS) {
  test(`TLS members with client-cert auth: passthrough for etcdctl, mTLS auto-sync with --cert-file/--key-file [${dataPath}]`, async (t) => {
    const c = await startBundledCluster(t, { extraArgs: ['--tls', 'self-signed'] });
    const m = /--cacert=(\S+) --cert=(\S+) --key=(\S+)/.exec(c.proc.stdout());
    assert.ok(m, `connect hint with TLS files in:\n${c.proc.stdout()}`);
    const [, ca = '', cert = '', key = ''] = m;
    const ports = [0, 1, 2].map((i) => c.basePort + i);
    // Only one member, without a scheme: auto-sync must find https itself and add the other two.
    const gw = await startGatewayBin(t, ['--data-path', dataPath, 
      '--listen-addr', `127.0.0.1:${await freePort()}`, '--endpoints', `127.0.0.1:${ports[0]}`, '--endpoints-auto-sync-interval', '500ms',
      '--trusted-ca-file', ca, '--cert-file', cert, '--key-file', key,
    ]);
    await eventually(async () => /"msg":"endpoints changed"/.test(gw.proc.stderr()), 20_000);
    const changed = gw.proc.stderr().split('\n').find((l) => l.includes('"msg":"endpoints changed"')) ?? '';
    for (const p of ports.slice(1)) assert.ok(changed.includes(`127.0.0.1:${p}`), changed);
    const tlsArgs = ['--endpoints', gw.addr, '--cacert', ca, '--cert', cert, '--key', key];
    for (let i = 0; i < 3; i++) {
      const r = await etcdctl([...tlsArgs, 'put', `/tls/k${i}`, `v${i}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await etcdctl([...tlsArgs, 'get', '/tls/k2', '--print-value-only'])).stdout.trim(), 'v2');
    const plain = await etcdctl(['--endpoints', gw.addr, '--dial-timeout', '2s', 'get', '/tls/k2']);
    assert.notEqual(plain.code, 0, 'TLS is not terminated: a plaintext client gets nowhere');
    assert.equal(await gw.stop(), 0);
  });

  test(`a gateway started before its member serves as soon as the member is up (auto-TLS member) [${dataPath}]`, async (t) => {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const gw = await startGatewayBin(t, ['--data-path', dataPath, 
      '--listen-addr', `127.0.0.1:${await freePort()}`, '--endpoints', `https://127.0.0.1:${clientPort}`, '--insecure-skip-tls-verify',
    ]);
    assert.match(gw.proc.stderr(), /"live":0/);
    const early = await etcdctl(['--endpoints', gw.addr, '--insecure-transport=false', '--insecure-skip-tls-verify', '--dial-timeout', '1s', 'get', 'x']);
    assert.notEqual(early.code, 0);
    // Let the re-probe backoff grow (1s, 2s, ...) so a timer-only design would answer late.
    await new Promise((r) => setTimeout(r, 3500));
    const member = await startMember(t, { name: 'late', clientPort, peerPort, initialCluster: peerEntry('late', peerPort), state: 'new', autoTls: true });
    const healthyAt = Date.now();
    const tlsArgs = ['--endpoints', gw.addr, '--insecure-transport=false', '--insecure-skip-tls-verify', '--dial-timeout', '1s'];
    await eventually(async () => (await etcdctl([...tlsArgs, 'put', '/late', 'yes'])).code === 0, 20_000, 250);
    const after = Date.now() - healthyAt;
    t.diagnostic(`served ${after}ms after the member became healthy (etcd's gateway: up to --retry-delay, 1m)`);
    assert.ok(after < 20_000);
    const cacert = path.join(member.dataDir, 'fixtures', 'client', 'cert.pem');
    const r = await etcdctl(['--endpoints', gw.addr, '--cacert', cacert, 'get', '/late', '--print-value-only']);
    assert.equal(r.stdout.trim(), 'yes', `verified against the member's own certificate: ${r.stderr}`);
    assert.equal(await gw.stop(), 0);
  });

  async function memberId(endpoints: string, name: string): Promise<string> {
    const r = await etcdctl(['--endpoints', endpoints, 'member', 'list']);
    const line = r.stdout.split('\n').find((l) => l.split(', ')[2] === name);
    assert.ok(line, `member ${name} in:\n${r.stdout}${r.stderr}`);
    return line.split(', ')[0] ?? '';
  }

  test(`rolling replacement of every member with auto-sync on: still serving at the end [${dataPath}]`, async (t) => {
    const base = await freePorts(12);
    const old = ['o1', 'o2', 'o3'];
    const cluster = old.map((n, i) => peerEntry(n, base + 3 + i)).join(',');
    const members: MemberProc[] = await Promise.all(old.map((name, i) =>
      startMember(t, { name, clientPort: base + i, peerPort: base + 3 + i, initialCluster: cluster, state: 'new' })));
    const gw = await startGatewayBin(t, ['--data-path', dataPath, 
      '--listen-addr', `127.0.0.1:${await freePort()}`, '--endpoints', members.map((m) => m.clientUrl).join(','),
      '--endpoints-auto-sync-interval', '300ms', '--retry-delay', '2s',
    ]);
    const put = async (k: string): Promise<void> => {
      await eventually(async () => (await etcdctl(['--endpoints', gw.addr, 'put', k, 'v'])).code === 0, 30_000, 300);
    };
    await put('/roll/start');
    for (let i = 0; i < 3; i++) {
      const live = members.map((m) => m.clientUrl).join(',');
      const name = `n${i + 1}`;
      const [clientPort, peerPort] = [base + 6 + i, base + 9 + i];
      // etcd refuses reconfiguration ("unhealthy cluster") until every member has been connected for a few seconds.
      const add = await eventually(async () => {
        const r = await etcdctl(['--endpoints', live, 'member', 'add', name, `--peer-urls=http://127.0.0.1:${peerPort}`]);
        return r.code === 0 && r;
      }, 30_000, 500);
      const initial = /ETCD_INITIAL_CLUSTER="([^"]+)"/.exec(add.stdout)?.[1] ?? '';
      members.push(await startMember(t, { name, clientPort, peerPort, initialCluster: initial, state: 'existing' }));
      const gone = members.shift() as MemberProc;
      const id = await memberId(live, gone.name);
      await eventually(async () => (await etcdctl(['--endpoints', members.map((m) => m.clientUrl).join(','), 'member', 'remove', id])).code === 0, 30_000, 500);
      await gone.stop('SIGKILL');
      await put(`/roll/after-${gone.name}`);
    }
    // Not one original endpoint is left; the gateway reaches the cluster only through the URLs it synced.
    await eventually(async () => {
      const lines = gw.proc.stderr().split('\n').filter((l) => l.includes('"msg":"endpoints changed"'));
      const last = JSON.parse(lines[lines.length - 1] ?? '{}') as { new?: string[] };
      return JSON.stringify([...(last.new ?? [])].sort()) === JSON.stringify([6, 7, 8].map((d) => `127.0.0.1:${base + d}`).sort());
    }, 20_000);
    const g = await etcdctl(['--endpoints', gw.addr, 'get', '/roll/', '--prefix', '--keys-only']);
    assert.deepEqual(g.stdout.split('\n').filter(Boolean).sort(), ['/roll/after-o1', '/roll/after-o2', '/roll/after-o3', '/roll/start']);
    assert.equal(await gw.stop(), 0);
  });
}
