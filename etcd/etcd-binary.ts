// Finds the etcd binary and reads its version (shared by `up` and `promote`), so member flags can follow what that version accepts:
// --enable-v2 and --logger capnslog are gone in 3.6, v2 discovery and the v2 proxy in 3.6/3.7.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { EdgeError } from '../core/errors.js';

/** What the chosen etcd binary supports. */
export interface EtcdBinary {
  readonly path: string;
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  /** --enable-v2 exists (3.4, 3.5). */
  readonly hasV2: boolean;
  /** --logger accepts capnslog and defaults to it (3.4), so we ask for zap explicitly. */
  readonly needsZapFlag: boolean;
  /** v2 discovery (--discovery with a v2 token URL) is still supported (below 3.7). */
  readonly hasV2Discovery: boolean;
}

/** Resolves a binary name against PATH (or returns the explicit path), throwing EDGE_ETCD_NOT_FOUND. */
export function resolveBinary(name: string, envPath: string | undefined, what: string, debPackage: string): string {
  const candidates = name.includes('/') ? [name] : (envPath ?? '').split(':').filter(Boolean).map((d) => path.join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next directory
    }
  }
  throw new EdgeError('EDGE_ETCD_NOT_FOUND', `${what} ${JSON.stringify(name)} not found${name.includes('/') ? '' : ' on PATH'}`, {
    hint: `install it with: apt-get install -y ${debPackage}, or pass --etcd-bin /path/to/etcd (ETCD_EDGE_ETCD_BIN)`,
  });
}

/** Parses `etcd --version` output into major/minor/patch. */
export function parseEtcdVersion(output: string): { version: string; major: number; minor: number } | undefined {
  const m = /etcd Version:\s*v?(\d+)\.(\d+)\.(\d+)\S*/i.exec(output);
  if (!m) return undefined;
  return { version: `${m[1]}.${m[2]}.${m[3]}`, major: Number(m[1]), minor: Number(m[2]) };
}

/** Describes a version's flag differences; refuses versions below 3.4. */
export function etcdFeatures(pathName: string, v: { version: string; major: number; minor: number }): EtcdBinary {
  const n = v.major * 100 + v.minor;
  if (n < 304) {
    throw new EdgeError('EDGE_ETCD_VERSION', `etcd ${v.version} at ${JSON.stringify(pathName)} is too old`, {
      hint: 'etcd-edge needs etcd 3.4 or later: apt-get install -y etcd-server, or pass --etcd-bin',
    });
  }
  return Object.freeze({
    path: pathName, version: v.version, major: v.major, minor: v.minor,
    hasV2: n < 306, needsZapFlag: n < 305, hasV2Discovery: n < 307,
  });
}

/** Finds etcd and runs `etcd --version` to learn what it supports. */
export async function detectEtcd(bin: string, envPath: string | undefined): Promise<EtcdBinary> {
  const p = resolveBinary(bin, envPath, 'etcd binary', 'etcd-server');
  const out = await new Promise<string>((resolve, reject) => {
    execFile(p, ['--version'], { env: { PATH: envPath ?? '/usr/bin:/bin' }, timeout: 10_000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  }).catch((cause: unknown) => {
    throw new EdgeError('EDGE_ETCD_NOT_FOUND', `${JSON.stringify(p)} --version failed: ${(cause as Error).message}`, {
      hint: 'check that --etcd-bin points at an etcd server binary', cause,
    });
  });
  const v = parseEtcdVersion(out);
  if (!v) {
    throw new EdgeError('EDGE_ETCD_VERSION', `cannot read the version of ${JSON.stringify(p)}`, { hint: 'check that --etcd-bin points at an etcd server binary' });
  }
  return etcdFeatures(p, v);
}

/** Tells whether a version (e.g. "3.4.23") is at least major.minor. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/** The environment every etcd member gets: built from scratch, so no ETCD_* variable can clash with a flag. */
export function memberEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  // etcd 3.4 refuses to start on arm64 unless told the platform is unsupported; there is no flag for it.
  if (os.arch() === 'arm64') env.ETCD_UNSUPPORTED_ARCH = 'arm64';
  return env;
}
