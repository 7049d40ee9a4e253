// The proxy's two HTTP/1.1 data paths for the parity and stress tests: 'js' is createProxy's node:http path;
// 'native' is the native front (proxy_front.node) with its hand-offs passed to a createProxy behind it. Until the
// proxy itself wires the addon (--data-path), the test does the wiring: a handed-off connection is relayed byte for
// byte to the JavaScript proxy, with the bytes the front had read first. Once `--data-path native` parses, the
// 'native' path is the proxy's own. PROXY_FRONT_ADDON: another build of the addon (scripts/asan-gateway.sh);
// PROXY_FRONT_PATHS=native runs only the native path.
import { createRequire } from 'node:module';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseProxyFlags } from '../../../proxy/index.js';
import { startProxy } from './fakes.js';

/** The addon's API (front-api.md), the parts these tests use. */
interface FrontAddon {
  create(o: Record<string, unknown>, cb: (type: string, fd: number, data: Buffer | undefined, detail: string, num: number) => void): object;
  port(h: object): number;
  setEndpoints(h: object, eps: Array<[string, string, number, string]>): void;
  active(h: object): number;
  close(h: object, drainMs: number): void;
  join(h: object): void;
}

export type PathName = 'js' | 'native';

/** The data paths to test: both, or those PROXY_FRONT_PATHS names. */
export const FRONT_PATHS: readonly PathName[] = (process.env['PROXY_FRONT_PATHS'] ?? 'js,native').split(',').filter((p): p is PathName => p === 'js' || p === 'native');

/** The Via token of either path, replaced by `etcd-edge-TOKEN` before comparing. */
export const VIA_TOKEN = /etcd-edge-[0-9a-f]{12}/g;

/** Whether the proxy parses --data-path (the wiring has landed); otherwise the tests wire the addon themselves. */
export function proxyHasDataPath(): boolean {
  try {
    parseProxyFlags(['--data-path', 'js', '--initial-cluster', 'p=http://127.0.0.1:1'], {});
    return true;
  } catch {
    return false;
  }
}

let loaded: FrontAddon | undefined;
function addon(): FrontAddon {
  loaded ??= createRequire(import.meta.url)(process.env['PROXY_FRONT_ADDON'] ?? fileURLToPath(new URL('../../../Release/proxy_front.node', import.meta.url))) as FrontAddon;
  return loaded;
}

/** A running front on one data path. */
export interface Front {
  readonly port: number;
  /** Every port of this path's listeners (the front's and the proxy's behind it), replaced before comparing. */
  readonly ports: readonly number[];
  /** Client connections the native front holds (0 on the js path). */
  active(): number;
  /** Connections the native front handed off so far (undefined where the proxy does the wiring, or on js). */
  handoffs(): number | undefined;
  /** Connections the test's hand-off relay holds (0 once all are closed). */
  relays(): number;
  close(): Promise<void>;
}

/** Relays a handed-off connection to the JavaScript proxy: `data` first, then both ways, ends and resets passed on. */
function relay(fd: number, data: Buffer | undefined, jsPort: number, open: Set<net.Socket>): void {
  const s = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  const up = net.connect({ port: jsPort, host: '127.0.0.1', allowHalfOpen: true });
  open.add(s);
  s.on('close', () => { open.delete(s); up.destroy(); });
  if (data && data.length > 0) up.write(data);
  s.pipe(up);
  up.pipe(s);
  // node:http ends the connection (up's end) and closes it: the client's socket is closed once that end is sent.
  s.on('finish', () => s.destroy());
  s.on('error', () => up.resetAndDestroy());
  up.on('error', () => s.resetAndDestroy());
}

/** Starts a front on `path` in front of the members (urls), with extra proxy flags (e.g. --proxy readonly). */
export async function startFront(t: TestContext, path: PathName, members: string | readonly string[], extra: readonly string[] = []): Promise<Front> {
  const urls = typeof members === 'string' ? [members] : members;
  const wired = proxyHasDataPath();
  if (path === 'js' || wired) {
    const p = await startProxy(t, () => urls, [...extra, ...(wired ? ['--data-path', path] : [])]);
    return { port: p.address().port, ports: [p.address().port], active: () => 0, handoffs: () => undefined, relays: () => 0, close: () => p.close() };
  }
  const js = await startProxy(t, () => urls, extra);
  const cfg = parseProxyFlags(['--initial-cluster', 'p=http://127.0.0.1:1', ...extra], {});
  const a = addon();
  const open = new Set<net.Socket>();
  const events: string[] = [];
  const h = a.create({
    host: '127.0.0.1', port: 0, backlog: 511, maxConnections: 4000, clientTimeoutMs: cfg.clientTimeoutMs, keepAliveTimeoutMs: 5000,
    idleTimeoutMs: cfg.idleTimeoutMs, dialTimeoutMs: cfg.dialTimeoutMs, writeTimeoutMs: cfg.writeTimeoutMs, readTimeoutMs: cfg.readTimeoutMs,
    maxBodyBytes: cfg.maxRequestBytes, readonly: cfg.mode === 'readonly', via: '1.1 etcd-edge-000000000000',
  }, (type, fd, data) => {
    events.push(type);
    if (type === 'handoff') relay(fd, data, js.address().port, open);
  });
  a.setEndpoints(h, urls.map((u) => { const m = new URL(u); return [u, m.hostname, Number(m.port), m.host]; }));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      a.close(h, 300);
      for (let i = 0; i < 250 && !events.includes('closed'); i++) await new Promise((r) => setTimeout(r, 20));
      a.join(h);
      for (const s of open) s.destroy();
      await js.close();
    })();
    return closing;
  };
  t.after(close);
  return { port: a.port(h), ports: [a.port(h), js.address().port], active: () => (events.includes('closed') ? 0 : a.active(h)),
    handoffs: () => events.filter((e) => e === 'handoff').length, relays: () => open.size, close };
}
