// `etcd-edge manifests k8s` without Kubernetes: the generated StatefulSet's member script and preStop hook run on
// network-namespace pods named and addressed like etcd-0..etcd-4, resolving the headless Service's names through
// `etcd-edge dns serve`. Scale 3 → 5 → 3 with a half-joined restart in between, then the same over TLS (secure-*).
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { buildManifests, parseK8sFlags } from '../../manifests/index.js';
import { createBed } from '../netns/bed.js';
import type { HostSpec } from '../netns/bed.js';
import { curl, why } from '../netns/clients.js';
import { isolationProblems } from '../netns/isolation.js';
import { CLIENT_HOST, assertAcked, clientTlsArgs, clientUrl, ctl, dataDir, isExactly, members, mountClientTls, podDns, podHost, probe, putKey,
  runPreStop, startPod, terminatePod, waitMembers } from './k8s-pods.js';
import type { Cluster } from './k8s-pods.js';
import { bedSuite, teardownTest } from './world.js';
import type { World } from './world.js';

const DNS_IP = '10.231.0.53';
const PLAIN_IPS = ['10.231.0.10', '10.231.0.11', '10.231.0.12', '10.231.0.13', '10.231.0.14'];
const SECURE_IPS = ['10.231.0.20', '10.231.0.21', '10.231.0.22', '10.231.0.23'];
const HOSTS: readonly HostSpec[] = [
  ...PLAIN_IPS.map((ip, i) => ({ name: `etcd-${i}`, private: ip, nameserver: DNS_IP })),
  ...SECURE_IPS.map((ip, i) => ({ name: `secure-${i}`, private: ip, nameserver: DNS_IP })),
  { name: 'dns', private: DNS_IP, nameserver: DNS_IP },
  { name: CLIENT_HOST, private: '10.231.0.40', nameserver: DNS_IP },
];

interface K8sWorld extends World { readonly plain: Cluster; readonly secure: Cluster }
const k8s = (w: World): K8sWorld => w as K8sWorld;

async function startWorld(): Promise<World> {
  const bed = createBed(HOSTS);
  try {
    const cluster = async (argv: string[], ips: string[]): Promise<Cluster> => {
      const config = parseK8sFlags(argv, {}, bed.dir);
      assert.ok(config);
      return { bed, config, objects: await buildManifests(config), ips, acked: new Map(), pods: new Map() };
    };
    const plain = await cluster(['--name', 'etcd'], PLAIN_IPS);
    const secure = await cluster(['--name', 'secure', '--tls', 'self-signed', '--max-replicas', '4'], SECURE_IPS);
    // The headless Services' records: one A record per pod DNS name, answered by etcd-edge dns serve.
    const records = [...PLAIN_IPS.map((ip, i) => [podDns(plain, i), ip]), ...SECURE_IPS.map((ip, i) => [podDns(secure, i), ip])];
    const zone = path.join(bed.dir, 'pods.yaml');
    writeFileSync(zone, `hosts:\n${records.map(([n, ip]) => `  ${n as string}:\n    address: ${ip as string}\n`).join('')}`);
    await bed.edge('dns', 'dns', ['dns', 'serve', '-f', zone, '--domain', 'cluster.local', '--listen-addr', `${DNS_IP}:53`], /"msg":"dns server ready"/);
    mountClientTls(secure);
    return { bed, acked: new Map(), ackedV2: new Map(), plain, secure } as K8sWorld;
  } catch (err) {
    bed.dumpLogs();
    bed.close();
    throw err;
  }
}

