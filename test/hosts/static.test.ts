// The seed deployments on network-namespace hosts, one static cluster for scenarios 1, 2, 3, 5 and 6: members on
// 2379/2380 on every host, local proxies on the workers, a public gateway, an SSH tunnel from outside, the leader's
// host dying and coming back, and a proxy host promoted to a member. Commands: the built etcd-edge; clients: etcdctl/curl.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { createBed, ETCD_EDGE } from '../netns/bed.js';
import type { Bed } from '../netns/bed.js';
import { curl, endpointStatus, etcdctl, retry, why } from '../netns/clients.js';
import { isolationProblems } from '../netns/isolation.js';
import { startSshd } from '../netns/sshd.js';
import { CLIENT, GW, INFRA, INITIAL_CLUSTER, MEMBER_ENDPOINTS, STATIC_HOSTS, WORKER2, staticTopology } from './topologies.js';
import { bedSuite, put, startWriter, teardownTest, v2 } from './world.js';
import type { World } from './world.js';

const PUBLIC_GW = `${GW.public}:23790`;
const TUNNEL = '127.0.0.1:23690';
const LOCAL = 'http://127.0.0.1:2379';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function up(bed: Bed, topology: string, host: string): Promise<unknown> {
  return bed.edge(host, 'up', ['up', '-f', topology, '--host', host, '--data-dir', path.join(bed.dir, host)], /"msg":"etcd-edge is up"/, 90_000);
}

async function startWorld(): Promise<World> {
  const bed = createBed(STATIC_HOSTS);
  try {
    const topology = path.join(bed.dir, 'topology.yaml');
    writeFileSync(topology, staticTopology(`${bed.id}-static`));
    await Promise.all(Object.keys(INFRA).map((h) => up(bed, topology, h)));
    // Gateways start once the members are healthy: a gateway benches endpoints it cannot reach (gotcha 3).
    await Promise.all([
      ...['worker0', 'worker1', 'gw'].map((h) => up(bed, topology, h)),
      bed.edge('gw', 'gateway', ['gateway', 'start', '--listen-addr', PUBLIC_GW, '--endpoints', MEMBER_ENDPOINTS.join(',')], /ready to proxy client requests/),
      // A standalone proxy (not inside up), the kind etcd-edge promote turns into a member in scenario 6.
      bed.edge('worker2', 'proxy', ['proxy', '--initial-cluster', INITIAL_CLUSTER, '--listen-client-urls', LOCAL, '--data-dir', path.join(bed.dir, 'worker2')],
        /ready to proxy client requests/),
    ]);
    return { bed, acked: new Map(), ackedV2: new Map() };
  } catch (err) {
    bed.dumpLogs();
    bed.close();
    throw err;
  }
}

async function membersOnClassicPorts(w: World): Promise<void> {
  const list = await etcdctl(w.bed, 'worker0', ['--endpoints', MEMBER_ENDPOINTS.join(','), 'member', 'list']);
  assert.equal(list.code, 0, why(list));
  const rows = list.stdout.trim().split('\n').map((l) => l.split(', '));
  assert.deepEqual(rows.map((r) => r[2]).sort(), Object.keys(INFRA));
  for (const r of rows) {
    const ip = INFRA[r[2] as keyof typeof INFRA];
    assert.deepEqual([r[1], r[3], r[4]], ['started', `http://${ip}:2380`, `http://${ip}:2379`], `member ${r[2]}`);
  }
  const health = await etcdctl(w.bed, 'worker0', ['--endpoints', MEMBER_ENDPOINTS.join(','), 'endpoint', 'health']);
  assert.equal(health.code, 0, why(health));
  assert.equal((health.stdout + health.stderr).match(/is healthy/g)?.length, 3, why(health));
}

async function planMatchesUp(w: World): Promise<void> {
  for (const host of Object.keys(INFRA)) {
    const plan = await w.bed.exec(host, process.execPath, [ETCD_EDGE, 'plan', '-f', path.join(w.bed.dir, 'topology.yaml'), '--host', host, '--data-dir', path.join(w.bed.dir, host)]);
    assert.equal(plan.code, 0, why(plan));
    const block = /# etcd by hand[^\n]*\n([\s\S]*?)\n\n/.exec(plan.stdout)?.[1] ?? '';
    const planned = block.split(' \\\n').map((l) => l.trim());
    const running = w.bed.processes(host).find((p) => p.argv[0] === planned[0]);
    assert.ok(running, `no ${planned[0] ?? 'etcd'} runs on ${host}: ${JSON.stringify(w.bed.processes(host))}`);
    assert.deepEqual(running.argv, planned, `the etcd command up runs on ${host} is the one plan prints`);
  }
}

