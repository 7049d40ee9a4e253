// One CA across hosts, on its own bed: for a 3-host `tls: self-signed` topology with a `role: proxy` worker, the
// lines `etcd-edge plan` prints are run verbatim in the namespace hosts: the once-per-cluster `certs ca` line on one
// host, its two files copied to the others as the plan says, each host's `up` line, then the worker's `promote`
// line. The cluster is healthy over mutual TLS with one CA, and the worker becomes a voting member.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import type { HostSpec } from '../netns/bed.js';
import { createBed, ETCD_EDGE } from '../netns/bed.js';
import { etcdctl, retry, why } from '../netns/clients.js';
import { isolationProblems } from '../netns/isolation.js';
import { INFRA } from './topologies.js';
import { bedSuite, teardownTest } from './world.js';
import type { World } from './world.js';
import { printed } from '../helpers/plan-lines.js';

const WORKER = '10.231.0.20';
const HOSTS: readonly HostSpec[] = [
  { name: 'infra0', private: INFRA.infra0 }, { name: 'infra1', private: INFRA.infra1 }, { name: 'infra2', private: INFRA.infra2 },
  { name: 'worker0', private: WORKER },
];
const MEMBERS = Object.values(INFRA).map((ip) => `https://${ip}:2379`);

function topology(token: string): string {
  return `# written by test/hosts/shared-ca.test.ts
cluster-token: ${token}
tls: self-signed
hosts:
  infra0: {address: ${INFRA.infra0}, member: {}}
  infra1: {address: ${INFRA.infra1}, member: {}}
  infra2: {address: ${INFRA.infra2}, member: {}}
  worker0: {address: ${WORKER}, role: proxy, member: {}}
`;
}

interface CaWorld extends World { readonly plans: ReadonlyMap<string, string> }

async function startWorld(): Promise<CaWorld> {
  const bed = createBed(HOSTS);
  try {
    const file = path.join(bed.dir, 'topology.yaml');
    writeFileSync(file, topology(`${bed.id}-ca`));
    const plans = new Map<string, string>();
    for (const h of HOSTS) {
      const r = await bed.exec(h.name, process.execPath, [ETCD_EDGE, 'plan', '-f', file, '--host', h.name, '--data-dir', path.join(bed.dir, h.name)]);
      assert.equal(r.code, 0, why(r));
      plans.set(h.name, r.stdout);
    }
    // Once for the cluster, on infra0, as its plan prints it; then the copy the plan asks for, to every host's dir.
    const ca = printed(plans.get('infra0') ?? '', 'certs');
    const made = await bed.exec('infra0', process.execPath, [ETCD_EDGE, ...ca]);
    assert.equal(made.code, 0, why(made));
    const caDir = ca[ca.indexOf('--out') + 1] ?? '';
    for (const h of HOSTS.filter((x) => x.name !== 'infra0')) {
      const to = path.join(bed.dir, h.name, 'ca');
      mkdirSync(to, { recursive: true, mode: 0o700 });
      for (const f of ['ca.crt', 'ca.key']) copyFileSync(path.join(caDir, f), path.join(to, f));
    }
    await Promise.all(HOSTS.map((h) => bed.edge(h.name, 'up', printed(plans.get(h.name) ?? '', 'up'), /"msg":"etcd-edge is up"/, 90_000)));
    return { bed, acked: new Map(), ackedV2: new Map(), plans };
  } catch (err) {
    bed.dumpLogs();
    bed.close();
    throw err;
  }
}

const tlsFlags = (w: World, host: string): string[] => {
  const d = path.join(w.bed.dir, host);
  return ['--cacert', path.join(d, 'ca', 'ca.crt'), '--cert', path.join(d, 'pki', 'client.crt'), '--key', path.join(d, 'pki', 'client.key')];
};

async function healthyWithOneCa(w: World): Promise<void> {
  const { result } = await retry(() => etcdctl(w.bed, 'infra0', ['--endpoints', MEMBERS.join(','), ...tlsFlags(w, 'infra0'), 'endpoint', 'health']),
    (r) => r.code === 0);
  assert.equal(result.code, 0, why(result));
  assert.equal((result.stdout + result.stderr).match(/is healthy/g)?.length, 3, why(result));
  const put = await etcdctl(w.bed, 'infra2', ['--endpoints', MEMBERS[0] ?? '', ...tlsFlags(w, 'infra2'), 'put', 'ca/k', 'one-ca']);
  assert.equal(put.code, 0, why(put));
  // Every member's peer and client certificates chain to the one CA made on infra0.
  for (const h of Object.keys(INFRA)) {
    const v = await w.bed.exec(h, 'openssl', ['verify', '-CAfile', path.join(w.bed.dir, 'infra0', 'ca', 'ca.crt'),
      path.join(w.bed.dir, h, 'pki', 'members', `${h}.crt`), path.join(w.bed.dir, h, 'pki', 'members', `${h}-peer.crt`)]);
    assert.equal(v.code, 0, why(v));
  }
}

async function promoteWorker(w: CaWorld): Promise<void> {
  await w.bed.edge('worker0', 'promote', printed(w.plans.get('worker0') ?? '', 'promote'), /"msg":"member is ready"/, 120_000);
  const list = await etcdctl(w.bed, 'worker0', ['--endpoints', MEMBERS.join(','), ...tlsFlags(w, 'worker0'), 'member', 'list']);
  assert.equal(list.code, 0, why(list));
  const rows = list.stdout.trim().split('\n').map((l) => l.split(', '));
  assert.deepEqual(rows.map((r) => [r[2], r[1], r[5]]).sort(), [...Object.keys(INFRA), 'worker0'].map((n) => [n, 'started', 'false']));
  const got = await etcdctl(w.bed, 'worker0', ['--endpoints', `https://${WORKER}:2379`, ...tlsFlags(w, 'worker0'), 'get', 'ca/k', '--print-value-only']);
  assert.equal(got.stdout.trim(), 'one-ca', why(got));
}

describe('one CA across hosts: plan\'s lines for tls: self-signed, run verbatim in namespace hosts', { timeout: 300_000 }, () => {
  const scenario = bedSuite(startWorld);
  scenario('0. the bed is isolated', 30_000, async (w) => assert.deepEqual(await isolationProblems(w.bed, HOSTS), []));
  scenario('plan\'s certs ca line once, its files copied, each host\'s up line: a healthy cluster over TLS with one CA', 60_000, healthyWithOneCa);
  scenario('plan\'s promote line for the role: proxy worker, after its up line: a fourth voting member', 150_000, (w) => promoteWorker(w as CaWorld));
  teardownTest(scenario);
});
