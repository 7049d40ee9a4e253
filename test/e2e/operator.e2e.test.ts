// e2e: the rough edges an etcd operator meets, each with real etcd, dig and etcdctl: dns serve on a tls topology
// publishes _etcd-server-ssl; a bare `certs`/`gateway` is a usage error; --base-port 0 and deep YAML get their own
// errors; a gateway with a scheme-less endpoint and no TLS settings syncs over http only; a restarted bundled up
// starts what the cluster now is after a demote.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kvGet, kvPut } from '../../etcd/etcd-client.js';
import { BIN, runBin, spawnBin, spawnCmd } from '../helpers/bin.js';
import type { BinProcess } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool, startBundledCluster, tempDir } from '../helpers/etcd.js';
import { peerEntry, startMember } from '../helpers/etcd-member.js';
import { freePort, freePorts } from '../helpers/ports.js';
import { listMembers } from './membership-support.js';
import { printed } from '../helpers/plan-lines.js';

function dig(port: number, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=2', ...args], { timeout: 15_000 }, (err, stdout) => {
      if (err && !stdout) reject(err);
      else resolve(stdout);
    });
  });
}

test('dns serve on a tls: self-signed topology with derived URLs publishes _etcd-server-ssl, as plan derives https', async (t) => {
  requireTool('dig', 'bind9-dnsutils');
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'topology.yaml'), `bootstrap: dns
discovery-srv: example.test
tls: self-signed
hosts:
  infra0: {address: 10.231.0.10, member: {}}
  infra1: {address: 10.231.0.11, member: {}}
  spare: {address: 10.231.0.12, role: proxy, member: {}}
`);
  const plan = await runBin(['plan', '-f', 'topology.yaml', '--host', 'infra0'], { cwd: dir });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /--initial-advertise-peer-urls=https:\/\/10\.231\.0\.10:2380/);
  const port = await freePort();
  const dns = spawnBin(['dns', 'serve', '--listen-addr', `127.0.0.1:${port}`, '-f', 'topology.yaml'], { cwd: dir });
  t.after(async () => assert.equal(await dns.stop(), 0));
  await dns.waitFor(/"msg":"dns server ready"/);
  const short = async (name: string): Promise<string[]> => (await dig(port, [name, 'SRV', '+short'])).trim().split('\n').filter(Boolean).sort();
  assert.deepEqual(await short('_etcd-server-ssl._tcp.example.test'), ['0 0 2380 infra0.example.test.', '0 0 2380 infra1.example.test.']);
  assert.deepEqual(await short('_etcd-client-ssl._tcp.example.test'), ['0 0 2379 infra0.example.test.', '0 0 2379 infra1.example.test.']);
  assert.match(await dig(port, ['_etcd-server._tcp.example.test', 'SRV']), /status: NXDOMAIN/, 'no plain records for https peers');
});

