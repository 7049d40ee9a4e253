// The client identity: reads and checks the private key once at start, so a missing, public, corrupt or encrypted
// key fails with EDGE_SSH_KEY (exit 2) before any connection; an encrypted key is opened with a passphrase file
// or left to an ssh-agent, as ssh(1) would.
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { EdgeError } from '../core/errors.js';

/** Where the identity comes from (paths as given on the command line). */
export interface IdentitySource {
  readonly identityFile: string;
  readonly passphraseFile?: string | undefined;
  readonly agentSocket?: string | undefined;
}

/** What ssh2's connect() gets: the key (and its passphrase) or, for an encrypted key without one, the agent. */
export interface Identity {
  readonly privateKey?: Buffer;
  readonly passphrase?: string;
  readonly agent?: string;
  /** How the identity authenticates, for the log: 'key' or 'agent'. */
  readonly via: 'key' | 'agent';
}

const NO_PASSPHRASE = /no passphrase given/i;

/** Loads and validates the identity; throws EDGE_SSH_KEY with a hint naming the fix. */
export function loadIdentity(src: IdentitySource): Identity {
  const file = JSON.stringify(src.identityFile);
  let data: Buffer;
  try {
    data = readFileSync(src.identityFile);
  } catch (cause) {
    throw new EdgeError('EDGE_SSH_KEY', `cannot read identity ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, {
      hint: 'pass --identity with a private key this user can read (ssh-keygen -t ed25519 -f FILE makes one)', cause,
    });
  }
  const passphrase = src.passphraseFile === undefined ? undefined : readPassphrase(src.passphraseFile);
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    if (NO_PASSPHRASE.test(parsed.message)) {
      if (src.agentSocket) return { agent: src.agentSocket, via: 'agent' };
      throw new EdgeError('EDGE_SSH_KEY', `identity ${file} is encrypted and no passphrase is available`, {
        hint: `pass --identity-passphrase-file FILE, or load the key into an agent (ssh-add ${src.identityFile}) and set SSH_AUTH_SOCK or --identity-agent`,
      });
    }
    const bad = /passphrase/i.test(parsed.message);
    throw new EdgeError('EDGE_SSH_KEY', bad ? `cannot decrypt identity ${file}: wrong passphrase` : `identity ${file} is not a usable private key: ${parsed.message}`, {
      hint: bad ? 'check the --identity-passphrase-file contents (its first line is the passphrase)' : 'pass an OpenSSH or PEM private key (not the .pub file)',
    });
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.getPrivatePEM() === null || key.getPrivatePEM() === '') {
    throw new EdgeError('EDGE_SSH_KEY', `identity ${file} is a public key, not a private key`, {
      hint: 'pass the private key file (without .pub)',
    });
  }
  return passphrase === undefined ? { privateKey: data, via: 'key' } : { privateKey: data, passphrase, via: 'key' };
}

function readPassphrase(file: string): string {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (cause) {
    throw new EdgeError('EDGE_SSH_KEY', `cannot read --identity-passphrase-file ${JSON.stringify(file)}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, {
      hint: 'pass a readable file holding only the passphrase', cause,
    });
  }
}