async function readwriteProxy(w: World): Promise<void> {
  await v2(w, 'worker0', 'set', '/seed/rw', 'written-through-worker0');
  const v3put = await curl(w.bed, 'worker0', ['-X', 'POST', `${LOCAL}/v3/kv/put`, '-d', JSON.stringify({ key: b64('seed/v3'), value: b64('json-through-worker0') })]);
  assert.equal(v3put.status, 200, v3put.body);
  w.acked.set('seed/v3', 'json-through-worker0');
  const got = await etcdctl(w.bed, 'worker0', ['--endpoints', MEMBER_ENDPOINTS.join(','), 'get', 'seed/v3', '--print-value-only']);
  assert.equal(got.stdout.trim(), 'json-through-worker0', why(got));
}

async function readonlyProxy(w: World): Promise<void> {
  const got = await etcdctl(w.bed, 'worker1', ['--endpoints', LOCAL, 'get', '/seed/rw'], { api: 2 });
  assert.equal(got.stdout.trim(), 'written-through-worker0', why(got));
  const set = await etcdctl(w.bed, 'worker1', ['--endpoints', LOCAL, 'set', '/seed/ro', 'x'], { api: 2 });
  assert.notEqual(set.code, 0, why(set));
  assert.match(set.stderr, /Not Implemented/);
  const v2put = await curl(w.bed, 'worker1', ['-X', 'PUT', `${LOCAL}/v2/keys/seed/ro`, '-d', 'value=x']);
  assert.equal(v2put.status, 501);
  const v3put = await curl(w.bed, 'worker1', ['-X', 'POST', `${LOCAL}/v3/kv/put`, '-d', JSON.stringify({ key: b64('seed/ro'), value: b64('x') })]);
  assert.equal(v3put.status, 501);
  const range = await curl(w.bed, 'worker1', ['-X', 'POST', `${LOCAL}/v3/kv/range`, '-d', JSON.stringify({ key: b64('seed/v3') })]);
  assert.equal(range.status, 200, range.body);
  assert.ok(range.body.includes(b64('json-through-worker0')), range.body);
  // Loopback is per host: the gateway host runs no proxy, so its 127.0.0.1:2379 refuses.
  assert.equal((await curl(w.bed, 'gw', [`${LOCAL}/version`])).status, 0);
}

async function publicGateway(w: World): Promise<void> {
  const addrs = await w.bed.exec('client', 'ip', ['-o', '-4', 'addr', 'show']);
  assert.match(addrs.stdout, new RegExp(`inet ${CLIENT.replace(/\./g, '\\.')}/24`));
  assert.doesNotMatch(addrs.stdout, /10\.231\./);
  const route = await w.bed.exec('client', 'ip', ['route', 'get', INFRA.infra0]);
  assert.notEqual(route.code, 0);
  assert.match(route.stderr, /Network is unreachable/);
  const direct = await etcdctl(w.bed, 'client', ['--endpoints', MEMBER_ENDPOINTS.join(','), '--dial-timeout', '1s', '--command-timeout', '2s', 'get', 'seed/v3']);
  assert.notEqual(direct.code, 0, why(direct));
  const directHttp = await curl(w.bed, 'client', [`http://${INFRA.infra0}:2379/health`]);
  assert.deepEqual([directHttp.status, directHttp.code], [0, 7]);
  await put(w, 'client', PUBLIC_GW, 'gw/public', 'through-the-public-address');
  const got = await etcdctl(w.bed, 'client', ['--endpoints', PUBLIC_GW, 'get', 'seed/v3', '--print-value-only']);
  assert.equal(got.stdout.trim(), 'json-through-worker0', why(got));
}

