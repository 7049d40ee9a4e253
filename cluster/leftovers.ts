// Members of an earlier `up` on the same data dirs that are still shutting down (their up was SIGKILLed and
// they got SIGTERM through the parent-death signal; a leader then needs ~7 s): found through /proc by their
// --data-dir, and waited for with a progress line and a bound before this up binds the same ports.
import { EdgeError } from '../core/errors.js';
import { findEtcdProcesses, processAlive, readUpRecord } from '../host/index.js';

/** How long `up` waits for members of an earlier run to exit before it gives up. */
export const EARLIER_RUN_WAIT_MS = 30_000;

/** An etcd process that uses one of our data dirs. */
export interface Leftover {
  readonly pid: number;
  readonly dataDir: string;
}

/** Lists the etcd processes (by /proc) whose --data-dir is one of dataDirs. */
export function findLeftovers(dataDirs: readonly string[], self: number = process.pid): Leftover[] {
  return findEtcdProcesses(dataDirs, self).map(({ pid, dataDir }) => ({ pid, dataDir }));
}

/** How waitForEarlierRun finds, reports and (when nobody else does) stops the earlier run's members. */
export interface EarlierRunOptions {
  readonly dataDirs: readonly string[];
  readonly boundMs?: number;
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly find?: (dirs: readonly string[]) => Leftover[];
  /** Tells whether the earlier up's watchdog is still there (stopping them). */
  readonly watchdogAlive?: () => boolean;
  /** Stops the members in order; called once when they are still there after ORPHAN_AFTER_MS and no watchdog is. */
  readonly stopOrphans?: () => Promise<void>;
}

/** After this long, members that no watchdog is stopping count as orphans (their up and watchdog were killed). */
export const ORPHAN_AFTER_MS = 3000;

/**
 * Waits until no etcd process uses dataDirs, reporting once at the start and every 5 s; throws EDGE_DATA_DIR after
 * boundMs. Returns how long it waited (0 when nothing was running).
 */
export async function waitForEarlierRun(o: EarlierRunOptions): Promise<number> {
  const find = o.find ?? findLeftovers;
  const bound = o.boundMs ?? EARLIER_RUN_WAIT_MS;
  const t0 = Date.now();
  let lastReport = -Infinity;
  let triedStop = false;
  for (;;) {
    const left = find(o.dataDirs);
    const waited = Date.now() - t0;
    if (left.length === 0) {
      // Nothing was found on the first look (nothing reported yet): nothing was waited for, and nothing to say.
      if (lastReport === -Infinity) return 0;
      o.progress(`members of the earlier run have exited (waited ${(waited / 1000).toFixed(1)}s)`);
      return waited;
    }
    const pids = left.map((l) => l.pid).join(', ');
    if (waited >= bound) {
      throw new EdgeError('EDGE_DATA_DIR', `etcd processes still use the member data dirs after ${bound / 1000}s (pids ${pids}: ${left.map((l) => JSON.stringify(l.dataDir)).join(', ')})`, {
        hint: `members of a killed up exit by themselves within seconds; anything else (an etcd started by hand or by promote) must be stopped first: kill ${left.map((l) => l.pid).join(' ')}`,
      });
    }
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      o.progress(`waiting for ${left.length} member${left.length === 1 ? '' : 's'} of an earlier run to exit (pids ${pids}; ${(waited / 1000).toFixed(0)}s of at most ${bound / 1000}s)`);
    }
    if (o.signal?.aborted) throw new EdgeError('EDGE_ABORTED', 'up was cancelled while waiting for an earlier run');
    if (!triedStop && o.stopOrphans && waited >= ORPHAN_AFTER_MS && !(o.watchdogAlive?.() ?? false)) {
      // Their up and its watchdog are both gone (killed together): stop them as the watchdog would have.
      triedStop = true;
      o.progress(`no watchdog is stopping them: stopping the earlier run's members in order (followers first, the leader last)`);
      await o.stopOrphans();
      continue;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Makes way for this up: fails at once when another up still runs on stateDir (its up.json names a live pid),
 * and otherwise waits for members of an earlier, killed up that still use dataDirs.
 */
export async function clearEarlierRun(o: EarlierRunOptions & { readonly stateDir: string }): Promise<void> {
  const running = readUpRecord(o.stateDir);
  if (running && running.pid !== process.pid && processAlive(running.pid)) {
    throw new EdgeError('EDGE_DATA_DIR', `another etcd-edge up (pid ${running.pid}) runs on ${JSON.stringify(o.stateDir)}`, {
      hint: `stop it first (kill ${running.pid}), or pass another --data-dir`,
    });
  }
  await waitForEarlierRun(o);
}
