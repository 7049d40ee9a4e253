// The member script's and the preStop hook's decisions, run for real under dash with fake etcdctl, etcd and sleep
// on PATH: what each start path calls and with which flags, and which bad environments are refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { memberScript } from '../../../manifests/script.js';
import { preStopScript } from '../../../manifests/prestop.js';
import { requireTool } from '../../helpers/etcd.js';

// dash is Debian's /bin/sh: the scripts must run on it, not only on bash.
requireTool('dash', 'dash');
const root = mkdtempSync(path.join(os.tmpdir(), 'manifests-script-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Per subcommand (list, add, remove, promote): the Nth call prints $FAKE/<sub>.N (else $FAKE/<sub>) and exits with
// $FAKE/<sub>.rc.N (else $FAKE/<sub>.rc, else 0).
const FAKE_ETCDCTL = `#!/bin/sh
echo "$*" >>"$FAKE/calls"
sub=
prev=
for a in "$@"; do [ "$prev" = member ] && sub=$a; prev=$a; done
n=$(( $(cat "$FAKE/$sub.n" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$FAKE/$sub.n"
out="$FAKE/$sub.$n"
[ -e "$out" ] || out="$FAKE/$sub"
[ -e "$out" ] && cat "$out"
exit "$(cat "$FAKE/$sub.rc.$n" 2>/dev/null || cat "$FAKE/$sub.rc" 2>/dev/null || echo 0)"
`;
// kubectl: records its arguments, prints $FAKE/scale (a Scale object) and exits with $FAKE/scale.rc (else 0).
const FAKE_KUBECTL = `#!/bin/sh
echo "$*" >>"$FAKE/kubectl.calls"
[ -e "$FAKE/scale" ] && cat "$FAKE/scale"
exit "$(cat "$FAKE/scale.rc" 2>/dev/null || echo 0)"
`;
const FAKE_ETCD = `#!/bin/sh
printf '%s\\n' "$@" >"$FAKE/etcd.args"
if [ -e "$DATA_DIR/member" ]; then echo present; else echo absent; fi >"$FAKE/etcd.data"
/bin/sleep "$(cat "$FAKE/etcd.sleep" 2>/dev/null || echo 0)"
`;

const host = (i: number): string => `etcd-${i}.etcd.default.svc.cluster.local`;
const row = (id: string, status: string, i: number, learner = false): string =>
  `${id}, ${status}, ${status === 'started' ? `etcd-${i}` : ''}, http://${host(i)}:2380, ${status === 'started' ? `http://${host(i)}:2379` : ''}, ${learner}`;
const THREE = [row('a1', 'started', 0), row('b2', 'started', 1), row('c3', 'started', 2)];
const ADD_OUT = `Member               d4 added to cluster f00\n\nETCD_NAME="etcd-3"\nETCD_INITIAL_CLUSTER="etcd-0=http://${host(0)}:2380,etcd-3=http://${host(3)}:2380"\n`;

interface Run { code: number; stderr: string; calls: string[]; kubectl: string[]; etcd: string[] | undefined; dataAtStart: string | undefined; dir: string }

/** Runs script as pod `pod` with fake binaries; files seeds the fakes' state (list, list.N, list.rc, add, remove.rc, ...). */
async function run(script: string, pod: string, files: Record<string, string>, env: Record<string, string> = {}, wal = false): Promise<Run> {
  const dir = mkdtempSync(path.join(root, 'pod-'));
  const bin = path.join(dir, 'bin');
  const fake = path.join(dir, 'fake');
  mkdirSync(bin);
  mkdirSync(fake);
  for (const [name, body] of [['etcdctl', FAKE_ETCDCTL], ['etcd', FAKE_ETCD], ['kubectl', FAKE_KUBECTL], ['sleep', '#!/bin/sh\nexit 0\n']] as const) {
    writeFileSync(path.join(bin, name), body);
    chmodSync(path.join(bin, name), 0o755);
  }
  for (const [k, v] of Object.entries(files)) writeFileSync(path.join(fake, k), v);
  const data = path.join(dir, 'volume', 'data');
  const sa = path.join(dir, 'sa');
  mkdirSync(sa);
  writeFileSync(path.join(sa, 'token'), 'tok3n');
  if (wal) {
    mkdirSync(path.join(data, 'member', 'wal'), { recursive: true });
    writeFileSync(path.join(data, 'member', 'wal', '0000000000000000-0000000000000000.wal'), '');
  }
  const fullEnv = {
    PATH: `${bin}:/usr/bin:/bin`, FAKE: fake, POD_NAME: pod, POD_NAMESPACE: 'default', POD_IP: `10.0.0.1${pod.slice(-1)}`,
    SERVICE_NAME: 'etcd', CLUSTER_DOMAIN: 'cluster.local', INITIAL_CLUSTER_SIZE: '3', DATA_DIR: data, TOOLS_DIR: bin,
    KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', SERVICEACCOUNT_DIR: sa, ...env,
  };
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile('dash', ['-c', script], { env: fullEnv, timeout: 15_000 }, (err, _out, errOut) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 124) : 0, stderr: errOut }));
  });
  const read = (f: string): string | undefined => (existsSync(path.join(fake, f)) ? readFileSync(path.join(fake, f), 'utf8') : undefined);
  return { code, stderr, dir, calls: (read('calls') ?? '').split('\n').filter(Boolean).map((l) => l.replace(/^.*?--command-timeout=8s /, '')),
    kubectl: (read('kubectl.calls') ?? '').split('\n').filter(Boolean), etcd: read('etcd.args')?.split('\n').filter(Boolean), dataAtStart: read('etcd.data')?.trim() };
}

