// Test helpers for the gateway: a logger that records lines, TCP echo backends on 127.0.0.1:0, a client round
// trip, the gateway bin started and stopped like a user would, and a raw HTTP probe through it.
import net from 'node:net';
import type { TestContext } from 'node:test';
import type { Logger } from '../../core/log.js';
import { spawnBin } from './bin.js';
import type { BinProcess } from './bin.js';

/** The gateway's data paths; the gateway tests run once per data path. */
export const DATA_PATHS = ['native', 'js'] as const;

/** One recorded log line. */
export interface LogRecord { level: string; msg: string; fields: Record<string, unknown> }

/** Creates a Logger that records every line (children included) into `records`. */
export function captureLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const make = (bindings: object): Logger => {
    const rec = (level: string) => (fields: object, msg: string): void => { records.push({ level, msg, fields: { ...bindings, ...fields } }); };
    return { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: (b) => make({ ...bindings, ...b }) };
  };
  return Object.assign(make({}), { records });
}

/** A TCP backend that echoes, prefixed with its name, and half-closes when the client does. */
export interface EchoBackend {
  readonly port: number;
  readonly name: string;
  readonly accepted: () => number;
  close(): Promise<void>;
}

/** Starts an echo backend on 127.0.0.1:0 (port 0 by default) that answers `<name>:<data>` and ends after the client ends. */
export async function startEcho(t: TestContext, name: string, port = 0): Promise<EchoBackend> {
  let accepted = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    accepted++;
    socks.add(s);
    s.on('close', () => socks.delete(s));
    s.on('error', () => undefined);
    s.write(`${name}:`);
    s.pipe(s);
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  const close = (): Promise<void> => new Promise((resolve) => { for (const s of socks) s.destroy(); server.close(() => resolve()); });
  t.after(close);
  return { port: (server.address() as net.AddressInfo).port, name, accepted: () => accepted, close };
}

/** Connects, writes payload, half-closes, and collects the reply until the connection closes. */
export function roundTrip(port: number, payload: string, timeoutMs = 10_000): Promise<{ data: string; error?: string }> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let data = '';
    let error: string | undefined;
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`no close within ${timeoutMs}ms; got ${JSON.stringify(data)}`)); }, timeoutMs);
    c.on('data', (d: Buffer) => { data += d.toString(); });
    c.on('error', (e) => { error = e.message; });
    c.on('end', () => c.end());
    c.on('close', () => { clearTimeout(timer); resolve(error === undefined ? { data } : { data, error }); });
    c.end(payload);
  });
}

/** A running `etcd-edge gateway start` process and the address from its ready line. */
export interface GatewayProc {
  readonly proc: BinProcess;
  readonly addr: string;
  /** Sends SIGTERM and resolves with the exit code (0 after a clean drain). */
  stop(): Promise<number>;
}

/** The gateway's ready line; group 1 is the bound listen address. */
export const GATEWAY_READY = /"listenAddr":"([^"]+)"[^\n]*"msg":"ready to proxy client requests"/;

/**
 * Spawns `etcd-edge gateway start <args>` and waits for the ready line. Tests assert `await stop()` is 0; t.after
 * only makes sure the process is gone (a throwing after hook would skip the other cleanups).
 */
export async function startGatewayBin(t: TestContext, args: readonly string[], timeoutMs = 30_000): Promise<GatewayProc> {
  const proc = spawnBin(['gateway', 'start', ...args]);
  t.after(() => proc.stop('SIGTERM'));
  const m = await proc.waitFor(GATEWAY_READY, timeoutMs);
  return { proc, addr: m[1] ?? '', stop: () => proc.stop('SIGTERM') };
}

/** Sends `GET /health` over a fresh TCP connection to addr and returns the status line ('' when closed first). */
export function httpStatusLine(addr: string, timeoutMs = 5000): Promise<string> {
  const i = addr.lastIndexOf(':');
  return new Promise((resolve) => {
    const c = net.connect({ host: addr.slice(0, i), port: Number(addr.slice(i + 1)) });
    let data = '';
    const timer = setTimeout(() => c.destroy(), timeoutMs);
    c.on('data', (d: Buffer) => { data += d.toString(); if (data.includes('\r\n')) c.destroy(); });
    c.on('error', () => undefined);
    c.on('close', () => { clearTimeout(timer); resolve(data.split('\r\n')[0] ?? ''); });
    c.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
}
