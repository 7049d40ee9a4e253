// One v3 watch through the JSON gateway (POST /v3/watch, a stream of JSON lines), used for v2-style long polls:
// it reports the store revision once the watch exists, then resolves with the first event a filter accepts.
import http from 'node:http';
import https from 'node:https';
import { b64 } from '../etcd/index.js';
import { EdgeError } from '../core/errors.js';
import { sleep } from '../core/lifecycle.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { b64End, prefixEnd } from './store.js';
import type { Store, StoreKv } from './store.js';

/** A store event. */
export interface StoreEvent {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: StoreKv;
  readonly prevKv: StoreKv | undefined;
}

/** How a wait ended: with an event, or because the history before `compactRevision` is gone. */
export type WaitResult =
  | { readonly kind: 'event'; readonly event: StoreEvent }
  | { readonly kind: 'compacted'; readonly compactRevision: number; readonly revision: number };

/** What to wait for. */
export interface WaitOptions {
  readonly key: string;
  readonly prefix: boolean;
  /** The first revision of interest (v2 waitIndex); events at it or later count, also past ones. */
  readonly startRevision: number;
  /** Events this returns false for are skipped (hidden keys). */
  readonly accept: (e: StoreEvent) => boolean;
  /** Called once with the store revision when the watch is in place. */
  readonly onCreated: (revision: number) => void;
  readonly signal: AbortSignal;
}

function kvOf(raw: Record<string, unknown> | undefined): StoreKv | undefined {
  if (!raw) return undefined;
  return {
    key: Buffer.from(String(raw.key ?? ''), 'base64').toString('utf8'),
    value: Buffer.from(String(raw.value ?? ''), 'base64').toString('utf8'),
    createRevision: Number(raw.create_revision ?? 0), modRevision: Number(raw.mod_revision ?? 0),
  };
}

async function* lines(endpoint: string, body: string, tls: ClientTlsOptions | undefined, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
  const u = new URL(endpoint.replace(/\/$/, '') + '/v3/watch');
  const mod = u.protocol === 'https:' ? https : http;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = mod.request(u, { method: 'POST', agent: false, signal, headers: { 'content-type': 'application/json' }, ...(u.protocol === 'https:' ? tls ?? {} : {}) }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  if (res.statusCode !== 200) { res.resume(); throw new Error(`watch on ${endpoint}: status ${res.statusCode ?? 0}`); }
  let buf = '';
  for await (const chunk of res) {
    buf += (chunk as Buffer).toString('utf8');
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line !== '') yield JSON.parse(line) as Record<string, unknown>;
    }
  }
  throw new Error(`watch on ${endpoint}: stream ended`);
}

async function watchOnce(endpoint: string, tls: ClientTlsOptions | undefined, o: WaitOptions, from: { rev: number; created: boolean }): Promise<WaitResult> {
  const create: Record<string, unknown> = { key: b64(o.key), start_revision: String(from.rev), prev_kv: true };
  if (o.prefix) create.range_end = b64End(prefixEnd(o.key));
  for await (const msg of lines(endpoint, JSON.stringify({ create_request: create }), tls, o.signal)) {
    const r = (msg.result ?? {}) as Record<string, unknown>;
    const revision = Number((r.header as { revision?: string } | undefined)?.revision ?? 0);
    if (r.canceled === true) {
      const compactRevision = Number(r.compact_revision ?? 0);
      if (compactRevision > 0) return { kind: 'compacted', compactRevision, revision };
      throw new Error(`watch on ${endpoint} was cancelled: ${String(r.cancel_reason ?? 'no reason given')}`);
    }
    if (r.created === true && !from.created) { from.created = true; o.onCreated(revision); }
    for (const raw of (r.events as Record<string, unknown>[] | undefined) ?? []) {
      const kv = kvOf(raw.kv as Record<string, unknown>) as StoreKv;
      const event: StoreEvent = { type: raw.type === 'DELETE' ? 'DELETE' : 'PUT', kv, prevKv: kvOf(raw.prev_kv as Record<string, unknown> | undefined) };
      // A retry after a broken stream resumes after the last event seen, so nothing is reported twice or lost.
      from.rev = kv.modRevision + 1;
      if (o.accept(event)) return { kind: 'event', event };
    }
  }
  throw new Error('unreachable');
}

/** Waits for the first accepted event at or after startRevision, failing over between store members. */
export async function waitForEvent(store: Store, o: WaitOptions): Promise<WaitResult> {
  const from = { rev: o.startRevision, created: false };
  let last: unknown;
  const attempts = Math.max(3, store.endpoints().length * 2);
  for (let i = 0; i < attempts; i++) {
    const ep = store.endpoints()[i % store.endpoints().length] as string;
    try {
      return await watchOnce(ep, store.tls, o, from);
    } catch (err) {
      if (o.signal.aborted) throw new EdgeError('EDGE_ABORTED', 'wait cancelled', { cause: err });
      last = err;
      await sleep(200 * (i + 1), o.signal).catch(() => undefined);
    }
  }
  throw new EdgeError('EDGE_ETCD_REQUEST', `watching the store failed: ${(last as Error).message}`, {
    hint: 'check that the store cluster (--endpoints) is up and healthy', cause: last,
  });
}
