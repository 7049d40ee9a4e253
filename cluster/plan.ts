// `etcd-edge plan`: for each host of a topology, the exact etcd command line, the same settings as an ETCD_*
// environment file (what systemd's EnvironmentFile reads), a systemd unit, and the edge commands for that host.
import path from 'node:path';
import { println, printWarnings, shellLine, shellQuote } from '../core/cli.js';
import type { CliIo } from '../core/cli.js';
import { readYamlFile } from '../core/config-file.js';
import { EdgeError } from '../core/errors.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import type { FlagSpecs } from '../core/flags.js';
import { memberFlags, toArgv, toEnvFile } from './args.js';
import type { EdgeFactories, EdgeTlsDefaults } from './edge.js';
import { planCaDir, planTls, switchLines } from './plan-switch.js';
import { factoryFor, withDefaults } from './edge.js';
import { etcdFeatures } from '../etcd/index.js';
import type { HostDecl, MemberDecl, Topology } from './topology.js';
import { parseTopology } from './topology.js';
import { validateTopology } from './validate.js';
import { dataDirLayout, pkiLayout } from '../host/index.js';

/** The flags of `etcd-edge plan`. */
export const PLAN_FLAGS: FlagSpecs = {
  topology: { kind: 'string', short: 'f', env: 'ETCD_EDGE_TOPOLOGY', describe: 'topology file (YAML)' },
  host: { kind: 'string', env: 'ETCD_EDGE_HOST', describe: 'print only this host' },
  'etcd-version': { kind: 'string', env: 'ETCD_EDGE_ETCD_VERSION', default: '3.4', describe: 'etcd version the hosts run (flags differ from 3.6 on)' },
  'etcd-bin': { kind: 'string', env: 'ETCD_EDGE_ETCD_BIN', default: '/usr/bin/etcd', describe: 'etcd path used in the printed commands' },
  'data-dir': { kind: 'string', env: 'ETCD_EDGE_DATA_DIR', default: '/var/lib/etcd-edge', describe: 'state directory on the hosts (member data defaults to <data-dir>/<name>.etcd)' },
};

function edgeLines(h: HostDecl, t: Topology, stateDir: string, tls: EdgeTlsDefaults | undefined): string[] {
  const cmd = (kind: string, flags: Record<string, unknown>): string =>
    `etcd-edge ${kind === 'gateway' ? 'gateway start' : kind} ${Object.entries(flags).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x) => `--${k}=${shellQuote(String(x))}`)).join(' ')}`;
  return [
    ...(h.proxy ? [cmd('proxy', withDefaults('proxy', h.proxy, t, stateDir, tls))] : []),
    ...(h.gateway ? [cmd('gateway', withDefaults('gateway', h.gateway, t, stateDir, tls))] : []),
    ...h.tunnels.map((x) => cmd('tunnel', { ...x })),
  ];
}

function unit(name: string, description: string, exec: string, envFile?: string): string {
  return [
    '[Unit]', `Description=${description}`, 'After=network-online.target', 'Wants=network-online.target', '',
    '[Service]', `Type=${envFile ? 'notify' : 'simple'}`, ...(envFile ? [`EnvironmentFile=${envFile}`] : []),
    `ExecStart=${exec}`, 'Restart=on-failure', 'RestartSec=5', 'LimitNOFILE=65536', '',
    '[Install]', 'WantedBy=multi-user.target', `# save as /etc/systemd/system/${name}.service`,
  ].join('\n');
}

function certSteps(m: MemberDecl, stateDir: string, caDir: string): string[] {
  const pki = pkiLayout(stateDir);
  const hosts = [...new Set([...m.listenClientUrls, ...m.advertiseClientUrls, ...m.listenPeerUrls, ...m.initialAdvertisePeerUrls]
    .map((u) => new URL(u).hostname.replace(/^\[|\]$/g, '')).filter((h) => h !== '0.0.0.0' && h !== '::'))];
  return [
    `# certificates by hand (up issues these itself from the CA in ${caDir}):`,
    `#   etcd-edge certs member ${shellQuote(m.name)} --hosts ${hosts.join(',')} --ca ${caDir} --out ${pki.membersDir}`,
    `#   etcd-edge certs client client --ca ${caDir} --out ${pki.dir}    (for proxies, gateways and etcdctl)`,
    `#   etcd-edge certs member edge --hosts ${[...hosts, 'localhost', '127.0.0.1'].join(',')} --ca ${caDir} --out ${pki.dir}    (the proxy's https listener)`,
    '',
  ];
}

/** The once-per-cluster step of tls: self-signed: one CA, created on one machine and copied to every host. */
export function caSteps(t: Topology, stateDir: string): string[] {
  if (t.tls !== 'self-signed') return [];
  const caDir = planCaDir(t, stateDir);
  return [
    '# ===== once, for the whole cluster: its one CA (tls: self-signed) =====',
    '# Run this on one machine only: a CA per host would make the members refuse each other ("tls: bad certificate").',
    shellLine(['etcd-edge', 'certs', 'ca', '--out', caDir]),
    `# Then copy the two files it wrote, ca.crt and ca.key, to ${caDir} on every host (ca.key stays 0600). On a host`,
    '# where every certificate was issued elsewhere, ca.crt alone is enough. Each host\'s up line below names that',
    '# directory and issues its own member and client certificates from it.',
    '',
  ];
}

