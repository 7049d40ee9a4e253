// `etcd-edge manifests k8s` without Kubernetes: the generated StatefulSet's init containers, member script, preStop
// hook and probes run on network-namespace pods named and addressed like etcd-0..etcd-4, resolving the headless
// Service's names through `etcd-edge dns serve` and asking a stand-in API server for the StatefulSet's scale.
// Scale 3 → 5, a half-joined restart, a rolling restart at 5, a quorum loss, 5 → 4 → 5 → 3; then the same over TLS.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { buildManifests, parseK8sFlags } from '../../manifests/index.js';
import type { K8sObject } from '../../manifests/index.js';
import { createBed } from '../netns/bed.js';
import type { HostSpec } from '../netns/bed.js';
import { curl, retry, why } from '../netns/clients.js';
import { isolationProblems } from '../netns/isolation.js';
import type { StatefulSetLike } from '../helpers/kubelet.js';
import { runProbe, scaleTo, startNode, terminatePod, watchLiveness } from './k8s-kubelet.js';
import { CLIENT_HOST, assertAcked, clientTlsArgs, clientUrl, ctl, dataDir, isExactly, members, mountClientTls, podDns, podHost, putKey,
  runPreStop, setReplicas, startPod, waitMembers } from './k8s-pods.js';
import type { Cluster, MemberRow, PodNode } from './k8s-pods.js';
import { bedSuite, teardownTest } from './world.js';
import type { World } from './world.js';

const DNS_IP = '10.231.0.53';
const API_IP = '10.231.0.50';
const PLAIN_IPS = ['10.231.0.10', '10.231.0.11', '10.231.0.12', '10.231.0.13', '10.231.0.14'];
const SECURE_IPS = ['10.231.0.20', '10.231.0.21', '10.231.0.22', '10.231.0.23'];
const HOSTS: readonly HostSpec[] = [
  ...PLAIN_IPS.map((ip, i) => ({ name: `etcd-${i}`, private: ip, nameserver: DNS_IP })),
  ...SECURE_IPS.map((ip, i) => ({ name: `secure-${i}`, private: ip, nameserver: DNS_IP })),
  { name: 'dns', private: DNS_IP, nameserver: DNS_IP },
  { name: 'api', private: API_IP, nameserver: DNS_IP },
  { name: CLIENT_HOST, private: '10.231.0.40', nameserver: DNS_IP },
];
// The pods run Debian's etcd 3.4.23, so the manifests are generated for a 3.4 image: that picks the probes etcd
// 3.4 supports (exec liveness with a serializable read, readiness on /health). The 3.6 probes are checked offline.
const IMAGE = 'gcr.io/etcd-development/etcd:v3.4.23';
// The liveness loop runs the manifest's cadence ten times faster: 1 s instead of periodSeconds 10.
const TIME_SCALE = 0.1;

interface K8sWorld extends World { readonly plain: Cluster; readonly secure: Cluster }
const k8s = (w: World): K8sWorld => w as K8sWorld;
const stsOf = (objects: readonly K8sObject[]): StatefulSetLike => objects.find((o) => o.kind === 'StatefulSet') as unknown as StatefulSetLike;

