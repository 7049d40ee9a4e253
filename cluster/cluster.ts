// createCluster: starts every member of this host at once (a new cluster needs them all to elect a leader),
// resolves when each answers /health, and supervises them afterwards. close() stops them in reverse order.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { dataDirState, isInitialized } from '../host/index.js';
import { EdgeError } from '../core/errors.js';
import { endpointStatus, isHealthy } from '../etcd/index.js';
import { lifecycleGuard, sleep } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { createMemberProcess } from './member.js';
import type { MemberProcess, MemberProcessConfig, RestartPolicy } from './member.js';

/** One member this process runs. */
export interface ClusterMemberConfig {
  readonly name: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** A client URL of this member reachable from here, for /health. */
  readonly healthUrl: string;
  /** The etcd argv; initialized tells whether the data dir already holds a WAL. */
  readonly argsFor: (initialized: boolean) => readonly string[];
}

/** Frozen configuration for createCluster. */
export interface ClusterConfig {
  readonly etcdBin: string;
  readonly members: readonly ClusterMemberConfig[];
  readonly env: Readonly<Record<string, string>>;
  readonly readyTimeoutMs: number;
  readonly restart: RestartPolicy;
  readonly stopGraceMs: number;
  readonly healthTls?: ClientTlsOptions;
  /** See MemberProcessConfig.parentDeathSignal. */
  readonly parentDeathSignal?: 'TERM' | 'USR2';
}

/** Progress events, for the CLI to print. */
export type ClusterEvent =
  | { readonly kind: 'starting'; readonly name: string; readonly logFile: string; readonly initialized: boolean }
  | { readonly kind: 'healthy'; readonly name: string; readonly afterMs: number }
  | { readonly kind: 'failed'; readonly name: string; readonly lastLines: readonly string[] }
  | { readonly kind: 'removed'; readonly name: string; readonly dataDir: string };

/** Seams for tests and the CLI. */
export interface ClusterDeps {
  readonly logger?: Logger;
  readonly onEvent?: (e: ClusterEvent) => void;
  readonly spawn?: MemberProcessConfig['spawn'];
}

/** A member's current view. */
export interface MemberInfo {
  readonly name: string;
  readonly pid: number | undefined;
  readonly state: MemberProcess['state'];
  readonly restarts: number;
  readonly healthUrl: string;
}

/** The running cluster of this host. */
export interface Cluster extends Component {
  members(): MemberInfo[];
}

function damaged(name: string, dataDir: string): EdgeError {
  return new EdgeError('EDGE_DATA_DIR', `data dir ${JSON.stringify(dataDir)} of member ${JSON.stringify(name)} has member/ but no usable WAL`, {
    hint: 'move the data dir away, then remove and re-add the member (etcd-edge member remove/add) so it rejoins with a fresh one; starting it as is would create a separate one-member cluster',
  });
}

function removedError(name: string, dataDir: string): EdgeError {
  return new EdgeError('EDGE_DATA_DIR', `member ${JSON.stringify(name)} has been removed from the cluster; its data dir ${JSON.stringify(dataDir)} belongs to the old membership`, {
    hint: `drop the member from the topology, or move ${dataDir} away and add it back (etcd-edge promote, or etcd-edge member add, then up)`,
  });
}

