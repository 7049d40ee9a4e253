// After a promotion: the member runs under this process (pid file next to its data dir, restarts after
// crashes), step 7 starts the optional local proxy in this process, and the one ready line is logged. close() stops the proxy,
// then the member, then removes the pid file.
import { shellLine } from '../core/cli.js';
import type { EdgeFactory } from '../core/edge.js';
import type { Logger } from '../core/log.js';
import type { MembershipApi } from './api.js';
import type { PromoteConfig } from './config.js';
import { proxyPeersOf } from './format.js';
import type { EtcdMember } from '../etcd/index.js';
import { memberEnv } from '../etcd/index.js';
import { spawnEtcd, superviseEtcd } from '../host/index.js';
import type { EtcdChild, EtcdSupervisor } from '../host/index.js';
import { removeMemberPid, writeMemberPid } from './pidfile.js';
import { startLocalProxy } from './inproc-proxy.js';
import type { LocalProxy } from './inproc-proxy.js';
import { proxyTlsFlagsFor, tlsSettingsOf } from './proxy-tls.js';
import type { StepPrinter } from './steps.js';
import { dataDirLayout } from '../host/index.js';

/** How a running member ended without close(). */
export type RunEnd = { readonly end: 'removed' } | { readonly end: 'failed'; readonly lastLines: readonly string[] };

/** What createRunningMember needs. */
export interface RunningMemberInput {
  readonly cfg: PromoteConfig;
  readonly api: MembershipApi;
  readonly etcdPath: string;
  readonly member: EtcdMember;
  readonly child: EtcdChild;
  readonly args: readonly string[];
  readonly logger: Logger;
  readonly print: StepPrinter;
  readonly pid: number;
  /** Builds the step-7 proxy (the one `up` uses). */
  readonly proxyFactory: EdgeFactory | undefined;
}

/** The member this process runs. */
export interface RunningMember {
  readonly ended: Promise<RunEnd>;
  /** Step 7, the summary and the ready line. */
  startProxy(): Promise<void>;
  close(): Promise<void>;
}

async function printSummary(i: RunningMemberInput): Promise<void> {
  const { cfg, print } = i;
  const members = (await i.api.list().catch(() => ({ members: [] as EtcdMember[] }))).members;
  print.line(`member ${cfg.name} (${i.member.id}) is a voting member; the cluster has ${members.length} members: ${members.map((m) => m.name || m.id).join(', ')}`);
  print.line(`running it until Ctrl-C/SIGTERM (etcd stops with this command). to keep it running, run this command again (it restarts the member from ${cfg.memberDataDir}), or etcd itself:`);
  print.line(`  ${shellLine([i.etcdPath, ...i.args.filter((a) => !a.startsWith('--initial-cluster'))])}`);
}

/** Starts supervising the joined member. */
export function createRunningMember(i: RunningMemberInput): RunningMember {
  const { cfg, print, logger: log } = i;
  let proxy: LocalProxy | undefined;
  const writePid = (etcdPid: number): void => writeMemberPid(cfg.pidFile, {
    pid: i.pid, etcdPid, name: cfg.name, clientUrls: cfg.clientUrls, listenClientUrls: cfg.listenClientUrls, peerUrls: cfg.peerUrls,
    endpoints: i.api.endpoints().filter((u) => !cfg.clientUrls.includes(u)),
  });
  writePid(i.child.pid);
  const sup: EtcdSupervisor = superviseEtcd({
    first: i.child, logger: log, logFile: cfg.logFile,
    policy: { initialDelayMs: 500, maxDelayMs: 5000, maxRestarts: 5, windowMs: 60_000 },
    spawn: () => spawnEtcd({ bin: i.etcdPath, args: i.args, env: memberEnv(), logFile: cfg.logFile }),
    isRemoved: async () => !(await i.api.list()).members.some((m) => m.id === i.member.id),
    onRestart: (c) => writePid(c.pid),
  });
  // A stop through close() is not an end of its own: ended stays pending then.
  const ended = new Promise<RunEnd>((resolve) => {
    void sup.done.then((d) => {
      if (d.end === 'failed') resolve({ end: 'failed', lastLines: d.lastLines });
      else if (d.end === 'removed') resolve({ end: 'removed' });
    });
  });

  return {
    ended,
    async startProxy() {
      print.step(7, cfg.proxyListenClientUrls.length ? `start a local etcd-edge proxy on ${cfg.proxyListenClientUrls.join(',')}` : 'local proxy: none requested (--proxy-listen-client-urls)');
      const logFile = dataDirLayout(cfg.dataDir).proxyLog;
      // The member is already a healthy voter: a proxy that fails to start is reported, not rolled back.
      if (cfg.proxyListenClientUrls.length) {
        try {
          const { members } = await i.api.list();
          const peers = proxyPeersOf(members);
          const tls = proxyTlsFlagsFor(cfg.proxyListenClientUrls, members.flatMap((m) => m.clientURLs), tlsSettingsOf(cfg.extraEtcdArgs, {}));
          proxy = await startLocalProxy({
            factory: i.proxyFactory, dataDir: cfg.dataDir, readyTimeoutMs: 30_000,
            flags: { 'listen-client-urls': cfg.proxyListenClientUrls.join(','), 'initial-cluster': peers, 'data-dir': cfg.dataDir, ...tls },
          });
          print.detail(`pid ${process.pid} on ${proxy.urls.join(',')}, log ${logFile}`);
        } catch (err) {
          print.detail(`warning: the local proxy did not start: ${(err as Error).message}; the member runs without it (see ${logFile})`);
          log.warn({ error: (err as Error).message, logFile }, 'local proxy did not start');
        }
      }
      await printSummary(i);
      log.info({
        memberId: i.member.id, clientUrls: cfg.clientUrls, peerUrls: cfg.peerUrls, etcdPid: sup.current()?.pid,
        dataDir: cfg.memberDataDir, logFile: cfg.logFile, pidFile: cfg.pidFile, proxyUrls: proxy?.urls ?? [],
      }, 'member is ready');
    },
    async close() {
      // Order: the local proxy (it forwards to the member) → the member (SIGTERM, 10 s grace) → the pid file.
      await proxy?.stop();
      await sup.stop(10_000);
      removeMemberPid(cfg.pidFile, i.pid);
    },
  };
}
