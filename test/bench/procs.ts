// The processes a bench starts: each spawned with an environment built from scratch, its output kept (the tail
// only), a wait for its ready line, and a stop by PID (SIGTERM, then SIGKILL); stopAll() ends every one left,
// newest first, so the cluster stops after what was in front of it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cleanEnv } from '../helpers/bin.js';

const KEEP = 256 * 1024;

/** A process the bench started. */
export interface BenchProc {
  readonly name: string;
  readonly pid: number;
  output(): string;
  /** Waits until the output matches re; rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM, SIGKILL after graceMs; resolves with the exit code (128+n for a signal). */
  stop(graceMs?: number): Promise<number>;
  running(): boolean;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: its exit event is on its way.
  }
}

class Proc implements BenchProc {
  readonly name: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exit: Promise<number>;
  #out = '';
  readonly #listeners = new Set<() => void>();

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.#child = child;
    if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
    this.pid = child.pid;
    const take = (c: Buffer): void => {
      this.#out += c.toString('utf8');
      if (this.#out.length > KEEP * 2) this.#out = this.#out.slice(-KEEP);
      for (const l of this.#listeners) l();
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.#exit = new Promise((resolve) => child.once('exit', (code, sig) => {
      resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGINT' ? 2 : 15));
      for (const l of this.#listeners) l();
    }));
  }

  output(): string {
    return this.#out;
  }

  running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${this.name}: no ${re} after ${timeoutMs} ms\n${this.#out.slice(-3000)}`)), timeoutMs);
      const check = (): void => {
        const m = this.#out.match(re);
        if (m) finish(undefined, m);
        else if (!this.running()) finish(new Error(`${this.name} exited before ${re}\n${this.#out.slice(-3000)}`));
      };
      const finish = (err: Error | undefined, m?: RegExpMatchArray): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (err) reject(err); else resolve(m as RegExpMatchArray);
      };
      this.#listeners.add(check);
      check();
    });
  }

  async stop(graceMs = 15_000): Promise<number> {
    if (!this.running()) return this.#exit;
    signal(this.pid, 'SIGTERM');
    const t = setTimeout(() => { if (this.running()) signal(this.pid, 'SIGKILL'); }, graceMs);
    const code = await this.#exit;
    clearTimeout(t);
    return code;
  }

  killNow(): void {
    if (this.running()) signal(this.pid, 'SIGKILL');
  }
}

/** The processes of one bench run. */
export class ProcSet {
  readonly #procs: Proc[] = [];
  readonly #short = new Set<ChildProcess>();

  /** Spawns cmd with PATH and HOME only, plus env. */
  start(name: string, cmd: string, args: readonly string[], env: Record<string, string> = {}): BenchProc {
    const child = spawn(cmd, [...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new Proc(name, child);
    this.#procs.push(p);
    return p;
  }

  /** Tracks a short-lived child (wrk, h2load) so that killAllNow() ends it too. */
  track(child: ChildProcess): void {
    if (child.pid === undefined) return;
    this.#short.add(child);
    child.once('exit', () => this.#short.delete(child));
  }

  /** Stops every process still running, newest first. */
  async stopAll(): Promise<void> {
    for (const c of this.#short) if (c.pid !== undefined && c.exitCode === null) signal(c.pid, 'SIGTERM');
    for (const p of [...this.#procs].reverse()) {
      await p.stop();
    }
  }

  /** Kills every process at once (last resort on exit, when there is no time to wait). */
  killAllNow(): void {
    for (const c of this.#short) if (c.pid !== undefined && c.exitCode === null) signal(c.pid, 'SIGKILL');
    for (const p of this.#procs) p.killNow();
  }
}
