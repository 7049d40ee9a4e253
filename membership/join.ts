// Steps 2-6 of promote as one transaction: add the member (as a learner where etcd supports it), stop the local
// proxy, move its state aside, start etcd with state existing, wait until it has caught up (then promote the
// learner). Any failure, Ctrl-C included, undoes what was done, in an order that never costs quorum.
import { existsSync, rmSync } from 'node:fs';
import { EdgeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { MembershipApi } from './api.js';
import { retryWhileUnhealthy } from './retry.js';
import { isServerAnswer, serverMessage } from './api.js';
import type { PromoteConfig } from './config.js';
import { memberEnv } from '../etcd/index.js';
import type { EtcdBinary, EtcdMember } from '../etcd/index.js';
import { initialClusterOf } from './format.js';
import { moveProxyState, proxyPaths, restartProxy, restoreProxyState, stopLocalProxy } from './local-proxy.js';
import type { ProxyRecord } from './local-proxy.js';
import { joinArgs } from './member-args.js';
import { spawnEtcd } from '../host/index.js';
import type { EtcdChild } from '../host/index.js';
import { promoteLearner, waitCaughtUp } from './readiness.js';
import { describeError } from './steps.js';
import type { StepPrinter } from './steps.js';
import { dataDirLayout } from '../host/index.js';

/** What the join needs. */
export interface JoinInput {
  readonly cfg: PromoteConfig;
  readonly api: MembershipApi;
  readonly etcd: EtcdBinary;
  readonly proxy: ProxyRecord | undefined;
  readonly members: readonly EtcdMember[];
  /** A member an interrupted run added but never started: reused instead of adding another. */
  readonly pending?: EtcdMember;
  readonly learner: boolean;
  readonly print: StepPrinter;
  readonly logger: Logger;
  readonly stamp: string;
  readonly signal?: AbortSignal;
}

/** A joined, running member. */
export interface Joined {
  readonly member: EtcdMember;
  readonly child: EtcdChild;
  readonly args: readonly string[];
}

/** What has been done so far, for the rollback. */
interface Done {
  added?: EtcdMember;
  proxyStopped?: ProxyRecord;
  archived?: string;
  child?: EtcdChild;
  dataDirCreated?: boolean;
}

async function addRetrying(i: JoinInput): Promise<Awaited<ReturnType<MembershipApi['add']>>> {
  try {
    // Step 1 has already checked each member's health: "unhealthy cluster" right after a join is transient.
    return await retryWhileUnhealthy(() => i.api.add(i.cfg.peerUrls, i.learner), i.signal);
  } catch (err) {
    if (isServerAnswer(err)) throw new EdgeError('EDGE_MEMBERSHIP', `member add refused: ${serverMessage(err)}`, { hint: 'etcd-edge status shows which member is not healthy', cause: err });
    throw err;
  }
}

async function addMember(i: JoinInput, d: Done): Promise<{ member: EtcdMember; initialCluster: string }> {
  if (i.pending) {
    d.added = i.pending;
    i.print.detail(`member ${i.pending.id} was added by an earlier run but never started; using it`);
    return { member: i.pending, initialCluster: initialClusterOf(i.members, i.pending.id, i.cfg.name) };
  }
  const r = await addRetrying(i);
  d.added = r.member;
  const initialCluster = initialClusterOf(r.members, r.member.id, i.cfg.name);
  i.print.detail(`added member ${r.member.id}${i.learner ? ' as a learner' : ''} to cluster ${r.clusterId}`);
  i.print.detail(`ETCD_INITIAL_CLUSTER=${JSON.stringify(initialCluster)}`);
  return { member: r.member, initialCluster };
}

async function steps(i: JoinInput, d: Done, at: (n: number) => void): Promise<Joined> {
  const { cfg, print } = i;
  at(2); print.step(2, `add member ${cfg.name} (${cfg.peerUrls.join(',')})${i.learner ? ' as a learner' : ''}`);
  const { member, initialCluster } = await addMember(i, d);
  at(3); print.step(3, 'stop the local etcd-edge proxy');
  if (i.proxy) {
    await stopLocalProxy(i.proxy, cfg.proxyStopTimeoutMs);
    d.proxyStopped = i.proxy;
    print.detail(`stopped pid ${i.proxy.pid} (${i.proxy.listenUrls.join(',')})`);
  } else print.detail(`none runs on ${cfg.dataDir} (no live pid in ${proxyPaths(cfg.dataDir).pid})`);
  at(4); print.step(4, 'move the proxy state aside');
  const archived = moveProxyState(cfg.dataDir, i.stamp);
  if (archived) d.archived = archived;
  print.detail(archived ? `${proxyPaths(cfg.dataDir).dir} -> ${archived}` : 'no proxy state to move');
  at(5); print.step(5, `start etcd ${i.etcd.version} as member ${cfg.name} (initial-cluster-state existing)`);
  const args = joinArgs(cfg, initialCluster, i.etcd);
  d.dataDirCreated = !existsSync(cfg.memberDataDir);
  d.child = spawnEtcd({ bin: i.etcd.path, args, env: memberEnv(), logFile: cfg.logFile });
  print.detail(`pid ${d.child.pid}, data dir ${cfg.memberDataDir}, log ${cfg.logFile}`);
  at(6); print.step(6, i.learner ? 'wait until it has caught up, then promote it to a voting member' : 'wait until it is healthy and has caught up');
  const wait = {
    api: i.api, memberId: member.id, clientUrl: cfg.clientUrls[0] ?? '', child: d.child, logFile: cfg.logFile,
    deadline: Date.now() + cfg.readyTimeoutMs, ...(i.signal ? { signal: i.signal } : {}),
  };
  const first = await waitCaughtUp(wait);
  if (first.isLearner) {
    print.detail(`caught up (${first.lag} entries behind the leader); promoting`);
    await promoteLearner(wait);
  }
  const voter = await waitCaughtUp(wait);
  print.detail(`healthy voting member, ${voter.lag} entries behind the leader`);
  return { member, child: d.child, args };
}

async function undo(i: JoinInput, d: Done): Promise<string[]> {
  const { print, cfg } = i;
  const left: string[] = [];
  print.line('rolling back:');
  // Remove before stopping: a running voting member still counts for the quorum the removal needs.
  if (d.added) {
    try {
      await i.api.remove(d.added.id);
      print.detail(`removed member ${d.added.id}`);
    } catch (err) {
      if (isServerAnswer(err) && /member not found/.test(serverMessage(err))) print.detail(`member ${d.added.id} was already gone`);
      else left.push(`remove the member: etcd-edge member remove ${d.added.id} --endpoints ${i.api.endpoints().join(',')} (${describeError(err)})`);
    }
  }
  if (d.child) {
    await d.child.stop(10_000);
    print.detail(`stopped etcd (pid ${d.child.pid})`);
    if (d.dataDirCreated) { rmSync(cfg.memberDataDir, { recursive: true, force: true }); print.detail(`removed the new data dir ${cfg.memberDataDir}`); }
  }
  if (d.archived) {
    try {
      restoreProxyState(cfg.dataDir, d.archived);
      print.detail(`restored ${proxyPaths(cfg.dataDir).dir}`);
    } catch (err) {
      left.push(`restore the proxy state: mv ${d.archived} ${proxyPaths(cfg.dataDir).dir} (${describeError(err)})`);
    }
  }
  if (d.proxyStopped) {
    const p = d.proxyStopped;
    try {
      const pid = await restartProxy(p, dataDirLayout(cfg.dataDir).proxyLog, 20_000);
      print.detail(`restarted the proxy: pid ${pid}, detached, log ${dataDirLayout(cfg.dataDir).proxyLog}`);
    } catch (err) {
      left.push(`start the proxy again: (cd ${p.cwd} && ${p.argv.join(' ')}) (${describeError(err)})`);
    }
  }
  return left;
}

/** Runs steps 2-6; on failure undoes them and throws EDGE_MEMBERSHIP saying what happened and what is left. */
export async function join(i: JoinInput): Promise<Joined> {
  const d: Done = {};
  let n = 2;
  try {
    return await steps(i, d, (x) => { n = x; });
  } catch (err) {
    i.print.line(`step ${n} failed: ${describeError(err)}`);
    i.logger.error({ step: n, code: (err as { code?: string }).code }, 'promotion step failed, rolling back');
    const left = await undo(i, d);
    for (const l of left) i.print.line(`left to do: ${l}`);
    throw new EdgeError('EDGE_MEMBERSHIP', `promotion of ${JSON.stringify(i.cfg.name)} failed at step ${n}: ${(err as Error).message}`, {
      hint: left.length > 0 ? `the rollback was incomplete; left to do: ${left.join('; ')}` : 'rolled back: the member list and the proxy are as they were; fix the cause and run promote again',
      cause: err,
    });
  }
}
