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

/** Returns the path part of a request target (before `?`). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Tells whether a readonly proxy forwards this request. */
export function readonlyAllows(method: string, path: string): boolean {
  const m = V3.exec(path);
  if (m) return (method === 'POST' || method === 'GET') && READONLY_V3_ALLOW.has(m[1] as string);
  return method === 'GET';
}

/** Tells whether a request is a watch that may stay open and idle indefinitely. */
export function isWatch(path: string, url: string): boolean {
  if (path.startsWith('/v2/keys')) return /[?&]wait=true(?:&|$)/.test(url);
  const m = V3.exec(path);
  return m !== null && m[1] === 'watch';
}

/** Tells whether a response to this request is a member list whose client URLs the proxy rewrites. */
export function isMemberList(method: string, path: string): boolean {
  if (method === 'GET') return path === '/v2/members' || path === '/v2/members/' || path === '/v2/members/leader';
  if (method !== 'POST') return false;
  const m = V3.exec(path);
  return m !== null && m[1] === 'cluster/member/list';
}
