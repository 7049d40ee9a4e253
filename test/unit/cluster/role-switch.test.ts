// A host's role (member or proxy) in the topology: a proxy-role host's member stays out of the initial cluster,
// its proxy listens on loopback on the member's client port, and `plan` prints the promote and demote commands of the switch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderHostPlan } from '../../../cluster/plan.js';
import { parseTopology } from '../../../cluster/topology.js';
import type { Topology } from '../../../cluster/topology.js';
import { initialClusterOf, membersOf, validateTopology } from '../../../cluster/validate.js';

const load = (text: string): Topology => parseTopology(parse(text) as Record<string, unknown>, 'topo.yaml');
const FOUR = (tls: string): string => `
tls: ${tls}
hosts:
  a: {address: 10.0.1.10, member: {}}
  b: {address: 10.0.1.11, member: {}}
  c: {address: 10.0.1.12, member: {}}
  w: {address: 10.0.1.20, role: proxy, member: {name: w1}}`;
const plan = (t: Topology, host: string): string => {
  const h = t.hosts.find((x) => x.name === host);
  assert.ok(h);
  return renderHostPlan(h, t, { etcdBin: '/usr/bin/etcd', version: '3.4', stateDir: '/var/lib/etcd-edge', source: 'topo.yaml' });
};

test('a proxy-role host: its member is a standby, out of the initial cluster, and its proxy listens on loopback on the member\'s client port', () => {
  const t = load(FOUR('none'));
  assert.deepEqual(validateTopology(t), []);
  assert.deepEqual(membersOf(t).map((m) => m.name), ['a', 'b', 'c']);
  assert.equal(initialClusterOf(t), 'a=http://10.0.1.10:2380,b=http://10.0.1.11:2380,c=http://10.0.1.12:2380');
  const w = t.hosts[3];
  assert.equal(w?.role, 'proxy');
  assert.equal(w?.member, undefined);
  assert.equal(w?.standby?.name, 'w1');
  assert.deepEqual(w?.proxy, { 'listen-client-urls': 'http://127.0.0.1:2379' });
  assert.equal(t.hosts[0]?.role, 'member');
});

