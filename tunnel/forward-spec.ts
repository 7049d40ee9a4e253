// OpenSSH forward specs, `-L [BIND:]PORT:HOST:HOSTPORT` and `-R [BIND:]PORT:HOST:HOSTPORT`, parsed as ssh(1)'s
// parse_forward() reads them (IPv6 in brackets; an empty or `*` bind means every interface). Pure, no I/O.
import net from 'node:net';
import { EdgeError } from '../core/errors.js';
import { formatHostPort } from '../core/net.js';

/** Which way a forward carries connections: L listens here and dials over SSH, R listens on the SSH server. */
export type ForwardKind = 'L' | 'R';

/** The bind address used when a spec names none: loopback, never every interface. */
export const DEFAULT_BIND = '127.0.0.1';

/** One parsed forward. */
export interface ForwardSpec {
  readonly kind: ForwardKind;
  /** The address to bind (no brackets); '' asks the SSH server for every interface (R only). */
  readonly bind: string;
  /** True when the spec binds every interface (the seed's `ssh -g`), which is logged as a warning. */
  readonly allInterfaces: boolean;
  /** The port to bind; 0 picks a free one. */
  readonly port: number;
  /** The target host (no brackets), dialled by the SSH server for L and by this process for R. */
  readonly host: string;
  readonly hostPort: number;
  /** The canonical spec, e.g. `-L 127.0.0.1:23690:127.0.0.1:23790`, used as the metrics label. */
  readonly label: string;
}

const ALL_INTERFACES = new Set(['', '*', '0.0.0.0', '::']);

/** Parses one `-L`/`-R` spec; throws EDGE_CONFIG_INVALID with the accepted syntax as hint. */
export function parseForwardSpec(kind: ForwardKind, text: string): ForwardSpec {
  const fail = (why: string): EdgeError => new EdgeError('EDGE_CONFIG_INVALID', `malformed forward -${kind} ${JSON.stringify(text)}: ${why}`, {
    hint: `write -${kind} [BIND:]PORT:HOST:HOSTPORT, for example -${kind} 23690:127.0.0.1:23790 or -${kind} [::1]:23690:[::1]:23790`,
  });
  if (text.includes('/')) throw fail('Unix-socket forwards are not supported');
  const parts = splitSpec(text);
  if (parts === undefined) throw fail('unbalanced brackets');
  if (parts.length !== 3 && parts.length !== 4) throw fail(parts.length < 3 ? 'too few fields (dynamic -D style forwards are not supported)' : 'too many fields');
  const [rawBind, portText, host, hostPortText] = parts.length === 4 ? parts : [undefined, ...parts];
  const port = parsePort(portText ?? '', true);
  const hostPort = parsePort(hostPortText ?? '', false);
  if (port === undefined) throw fail(`invalid listen port ${JSON.stringify(portText)}`);
  if (hostPort === undefined) throw fail(`invalid target port ${JSON.stringify(hostPortText)}`);
  if (!host || /\s/.test(host)) throw fail('missing target host');
  if (rawBind !== undefined && /\s/.test(rawBind)) throw fail('invalid bind address');
  const allInterfaces = rawBind !== undefined && ALL_INTERFACES.has(rawBind);
  const bind = rawBind === undefined ? DEFAULT_BIND : bindFor(kind, rawBind);
  const label = `-${kind} ${bracket(bind === '' ? '*' : bind)}:${port}:${bracket(host)}:${hostPort}`;
  return Object.freeze({ kind, bind, allInterfaces, port, host, hostPort, label });
}

/** Formats a forward as `-L 127.0.0.1:23690→127.0.0.1:23790`, with the bound port when it is known. */
export function describeForward(f: ForwardSpec, boundPort?: number): string {
  const bind = f.bind === '' ? '*' : f.bind;
  return `-${f.kind} ${formatHostPort({ host: bind, port: boundPort ?? f.port })}→${formatHostPort({ host: f.host, port: f.hostPort })}`;
}

// '' and '*' mean every interface: our listener binds 0.0.0.0 for L; for R the empty string is what OpenSSH
// sends so that a GatewayPorts=clientspecified server binds every address.
function bindFor(kind: ForwardKind, raw: string): string {
  if (raw === '' || raw === '*') return kind === 'L' ? '0.0.0.0' : '';
  return raw;
}

function bracket(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

function parsePort(s: string, allowZero: boolean): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 && (allowZero || n > 0) ? n : undefined;
}

// Splits on ':' outside brackets; a bracketed field loses its brackets. Returns undefined for unbalanced brackets.
function splitSpec(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '[') {
      const end = text.indexOf(']', i);
      if (end === -1) return undefined;
      out.push(text.slice(i + 1, end));
      i = end + 1;
      if (i < text.length && text[i] !== ':') return undefined;
    } else {
      const end = text.indexOf(':', i);
      const field = text.slice(i, end === -1 ? text.length : end);
      if (field.includes('[') || field.includes(']')) return undefined;
      out.push(field);
      i = end === -1 ? text.length : end;
    }
    if (i >= text.length) return out;
    i++;
  }
}
