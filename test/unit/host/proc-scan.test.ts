// The /proc scan for etcd processes on our data dirs: a real child whose argv[0] is named etcd is found by its
// --data-dir (relative to its cwd), with its listen URLs from the environment; other dirs and self are not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findEtcdProcesses } from '../../../host/proc-scan.js';

test('finds a process named etcd by its data dir, resolved against its cwd', async (t) => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'host-scan-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  // `; :` keeps the shell from exec'ing sleep, so the argv stays the one we gave.
  const child = spawn('/bin/sh', ['-c', 'sleep 30; :', '--data-dir', 'm1.etcd'], {
    argv0: path.join(d, 'etcd'), cwd: d, detached: true, stdio: 'ignore',
    env: { PATH: '/usr/bin:/bin', ETCD_LISTEN_CLIENT_URLS: 'http://127.0.0.1:1/,http://127.0.0.2:1' },
  });
  t.after(() => { try { process.kill(-(child.pid ?? 0), 'SIGKILL'); } catch { /* gone */ } });
  const pid = child.pid ?? -1;
  await new Promise((r) => setTimeout(r, 100));
  const found = findEtcdProcesses([path.join(d, 'm1.etcd')]);
  assert.deepEqual(found, [{ pid, dataDir: path.join(d, 'm1.etcd'), listenClientUrls: ['http://127.0.0.1:1', 'http://127.0.0.2:1'] }]);
  assert.deepEqual(findEtcdProcesses([path.join(d, 'other.etcd')]), []);
  assert.deepEqual(findEtcdProcesses([path.join(d, 'm1.etcd')], pid), [], 'self is skipped');
});
