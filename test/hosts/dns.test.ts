// Scenario 4 on its own bed: `etcd-edge dns serve` in a DNS host, every host resolving through it, members
// bootstrapping with --discovery-srv over TLS peers (tls: auto; etcd 3.4 needs _etcd-server-ssl, gotcha 1), and
// the gateway and a proxy finding the cluster through SRV as well.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { createBed } from '../netns/bed.js';
import { curl, etcdctl, why } from '../netns/clients.js';
import { isolationProblems } from '../netns/isolation.js';
import { CLIENT, DNS, DNS_HOSTS, DOMAIN, GW, INFRA, dnsTopology } from './topologies.js';
import { bedSuite, put, teardownTest, v2 } from './world.js';
import type { World } from './world.js';

const PUBLIC_GW = `${GW.public}:23790`;
const SRV_FLAGS = ['--discovery-srv', DOMAIN, '--insecure-discovery'];

async function startWorld(): Promise<World> {
  const bed = createBed(DNS_HOSTS);
  try {
    const topology = path.join(bed.dir, 'topology.yaml');
    writeFileSync(topology, dnsTopology(`${bed.id}-dns`));
    await bed.edge('dns', 'dns', ['dns', 'serve', '-f', topology, '--listen-addr', '0.0.0.0:53'], /"msg":"dns server ready"/);
    await Promise.all(Object.keys(INFRA).map((h) => bed.edge(h, 'up', ['up', '-f', topology, '--host', h, '--data-dir', path.join(bed.dir, h)],
      /"msg":"etcd-edge is up"/, 90_000)));
    // The gateway takes http client records only with --insecure-discovery (gotcha 2); the proxy reads the
    // _etcd-server-ssl records, as members do, and skips verification of the auto-TLS peer certificates.
    await Promise.all([
      bed.edge('gw', 'gateway', ['gateway', 'start', '--listen-addr', PUBLIC_GW, ...SRV_FLAGS], /ready to proxy client requests/),
      bed.edge('gw', 'proxy', ['proxy', '--discovery-srv', DOMAIN, '--peer-auto-tls', '--listen-client-urls', 'http://127.0.0.1:2379',
        '--data-dir', path.join(bed.dir, 'gw-proxy')], /ready to proxy client requests/),
    ]);
    return { bed, acked: new Map(), ackedV2: new Map() };
  } catch (err) {
    bed.dumpLogs();
    bed.close();
    throw err;
  }
}

async function srvThroughResolvConf(w: World): Promise<void> {
  for (const [host, ns] of [['gw', DNS.private], ['client', DNS.public]] as const) {
    const conf = await w.bed.exec(host, 'cat', ['/etc/resolv.conf']);
    assert.match(conf.stdout, new RegExp(`^nameserver ${ns.replace(/\./g, '\\.')}$`, 'm'), `${host}: ${conf.stdout}`);
    const srv = await w.bed.exec(host, 'dig', ['+short', 'SRV', `_etcd-server-ssl._tcp.${DOMAIN}`]);
    assert.deepEqual(srv.stdout.trim().split('\n').sort(), Object.keys(INFRA).map((h) => `0 0 2380 ${h}.${DOMAIN}.`), why(srv));
  }
  const client = await w.bed.exec('gw', 'dig', ['+short', 'SRV', `_etcd-client._tcp.${DOMAIN}`]);
  assert.deepEqual(client.stdout.trim().split('\n').sort(), Object.keys(INFRA).map((h) => `0 0 2379 ${h}.${DOMAIN}.`), why(client));
  const a = await w.bed.exec('gw', 'dig', ['+short', 'A', `infra1.${DOMAIN}`]);
  assert.equal(a.stdout.trim(), INFRA.infra1, why(a));
  // Authoritative only: a name outside the zone is refused, never forwarded.
  const outside = await w.bed.exec('gw', 'dig', ['+tries=1', '+time=2', 'A', 'etcd.io']);
  assert.match(outside.stdout, /status: REFUSED/, why(outside));
}

