// The one way etcd-edge runs an etcd process: in its own process group (a terminal's Ctrl-C reaches only us, and
// we stop members in order), with an environment built from scratch (etcd dies when an ETCD_* variable
// duplicates a flag), its output appended to a log file, dying with us, and stopped SIGTERM → grace → SIGKILL.
import { spawn as nodeSpawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { dyingWithParent } from './parent-death.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';

/** How an etcd process ended. */
export interface EtcdExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One etcd process. */
export interface EtcdChild {
  readonly pid: number;
  /** Size of the log file when this process started: its own lines come after. */
  readonly logOffset: number;
  readonly exited: Promise<EtcdExit>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
}

/** The spawn seam (node's spawn); a fake one gets etcd's own argv, without the parent-death wrapper. */
export type SpawnFn = (cmd: string, args: readonly string[], opts: SpawnOptions) => ChildProcess;

/** How to spawn etcd. */
export interface SpawnEtcdOptions {
  readonly bin: string;
  readonly args: readonly string[];
  /** The whole environment etcd gets (build it from scratch, e.g. with memberEnv()). */
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly spawn?: SpawnFn;
  /** What etcd gets when we die: TERM (default), or USR2 (ignored) while a watchdog stops members in order. */
  readonly parentDeathSignal?: 'TERM' | 'USR2';
  /** Where a failed spawn and a SIGKILL after the grace period are reported; default: nowhere. */
  readonly logger?: Logger;
}

/** Spawns etcd detached, in its own process group, its output appended to logFile (mode 0600). */
export function spawnEtcd(o: SpawnEtcdOptions): EtcdChild {
  mkdirSync(path.dirname(o.logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(o.logFile, 'a', 0o600);
  const logOffset = fstatSync(fd).size;
  let child: ChildProcess;
  try {
    // A real spawn dies with us even if we are SIGKILLed (no orphan members); a test's fake spawn sees etcd's argv.
    const [cmd, argv] = o.spawn ? [o.bin, [...o.args]] : dyingWithParent(o.bin, o.args, undefined, o.parentDeathSignal);
    child = (o.spawn ?? nodeSpawn)(cmd, argv, { detached: true, stdio: ['ignore', fd, fd], env: { ...o.env } });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<EtcdExit>((resolve) => {
    child.once('exit', (code, signal) => { done = true; resolve({ code, signal }); });
    child.once('error', (err) => { o.logger?.error(errFields(err), 'failed to spawn etcd'); done = true; resolve({ code: 127, signal: null }); });
  });
  const pid = child.pid ?? -1;
  const kill = (sig: NodeJS.Signals): void => {
    try { process.kill(-pid, sig); } catch { /* the group is gone */ }
  };
  return {
    pid, logOffset, exited, hasExited: () => done,
    async stop(graceMs) {
      if (done || pid < 0) return;
      kill('SIGTERM');
      const grace = new Promise<'timeout'>((r) => { const t = setTimeout(() => r('timeout'), graceMs); t.unref(); });
      if ((await Promise.race([exited.then(() => 'exited' as const), grace])) === 'timeout') {
        o.logger?.warn({ graceMs }, 'member did not stop in time, killing it');
        kill('SIGKILL');
        await exited;
      }
    },
  };
}
