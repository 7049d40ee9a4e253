// v2 long polls (`?wait=true&waitIndex=N`, with `recursive=true` on the token directory) served from v3 watches:
// the next event at index >= N is returned, including one that already happened, as etcd's v2 store does.
import type http from 'node:http';
import { isEdgeError } from '../core/errors.js';
import { errFields } from '../core/log.js';
import type { Logger } from '../core/log.js';
import type { DiscoveryMetrics } from './metrics.js';
import type { Store } from './store.js';
import { nodeOf } from './tokens.js';
import type { Tokens } from './tokens.js';
import { v2Error } from './v2.js';
import type { TokenKeys, V2Reply } from './v2.js';
import { waitForEvent } from './watch.js';
import type { StoreEvent } from './watch.js';

/** What a wait request asks for. */
export interface WaitRequest {
  readonly token: string;
  /** A registration key; undefined for the token directory. */
  readonly id: string | undefined;
  readonly recursive: boolean;
  readonly waitIndex: number | undefined;
}

/** What the wait handler needs from the service. */
export interface WaitContext {
  readonly store: Store;
  readonly tokens: Tokens;
  readonly metrics: DiscoveryMetrics;
  readonly log: Logger;
  /** Fires when the service closes: waits then drop their connections so clients retry elsewhere. */
  readonly closing: AbortSignal;
}

/** How long a wait may go without an event before the response headers are sent (etcd sends them at once). */
const HEADER_FLUSH_MS = 250;

/** Writes a v2 reply with etcd's headers. */
export function sendV2(res: http.ServerResponse, reply: V2Reply): void {
  res.writeHead(reply.status, { 'content-type': 'application/json', 'x-etcd-index': String(reply.index) });
  res.end(JSON.stringify(reply.body) + '\n');
}

/** Renders a store event as the v2 watch response etcd's client parses. */
export function eventBody(keys: TokenKeys, e: StoreEvent): Record<string, unknown> {
  const prev = e.prevKv ? { prevNode: nodeOf(keys, e.prevKv) } : {};
  if (e.type === 'DELETE') {
    return { action: 'delete', node: { key: keys.v2Key(e.kv.key), modifiedIndex: e.kv.modRevision, createdIndex: e.prevKv?.createRevision ?? e.kv.modRevision }, ...prev };
  }
  return { action: e.kv.createRevision === e.kv.modRevision ? 'create' : 'set', node: nodeOf(keys, e.kv), ...prev };
}

function target(keys: TokenKeys, w: WaitRequest): { key: string; prefix: boolean } {
  if (w.id !== undefined) return { key: keys.machine(w.token, w.id), prefix: false };
  // A non-recursive wait on a directory sees only events on the directory itself, which never happen here (as in v2).
  return w.recursive ? { key: keys.dir(w.token), prefix: true } : { key: keys.dir(w.token).replace(/\/$/, ''), prefix: false };
}

/** Serves one long poll; returns the status code for metrics (0 when the connection was dropped). */
export async function handleWait(ctx: WaitContext, req: http.IncomingMessage, res: http.ServerResponse, w: WaitRequest): Promise<number> {
  const ex = await ctx.tokens.exists(w.token);
  if (ex.missing) { sendV2(res, ex.missing); return ex.missing.status; }
  const ac = new AbortController();
  const abort = (): void => ac.abort();
  ctx.closing.addEventListener('abort', abort, { once: true });
  res.once('close', abort);
  let index = ex.revision;
  let flush: NodeJS.Timeout | undefined;
  const headers = (): Record<string, string> => ({ 'content-type': 'application/json', 'x-etcd-index': String(index) });
  ctx.metrics.waiting.inc();
  try {
    const keys = ctx.tokens.keys;
    const result = await waitForEvent(ctx.store, {
      ...target(keys, w),
      startRevision: w.waitIndex !== undefined && w.waitIndex > 0 ? w.waitIndex : ex.revision + 1,
      accept: (e) => w.id !== undefined || keys.visible(w.token, e.kv.key),
      onCreated: (rev) => {
        index = rev;
        flush = setTimeout(() => { if (!res.headersSent) { res.writeHead(200, headers()); res.flushHeaders(); } }, HEADER_FLUSH_MS);
      },
      signal: ac.signal,
    });
    clearTimeout(flush);
    if (result.kind === 'compacted') {
      if (res.headersSent) { res.destroy(); return 0; }
      sendV2(res, v2Error('eventIndexCleared', `the requested history has been cleared [${result.compactRevision}/${w.waitIndex ?? 0}]`, result.revision || index));
      return 400;
    }
    if (!res.headersSent) res.writeHead(200, headers());
    res.end(JSON.stringify(eventBody(keys, result.event)) + '\n');
    return 200;
  } catch (err) {
    clearTimeout(flush);
    if (ac.signal.aborted || res.headersSent) { res.destroy(); return 0; }
    if (!isEdgeError(err)) throw err;
    ctx.metrics.storeErrors.inc();
    ctx.log.warn({ ...errFields(err), remoteAddr: req.socket.remoteAddress }, 'wait failed: store unavailable');
    sendV2(res, v2Error('raftInternal', err.message, index));
    return 500;
  } finally {
    ctx.metrics.waiting.dec();
    ctx.closing.removeEventListener('abort', abort);
    res.off('close', abort);
  }
}
