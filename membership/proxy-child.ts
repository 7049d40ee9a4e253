// A local `etcd-edge proxy` run as our child (after promote, or in a demoted member's place): the same binary,
// a fresh environment, its log lines appended to a file, ready when it logs its ready line.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgeError } from '../core/errors.js';

/** The etcd-edge entry point this build runs from. */
export const ETCD_EDGE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/etcd-edge.js');

/** A running proxy child. */
export interface ProxyChild {
  readonly pid: number;
  /** The URLs from its ready line. */
  readonly urls: readonly string[];
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL after graceMs; resolves with its exit code. */
  stop(graceMs: number): Promise<number>;
}

/** Options of startProxyChild. */
export interface ProxyChildOptions {
  /** Flags after `etcd-edge proxy`. */
  readonly args: readonly string[];
  readonly logFile: string;
  readonly readyTimeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const READY = /"listenUrls":(\[[^\]]*\])[^\n]*"msg":"ready to proxy client requests"/;

/** Starts `etcd-edge proxy <args>` and resolves once it is ready; rejects if it exits or times out first. */
export function startProxyChild(o: ProxyChildOptions): Promise<ProxyChild> {
  mkdirSync(path.dirname(o.logFile), { recursive: true, mode: 0o700 });
  const env: Record<string, string> = { PATH: o.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...(o.env.HOME ? { HOME: o.env.HOME } : {}) };
  const child = spawn(process.execPath, [ETCD_EDGE_BIN, 'proxy', ...o.args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid ?? -1;
  let seen = '';
  const exited = new Promise<number>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig === 'SIGKILL' ? 137 : 143))));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { fail(new EdgeError('EDGE_TIMEOUT', `the proxy (pid ${pid}) was not ready after ${o.readyTimeoutMs}ms`, { hint: `see ${o.logFile}` })); }, o.readyTimeoutMs);
    let ready = false;
    const onData = (c: Buffer): void => {
      try { appendFileSync(o.logFile, c, { mode: 0o600 }); } catch { /* logging must not kill the proxy */ }
      if (ready) return;
      seen = (seen + c.toString('utf8')).slice(-16_384);
      const m = READY.exec(seen);
      if (m) { ready = true; clearTimeout(timer); resolve(handle(JSON.parse(m[1] ?? '[]') as string[])); }
    };
    const fail = (err: Error): void => {
      clearTimeout(timer);
      if (ready) return;
      ready = true;
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      reject(err);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => fail(new EdgeError('EDGE_MEMBERSHIP', `the proxy exited with status ${code} before it was ready: ${lastError(seen)}`, { hint: `see ${o.logFile}` })));
  });

  function handle(urls: string[]): ProxyChild {
    return {
      pid, urls, exited,
      async stop(graceMs) {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
        const t = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
        const code = await exited;
        clearTimeout(t);
        return code;
      },
    };
  }
}

function lastError(out: string): string {
  const line = out.split('\n').reverse().find((l) => l.startsWith('error: '));
  return line ?? out.trim().split('\n').pop() ?? '';
}
