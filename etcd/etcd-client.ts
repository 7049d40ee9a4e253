// A thin typed client for the etcd calls the edge needs, over the v3 JSON gateway (POST /v3/...) and the peer
// /members endpoint. uint64 IDs stay lossless: the JSON gateway sends them as strings, and /members' bare numbers
// are quoted before parsing. IDs are returned as lowercase unpadded hex, as etcdctl prints them.
import { EdgeError } from '../core/errors.js';
import { httpRequest } from '../core/http-client.js';
import type { ClientTlsOptions } from '../core/tls.js';

/** Options shared by every call. */
export interface EtcdCallOptions {
  readonly tls?: ClientTlsOptions;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** One member as the member list reports it. */
export interface EtcdMember {
  readonly id: string;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
  readonly isLearner: boolean;
}

/** One endpoint's status (etcdctl endpoint status). */
export interface EndpointStatus {
  readonly memberId: string;
  readonly clusterId: string;
  readonly version: string;
  readonly dbSize: number;
  readonly leader: string;
  readonly raftTerm: number;
  readonly raftIndex: number;
  readonly raftAppliedIndex?: number;
  readonly isLearner?: boolean;
  /** Alarm and other errors the member reports (etcdctl's ERRORS column). */
  readonly errors?: readonly string[];
}

/** Converts a decimal uint64 (string or bigint) to etcd's hex form. */
export function decToHex(dec: string | number | bigint | undefined): string {
  if (dec === undefined || dec === '') return '0';
  return BigInt(dec).toString(16);
}

/** Converts etcd's hex member ID to the decimal string the JSON gateway takes. */
export function hexToDec(hex: string): string {
  if (!/^[0-9a-f]{1,16}$/i.test(hex)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `bad member ID ${JSON.stringify(hex)}`, { hint: 'pass the ID in hex, as etcdctl member list prints it' });
  }
  return BigInt('0x' + hex).toString(10);
}