async function bootstrap(c: Cluster, note: (m: string) => void): Promise<void> {
  const t0 = Date.now();
  await Promise.all([0, 1, 2].map((i) => startPod(c, i)));
  const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, [0, 1, 2]));
  assert.ok(isExactly(c, m, [0, 1, 2]), JSON.stringify(m));
  const health = await ctl(c, [0, 1, 2], ['endpoint', 'health']);
  assert.equal(health.code, 0, why(health));
  assert.equal((health.stdout + health.stderr).match(/is healthy/g)?.length, 3, why(health));
  for (const i of [0, 1, 2]) {
    const p = await probe(c, i);
    assert.deepEqual([p.status, p.body.trim()], [200, '{"health":"true"}'], `readiness probe of ${podHost(c, i)}`);
    assert.match(c.pods.get(i)?.log() ?? '', /bootstrapping the initial cluster of 3 members/);
  }
  note(`${c.config.name}-0..2 healthy ${Date.now() - t0} ms after start`);
  await putKey(c, [0, 1, 2], `${c.config.name}/bootstrap`, 'three');
}

async function scaleUp(c: Cluster, ordinals: number[], note: (m: string) => void): Promise<void> {
  const t0 = Date.now();
  await Promise.all(ordinals.map((i) => startPod(c, i)));
  const all = [0, 1, 2, ...ordinals];
  const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, all), 90_000);
  assert.ok(isExactly(c, m, all), `every pod a started voter: ${JSON.stringify(m)}`);
  for (const i of ordinals) assert.match(c.pods.get(i)?.log() ?? '', /added as a learner[\s\S]*promoted to a voting member/, `${podHost(c, i)} joined as a learner`);
  note(`${ordinals.map((i) => podHost(c, i)).join(' and ')} joined and were promoted in ${Date.now() - t0} ms`);
  await putKey(c, all, `${c.config.name}/scaled-to-${all.length}`, String(all.length));
}

async function scaleDown(c: Cluster, ordinals: number[], remaining: number[]): Promise<void> {
  for (const i of ordinals) {
    const r = await runPreStop(c, i);
    assert.equal(r.code, 0, why(r));
    assert.match(r.stderr, /removed member [0-9a-f]+ from the cluster/);
    await terminatePod(c, i);
  }
  const m = await waitMembers(c, remaining, (x) => isExactly(c, x, remaining));
  assert.ok(isExactly(c, m, remaining), JSON.stringify(m));
}

