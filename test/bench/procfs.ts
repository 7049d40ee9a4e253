// What the bench reads from /proc about a process: CPU time used (utime+stime from /proc/<pid>/stat) and
// peak resident memory (VmHWM from /proc/<pid>/status). Parsers are pure; readers return undefined once gone.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time a process has used, in clock ticks. */
export interface CpuTicks {
  readonly utime: number;
  readonly stime: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close === -1) throw new Error('malformed /proc stat: no command name');
  // After ") " come field 3 (state) onwards; utime and stime are fields 14 and 15.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error('malformed /proc stat: utime/stime');
  return { utime, stime };
}

/** Returns a `kB` field of /proc/<pid>/status (VmHWM, VmRSS) in kB, or undefined when absent. */
export function parseStatusKb(text: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Reads the CPU ticks of a process, undefined when it no longer exists. */
export function readCpuTicks(pid: number): CpuTicks | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** Reads the peak resident set (VmHWM) of a process in kB, undefined when it no longer exists. */
export function readPeakRssKb(pid: number): number | undefined {
  try {
    return parseStatusKb(readFileSync(`/proc/${pid}/status`, 'latin1'), 'VmHWM');
  } catch {
    return undefined;
  }
}

/** Sums the CPU ticks of several processes (missing ones count 0). */
export function sumTicks(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    const t = readCpuTicks(pid);
    if (t) total += t.utime + t.stime;
  }
  return total;
}

/** Returns the kernel's clock ticks per second (getconf CLK_TCK; 100 on Linux when getconf is missing). */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** CPU time of the whole machine, in clock ticks summed over all cores. */
export interface MachineTicks {
  readonly busy: number;
  readonly total: number;
}

/** Parses the first line of /proc/stat ("cpu user nice system idle iowait irq softirq steal ..."); idle and iowait are not busy. */
export function parseMachineStat(text: string): MachineTicks {
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) throw new Error('malformed /proc/stat: no cpu line');
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 5 || f.some((n) => !Number.isFinite(n))) throw new Error('malformed /proc/stat: cpu fields');
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] as number) - (f[4] as number), total };
}

/** Reads the machine's CPU ticks. */
export function readMachineTicks(): MachineTicks {
  return parseMachineStat(readFileSync('/proc/stat', 'latin1'));
}

/** Returns the first port of the kernel's ephemeral range (where outgoing connections take their ports). */
export function ephemeralPortStart(): number {
  try {
    const n = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/)[0]);
    return Number.isInteger(n) && n > 1024 ? n : 32768;
  } catch {
    return 32768;
  }
}

/** Parses /proc/loadavg into its three averages. */
export function parseLoadavg(text: string): [number, number, number] {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (a === undefined || b === undefined || c === undefined || [a, b, c].some((x) => !Number.isFinite(x))) {
    throw new Error('malformed /proc/loadavg');
  }
  return [a, b, c];
}

/** Reads the load averages of the machine. */
export function readLoadavg(): [number, number, number] {
  return parseLoadavg(readFileSync('/proc/loadavg', 'latin1'));
}
