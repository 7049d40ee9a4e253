// The membership calls over the v3 JSON API with endpoint failover: each call tries the endpoints in order until
// one answers; an answer from etcd itself (an `etcdserver: …` error) is final and not retried elsewhere.
import { EdgeError, isEdgeError } from '../core/errors.js';
import { decToHex, endpointStatus, hexToDec, isHealthy, memberFromJson, moveLeader, v3Call } from '../etcd/index.js';
import type { EndpointStatus, EtcdCallOptions, EtcdMember } from '../etcd/index.js';
import type { ClientTlsOptions } from '../core/tls.js';

/** A member list with the cluster ID it came with. */
export interface MemberListing {
  readonly clusterId: string;
  readonly members: readonly EtcdMember[];
}

/** The membership API of one cluster. */
export interface MembershipApi {
  /** The endpoints calls go to, in order. */
  endpoints(): readonly string[];
  /** Replaces the endpoints (e.g. with the members' client URLs once the list is known). */
  setEndpoints(eps: readonly string[]): void;
  list(): Promise<MemberListing>;
  add(peerURLs: readonly string[], isLearner: boolean): Promise<MemberListing & { member: EtcdMember }>;
  remove(idHex: string): Promise<MemberListing>;
  promote(idHex: string): Promise<MemberListing>;
  status(endpoint: string): Promise<EndpointStatus & { isLearner: boolean }>;
  healthy(endpoint: string): Promise<boolean>;
  /** Asks the leader (reached at leaderEndpoint) to hand leadership to targetHex. */
  moveLeader(leaderEndpoint: string, targetHex: string): Promise<void>;
}

/** Options of createMembershipApi. */
export interface MembershipApiOptions {
  readonly endpoints: readonly string[];
  readonly tls?: ClientTlsOptions;
  readonly timeoutMs: number;
}

function listing(j: Record<string, unknown>): MemberListing {
  const h = (j.header ?? {}) as Record<string, string | undefined>;
  return { clusterId: decToHex(h.cluster_id), members: ((j.members as Record<string, unknown>[] | undefined) ?? []).map(memberFromJson) };
}

/** Tells whether an error is etcd's own answer (final) rather than a transport failure (try the next endpoint). */
export function isServerAnswer(err: unknown): boolean {
  return isEdgeError(err) && /: etcdserver: |: rpc not supported/.test(err.message);
}

/** Strips our "<path> on <endpoint>: " prefix, leaving etcd's own message. */
export function serverMessage(err: unknown): string {
  const m = (err as Error).message;
  const i = m.indexOf('etcdserver: ');
  return i === -1 ? m : m.slice(i);
}

/** Creates the API over the given endpoints. */
export function createMembershipApi(opts: MembershipApiOptions): MembershipApi {
  let eps = [...opts.endpoints];
  const callOpts: EtcdCallOptions = { timeoutMs: opts.timeoutMs, ...(opts.tls ? { tls: opts.tls } : {}) };

  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const errors: string[] = [];
    for (const ep of eps) {
      try {
        return await v3Call(ep, path, body, callOpts);
      } catch (err) {
        if (isServerAnswer(err)) throw err;
        errors.push((err as Error).message);
      }
    }
    throw new EdgeError('EDGE_NO_ENDPOINTS', `no endpoint answered ${path}: ${errors.join('; ') || 'no endpoints'}`, {
      hint: 'check --endpoints (client URLs of members) and the TLS flags (--cacert, --cert, --key)',
    });
  };

  return {
    endpoints: () => eps,
    setEndpoints: (next) => { if (next.length > 0) eps = [...new Set(next)]; },
    list: async () => listing(await call('/v3/cluster/member/list', {})),
    async add(peerURLs, isLearner) {
      const j = await call('/v3/cluster/member/add', { peerURLs, isLearner });
      return { ...listing(j), member: memberFromJson(j.member as Record<string, unknown>) };
    },
    remove: async (idHex) => listing(await call('/v3/cluster/member/remove', { ID: hexToDec(idHex) })),
    promote: async (idHex) => listing(await call('/v3/cluster/member/promote', { ID: hexToDec(idHex) })),
    async status(endpoint) {
      const st = await endpointStatus(endpoint, callOpts);
      return { ...st, isLearner: st.isLearner === true };
    },
    healthy: (endpoint) => isHealthy(endpoint, { timeoutMs: Math.min(opts.timeoutMs, 3000), ...(opts.tls ? { tls: opts.tls } : {}) }),
    moveLeader: (leaderEndpoint, targetHex) => moveLeader(leaderEndpoint, targetHex, callOpts),
  };
}
