// createDemotion(): `etcd-edge demote` as a component, the scale-down path. start() moves leadership away if the
// member leads, removes it, stops the `promote` that supervises it (found through <data-dir>/<name>.pid) or
// waits for an etcd started otherwise on <data-dir>/<name>.etcd to exit, archives its data dir and starts an etcd-edge proxy in its place, in this process (the proxy's EdgeFactory, as
// `up` uses it); close() stops that proxy.
import { EdgeError } from '../core/errors.js';
import type { EdgeFactory } from '../core/edge.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { loadClientTls } from '../core/tls.js';
import type { DemoteConfig } from './config.js';
import { archiveDataDir, checkRemovable, findMember, removeMember, stopMember } from './demote-steps.js';
import type { DemoteCtx, FoundMember } from './demote-steps.js';
import { proxyPeersOf } from './format.js';
import type { EtcdMember } from '../etcd/index.js';
import { proxyDirHolder } from './local-proxy.js';
import { startLocalProxy } from './inproc-proxy.js';
import type { LocalProxy } from './inproc-proxy.js';
import type { ProxyFlags } from './proxy-flags.js';
import { localMemberTls, proxyTlsFlagsFor } from './proxy-tls.js';
import { createStepPrinter } from './steps.js';

/** Seams and surroundings. */
export interface DemotionDeps {
  readonly logger?: Logger;
  readonly print?: (line: string) => void;
  readonly now?: () => Date;
  /** Builds the replacing proxy in this process (the factory `up` uses). */
  readonly proxyFactory?: EdgeFactory;
}

/** A demotion: done after start(), then running the replacing proxy until close(). */
export interface Demotion extends Component {
  /** False when --start-proxy=false: nothing keeps running. */
  running(): boolean;
}

const norm = (u: string): string => u.replace(/\/$/, '');

/** Where the replacing proxy listens: --proxy-listen-client-urls, else where the member listened, else its client URLs. */
export function proxyListen(cfg: Pick<DemoteConfig, 'proxyListenClientUrls'>, f: Pick<FoundMember, 'member' | 'rec'> & { external?: FoundMember['external'] }): string[] {
  if (cfg.proxyListenClientUrls.length) return [...cfg.proxyListenClientUrls];
  const bound = f.rec?.listenClientUrls ?? f.external?.listenClientUrls ?? [];
  return (bound.length ? bound : f.member?.clientURLs ?? f.rec?.clientUrls ?? []).map(norm);
}

/** Creates the demotion; nothing happens until start(). */
export function createDemotion(cfg: Readonly<DemoteConfig>, deps: DemotionDeps = {}): Demotion {
  const log = (deps.logger ?? noopLogger()).child({ component: 'membership', member: cfg.name });
  const guard = lifecycleGuard('demote');
  const c: DemoteCtx = {
    cfg, print: createStepPrinter(deps.print ?? (() => undefined), 6), now: deps.now ?? (() => new Date()),
    tls: cfg.client.useTls ? loadClientTls(cfg.client.tls) : undefined,
  };
  let proxy: LocalProxy | undefined;

  const replace = async (f: FoundMember, left: readonly EtcdMember[], tlsFlags: ProxyFlags): Promise<void> => {
    const listen = proxyListen(cfg, f);
    c.print.step(6, cfg.startProxy ? `start an etcd-edge proxy on ${listen.join(',')}` : 'proxy: not requested (--start-proxy=false)');
    if (!cfg.startProxy) return;
    if (listen.length === 0) throw new EdgeError('EDGE_USAGE', 'no URL for the proxy to listen on', { hint: 'pass --proxy-listen-client-urls' });
    const peers = proxyPeersOf(left);
    // A wildcard listen URL cannot be put in member lists: advertise the member's client URLs instead.
    const advertise = listen.some((u) => /\/\/(0\.0\.0\.0|\[::\]):/.test(u)) ? { 'proxy-advertise-client-urls': (f.member?.clientURLs ?? f.rec?.clientUrls ?? []).join(',') } : {};
    proxy = await startLocalProxy({
      factory: deps.proxyFactory, dataDir: cfg.dataDir, readyTimeoutMs: cfg.readyTimeoutMs,
      flags: { 'listen-client-urls': listen.join(','), ...advertise, 'initial-cluster': peers, 'data-dir': cfg.dataDir, ...tlsFlags },
    });
    c.print.detail(`pid ${process.pid}, log ${proxy.logFile}`);
    log.info({ listenUrls: proxy.urls, proxyPid: process.pid, endpoints: f.api.endpoints(), dataDir: cfg.dataDir }, 'proxy is ready');
  };

  const run = async (): Promise<void> => {
    const f = await findMember(c);
    // The replacing proxy keeps its state in <data-dir>/proxy: refuse before any change if another holds it.
    const holder = cfg.startProxy ? proxyDirHolder(cfg.dataDir) : undefined;
    if (holder) {
      throw new EdgeError('EDGE_MEMBERSHIP', `the replacing proxy could not start: ${holder.what} (pid ${holder.pid}) already runs a proxy on ${cfg.dataDir}; nothing was changed`, {
        hint: holder.what === 'etcd-edge up'
          ? 'that proxy already follows the cluster: pass --start-proxy=false to only remove and stop the member'
          : 'pass --start-proxy=false, or stop that proxy first',
      });
    }
    // While the member still runs: the TLS its replacement needs, refused now if it could not serve.
    let tlsFlags: ProxyFlags = {};
    try {
      if (cfg.startProxy) tlsFlags = proxyTlsFlagsFor(proxyListen(cfg, f), f.members.flatMap((m) => m.clientURLs), localMemberTls([f.external?.pid, f.rec?.etcdPid, f.supervisor]));
    } catch (err) {
      throw new EdgeError('EDGE_MEMBERSHIP', `the replacing proxy could not serve: ${(err as Error).message}; nothing was changed`, { hint: (err as EdgeError).hint ?? '', cause: err });
    }
    let left = f.members;
    if (f.member) {
      await checkRemovable(c, f, f.member);
      left = await removeMember(c, f, f.member);
    } else {
      c.print.step(2, 'move leadership away: not a member');
      c.print.step(3, 'remove: not a member');
    }
    try {
      c.print.step(4, 'stop the member');
      c.print.detail(await stopMember(f.rec, f.supervisor, cfg.stopTimeoutMs, f.external));
      archiveDataDir(c);
      await replace(f, left, tlsFlags);
    } catch (err) {
      // The removal cannot be undone safely (the member's data is stale the moment it leaves): say what is left.
      throw new EdgeError('EDGE_MEMBERSHIP', `${f.member ? `member ${JSON.stringify(cfg.name)} was removed from the cluster, but ` : ''}${(err as Error).message}`, {
        hint: `left to do: make sure no etcd runs on ${cfg.memberDataDir}, move that dir away, then start the proxy: etcd-edge proxy --data-dir ${cfg.dataDir} --listen-client-urls URL --initial-cluster NAME=PEER_URL,...`,
        cause: err,
      });
    }
  };

  return {
    async start() {
      guard.beginStart();
      await run();
    },
    close() {
      return guard.closeOnce(async () => { await proxy?.stop(); });
    },
    running: () => proxy !== undefined,
  };
}
