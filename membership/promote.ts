// createPromotion(): `etcd-edge promote` as a component. start() runs step 1 (checks, no change), the
// transactional steps 2-6 (join.ts), then step 7, and resolves once the member is a healthy voter; it then
// supervises the member until close() (or until the cluster removes it: `demote` on this host).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { loadClientTls } from '../core/tls.js';
import { createMembershipApi } from './api.js';
import type { MembershipApi } from './api.js';
import type { PromoteConfig } from './config.js';
import { atLeast, probeEtcd } from './etcd-bin.js';
import type { EtcdInfo } from './etcd-bin.js';
import type { MemberView } from './format.js';
import { join } from './join.js';
import { findLocalProxy } from './local-proxy.js';
import type { ProxyRecord } from './local-proxy.js';
import { joinArgs, memberEnv } from './member-args.js';
import { spawnEtcd } from './member-process.js';
import type { EtcdChild } from './member-process.js';
import { checkPorts, classify, endpointsFromProxyState, memberEndpoints, unhealthyMembers } from './preflight.js';
import { promoteLearner, waitCaughtUp } from './readiness.js';
import { createRunningMember } from './running-member.js';
import type { RunningMember, RunEnd } from './running-member.js';
import { createStepPrinter } from './steps.js';
import type { StepPrinter } from './steps.js';

