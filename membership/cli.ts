// `etcd-edge promote` and `etcd-edge demote`: parse, print the steps on stdout, then stay in the foreground
// (the member, or the replacing proxy) until SIGINT/SIGTERM. Exit codes: 0 done or clean stop, 2 bad flags,
// 1 a failed step (after the rollback) or a member that keeps exiting.
import { aborted, commandLogger, println } from '../core/cli.js';
import type { CliIo } from '../core/cli.js';
import type { EdgeFactory } from '../core/edge.js';
import { EdgeError } from '../core/errors.js';
import { renderHelp } from '../core/flags.js';
import { parseDemoteFlags, parsePromoteFlags } from './config.js';
import { createDemotion } from './demote.js';
import { DEMOTE_FLAGS, PROMOTE_FLAGS } from './flags.js';
import { createPromotion } from './promote.js';

const PROMOTE_USAGE = 'etcd-edge promote --name NAME --peer-urls URL --client-urls URL [--data-dir DIR] [--endpoints URLS] [flags] [-- extra etcd flags]';
const PROMOTE_SUMMARY = `Turn this host's etcd-edge proxy into a cluster member in one command: check health, add the member
(as a learner on etcd 3.4+), stop the proxy, move its state aside, start etcd with state existing, wait until it
has caught up and promote it. A failed step rolls everything back. Then the member runs here until Ctrl-C.`;
const DEMOTE_USAGE = 'etcd-edge demote --name NAME [--data-dir DIR] [--endpoints URLS] [--proxy-listen-client-urls URLS] [flags]';
const DEMOTE_SUMMARY = `Turn a member of this host (run by promote, up, systemd or by hand) back into a proxy: move leadership
away, remove the member, stop it, archive its data dir and run an etcd-edge proxy in its place until Ctrl-C.`;

/** What bin/ passes in: the proxy's EdgeFactory (the one `up` uses) for the local proxy run in this process. */
export interface MembershipMainDeps {
  readonly proxy: EdgeFactory;
}

/** Runs `etcd-edge promote`. */
export async function promoteMain(io: CliIo, deps: MembershipMainDeps): Promise<number> {
  const { flags, config } = parsePromoteFlags(io.argv, io.env, io.cwd);
  if (flags.help || !config) { io.stdout.write(renderHelp(PROMOTE_USAGE, PROMOTE_SUMMARY, PROMOTE_FLAGS)); return 0; }
  const logger = commandLogger(flags, 'promote');
  const p = createPromotion(config, { logger, print: (l) => println(io.stdout, l), env: io.env, proxyFactory: deps.proxy });
  try {
    await p.start({ signal: io.signal });
    if (p.outcome() === 'already') return 0;
    const end = await Promise.race([aborted(io.signal).then(() => undefined), p.ended()]);
    if (end?.end === 'failed') {
      throw new EdgeError('EDGE_ETCD_EXITED', `member ${JSON.stringify(config.name)} keeps exiting; last log lines:\n  ${end.lastLines.join('\n  ')}`, { hint: `read ${config.logFile}` });
    }
    println(io.stdout, end ? `member ${config.name} was removed from the cluster; stopping` : 'stopping');
  } finally {
    await p.close();
  }
  println(io.stdout, 'stopped');
  return 0;
}

/** Runs `etcd-edge demote`; a later promote that takes its proxy over stops it with SIGTERM (exit 0). */
export async function demoteMain(io: CliIo, deps: MembershipMainDeps): Promise<number> {
  const { flags, config } = parseDemoteFlags(io.argv, io.env, io.cwd);
  if (flags.help || !config) { io.stdout.write(renderHelp(DEMOTE_USAGE, DEMOTE_SUMMARY, DEMOTE_FLAGS)); return 0; }
  const logger = commandLogger(flags, 'demote');
  const d = createDemotion(config, { logger, print: (l) => println(io.stdout, l), proxyFactory: deps.proxy });
  try {
    await d.start({ signal: io.signal });
    if (!d.running()) return 0;
    println(io.stdout, 'running the proxy; press Ctrl-C to stop');
    await aborted(io.signal);
    println(io.stdout, 'stopping');
  } finally {
    await d.close();
  }
  println(io.stdout, 'stopped');
  return 0;
}
