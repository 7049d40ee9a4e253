// The client side of etcd's v2 discovery (etcdserver/api/v2discovery/discovery.go GetCluster): read a token's
// size and registrations, optionally wait until the cluster is full, with clear errors instead of raw v2 ones.
import { EdgeError } from '../core/errors.js';
import { httpRequest } from '../core/http-client.js';
import type { HttpResponse } from '../core/http-client.js';
import { sleep } from '../core/lifecycle.js';
import { backoffDelay } from '../host/backoff.js';
import type { ClientTlsOptions } from '../core/tls.js';

/** Options of getDiscoveryCluster. */
export interface DiscoveryClientOptions {
  readonly tls?: ClientTlsOptions;
  /** Timeout of each non-watch request (etcd: 5 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Long-poll until `size` members have registered (etcd's proxy behaviour); otherwise return what exists. */
  readonly waitFull?: boolean;
}

/** One registered member: its key's base name (the member ID in hex), its name and peer URLs. */
export interface DiscoveryMember {
  readonly id: string;
  readonly name: string;
  readonly peerURLs: string[];
}

/** A token's state: the expected size and the first `size` registrations in createdIndex order. */
export interface DiscoveryCluster {
  readonly size: number;
  readonly members: DiscoveryMember[];
}

interface V2Node { key?: unknown; value?: unknown; dir?: unknown; nodes?: unknown; createdIndex?: unknown; modifiedIndex?: unknown }

const WAIT_IDLE_MS = 60_000;
const MAX_BACKOFF_MS = 8000;

/** Reads a discovery token (service style `<host>/<token>` or custom etcd `.../v2/keys/discovery/<token>`). */
export async function getDiscoveryCluster(tokenUrl: string, opts: DiscoveryClientOptions = {}): Promise<DiscoveryCluster> {
  const base = tokenBase(tokenUrl);
  const size = await readSize(base, tokenUrl, opts);
  let list = await listNodes(base, tokenUrl, opts);
  let failures = 0;
  while (opts.waitFull === true && list.nodes.length < size) {
    try {
      // Re-listing after each event (rather than appending the event as etcd does) also handles deletions.
      await waitChange(base, tokenUrl, list.index + 1, opts);
      list = await listNodes(base, tokenUrl, opts);
      failures = 0;
    } catch (err) {
      if ((err as EdgeError).code !== 'EDGE_DISCOVERY' || !(err as { transient?: boolean }).transient) throw err;
      // Connection-level errors while waiting are retried with backoff, as etcd's discovery does.
      await sleep(backoffDelay(failures++, { initialMs: 500, maxMs: MAX_BACKOFF_MS }), opts.signal);
    }
  }
  const members = list.nodes.slice(0, size).map((n) => toMember(n, tokenUrl));
  checkDuplicateUrls(members, tokenUrl);
  return { size, members };
}

function tokenBase(tokenUrl: string): string {
  let u: URL;
  try {
    u = new URL(tokenUrl);
  } catch (cause) {
    throw new EdgeError('EDGE_DISCOVERY', `invalid discovery URL ${JSON.stringify(tokenUrl)}`, { hint: 'pass the token URL printed by etcd-edge discovery new', cause });
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname.replace(/\/+$/, '') === '') {
    throw new EdgeError('EDGE_DISCOVERY', `invalid discovery URL ${JSON.stringify(tokenUrl)}`, {
      hint: 'write it as http(s)://host/<token> or http(s)://host:2379/v2/keys/discovery/<token>',
    });
  }
  return u.origin + u.pathname.replace(/\/+$/, '');
}