async function startWorld(): Promise<World> {
  const bed = createBed(HOSTS);
  try {
    let node: PodNode | undefined;
    const cluster = async (argv: string[], ips: string[]): Promise<Cluster> => {
      const config = parseK8sFlags([...argv, '--image', IMAGE], {}, bed.dir);
      assert.ok(config);
      const objects = await buildManifests(config);
      node ??= await startNode(bed, stsOf(objects), 'api', API_IP, config.namespace);
      const c: Cluster = { bed, config, objects, ips, acked: new Map(), pods: new Map(), node, replicas: 0 };
      setReplicas(c, config.replicas);
      return c;
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

/** Waits until pod i's readiness probe passes (what a rolling update waits for before the next pod). */
async function waitReady(c: Cluster, i: number, timeoutMs = 60_000): Promise<void> {
  const r = await retry(() => runProbe(c, i, 'readiness'), (x) => x.ok, timeoutMs, 500);
  assert.ok(r.result.ok, `${podHost(c, i)} ready: ${r.result.detail}`);
}

const idsOf = (m: readonly MemberRow[]): string[] => m.map((r) => `${r.name}=${r.id}`).sort();

async function bootstrap(c: Cluster, note: (m: string) => void): Promise<void> {
  const t0 = Date.now();
  await Promise.all([0, 1, 2].map((i) => startPod(c, i)));
  const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, [0, 1, 2]));
  assert.ok(isExactly(c, m, [0, 1, 2]), JSON.stringify(m));
  const health = await ctl(c, [0, 1, 2], ['endpoint', 'health']);
  assert.equal(health.code, 0, why(health));
  assert.equal((health.stdout + health.stderr).match(/is healthy/g)?.length, 3, why(health));
  for (const i of [0, 1, 2]) {
    await waitReady(c, i);
    const live = await runProbe(c, i, 'liveness');
    assert.ok(live.ok, `liveness probe of ${podHost(c, i)}: ${live.detail}`);
    assert.match(c.pods.get(i)?.log() ?? '', /bootstrapping the initial cluster of 3 members/);
  }
  note(`${c.config.name}-0..2 healthy ${Date.now() - t0} ms after start`);
  await putKey(c, [0, 1, 2], `${c.config.name}/bootstrap`, 'three');
}

async function scaleUp(c: Cluster, ordinals: number[], note: (m: string) => void): Promise<void> {
  const t0 = Date.now();
  await scaleTo(c, 3 + ordinals.length);
  const all = [0, 1, 2, ...ordinals];
  const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, all), 90_000);
  assert.ok(isExactly(c, m, all), `every pod a started voter: ${JSON.stringify(m)}`);
  for (const i of ordinals) assert.match(c.pods.get(i)?.log() ?? '', /added as a learner[\s\S]*promoted to a voting member/, `${podHost(c, i)} joined as a learner`);
  note(`${ordinals.map((i) => podHost(c, i)).join(' and ')} joined and were promoted in ${Date.now() - t0} ms`);
  await putKey(c, all, `${c.config.name}/scaled-to-${all.length}`, String(all.length));
}

async function scaleDown(c: Cluster, n: number): Promise<void> {
  const hooks = await scaleTo(c, n);
  assert.ok(hooks.size > 0, 'pods were terminated');
  for (const [i, r] of hooks) {
    assert.equal(r.code, 0, why(r));
    assert.match(r.stderr, new RegExp(`scaled down to ${n} pods: leaving the cluster[\\s\\S]*removed member [0-9a-f]+ from the cluster`), podHost(c, i));
  }
  const remaining = [...Array(n).keys()];
  const m = await waitMembers(c, remaining, (x) => isExactly(c, x, remaining));
  assert.ok(isExactly(c, m, remaining), JSON.stringify(m));
}

