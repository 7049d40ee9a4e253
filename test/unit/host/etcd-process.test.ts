// spawnEtcd with real short-lived processes: own process group, an environment built from scratch, output
// appended to the log, and stop(): SIGTERM to the group, SIGKILL after the grace period.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { tailLines } from '../../../core/log-tail.js';
import { spawnEtcd } from '../../../host/etcd-process.js';

test('spawnEtcd: own process group, fresh env, output appended to the log; tailLines reads only its lines', async (t) => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'host-etcd-process-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const log = path.join(d, 'logs', 'm.log');
  const first = spawnEtcd({ bin: '/bin/sh', args: ['-c', 'echo old run'], env: { PATH: '/usr/bin:/bin' }, logFile: log });
  await first.exited;
  const c = spawnEtcd({ bin: '/bin/sh', args: ['-c', 'echo "pgid=$(ps -o pgid= -p $$ | tr -d " ") env=${HOME:-none}"; exit 3'], env: { PATH: '/usr/bin:/bin' }, logFile: log });
  assert.deepEqual(await c.exited, { code: 3, signal: null });
  assert.equal(c.hasExited(), true);
  assert.match(readFileSync(log, 'utf8'), /^old run\npgid=\d+ env=none\n$/);
  assert.deepEqual(tailLines(log, 5, c.logOffset), [`pgid=${c.pid} env=none`]);
  writeFileSync(path.join(d, 'x'), '');
});

test('EtcdChild.stop: SIGTERM to the group, SIGKILL after the grace period', async () => {
  const c = spawnEtcd({ bin: '/bin/sh', args: ['-c', 'trap "" TERM; sleep 30 & wait'], env: { PATH: '/usr/bin:/bin' }, logFile: path.join(os.tmpdir(), `host-etcd-process-${process.pid}.log`) });
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  await c.stop(300);
  assert.ok(Date.now() - t0 >= 250, 'waited the grace period');
  assert.equal((await c.exited).signal, 'SIGKILL');
  rmSync(path.join(os.tmpdir(), `host-etcd-process-${process.pid}.log`), { force: true });
});
