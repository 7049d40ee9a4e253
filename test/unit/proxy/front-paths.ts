// The proxy's two HTTP/1.1 data paths for the parity and stress tests: a createProxy with `--data-path js`
// (node:http) or `--data-path native` (the native front, handing the rest to node:http), its addon wrapped so the
// tests can count hand-offs and read the connections the front holds. PROXY_FRONT_ADDON: another build of the addon
// (scripts/asan-gateway.sh); PROXY_FRONT_PATHS=native runs only the native path where a test loops over both.
import type { TestContext } from 'node:test';
import { loadFront } from '../../../proxy/native-front.js';
import type { FrontAddon } from '../../../proxy/native-front.js';
import { startProxy } from './fakes.js';

export type PathName = 'js' | 'native';

/** The data paths to test: both, or those PROXY_FRONT_PATHS names. */
export const FRONT_PATHS: readonly PathName[] = (process.env['PROXY_FRONT_PATHS'] ?? 'js,native').split(',').filter((p): p is PathName => p === 'js' || p === 'native');

/** The Via token of a proxy, replaced by `etcd-edge-TOKEN` before comparing. */
export const VIA_TOKEN = /etcd-edge-[0-9a-f]{12}/g;

/** A running proxy on one data path. */
export interface Front {
  readonly port: number;
  /** Its listener ports, replaced before comparing. */
  readonly ports: readonly number[];
  /** Client connections the native front holds now (0 on the js path). */
  active(): number;
  /** Connections the native front handed to node:http so far (undefined on the js path). */
  handoffs(): number | undefined;
  close(): Promise<void>;
}

/** The addon with create() and join() watched: the fronts it made, and their hand-offs. */
function watched(): { load: () => FrontAddon | string; handles: Set<object>; handoffs: () => number } {
  const handles = new Set<object>();
  let handoffs = 0;
  const load = (): FrontAddon | string => {
    const a = loadFront();
    if (typeof a === 'string') return a;
    return {
      ...a,
      create: (opts, onEvent) => {
        const h = a.create(opts, (type, fd, data, detail, num) => { if (type === 'handoff') handoffs++; onEvent(type, fd, data, detail, num); });
        handles.add(h);
        return h;
      },
      join: (h) => { handles.delete(h); a.join(h); },
      active: (h) => a.active(h), port: (h) => a.port(h), setEndpoints: (h, e) => a.setEndpoints(h, e), setOthers: (h, n) => a.setOthers(h, n),
      stats: (h) => a.stats(h), close: (h, ms) => a.close(h, ms),
    };
  };
  return { load, handles, handoffs: () => handoffs };
}

/** Starts a proxy on `path` in front of the members (urls), with extra proxy flags (e.g. --proxy readonly). */
export async function startFront(t: TestContext, path: PathName, members: string | readonly string[], extra: readonly string[] = []): Promise<Front> {
  const urls = typeof members === 'string' ? [members] : members;
  const w = watched();
  const raw = loadFront();
  const p = await startProxy(t, () => urls, [...extra, '--data-path', path], { loadFront: w.load });
  if (path === 'native') {
    if (typeof raw === 'string') throw new Error(`the native front cannot load: ${raw}`);
    if (w.handles.size === 0) throw new Error('--data-path native started no native front');
  }
  return {
    port: p.address().port, ports: [p.address().port],
    active: () => [...w.handles].reduce((n, h) => n + (typeof raw === 'string' ? 0 : raw.active(h)), 0),
    handoffs: () => (path === 'native' ? w.handoffs() : undefined),
    close: () => p.close(),
  };
}