test('plan: a proxy-role host gets its proxy and the promote command, and no etcd unit', () => {
  const out = plan(load(FOUR('none')), 'w');
  assert.match(out, /^etcd-edge proxy --listen-client-urls=http:\/\/127\.0\.0\.1:2379 --initial-cluster=a=http:\/\/10\.0\.1\.10:2380,b=http:\/\/10\.0\.1\.11:2380,c=http:\/\/10\.0\.1\.12:2380 --data-dir=\/var\/lib\/etcd-edge$/m);
  assert.match(out, /^etcd-edge promote --name=w1 --peer-urls=http:\/\/10\.0\.1\.20:2380 --client-urls=http:\/\/10\.0\.1\.20:2379 --listen-peer-urls=http:\/\/10\.0\.1\.20:2380 --listen-client-urls=http:\/\/10\.0\.1\.20:2379 --data-dir=\/var\/lib\/etcd-edge --endpoints=http:\/\/10\.0\.1\.10:2379,http:\/\/10\.0\.1\.11:2379,http:\/\/10\.0\.1\.12:2379$/m);
  assert.match(out, /set role: member\n?# ?for w in topo\.yaml/);
  assert.match(out, /starts from \/var\/lib\/etcd-edge\/w1\.etcd without bootstrap flags/);
  assert.doesNotMatch(out, /ETCD_NAME=/);
  assert.doesNotMatch(out, /etcd-edge demote/);
});

test('plan: a member host of a multi-member cluster gets the demote command with the other members as endpoints', () => {
  const out = plan(load(FOUR('none')), 'a');
  assert.match(out, /^ETCD_NAME="a"$/m);
  assert.match(out, /^etcd-edge demote --name=a --data-dir=\/var\/lib\/etcd-edge --endpoints=http:\/\/10\.0\.1\.11:2379,http:\/\/10\.0\.1\.12:2379$/m);
  assert.match(out, /2 members are left: the cluster tolerates no failure/);
  const single = load(`
hosts:
  a: {address: 10.0.1.10, member: {}}`);
  assert.doesNotMatch(plan(single, 'a'), /demote/, 'the only member has no proxy role to switch to');
});

test('plan with tls: self-signed: the switch commands and the proxy carry the certificate files up creates', () => {
  const t = load(FOUR('self-signed'));
  const w = plan(t, 'w');
  const pki = '/var/lib/etcd-edge/pki';
  // One CA for the cluster: trusted from <data-dir>/ca, where plan's certs ca step puts it on every host.
  const ca = '/var/lib/etcd-edge/ca/ca\\.crt';
  assert.match(w, /^etcd-edge up -f topo\.yaml --host w --data-dir=\/var\/lib\/etcd-edge --ca=\/var\/lib\/etcd-edge\/ca$/m);
  assert.match(w, new RegExp(`^etcd-edge proxy --listen-client-urls=https://127\\.0\\.0\\.1:2379 .*--peer-cert-file=${pki}/client\\.crt --peer-key-file=${pki}/client\\.key --peer-trusted-ca-file=${ca} `
    + `--cert-file=${pki}/edge\\.crt --key-file=${pki}/edge\\.key --trusted-ca-file=${ca} --client-cert-auth=true$`, 'm'), 'the proxy serves https and checks client certs, as the members do');
  assert.match(w, new RegExp(`^etcd-edge promote --name=w1 --peer-urls=https://10\\.0\\.1\\.20:2380 .* --cacert=${ca} --cert=${pki}/client\\.crt --key=${pki}/client\\.key -- --cert-file=${pki}/members/w1\\.crt --key-file=${pki}/members/w1\\.key --trusted-ca-file=${ca} --client-cert-auth=true --peer-cert-file=${pki}/members/w1-peer\\.crt`, 'm'));
  assert.match(w, /^# {3}etcd-edge certs member w1 --hosts 10\.0\.1\.20 --ca \/var\/lib\/etcd-edge\/ca --out \/var\/lib\/etcd-edge\/pki\/members$/m);
  assert.match(w, /^# {3}etcd-edge certs client client --ca \/var\/lib\/etcd-edge\/ca --out \/var\/lib\/etcd-edge\/pki/m);
  assert.match(plan(t, 'b'), new RegExp(`^etcd-edge demote --name=b .* --cacert=${ca} --cert=${pki}/client\\.crt --key=${pki}/client\\.key$`, 'm'));
  const auto = plan(load(FOUR('auto')), 'w');
  assert.match(auto, /^etcd-edge promote .* --insecure-skip-tls-verify -- --auto-tls=true --peer-auto-tls=true$/m);
});

test('a proxy-role host with its own proxy section keeps it; its member\'s peer port still counts against clashes', () => {
  const t = load(`
hosts:
  a: {member: {name: a, listen-peer-urls: http://127.0.0.1:40003, listen-client-urls: http://127.0.0.1:40000}}
  w: {role: proxy, member: {name: w, listen-peer-urls: http://127.0.0.1:40004, listen-client-urls: http://127.0.0.1:40001}, proxy: {proxy: readonly, listen-client-urls: http://127.0.0.1:40001}}`);
  assert.deepEqual(t.hosts[1]?.proxy, { proxy: 'readonly', 'listen-client-urls': 'http://127.0.0.1:40001' });
  assert.deepEqual(validateTopology(t), []);
  const clash = load(`
hosts:
  a: {member: {name: a, listen-peer-urls: http://127.0.0.1:40003, listen-client-urls: http://127.0.0.1:40000}}
  w: {role: proxy, member: {name: w, listen-peer-urls: http://127.0.0.1:40003, listen-client-urls: http://127.0.0.1:40001}}`);
  assert.throws(() => validateTopology(clash), /port 40003 on 127\.0\.0\.1 is used twice/);
});
