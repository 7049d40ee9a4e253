// Pure parsing of `etcd-edge certs <ca|member|client|auto|inspect>` flags into one frozen config per subcommand.
// Every flag has an ETCD_EDGE_CERTS_* variable; bad input is a usage error (exit 2) with a hint.
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import type { FlagSpec, FlagSpecs, ParsedFlags } from '../core/flags.js';
import { DEFAULT_CA_CN } from './ca.js';
import { parseHosts } from './hosts.js';
import type { SanHosts } from './hosts.js';
import { DEFAULT_KEY, RSA_KEY } from './keys.js';
import type { KeySpec } from './keys.js';
import { MAX_DAYS, PROFILES } from './profiles.js';

/** The subcommands of `etcd-edge certs`. */
export const CERTS_COMMANDS = ['ca', 'member', 'client', 'auto', 'inspect'] as const;
/** One subcommand name. */
export type CertsCommand = (typeof CERTS_COMMANDS)[number];

interface Writing { readonly out: string; readonly force: boolean }
interface Issuing extends Writing { readonly days: number; readonly key: KeySpec }

/** The parsed configuration of one certs subcommand. */
export type CertsConfig =
  | ({ readonly command: 'ca'; readonly commonName: string } & Issuing)
  | ({ readonly command: 'member'; readonly name: string; readonly hosts: SanHosts; readonly ca: string } & Issuing)
  | ({ readonly command: 'client'; readonly name: string; readonly ca: string } & Issuing)
  | ({ readonly command: 'auto'; readonly hosts: SanHosts } & Writing)
  | { readonly command: 'inspect'; readonly file: string; readonly ca: string | undefined }
  | { readonly command: 'help'; readonly text: string; readonly bare?: boolean };

const env = (flag: string): string => `ETCD_EDGE_CERTS_${flag.toUpperCase().replace(/-/g, '_')}`;
const flag = (name: string, spec: Omit<FlagSpec, 'env'>): Record<string, FlagSpec> => ({ [name]: { ...spec, env: env(name) } });

const OUT = flag('out', { kind: 'string', default: '.', describe: 'directory to write the files to (created 0700 if missing)' });
const FORCE = flag('force', { kind: 'boolean', describe: 'replace existing files (without it, an existing file is an error and nothing is written)' });
const KEY_TYPE = flag('key-type', { kind: 'string', default: 'ec', choices: ['ec', 'rsa'], describe: 'ec: ECDSA P-256 signed with SHA-256; rsa: RSA 2048' });
const CA = flag('ca', { kind: 'string', describe: 'directory holding ca.crt and ca.key (made by certs ca)' });
const HOSTS = flag('hosts', { kind: 'list', describe: 'comma-separated IPs and DNS names for the SANs (IPs become IP SANs, the rest DNS SANs)' });
const days = (d: number): Record<string, FlagSpec> => flag('days', { kind: 'int', default: d, describe: 'validity in days from now (the start is backdated 5 minutes for clock skew; a leaf never outlives its CA)' });

/** The flags and usage line of each subcommand. */
export const CERTS_SPECS: Readonly<Record<CertsCommand, { readonly usage: string; readonly summary: string; readonly specs: FlagSpecs; readonly positional?: string }>> = {
  ca: { usage: 'etcd-edge certs ca --out DIR [--cn NAME] [--days N] [--key-type ec|rsa] [--force]', summary: 'Create a self-signed CA: ca.crt and ca.key.',
    specs: { ...OUT, ...flag('cn', { kind: 'string', default: DEFAULT_CA_CN, describe: 'subject common name of the CA' }), ...days(PROFILES.ca.defaultDays), ...KEY_TYPE, ...FORCE } },
  member: { usage: 'etcd-edge certs member NAME --hosts IP,DNS,... --ca DIR --out DIR [--days N] [--key-type ec|rsa] [--force]', positional: 'NAME',
    summary: 'Issue NAME.crt/NAME.key (client port) and NAME-peer.crt/NAME-peer.key (peer port), both serverAuth+clientAuth, SANs from --hosts.',
    specs: { ...HOSTS, ...CA, ...OUT, ...days(PROFILES.member.defaultDays), ...KEY_TYPE, ...FORCE } },
  client: { usage: 'etcd-edge certs client NAME --ca DIR --out DIR [--days N] [--key-type ec|rsa] [--force]', positional: 'NAME',
    summary: 'Issue NAME.crt/NAME.key with clientAuth for etcdctl, the proxy and health probes (CN=NAME is the etcd user when auth is on).',
    specs: { ...CA, ...OUT, ...days(PROFILES.client.defaultDays), ...KEY_TYPE, ...FORCE } },
  auto: { usage: 'etcd-edge certs auto --hosts IP,DNS,... --out DIR [--force]',
    summary: 'Make cert.pem/key.pem as etcd --auto-tls does (P-521, SHA-512, 1 year, O=etcd, serverAuth); an existing pair is reused.',
    specs: { ...HOSTS, ...OUT, ...FORCE } },
  inspect: { usage: 'etcd-edge certs inspect FILE [--ca DIR]', positional: 'FILE',
    summary: 'Show subject, SANs, usages, validity and key of a certificate, and verify it against the CA (default: ca.crt beside FILE). Exits 1 when expired or unverified.',
    specs: { ...flag('ca', { kind: 'string', describe: 'directory holding ca.crt, or the CA certificate file' }) } },
};

