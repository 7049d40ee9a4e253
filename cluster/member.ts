// One member of `up`: host/'s etcd spawn and supervisor, with up's own removal check (etcd exits with status 0
// and logs REMOVED_MARKER once the cluster removed it) and its failure report (the log tail, or why the member
// cannot be started at all).
import { tailLines } from '../core/log-tail.js';
import type { Logger } from '../core/log.js';
import { spawnEtcd, superviseEtcd } from '../host/index.js';
import type { EtcdSupervisor, RestartPolicy, SpawnFn, SupervisorState } from '../host/index.js';

export type { RestartPolicy };

/** The member's life as the supervisor sees it. */
export type MemberState = 'idle' | SupervisorState;

/** What etcd (3.4 and later) logs before it exits once the cluster has removed it. */
export const REMOVED_MARKER = 'the member has been permanently removed from the cluster';

/** Tells whether the log written since byte `from` says the member was removed from the cluster. */
export function removedSince(logFile: string, from: number): boolean {
  return tailLines(logFile, 60, from).some((l) => l.includes(REMOVED_MARKER));
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
  readonly spawn?: SpawnFn;
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
  const log = cfg.logger.child({ member: cfg.name });
  let sup: EtcdSupervisor | undefined;
  let stopped = false;
  return {
    name: cfg.name,
    get state() { return sup?.state ?? (stopped ? 'stopped' : 'idle'); },
    get pid() { const c = sup?.current(); return c && !c.hasExited() ? c.pid : undefined; },
    get restarts() { return sup?.restarts ?? 0; },
    run() {
      if (sup || stopped) return;
      sup = superviseEtcd({
        // args() runs before each spawn, so a restarted member drops bootstrap flags once its data dir is initialized.
        spawn: () => spawnEtcd({
          bin: cfg.bin, args: cfg.args(), env: cfg.env, logFile: cfg.logFile, logger: log,
          ...(cfg.spawn ? { spawn: cfg.spawn } : {}), ...(cfg.parentDeathSignal ? { parentDeathSignal: cfg.parentDeathSignal } : {}),
        }),
        isRemoved: async (c, exit) => exit.code === 0 && removedSince(cfg.logFile, c.logOffset),
        policy: cfg.restart, logger: log, logFile: cfg.logFile,
      });
      void sup.done.then((r) => {
        if (r.end === 'removed') cfg.onRemoved?.();
        // A member that cannot be started as it is (a damaged data dir) is reported with the error, not a log tail.
        else if (r.end === 'failed') cfg.onFailed?.(r.error === undefined ? r.lastLines : errorLines(r.error));
      });
    },
    async stop() {
      stopped = true;
      await sup?.stop(cfg.stopGraceMs);
    },
  };
}

function errorLines(err: unknown): string[] {
  const hint = (err as { hint?: string }).hint;
  return [(err as Error).message, ...(hint ? [`hint: ${hint}`] : [])];
}