/** Calls POST <endpoint><path> with a JSON body and returns the parsed JSON, or throws EDGE_ETCD_REQUEST. */
export async function v3Call(endpoint: string, path: string, body: unknown, opts: EtcdCallOptions = {}): Promise<Record<string, unknown>> {
  const url = endpoint.replace(/\/$/, '') + path;
  let res;
  try {
    res = await httpRequest(url, {
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' },
      timeoutMs: opts.timeoutMs ?? 5000, ...(opts.tls ? { tls: opts.tls } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (cause) {
    throw new EdgeError('EDGE_ETCD_REQUEST', `${path} on ${JSON.stringify(endpoint)}: ${(cause as Error).message}`, { cause });
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(res.body) as Record<string, unknown>;
  } catch (cause) {
    throw new EdgeError('EDGE_ETCD_REQUEST', `${path} on ${JSON.stringify(endpoint)}: status ${res.status}, not JSON: ${JSON.stringify(res.body.slice(0, 120))}`, { cause });
  }
  if (res.status !== 200) {
    const msg = typeof json.message === 'string' ? json.message : typeof json.error === 'string' ? json.error : res.body.slice(0, 200);
    throw new EdgeError('EDGE_ETCD_REQUEST', `${path} on ${JSON.stringify(endpoint)}: ${msg}`);
  }
  return json;
}

/** Converts a member as the JSON gateway or /members sends it (decimal IDs, omitted empty fields) to an EtcdMember. */
export function memberFromJson(m: Record<string, unknown>): EtcdMember {
  return {
    id: decToHex(m.ID as string | undefined ?? m.id as string | undefined),
    name: typeof m.name === 'string' ? m.name : '',
    peerURLs: Array.isArray(m.peerURLs) ? (m.peerURLs as string[]) : [],
    clientURLs: Array.isArray(m.clientURLs) ? (m.clientURLs as string[]) : [],
    isLearner: m.isLearner === true,
  };
}

/** Lists the members through a client URL (POST /v3/cluster/member/list). */
export async function memberList(endpoint: string, opts: EtcdCallOptions = {}): Promise<EtcdMember[]> {
  const json = await v3Call(endpoint, '/v3/cluster/member/list', {}, opts);
  return ((json.members as Record<string, unknown>[] | undefined) ?? []).map(memberFromJson);
}

/** Adds a member (optionally as a learner) and returns it with the full list after the add. */
export async function memberAdd(endpoint: string, peerURLs: readonly string[], isLearner: boolean, opts: EtcdCallOptions = {}):
Promise<{ member: EtcdMember; members: EtcdMember[] }> {
  const json = await v3Call(endpoint, '/v3/cluster/member/add', { peerURLs, isLearner }, opts);
  return {
    member: memberFromJson(json.member as Record<string, unknown>),
    members: ((json.members as Record<string, unknown>[] | undefined) ?? []).map(memberFromJson),
  };
}

/** Removes a member by hex ID. */
export async function memberRemove(endpoint: string, idHex: string, opts: EtcdCallOptions = {}): Promise<void> {
  await v3Call(endpoint, '/v3/cluster/member/remove', { ID: hexToDec(idHex) }, opts);
}

/** Reads one endpoint's status (POST /v3/maintenance/status). */
export async function endpointStatus(endpoint: string, opts: EtcdCallOptions = {}): Promise<EndpointStatus> {
  const j = await v3Call(endpoint, '/v3/maintenance/status', {}, opts);
  const h = (j.header ?? {}) as Record<string, string | undefined>;
  return {
    memberId: decToHex(h.member_id), clusterId: decToHex(h.cluster_id), version: String(j.version ?? ''),
    dbSize: Number(j.dbSize ?? 0), leader: decToHex(j.leader as string | undefined),
    raftTerm: Number(j.raftTerm ?? 0), raftIndex: Number(j.raftIndex ?? 0), raftAppliedIndex: Number(j.raftAppliedIndex ?? 0),
    isLearner: j.isLearner === true, errors: Array.isArray(j.errors) ? j.errors.map(String) : [],
  };
}

/** Asks the leader to hand leadership to the member with the given hex ID. */
export async function moveLeader(endpoint: string, targetHex: string, opts: EtcdCallOptions = {}): Promise<void> {
  await v3Call(endpoint, '/v3/maintenance/transfer-leadership', { targetID: hexToDec(targetHex) }, opts);
}

/** Checks GET <endpoint>/health; resolves true only for {"health":"true"}. */
export async function isHealthy(endpoint: string, opts: EtcdCallOptions = {}): Promise<boolean> {
  try {
    const res = await httpRequest(endpoint.replace(/\/$/, '') + '/health', {
      timeoutMs: opts.timeoutMs ?? 2000, ...(opts.tls ? { tls: opts.tls } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return res.status === 200 && /"health"\s*:\s*"?true"?/.test(res.body);
  } catch {
    return false;
  }
}

/** Writes a key through the JSON gateway. */
export async function kvPut(endpoint: string, key: string, value: string, opts: EtcdCallOptions = {}): Promise<void> {
  await v3Call(endpoint, '/v3/kv/put', { key: b64(key), value: b64(value) }, opts);
}

/** Reads one key through the JSON gateway; undefined when absent. */
export async function kvGet(endpoint: string, key: string, opts: EtcdCallOptions = {}): Promise<string | undefined> {
  const j = await v3Call(endpoint, '/v3/kv/range', { key: b64(key) }, opts);
  const kvs = j.kvs as { value?: string }[] | undefined;
  const v = kvs?.[0]?.value;
  return v === undefined ? (kvs?.[0] ? '' : undefined) : Buffer.from(v, 'base64').toString('utf8');
}

/** Encodes a string as base64, as the JSON gateway wants keys and values. */
export function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Parses a peer /members body (bare numeric uint64 ids) losslessly into members. */
export function parsePeerMembers(body: string): EtcdMember[] {
  const quoted = body.replace(/"id"\s*:\s*(\d+)/g, '"id":"$1"');
  const arr = JSON.parse(quoted) as unknown;
  if (!Array.isArray(arr)) throw new Error('peer /members did not return a JSON array');
  return (arr as Record<string, unknown>[]).map(memberFromJson);
}

/** Fetches GET <peerURL>/members from the first peer that answers (etcd's GetClusterFromRemotePeers). */
export async function peerMembers(peerURLs: readonly string[], opts: EtcdCallOptions = {}): Promise<EtcdMember[]> {
  const errors: string[] = [];
  for (const p of peerURLs) {
    try {
      const res = await httpRequest(p.replace(/\/$/, '') + '/members', {
        timeoutMs: opts.timeoutMs ?? 10_000, ...(opts.tls ? { tls: opts.tls } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (res.status !== 200) { errors.push(`${p}: status ${res.status}`); continue; }
      const members = parsePeerMembers(res.body);
      if (members.length > 0) return members;
      errors.push(`${p}: no members`);
    } catch (err) {
      errors.push(`${p}: ${(err as Error).message}`);
    }
  }
  throw new EdgeError('EDGE_NO_ENDPOINTS', `could not retrieve cluster information from the given URLs (${errors.join('; ')})`, {
    hint: 'check that the peer URLs are right and at least one member is up',
  });
}