describe('manifests k8s: the generated StatefulSet on network-namespace pods', { timeout: 420_000 }, () => {
  const scenario = bedSuite(startWorld);
  scenario('the bed: pods etcd-0..4 and secure-0..3, dns, api and client; sealed; pod names resolve', 30_000, async (w) => {
    assert.deepEqual(await isolationProblems(w.bed, HOSTS), []);
    const dig = await w.bed.exec(CLIENT_HOST, 'dig', ['+short', 'A', podDns(k8s(w).plain, 4)]);
    assert.equal(dig.stdout.trim(), PLAIN_IPS[4], why(dig));
  });

  scenario('etcd-0..2 bootstrap together from the generated command under busybox sh: healthy, DNS-name URLs, probes pass', 60_000,
    (w, note) => bootstrap(k8s(w).plain, note));

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

  scenario('a rolling restart of all 5 pods at size 5 (etcd-4 first): every member keeps its ID and data; no remove, no learner', 150_000, async (w, note) => {
    const c = k8s(w).plain;
    const all = [0, 1, 2, 3, 4];
    await putKey(c, all, 'etcd/before-rollout', 'kept');
    const before = idsOf(await members(c, all));
    const t0 = Date.now();
    for (const i of [4, 3, 2, 1, 0]) {
      const { hook, inGrace } = await terminatePod(c, i, 'restart');
      assert.ok(inGrace, `${podHost(c, i)} stopped within the grace period`);
      assert.equal(hook.code, 0, why(hook));
      assert.match(hook.stderr, i >= 3 ? /keeps 5 pods: a restart, not a scale-down/ : /one of the 3 initial members/);
      assert.doesNotMatch(hook.stderr, /removed member/);
      const d = await startPod(c, i);
      await waitReady(c, i);
      assert.match(d.log(), /restarting the member from its data dir/);
      assert.doesNotMatch(d.log(), /added as a learner|removing the stale member|joining again/);
      // Served from the member's own store: its data survived the restart.
      const local = await ctl(c, [i], ['get', 'etcd/before-rollout', '--print-value-only', '--consistency=s']);
      assert.equal(local.stdout.trim(), 'kept', why(local));
    }
    note(`5 pods replaced one by one in ${Date.now() - t0} ms`);
    const m = await waitMembers(c, all, (x) => isExactly(c, x, all));
    assert.deepEqual(idsOf(m), before, 'the same member IDs');
    await putKey(c, all, 'etcd/after-rollout', 'five');
  });

  scenario('a quorum loss longer than the liveness window (etcd-2..4 down) kills no member: liveness passes without a leader, readiness fails', 150_000, async (w, note) => {
    const c = k8s(w).plain;
    const before = idsOf(await members(c, [0, 1, 2, 3, 4]));
    for (const i of [2, 3, 4]) await w.bed.crash(podHost(c, i));
    const noLeader = await retry(() => runProbe(c, 0, 'readiness'), (r) => !r.ok, 30_000, 500);
    assert.ok(!noLeader.result.ok, `etcd-0 lost its leader: ${noLeader.result.detail}`);
    const live = await runProbe(c, 0, 'liveness');
    const { periodSeconds = 10, failureThreshold = 3 } = (stsOf(c.objects).spec?.template.spec?.containers[0]?.livenessProbe ?? {});
    // Longer than failureThreshold × periodSeconds (80 s in the manifest, compressed by TIME_SCALE), with readiness probed alongside.
    const watcher = watchLiveness(c, [0, 1], TIME_SCALE);
    const windowMs = (failureThreshold + 2) * periodSeconds * 1000 * TIME_SCALE;
    const t0 = Date.now();
    let readyPasses = 0;
    while (Date.now() - t0 < windowMs) {
      for (const i of [0, 1]) if ((await runProbe(c, i, 'readiness')).ok) readyPasses++;
      await new Promise((r) => setTimeout(r, 500));
    }
    const report = await watcher.stop();
    note(`liveness: ${report.probes} probes over ${Date.now() - t0} ms (${failureThreshold + 2} periods), ${report.failures} failed; first: ${live.detail}`);
    assert.ok(live.ok, live.detail);
    assert.ok(report.probes >= 2 * (failureThreshold + 1), `${report.probes} liveness probes`);
    assert.deepEqual([report.failures, report.restarted], [0, []], 'no liveness failure, no restart');
    assert.equal(readyPasses, 0, 'readiness fails while there is no leader');
    assert.ok(c.pods.get(0)?.running() && c.pods.get(1)?.running(), 'etcd-0 and etcd-1 still run');
    // The kubelet restarts the crashed containers: they come back from their data, and the cluster has a quorum again.
    for (const i of [2, 3, 4]) await startPod(c, i);
    for (const i of [0, 1, 2, 3, 4]) await waitReady(c, i);
    const m = await waitMembers(c, [0, 1, 2, 3, 4], (x) => isExactly(c, x, [0, 1, 2, 3, 4]));
    assert.deepEqual(idsOf(m), before, 'the same member IDs');
    await putKey(c, [0, 1, 2, 3, 4], 'etcd/after-quorum-loss', 'back');
  });

  scenario('scale to 4 removes etcd-4 (its preStop reads spec.replicas 4); back to 5, it rejoins from its old volume as a new member', 120_000, async (w) => {
    const c = k8s(w).plain;
    const before = (await members(c, [0, 1, 2])).find((r) => r.name === podHost(c, 4));
    await scaleDown(c, 4);
    await scaleTo(c, 5);
    const back = c.pods.get(4);
    const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, [0, 1, 2, 3, 4]), 90_000);
    assert.ok(isExactly(c, m, [0, 1, 2, 3, 4]), JSON.stringify(m));
    assert.notEqual(m.find((r) => r.name === podHost(c, 4))?.id, before?.id, 'a new member ID');
    assert.match(back?.log() ?? '', /no longer lists this member[\s\S]*added as a learner[\s\S]*promoted to a voting member/);
  });

  scenario('scale back to 3: the preStop hooks of etcd-4 and etcd-3, run together, remove both; an initial member\'s preStop keeps it', 120_000, async (w) => {
    const c = k8s(w).plain;
    await scaleDown(c, 3);
    const kept = await runPreStop(c, 2);
    assert.equal(kept.code, 0, why(kept));
    assert.match(kept.stderr, /one of the 3 initial members: it stays/);
    assert.ok(isExactly(c, await members(c, [0, 1, 2]), [0, 1, 2]));
    await putKey(c, [0, 1, 2], 'etcd/scaled-back', 'three');
  });

  scenario('every key written throughout is present on etcd-0..2', 30_000, (w) => assertAcked(k8s(w).plain, [0, 1, 2]));

  scenario('--tls self-signed: secure-0..2 bootstrap over https with client certificates; probes on plain :2381 and the exec liveness with the pod certificate', 60_000, async (w, note) => {
    const c = k8s(w).secure;
    await bootstrap(c, note);
    const noCert = await ctl({ ...c, config: { ...c.config, tls: 'none' } }, [0], ['get', 'x']);
    assert.notEqual(noCert.code, 0, 'plain http to a TLS member fails');
    const anonymous = await curl(w.bed, CLIENT_HOST, ['--cacert', clientTlsArgs(c)[1] as string, `${clientUrl(c, 0)}/health`]);
    assert.notEqual(anonymous.status, 200, 'a client without a certificate is refused');
  });

  scenario('--tls self-signed: secure-3 joins and, scaled away, leaves; its keys stay', 120_000, async (w, note) => {
    const c = k8s(w).secure;
    await scaleUp(c, [3], note);
    await scaleDown(c, 3);
    await assertAcked(c, [0, 1, 2]);
  });

  scenario('--tls self-signed: a restarted initial member (preStop, SIGTERM handed to etcd) comes back from its data dir', 90_000, async (w) => {
    const c = k8s(w).secure;
    const before = idsOf(await members(c, [0, 1, 2]));
    const first = c.pods.get(2);
    const { inGrace } = await terminatePod(c, 2, 'restart');
    assert.ok(inGrace);
    // etcd re-raises SIGTERM after its shutdown unless it is PID 1, so the script reports 128+15.
    assert.match(first?.log() ?? '', /etcd exited with status 143/);
    const again = await startPod(c, 2);
    await again.waitFor(/restarting the member from its data dir/, 30_000);
    const m = await waitMembers(c, [0, 1, 2], (x) => isExactly(c, x, [0, 1, 2]));
    assert.deepEqual(idsOf(m), before);
    await putKey(c, [0, 1, 2], 'secure/after-restart', 'back');
    await assertAcked(c, [2]);
  });

  teardownTest(scenario);
});
