// The one etcd supervisor, used by up's members and by promote's member: restarts after an unexpected exit by
// the restart policy, lets go of a member the cluster removed (etcd then exits by itself and would only exit
// again), gives up with the member's last log lines, and stops on request (no more restarts, then the process).
import { sleep } from '../core/lifecycle.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { tailLines } from '../core/log-tail.js';
import type { EtcdChild, EtcdExit } from './etcd-process.js';
import { createRestartTracker } from './restart-policy.js';
import type { RestartPolicy } from './restart-policy.js';

/** How supervision ended. */
export type SupervisionEnd = 'stopped' | 'removed' | 'failed';

/** The member's life as the supervisor sees it. */
export type SupervisorState = 'running' | 'restarting' | SupervisionEnd;

/** What `done` resolves to. */
export interface SupervisionResult {
  readonly end: SupervisionEnd;
  /** With failed: the last lines of the member's log since its last start. */
  readonly lastLines: readonly string[];
  /** With failed: the error that kept etcd from being spawned at all, if that was why. */
  readonly error?: unknown;
}

/** Options of superviseEtcd. */
export interface SuperviseOptions {
  /** Spawns etcd: the first time (unless `first` is given) and after each restart delay; may throw. */
  readonly spawn: () => EtcdChild;
  /** An etcd already running (promote starts it before it supervises it). */
  readonly first?: EtcdChild;
  /** Asked after an unexpected exit: true when the cluster removed the member. */
  readonly isRemoved: (child: EtcdChild, exit: EtcdExit) => Promise<boolean>;
  readonly policy: RestartPolicy;
  readonly logger: Logger;
  readonly logFile: string;
  /** Called with each restarted process. */
  readonly onRestart?: (child: EtcdChild) => void;
  /** Clock seam of the restart window. */
  readonly now?: () => number;
}

/** A supervised etcd. */
export interface EtcdSupervisor {
  readonly state: SupervisorState;
  readonly restarts: number;
  /** The latest process (undefined when the first spawn failed). */
  current(): EtcdChild | undefined;
  readonly done: Promise<SupervisionResult>;
  /** Ends supervision: no more restarts, then SIGTERM → graceMs → SIGKILL; resolves once done has. */
  stop(graceMs: number): Promise<void>;
}

/** Starts supervising: spawns etcd now unless `first` is given. */
export function superviseEtcd(o: SuperviseOptions): EtcdSupervisor {
  const tracker = createRestartTracker(o.policy, o.now);
  const wake = new AbortController();
  let child = o.first;
  let state: SupervisorState = 'running';
  let restarts = 0;
  const launch = (): EtcdChild => {
    const c = o.spawn();
    o.logger.info({ memberPid: c.pid, logFile: o.logFile }, 'member process started');
    return c;
  };
  const end = (r: SupervisionResult): SupervisionResult => {
    if (state !== 'stopped') state = r.end;
    return r;
  };
  const loop = async (): Promise<SupervisionResult> => {
    if (!child) {
      try { child = launch(); } catch (error) {
        o.logger.error(errFields(error), 'member cannot be started');
        return end({ end: 'failed', lastLines: [], error });
      }
    }
    for (;;) {
      const exit = await child.exited;
      if (state === 'stopped') return { end: 'stopped', lastLines: [] };
      if (await o.isRemoved(child, exit).catch(() => false)) {
        o.logger.warn({ code: exit.code }, 'member was removed from the cluster; not restarting it');
        return end({ end: 'removed', lastLines: [] });
      }
      const d = tracker.onExit();
      if (!d.restart) {
        const lastLines = tailLines(o.logFile, 15, child.logOffset);
        o.logger.error({ ...exit, exits: d.exits, windowMs: o.policy.windowMs, lastLines }, 'member keeps exiting, giving up on it');
        return end({ end: 'failed', lastLines });
      }
      state = 'restarting';
      o.logger.warn({ ...exit, delayMs: d.delayMs }, 'member exited unexpectedly, restarting');
      try { await sleep(d.delayMs, wake.signal); } catch { return { end: 'stopped', lastLines: [] }; }
      try {
        child = launch();
      } catch (error) {
        o.logger.error(errFields(error), 'could not restart the member');
        return end({ end: 'failed', lastLines: tailLines(o.logFile, 15, child.logOffset), error });
      }
      restarts++;
      state = 'running';
      o.onRestart?.(child);
    }
  };
  const done = loop();
  return {
    get state() { return state; },
    get restarts() { return restarts; },
    current: () => child,
    done,
    async stop(graceMs) {
      // Order: no more restarts (state, then wake the backoff sleep) → stop the process → supervision ends.
      state = 'stopped';
      wake.abort();
      await child?.stop(graceMs);
      await done;
    },
  };
}