test('usage errors: bare certs and gateway print usage and exit 2; --base-port 0; deep YAML nesting', async (t) => {
  for (const group of ['certs', 'gateway']) {
    const r = await runBin([group]);
    assert.equal(r.code, 2, `bare ${group}`);
    assert.match(r.stdout, new RegExp(`^usage: etcd-edge ${group} `), `bare ${group} prints its usage`);
  }
  const help = await runBin(['certs', '--help']);
  assert.equal(help.code, 0);
  const bp = await runBin(['up', '--base-port', '0']);
  assert.equal(bp.code, 2);
  assert.match(bp.stderr, /^error: invalid --base-port 0: the bundled layout uses ports P\.\.P\+7, which must lie in 1\.\.65535 \[EDGE_USAGE\]\nhint: pass --base-port with a port/);
  assert.doesNotMatch(bp.stderr, /endpoints/);
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'deep.yaml'), `hosts:\n  a:\n    proxy:\n      x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
  for (const cmd of [['plan', '-f', 'deep.yaml'], ['up', '-f', 'deep.yaml', '--host', 'a'], ['dns', 'serve', '-f', 'deep.yaml', '--domain', 'example.test']]) {
    const r = await runBin(cmd, { cwd: dir });
    assert.equal(r.code, 2, cmd.join(' '));
    assert.match(r.stderr, /topology file "\S+deep\.yaml" nests deeper than 64 levels \[EDGE_CONFIG_INVALID\]/, cmd.join(' '));
    assert.doesNotMatch(r.stderr, /call stack/);
  }
});

test('gateway start with a scheme-less endpoint and no TLS settings syncs over http only', async (t) => {
  const [client, peer, listen] = [await freePort(), await freePort(), await freePort()];
  const m = await startMember(t, { name: 'g1', clientPort: client, peerPort: peer, initialCluster: peerEntry('g1', peer), state: 'new' });
  const gw = spawnBin(['gateway', 'start', '--listen-addr', `127.0.0.1:${listen}`, '--endpoints', `127.0.0.1:${client}`, '--endpoints-auto-sync-interval', '300ms']);
  t.after(async () => assert.equal(await gw.stop(), 0));
  await gw.waitFor(/"msg":"ready to proxy client requests"/);
  assert.equal((await etcdctl(['--endpoints', `127.0.0.1:${listen}`, 'put', 'through', 'gateway'])).code, 0);
  await m.stop();
  await gw.waitFor(/"msg":"endpoint sync failed"/, 15_000);
  const failed = gw.stderr().split('\n').filter((l) => l.includes('endpoint sync failed'));
  assert.match(failed[0] ?? '', /http:\/\/127\.0\.0\.1:\d+/);
  assert.doesNotMatch(gw.stderr(), /https:\/\//, 'no https attempt for a plain endpoint');
});

test('bundled up restarted after a demote starts the cluster as it now is', async (t) => {
  const basePort = await freePorts(8);
  const c = await startBundledCluster(t, { edge: true, basePort });
  const eps = c.clientUrls[0] ?? '';
  assert.equal((await etcdctl(['--endpoints', eps, 'put', 'kept', 'yes'])).code, 0);
  const r = await runBin(['demote', '--name', 'infra3', '--data-dir', c.dataDir, '--endpoints', eps, '--start-proxy=false']);
  assert.equal(r.code, 0, r.stderr);
  await c.proc.waitFor(/member infra3 was removed from the cluster; not restarting it/, 10_000);
  assert.deepEqual(JSON.parse(readFileSync(path.join(c.dataDir, 'removed-members.json'), 'utf8')), { removed: ['infra3'] });
  assert.equal(await c.stop(), 0);

  const again = spawnBin(['up', '--base-port', String(basePort), '--edge=true', '--data-dir', c.dataDir]);
  t.after(async () => assert.equal(await again.stop(), 0));
  await again.waitFor(/"msg":"etcd-edge is up"/, 60_000);
  assert.match(again.stdout(), /member infra3 was removed from the cluster \(demoted\) and has no data dir: not starting it/);
  assert.doesNotMatch(again.stdout(), /starting member infra3/);
  assert.deepEqual((await listMembers(eps)).map((x) => x.name).sort(), ['infra1', 'infra2']);
  const got = await eventually(async () => {
    const g = await etcdctl(['--endpoints', `127.0.0.1:${basePort + 7}`, 'get', 'kept', '--print-value-only']);
    return g.code === 0 ? g.stdout.trim() : undefined;
  });
  assert.equal(got, 'yes', 'the gateway serves the cluster that is left');
});

test('plan --data-dir: its up, promote and demote lines work verbatim, in order, and keep state where they say', async (t) => {
  requireTool('etcd', 'etcd-server');
  const dir = tempDir(t);
  const p = await freePorts(7);
  const u = (port: number): string => `http://127.0.0.1:${port}`;
  writeFileSync(path.join(dir, 'topo.yaml'), `cluster-token: plan-verbatim
hosts:
  a: {member: {name: a, listen-peer-urls: ${u(p + 3)}, listen-client-urls: ${u(p)}}, proxy: {listen-client-urls: ${u(p + 6)}}}
  b: {member: {name: b, listen-peer-urls: ${u(p + 4)}, listen-client-urls: ${u(p + 1)}}}
  w: {role: proxy, member: {name: w, listen-peer-urls: ${u(p + 5)}, listen-client-urls: ${u(p + 2)}}}
`);
  const plans = new Map<string, string>();
  for (const h of ['a', 'b', 'w']) {
    const r = await runBin(['plan', '-f', 'topo.yaml', '--host', h, '--data-dir', path.join(dir, `state-${h}`)], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    plans.set(h, r.stdout);
  }
  const upArgs = (h: string): string[] => printed(plans.get(h) ?? '', 'up');
  assert.ok(upArgs('a').includes(`--data-dir=${path.join(dir, 'state-a')}`), 'the up line carries --data-dir');
  const ups = ['a', 'b', 'w'].map((h) => spawnBin(upArgs(h), { cwd: dir }));
  t.after(async () => { for (const x of ups) assert.equal(await x.stop(), 0); });
  await Promise.all(ups.map((x) => x.waitFor(/"msg":"etcd-edge is up"/, 60_000)));
  await eventually(() => kvPut(u(p + 2), 'via-w', 'proxy', { timeoutMs: 3000 }).then(() => true, () => false));

  const promote = spawnBin(printed(plans.get('w') ?? '', 'promote'), { cwd: dir });
  t.after(async () => assert.equal(await promote.stop(), 0));
  await promote.waitFor(/"msg":"member is ready"/, 90_000);
  assert.equal(await ups[2]?.exited(), 0, 'promote found up\'s proxy on the plan\'s data dir and stopped that up');
  assert.ok(readFileSync(path.join(dir, 'state-w', 'w.etcd', 'member', 'wal', '0000000000000000-0000000000000000.wal')).length > 0, 'the member\'s data is under the plan\'s --data-dir');
  assert.equal(await kvGet(u(p + 2), 'via-w', { timeoutMs: 5000 }), 'proxy', 'the member answers where the proxy did');

  const demoteArgs = printed(plans.get('a') ?? '', 'demote');
  assert.ok(demoteArgs.includes('--start-proxy=false'), 'a runs a proxy inside up: demote must not start another');
  const d = await runBin(demoteArgs, { cwd: dir, timeoutMs: 90_000 });
  assert.equal(d.code, 0, d.stdout + d.stderr);
  await ups[0]?.waitFor(/member a was removed from the cluster; not restarting it/, 10_000);
  assert.deepEqual((await listMembers(u(p + 1))).map((x) => x.name).sort(), ['b', 'w']);
  assert.equal(await eventually(() => kvGet(u(p + 6), 'via-w', { timeoutMs: 3000 })), 'proxy', 'a\'s proxy follows the cluster that is left');
});