async function membersFromSrv(w: World): Promise<void> {
  for (const h of Object.keys(INFRA)) {
    const log = readFileSync(path.join(w.bed.dir, h, 'logs', `${h}.log`), 'utf8');
    assert.match(log, /got bootstrap from DNS for etcd-server/, `${h} bootstrapped from SRV`);
  }
  const list = await etcdctl(w.bed, 'gw', [...SRV_FLAGS, 'member', 'list']);
  assert.equal(list.code, 0, why(list));
  const rows = list.stdout.trim().split('\n').map((l) => l.split(', ')).sort((x, y) => (x[2] ?? '').localeCompare(y[2] ?? ''));
  assert.deepEqual(rows.map((r) => [r[1], r[2], r[3], r[4]]),
    Object.keys(INFRA).map((h) => ['started', h, `https://${h}.${DOMAIN}:2380`, `http://${h}.${DOMAIN}:2379`]));
  // The peer port speaks TLS only (auto-TLS: encrypted, not authenticated).
  const tls = await curl(w.bed, 'gw', ['--http1.1', '-k', `https://infra0.${DOMAIN}:2380/version`]);
  assert.equal(tls.status, 200, tls.body);
  const plain = await curl(w.bed, 'gw', [`http://infra0.${DOMAIN}:2380/version`]);
  assert.notEqual(plain.status, 200, plain.body);
}

async function gatewayFromSrv(w: World): Promise<void> {
  const gw = w.bed.daemons().find((d) => d.name === 'gateway');
  assert.match(gw?.log() ?? '', new RegExp(`"endpoints":\\["infra0\\.${DOMAIN}\\.?:2379","infra1\\.${DOMAIN}\\.?:2379","infra2\\.${DOMAIN}\\.?:2379"\\]`));
  await put(w, 'client', PUBLIC_GW, 'srv/k', 'through-a-gateway-found-by-srv');
  const got = await etcdctl(w.bed, 'client', ['--endpoints', PUBLIC_GW, 'get', 'srv/k', '--print-value-only']);
  assert.equal(got.stdout.trim(), 'through-a-gateway-found-by-srv', why(got));
  const direct = await curl(w.bed, 'client', [`http://${INFRA.infra0}:2379/health`]);
  assert.deepEqual([direct.status, direct.code], [0, 7], `the client at ${CLIENT} cannot reach a member`);
}

async function proxyFromSrv(w: World): Promise<void> {
  await v2(w, 'gw', 'set', '/srv/v2', 'through-a-proxy-found-by-srv');
  const got = await etcdctl(w.bed, 'infra2', ['--endpoints', `http://${INFRA.infra2}:2379`, 'get', '/srv/v2'], { api: 2 });
  assert.equal(got.stdout.trim(), 'through-a-proxy-found-by-srv', why(got));
}

describe('DNS SRV bootstrap on network-namespace hosts', { timeout: 180_000 }, () => {
  const scenario = bedSuite(startWorld);
  scenario('4. the bed: only the /24 routes, no IPv6, no forwarding; the root namespace is untouched', 30_000,
    async (w, note) => {
      if (w.bed.swept.length > 0) note(`removed what aborted earlier runs left: ${w.bed.swept.join(', ')}`);
      assert.deepEqual(await isolationProblems(w.bed, DNS_HOSTS), []);
    });
  scenario('4. etcd-edge dns serve answers the SRV records through every host\'s resolv.conf, and nothing else', 30_000, srvThroughResolvConf);
  scenario('4. members bootstrap with --discovery-srv over TLS peers (up with bootstrap: dns, tls: auto)', 30_000, membersFromSrv);
  scenario('4. the gateway finds the members through SRV and serves the public-only client', 60_000, gatewayFromSrv);
  scenario('4. a proxy finds its peers through SRV', 60_000, proxyFromSrv);
  teardownTest(scenario);
});
