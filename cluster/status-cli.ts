// `etcd-edge status`: endpoint status and health for any cluster, written as etcdctl writes it (-w table|json|
// simple|fields), exiting 1 when a member is unhealthy; --serve ADDR serves the live status page instead.
import path from 'node:path';
import { aborted, println, printWarnings } from '../core/cli.js';
import type { CliIo } from '../core/cli.js';
import { readYamlFile } from '../core/config-file.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import type { FlagSpecs } from '../core/flags.js';
import { EdgeError } from '../core/errors.js';
import { parseMetricsUrls } from '../core/net.js';
import { loadClientTls } from '../core/tls.js';
import { collectStatus, renderMemberTable } from './status.js';
import { buildStatusDoc, renderStatusDoc } from './status-json.js';
import type { StatusDoc } from './status-json.js';
import { createStatusListener } from './status-serve.js';
import { parseTopology } from './topology.js';
import type { Topology } from './topology.js';
import { declaredHosts, withHosts } from './status-hosts.js';
import { membersOf } from './validate.js';

/** The flags of `etcd-edge status`, named as etcdctl names them. */
export const STATUS_FLAGS: FlagSpecs = {
  endpoints: { kind: 'list', env: 'ETCDCTL_ENDPOINTS', default: ['127.0.0.1:2379'], describe: 'client URLs of one or more members (the whole member list is then shown)' },
  topology: { kind: 'string', short: 'f', env: 'ETCD_EDGE_TOPOLOGY', describe: 'topology file: show every member it declares, on every host (instead of --endpoints)' },
  'write-out': { kind: 'string', short: 'w', env: 'ETCDCTL_WRITE_OUT', choices: ['table', 'json', 'simple', 'fields'], default: 'table', describe: 'output format, as etcdctl: table, json (schema etcd-edge.status/v1, see the README), simple, fields' },
  serve: { kind: 'string', env: 'ETCD_EDGE_SERVE', describe: 'serve the live status page, /api/status, /metrics, /livez and /readyz at this http://host:port until Ctrl-C, instead of printing once' },
  'metrics-port': { kind: 'int', env: 'ETCD_EDGE_METRICS_PORT', default: 2381, describe: 'with -f and --serve: the port of each host\'s up --listen-metrics-urls, read for its edge components and process states' },
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

function endpointsOf(t: Topology | undefined, file: string, flagged: readonly string[], useTls: boolean): string[] {
  if (t === undefined) return flagged.map((e) => toClientUrl(e, useTls));
  const urls = membersOf(t).map((m) => m.advertiseClientUrls[0]).filter((u): u is string => u !== undefined);
  if (urls.length === 0) throw new EdgeError('EDGE_TOPOLOGY_INVALID', `topology ${JSON.stringify(file)} declares no member`, { hint: 'pass --endpoints instead' });
  return urls;
}

/** Runs `etcd-edge status`. */
export async function statusMain(io: CliIo): Promise<number> {
  const f = parseFlags(STATUS_FLAGS, io.argv, io.env, { command: 'status' });
  printWarnings(io.stderr, f.warnings);
  if (f.help) { io.stdout.write(renderHelp('etcd-edge status [--endpoints URLS | -f topology.yaml] [-w table|json|simple|fields] [--serve URL] [TLS flags]', 'Show endpoint status, health and the member list.', STATUS_FLAGS)); return 0; }
  const tlsFiles = { ...(f.str('cacert') ? { caFile: f.str('cacert') as string } : {}), ...(f.str('cert') ? { certFile: f.str('cert') as string } : {}),
    ...(f.str('key') ? { keyFile: f.str('key') as string } : {}), insecureSkipVerify: f.bool('insecure-skip-tls-verify') };
  const useTls = Boolean(f.str('cacert') || f.str('cert') || f.bool('insecure-skip-tls-verify'));
  const tls = loadClientTls(tlsFiles);
  const file = f.str('topology');
  const t = file === undefined ? undefined : parseTopology(readYamlFile(path.resolve(io.cwd, file), 'topology file'), file);
  const endpoints = endpointsOf(t, file ?? '', f.list('endpoints'), useTls);
  const timeoutMs = f.ms('command-timeout') ?? 5000;
  const serve = f.str('serve');
  if (serve !== undefined) {
    const hosts = t === undefined ? undefined : declaredHosts(t, f.int('metrics-port') ?? 2381);
    const listener = createStatusListener({
      listen: parseMetricsUrls([serve], '--serve'), flag: '--serve', collect: () => collectStatus(endpoints, { tls, cluster: true, timeoutMs: Math.min(timeoutMs, 800) }),
      ...(hosts ? { decorate: (doc: StatusDoc) => withHosts(doc, hosts, 800) } : {}),
    });
    await listener.start();
    try {
      println(io.stdout, `status page: ${listener.urls().map((u) => `${u}/`).join(' ')}; press Ctrl-C to stop`);
      await aborted(io.signal);
    } finally {
      await listener.close();
    }
    return 0;
  }
  const s = await collectStatus(endpoints, { tls, cluster: true, timeoutMs });
  if (s.members.length === 0 && s.rows.every((r) => !r.status)) {
    throw new EdgeError('EDGE_ETCD_UNHEALTHY', `no member answered at ${JSON.stringify(endpoints)}`, {
      hint: 'check --endpoints (and --cacert/--cert/--key for a TLS cluster)',
    });
  }
  const format = (f.str('write-out') ?? 'table') as 'table' | 'json' | 'simple' | 'fields';
  println(io.stdout, renderStatusDoc(buildStatusDoc(s), format));
  if (format === 'table') println(io.stdout, renderMemberTable(s.members));
  const bad = s.rows.filter((r) => !r.healthy);
  if (bad.length && format === 'table') println(io.stdout, `unhealthy: ${bad.map((r) => r.endpoint).join(', ')}`);
  return bad.length ? 1 : 0;
}
