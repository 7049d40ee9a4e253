// The new member's etcd process: spawned in its own process group with an env built from scratch and its output
// appended to a log file; then supervised: restarted with backoff after a crash, and let go (not restarted)
// once the cluster no longer lists it, which is how a `demote` elsewhere ends a `promote`.
import { spawn as nodeSpawn } from 'node:child_process';
import { dyingWithParent } from '../core/etcd-binary.js';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { tailLines } from '../core/log-tail.js';
import path from 'node:path';
import { sleep } from '../core/lifecycle.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { backoffDelay } from '../host/index.js';

/** One etcd process. */
export interface EtcdChild {
  readonly pid: number;
  /** Size of the log file when this process started: its own lines come after. */
  readonly logOffset: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
}

/** How to spawn etcd. */
export interface SpawnEtcdOptions {
  readonly bin: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly spawn?: (cmd: string, args: readonly string[], opts: SpawnOptions) => ChildProcess;
}


/** Spawns etcd detached (its own process group, so a terminal's Ctrl-C reaches only us and we stop it in order). */
export function spawnEtcd(o: SpawnEtcdOptions): EtcdChild {
  mkdirSync(path.dirname(o.logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(o.logFile, 'a', 0o600);
  const logOffset = fstatSync(fd).size;
  let child: ChildProcess;
  try {
    const [cmd, argv] = o.spawn ? [o.bin, [...o.args]] : dyingWithParent(o.bin, o.args);
    child = (o.spawn ?? nodeSpawn)(cmd, argv, { detached: true, stdio: ['ignore', fd, fd], env: { ...o.env } });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => { done = true; resolve({ code, signal }); });
    child.once('error', () => { done = true; resolve({ code: 127, signal: null }); });
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
        kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** How the member ended, from the supervisor's point of view. */
export type SupervisionEnd = 'stopped' | 'removed' | 'failed';

/** Options of superviseMember. */
export interface SuperviseOptions {
  readonly first: EtcdChild;
  readonly respawn: () => EtcdChild;
  /** Asked after an unexpected exit: true when the cluster no longer lists the member. */
  readonly isRemoved: () => Promise<boolean>;
  readonly logger: Logger;
  readonly logFile: string;
  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly onRestart?: (pid: number) => void;
}

/** A supervised member. */
export interface MemberSupervisor {
  current(): EtcdChild;
  readonly done: Promise<{ end: SupervisionEnd; lastLines: readonly string[] }>;
  stop(graceMs: number): Promise<void>;
}

/** Supervises a running etcd: restarts after crashes (backoff 0.5 s doubling to 5 s), gives up after maxRestarts in windowMs. */
export function superviseMember(o: SuperviseOptions): MemberSupervisor {
  let child = o.first;
  let stopping = false;
  const wake = new AbortController();
  const loop = async (): Promise<{ end: SupervisionEnd; lastLines: readonly string[] }> => {
    let exits: number[] = [];
    for (;;) {
      const { code, signal } = await child.exited;
      if (stopping) return { end: 'stopped', lastLines: [] };
      // etcd exits (status 0) by itself once removed from the cluster; restarting it would only exit again.
      if (await o.isRemoved().catch(() => false)) {
        o.logger.info({ code, signal }, 'member was removed from the cluster; not restarting it');
        return { end: 'removed', lastLines: [] };
      }
      const now = Date.now();
      exits = [...exits.filter((t) => now - t < o.windowMs), now];
      if (exits.length > o.maxRestarts) return { end: 'failed', lastLines: tailLines(o.logFile, 15, child.logOffset) };
      const delayMs = backoffDelay(exits.length - 1, { initialMs: 500, maxMs: 5000 });
      o.logger.warn({ code, signal, delayMs }, 'member exited unexpectedly, restarting');
      try { await sleep(delayMs, wake.signal); } catch { return { end: 'stopped', lastLines: [] }; }
      try {
        child = o.respawn();
        o.onRestart?.(child.pid);
      } catch (err) {
        o.logger.error(errFields(err), 'could not restart the member');
        return { end: 'failed', lastLines: tailLines(o.logFile, 15, child.logOffset) };
      }
    }
  };
  const done = loop();
  return {
    current: () => child,
    done,
    async stop(graceMs) {
      stopping = true;
      wake.abort();
      await child.stop(graceMs);
      await done;
    },
  };
}
