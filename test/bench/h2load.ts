// gRPC load with h2load: etcd's KV requests as gRPC-framed protobuf bodies sent over prior-knowledge h2c,
// one or several h2load processes at once (one per member for "direct x3"), with per-request latencies
// taken from h2load's log files, and a one-request check that etcd answers the body with grpc-status 0.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { cleanEnv } from '../helpers/bin.js';
import { percentile } from './stats.js';

/** What one gRPC load run measured (summed over its h2load processes). */
export interface H2Result {
  readonly requests: number;
  readonly durationS: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly failed: number;
}

/** The counts and rate h2load prints. */
export interface H2Summary {
  readonly durationS: number;
  readonly rps: number;
  readonly succeeded: number;
  readonly failed: number;
}

function field(no: number, value: Buffer): Buffer {
  const len: number[] = [];
  let n = value.length;
  do { len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7; } while (n > 0);
  return Buffer.concat([Buffer.from([(no << 3) | 2, ...len]), value]);
}

/** Frames a protobuf message for gRPC: no compression, 4-byte big-endian length. */
export function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Encodes etcdserverpb.RangeRequest{key}. */
export function rangeRequest(key: string): Buffer {
  return field(1, Buffer.from(key));
}

/** Encodes etcdserverpb.PutRequest{key, value}. */
export function putRequest(key: string, value: string): Buffer {
  return Buffer.concat([field(1, Buffer.from(key)), field(2, Buffer.from(value))]);
}

/** Parses h2load's summary; throws when it is missing. */
export function parseH2loadOutput(stdout: string): H2Summary {
  const fin = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/.exec(stdout);
  const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(stdout);
  if (!fin || !req) throw new Error(`h2load output has no summary:\n${stdout.slice(-2000)}`);
  const durationS = Number(fin[1]) / (fin[2] === 'ms' ? 1000 : 1);
  return { durationS, rps: Number(fin[3]), succeeded: Number(req[4]), failed: Number(req[5]) + Number(req[6]) + Number(req[7]) };
}

/** Parses an h2load --log-file (start µs, status, elapsed µs per line) into the latencies of 2xx responses. */
export function parseH2loadLog(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const cols = line.split('\t');
    if (cols.length < 3) continue;
    const status = Number(cols[1]);
    const us = Number(cols[2]);
    if (status >= 200 && status < 300 && Number.isFinite(us)) out.push(us);
  }
  return out;
}

/** Merges the runs of parallel h2load processes: rates add up, latencies are pooled. */
export function mergeH2(parts: readonly { summary: H2Summary; latenciesUs: readonly number[] }[]): H2Result {
  const lat = parts.flatMap((p) => p.latenciesUs);
  const requests = parts.reduce((a, p) => a + p.summary.succeeded, 0);
  const durationS = Math.max(...parts.map((p) => p.summary.durationS));
  return {
    requests, durationS, rps: parts.reduce((a, p) => a + p.summary.rps, 0),
    p50Us: percentile(lat, 50), p99Us: percentile(lat, 99), failed: parts.reduce((a, p) => a + p.summary.failed, 0),
  };
}

function runOne(url: string, o: { clients: number; streams: number; durationS: number; bodyPath: string; logPath: string; track: (c: ChildProcess) => void }): Promise<{ summary: H2Summary; latenciesUs: number[] }> {
  const args = ['-c', String(o.clients), '-m', String(o.streams), '-D', String(o.durationS), `--log-file=${o.logPath}`,
    '-d', o.bodyPath, '-H', 'content-type: application/grpc', '-H', 'te: trailers', url];
  return new Promise((resolve, reject) => {
    const child = execFile('h2load', args, { env: cleanEnv(), timeout: (o.durationS + 20) * 1000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`h2load ${args.join(' ')} failed: ${err.message}\n${stderr}`)); return; }
      try {
        resolve({ summary: parseH2loadOutput(stdout), latenciesUs: parseH2loadLog(readFileSync(o.logPath, 'latin1')) });
      } catch (e) { reject(e as Error); }
    });
    o.track(child);
  });
}

/** Runs one h2load per URL at the same time (clients split evenly) and merges them. */
export async function runH2load(opts: { urls: readonly string[]; clients: number; streams: number; durationS: number; bodyPath: string; logPrefix: string; track: (c: ChildProcess) => void }): Promise<H2Result> {
  const each = Math.max(1, Math.round(opts.clients / opts.urls.length));
  const parts = await Promise.all(opts.urls.map((u, i) => runOne(u, { ...opts, clients: each, logPath: `${opts.logPrefix}-${i}.log` })));
  return mergeH2(parts);
}

/** Sends one gRPC request over h2c and resolves with the response message size; rejects unless grpc-status is 0. */
export function grpcCall(origin: string, path: string, frame: Buffer, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    const timer = setTimeout(() => { session.destroy(); reject(new Error(`gRPC ${origin}${path}: no answer in ${timeoutMs}ms`)); }, timeoutMs);
    let settled = false;
    const done = (err: Error | undefined, size = 0): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      if (err) reject(err); else resolve(size);
    };
    session.on('error', (err) => done(err));
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; });
    req.on('trailers', (t) => {
      if (t['grpc-status'] === '0') done(undefined, size);
      else done(new Error(`gRPC ${origin}${path}: grpc-status ${String(t['grpc-status'])} ${String(t['grpc-message'] ?? '')}`));
    });
    req.on('error', (err) => done(err));
    // A trailers-only answer (an error) carries grpc-status in the headers and never fires 'trailers'.
    req.on('end', () => done(new Error(`gRPC ${origin}${path}: response ended without grpc-status 0 trailers`)));
    req.end(frame);
  });
}
