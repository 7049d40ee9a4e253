// One SSH connection attempt with ssh2: host-key verification, keepalive, and errors sorted into what is fatal on
// first contact (auth failure, host key refused) and what is worth retrying (network, timeouts).
import ssh2 from 'ssh2';
import type { Client, ConnectConfig } from 'ssh2';
import { EdgeError } from '../core/errors.js';
import type { EdgeErrorCode } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { createHostKeyVerifier } from './host-key.js';
import type { HostKeyPolicy } from './host-key.js';
import type { Identity } from './identity.js';

/** What one attempt needs. */
export interface ConnectOptions {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly identity: Identity;
  readonly hostKey: HostKeyPolicy;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  readonly readyTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

const FATAL: ReadonlySet<EdgeErrorCode> = new Set(['EDGE_SSH_AUTH', 'EDGE_SSH_HOSTKEY_UNKNOWN', 'EDGE_SSH_HOSTKEY_MISMATCH', 'EDGE_SSH_KEY', 'EDGE_CONFIG_INVALID']);

/** Tells whether a connect error is one that retrying cannot fix (it stops the first start). */
export function isFatalConnectError(err: EdgeError): boolean {
  return FATAL.has(err.code);
}

/** Opens and authenticates one SSH connection; resolves with the ready client or rejects with an EdgeError. */
export function connectSsh(o: ConnectOptions): Promise<Client> {
  const where = `${o.user}@${o.host}:${o.port}`;
  return new Promise<Client>((resolve, reject) => {
    if (o.signal.aborted) { reject(new EdgeError('EDGE_ABORTED', 'ssh connect was cancelled')); return; }
    // Reading known_hosts can fail (EDGE_CONFIG_INVALID): that rejects before any socket exists.
    const verifier = createHostKeyVerifier(o.hostKey, o, o.log);
    const client = new ssh2.Client();
    let settled = false;
    const settle = (err: EdgeError | undefined): void => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      if (err) { client.removeAllListeners('ready'); client.on('error', () => undefined); client.end(); client.destroy(); reject(err); } else resolve(client);
    };
    const onAbort = (): void => settle(new EdgeError('EDGE_ABORTED', 'ssh connect was cancelled'));
    o.signal.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => { client.removeListener('error', onError); client.removeListener('close', onEarlyClose); settle(undefined); });
    const onError = (err: Error & { level?: string }): void => settle(verifier.refusal() ?? classify(err, where, verifier.algorithms));
    const onEarlyClose = (): void => settle(verifier.refusal() ?? new EdgeError('EDGE_SSH_CONNECT', `ssh ${JSON.stringify(where)} closed the connection during the handshake`, {
      hint: 'check the server log (sshd may refuse this user or address: AllowUsers, MaxStartups)',
    }));
    client.on('error', onError);
    client.once('close', onEarlyClose);
    try {
      client.connect(connectConfig(o, verifier.verify, verifier.algorithms));
    } catch (err) {
      settle(classify(err as Error, where, undefined));
    }
  });
}

function connectConfig(o: ConnectOptions, verify: (key: Buffer) => boolean, algorithms: string[] | undefined): ConnectConfig {
  const cfg: ConnectConfig = {
    host: o.host,
    port: o.port,
    username: o.user,
    readyTimeout: o.readyTimeoutMs,
    keepaliveInterval: o.keepaliveIntervalMs,
    keepaliveCountMax: o.keepaliveCountMax,
    hostVerifier: verify,
    // Only what we configured: no password or keyboard-interactive prompts on a daemon.
    authHandler: o.identity.via === 'agent' ? ['agent'] : ['publickey'],
  };
  if (o.identity.privateKey) cfg.privateKey = o.identity.privateKey;
  if (o.identity.passphrase !== undefined) cfg.passphrase = o.identity.passphrase;
  if (o.identity.agent) cfg.agent = o.identity.agent;
  if (algorithms) cfg.algorithms = { serverHostKey: algorithms as NonNullable<NonNullable<ConnectConfig['algorithms']>['serverHostKey']> };
  return cfg;
}

function classify(err: Error & { level?: string; code?: string }, where: string, algorithms: string[] | undefined): EdgeError {
  if (algorithms && err.level === 'handshake' && /host key/i.test(err.message)) {
    return new EdgeError('EDGE_SSH_HOSTKEY_MISMATCH', `ssh ${JSON.stringify(where)} offers none of the host key types --known-hosts has for it (${algorithms.join(', ')})`, {
      hint: 'the server\'s keys were replaced or its HostKey lines changed; verify the new key with its owner, then update --known-hosts', cause: err,
    });
  }
  if (err.level === 'client-authentication') {
    return new EdgeError('EDGE_SSH_AUTH', `ssh authentication failed for ${JSON.stringify(where)}: the server did not accept the --identity key`, {
      hint: `add the public key to the user's authorized_keys on the server (ssh-copy-id -i KEY.pub -p PORT USER@HOST), or pass the right --identity`,
      cause: err,
    });
  }
  if (err.level === 'agent') {
    return new EdgeError('EDGE_SSH_AUTH', `ssh agent failed for ${JSON.stringify(where)}: ${err.message}`, {
      hint: 'check that SSH_AUTH_SOCK/--identity-agent points at a running ssh-agent holding the key (ssh-add -l)', cause: err,
    });
  }
  const detail = err.code ?? err.message;
  return new EdgeError('EDGE_SSH_CONNECT', `ssh connect ${JSON.stringify(where)} failed: ${detail}`, {
    hint: err.level === 'client-timeout' ? 'the server did not answer in time; check the address and firewalls'
      : 'check --ssh (host and port) and that sshd runs there; the tunnel keeps retrying with backoff', cause: err,
  });
}
