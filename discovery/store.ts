// The durable store behind the discovery service: any etcd cluster reached through its v3 JSON gateway
// (POST /v3/kv/range and /v3/kv/txn), with fail-over between the given client URLs.
import { b64, v3Call } from '../etcd/index.js';
import { EdgeError, isEdgeError } from '../core/errors.js';
import type { ClientTlsOptions } from '../core/tls.js';

/** One key-value as the JSON gateway returns it, decoded. */
export interface StoreKv {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
}

/** A compare of a txn: the key's mod_revision equals `modRevision` (0 = the key is absent). */
export interface StoreCompare { readonly key: string; readonly modRevision: number }

/** A write of a txn. */
export type StoreOp = { readonly put: string; readonly value: string } | { readonly del: string };

/** How the store is reached. */
export interface StoreOptions {
  readonly endpoints: readonly string[];
  readonly tls?: ClientTlsOptions;
  readonly timeoutMs: number;
}

/** The store operations the discovery service needs. */
export interface Store {
  /** Reads one key, or every key under a prefix; `revision` is the store's revision at the read. */
  get(key: string, opts?: { prefix?: boolean }): Promise<{ revision: number; kvs: StoreKv[] }>;
  /** Reads several keys in one consistent snapshot. */
  getMany(keys: readonly string[]): Promise<{ revision: number; kvs: (StoreKv | undefined)[] }>;
  /** Applies ops if every compare holds; `revision` is the revision after the txn. */
  txn(compares: readonly StoreCompare[], ops: readonly StoreOp[]): Promise<{ succeeded: boolean; revision: number }>;
  /** The endpoints in the order to try them (the last one that worked first). */
  endpoints(): readonly string[];
  readonly tls: ClientTlsOptions | undefined;
}

/** Returns the key that ends a prefix range (etcd's clientv3.GetPrefixRangeEnd). */
export function prefixEnd(prefix: string): string {
  const b = Buffer.from(prefix, 'utf8');
  for (let i = b.length - 1; i >= 0; i--) {
    if ((b[i] ?? 0) < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] = (out[i] ?? 0) + 1;
      return out.toString('latin1');
    }
  }
  return '\0';
}

/** Encodes a range end (which may not be valid UTF-8) as base64. */
export function b64End(end: string): string {
  return Buffer.from(end, 'latin1').toString('base64');
}

function toKv(raw: Record<string, unknown>): StoreKv {
  return {
    key: Buffer.from(String(raw.key ?? ''), 'base64').toString('utf8'),
    value: Buffer.from(String(raw.value ?? ''), 'base64').toString('utf8'),
    createRevision: Number(raw.create_revision ?? 0),
    modRevision: Number(raw.mod_revision ?? 0),
  };
}

function revisionOf(j: Record<string, unknown>): number {
  return Number((j.header as { revision?: string } | undefined)?.revision ?? 0);
}

function rangeBody(key: string, prefix: boolean): Record<string, string> {
  return prefix ? { key: b64(key), range_end: b64End(prefixEnd(key)) } : { key: b64(key) };
}

/** Creates a store client over the given etcd client URLs. */
export function createStore(opts: StoreOptions): Store {
  if (opts.endpoints.length === 0) throw new EdgeError('EDGE_NO_ENDPOINTS', 'no store endpoints', { hint: 'pass --endpoints with the client URLs of an etcd cluster' });
  let order = [...opts.endpoints];
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    let last: unknown;
    for (const ep of [...order]) {
      try {
        const j = await v3Call(ep, path, body, { timeoutMs: opts.timeoutMs, ...(opts.tls ? { tls: opts.tls } : {}) });
        if (order[0] !== ep) order = [ep, ...order.filter((x) => x !== ep)];
        return j;
      } catch (err) {
        last = err;
        // Only connection-level failures move on to the next member; an answer from etcd is final.
        if (!isEdgeError(err) || (err as Error).cause === undefined) break;
      }
    }
    throw new EdgeError('EDGE_ETCD_REQUEST', `store request failed: ${(last as Error).message}`, {
      hint: 'check that the store cluster (--endpoints) is up and healthy', cause: last,
    });
  };
  return {
    tls: opts.tls,
    endpoints: () => order,
    async get(key, o = {}) {
      const j = await call('/v3/kv/range', rangeBody(key, o.prefix === true));
      return { revision: revisionOf(j), kvs: ((j.kvs as Record<string, unknown>[] | undefined) ?? []).map(toKv) };
    },
    async getMany(keys) {
      const j = await call('/v3/kv/txn', { success: keys.map((k) => ({ request_range: rangeBody(k, false) })) });
      const responses = (j.responses as { response_range?: { kvs?: Record<string, unknown>[] } }[] | undefined) ?? [];
      return { revision: revisionOf(j), kvs: keys.map((_k, i) => { const kv = responses[i]?.response_range?.kvs?.[0]; return kv ? toKv(kv) : undefined; }) };
    },
    async txn(compares, ops) {
      const j = await call('/v3/kv/txn', {
        compare: compares.map((c) => ({ key: b64(c.key), target: 'MOD', result: 'EQUAL', mod_revision: String(c.modRevision) })),
        success: ops.map((o) => ('put' in o ? { request_put: { key: b64(o.put), value: b64(o.value) } } : { request_delete_range: { key: b64(o.del) } })),
      });
      return { succeeded: j.succeeded === true, revision: revisionOf(j) };
    },
  };
}