/** Returns the help text of `etcd-edge certs` itself. */
export function certsUsage(): string {
  const lines = CERTS_COMMANDS.map((c) => `  ${CERTS_SPECS[c].usage}\n      ${CERTS_SPECS[c].summary}`);
  return `usage: etcd-edge certs <command> [flags]\n\ncommands:\n${lines.join('\n')}\n\nrun etcd-edge certs <command> --help for its flags and environment variables.\n`;
}

/** Parses argv (after `certs`) and env into a frozen config; paths are resolved against cwd. Pure. */
export function parseCertsFlags(argv: readonly string[], envVars: Readonly<Record<string, string | undefined>>, cwd: string): CertsConfig {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return Object.freeze({ command: 'help', text: certsUsage(), bare: sub === undefined });
  const def = (CERTS_COMMANDS as readonly string[]).includes(sub) ? CERTS_SPECS[sub as CertsCommand] : undefined;
  if (!def) {
    throw new EdgeError('EDGE_USAGE', `unknown certs command ${JSON.stringify(sub)}`, { hint: `choose one of ${CERTS_COMMANDS.join(', ')}; see etcd-edge certs --help` });
  }
  // --help must work without the positional argument the command otherwise requires.
  const wantsHelp = rest.some((a) => a === '--help' || a === '-h' || a === '-help');
  const f = parseFlags(def.specs, rest, envVars, {
    command: `certs ${sub}`, positionals: { min: def.positional && !wantsHelp ? 1 : 0, max: def.positional ? 1 : 0, usage: def.usage },
  });
  if (f.help) return Object.freeze({ command: 'help', text: renderHelp(def.usage, def.summary, def.specs) });
  const resolve = (p: string): string => path.resolve(cwd, p);
  if (sub === 'inspect') return Object.freeze({ command: 'inspect', file: resolve(f.positionals[0] ?? ''), ca: f.str('ca') === undefined ? undefined : resolve(f.str('ca') as string) });
  const out = resolve(f.str('out') ?? '.');
  const force = f.bool('force');
  switch (sub as CertsCommand) {
    case 'ca': return Object.freeze({ command: 'ca', commonName: f.str('cn') ?? DEFAULT_CA_CN, out, force, ...issuing(f) });
    case 'member': return Object.freeze({ command: 'member', name: certName(f), hosts: hostsOf(f, def.usage), ca: requireCa(f, resolve), out, force, ...issuing(f) });
    case 'client': return Object.freeze({ command: 'client', name: certName(f), ca: requireCa(f, resolve), out, force, ...issuing(f) });
    default: return Object.freeze({ command: 'auto', hosts: hostsOf(f, def.usage), out, force });
  }
}

function issuing(f: ParsedFlags): { days: number; key: KeySpec } {
  const d = f.int('days') ?? 365;
  if (d < 1 || d > MAX_DAYS) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid value ${JSON.stringify(String(d))} for --days`, { hint: `pass a number of days from 1 to ${MAX_DAYS}` });
  }
  return { days: d, key: f.str('key-type') === 'rsa' ? RSA_KEY : DEFAULT_KEY };
}

function certName(f: ParsedFlags): string {
  const name = f.positionals[0] ?? '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new EdgeError('EDGE_USAGE', `invalid name ${JSON.stringify(name)}`, { hint: 'use letters, digits, dot, dash and underscore (it names the files and the subject CN), for example infra1' });
  }
  return name;
}

function hostsOf(f: ParsedFlags, usage: string): SanHosts {
  if (!f.has('hosts')) throw new EdgeError('EDGE_USAGE', '--hosts is required', { hint: `usage: ${usage}` });
  return parseHosts(f.list('hosts'));
}

function requireCa(f: ParsedFlags, resolve: (p: string) => string): string {
  const ca = f.str('ca');
  if (ca === undefined || ca === '') {
    throw new EdgeError('EDGE_USAGE', 'missing CA: --ca is required', { hint: 'pass --ca DIR with the directory of ca.crt/ca.key; create one with: etcd-edge certs ca --out DIR' });
  }
  return resolve(ca);
}