describe('manifests k8s: the generated StatefulSet on network-namespace pods', { timeout: 300_000 }, () => {
  const scenario = bedSuite(startWorld);
  scenario('the bed: pods etcd-0..4 and secure-0..3, dns and client; sealed; pod names resolve', 30_000, async (w) => {
    assert.deepEqual(await isolationProblems(w.bed, HOSTS), []);
    const dig = await w.bed.exec(CLIENT_HOST, 'dig', ['+short', 'A', podDns(k8s(w).plain, 4)]);
    assert.equal(dig.stdout.trim(), PLAIN_IPS[4], why(dig));
  });

  scenario('etcd-0..2 bootstrap together from the generated command: healthy, DNS-name URLs, probes pass', 60_000, (w, note) => bootstrap(k8s(w).plain, note));

  scenario('scale to 5: etcd-3 and etcd-4 join as learners one at a time and are promoted', 120_000, (w, note) => scaleUp(k8s(w).plain, [3, 4], note));

  scenario('etcd-4 lost its data, then died between member add and its first start: no stale member stays', 120_000, async (w) => {
    const c = k8s(w).plain;
    await w.bed.crash(podHost(c, 4));
    rmSync(dataDir(c, 4), { recursive: true, force: true });
    // The stand-in etcd never starts, so the pod stops right after member add, as a pod killed at that moment.
    const half = await startPod(c, 4, { etcd: 'stub' });
    await half.waitFor(/added as a learner/, 60_000);
    assert.match(half.log(), /removing the stale member [0-9a-f]+ \(started\)/);
    const stale = await members(c, [0, 1, 2]);
    assert.deepEqual(stale.filter((r) => r.peer === clientUrl(c, 4).replace(/2379$/, '2380')).map((r) => [r.status, r.learner]), [['unstarted', true]], JSON.stringify(stale));
    await w.bed.crash(podHost(c, 4));
    const again = await startPod(c, 4);
    const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, [0, 1, 2, 3, 4]), 90_000);
    assert.ok(isExactly(c, m, [0, 1, 2, 3, 4]), `5 started voters, no stale member: ${JSON.stringify(m)}`);
    assert.match(again.log(), /removing the stale member [0-9a-f]+ \(unstarted\)[\s\S]*promoted to a voting member/);
    await putKey(c, [0, 1, 2, 3, 4], 'etcd/after-half-join', 'five');
  });

  scenario('a deleted etcd-3 pod (preStop, SIGTERM) comes back on its old volume: it rejoins as a new member', 120_000, async (w) => {
    const c = k8s(w).plain;
    const before = (await members(c, [0, 1, 2])).find((r) => r.name === podHost(c, 3));
    await scaleDown(c, [3], [0, 1, 2, 4]);
    const back = await startPod(c, 3);
    const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, [0, 1, 2, 3, 4]), 90_000);
    assert.ok(isExactly(c, m, [0, 1, 2, 3, 4]), JSON.stringify(m));
    assert.notEqual(m.find((r) => r.name === podHost(c, 3))?.id, before?.id, 'a new member ID');
    assert.match(back.log(), /no longer lists this member[\s\S]*added as a learner[\s\S]*promoted to a voting member/);
  });

  scenario('scale back to 3: preStop of etcd-4, then etcd-3, removes them; an initial member\'s preStop keeps it', 120_000, async (w) => {
    const c = k8s(w).plain;
    await scaleDown(c, [4, 3], [0, 1, 2]);
    const kept = await runPreStop(c, 2);
    assert.equal(kept.code, 0, why(kept));
    assert.match(kept.stderr, /one of the 3 initial members: it stays/);
    assert.ok(isExactly(c, await members(c, [0, 1, 2]), [0, 1, 2]));
    await putKey(c, [0, 1, 2], 'etcd/scaled-back', 'three');
  });

  scenario('every key written throughout is present on etcd-0..2', 30_000, (w) => assertAcked(k8s(w).plain, [0, 1, 2]));

  scenario('--tls self-signed: secure-0..2 bootstrap over https with client certificates; probes on plain :2381', 60_000, async (w, note) => {
    const c = k8s(w).secure;
    await bootstrap(c, note);
    const noCert = await ctl({ ...c, config: { ...c.config, tls: 'none' } }, [0], ['get', 'x']);
    assert.notEqual(noCert.code, 0, 'plain http to a TLS member fails');
    const anonymous = await curl(w.bed, CLIENT_HOST, ['--cacert', clientTlsArgs(c)[1] as string, `${clientUrl(c, 0)}/health`]);
    assert.notEqual(anonymous.status, 200, 'a client without a certificate is refused');
  });

  scenario('--tls self-signed: secure-3 joins and leaves; its keys stay', 120_000, async (w, note) => {
    const c = k8s(w).secure;
    await scaleUp(c, [3], note);
    await scaleDown(c, [3], [0, 1, 2]);
    await assertAcked(c, [0, 1, 2]);
  });

  scenario('--tls self-signed: SIGTERM stops an initial member (sh hands it to etcd); it restarts from its data dir', 90_000, async (w) => {
    const c = k8s(w).secure;
    const first = c.pods.get(2);
    await terminatePod(c, 2);
    // etcd re-raises SIGTERM after its shutdown unless it is PID 1, so the script reports 128+15.
    assert.match(first?.log() ?? '', /etcd exited with status 143/);
    const again = await startPod(c, 2);
    await again.waitFor(/restarting the member from its data dir/, 30_000);
    const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, [0, 1, 2]));
    assert.ok(isExactly(c, m, [0, 1, 2]), JSON.stringify(m));
    await putKey(c, [0, 1, 2], 'secure/after-restart', 'back');
    await assertAcked(c, [2]);
  });

  teardownTest(scenario);
});
