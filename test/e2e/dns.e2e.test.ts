// e2e: `etcd-edge dns serve` from a topology file, queried with dig over UDP and TCP: SRV (with and without a
// name suffix), A and AAAA records, NXDOMAIN/REFUSED for everything else, and survival of malformed packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { lookupSrv } from '../../etcd/srv.js';
import { spawnBin } from '../helpers/bin.js';
import { requireTool, tempDir } from '../helpers/etcd.js';
import { freePort } from '../helpers/ports.js';

const TOPOLOGY = `cluster-token: dns-e2e
bootstrap: dns
discovery-srv: example.test
discovery-srv-name: prod
hosts:
  infra0:
    address: 10.231.0.10
    member:
      initial-advertise-peer-urls: https://infra0.example.test:2380
      advertise-client-urls: https://infra0.example.test:2379
  infra1:
    addresses: [10.231.0.11, "fd00::11"]
    member:
      initial-advertise-peer-urls: https://infra1.example.test:2380
      advertise-client-urls: https://10.231.0.11:2379
  gw:
    address: 10.232.0.5
`;

function dig(port: number, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=2', ...args], { timeout: 15_000 }, (err, stdout) => {
      if (err && !stdout) reject(err);
      else resolve(stdout);
    });
  });
}

const status = (out: string): string => /status: ([A-Z]+)/.exec(out)?.[1] ?? 'none';
const short = (out: string): string[] => out.trim().split('\n').filter(Boolean).sort();

function sendJunk(port: number, bytes: Buffer): Promise<void> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => s.send(bytes, port, '127.0.0.1', () => { s.close(); resolve(); }));
}

test('dns serve answers etcd\'s SRV names from a topology', { timeout: 120_000 }, async (t) => {
  requireTool('dig', 'bind9-dnsutils');
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'topology.yaml'), TOPOLOGY);
  const port = await freePort();
  const dns = spawnBin(['dns', 'serve', '--listen-addr', `127.0.0.1:${port}`, '-f', 'topology.yaml', '--ttl', '30s'], { cwd: dir });
  t.after(async () => assert.equal(await dns.stop(), 0));
  await dns.waitFor(/"address":"127\.0\.0\.1:\d+".*"msg":"dns server ready"/);

  const cases: { args: string[]; want: string[] }[] = [
    { args: ['_etcd-server-ssl-prod._tcp.example.test', 'SRV', '+short'], want: ['0 0 2380 infra0.example.test.', '0 0 2380 infra1.example.test.'] },
    { args: ['_etcd-client-ssl-prod._tcp.example.test', 'SRV', '+short', '+tcp'], want: ['0 0 2379 infra0.example.test.', '0 0 2379 infra1.example.test.'] },
    { args: ['infra1.example.test', 'A', '+short'], want: ['10.231.0.11'] },
    { args: ['infra1.example.test', 'AAAA', '+short', '+tcp'], want: ['fd00::11'] },
    { args: ['gw.example.test', 'A', '+short'], want: ['10.232.0.5'] },
  ];
  for (const c of cases) assert.deepEqual(short(await dig(port, c.args)), c.want, c.args.join(' '));

  const ttl = await dig(port, ['_etcd-server-ssl-prod._tcp.example.test', 'SRV', '+noall', '+answer']);
  assert.match(ttl, /\s30\s+IN\s+SRV\s/);
  const full = await dig(port, ['_etcd-server-ssl-prod._tcp.example.test', 'SRV']);
  assert.match(full, /flags: qr aa/);
  // Only the record set matching the peer scheme exists: https peers publish no _etcd-server records.
  assert.equal(status(await dig(port, ['_etcd-server-prod._tcp.example.test', 'SRV'])), 'NXDOMAIN');
  assert.equal(status(await dig(port, ['_etcd-server-ssl._tcp.example.test', 'SRV', '+tcp'])), 'NXDOMAIN');
  assert.equal(status(await dig(port, ['nope.example.test', 'A'])), 'NXDOMAIN');
  assert.equal(status(await dig(port, ['infra0.example.test', 'MX'])), 'NOERROR');
  assert.equal(status(await dig(port, ['example.com', 'A'])), 'REFUSED');
  assert.equal(status(await dig(port, ['example.com', 'A', '+tcp'])), 'REFUSED');

  for (const junk of [Buffer.alloc(0), Buffer.from('not dns at all'), Buffer.alloc(3000, 0xc0), Buffer.from([0, 1, 1, 0, 0, 9, 0, 0, 0, 0, 0, 0])]) await sendJunk(port, junk);
  const found = await lookupSrv({ domain: 'example.test', name: 'prod', kind: 'server', dnsServer: `127.0.0.1:${port}` });
  assert.deepEqual(found.targets.map((x) => x.url).sort(), ['https://infra0.example.test:2380', 'https://infra1.example.test:2380']);
  assert.equal(dns.child.exitCode, null);
});
