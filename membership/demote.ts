// createDemotion(): `etcd-edge demote` as a component, the scale-down path. start() moves leadership away if the
// member leads, removes it, stops the `promote` that supervises it (found through <data-dir>/<name>.pid),
// archives its data dir and starts an etcd-edge proxy in its place; close() stops that proxy.
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { lifecycleGuard, sleep } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { loadClientTls } from '../core/tls.js';
import { createMembershipApi, isServerAnswer, serverMessage } from './api.js';
import type { MembershipApi } from './api.js';
import type { DemoteConfig } from './config.js';
import type { MemberView } from './format.js';
import { readMemberPid } from './pidfile.js';
import type { MemberPidRecord } from './pidfile.js';
import { etcdEdgeSubcommand, isEtcdArgv, processAlive, readCmdline, signalPid, waitGone } from './proc.js';
import { startProxyChild } from './proxy-child.js';
import type { ProxyChild } from './proxy-child.js';
import { createStepPrinter } from './steps.js';

/** Seams and surroundings. */
export interface DemotionDeps {
  readonly logger?: Logger;
  readonly print?: (line: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
}

/** A demotion: done after start(), then running the replacing proxy until close(). */
export interface Demotion extends Component {
  /** Resolves with the proxy's exit status if it exits without close(). */
  proxyExited(): Promise<number>;
  /** False when --start-proxy=false: nothing keeps running. */
  running(): boolean;
}

const norm = (u: string): string => u.replace(/\/$/, '');

function supervisorOf(rec: MemberPidRecord | undefined): number | undefined {
  if (!rec || !processAlive(rec.pid)) return undefined;
  return etcdEdgeSubcommand(readCmdline(rec.pid) ?? []) === 'promote' ? rec.pid : undefined;
}

async function moveLeadership(api: MembershipApi, m: MemberView, members: readonly MemberView[]): Promise<string> {
  const url = m.clientURLs[0];
  const st = url ? await api.status(url).catch(() => undefined) : undefined;
  if (!st || st.leader !== m.id) return st ? `not the leader (the leader is ${st.leader})` : 'not reachable; nothing to move';
  for (const t of members.filter((x) => x.id !== m.id && x.name !== '' && !x.isLearner)) {
    const tu = t.clientURLs[0];
    if (!tu || !(await api.healthy(tu))) continue;
    await api.moveLeader(url ?? '', t.id);
    for (let i = 0; i < 50; i++) {
      if ((await api.status(tu).catch(() => undefined))?.leader === t.id) return `leadership moved to ${t.name} (${t.id})`;
      await sleep(200);
    }
  }
  throw new EdgeError('EDGE_MEMBERSHIP', `could not move leadership away from ${JSON.stringify(m.name)}`, { hint: 'check that the other members are healthy, then run demote again' });
}

async function stopMember(rec: MemberPidRecord | undefined, sup: number | undefined, timeoutMs: number): Promise<string> {
  if (sup !== undefined) {
    signalPid(sup, 'SIGTERM');
    if (!(await waitGone(sup, timeoutMs))) {
      signalPid(sup, 'SIGKILL');
      await waitGone(sup, 5000);
    }
  }
  // etcd runs in its own process group: make sure it is gone too (a killed supervisor leaves it behind).
  if (rec && processAlive(rec.etcdPid) && isEtcdArgv(readCmdline(rec.etcdPid))) {
    signalPid(-rec.etcdPid, 'SIGTERM');
    if (!(await waitGone(rec.etcdPid, 10_000))) signalPid(-rec.etcdPid, 'SIGKILL');
    await waitGone(rec.etcdPid, 5000);
  }
  return sup !== undefined ? `stopped etcd-edge promote (pid ${sup}) and its etcd (pid ${rec?.etcdPid ?? '?'})` : 'no local process ran it';
}

/** Creates the demotion; nothing happens until start(). */
export function createDemotion(cfg: Readonly<DemoteConfig>, deps: DemotionDeps = {}): Demotion {
  const log = (deps.logger ?? noopLogger()).child({ component: 'membership', member: cfg.name });
  const guard = lifecycleGuard('demote');
  const print = createStepPrinter(deps.print ?? (() => undefined), 6);
  const tls = cfg.client.useTls ? loadClientTls(cfg.client.tls) : undefined;
  let proxy: ProxyChild | undefined;
  let exitedResolve: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => { exitedResolve = r; });

  const find = async (): Promise<{ api: MembershipApi; rec: MemberPidRecord | undefined; member: MemberView | undefined; members: readonly MemberView[] }> => {
    print.step(1, `find member ${cfg.name}`);
    const rec = readMemberPid(cfg.pidFile);
    const eps = cfg.client.endpoints.length > 0 ? cfg.client.endpoints : [...(rec?.endpoints ?? []), ...(rec?.clientUrls ?? [])];
    if (eps.length === 0) throw new EdgeError('EDGE_NO_ENDPOINTS', `no --endpoints and no pid file ${JSON.stringify(cfg.pidFile)}`, { hint: 'pass --endpoints with client URLs of the members, and the --data-dir promote used' });
    const api = createMembershipApi({ endpoints: eps, timeoutMs: cfg.client.timeoutMs, ...(tls ? { tls } : {}) });
    const { members } = await api.list();
    const member = members.find((m) => m.name === cfg.name);
    print.detail(member ? `member ${member.id}, ${member.clientURLs.join(',')}; ${members.length} members` : `no member named ${JSON.stringify(cfg.name)} in the cluster (already removed)`);
    return { api, rec, member, members };
  };