/** Seams and surroundings. */
export interface PromotionDeps {
  readonly logger?: Logger;
  /** Where step lines go (stdout). */
  readonly print?: (line: string) => void;
  /** PATH for finding etcd, HOME for the proxy child. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
  readonly pid?: number;
}

/** A promotion: ready after start(), then running the member until close(). */
export interface Promotion extends Component {
  /** 'already' when the member was running already (nothing to do); 'running' when this process runs it. */
  outcome(): 'already' | 'running' | undefined;
  /** Resolves when the member ends without close(): removed from the cluster, or failing repeatedly. */
  ended(): Promise<RunEnd>;
}

const stampOf = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

function hasWal(dir: string): boolean {
  try {
    return readdirSync(path.join(dir, 'member', 'wal')).some((f) => f.endsWith('.wal'));
  } catch {
    return false;
  }
}

/** Creates the promotion; nothing happens until start(). */
export function createPromotion(cfg: Readonly<PromoteConfig>, deps: PromotionDeps = {}): Promotion {
  const log = (deps.logger ?? noopLogger()).child({ component: 'membership', member: cfg.name });
  const guard = lifecycleGuard('promote');
  const env = deps.env ?? {};
  const print: StepPrinter = createStepPrinter(deps.print ?? (() => undefined), 7);
  const tls = cfg.client.useTls ? loadClientTls(cfg.client.tls) : undefined;
  let outcome: 'already' | 'running' | undefined;
  let running: RunningMember | undefined;
  let ended: (e: RunEnd) => void = () => undefined;
  const endedP = new Promise<RunEnd>((r) => { ended = r; });

  const step1 = async (): Promise<{ api: MembershipApi; proxy: ProxyRecord | undefined; etcd: EtcdInfo; members: readonly MemberView[] }> => {
    print.step(1, 'check that the cluster is healthy');
    const etcd = await probeEtcd(cfg.etcdBin, env.PATH);
    const proxy = findLocalProxy(cfg.dataDir);
    const start = cfg.client.endpoints.length > 0 ? cfg.client.endpoints : await endpointsFromProxyState(cfg.dataDir, tls);
    const api = createMembershipApi({ endpoints: start, timeoutMs: cfg.client.timeoutMs, ...(tls ? { tls } : {}) });
    const { members } = await api.list();
    api.setEndpoints(memberEndpoints(members, proxy));
    print.detail(`${members.length} members; local proxy: ${proxy ? `pid ${proxy.pid} on ${proxy.listenUrls.join(',')}` : 'none running'}`);
    return { api, proxy, etcd, members };
  };

  const refuseUnhealthy = async (api: MembershipApi, members: readonly MemberView[], skipId: string | undefined): Promise<void> => {
    const bad = await unhealthyMembers(api, members, skipId);
    if (bad.length > 0) {
      throw new EdgeError('EDGE_ETCD_UNHEALTHY', `refusing to add a member while the cluster is unhealthy: ${bad.join('; ')}`, {
        hint: 'etcd refuses membership changes unless every member is up (strict reconfiguration): start or remove that member, then run promote again',
      });
    }
    print.detail(`all ${members.length} members healthy`);
  };

  const learnerSupported = async (api: MembershipApi, etcd: EtcdInfo, members: readonly MemberView[]): Promise<boolean> => {
    if (!cfg.learner || !atLeast(etcd.version, 3, 4)) return false;
    const versions = await Promise.all(members.filter((m) => m.clientURLs[0]).map((m) => api.status(m.clientURLs[0] ?? '').then((s) => s.version, () => '3.4.0')));
    return versions.every((v) => atLeast(v, 3, 4));
  };

  const restart = async (api: MembershipApi, etcd: EtcdInfo, member: MemberView, members: readonly MemberView[], signal?: AbortSignal): Promise<{ child: EtcdChild; args: string[] }> => {
    print.detail(`member ${member.id} joined before and ${cfg.memberDataDir} holds its data; starting it again`);
    const args = joinArgs(cfg, members.flatMap((m) => m.peerURLs.map((u) => `${m.name || cfg.name}=${u}`)).join(','), etcd.version);
    const child = spawnEtcd({ bin: etcd.path, args, env: memberEnv(), logFile: cfg.logFile });
    const wait = { api, memberId: member.id, clientUrl: cfg.clientUrls[0] ?? '', child, logFile: cfg.logFile, deadline: Date.now() + cfg.readyTimeoutMs, ...(signal ? { signal } : {}) };
    try {
      if ((await waitCaughtUp(wait)).isLearner) await promoteLearner(wait);
    } catch (err) {
      await child.stop(10_000);
      throw err;
    }
    return { child, args };
  };

  const run = async (signal: AbortSignal | undefined): Promise<void> => {
    const { api, proxy, etcd, members } = await step1();
    const pre = await classify(cfg, api, members, hasWal(cfg.memberDataDir));
    if (pre.kind === 'already') {
      print.detail(`member ${JSON.stringify(cfg.name)} (${pre.member.id}) is already part of the cluster and running (${pre.how}); nothing to do`);
      outcome = 'already';
      return;
    }
    let joined: { member: MemberView; child: EtcdChild; args: readonly string[] };
    if (pre.kind === 'restart') {
      joined = { member: pre.member, ...await restart(api, etcd, pre.member, members, signal) };
    } else {
      await refuseUnhealthy(api, members, pre.pending?.id);
      if (!pre.pending && existsSync(cfg.memberDataDir)) {
        throw new EdgeError('EDGE_DATA_DIR', `${cfg.memberDataDir} already exists`, { hint: 'it holds an old member\'s data: move it away, then run promote again' });
      }
      await checkPorts([...cfg.listenPeerUrls, ...cfg.listenClientUrls], proxy);
      const learner = await learnerSupported(api, etcd, members);
      joined = await join({ cfg, api, etcd, proxy, members, ...(pre.pending ? { pending: pre.pending } : {}), learner, print, logger: log, stamp: stampOf((deps.now ?? (() => new Date()))()), ...(signal ? { signal } : {}) });
    }
    api.setEndpoints([...memberEndpoints((await api.list()).members, undefined, joined.member.id), ...cfg.clientUrls]);
    running = createRunningMember({ cfg, api, etcdPath: etcd.path, member: joined.member, child: joined.child, args: joined.args, logger: log, print, env, pid: deps.pid ?? process.pid });
    void running.ended.then((e) => ended(e));
    await running.startProxy();
    outcome = 'running';
  };

  return {
    async start(opts = {}) {
      guard.beginStart();
      await run(opts.signal);
    },
    close() {
      return guard.closeOnce(async () => { await running?.close(); });
    },
    outcome: () => outcome,
    ended: () => endedP,
  };
}
