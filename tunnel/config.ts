// `etcd-edge tunnel` flags and their pure parser into a frozen TunnelConfig. The same parser reads a topology's
// tunnels: entries (keys = flag names, or the -L/-R/-i aliases), so both mean exactly the same thing.
import { EdgeError } from '../core/errors.js';
import { LOG_LEVEL_FLAG } from '../core/cli.js';
import { parseFlags } from '../core/flags.js';
import type { FlagSpecs, ParsedFlags } from '../core/flags.js';
import { formatHostPort, parseMetricsUrls } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import { parseForwardSpec } from './forward-spec.js';
import type { ForwardSpec } from './forward-spec.js';
import { parseFingerprint } from './host-key.js';
import type { HostKeyPolicy } from './host-key.js';

/** The flags of `etcd-edge tunnel`; not etcd flags, so their variables are ETCD_EDGE_TUNNEL_*. */
export const TUNNEL_FLAGS: FlagSpecs = {
  ssh: { kind: 'string', env: 'ETCD_EDGE_TUNNEL_SSH', describe: 'the SSH server as USER@HOST[:PORT] (port 22 by default; IPv6 as USER@[::1]:22)' },
  identity: { kind: 'string', short: 'i', env: 'ETCD_EDGE_TUNNEL_IDENTITY', describe: 'private key file to authenticate with (ssh -i)' },
  'identity-passphrase-file': { kind: 'string', env: 'ETCD_EDGE_TUNNEL_IDENTITY_PASSPHRASE_FILE', describe: 'file whose first line is the passphrase of an encrypted --identity' },
  'identity-agent': { kind: 'string', env: 'ETCD_EDGE_TUNNEL_IDENTITY_AGENT', describe: 'ssh-agent socket used when --identity is encrypted and has no passphrase file (default: $SSH_AUTH_SOCK)' },
  'known-hosts': { kind: 'string', env: 'ETCD_EDGE_TUNNEL_KNOWN_HOSTS', describe: 'OpenSSH known_hosts file the server key must be in (plain or hashed entries)' },
  'host-key-fingerprint': { kind: 'string', env: 'ETCD_EDGE_TUNNEL_HOST_KEY_FINGERPRINT', describe: 'pin the server key to this SHA256:… fingerprint (as ssh-keygen -lf prints it), instead of --known-hosts' },
  'accept-new': { kind: 'boolean', env: 'ETCD_EDGE_TUNNEL_ACCEPT_NEW', describe: 'record an unknown server key into --known-hosts on first contact and verify it afterwards (StrictHostKeyChecking=accept-new)' },
  'local-forward': { kind: 'list', short: 'L', env: 'ETCD_EDGE_TUNNEL_LOCAL_FORWARD', describe: 'listen here on [BIND:]PORT and connect through the server to HOST:HOSTPORT (repeatable; BIND defaults to 127.0.0.1)' },
  'remote-forward': { kind: 'list', short: 'R', env: 'ETCD_EDGE_TUNNEL_REMOTE_FORWARD', describe: 'listen on the server at [BIND:]PORT and connect from here to HOST:HOSTPORT (repeatable; BIND defaults to 127.0.0.1)' },
  'keepalive-interval': { kind: 'duration', env: 'ETCD_EDGE_TUNNEL_KEEPALIVE_INTERVAL', default: 15_000, describe: 'send an SSH keepalive after this much silence; 0 disables (ssh ServerAliveInterval)' },
  'keepalive-count-max': { kind: 'int', env: 'ETCD_EDGE_TUNNEL_KEEPALIVE_COUNT_MAX', default: 3, describe: 'unanswered keepalives before the connection counts as dead (ssh ServerAliveCountMax)' },
  'reconnect-max-delay': { kind: 'duration', env: 'ETCD_EDGE_TUNNEL_RECONNECT_MAX_DELAY', default: 30_000, describe: 'cap of the exponential reconnect backoff (it starts at 500ms, with jitter)' },
  'max-connections': { kind: 'int', env: 'ETCD_EDGE_MAX_CONNECTIONS', default: 0, describe: 'connections carried at once over all forwards; more are closed at once and counted (0: derived from the open-file limit, keeping a reserve)' },
  'idle-timeout': { kind: 'duration', env: 'ETCD_EDGE_IDLE_TIMEOUT', default: 0, describe: 'close a -L connection with no traffic either way for this long (0: off; an idle etcd watch is closed too)' },
  'listen-metrics-urls': { kind: 'list', env: 'ETCD_EDGE_TUNNEL_LISTEN_METRICS_URLS', describe: 'serve /metrics, /health, /readyz and /livez on these http:// URLs (e.g. http://127.0.0.1:2381)' },
  ...LOG_LEVEL_FLAG,
};

