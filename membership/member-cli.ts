// `etcd-edge member add|remove|promote|list`: thin helpers over the v3 JSON API that print exactly what
// `etcdctl member …` prints (simple format), so scripts written for etcdctl keep working.
import { printWarnings } from '../core/cli.js';
import type { CliMain } from '../core/cli.js';
import { EdgeError } from '../core/errors.js';
import { hexToDec } from '../etcd/index.js';
import { renderHelp } from '../core/flags.js';
import type { ParsedFlags } from '../core/flags.js';
import { parseEtcdUrl } from '../core/net.js';
import { loadClientTls } from '../core/tls.js';
import { createMembershipApi, serverMessage, isServerAnswer } from './api.js';
import type { MembershipApi } from './api.js';
import { clientConfig, parseMemberFlags } from './config.js';
import { MEMBER_FLAGS } from './flags.js';
import { formatMemberAdded, formatMemberList, formatMemberPromoted, formatMemberRemoved } from './format.js';

const USAGE = 'etcd-edge member add NAME --peer-urls URL[,URL] [--learner] | remove ID | promote ID | list [--endpoints URLS] [TLS flags]';
const SUMMARY = `Membership helpers over the v3 JSON API, printing what etcdctl prints (simple format).
add prints the ETCD_* lines a new member starts with; IDs are hex, as member list shows them.`;

function membershipError(err: unknown): never {
  if (isServerAnswer(err)) {
    throw new EdgeError('EDGE_MEMBERSHIP', serverMessage(err), {
      hint: /unhealthy cluster/.test(serverMessage(err))
        ? 'etcd adds a member only when the leader has been connected to every voting member for the last 5 s: start the member that is down (etcd-edge status shows it), or retry in a few seconds after a member just joined'
        : 'see etcd-edge member list', cause: err,
    });
  }
  throw err;
}

function checkId(id: string | undefined, sub: string): string {
  if (id === undefined) throw new EdgeError('EDGE_USAGE', 'member ID not provided', { hint: `usage: etcd-edge member ${sub} ID (hex, as member list prints it)` });
  return BigInt(hexToDec(id)).toString(16);
}

async function add(api: MembershipApi, f: ParsedFlags, name: string | undefined): Promise<string> {
  if (name === undefined || name === '') throw new EdgeError('EDGE_USAGE', 'member name not provided', { hint: 'usage: etcd-edge member add NAME --peer-urls URL' });
  const raw = f.list('peer-urls');
  if (raw.length === 0) throw new EdgeError('EDGE_USAGE', 'member peer urls not provided', { hint: 'pass --peer-urls http://10.0.1.13:2380' });
  for (const u of raw) parseEtcdUrl(u, '--peer-urls');
  const r = await api.add(raw, f.bool('learner')).catch(membershipError);
  return formatMemberAdded({ clusterId: r.clusterId, member: r.member, members: r.members, name, peerUrls: raw.join(',') });
}

/** Runs `etcd-edge member …`. */
export const memberMain: CliMain = async (io) => {
  const f = parseMemberFlags(io.argv, io.env);
  printWarnings(io.stderr, f.warnings);
  const [sub, arg] = f.positionals;
  if (f.help || sub === undefined) {
    io.stdout.write(renderHelp(USAGE, SUMMARY, MEMBER_FLAGS));
    return f.help ? 0 : 2;
  }
  const c = clientConfig(f);
  const tls = c.useTls ? loadClientTls(c.tls) : undefined;
  const api = createMembershipApi({ endpoints: c.endpoints, timeoutMs: c.timeoutMs, ...(tls ? { tls } : {}) });
  switch (sub) {
    case 'add':
      io.stdout.write(await add(api, f, arg));
      return 0;
    case 'remove': {
      const id = checkId(arg, 'remove');
      const r = await api.remove(id).catch(membershipError);
      io.stdout.write(formatMemberRemoved(id, r.clusterId));
      return 0;
    }
    case 'promote': {
      const id = checkId(arg, 'promote');
      const r = await api.promote(id).catch(membershipError);
      io.stdout.write(formatMemberPromoted(id, r.clusterId));
      return 0;
    }
    case 'list':
      if (arg !== undefined) throw new EdgeError('EDGE_USAGE', `${JSON.stringify(arg)} is not a valid argument for "member list"`, { hint: 'usage: etcd-edge member list' });
      io.stdout.write(formatMemberList((await api.list()).members));
      return 0;
    default:
      throw new EdgeError('EDGE_USAGE', `unknown member subcommand ${JSON.stringify(sub)}`, { hint: `usage: ${USAGE}` });
  }
};
