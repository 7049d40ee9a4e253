// OpenSSH sshd inside a bed host (gotcha 9): absolute path, private config (StrictModes no for keys under /tmp,
// UsePAM no), a fresh host key, a fresh client key and a known_hosts for it; /run/sshd removed only if made here.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Bed } from './bed.js';
import type { Daemon } from './daemon.js';

const SSHD = '/usr/sbin/sshd';

/** An sshd running in a host, with the client material to reach it. */
export interface BedSshd {
  readonly daemon: Daemon;
  /** Client private key (mode 0600) accepted for root. */
  readonly clientKey: string;
  /** known_hosts holding exactly this server's fresh host key for its address. */
  readonly knownHosts: string;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'etcd-edge-netns', '-f', file], { stdio: 'ignore' });
}

/** Starts sshd in host, listening on address:22, and waits until it listens. */
export async function startSshd(bed: Bed, host: string, address: string): Promise<BedSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is not installed: apt-get install -y openssh-server`);
  const dir = path.join(bed.dir, `sshd-${host}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // `ip netns exec` shares /run with the machine: sshd needs its privilege-separation dir there.
  if (!existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { mode: 0o755 });
    bed.onClose(() => rmSync('/run/sshd', { recursive: true, force: true }));
  }
  keygen(path.join(dir, 'host_ed25519'));
  keygen(path.join(dir, 'client_ed25519'));
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_ed25519.pub')), { mode: 0o600 });
  const [type, key] = readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/);
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${address} ${type} ${key}\n`);
  writeFileSync(path.join(dir, 'sshd_config'), [
    'Port 22', `ListenAddress ${address}`, `HostKey ${dir}/host_ed25519`, `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`, 'StrictModes no', 'UsePAM no', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'AllowTcpForwarding yes', 'GatewayPorts no',
    'X11Forwarding no', 'PermitTTY no', 'ClientAliveInterval 5', 'ClientAliveCountMax 2', 'LogLevel VERBOSE', '',
  ].join('\n'));
  const daemon = await bed.start(host, 'sshd', SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')]);
  await daemon.waitFor(new RegExp(`Server listening on ${address.replace(/\./g, '\\.')} port 22`), 15_000);
  return { daemon, clientKey: path.join(dir, 'client_ed25519'), knownHosts };
}
