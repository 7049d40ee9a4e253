// Long-running processes inside a bed host: `setsid ip netns exec NS sh -c 'echo $$ >PIDFILE; exec CMD…'`, so the
// daemon has its own session, the bed's resolv.conf (gotcha 5) and a PID file written by itself; output to a log.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { alive, procStat, signal } from './sys.js';

/** A daemon the bed started. */
export interface Daemon {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly logFile: string;
  /** The daemon's output so far. */
  log(): string;
  /** Tells whether the process still runs (and is still the one started). */
  running(): boolean;
  /** Resolves with the match once the log matches re; rejects on exit or timeout, quoting the log's tail. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal by PID. */
  kill(sig?: NodeJS.Signals): void;
}

/** What startDaemon needs. */
export interface DaemonSpec {
  readonly ns: string;
  readonly host: string;
  readonly name: string;
  readonly dir: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function readPidFile(file: string, exited: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0) return pid;
    }
    if (exited() || Date.now() - t0 > timeoutMs) throw new Error(`no pid file ${file}`);
    await sleep(20);
  }
}

/** Starts a daemon in a namespace and returns once its PID file exists. */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  // A daemon started again under the same name (a host coming back) gets fresh files, so neither an old PID nor
  // an old ready line is mistaken for the new process's.
  let base = `${spec.host}-${spec.name}`;
  for (let n = 2; existsSync(path.join(spec.dir, `${base}.pid`)); n++) base = `${spec.host}-${spec.name}-${n}`;
  const logFile = path.join(spec.dir, `${base}.log`);
  const pidFile = path.join(spec.dir, `${base}.pid`);
  const fd = openSync(logFile, 'a', 0o600);
  // Not detached: setsid(1) then calls setsid() itself without forking, so the daemon stays this process's child
  // and is reaped here (PID 1 of this machine does not reap orphans).
  const child = spawn('setsid', ['ip', 'netns', 'exec', spec.ns, 'sh', '-c', 'echo $$ >"$0"; exec "$@"', pidFile, spec.cmd, ...spec.args], {
    stdio: ['ignore', fd, fd], env: { ...spec.env }, cwd: spec.cwd ?? spec.dir,
  });
  closeSync(fd);
  child.unref();
  let gone = false;
  child.once('exit', () => { gone = true; });
  child.once('error', () => { gone = true; });
  const read = (): string => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
  let pid: number;
  try {
    pid = await readPidFile(pidFile, () => gone, 15_000);
  } catch (err) {
    throw new Error(`${spec.name} on ${spec.host} did not start: ${(err as Error).message}\n${read().slice(-2000)}`, { cause: err });
  }
  const startTime = procStat(pid)?.startTime;
  const running = (): boolean => !gone && alive(pid, startTime);
  return {
    name: spec.name, host: spec.host, pid, logFile, log: read, running,
    kill: (sig = 'SIGTERM') => { if (running()) signal(pid, sig); },
    async waitFor(re, timeoutMs = 30_000) {
      const t0 = Date.now();
      for (;;) {
        const m = read().match(re);
        if (m) return m;
        if (!running()) throw new Error(`${spec.name} on ${spec.host} exited before ${re}:\n${read().slice(-3000)}`);
        if (Date.now() - t0 > timeoutMs) throw new Error(`${spec.name} on ${spec.host}: no ${re} after ${timeoutMs} ms:\n${read().slice(-3000)}`);
        await sleep(50);
      }
    },
  };
}