/** The validated, frozen configuration of one tunnel. */
export interface TunnelConfig {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly identityFile: string;
  readonly passphraseFile: string | undefined;
  readonly agentSocket: string | undefined;
  readonly hostKey: HostKeyPolicy;
  readonly forwards: readonly ForwardSpec[];
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  readonly reconnectInitialDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  /** Handshake (TCP + key exchange + auth) timeout of one connection attempt. */
  readonly readyTimeoutMs: number;
  readonly metricsListen: readonly HostPort[];
  /** How long close() lets in-flight connections finish before destroying them. */
  readonly shutdownTimeoutMs: number;
  /** Connections carried at once over all forwards; 0: derived from the open-file limit at start. */
  readonly maxConnections: number;
  /** Closes a -L connection idle for this long; 0: never. */
  readonly idleTimeoutMs: number;
}

/** Parses argv, env (ETCD_EDGE_TUNNEL_* and SSH_AUTH_SOCK) and a topology section into a TunnelConfig. Pure. */
export function parseTunnelFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, file?: Readonly<Record<string, unknown>>): { flags: ParsedFlags; config: TunnelConfig | undefined } {
  const flags = parseFlags(TUNNEL_FLAGS, argv, env, {
    command: 'tunnel', fileName: 'tunnel section', ...(file ? { file: expandAliases(file) } : {}),
  });
  if (flags.help) return { flags, config: undefined };
  return { flags, config: buildConfig(flags, env) };
}

