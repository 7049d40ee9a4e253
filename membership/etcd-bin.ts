// The etcd binary the new member runs: found on PATH, its version read from `etcd --version`, so the member's
// flags match what it accepts (--enable-v2 and --logger zap on 3.4/3.5) and learners are used only from 3.4.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';

/** What the binary is and supports. */
export interface EtcdInfo {
  readonly path: string;
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

/** Parses `etcd --version` output. */
export function parseVersion(out: string): { version: string; major: number; minor: number } | undefined {
  const m = /etcd Version:\s*v?(\d+)\.(\d+)\.(\d+)/i.exec(out);
  return m ? { version: `${m[1]}.${m[2]}.${m[3]}`, major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** Tells whether a version (e.g. "3.4.23") is at least major.minor. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function resolve(bin: string, envPath: string | undefined): string {
  const candidates = bin.includes('/') ? [bin] : (envPath ?? '').split(':').filter(Boolean).map((d) => path.join(d, bin));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return path.resolve(c);
    } catch {
      // next directory
    }
  }
  throw new EdgeError('EDGE_ETCD_NOT_FOUND', `etcd binary ${JSON.stringify(bin)} not found${bin.includes('/') ? '' : ' on PATH'}`, {
    hint: 'install it with: apt-get install -y etcd-server, or pass --etcd-bin /path/to/etcd',
  });
}

/** Finds the binary and reads its version, before anything changes. */
export async function probeEtcd(bin: string, envPath: string | undefined): Promise<EtcdInfo> {
  const p = resolve(bin, envPath);
  const out = await new Promise<string>((ok, fail) => {
    execFile(p, ['--version'], { env: { PATH: envPath ?? '/usr/bin:/bin' }, timeout: 10_000 }, (err, stdout) => (err ? fail(err) : ok(stdout)));
  }).catch((cause: unknown) => {
    throw new EdgeError('EDGE_ETCD_NOT_FOUND', `${JSON.stringify(p)} --version failed: ${(cause as Error).message}`, { hint: 'check that --etcd-bin points at an etcd server binary', cause });
  });
  const v = parseVersion(out);
  if (!v) throw new EdgeError('EDGE_ETCD_VERSION', `cannot read the version of ${JSON.stringify(p)}`, { hint: 'check that --etcd-bin points at an etcd server binary' });
  if (!atLeast(v.version, 3, 0)) throw new EdgeError('EDGE_ETCD_VERSION', `etcd ${v.version} has no v3 API`, { hint: 'use etcd 3.4 or later' });
  return Object.freeze({ path: p, ...v });
}
