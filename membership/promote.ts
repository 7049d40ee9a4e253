// createPromotion(): `etcd-edge promote` as a component. start() runs step 1 (checks, no change), the
// transactional steps 2-6 (join.ts), then step 7, and resolves once the member is a healthy voter; it then
// supervises the member until close() (or until the cluster removes it: `demote` on this host).
import { existsSync } from 'node:fs';
import { isInitialized } from '../host/index.js';
import type { EdgeFactory } from '../core/edge.js';
import { EdgeError } from '../core/errors.js';
import { lifecycleGuard } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { createMembershipApi } from './api.js';
import type { MembershipApi } from './api.js';
import type { PromoteConfig } from './config.js';
import { atLeast, detectEtcd, memberEnv } from '../etcd/index.js';
import type { EtcdBinary, EtcdMember } from '../etcd/index.js';
import { join } from './join.js';
import { findLocalProxy, refuseInsidePromote } from './local-proxy.js';
import type { ProxyRecord } from './local-proxy.js';
import { joinArgs } from './member-args.js';
import { spawnEtcd } from '../host/index.js';
import type { EtcdChild } from '../host/index.js';
import { checkPorts, classify, endpointsFromProxyState, memberEndpoints, unhealthyMembers } from './preflight.js';
import { promoteLearner, waitCaughtUp } from './readiness.js';
import { createRunningMember } from './running-member.js';
import type { RunningMember, RunEnd } from './running-member.js';
import { createStepPrinter, stampOf } from './steps.js';
import type { StepPrinter } from './steps.js';

