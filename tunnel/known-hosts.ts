// OpenSSH known_hosts: parsing (plain, wildcard and hashed `|1|salt|hash` host fields, `[host]:port` names,
// @revoked/@cert-authority markers), host-key lookup, and SHA256 fingerprints as `ssh-keygen -lf` prints them.
// Mirrors OpenSSH's hostfile.c/match.c. Pure, no I/O.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  /** 1-based line number, for messages that point at the line. */
  readonly line: number;
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written: comma-separated patterns or one `|1|salt|hash`. */
  readonly hosts: string;
  readonly keyType: string;
  /** The public key blob (the base64 field, decoded). */
  readonly key: Buffer;
}

/** The outcome of looking a host's offered key up. */
export type HostKeyCheck =
  | { readonly status: 'ok'; readonly entry: KnownHostEntry }
  | { readonly status: 'unknown' }
  | { readonly status: 'changed'; readonly known: readonly KnownHostEntry[] }
  | { readonly status: 'revoked'; readonly entry: KnownHostEntry };

/** Parses known_hosts text; comments, blank lines and lines that are not keys are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() === '@revoked' ? 'revoked' : 'cert-authority';
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    if (keyTypeOf(key) !== keyType) return;
    out.push(Object.freeze({ line: idx + 1, marker, hosts, keyType, key }));
  });
  return out;
}

/** Returns the name known_hosts stores for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Tells whether an entry's host field matches a known_hosts name (hashed, wildcard and `!negated` patterns). */
export function entryMatches(entry: Pick<KnownHostEntry, 'hosts'>, name: string): boolean {
  if (entry.hosts.startsWith('|1|')) return hashedMatches(entry.hosts, name);
  let positive = false;
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatch(negated ? pattern.slice(1) : pattern, name.toLowerCase())) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** Looks up a host's offered key: revoked beats everything, then an exact match, then any other key for the host. */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, offered: Buffer): HostKeyCheck {
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(offered) && entryMatches(e, name));
  if (revoked) return { status: 'revoked', entry: revoked };
  // We verify plain host keys only; CA lines vouch for host certificates, which this client does not request.
  const forHost = entries.filter((e) => e.marker === undefined && entryMatches(e, name));
  const exact = forHost.find((e) => e.key.equals(offered));
  if (exact) return { status: 'ok', entry: exact };
  return forHost.length === 0 ? { status: 'unknown' } : { status: 'changed', known: forHost };
}

/** Returns the key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Formats a key blob's fingerprint as OpenSSH prints it: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Names a key type the way `ssh-keygen -l` does in parentheses: ED25519, ECDSA, RSA. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  return keyType;
}

/** Formats a known_hosts line for a host and key blob. */
export function knownHostsLine(name: string, blob: Buffer): string {
  return `${name} ${keyTypeOf(blob) ?? 'unknown'} ${blob.toString('base64')}`;
}

/** Host-key algorithms ssh2 should offer for keys of these types, as ssh orders them by known_hosts. */
export function hostKeyAlgorithmsFor(keyTypes: Iterable<string>): string[] {
  const out: string[] = [];
  for (const t of new Set(keyTypes)) {
    if (t === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (t === 'ssh-ed25519' || /^ecdsa-sha2-nistp(256|384|521)$/.test(t)) out.push(t);
  }
  return out;
}

function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name.toLowerCase()).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

// OpenSSH match_pattern(): `*` matches any run, `?` one character; case-insensitive.
function globMatch(pattern: string, s: string): boolean {
  const re = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(s);
}
