// Test helpers for the gateway: a logger that records lines, TCP echo backends on 127.0.0.1:0, and a client
// round trip that reports what came back and whether the connection closed.
import net from 'node:net';
import type { TestContext } from 'node:test';
import type { Logger } from '../../core/log.js';

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
