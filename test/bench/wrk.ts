// HTTP/1 load with wrk: the Lua script of a workload (method, body, headers, threads spread over several
// addresses) whose done() prints one machine-readable line, running wrk, and parsing that line.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cleanEnv } from '../helpers/bin.js';

/** One HTTP request shape. */
export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Paced load: each connection waits this many ms after a response before its next request (wrk's delay()), so
   * the offered rate is about connections / (delay + latency) whatever the target's capacity, and targets are
   * compared at the same load instead of each at its own saturation.
   */
  readonly delayMs?: number;
}

/** Counts of failed requests, as wrk reports them (status = non-2xx/3xx responses). */
export interface WrkErrors {
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly status: number;
  readonly timeout: number;
}

/** What one wrk run measured. */
export interface WrkResult {
  readonly requests: number;
  readonly durationS: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  /** The slowest completed request. */
  readonly maxUs: number;
  readonly errors: WrkErrors;
}

const MARK = 'BENCH ';

/** Quotes a string as a Lua literal (wrk embeds LuaJIT, which has no \u escapes). */
export function luaString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22 || ch === 0x5c) out += `\\${String.fromCharCode(ch)}`;
    else if (ch >= 0x20 && ch < 0x7f) out += String.fromCharCode(ch);
    else out += `\\${ch}`;
  }
  return `${out}"`;
}

/**
 * Renders the Lua script of a run. With `spread`, thread i connects to spread[i mod n] (host, port) instead of
 * the URL's address, so one wrk process with one thread per address loads several members at once.
 */
export function wrkScript(req: HttpRequestSpec, spread: readonly { host: string; port: number }[] = []): string {
  const lines = [`wrk.method = ${luaString(req.method)}`];
  if (req.body !== undefined) lines.push(`wrk.body = ${luaString(req.body)}`);
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  lines.push(
    `local spread = {${spread.map((a) => `{${luaString(a.host)}, ${luaString(String(a.port))}}`).join(', ')}}`,
    'local n = 0',
    'function setup(thread)',
    '  if #spread == 0 then return end',
    '  n = n + 1',
    '  local a = spread[(n - 1) % #spread + 1]',
    '  thread.addr = wrk.lookup(a[1], a[2])[1]',
    'end',
    ...(req.delayMs !== undefined ? [`function delay() return ${Math.max(0, Math.round(req.delayMs))} end`] : []),
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format('${MARK}{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"p999Us":%d,"maxUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',`,
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,',
    '    e.connect, e.read, e.write, e.status, e.timeout))',
    'end',
  );
  return lines.join('\n') + '\n';
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`wrk output: bad ${k}`);
  return v;
}

/** Parses the line our script's done() prints among wrk's output; throws when it is missing or malformed. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (line === undefined) throw new Error(`wrk output has no result line:\n${stdout.slice(-2000)}`);
  const o = JSON.parse(line.slice(MARK.length)) as Record<string, unknown>;
  const requests = num(o, 'requests');
  const durationS = num(o, 'durationUs') / 1e6;
  return {
    requests, durationS, rps: durationS > 0 ? requests / durationS : 0,
    p50Us: num(o, 'p50Us'), p99Us: num(o, 'p99Us'), p999Us: num(o, 'p999Us'), maxUs: num(o, 'maxUs'),
    errors: { connect: num(o, 'connect'), read: num(o, 'read'), write: num(o, 'write'), status: num(o, 'status'), timeout: num(o, 'timeout') },
  };
}

/** Sums wrk's error counts. */
export function totalErrors(e: WrkErrors): number {
  return e.connect + e.read + e.write + e.status + e.timeout;
}

/** Runs wrk once; the script file must exist. */
export function runWrk(opts: { url: string; threads: number; connections: number; durationS: number; scriptPath: string }, track: (c: ChildProcess) => void): Promise<WrkResult> {
  const args = ['-t', String(opts.threads), '-c', String(opts.connections), '-d', `${opts.durationS}s`, '--timeout', '5s', '-s', opts.scriptPath, opts.url];
  return new Promise((resolve, reject) => {
    const child = execFile('wrk', args, { env: cleanEnv(), timeout: (opts.durationS + 20) * 1000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`wrk ${args.join(' ')} failed: ${err.message}\n${stderr}`)); return; }
      try { resolve(parseWrkOutput(stdout)); } catch (e) { reject(e as Error); }
    });
    track(child);
  });
}