async function get(url: string, tokenUrl: string, opts: DiscoveryClientOptions, timeoutMs: number): Promise<HttpResponse> {
  try {
    return await httpRequest(url, { timeoutMs, ...(opts.tls ? { tls: opts.tls } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (cause) {
    if (opts.signal?.aborted) throw new EdgeError('EDGE_ABORTED', 'discovery was cancelled', { cause });
    const detail = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    const err = new EdgeError('EDGE_DISCOVERY', `discovery service for ${JSON.stringify(tokenUrl)} is unreachable: ${detail}`, {
      hint: 'check the discovery URL and that the service (etcd-edge discovery serve, or the etcd cluster holding the token) is running', cause,
    });
    Object.defineProperty(err, 'transient', { value: true });
    throw err;
  }
}

function notEtcd(tokenUrl: string, res: HttpResponse): EdgeError {
  return new EdgeError('EDGE_DISCOVERY',
    `${JSON.stringify(tokenUrl)} did not answer like an etcd discovery service (status ${res.status}, body ${JSON.stringify(res.body.slice(0, 100))})`,
    { hint: 'check the URL: it must be a token URL of a discovery service or of an etcd v2 keys API (members need --enable-v2)' });
}

function parseBody(tokenUrl: string, res: HttpResponse): { node?: V2Node; errorCode?: unknown; message?: unknown } {
  let j: unknown;
  try {
    j = JSON.parse(res.body);
  } catch {
    throw notEtcd(tokenUrl, res);
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) throw notEtcd(tokenUrl, res);
  const o = j as { node?: unknown; errorCode?: unknown };
  if (res.status === 200 || res.status === 201) {
    if (o.node === null || typeof o.node !== 'object') throw notEtcd(tokenUrl, res);
  } else if (typeof o.errorCode !== 'number') {
    throw notEtcd(tokenUrl, res);
  }
  return o as { node?: V2Node };
}

async function readSize(base: string, tokenUrl: string, opts: DiscoveryClientOptions): Promise<number> {
  const res = await get(`${base}/_config/size`, tokenUrl, opts, opts.timeoutMs ?? 5000);
  const body = parseBody(tokenUrl, res);
  if (body.errorCode === 100) {
    throw new EdgeError('EDGE_DISCOVERY', `the token has no size: ${JSON.stringify(tokenUrl)} has no _config/size key`, {
      hint: 'create it with etcd-edge discovery new --size N (add --endpoints URL for a token on your own etcd cluster)',
    });
  }
  if (body.errorCode !== undefined) {
    throw new EdgeError('EDGE_DISCOVERY', `reading the size of ${JSON.stringify(tokenUrl)} failed: ${String(body.errorCode)}: ${String(body.message)}`, {
      hint: 'check the discovery service logs',
    });
  }
  const raw = body.node?.value;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new EdgeError('EDGE_DISCOVERY', `discovery token ${JSON.stringify(tokenUrl)} has a bad size ${JSON.stringify(raw)}`, {
      hint: 'the _config/size key must hold an unsigned decimal; create a new token with etcd-edge discovery new --size N',
    });
  }
  return Number(raw);
}

async function listNodes(base: string, tokenUrl: string, opts: DiscoveryClientOptions): Promise<{ nodes: V2Node[]; index: number }> {
  const res = await get(`${base}?quorum=false&recursive=false&sorted=false`, tokenUrl, opts, opts.timeoutMs ?? 5000);
  const body = parseBody(tokenUrl, res);
  if (body.errorCode !== undefined || !body.node) {
    throw new EdgeError('EDGE_DISCOVERY', `listing ${JSON.stringify(tokenUrl)} failed: ${String(body.errorCode)}: ${String(body.message)}`, {
      hint: 'check that the token exists (etcd-edge discovery new creates it)',
    });
  }
  const all = Array.isArray(body.node.nodes) ? (body.node.nodes as V2Node[]) : [];
  const nodes = all
    .filter((n) => typeof n.key === 'string' && baseName(n.key) !== '_config')
    .sort((a, b) => Number(a.createdIndex ?? 0) - Number(b.createdIndex ?? 0));
  const index = Number(res.headers['x-etcd-index'] ?? NaN);
  if (!Number.isSafeInteger(index)) throw notEtcd(tokenUrl, res);
  return { nodes, index };
}

async function waitChange(base: string, tokenUrl: string, waitIndex: number, opts: DiscoveryClientOptions): Promise<void> {
  try {
    const res = await get(`${base}?recursive=true&wait=true&waitIndex=${waitIndex}`, tokenUrl, opts, WAIT_IDLE_MS);
    // 401 errorCode 401 "event index cleared": the window moved on; the caller's re-list covers it.
    if (res.status >= 500) throw Object.defineProperty(notEtcd(tokenUrl, res), 'transient', { value: true });
  } catch (err) {
    if (/timeout after/.test(String((err as Error).message))) return;
    throw err;
  }
}

function baseName(key: string): string {
  const parts = key.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

function toMember(n: V2Node, tokenUrl: string): DiscoveryMember {
  const id = baseName(String(n.key));
  const value = typeof n.value === 'string' ? n.value : '';
  const pairs = value.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    return eq <= 0 ? undefined : { name: p.slice(0, eq), url: p.slice(eq + 1) };
  });
  if (pairs.length === 0 || pairs.some((p) => p === undefined || !/^https?:\/\/[^/]+/.test(p.url))) {
    throw new EdgeError('EDGE_DISCOVERY', `discovery token ${JSON.stringify(tokenUrl)} holds a bad registration ${JSON.stringify(value)} under ${JSON.stringify(id)}`, {
      hint: 'registrations look like name=http://host:2380[,name=http://host2:2380]; generate a new token',
    });
  }
  const ok = pairs as { name: string; url: string }[];
  return { id, name: ok[0]?.name ?? '', peerURLs: ok.map((p) => p.url) };
}

function checkDuplicateUrls(members: readonly DiscoveryMember[], tokenUrl: string): void {
  const seen = new Set<string>();
  for (const u of members.flatMap((m) => m.peerURLs)) {
    if (seen.has(u)) {
      throw new EdgeError('EDGE_DISCOVERY', `discovery cluster of ${JSON.stringify(tokenUrl)} has duplicate url ${JSON.stringify(u)}`, {
        hint: 'two registrations share a peer URL; generate a new token and bootstrap again',
      });
    }
    seen.add(u);
  }
}