async function sshTunnel(w: World): Promise<void> {
  const sshd = await startSshd(w.bed, 'gw', GW.public);
  await w.bed.edge('client', 'tunnel', ['tunnel', '-L', `${TUNNEL}:127.0.0.1:23790`, '--ssh', `root@${GW.public}`,
    '--identity', sshd.clientKey, '--known-hosts', sshd.knownHosts], /"msg":"tunnel ready"/, 30_000);
  await put(w, 'client', TUNNEL, 'tunnel/k', 'through-ssh');
  const got = await etcdctl(w.bed, 'client', ['--endpoints', TUNNEL, 'get', 'gw/public', '--print-value-only']);
  assert.equal(got.stdout.trim(), 'through-the-public-address', why(got));
  assert.match(sshd.daemon.log(), /Accepted publickey for root from 10\.232\.0\.40/);
}

async function leaderHostDies(w: World, note: (msg: string) => void): Promise<void> {
  const rows = await endpointStatus(w.bed, 'gw', MEMBER_ENDPOINTS);
  const lead = rows.find((r) => r.memberId === r.leader);
  assert.ok(lead && rows.length === 3, JSON.stringify(rows));
  const host = Object.keys(INFRA).find((h) => `${INFRA[h as keyof typeof INFRA]}:2379` === lead.endpoint) as string;
  const writer = startWriter(w, 'client', PUBLIC_GW, 'kill/');
  await writer.waitAcked(3);
  const failedBefore = writer.failed();
  const t0 = Date.now();
  const killed = await w.bed.crash(host);
  assert.ok(killed.some((c) => c.some((a) => a.endsWith('etcd-edge.js'))) && killed.some((c) => /(^|\/)etcd$/.test(c[0] ?? '')), JSON.stringify(killed));
  const survivors = MEMBER_ENDPOINTS.filter((e) => e !== lead.endpoint);
  const elected = await retry(() => endpointStatus(w.bed, 'gw', survivors),
    (r) => r.length === 2 && r.every((x) => x.leader !== '0' && x.leader !== lead.leader && x.leader === r[0]?.leader), 30_000);
  assert.ok(elected.result.length === 2 && elected.result.every((x) => x.leader !== lead.leader), JSON.stringify(elected.result));
  const electedMs = Date.now() - t0;
  await writer.waitAcked(writer.acked() + 3);
  await writer.stop();
  note(`killed ${host} (the leader): ${killed.map((c) => path.basename(c.find((a) => a.endsWith('.js')) ?? c[0] ?? '?')).join(', ')}; `
    + `new leader seen after ${electedMs} ms; first acknowledged gateway write sent ${(writer.firstAckAfter(t0) ?? NaN) - t0} ms after the kill; `
    + `${writer.failed() - failedBefore} writes failed meanwhile, ${writer.acked()} acknowledged in all`);
  await put(w, 'client', PUBLIC_GW, 'after/gateway', 'ok');
  await put(w, 'client', TUNNEL, 'after/tunnel', 'ok');
  await v2(w, 'worker0', 'set', '/after/proxy', 'ok');
  await v2(w, 'worker1', 'get', '/after/proxy', 'ok');
  await everyAckedWriteReadable(w);
  await hostComesBack(w, host);
}

async function hostComesBack(w: World, host: string): Promise<void> {
  await up(w.bed, path.join(w.bed.dir, 'topology.yaml'), host);
  const ip = INFRA[host as keyof typeof INFRA];
  // A serializable read is answered from the member's own store: it shows the writes made while it was down.
  const { result } = await retry(() => etcdctl(w.bed, 'gw', ['--endpoints', `${ip}:2379`, '--consistency', 's', 'get', 'after/gateway', '--print-value-only']),
    (r) => r.stdout.trim() === 'ok');
  assert.equal(result.stdout.trim(), 'ok', `${host} came back and caught up: ${why(result)}`);
  const health = await etcdctl(w.bed, 'gw', ['--endpoints', MEMBER_ENDPOINTS.join(','), 'endpoint', 'health']);
  assert.equal(health.code, 0, why(health));
}

