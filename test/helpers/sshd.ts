// A private OpenSSH sshd for tests: its own config, host key and authorized_keys in a temp dir, on a loopback port
// chosen at run time, in the foreground (-D -e) under the test. No system sshd or /etc/ssh file is touched.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { requireTool, tempDir } from './etcd.js';
import { freePort } from './ports.js';

/** A running test sshd. */
export interface TestSshd {
  readonly port: number;
  readonly dir: string;
  /** The client private key in authorized_keys (mode 0600). */
  readonly clientKey: string;
  /** `SHA256:…` of the host key, from ssh-keygen -lf. */
  readonly fingerprint: string;
  /** A known_hosts file holding exactly this server's host key as `[127.0.0.1]:port`. */
  readonly knownHosts: string;
  readonly masterPid: number;
  /** PIDs of the per-connection children of the master (one per open SSH connection). */
  sessionPids(): number[];
  log(): string;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

/** Generates an ed25519 key pair at file (no passphrase unless given). */
export function sshKeygen(file: string, passphrase = ''): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'etcd-edge-test', '-f', file], { stdio: 'ignore' });
}

/** Returns the SHA256 fingerprint ssh-keygen -lf prints for a public key file. */
export function sshFingerprint(pubFile: string): string {
  const out = execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' });
  const m = /SHA256:\S+/.exec(out);
  if (!m) throw new Error(`no fingerprint in ${JSON.stringify(out)}`);
  return m[0];
}

function children(ppid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(e));
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

function descendants(pid: number): number[] {
  return children(pid).flatMap((c) => [c, ...descendants(c)]);
}

/** Starts sshd on 127.0.0.1 and waits until it listens; it and its session processes are stopped after the test. */
export async function startSshd(t: TestContext, opts: { clientAliveIntervalSec?: number } = {}): Promise<TestSshd> {
  requireTool(SSHD, 'openssh-server');
  requireTool('ssh-keygen', 'openssh-client');
  // Debian's sshd needs its privilege-separation dir; other tests may share it, so it is created, never removed.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  const dir = tempDir(t, 'etcd-edge-sshd-');
  const port = await freePort();
  sshKeygen(path.join(dir, 'host_ed25519'));
  sshKeygen(path.join(dir, 'client_ed25519'));
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_ed25519.pub')), { mode: 0o600 });
  const hostPub = readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/);
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
  const alive = opts.clientAliveIntervalSec ?? 5;
  writeFileSync(path.join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${dir}/host_ed25519`, `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`, 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'PermitRootLogin prohibit-password', 'AllowTcpForwarding yes', 'GatewayPorts no',
    `ClientAliveInterval ${alive}`, 'ClientAliveCountMax 2', 'LogLevel VERBOSE', '',
  ].join('\n'));
  const child = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => { log += c.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const masterPid = child.pid as number;
  const stop = async (): Promise<void> => {
    const rest = descendants(masterPid);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    // Session processes outlive the master; they are ours (children of the sshd we started), so end them by PID.
    for (const pid of rest) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  };
  t.after(stop);
  await waitForListening(() => log, exited, port);
  return {
    port, dir, masterPid, knownHosts,
    clientKey: path.join(dir, 'client_ed25519'),
    fingerprint: sshFingerprint(path.join(dir, 'host_ed25519.pub')),
    sessionPids: () => children(masterPid),
    log: () => log,
    stop,
  };
}

async function waitForListening(log: () => string, exited: Promise<void>, port: number): Promise<void> {
  let dead = false;
  void exited.then(() => { dead = true; });
  const t0 = Date.now();
  while (!log().includes(`Server listening on 127.0.0.1 port ${port}`)) {
    if (dead) throw new Error(`sshd exited before listening:\n${log()}`);
    if (Date.now() - t0 > 15_000) throw new Error(`sshd did not listen within 15s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
