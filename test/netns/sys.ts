// Synchronous system calls of the network-namespace test bed: commands, process state read from /proc, sleeps.
// Teardown is synchronous on purpose, so the same code also runs from a process 'exit' handler.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs a command to completion and returns its stdout; throws with its stderr when it fails. */
export function run(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, [...args], {
      encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 20_000, ...(opts.input === undefined ? {} : { input: opts.input }),
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
  }
}

/** Runs a command and reports whether it succeeded, never throwing. */
export function tryRun(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, [...args], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Blocks the thread for ms milliseconds (teardown only). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Returns a process's state letter and start time (clock ticks since boot), or undefined when it is gone. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** Returns a process's command line as words, or [] when it is gone. */
export function procCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Tells whether pid runs (a zombie counts as gone) and, when startTime is given, is still the same process. */
export function alive(pid: number, startTime?: string): boolean {
  const s = procStat(pid);
  if (!s || s.state === 'Z' || s.state === 'X') return false;
  return startTime === undefined || s.startTime === startTime;
}

/** Sends a signal to one PID, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Returns the PIDs of processes in a network namespace (`ip netns pids`), zombies excluded. */
export function nsPids(ns: string): number[] {
  let out = '';
  try {
    out = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  return out.split(/\s+/).filter(Boolean).map(Number).filter((p) => alive(p));
}

/** Lists the names of all named network namespaces. */
export function listNetns(): string[] {
  const out = run('ip', ['netns', 'list']);
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
}

/** Returns the root namespace's links as `index: name` lines, for the before/after comparison. */
export function rootLinks(): string[] {
  return run('ip', ['-o', 'link', 'show']).split('\n').filter(Boolean).map((l) => {
    const m = /^(\d+):\s+([^:@\s]+)/.exec(l);
    return m ? `${m[1]}: ${m[2]}` : l;
  }).sort();
}

/** Fails with a clear message unless this runs as root with the tools the bed needs. */
export function requireRootAndTools(tools: readonly { bin: string; deb: string }[]): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('the multi-host tests create network namespaces and need root: run `sudo npm run test:hosts` (CI runs as root)');
  }
  for (const t of tools) {
    if (!tryRun('sh', ['-c', `command -v ${t.bin}`])) throw new Error(`${t.bin} is not installed: apt-get install -y ${t.deb}`);
  }
}
