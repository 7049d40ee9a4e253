// Host-key verification for one connection attempt: against a known_hosts file (optionally recording the key on
// first contact, like StrictHostKeyChecking=accept-new) or a pinned SHA256 fingerprint. A refusal becomes an
// EdgeError that shows the offered fingerprint and the exact way to trust it. Nothing is ever accepted silently.
import { appendFileSync, readFileSync } from 'node:fs';
import { EdgeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import {
  checkHostKey, entryMatches, fingerprintOf, hostKeyAlgorithmsFor, keyTypeLabel, keyTypeOf, knownHostName, knownHostsLine, parseKnownHosts,
} from './known-hosts.js';
import type { KnownHostEntry } from './known-hosts.js';

/** How the server's host key is checked. */
export type HostKeyPolicy =
  | { readonly mode: 'known-hosts'; readonly file: string; readonly acceptNew: boolean }
  | { readonly mode: 'fingerprint'; readonly fingerprint: string };

/** A verifier for one handshake: the ssh2 hostVerifier, the algorithms to offer, and the refusal if any. */
export interface HostKeyVerifier {
  verify(key: Buffer): boolean;
  /** Host-key algorithms restricted to the types known for this host, or undefined for ssh2's defaults. */
  readonly algorithms: string[] | undefined;
  /** The refusal of the last verify(), to report instead of ssh2's generic handshake error. */
  refusal(): EdgeError | undefined;
}

/** Builds the verifier for a connection to host:port; reads the known_hosts file anew, so edits apply on reconnect. */
export function createHostKeyVerifier(policy: HostKeyPolicy, target: { host: string; port: number }, log: Logger): HostKeyVerifier {
  const name = knownHostName(target.host, target.port);
  let refused: EdgeError | undefined;
  if (policy.mode === 'fingerprint') {
    return {
      algorithms: undefined,
      refusal: () => refused,
      verify(key) {
        const offered = fingerprintOf(key);
        if (offered === policy.fingerprint) return true;
        refused = fingerprintMismatch(name, key, policy.fingerprint);
        return false;
      },
    };
  }
  const entries = readKnownHosts(policy.file, policy.acceptNew);
  const known = entries.filter((e) => e.marker === undefined && entryMatches(e, name));
  const algorithms = hostKeyAlgorithmsFor(known.map((e) => e.keyType));
  return {
    algorithms: algorithms.length ? algorithms : undefined,
    refusal: () => refused,
    verify(key) {
      const r = checkHostKey(entries, name, key);
      if (r.status === 'ok') return true;
      if (r.status === 'unknown' && policy.acceptNew) {
        refused = recordKey(policy.file, name, key, log);
        return refused === undefined;
      }
      refused = r.status === 'unknown' ? unknownHost(name, key, policy.file)
        : r.status === 'revoked' ? revokedKey(name, key, policy.file, r.entry) : changedKey(name, key, policy.file, r.known);
      return false;
    },
  };
}

/** Normalises a pinned fingerprint: takes the `SHA256:…` token out of an `ssh-keygen -lf` line, drops padding. */
export function parseFingerprint(value: string): string | undefined {
  const m = /SHA256:([A-Za-z0-9+/]{43})=?(?![A-Za-z0-9+/])/.exec(value.trim());
  return m ? `SHA256:${m[1]}` : undefined;
}

function readKnownHosts(file: string, acceptNew: boolean): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(file, 'utf8'));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT' && acceptNew) return [];
    throw new EdgeError('EDGE_CONFIG_INVALID', `cannot read known hosts file ${JSON.stringify(file)}: ${(cause as Error).message}`, {
      hint: 'pass --known-hosts with a readable file, or add --accept-new to create it on first contact', cause,
    });
  }
}

function offeredText(key: Buffer): string {
  return `${keyTypeLabel(keyTypeOf(key) ?? 'unknown')} key ${fingerprintOf(key)}`;
}

function trustHint(name: string, key: Buffer, file: string | undefined): string {
  const type = (keyTypeOf(key) ?? 'ssh-ed25519').replace(/^ssh-|-sha2-nistp\d+$/g, '');
  const pin = `--host-key-fingerprint ${fingerprintOf(key)}`;
  const trust = file === undefined ? `pass ${pin}` : `echo '${knownHostsLine(name, key)}' >> ${file} (or pass ${pin} instead of --known-hosts)`;
  return `compare the fingerprint with \`ssh-keygen -lf /etc/ssh/ssh_host_${type}_key.pub\` run on the server; if it matches, trust it: ${trust}`;
}

function unknownHost(name: string, key: Buffer, file: string): EdgeError {
  return new EdgeError('EDGE_SSH_HOSTKEY_UNKNOWN', `host key for ${JSON.stringify(name)} is not in ${JSON.stringify(file)}: the server offered ${offeredText(key)}`, {
    hint: `${trustHint(name, key, file)}; or pass --accept-new to record it on first contact`,
  });
}

function changedKey(name: string, key: Buffer, file: string, known: readonly KnownHostEntry[]): EdgeError {
  const was = known.map((e) => `${keyTypeLabel(e.keyType)} ${fingerprintOf(e.key)} (line ${e.line})`).join(', ');
  return new EdgeError('EDGE_SSH_HOSTKEY_MISMATCH',
    `host key for ${JSON.stringify(name)} has changed: the server offered ${offeredText(key)}, ${JSON.stringify(file)} has ${was}`, {
      hint: `someone may be intercepting the connection; if the server's key was replaced on purpose, remove the old entry with `
        + `\`ssh-keygen -R '${name}' -f ${file}\`, then ${trustHint(name, key, file)}`,
    });
}

function revokedKey(name: string, key: Buffer, file: string, entry: KnownHostEntry): EdgeError {
  return new EdgeError('EDGE_SSH_HOSTKEY_MISMATCH', `host key for ${JSON.stringify(name)} is revoked: the server offered ${offeredText(key)}, marked @revoked on line ${entry.line} of ${JSON.stringify(file)}`, {
    hint: 'the server must present a different host key; do not remove the @revoked line',
  });
}

function fingerprintMismatch(name: string, key: Buffer, pinned: string): EdgeError {
  return new EdgeError('EDGE_SSH_HOSTKEY_MISMATCH', `host key for ${JSON.stringify(name)} does not match --host-key-fingerprint ${pinned}: the server offered ${offeredText(key)}`, {
    hint: trustHint(name, key, undefined),
  });
}

function recordKey(file: string, name: string, key: Buffer, log: Logger): EdgeError | undefined {
  try {
    let prefix = '';
    try {
      const text = readFileSync(file, 'utf8');
      if (text !== '' && !text.endsWith('\n')) prefix = '\n';
    } catch {
      // A missing file is created by the append below.
    }
    appendFileSync(file, `${prefix}${knownHostsLine(name, key)}\n`, { mode: 0o644 });
  } catch (cause) {
    return new EdgeError('EDGE_CONFIG_INVALID', `cannot record the host key in ${JSON.stringify(file)}: ${(cause as Error).message}`, {
      hint: 'make the --known-hosts file (and its directory) writable, or add the key yourself', cause,
    });
  }
  log.warn({ host: name, fingerprint: fingerprintOf(key), keyType: keyTypeOf(key), knownHosts: file }, 'recorded new host key (accept-new)');
  return undefined;
}