  const check = async (api: MembershipApi, member: MemberView, members: readonly MemberView[], sup: number | undefined): Promise<void> => {
    if (!member.isLearner && members.filter((m) => !m.isLearner).length <= 1) {
      throw new EdgeError('EDGE_MEMBERSHIP', `${JSON.stringify(cfg.name)} is the cluster's only voting member`, { hint: 'removing it would end the cluster; add another member first' });
    }
    if (sup !== undefined) return;
    for (const u of member.clientURLs) {
      if (await api.healthy(u)) {
        throw new EdgeError('EDGE_MEMBERSHIP', `member ${JSON.stringify(cfg.name)} runs (healthy at ${u}), but not under etcd-edge promote with --data-dir ${cfg.dataDir}`, {
          hint: `stop it where it runs (etcd-edge up, systemd), then run etcd-edge member remove ${member.id}; or pass the --data-dir promote used`,
        });
      }
    }
  };

  const remove = async (api: MembershipApi, member: MemberView, members: readonly MemberView[]): Promise<readonly MemberView[]> => {
    print.step(2, 'move leadership away if it leads');
    print.detail(await moveLeadership(api, member, members));
    print.step(3, `remove member ${cfg.name} (${member.id})`);
    api.setEndpoints(members.filter((m) => m.id !== member.id && m.name !== '').flatMap((m) => m.clientURLs));
    const r = await api.remove(member.id).catch((err: unknown) => {
      if (isServerAnswer(err)) throw new EdgeError('EDGE_MEMBERSHIP', `member remove refused: ${serverMessage(err)}`, { hint: 'nothing changed; check etcd-edge status and run demote again', cause: err });
      throw err;
    });
    print.detail(`removed; ${r.members.length} members left: ${r.members.map((m) => m.name || m.id).join(', ')}`);
    return r.members;
  };

  const archive = (): void => {
    print.step(5, 'archive the data dir');
    if (!existsSync(cfg.memberDataDir)) { print.detail(`${cfg.memberDataDir} does not exist`); return; }
    const stamp = (deps.now ?? (() => new Date()))().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const to = `${cfg.memberDataDir}.demoted-${stamp}`;
    renameSync(cfg.memberDataDir, to);
    rmSync(cfg.pidFile, { force: true });
    print.detail(`${cfg.memberDataDir} -> ${to}`);
  };

  const replace = async (api: MembershipApi, listen: readonly string[], left: readonly MemberView[]): Promise<void> => {
    print.step(6, cfg.startProxy ? `start an etcd-edge proxy on ${listen.join(',')}` : 'proxy: not requested (--start-proxy=false)');
    if (!cfg.startProxy) return;
    if (listen.length === 0) throw new EdgeError('EDGE_USAGE', 'no URL for the proxy to listen on', { hint: 'pass --proxy-listen-client-urls' });
    const logFile = path.join(cfg.dataDir, 'logs', 'proxy.log');
    const peers = left.filter((m) => m.peerURLs.length).flatMap((m) => m.peerURLs.map((u) => `${m.name || m.id}=${u}`)).join(',');
    proxy = await startProxyChild({ args: ['--listen-client-urls', listen.join(','), '--initial-cluster', peers, '--data-dir', cfg.dataDir], logFile, readyTimeoutMs: cfg.readyTimeoutMs, env: deps.env ?? {} });
    void proxy.exited.then(exitedResolve);
    print.detail(`pid ${proxy.pid}, log ${logFile}`);
    log.info({ listenUrls: proxy.urls, proxyPid: proxy.pid, endpoints: api.endpoints(), dataDir: cfg.dataDir }, 'proxy is ready');
  };

  const run = async (): Promise<void> => {
    const { api, rec, member, members } = await find();
    const sup = supervisorOf(rec);
    let left = members;
    if (member) {
      await check(api, member, members, sup);
      left = await remove(api, member, members);
    } else {
      print.step(2, 'move leadership away: not a member');
      print.step(3, 'remove: not a member');
    }
    try {
      print.step(4, 'stop the member');
      print.detail(await stopMember(rec, sup, cfg.stopTimeoutMs));
      archive();
      const listen = cfg.proxyListenClientUrls.length ? cfg.proxyListenClientUrls : (member?.clientURLs ?? rec?.clientUrls ?? []).map(norm);
      await replace(api, listen, left);
    } catch (err) {
      // The removal cannot be undone safely (the member's data is stale the moment it leaves): say what is left.
      throw new EdgeError('EDGE_MEMBERSHIP', `${member ? `member ${JSON.stringify(cfg.name)} was removed from the cluster, but ` : ''}${(err as Error).message}`, {
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
      return guard.closeOnce(async () => { await proxy?.stop(15_000); });
    },
    proxyExited: () => exited,
    running: () => proxy !== undefined,
  };
}
