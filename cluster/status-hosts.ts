// The multi-host view of `status -f topology.yaml --serve`: every host of the topology with what it declares, and
// what each host's `up` reports on its metrics listener (/api/status): its edge components and its members'
// process state. A host whose listener cannot be reached shows what the topology says, marked unreached.
import { httpRequest } from '../core/http-client.js';
import type { Topology } from './topology.js';
import type { EdgeView, ProcessView, StatusDoc } from './status-json.js';

/** One host in the document. */
export interface HostView {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly role: string;
  readonly member: string | null;
  readonly proxy: string | null;
  readonly gateway: string | null;
  readonly tunnels: number;
  readonly metricsUrl: string | null;
  readonly reached: boolean;
  readonly error: string | null;
  readonly edge: readonly EdgeView[];
}

/** Lists the hosts as the topology declares them, with the metrics URL probed on each (first address, port). */
export function declaredHosts(t: Topology, metricsPort: number): HostView[] {
  return t.hosts.map((h) => {
    const addr = h.addresses[0];
    const pl = h.proxy?.['listen-client-urls'];
    const gl = h.gateway?.['listen-addr'];
    return {
      name: h.name, addresses: h.addresses, role: h.role ?? (h.member ? 'member' : 'edge'), member: h.member?.name ?? h.standby?.name ?? null,
      proxy: typeof pl === 'string' ? pl : h.proxy ? 'yes' : null, gateway: typeof gl === 'string' ? gl : h.gateway ? 'yes' : null, tunnels: h.tunnels.length,
      metricsUrl: addr === undefined ? null : `http://${addr.includes(':') ? `[${addr}]` : addr}:${metricsPort}`, reached: false, error: null, edge: [],
    };
  });
}

/** Reads each host's /api/status and adds its edge components, and its members' process state, to the document. */
export async function withHosts(doc: StatusDoc, hosts: readonly HostView[], timeoutMs: number): Promise<StatusDoc> {
  const processes = new Map<string, ProcessView>();
  const seen = await Promise.all(hosts.map(async (h): Promise<HostView> => {
    if (h.metricsUrl === null) return h;
    try {
      const res = await httpRequest(`${h.metricsUrl}/api/status`, { timeoutMs });
      if (res.status !== 200) return { ...h, error: `/api/status answered ${res.status}` };
      const remote = JSON.parse(res.body) as Partial<StatusDoc>;
      for (const m of remote.members ?? []) if (m.process) processes.set(m.endpoint, m.process);
      return { ...h, reached: true, edge: Array.isArray(remote.edge) ? remote.edge : [] };
    } catch (err) {
      return { ...h, error: (err as Error).message };
    }
  }));
  const members = doc.members.map((m) => (m.process === null && processes.has(m.endpoint) ? { ...m, process: processes.get(m.endpoint) ?? null } : m));
  return { ...doc, members, hosts: seen };
}
