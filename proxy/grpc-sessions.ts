// HTTP/2 client sessions to the members (ours): one session per member URL, another one when every open session
// is at the member's concurrent-stream limit; a session idle (no open stream) for IDLE_MS is closed (so is the
// session of a member that left the cluster, once its streams are done). Sessions to
// https members use the proxy's upstream TLS settings (ALPN h2).
import http2 from 'node:http2';
import net from 'node:net';
import type { ClientTlsOptions } from '../core/tls.js';

const IDLE_MS = 60_000;

interface Entry {
  readonly session: http2.ClientHttp2Session;
  open: number;
}

/** Member sessions, by member client URL. */
export interface SessionPool {
  /** A session with room for one more stream; counts the stream until done() is called. */
  acquire(url: string): { session: http2.ClientHttp2Session; done: () => void };
  /** Destroys every session, busy ones included. */
  destroy(): void;
}

function maxStreams(s: http2.ClientHttp2Session): number {
  return s.remoteSettings.maxConcurrentStreams ?? 100;
}

/** Creates an empty pool. */
export function createSessionPool(opts: { tls: ClientTlsOptions | undefined; dialTimeoutMs: number }): SessionPool {
  const byUrl = new Map<string, Entry[]>();
  const forget = (url: string, e: Entry): void => {
    const list = byUrl.get(url);
    const i = list?.indexOf(e) ?? -1;
    if (list && i !== -1) list.splice(i, 1);
    if (list?.length === 0) byUrl.delete(url);
  };
  const connect = (url: string): Entry => {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const tlsOpts = u.protocol === 'https:' ? { ...(opts.tls ?? { rejectUnauthorized: true }), ...(net.isIP(host) ? {} : { servername: host }) } : {};
    const session = http2.connect(url, { ...tlsOpts, peerMaxConcurrentStreams: 1000 });
    const e: Entry = { session, open: 0 };
    const timer = setTimeout(() => session.destroy(Object.assign(new Error(`dial timeout after ${opts.dialTimeoutMs}ms`), { code: 'ETIMEDOUT' })), opts.dialTimeoutMs);
    session.once('connect', () => clearTimeout(timer));
    session.on('error', () => undefined);
    session.once('close', () => { clearTimeout(timer); forget(url, e); });
    session.once('goaway', () => forget(url, e));
    session.setTimeout(IDLE_MS, () => { if (e.open === 0) session.close(); });
    const list = byUrl.get(url) ?? [];
    list.push(e);
    byUrl.set(url, list);
    return e;
  };
  return {
    acquire(url) {
      const list = byUrl.get(url) ?? [];
      let e = list.find((x) => !x.session.closed && !x.session.destroyed && x.open < maxStreams(x.session));
      e ??= connect(url);
      const entry = e;
      entry.open++;
      let released = false;
      return { session: entry.session, done: () => { if (!released) { released = true; entry.open--; } } };
    },
    destroy() {
      for (const list of byUrl.values()) for (const e of [...list]) e.session.destroy();
      byUrl.clear();
    },
  };
}