/** Renders the plan for one host. */
export function renderHostPlan(h: HostDecl, t: Topology, opts: { etcdBin: string; version: string; stateDir: string; source: string }): string {
  const [maj, min] = opts.version.split('.').map(Number);
  const tlsFiles = planTls(t, opts.stateDir);
  const etcd = etcdFeatures(opts.etcdBin, { version: opts.version, major: maj ?? 3, minor: min ?? 4 });
  const out: string[] = [`# ===== host ${h.name}${h.addresses.length ? ` (${h.addresses.join(', ')})` : ''} =====`, ''];
  // The topology's ca: reaches up through the file; otherwise the line names the directory the CA step copies to.
  const caFlag = t.tls === 'self-signed' && t.ca === undefined ? [`--ca=${planCaDir(t, opts.stateDir)}`] : [];
  out.push(`# the simplest way, with etcd-edge installed on the host:`, shellLine(['etcd-edge', 'up', '-f', opts.source, '--host', h.name, `--data-dir=${opts.stateDir}`, ...caFlag]), '');
  const certsFor = h.member ?? h.standby;
  if (t.tls === 'self-signed' && certsFor) out.push(...certSteps(certsFor, opts.stateDir, planCaDir(t, opts.stateDir)));
  // With auto TLS the proxy serves an auto-TLS pair of its own, as the members do; up makes it, by hand it is this.
  if (t.tls === 'auto' && h.proxy) out.push(`# the proxy's auto-TLS pair:`, `#   etcd-edge certs auto --hosts ${[...h.addresses, 'localhost', '127.0.0.1'].join(',')} --out ${pkiLayout(opts.stateDir).edgeAutoDir}`, '');
  if (h.member) {
    const m = h.member;
    const dataDir = m.dataDir ?? dataDirLayout(opts.stateDir).memberDataDir(m.name);
    const tls = tlsFiles.member(m.name);
    const flags = memberFlags({ topology: t, member: m, etcd, dataDir, initialized: false, ...(tls ? { tls } : {}) });
    out.push(`# etcd by hand (first start; once ${dataDir}/member exists the initial-* flags are ignored):`);
    out.push([opts.etcdBin, ...toArgv(flags)].map(shellQuote).join(' \\\n  '), '');
    out.push(`# or as an environment file, /etc/etcd/${m.name}.env (do not also pass these as flags: etcd exits on the clash):`);
    out.push(toEnvFile(flags));
    out.push(unit(`etcd-${m.name}`, `etcd member ${m.name}`, opts.etcdBin, `/etc/etcd/${m.name}.env`), '');
  }
  const edge = edgeLines(h, t, opts.stateDir, tlsFiles.edge);
  if (edge.length) {
    out.push(`# edge components on this host${h.standby ? ` (role: proxy; it becomes member ${h.standby.name} when promoted)` : ''}:`, ...edge, '');
    edge.forEach((cmd, i) => out.push(unit(`etcd-edge-${h.name}-${i}`, `etcd-edge on ${h.name}`, `/usr/bin/env ${cmd}`), ''));
  }
  out.push(...switchLines(h, t, { stateDir: opts.stateDir, source: opts.source, tls: tlsFiles }));
  if (!h.member && edge.length === 0) out.push('# nothing runs on this host', '');
  return out.join('\n');
}

/** Runs `etcd-edge plan`. */
export async function planMain(io: CliIo, deps: { edge?: EdgeFactories } = {}): Promise<number> {
  const f = parseFlags(PLAN_FLAGS, io.argv, io.env, { command: 'plan' });
  printWarnings(io.stderr, f.warnings);
  if (f.help) { io.stdout.write(renderHelp('etcd-edge plan -f topology.yaml [--host NAME]', 'Print per-host etcd commands, env files and systemd units.', PLAN_FLAGS)); return 0; }
  const file = f.str('topology');
  if (!file) throw new EdgeError('EDGE_USAGE', 'plan needs a topology file', { hint: 'pass -f topology.yaml (see the README for the format)' });
  const t = parseTopology(readYamlFile(path.resolve(io.cwd, file), 'topology file'), file);
  const stateDir = f.str('data-dir') ?? '/var/lib/etcd-edge';
  const edge = deps.edge ?? {};
  const warnings = validateTopology(t, (kind, host, flags) => {
    const h = t.hosts.find((x) => x.name === host);
    if (h && edge[kind]) factoryFor(edge, kind, h).validate(withDefaults(kind, flags, t, stateDir));
  });
  for (const w of warnings) println(io.stdout, `# warning: ${w}`);
  const httpPeers = t.hosts.some((h) => h.member?.initialAdvertisePeerUrls.some((u) => u.startsWith('http:')));
  if (t.bootstrap === 'dns' && httpPeers) {
    println(io.stdout, '# warning: etcd 3.4 cannot bootstrap from http-only SRV records (etcd-io/etcd#11321): publish _etcd-server-ssl._tcp and use TLS peers (tls: auto or tls: self-signed)');
  }
  const hosts = f.str('host') === undefined ? t.hosts : t.hosts.filter((h) => h.name === f.str('host'));
  if (hosts.length === 0) throw new EdgeError('EDGE_USAGE', `host ${JSON.stringify(f.str('host'))} is not in ${file}`, { hint: `one of: ${t.hosts.map((h) => h.name).join(', ')}` });
  for (const line of caSteps(t, stateDir)) println(io.stdout, line);
  for (const h of hosts) {
    println(io.stdout, renderHostPlan(h, t, { etcdBin: f.str('etcd-bin') ?? '/usr/bin/etcd', version: f.str('etcd-version') ?? '3.4', stateDir, source: file }));
  }
  return 0;
}
