// etcd's --initial-cluster value (embed/config.go, types.NewURLsMap): `name=url,name=url`, where a name may repeat
// to give one member several peer URLs. One parser for the topology check (cluster/) and the proxy's peers (proxy/).
import { EdgeError } from '../core/errors.js';
import type { EdgeErrorCode } from '../core/errors.js';
import { parseEtcdUrl } from '../core/net.js';

/** How a caller reports a malformed entry: its error code, the message for the entry, the hint, and where URL errors point. */
export interface InitialClusterErrors {
  readonly code: EdgeErrorCode;
  readonly message: (entry: string) => string;
  readonly hint: string;
  /** Names the value in URL errors, e.g. `--initial-cluster`. */
  readonly where: string;
}

/** One `name=url` entry of an initial cluster. */
export interface InitialClusterEntry {
  readonly name: string;
  readonly url: string;
}

/** Parses `name=url,...` into its entries as written, in order; throws the caller's error on a malformed entry. */
export function parseInitialCluster(value: string, errors: InitialClusterErrors): InitialClusterEntry[] {
  const out: InitialClusterEntry[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new EdgeError(errors.code, errors.message(part), { hint: errors.hint });
    const url = part.slice(eq + 1);
    parseEtcdUrl(url, errors.where);
    out.push({ name: part.slice(0, eq), url });
  }
  return out;
}

/** Groups initial-cluster entries into name → peer URLs, in order. */
export function peerUrlsByName(entries: readonly InitialClusterEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) out.set(e.name, [...(out.get(e.name) ?? []), e.url]);
  return out;
}

/** Returns the distinct peer URLs (`scheme://host:port`) of initial-cluster entries, in order. */
export function initialClusterUrls(entries: readonly InitialClusterEntry[]): string[] {
  const urls: string[] = [];
  for (const e of entries) {
    const u = new URL(e.url);
    const s = `${u.protocol}//${u.host}`;
    if (!urls.includes(s)) urls.push(s);
  }
  return urls;
}