test('up on a terminal prints human log lines and no raw JSON; --log-format json keeps JSON there', async (t) => {
  requireTool('script', 'util-linux');
  const basePort = await freePorts(8);
  const dataDir = tempDir(t);
  const run = (extra: string): BinProcess =>
    // script(1) gives up a pseudo-terminal as stdout and stderr; its own stdout carries what the terminal shows.
    spawnCmd('script', ['-qfc', `exec ${process.execPath} ${BIN} up --base-port ${basePort} --data-dir ${dataDir} --edge=false${extra}`, '/dev/null']);
  const stopUp = async (p: BinProcess): Promise<number> => {
    const rec = JSON.parse(readFileSync(path.join(dataDir, 'up.json'), 'utf8')) as { pid: number };
    process.kill(rec.pid, 'SIGTERM');
    return p.exited();
  };
  const human = run('');
  t.after(() => human.stop('SIGKILL'));
  await human.waitFor(/etcd-edge is up/, 60_000);
  await human.waitFor(/running; press Ctrl-C to stop/);
  assert.equal(await stopUp(human), 0);
  const lines = human.stdout().split(/\r?\n/);
  assert.deepEqual(lines.filter((l) => l.trimStart().startsWith('{')), [], 'no raw JSON line on a terminal');
  assert.ok(lines.some((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tINFO\tup\tetcd-edge is up\t\{"members":\["infra1","infra2","infra3"\]/.test(l)), human.stdout());
  assert.ok(lines.some((l) => /^member infra1 is healthy/.test(l)), 'progress lines are unchanged');

  const json = run(' --log-format json');
  t.after(() => json.stop('SIGKILL'));
  await json.waitFor(/"msg":"etcd-edge is up"/, 60_000);
  await json.waitFor(/running; press Ctrl-C to stop/);
  assert.equal(await stopUp(json), 0);
});

test('completion bash: sourced in bash, it completes commands, subcommands, flags and flag values from the specs', async () => {
  requireTool('bash', 'bash');
  const complete = (words: readonly string[]): Promise<string> => new Promise((resolve, reject) => {
    const script = `source <("${process.execPath}" "${BIN}" completion bash) || exit 9
complete -p etcd-edge
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _etcd_edge; echo "[\${COMPREPLY[*]}]"`;
    execFile('bash', ['-c', script], { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const cases: { words: string[]; want: RegExp }[] = [
    { words: ['etcd-edge', 'de'], want: /^\[demote\]$/m },
    { words: ['etcd-edge', 'c'], want: /^\[certs completion\]$/m },
    { words: ['etcd-edge', 'certs', 'm'], want: /^\[member\]$/m },
    { words: ['etcd-edge', 'gateway', 'start', '--endpoints'], want: /^\[--endpoints --endpoints-auto-sync-interval\]$/m },
    { words: ['etcd-edge', 'up', '--log-f'], want: /^\[--log-format\]$/m },
    { words: ['etcd-edge', 'up', '--tls', ''], want: /^\[none auto self-signed\]$/m },
    { words: ['etcd-edge', 'dns', 'serve', '--log-format', ''], want: /^\[json console\]$/m },
    { words: ['etcd-edge', 'proxy', '--log-format', 'j'], want: /^\[json\]$/m },
  ];
  for (const c of cases) {
    const out = await complete(c.words);
    assert.match(out, /^complete -o filenames -F _etcd_edge etcd-edge$/m);
    assert.match(out, c.want, c.words.join(' '));
  }
  const zsh = await runBin(['completion', 'zsh']);
  assert.equal(zsh.code, 0);
  assert.match(zsh.stdout, /^#compdef etcd-edge\n[^]*bashcompinit[^]*complete -o filenames -F _etcd_edge etcd-edge\n$/);
  assert.equal((await runBin(['completion'])).code, 2);
  const bad = await runBin(['completion', 'fish']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown shell "fish" for "completion" \[EDGE_USAGE\]/);
});

test('up --tls self-signed on two hosts, each with a CA of its own: up names the CA mismatch in its own error', async (t) => {
  requireTool('etcd', 'etcd-server');
  const dir = tempDir(t);
  const p = await freePorts(4);
  const u = (port: number): string => `https://127.0.0.1:${port}`;
  writeFileSync(path.join(dir, 'topo.yaml'), `tls: self-signed
hosts:
  a: {member: {name: a, listen-peer-urls: ${u(p + 2)}, listen-client-urls: ${u(p)}}}
  b: {member: {name: b, listen-peer-urls: ${u(p + 3)}, listen-client-urls: ${u(p + 1)}}}
`);
  const ups = ['a', 'b'].map((h) => spawnBin(['up', '-f', 'topo.yaml', '--host', h, '--data-dir', `state-${h}`, '--ready-timeout', '1m0s'], { cwd: dir }));
  t.after(async () => { for (const x of ups) await x.stop(); });
  const codes = await Promise.all(ups.map((x) => x.exited()));
  assert.deepEqual(codes, [1, 1]);
  // The first up to see the other's certificate names that peer; the other may only find the refusals in its log.
  const peerForm = (i: number): RegExp => new RegExp(`error: peer "${i === 0 ? 'b' : 'a'}" at ${u(p + 3 - i).replace(/\./g, '\\.')} presents a certificate issued by "CN=etcd-edge CA", not by this host's CA "\\S+state-${i === 0 ? 'a' : 'b'}/pki/ca\\.crt"; the members refuse each other \\("tls: bad certificate" in their logs\\) \\[EDGE_TLS_CA_MISMATCH\\]`);
  const logForm = (i: number): RegExp => new RegExp(`error: member "${i === 0 ? 'a' : 'b'}" and its peers refuse each other's certificates \\("[^"]+" in \\S+\\.log\\): they were not issued by this host's CA "\\S+/pki/ca\\.crt" \\[EDGE_TLS_CA_MISMATCH\\]`);
  for (const [i, x] of ups.entries()) {
    assert.ok(peerForm(i).test(x.stderr()) || logForm(i).test(x.stderr()), `${i === 0 ? 'a' : 'b'}:\n${x.stderr()}\nthe other:\n${ups[1 - i]?.stderr() ?? ''}`);
    assert.match(x.stderr(), /\nhint: use one CA for the whole cluster: create it once \(etcd-edge certs ca --out DIR\), copy its ca\.crt and ca\.key to every host, and start each host with etcd-edge up --ca DIR \(or set ca: in topo\.yaml\)/);
    assert.doesNotMatch(x.stderr(), /not healthy after/);
  }
  assert.ok(ups.some((x, i) => peerForm(i).test(x.stderr())), 'at least one up names the peer');
});

test('environment: unknown ETCD_* variables warned about the same way in every command; old names work with a deprecation warning', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'topo.yaml'), 'hosts:\n  a: {address: 10.0.0.1, member: {}}\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ETCD_BOGUS_SETTING: '1' };
  const commands = [
    ['plan', '-f', 'topo.yaml'], ['status', '--endpoints', '127.0.0.1:1', '--command-timeout', '300ms'], ['certs', 'ca', '--out', 'ca1'],
    ['member', 'list', '--endpoints', '127.0.0.1:1', '--command-timeout', '300ms'], ['manifests', 'k8s'], ['dns', 'serve', '-f', 'nope.yaml', '--domain', 'example.test'],
    ['up', '-f', 'nope.yaml', '--host', 'a'],
  ];
  for (const cmd of commands) {
    const r = await runBin(cmd, { cwd: dir, env });
    assert.match(r.stderr, /unrecognized environment variable ETCD_BOGUS_SETTING \(not a flag of this command; see the environment table in the README\)/, `${cmd.join(' ')}: ${r.stderr}`);
  }
  const old = await runBin(['certs', 'ca'], { cwd: dir, env: { PATH: env.PATH, HOME: env.HOME, ETCD_EDGE_CERTS_OUT: 'ca2' } });
  assert.equal(old.code, 0, old.stderr);
  assert.match(old.stdout, /ca2\/ca\.crt/);
  assert.match(old.stderr, /^warning: environment variable ETCD_EDGE_CERTS_OUT is deprecated; use ETCD_EDGE_OUT$/m);
  const now = await runBin(['certs', 'ca'], { cwd: dir, env: { PATH: env.PATH, HOME: env.HOME, ETCD_EDGE_OUT: 'ca3' } });
  assert.equal(now.code, 0, now.stderr);
  assert.match(now.stdout, /ca3\/ca\.crt/);
  assert.equal(now.stderr, '', 'the new name warns about nothing');
});

test('bundled up: a member demoted and promoted back is started again by the next up, from its data', async (t) => {
  const basePort = await freePorts(8);
  const c = await startBundledCluster(t, { basePort });
  const eps = c.clientUrls[0] ?? '';
  const demote = await runBin(['demote', '--name', 'infra3', '--data-dir', c.dataDir, '--endpoints', eps, '--start-proxy=false']);
  assert.equal(demote.code, 0, demote.stderr);
  await c.proc.waitFor(/member infra3 was removed from the cluster; not restarting it/, 10_000);
  const promote = spawnBin(['promote', '--name', 'infra3', '--peer-urls', `http://127.0.0.1:${basePort + 5}`, '--client-urls', `http://127.0.0.1:${basePort + 2}`,
    '--data-dir', c.dataDir, '--endpoints', eps]);
  t.after(() => promote.stop());
  await promote.waitFor(/"msg":"member is ready"/, 90_000);
  assert.equal((await etcdctl(['--endpoints', eps, 'put', 'back', 'again'])).code, 0);
  assert.equal(await promote.stop(), 0);
  assert.equal(await c.stop(), 0);

  const again = spawnBin(['up', '--base-port', String(basePort), '--edge=false', '--data-dir', c.dataDir]);
  t.after(async () => assert.equal(await again.stop(), 0));
  await again.waitFor(/"msg":"etcd-edge is up"/, 60_000);
  assert.match(again.stdout(), /starting member infra3 \(existing data, no bootstrap flags\)/);
  assert.deepEqual(JSON.parse(readFileSync(path.join(c.dataDir, 'removed-members.json'), 'utf8')), { removed: [] }, 'the removal is forgotten');
  const members = await listMembers(eps);
  assert.deepEqual(members.map((x) => [x.name, x.status]).sort(), [['infra1', 'started'], ['infra2', 'started'], ['infra3', 'started']]);
  const got = await etcdctl(['--endpoints', c.clientUrls[2] ?? '', 'get', 'back', '--print-value-only']);
  assert.equal(got.stdout.trim(), 'again');
});
