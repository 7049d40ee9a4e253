// What a request path means to the proxy: readonly rules (etcd's NewReadonlyHandler for v2: GET only; for the
// POST-only v3 JSON gateway: a path allowlist), watch paths (no idle timeout) and member lists (URL rewriting).

const V3 = /^\/v3(?:alpha|beta)?\/(.+)$/;

/** The v3 JSON gateway paths (after /v3/) a readonly proxy forwards; everything else under /v3 gets 501. */
export const READONLY_V3_ALLOW: ReadonlySet<string> = new Set([
  'kv/range',
  'watch',
  'maintenance/status',
  'cluster/member/list',
]);

/** What one request target means to the handler, worked out once per request. */
export interface Route {
  /** The path part of the request target (before `?`). */
  readonly path: string;
  /** Whether a readonly proxy forwards this request. */
  readonly readonlyOk: boolean;
  /** Whether this request is a watch that may stay open and idle indefinitely. */
  readonly watch: boolean;
  /** Whether a response to this request is a member list whose client URLs the proxy rewrites. */
  readonly memberList: boolean;
}

/** Returns the path part of a request target (before `?`). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

// The part of a /v3 gateway path after the version, or undefined for any other path. The prefix test keeps the
// regex off the v2 paths, which are most of the traffic.
function v3Rest(path: string): string | undefined {
  if (!path.startsWith('/v3')) return undefined;
  const m = V3.exec(path);
  return m === null ? undefined : m[1] as string;
}

function readonlyOk(method: string, v3: string | undefined): boolean {
  if (v3 !== undefined) return (method === 'POST' || method === 'GET') && READONLY_V3_ALLOW.has(v3);
  return method === 'GET';
}

function watchOf(path: string, url: string, v3: string | undefined): boolean {
  if (path.startsWith('/v2/keys')) return /[?&]wait=true(?:&|$)/.test(url);
  return v3 === 'watch';
}

function memberListOf(method: string, path: string, v3: string | undefined): boolean {
  if (method === 'GET') return path === '/v2/members' || path === '/v2/members/' || path === '/v2/members/leader';
  return method === 'POST' && v3 === 'cluster/member/list';
}

/** Classifies a request target (which starts with `/`) for the handler, matching the v3 path once. */
export function classify(method: string, url: string): Route {
  const path = pathOf(url);
  const v3 = v3Rest(path);
  return { path, readonlyOk: readonlyOk(method, v3), watch: watchOf(path, url, v3), memberList: memberListOf(method, path, v3) };
}

/** Tells whether a readonly proxy forwards this request. */
export function readonlyAllows(method: string, path: string): boolean {
  return readonlyOk(method, v3Rest(path));
}

/** Tells whether a request is a watch that may stay open and idle indefinitely. */
export function isWatch(path: string, url: string): boolean {
  return watchOf(path, url, v3Rest(path));
}

/** Tells whether a response to this request is a member list whose client URLs the proxy rewrites. */
export function isMemberList(method: string, path: string): boolean {
  return memberListOf(method, path, v3Rest(path));
}