/** Seams and surroundings. */
export interface PromotionDeps {
  readonly logger?: Logger;
  /** Where step lines go (stdout). */
  readonly print?: (line: string) => void;
  /** PATH for finding etcd. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Builds the optional step-7 proxy in this process (the factory `up` uses). */
  readonly proxyFactory?: EdgeFactory;
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



/** What the steps share. */
interface Ctx {
  readonly cfg: Readonly<PromoteConfig>;
  readonly print: StepPrinter;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly tls: ClientTlsOptions | undefined;
  readonly log: Logger;
  readonly now: () => Date;
}

/** What step 1 found. */
interface Found {
  readonly api: MembershipApi;
  readonly proxy: ProxyRecord | undefined;
  readonly etcd: EtcdBinary;
  readonly members: readonly EtcdMember[];
}

/** A member that runs and has caught up. */
interface Started {
  readonly member: EtcdMember;
  readonly child: EtcdChild;
  readonly args: readonly string[];
}

async function step1(c: Ctx): Promise<Found> {
  const { cfg, print } = c;
  print.step(1, 'check that the cluster is healthy');
  const etcd = await detectEtcd(cfg.etcdBin, c.env.PATH);
  const proxy = findLocalProxy(cfg.dataDir);
  const start = cfg.client.endpoints.length > 0 ? cfg.client.endpoints : await endpointsFromProxyState(cfg.dataDir, c.tls);
  const api = createMembershipApi({ endpoints: start, timeoutMs: cfg.client.timeoutMs, ...(c.tls ? { tls: c.tls } : {}) });
  let { members } = await api.list();
  const own = new Set(proxy?.listenUrls ?? []);
  if (members.some((m) => m.clientURLs.some((u) => own.has(u.replace(/\/$/, ''))))) {
    // --endpoints named the proxy, which rewrites member lists to its own URL: ask its peers for the real ones.
    api.setEndpoints(await endpointsFromProxyState(cfg.dataDir, c.tls));
    ({ members } = await api.list());
  }
  api.setEndpoints(memberEndpoints(members, proxy));
  print.detail(`${members.length} members; local proxy: ${proxy ? `pid ${proxy.pid} on ${proxy.listenUrls.join(',')}` : 'none running'}`);
  return { api, proxy, etcd, members };
}

async function learnerSupported(c: Ctx, f: Found): Promise<boolean> {
  // The local etcd is 3.4 or later (etcdFeatures refuses older ones); the members may not be.
  if (!c.cfg.learner) return false;
  const versions = await Promise.all(f.members.filter((m) => m.clientURLs[0]).map((m) => f.api.status(m.clientURLs[0] ?? '').then((s) => s.version, () => '3.4.0')));
  return versions.every((v) => atLeast(v, 3, 4));
}

/** The checks that must pass before the add, then the transactional steps 2-6. */
async function joinNew(c: Ctx, f: Found, pending: EtcdMember | undefined, signal: AbortSignal | undefined): Promise<Started> {
  const { cfg, print } = c;
  refuseInsidePromote(cfg.dataDir, f.proxy);
  const bad = await unhealthyMembers(f.api, f.members, pending?.id);
  if (bad.length > 0) {
    throw new EdgeError('EDGE_ETCD_UNHEALTHY', `refusing to add a member while the cluster is unhealthy: ${bad.join('; ')}`, {
      hint: 'etcd refuses membership changes unless every member is up (strict reconfiguration): start or remove that member, then run promote again',
    });
  }
  print.detail(`all ${f.members.length} members healthy`);
  if (existsSync(cfg.memberDataDir)) {
    throw new EdgeError('EDGE_DATA_DIR', `${cfg.memberDataDir} already exists`, { hint: 'it holds an earlier member\'s data: move it away, then run promote again' });
  }
  await checkPorts([...cfg.listenPeerUrls, ...cfg.listenClientUrls], f.proxy);
  const learner = await learnerSupported(c, f);
  return join({
    cfg, api: f.api, etcd: f.etcd, proxy: f.proxy, members: f.members, ...(pending ? { pending } : {}), learner, print,
    logger: c.log, stamp: stampOf(c.now()), ...(signal ? { signal } : {}),
  });
}

/** Starts a member that joined before from its data dir (nothing to roll back: membership does not change). */
async function restartJoined(c: Ctx, f: Found, member: EtcdMember, signal: AbortSignal | undefined): Promise<Started> {
  const { cfg } = c;
  c.print.detail(`member ${member.id} joined before and ${cfg.memberDataDir} holds its data; starting it again`);
  // etcd ignores the initial cluster once a WAL exists; it is passed only to keep one argv for every start.
  const args = joinArgs(cfg, f.members.flatMap((m) => m.peerURLs.map((u) => `${m.name || cfg.name}=${u}`)).join(','), f.etcd);
  const child = spawnEtcd({ bin: f.etcd.path, args, env: memberEnv(), logFile: cfg.logFile });
  const wait = { api: f.api, memberId: member.id, clientUrl: cfg.clientUrls[0] ?? '', child, logFile: cfg.logFile, deadline: Date.now() + cfg.readyTimeoutMs, ...(signal ? { signal } : {}) };
  try {
    if ((await waitCaughtUp(wait)).isLearner) await promoteLearner(wait);
  } catch (err) {
    await child.stop(10_000);
    throw err;
  }
  return { member, child, args };
}

/** Creates the promotion; nothing happens until start(). */
export function createPromotion(cfg: Readonly<PromoteConfig>, deps: PromotionDeps = {}): Promotion {
  const log = (deps.logger ?? noopLogger()).child({ component: 'membership', member: cfg.name });
  const guard = lifecycleGuard('promote');
  const c: Ctx = {
    cfg, log, env: deps.env ?? {}, now: deps.now ?? (() => new Date()), print: createStepPrinter(deps.print ?? (() => undefined), 7),
    tls: cfg.client.useTls ? loadClientTls(cfg.client.tls) : undefined,
  };
  let outcome: 'already' | 'running' | undefined;
  let running: RunningMember | undefined;
  let ended: (e: RunEnd) => void = () => undefined;
  const endedP = new Promise<RunEnd>((r) => { ended = r; });

  const run = async (signal: AbortSignal | undefined): Promise<void> => {
    const f = await step1(c);
    const pre = await classify(cfg, f.api, f.members, isInitialized(cfg.memberDataDir));
    if (pre.kind === 'already') {
      c.print.detail(`member ${JSON.stringify(cfg.name)} (${pre.member.id}) is already part of the cluster and running (${pre.how}); nothing to do`);
      outcome = 'already';
      return;
    }
    const s = pre.kind === 'restart' ? await restartJoined(c, f, pre.member, signal) : await joinNew(c, f, pre.pending, signal);
    f.api.setEndpoints([...memberEndpoints((await f.api.list()).members, undefined, s.member.id), ...cfg.clientUrls]);
    running = createRunningMember({ cfg, api: f.api, etcdPath: f.etcd.path, member: s.member, child: s.child, args: s.args, logger: log, print: c.print, pid: deps.pid ?? process.pid, proxyFactory: deps.proxyFactory });
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
