// `etcd-edge status`: the status table and member list for any cluster, exiting 1 when a member is unhealthy.
import { println, printWarnings } from '../core/cli.js';
import type { CliIo } from '../core/cli.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import type { FlagSpecs } from '../core/flags.js';
import { EdgeError } from '../core/errors.js';
import { loadClientTls } from '../core/tls.js';
import { collectStatus, renderMemberTable, renderStatusTable } from './status.js';

/** The flags of `etcd-edge status`, named as etcdctl names them. */
export const STATUS_FLAGS: FlagSpecs = {
  endpoints: { kind: 'list', env: 'ETCDCTL_ENDPOINTS', default: ['127.0.0.1:2379'], describe: 'client URLs of one or more members (the whole member list is then shown)' },
  cacert: { kind: 'string', env: 'ETCDCTL_CACERT', describe: 'CA bundle to verify the members' },
  cert: { kind: 'string', env: 'ETCDCTL_CERT', describe: 'client certificate' },
  key: { kind: 'string', env: 'ETCDCTL_KEY', describe: 'client key' },
  'insecure-skip-tls-verify': { kind: 'boolean', env: 'ETCDCTL_INSECURE_SKIP_TLS_VERIFY', describe: 'skip server certificate verification (auto-TLS clusters)' },
  'command-timeout': { kind: 'duration', env: 'ETCDCTL_COMMAND_TIMEOUT', default: 5000, describe: 'timeout per request' },
};

/** Normalises `host:port` to a URL, guessing https when TLS material is given. */
export function toClientUrl(ep: string, tls: boolean): string {
  return /^https?:\/\//.test(ep) ? ep : `${tls ? 'https' : 'http'}://${ep}`;
}

/** Runs `etcd-edge status`. */
export async function statusMain(io: CliIo): Promise<number> {
  const f = parseFlags(STATUS_FLAGS, io.argv, io.env, { command: 'status' });
  printWarnings(io.stderr, f.warnings);
  if (f.help) { io.stdout.write(renderHelp('etcd-edge status [--endpoints URLS] [TLS flags]', 'Show endpoint status, health and the member list.', STATUS_FLAGS)); return 0; }
  const tlsFiles = { ...(f.str('cacert') ? { caFile: f.str('cacert') as string } : {}), ...(f.str('cert') ? { certFile: f.str('cert') as string } : {}),
    ...(f.str('key') ? { keyFile: f.str('key') as string } : {}), insecureSkipVerify: f.bool('insecure-skip-tls-verify') };
  const useTls = Boolean(f.str('cacert') || f.str('cert') || f.bool('insecure-skip-tls-verify'));
  const tls = loadClientTls(tlsFiles);
  const endpoints = f.list('endpoints').map((e) => toClientUrl(e, useTls));
  const s = await collectStatus(endpoints, { tls, cluster: true, timeoutMs: f.ms('command-timeout') ?? 5000 });
  if (s.members.length === 0 && s.rows.every((r) => !r.status)) {
    throw new EdgeError('EDGE_ETCD_UNHEALTHY', `no member answered at ${JSON.stringify(endpoints)}`, {
      hint: 'check --endpoints (and --cacert/--cert/--key for a TLS cluster)',
    });
  }
  println(io.stdout, renderStatusTable(s));
  println(io.stdout, renderMemberTable(s.members));
  const bad = s.rows.filter((r) => !r.healthy);
  if (bad.length) println(io.stdout, `unhealthy: ${bad.map((r) => r.endpoint).join(', ')}`);
  return bad.length ? 1 : 0;
}