const member = memberScript({ tls: false });
const initialCluster = `--initial-cluster=etcd-0=http://${host(0)}:2380,etcd-1=http://${host(1)}:2380,etcd-2=http://${host(2)}:2380`;

test('an initial ordinal without data and no cluster answering bootstraps: state new, the first 3 pods, IP listen URLs', async () => {
  const r = await run(member, 'etcd-1', { 'list.rc': '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.calls, ['member list']);
  assert.deepEqual(r.etcd, ['--name=etcd-1', `--data-dir=${path.join(r.dir, 'volume', 'data')}`, '--logger=zap',
    '--listen-peer-urls=http://10.0.0.11:2380', '--listen-client-urls=http://10.0.0.11:2379,http://127.0.0.1:2379',
    `--initial-advertise-peer-urls=http://${host(1)}:2380`, `--advertise-client-urls=http://${host(1)}:2379`,
    initialCluster, '--initial-cluster-state=new', '--initial-cluster-token=etcd-default']);
  assert.match(r.stderr, /bootstrapping the initial cluster of 3 members/);
});

test('an initial ordinal listed as unstarted (a late bootstrapper) bootstraps too', async () => {
  const r = await run(member, 'etcd-2', { list: [row('a1', 'started', 0), row('b2', 'started', 1), row('c3', 'unstarted', 2)].join('\n') });
  assert.ok(r.etcd?.includes('--initial-cluster-state=new'), r.stderr);
  assert.deepEqual(r.calls, ['member list']);
});

test('an initial ordinal without data that the cluster lists as started lost its volume: remove, then join as a learner', async () => {
  const r = await run(member, 'etcd-2', { list: THREE.join('\n'), 'list.3': [...THREE.slice(0, 2), row('e5', 'started', 2, true)].join('\n'), add: ADD_OUT, 'etcd.sleep': '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.calls.slice(0, 4), ['member list', 'member list', 'member remove c3', `member add etcd-2 --peer-urls=http://${host(2)}:2380 --learner`]);
  assert.ok(r.etcd?.includes('--initial-cluster-state=existing'));
});

test('a higher ordinal adds itself as a learner, starts with the printed initial cluster, and is promoted', async () => {
  const r = await run(member, 'etcd-3', { list: THREE.join('\n'), 'list.2': [...THREE, row('d4', 'started', 3, true)].join('\n'), add: ADD_OUT, 'etcd.sleep': '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.calls, ['member list', `member add etcd-3 --peer-urls=http://${host(3)}:2380 --learner`, 'member list', 'member promote d4']);
  assert.ok(r.etcd?.includes(`--initial-cluster=etcd-0=http://${host(0)}:2380,etcd-3=http://${host(3)}:2380`));
  assert.ok(r.etcd?.includes('--initial-cluster-state=existing'));
  assert.match(r.stderr, /added as a learner[\s\S]*promoted to a voting member/);
});

test('a higher ordinal whose earlier add never started removes that stale member before adding itself again', async () => {
  const r = await run(member, 'etcd-3', { list: [...THREE, row('9f', 'unstarted', 3, true)].join('\n'), add: ADD_OUT });
  assert.deepEqual(r.calls.slice(0, 3), ['member list', 'member remove 9f', `member add etcd-3 --peer-urls=http://${host(3)}:2380 --learner`]);
  assert.match(r.stderr, /removing the stale member 9f \(unstarted\)/);
});

test('a refused member add is retried until it is accepted', async () => {
  const r = await run(member, 'etcd-4', { list: THREE.join('\n'), add: ADD_OUT, 'add.1': 'Error: etcdserver: too many learner members in cluster', 'add.rc.1': '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.calls.filter((c) => c.startsWith('member')).slice(0, 4).map((c) => c.split(' ').slice(0, 2).join(' ')),
    ['member list', 'member add', 'member list', 'member add']);
  assert.match(r.stderr, /member add refused, retrying: Error: etcdserver: too many learner members in cluster/);
});

test('a data dir with a WAL that the cluster still lists restarts as it is: no member add', async () => {
  const r = await run(member, 'etcd-3', { list: [...THREE, row('d4', 'started', 3)].join('\n'), 'etcd.sleep': '1' }, {}, true);
  assert.deepEqual(r.calls, ['member list', 'member list']);
  assert.ok(r.etcd?.includes(`--initial-cluster=etcd-3=http://${host(3)}:2380`));
  assert.equal(r.dataAtStart, 'present');
  assert.match(r.stderr, /restarting the member from its data dir/);
});

test('a data dir with a WAL and nobody answering restarts as it is (the whole cluster restarting)', async () => {
  const r = await run(member, 'etcd-0', { 'list.rc': '1' }, {}, true);
  assert.ok(r.etcd?.includes(initialCluster));
  assert.equal(r.dataAtStart, 'present');
});

test('a data dir of a removed member is discarded and the member joins again', async () => {
  const r = await run(member, 'etcd-3', { list: THREE.join('\n'), add: ADD_OUT }, {}, true);
  assert.match(r.stderr, /no longer lists this member/);
  assert.ok(r.calls.some((c) => c.startsWith('member add etcd-3')));
  assert.equal(r.dataAtStart, 'absent', 'the old data is gone before etcd starts');
});

test('TLS: https URLs, the pod certificate for etcd and etcdctl, client-cert auth, plain-http /health on 2381', async () => {
  const tlsDir = path.join(root, 'tls');
  mkdirSync(tlsDir, { recursive: true });
  writeFileSync(path.join(tlsDir, 'etcd-0.crt'), 'x');
  const r = await run(memberScript({ tls: true }), 'etcd-0', { 'list.rc': '1' }, { TLS_DIR: tlsDir });
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['--listen-peer-urls=https://10.0.0.10:2380', `--advertise-client-urls=https://${host(0)}:2379`, `--cert-file=${tlsDir}/etcd-0.crt`,
    `--peer-key-file=${tlsDir}/etcd-0.key`, `--trusted-ca-file=${tlsDir}/ca.crt`, '--client-cert-auth', '--peer-client-cert-auth', '--listen-metrics-urls=http://10.0.0.10:2381']) {
    assert.ok(r.etcd?.includes(f), `${f} in ${JSON.stringify(r.etcd)}`);
  }
  const calls = readFileSync(path.join(r.dir, 'fake', 'calls'), 'utf8');
  assert.match(calls, new RegExp(`--cacert=${tlsDir}/ca.crt --cert=${tlsDir}/etcd-0.crt --key=${tlsDir}/etcd-0.key member list`));
});

test('an IPv6 pod IP is bracketed in the listen URLs', async () => {
  const r = await run(member, 'etcd-0', { 'list.rc': '1' }, { POD_IP: 'fd00::10' });
  assert.ok(r.etcd?.includes('--listen-peer-urls=http://[fd00::10]:2380'), JSON.stringify(r.etcd));
});

const refused: { name: string; pod: string; env: Record<string, string>; re: RegExp; tls?: boolean }[] = [
  { name: 'a pod name without an ordinal', pod: 'etcd', env: {}, re: /does not end in an ordinal/ },
  { name: 'no POD_IP', pod: 'etcd-0', env: { POD_IP: '' }, re: /POD_IP is not set/ },
  { name: 'a data dir at the root', pod: 'etcd-0', env: { DATA_DIR: '/' }, re: /must be a directory inside the volume/ },
  { name: 'a data dir that is the mount point itself', pod: 'etcd-0', env: { DATA_DIR: '/data' }, re: /must be a directory inside the volume/ },
  { name: 'a size that is no number', pod: 'etcd-0', env: { INITIAL_CLUSTER_SIZE: 'three' }, re: /not a positive number/ },
  { name: 'a pod beyond the certificates', pod: 'etcd-9', env: { TLS_DIR: '/nonexistent' }, re: /no certificate for etcd-9/, tls: true },
];
for (const c of refused) {
  test(`the member script refuses ${c.name}`, async () => {
    const r = await run(memberScript({ tls: c.tls ?? false }), c.pod, {}, c.env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, c.re);
    assert.equal(r.etcd, undefined, 'etcd never started');
  });
}

const preStop = preStopScript({ tls: false });
const scale = (n: number): string => `{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"etcd","namespace":"default"},"spec":${n === 0 ? '{}' : `{"replicas":${n}}`},"status":{"replicas":5}}`;
const FIVE = [...THREE, row('d4', 'started', 3), row('e5', 'started', 4)].join('\n');

test('preStop keeps an initial member without asking the cluster or the API server', async () => {
  const r = await run(preStop, 'etcd-2', { scale: scale(0) });
  assert.equal(r.code, 0);
  assert.deepEqual([r.calls, r.kubectl], [[], []]);
  assert.match(r.stderr, /one of the 3 initial members/);
});

test('preStop on a scale-down (ordinal at or above spec.replicas) reads the scale with the ServiceAccount, then removes the member', async () => {
  const r = await run(preStop, 'etcd-4', { list: FIVE, scale: scale(4) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.kubectl, [`--server=https://10.96.0.1:443 --certificate-authority=${path.join(r.dir, 'sa', 'ca.crt')} --token=tok3n --request-timeout=5s `
    + 'get --raw /apis/apps/v1/namespaces/default/statefulsets/etcd/scale']);
  assert.deepEqual(r.calls, ['member list', 'member remove e5']);
  const eps = readFileSync(path.join(r.dir, 'fake', 'calls'), 'utf8').split('\n')[0] ?? '';
  assert.match(eps, new RegExp(`--endpoints=${[0, 1, 2, 3, 4].map((i) => `http://${host(i)}:2379`).join(',')} `));
  assert.match(r.stderr, /scaled down to 4 pods: leaving the cluster/);
});

const kept: { name: string; pod: string; files: Record<string, string>; env?: Record<string, string>; re: RegExp }[] = [
  { name: 'a rolling update, drain or eviction (the ordinal within spec.replicas)', pod: 'etcd-4', files: { scale: scale(5) }, re: /keeps 5 pods: a restart, not a scale-down/ },
  { name: 'an IPv6 API server address, bracketed', pod: 'etcd-3', files: { scale: scale(7) }, env: { KUBERNETES_SERVICE_HOST: 'fd00::1' }, re: /keeps 7 pods/ },
  { name: 'a scale to 0 (replicas omitted from the Scale)', pod: 'etcd-4', files: { scale: scale(0) }, re: /scaled to 0, below the 3 initial members/ },
];
for (const k of kept) {
  test(`preStop keeps the member on ${k.name}: no etcdctl call`, async () => {
    const r = await run(preStop, k.pod, { list: FIVE, ...k.files }, k.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.calls, []);
    assert.match(r.stderr, k.re);
    if (k.env?.KUBERNETES_SERVICE_HOST) assert.match(r.kubectl[0] ?? '', /--server=https:\/\/\[fd00::1\]:443 /);
  });
}

test('preStop keeps the member and exits 1 when the API server cannot be asked (3 tries)', async () => {
  const r = await run(preStop, 'etcd-4', { list: FIVE, scale: 'Error from server (Forbidden): statefulsets.apps "etcd" is forbidden', 'scale.rc': '1' });
  assert.equal(r.code, 1);
  assert.equal(r.kubectl.length, 3);
  assert.deepEqual(r.calls, []);
  assert.match(r.stderr, /cannot read the scale of statefulset etcd: Error from server \(Forbidden\)[\s\S]*cannot tell a scale-down from a restart: the member stays/);
});

test('preStop of a member that is already gone does nothing', async () => {
  const r = await run(preStop, 'etcd-3', { list: THREE.join('\n'), scale: scale(3) });
  assert.equal(r.code, 0);
  assert.deepEqual(r.calls, ['member list']);
});

test('preStop gives up after 5 refused removals, exiting 1 with how to do it by hand', async () => {
  const r = await run(preStop, 'etcd-3', { list: [...THREE, row('d4', 'started', 3)].join('\n'), scale: scale(3), 'remove.rc': '1' });
  assert.equal(r.code, 1);
  assert.equal(r.calls.filter((c) => c === 'member remove d4').length, 5);
  assert.match(r.stderr, /etcdctl member remove/);
});
