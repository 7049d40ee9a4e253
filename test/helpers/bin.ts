// Runs the built etcd-edge command as a user would: a child process with a clean environment, its output
// collected, a wait for a line (the component's stable ready log line), and a stop by PID that returns the code.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point. */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/etcd-edge.js');

/**
 * The node flags of a script's `#!/usr/bin/env -S node <flags>` line, so that a child started as
 * `node <flags> <script>` runs as `npx etcd-edge` (the kernel reading that line) runs it.
 */
export function shebangNodeFlags(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env(?: -S)? node((?: --?[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (m === null) throw new Error(`${script}: unexpected first line ${JSON.stringify(first)}`);
  return (m[1] ?? '').split(' ').filter((f) => f !== '');
}

/** The flags the CLI's own first line gives node. */
export const BIN_NODE_FLAGS: readonly string[] = shebangNodeFlags(BIN);

/** A clean environment: PATH and HOME only, plus what the test adds. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...extra };
}

/** A running etcd-edge process. */
export interface BinProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout+stderr match re; rejects on exit or timeout with the output so far. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal (default SIGTERM) and resolves with the exit code (128+n for a signal death). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
  exited(): Promise<number>;
}

/** Spawns `etcd-edge <args>`. */
export function spawnBin(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): BinProcess {
  return spawnCmd(process.execPath, [...BIN_NODE_FLAGS, BIN, ...args], opts);
}

/** Spawns any command the same way (a clean environment, output collected), e.g. etcd-edge under script(1). */
export function spawnCmd(cmd: string, args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): BinProcess {
  const child = spawn(cmd, args, { env: opts.env ?? cleanEnv(), cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (c: Buffer) => { out += c.toString(); listeners.forEach((l) => l()); });
  child.stderr?.on('data', (c: Buffer) => { err += c.toString(); listeners.forEach((l) => l()); });
  const exit = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGINT' ? 2 : 15))));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = (out + err).match(re);
          if (m) { done(); resolve(m); return true; }
          return false;
        };
        const timer = setTimeout(() => { done(); reject(new Error(`timeout waiting for ${re} after ${timeoutMs}ms\nstdout:\n${out.slice(-3000)}\nstderr:\n${err.slice(-3000)}`)); }, timeoutMs);
        const onExit = (): void => { if (!check()) { done(); reject(new Error(`process exited (code ${child.exitCode}) before ${re}\nstdout:\n${out.slice(-3000)}\nstderr:\n${err.slice(-3000)}`)); } };
        const done = (): void => { clearTimeout(timer); listeners.delete(l); child.off('exit', onExit); };
        const l = (): void => { check(); };
        if (check()) return;
        listeners.add(l);
        child.once('exit', onExit);
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exit;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exit;
      clearTimeout(t);
      return code;
    },
  };
}

/** Runs etcd-edge to completion and returns its code and output. */
export async function runBin(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = spawnBin(args, opts);
  const t = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await p.exited();
  clearTimeout(t);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