async function proxyBecomesMember(w: World, note: (msg: string) => void): Promise<void> {
  const proxy = w.bed.daemons().find((d) => d.host === 'worker2' && d.name === 'proxy');
  assert.ok(proxy && proxy.running(), 'worker2 runs a standalone proxy');
  await v2(w, 'worker2', 'set', '/promote/before', 'through-the-proxy');
  const t0 = Date.now();
  const promote = await w.bed.edge('worker2', 'promote', ['promote', '--name', 'infra3', '--peer-urls', `http://${WORKER2}:2380`,
    '--client-urls', `http://${WORKER2}:2379`, '--listen-client-urls', `http://${WORKER2}:2379,${LOCAL}`, '--data-dir', path.join(w.bed.dir, 'worker2')],
  /"msg":"member is ready"/, 120_000);
  note(`etcd-edge promote took ${Date.now() - t0} ms`);
  for (let n = 1; n <= 7; n++) assert.match(promote.log(), new RegExp(`^\\[${n}/7\\] `, 'm'));
  assert.ok(!proxy.running(), 'the proxy was stopped');
  const list = await etcdctl(w.bed, 'worker0', ['--endpoints', MEMBER_ENDPOINTS.join(','), 'member', 'list']);
  const rows = list.stdout.trim().split('\n').map((l) => l.split(', '));
  assert.deepEqual(rows.map((r) => r[2]).sort(), [...Object.keys(INFRA), 'infra3'], why(list));
  assert.deepEqual(rows.find((r) => r[2] === 'infra3')?.slice(1), ['started', 'infra3', `http://${WORKER2}:2380`, `http://${WORKER2}:2379`, 'false']);
  // Apps on worker2 keep using 127.0.0.1:2379, now the member itself: it serves v3 gRPC, v2, and its own reads.
  const local = await etcdctl(w.bed, 'worker2', ['--endpoints', LOCAL, '--consistency', 's', 'get', 'seed/v3', '--print-value-only']);
  assert.equal(local.stdout.trim(), 'json-through-worker0', why(local));
  await v2(w, 'worker2', 'get', '/promote/before', 'through-the-proxy');
  await put(w, 'client', PUBLIC_GW, 'promote/after', 'four-members');
  const seen = await retry(() => etcdctl(w.bed, 'worker2', ['--endpoints', LOCAL, '--consistency', 's', 'get', 'promote/after', '--print-value-only']),
    (r) => r.stdout.trim() === 'four-members');
  assert.equal(seen.result.stdout.trim(), 'four-members', why(seen.result));
  await everyAckedWriteReadable(w);
}

async function everyAckedWriteReadable(w: World): Promise<void> {
  const all = await etcdctl(w.bed, 'client', ['--endpoints', PUBLIC_GW, 'get', '', '--prefix']);
  assert.equal(all.code, 0, why(all));
  const lines = all.stdout.split('\n');
  const stored = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) stored.set(lines[i] as string, lines[i + 1] as string);
  const lost = [...w.acked].filter(([k, v]) => stored.get(k) !== v);
  assert.deepEqual(lost, [], `acknowledged v3 writes lost (of ${w.acked.size})`);
  for (const [k, v] of w.ackedV2) await v2(w, 'worker1', 'get', k, v);
}

describe('seed deployments on network-namespace hosts (static cluster)', { timeout: 240_000 }, () => {
  const scenario = bedSuite(startWorld);
  scenario('0. the bed: hosts are namespaces with only their /24 routes, no IPv6, no forwarding; the root namespace is untouched', 30_000,
    async (w, note) => {
      if (w.bed.swept.length > 0) note(`removed what aborted earlier runs left: ${w.bed.swept.join(', ')}`);
      assert.deepEqual(await isolationProblems(w.bed, STATIC_HOSTS), []);
    });
  scenario('1. three hosts bootstrapped by up --host infraN, every member on 2379/2380', 30_000, membersOnClassicPorts);
  scenario('1. etcd-edge plan prints, for each host, exactly the etcd command up runs there', 30_000, planMatchesUp);
  scenario('1. a worker\'s readwrite proxy on its own 127.0.0.1:2379 serves v2 and v3 JSON writes', 30_000, readwriteProxy);
  scenario('1. a worker\'s readonly proxy serves reads and answers writes with 501', 30_000, readonlyProxy);
  scenario('2. a public-only client reaches the cluster through the gateway\'s public address, not the members', 60_000, publicGateway);
  scenario('3. an outside host reaches the gateway through etcd-edge tunnel and a real sshd', 60_000, sshTunnel);
  scenario('5. the leader\'s host dies: a new leader, writes succeed again everywhere, no acknowledged write lost; restarted, it catches up',
    120_000, leaderHostDies);
  scenario('6. a host that runs only a proxy becomes a member with etcd-edge promote', 150_000, proxyBecomesMember);
  teardownTest(scenario);
});
