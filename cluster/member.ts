// One supervised etcd member: a child in its own process group with an environment built from scratch, its
// output appended to a log file, restarted with backoff when it exits unexpectedly, and given up on (with its
// last log lines) after repeated rapid failures, so the other members keep running. A member removed from the
// cluster exits by itself (status 0) and would only exit again: it is not restarted.
import { spawn as nodeSpawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { dyingWithParent } from '../core/etcd-binary.js';
import { tailLines } from '../core/log-tail.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { backoffDelay } from '../host/index.js';

/** The member's life as the supervisor sees it. */
export type MemberState = 'idle' | 'running' | 'restarting' | 'failed' | 'removed' | 'stopped';

/** What etcd (3.4 and later) logs before it exits once the cluster has removed it. */
export const REMOVED_MARKER = 'the member has been permanently removed from the cluster';

/** Tells whether the log written since byte `from` says the member was removed from the cluster. */
export function removedSince(logFile: string, from: number): boolean {
  return tailLines(logFile, 60, from).some((l) => l.includes(REMOVED_MARKER));
}

function sizeOf(file: string): number {
  try { return statSync(file).size; } catch { return 0; }
}

/** When to restart and when to give up. */
export interface RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up after this many exits within windowMs. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

/** How to run one member. */
export interface MemberProcessConfig {
  readonly name: string;
  readonly bin: string;
  /** Called before each spawn, so a restarted member drops bootstrap flags once its data dir is initialized. */
  readonly args: () => readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly restart: RestartPolicy;
  /** How long SIGTERM gets before SIGKILL. */
  readonly stopGraceMs: number;
  readonly logger: Logger;
  readonly spawn?: (cmd: string, args: readonly string[], opts: SpawnOptions) => ChildProcess;
  readonly onFailed?: (lastLines: readonly string[]) => void;
  /** Called once when the member exits because the cluster removed it. */
  readonly onRemoved?: () => void;
  /** What the member gets when up dies: TERM (default), or USR2 (ignored) while a watchdog stops members in order. */
  readonly parentDeathSignal?: 'TERM' | 'USR2';
}

/** A supervised member handle. */
export interface MemberProcess {
  readonly name: string;
  readonly state: MemberState;
  readonly pid: number | undefined;
  readonly restarts: number;
  run(): void;
  stop(): Promise<void>;
}


/** Creates a supervised member; run() spawns it, stop() ends it and every restart. */
export function createMemberProcess(cfg: MemberProcessConfig): MemberProcess {
  const spawnFn = cfg.spawn ?? nodeSpawn;
  const log = cfg.logger.child({ member: cfg.name });
  let child: ChildProcess | undefined;
  let state: MemberState = 'idle';
  let restarts = 0;
  let exits: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();
  let logOffset = 0;

  const launch = (): void => {
    let args: readonly string[];
    try {
      args = cfg.args();
    } catch (err) {
      // The member cannot be started as it is (a damaged data dir): report it once instead of looping.
      state = 'failed';
      log.error(errFields(err), 'member cannot be started');
      cfg.onFailed?.([(err as Error).message, ...((err as { hint?: string }).hint ? [`hint: ${(err as { hint: string }).hint}`] : [])]);
      return;
    }
    logOffset = sizeOf(cfg.logFile);
    const fd = openSync(cfg.logFile, 'a', 0o600);
    try {
      // detached: its own process group, so a terminal's Ctrl-C reaches only us and we stop members in order.
      // A real spawn dies with us even if we are SIGKILLed (no orphan members); a test's fake spawn sees etcd's argv.
      const [cmd, argv] = cfg.spawn ? [cfg.bin, [...args]] : dyingWithParent(cfg.bin, args, undefined, cfg.parentDeathSignal);
      child = spawnFn(cmd, argv, { detached: true, stdio: ['ignore', fd, fd], env: { ...cfg.env } });
    } finally {
      closeSync(fd);
    }
    state = 'running';
    const c = child;
    exited = new Promise((resolve) => {
      c.once('exit', (code, signal) => { resolve(); onExit(c, code, signal); });
      c.once('error', (err) => { log.error(errFields(err), 'failed to spawn etcd'); });
    });
    log.info({ memberPid: c.pid, logFile: cfg.logFile }, 'member process started');
  };

  const onExit = (c: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void => {
    if (c !== child) return;
    child = undefined;
    if (state === 'stopped') return;
    if (code === 0 && removedSince(cfg.logFile, logOffset)) {
      state = 'removed';
      log.warn({ code }, 'member was removed from the cluster; not restarting it');
      cfg.onRemoved?.();
      return;
    }
    const now = Date.now();
    exits = [...exits.filter((t) => now - t < cfg.restart.windowMs), now];
    if (exits.length > cfg.restart.maxRestarts) {
      state = 'failed';
      const lastLines = tailLines(cfg.logFile, 15);
      log.error({ code, signal, exits: exits.length, windowMs: cfg.restart.windowMs, lastLines }, 'member keeps exiting, giving up on it');
      cfg.onFailed?.(lastLines);
      return;
    }
    const delay = backoffDelay(exits.length - 1, { initialMs: cfg.restart.initialDelayMs, maxMs: cfg.restart.maxDelayMs });
    state = 'restarting';
    log.warn({ code, signal, delayMs: delay }, 'member exited unexpectedly, restarting');
    timer = setTimeout(() => {
      timer = undefined;
      if (state !== 'restarting') return;
      restarts++;
      launch();
    }, delay);
  };

  const kill = (sig: NodeJS.Signals): void => {
    const pid = child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is already gone
    }
  };

  return {
    name: cfg.name,
    get state() { return state; },
    get pid() { return child?.pid; },
    get restarts() { return restarts; },
    run() {
      if (state !== 'idle') return;
      launch();
    },
    async stop() {
      // Order: no more restarts → SIGTERM the group → wait the grace period → SIGKILL what is left.
      state = 'stopped';
      if (timer) clearTimeout(timer);
      if (!child) return;
      kill('SIGTERM');
      const grace = new Promise<'timeout'>((r) => { const t = setTimeout(() => r('timeout'), cfg.stopGraceMs); t.unref(); });
      if ((await Promise.race([exited.then(() => 'exited' as const), grace])) === 'timeout') {
        log.warn({ graceMs: cfg.stopGraceMs }, 'member did not stop in time, killing it');
        kill('SIGKILL');
        await exited;
      }
    },
  };
}
