// Identifying processes through /proc before signalling them, the one liveness rule (a zombie is gone), and
// reading flags back from an argv.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { etcdEdgeSubcommand, flagValue, isEtcdArgv, processAlive, readCmdline, readCwd, readPidFile, waitGone } from '../../../host/proc.js';

test('etcdEdgeSubcommand finds the subcommand after the etcd-edge script, whatever runs it', () => {
  for (const c of [
    { argv: ['/usr/bin/node', '/work/build/bin/etcd-edge.js', 'proxy', '--data-dir', 'x'], out: 'proxy' },
    { argv: ['node', '/usr/local/bin/etcd-edge', 'promote'], out: 'promote' },
    { argv: ['/usr/bin/node', 'etcd-edge.js', 'up'], out: 'up' },
    { argv: ['/usr/bin/etcd', '--name', 'proxy'], out: undefined },
    { argv: ['/usr/bin/node', '/x/not-etcd-edge.js', 'proxy'], out: undefined },
    { argv: [], out: undefined },
  ]) assert.equal(etcdEdgeSubcommand(c.argv), c.out, c.argv.join(' '));
});

test('flagValue reads both spellings; the last one wins', () => {
  const argv = ['proxy', '--listen-client-urls', 'http://a:1', '--data-dir=/d', '--listen-client-urls=http://b:2'];
  assert.equal(flagValue(argv, 'listen-client-urls'), 'http://b:2');
  assert.equal(flagValue(argv, 'data-dir'), '/d');
  assert.equal(flagValue(argv, 'initial-cluster'), undefined);
});

test('isEtcdArgv checks the binary name', () => {
  assert.equal(isEtcdArgv(['/usr/bin/etcd', '--name=a']), true);
  assert.equal(isEtcdArgv(['/opt/etcd-v3.4/etcd-3.4']), true);
  assert.equal(isEtcdArgv(['/usr/bin/etcdctl']), false);
  assert.equal(isEtcdArgv(['/usr/bin/etcdutl']), false);
  assert.equal(isEtcdArgv(['/usr/local/bin/etcd-edge', 'up']), false);
  assert.equal(isEtcdArgv(['/usr/bin/sleep']), false);
  assert.equal(isEtcdArgv(undefined), false);
});

test('readCmdline, readCwd and processAlive on a real child; waitGone once it exits', async (t) => {
  const child = spawn('sleep', ['30'], { cwd: '/tmp', stdio: 'ignore' });
  t.after(() => { child.kill('SIGKILL'); });
  const pid = child.pid ?? -1;
  assert.deepEqual(readCmdline(pid), ['sleep', '30']);
  assert.equal(readCwd(pid), '/tmp');
  assert.equal(processAlive(pid), true);
  child.kill('SIGTERM');
  assert.equal(await waitGone(pid, 5000), true);
  assert.equal(processAlive(pid), false);
  assert.equal(readCmdline(2 ** 22 + 12345), undefined);
});

test('processAlive: a zombie (exited, not yet reaped by its parent) counts as gone', async (t) => {
  // The shell starts a short sleep, prints its pid and execs a long sleep, which never reaps it.
  const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => { parent.kill('SIGKILL'); });
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
  assert.ok(pid > 0);
  const state = (): string => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3); } catch { return 'gone'; } };
  const t0 = Date.now();
  while (state() !== 'Z' && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(state(), 'Z', 'the child is a zombie');
  assert.doesNotThrow(() => process.kill(pid, 0), 'kill(pid, 0) still succeeds on a zombie');
  assert.equal(processAlive(pid), false);
  assert.equal(await waitGone(pid, 1000), true);
});

test('readPidFile reads a positive integer, and nothing else', (t) => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'host-pidfile-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const cases: { text: string | undefined; want: number | undefined }[] = [
    { text: '1234\n', want: 1234 }, { text: ' 42 ', want: 42 }, { text: '0\n', want: undefined },
    { text: '-5', want: undefined }, { text: '12.5', want: undefined }, { text: 'abc', want: undefined }, { text: undefined, want: undefined },
  ];
  for (const [i, c] of cases.entries()) {
    const file = path.join(d, `p${i}`);
    if (c.text !== undefined) writeFileSync(file, c.text);
    assert.equal(readPidFile(file), c.want, JSON.stringify(c.text));
  }
});
