// Topology mistakes are caught by the real CLI before anything starts (exit 2, hint, no data dir), and
// `plan` prints flags and an ETCD_* env file that a real etcd accepts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { runBin } from '../helpers/bin.js';
import { eventually, requireTool, tempDir } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { BAD_TOPOLOGIES, SEED } from '../helpers/topologies.js';
import { isHealthy } from '../../etcd/etcd-client.js';

test('up refuses each invalid topology with exit 2, a hint, and no data dir', async (t) => {
  const dir = tempDir(t);
  const base = await freePorts(6);
  for (const c of BAD_TOPOLOGIES) {
    await t.test(c.name, async () => {
      const file = `${dir}/${c.name.replace(/\W+/g, '-')}.yaml`;
      writeFileSync(file, c.yaml.replace(/PORT(\d)/g, (_m, i: string) => String(base + Number(i))));
      const state = `${dir}/state-${c.name.replace(/\W+/g, '-')}`;
      const r = await runBin(['up', '-f', file, '--data-dir', state]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, c.re);
      assert.match(r.stderr, /\[EDGE_(TOPOLOGY_INVALID|CONFIG_INVALID|USAGE)\]\nhint: \S/);
      assert.equal(existsSync(state), false, 'no data dir is created');
    });
  }
  await t.test('a multi-host topology without --host', async () => {
    writeFileSync(`${dir}/seed.yaml`, SEED);
    const r = await runBin(['up', '-f', `${dir}/seed.yaml`, '--data-dir', `${dir}/seed-state`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /spans several machines; say which one this is/);
    assert.equal(existsSync(`${dir}/seed-state`), false);
  });
});

test('plan prints the seed example per host: command, env file, systemd unit', async (t) => {
  const dir = tempDir(t);
  writeFileSync(`${dir}/seed.yaml`, SEED);
  const r = await runBin(['plan', '-f', `${dir}/seed.yaml`]);
  assert.equal(r.code, 0, r.stderr);
  for (const h of ['infra0', 'infra1', 'infra2']) assert.match(r.stdout, new RegExp(`# ===== host ${h}`));
  assert.match(r.stdout, /--listen-client-urls=http:\/\/10\.0\.1\.10:2379,http:\/\/127\.0\.0\.1:2379/);
  assert.match(r.stdout, /--initial-cluster=infra0=http:\/\/10\.0\.1\.10:2380,infra1=http:\/\/10\.0\.1\.11:2380,infra2=http:\/\/10\.0\.1\.12:2380/);
  assert.match(r.stdout, /^ETCD_INITIAL_CLUSTER_STATE="new"$/m);
  assert.match(r.stdout, /^ETCD_ADVERTISE_CLIENT_URLS="http:\/\/10\.0\.1\.12:2379,http:\/\/203\.0\.113\.12:2379"$/m);
  assert.match(r.stdout, /EnvironmentFile=\/etc\/etcd\/infra1\.env/);
  assert.match(r.stdout, /etcd-edge up -f \S+seed\.yaml --host infra2/);
});

function startEtcd(args: string[], env: Record<string, string>): { stop(): Promise<void> } {
  const child = spawn('etcd', args, { env, detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return { stop: async () => { if (child.pid && child.exitCode === null) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } await exited; } } };
}

test('the flags and env file from plan start a real etcd member', async (t) => {
  requireTool('etcd', 'etcd-server');
  const dir = tempDir(t);
  const p = await freePorts(4);
  writeFileSync(`${dir}/one.yaml`, `cluster-token: plan-check
hosts:
  solo:
    member:
      name: solo
      listen-peer-urls: http://127.0.0.1:${p + 1}
      listen-client-urls: http://127.0.0.1:${p}
`);
  const r = await runBin(['plan', '-f', `${dir}/one.yaml`, '--data-dir', `${dir}/flags`]);
  assert.equal(r.code, 0, r.stderr);
  const cmd = /# etcd by hand[^\n]*\n([\s\S]*?)\n\n/.exec(r.stdout)?.[1] ?? '';
  const argv = cmd.split(/ \\\n\s*/).map((w) => w.replace(/^'(.*)'$/, '$1'));
  assert.equal(argv[0], '/usr/bin/etcd');
  const env = { PATH: '/usr/bin:/bin' };
  const byFlags = startEtcd(argv.slice(1), env);
  t.after(() => byFlags.stop());
  await eventually(() => isHealthy(`http://127.0.0.1:${p}`), 20_000);
  await byFlags.stop();

  const envFile = /# or as an environment file[^\n]*\n([\s\S]*?)\n\n/.exec(r.stdout)?.[1] ?? '';
  const vars = Object.fromEntries(envFile.split('\n').filter(Boolean).map((l) => {
    const eq = l.indexOf('=');
    return [l.slice(0, eq), JSON.parse(l.slice(eq + 1)) as string];
  }));
  assert.equal(vars.ETCD_NAME, 'solo');
  vars.ETCD_DATA_DIR = `${dir}/env`;
  const byEnv = startEtcd([], { ...env, ...vars });
  t.after(() => byEnv.stop());
  await eventually(() => isHealthy(`http://127.0.0.1:${p}`), 20_000);
  assert.ok(existsSync(`${dir}/env/member/wal`));
  assert.ok(!readFileSync(`${dir}/one.yaml`, 'utf8').includes('ETCD_'), 'sanity');
});