/** Parses `USER@HOST[:PORT]` (IPv6 hosts in brackets); throws EDGE_CONFIG_INVALID. */
export function parseSshTarget(value: string): { user: string; host: string; port: number } {
  const m = /^([^@\s]+)@(?:\[([^\]\s]+)\]|([^:@[\]\s]+))(?::(\d{1,5}))?$/.exec(value.trim());
  const port = m?.[4] === undefined ? 22 : Number(m[4]);
  if (!m || !m[1] || !(port > 0 && port < 65536)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid --ssh ${JSON.stringify(value)}`, {
      hint: 'write it as USER@HOST[:PORT], for example --ssh root@gw.example.com:22 or --ssh root@[2001:db8::1]:2222',
    });
  }
  return { user: m[1], host: (m[2] ?? m[3]) as string, port };
}

function buildConfig(f: ParsedFlags, env: Readonly<Record<string, string | undefined>>): TunnelConfig {
  const sshText = f.str('ssh');
  if (sshText === undefined || sshText === '') throw usage('--ssh is required', 'pass --ssh USER@HOST[:PORT]');
  const target = parseSshTarget(sshText);
  const identityFile = f.str('identity');
  if (!identityFile) throw usage('--identity is required', 'pass --identity with the private key file, e.g. --identity ~/.ssh/id_ed25519');
  const forwards = [
    ...f.list('local-forward').map((s) => parseForwardSpec('L', s)),
    ...f.list('remote-forward').map((s) => parseForwardSpec('R', s)),
  ];
  if (forwards.length === 0) throw usage('no forward given', 'pass at least one -L [BIND:]PORT:HOST:HOSTPORT or -R [BIND:]PORT:HOST:HOSTPORT');
  checkDuplicates(forwards);
  const interval = f.ms('keepalive-interval') ?? 15_000;
  const countMax = f.int('keepalive-count-max') ?? 3;
  const maxDelay = f.ms('reconnect-max-delay') ?? 30_000;
  if (countMax < 1) throw invalid(`invalid --keepalive-count-max ${countMax}`, 'pass 1 or more');
  if (maxDelay < 500) throw invalid(`invalid --reconnect-max-delay ${f.str('reconnect-max-delay') ?? ''}`, 'pass at least 500ms');
  return Object.freeze({
    ...target,
    identityFile,
    passphraseFile: f.str('identity-passphrase-file') || undefined,
    agentSocket: f.str('identity-agent') || env.SSH_AUTH_SOCK || undefined,
    hostKey: hostKeyPolicy(f),
    forwards: Object.freeze(forwards),
    keepaliveIntervalMs: interval,
    keepaliveCountMax: countMax,
    reconnectInitialDelayMs: 500,
    reconnectMaxDelayMs: maxDelay,
    readyTimeoutMs: 20_000,
    metricsListen: Object.freeze(parseMetricsUrls(f.list('listen-metrics-urls'))),
    shutdownTimeoutMs: 2000,
    maxConnections: nonNegativeInt(f.int('max-connections') ?? 0, '--max-connections'),
    idleTimeoutMs: f.ms('idle-timeout') ?? 0,
  });
}

function nonNegativeInt(v: number, flag: string): number {
  if (!Number.isInteger(v) || v < 0) throw invalid(`invalid ${flag} ${v}`, `pass 0 (derived from the open-file limit) or a positive number`);
  return v;
}

function hostKeyPolicy(f: ParsedFlags): HostKeyPolicy {
  const file = f.str('known-hosts') || undefined;
  const pinned = f.str('host-key-fingerprint') || undefined;
  const acceptNew = f.bool('accept-new');
  const how = 'pass --known-hosts FILE (e.g. ~/.ssh/known_hosts), --host-key-fingerprint SHA256:… (ssh-keygen -lf on the server), or --known-hosts FILE --accept-new';
  if (file !== undefined && pinned !== undefined) throw usage('--known-hosts and --host-key-fingerprint are exclusive', 'pass one of them');
  if (acceptNew && file === undefined) throw usage('--accept-new needs --known-hosts to record the key in', how);
  if (pinned !== undefined) {
    const fingerprint = parseFingerprint(pinned);
    if (!fingerprint) {
      throw invalid(`invalid --host-key-fingerprint ${JSON.stringify(pinned)}`,
        'pass the SHA256:… fingerprint that `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints on the server (MD5 fingerprints are not accepted)');
    }
    return { mode: 'fingerprint', fingerprint };
  }
  if (file === undefined) throw usage('no way to verify the server\'s host key', `host keys are always verified: ${how}`);
  return { mode: 'known-hosts', file, acceptNew };
}

function checkDuplicates(forwards: readonly ForwardSpec[]): void {
  const seen = new Set<string>();
  for (const fw of forwards) {
    if (fw.port === 0) continue;
    const key = `${fw.kind} ${fw.bind}:${fw.port}`;
    if (seen.has(key)) throw invalid(`duplicate forward listen address ${JSON.stringify(fw.label)}`, 'give each forward its own listen port');
    seen.add(key);
  }
}

// Topology entries may use the ssh-style short keys (L, R, i); they are folded into the long flag names.
function expandAliases(file: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file)) {
    const long = Object.entries(TUNNEL_FLAGS).find(([, s]) => s.short === key)?.[0] ?? key;
    if (out[long] !== undefined) throw invalid(`tunnel section sets ${JSON.stringify(long)} twice (as ${JSON.stringify(key)} too)`, `keep one of the two keys`);
    out[long] = value;
  }
  return out;
}

function usage(message: string, hint: string): EdgeError {
  return new EdgeError('EDGE_USAGE', message, { hint });
}

function invalid(message: string, hint: string): EdgeError {
  return new EdgeError('EDGE_CONFIG_INVALID', message, { hint });
}

/** Formats the SSH target as `user@host:port` for logs and the status table. */
export function sshAddress(c: Pick<TunnelConfig, 'user' | 'host' | 'port'>): string {
  return `${c.user}@${formatHostPort({ host: c.host, port: c.port })}`;
}
