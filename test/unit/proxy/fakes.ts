// Fakes for the proxy's tests: fake members (real HTTP servers on 127.0.0.1:0) and a proxy wired to them
// through the fetchMembers seam, plus a raw-socket HTTP client for malformed and slow requests.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { EtcdMember } from '../../../etcd/etcd-client.js';
import { createProxy, parseProxyFlags } from '../../../proxy/index.js';
import type { Proxy, ProxyDeps } from '../../../proxy/index.js';

/** A fake member: an HTTP server whose handler the test sets. */
export interface FakeMember {
  readonly url: string;
  readonly server: http.Server;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

/** Starts a fake member on 127.0.0.1:0, closed after the test. */
export async function fakeMember(t: TestContext, handler?: FakeMember['handler']): Promise<FakeMember> {
  const m: FakeMember = {
    url: '', server: http.createServer((req, res) => m.handler(req, res)),
    handler: handler ?? ((req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end(`ok ${req.method} ${req.url}`); }),
    close: () => new Promise((r) => { m.server.closeAllConnections(); m.server.close(() => r()); }),
  };
  await new Promise<void>((r) => m.server.listen(0, '127.0.0.1', r));
  (m as { url: string }).url = `http://127.0.0.1:${(m.server.address() as net.AddressInfo).port}`;
  t.after(() => m.close());
  return m;
}

/** Describes members for the fetchMembers seam. */
export function members(urls: readonly string[]): EtcdMember[] {
  return urls.map((u, i) => ({ id: String(i + 1), name: `m${i + 1}`, peerURLs: [`http://127.0.0.1:${1000 + i}`], clientURLs: [u], isLearner: false }));
}

/** Makes a temp dir removed after the test. */
export function tmp(t: TestContext): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'proxy-unit-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Starts a proxy on 127.0.0.1:0 in front of the given endpoint URLs (a getter, so tests can change them). */
export async function startProxy(t: TestContext, endpoints: () => readonly string[], extra: readonly string[] = [], deps: ProxyDeps = {}): Promise<Proxy> {
  const cfg = parseProxyFlags(['--listen-client-urls', 'http://127.0.0.1:0', '--initial-cluster', 'p=http://127.0.0.1:1',
    '--data-dir', tmp(t), '--proxy-refresh-interval', '100', '--proxy-shutdown-timeout', '300', ...extra], {});
  const p = createProxy(cfg, { fetchMembers: () => Promise.resolve(members(endpoints())), ...deps });
  t.after(() => p.close());
  await p.start();
  return p;
}

/** A response read whole. */
export interface Got { status: number; headers: http.IncomingHttpHeaders; body: string }

/** Sends one request and reads the whole response. */
export function request(url: string, opts: { method?: string; body?: string; headers?: Record<string, string>; agent?: http.Agent | false } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const r = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: opts.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(opts.body);
  });
}

/** Writes raw bytes to host:port and resolves with everything read until the server closes (or timeoutMs). */
export function rawExchange(port: number, data: string, timeoutMs = 5000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closedByServer: false }); }, timeoutMs);
    s.on('data', (c) => { text += c.toString(); });
    s.on('close', () => { clearTimeout(timer); resolve({ text, closedByServer: true }); });
    s.on('error', () => undefined);
    s.write(data);
  });
}

/** Resolves after ms. */
export const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