/** Creates the cluster component for the members of one host. */
export function createCluster(config: Readonly<ClusterConfig>, deps: ClusterDeps = {}): Cluster {
  const log = (deps.logger ?? noopLogger()).child({ component: 'cluster' });
  const guard = lifecycleGuard('cluster');
  const procs: MemberProcess[] = [];
  const failures = new Map<string, readonly string[]>();
  const removed = new Set<string>();

  const spawnAll = (): void => {
    // Check every data dir before starting any member: nothing is half-started.
    for (const m of config.members) if (dataDirState(m.dataDir) === 'damaged') throw damaged(m.name, m.dataDir);
    for (const m of config.members) {
      mkdirSync(path.dirname(m.logFile), { recursive: true, mode: 0o700 });
      mkdirSync(path.dirname(m.dataDir), { recursive: true, mode: 0o700 });
      const initialized = isInitialized(m.dataDir);
      deps.onEvent?.({ kind: 'starting', name: m.name, logFile: m.logFile, initialized });
      const p = createMemberProcess({
        name: m.name, bin: config.etcdBin, env: config.env, logFile: m.logFile, restart: config.restart,
        stopGraceMs: config.stopGraceMs, logger: log, ...(config.parentDeathSignal ? { parentDeathSignal: config.parentDeathSignal } : {}),
        args: () => {
          const state = dataDirState(m.dataDir);
          if (state === 'damaged') throw damaged(m.name, m.dataDir);
          return m.argsFor(state === 'initialized');
        },
        onFailed: (lastLines) => { failures.set(m.name, lastLines); deps.onEvent?.({ kind: 'failed', name: m.name, lastLines }); },
        onRemoved: () => { removed.add(m.name); deps.onEvent?.({ kind: 'removed', name: m.name, dataDir: m.dataDir }); },
        ...(deps.spawn ? { spawn: deps.spawn } : {}),
      });
      procs.push(p);
      p.run();
    }
  };

  const waitHealthy = async (signal: AbortSignal | undefined): Promise<void> => {
    const t0 = Date.now();
    const pending = new Set(config.members.map((m) => m.name));
    while (pending.size > 0) {
      for (const name of pending) {
        if (removed.has(name)) throw removedError(name, config.members.find((m) => m.name === name)?.dataDir ?? '');
        const lines = failures.get(name);
        if (lines) {
          throw new EdgeError('EDGE_ETCD_EXITED', `member ${JSON.stringify(name)} exited repeatedly while starting; last log lines:\n  ${lines.join('\n  ')}`, {
            hint: `read ${config.members.find((m) => m.name === name)?.logFile ?? 'its log'} for the whole log`,
          });
        }
      }
      if (Date.now() - t0 > config.readyTimeoutMs) {
        throw new EdgeError('EDGE_ETCD_UNHEALTHY', `members ${JSON.stringify([...pending])} not healthy after ${config.readyTimeoutMs}ms`, {
          hint: 'a new cluster needs a majority of its members up: start the other hosts too, and check the member logs',
        });
      }
      await Promise.all([...pending].map(async (name) => {
        const m = config.members.find((x) => x.name === name);
        if (m && await isHealthy(m.healthUrl, { timeoutMs: 1000, ...(config.healthTls ? { tls: config.healthTls } : {}) })) {
          pending.delete(name);
          deps.onEvent?.({ kind: 'healthy', name, afterMs: Date.now() - t0 });
        }
      }));
      if (pending.size > 0) await sleep(200, signal);
    }
  };

  const leaderIndex = async (): Promise<number> => {
    const tls = config.healthTls ? { tls: config.healthTls } : {};
    const st = await Promise.all(config.members.map((m) => endpointStatus(m.healthUrl, { timeoutMs: 1000, ...tls }).catch(() => undefined)));
    return st.findIndex((x) => x !== undefined && x.leader === x.memberId);
  };

  const stopAll = async (): Promise<void> => {
    // Followers first, then the leader: a leader stopped together with its followers tries to hand over
    // leadership and stalls ~7 s (netns-notes gotcha 12); alone, its transfer gives up at once.
    const lead = procs.length > 1 ? await leaderIndex() : -1;
    await Promise.all(procs.filter((_, i) => i !== lead).map((p) => p.stop()));
    if (lead >= 0) await procs[lead]?.stop();
  };

  return {
    async start(opts = {}) {
      guard.beginStart();
      try {
        if (config.members.length === 0) return;
        spawnAll();
        await waitHealthy(opts.signal);
        log.info({ members: config.members.map((m) => m.name) }, 'cluster members healthy');
      } catch (err) {
        await stopAll();
        throw err;
      }
    },
    close() {
      return guard.closeOnce(stopAll);
    },
    members() {
      return config.members.map((m, i) => {
        const p = procs[i];
        return { name: m.name, pid: p?.pid, state: p?.state ?? 'idle', restarts: p?.restarts ?? 0, healthUrl: m.healthUrl };
      });
    },
  };
}
