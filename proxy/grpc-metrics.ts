// gRPC metrics of the proxy (ours, named after go-grpc-prometheus' server metrics): calls started and handled,
// by service, method and gRPC code, added to the proxy's registry. Methods outside etcd's services are counted
// as OTHER so a client cannot grow the label set. The data path only bumps numbers; scrapes hand them over.
import type { MetricsRegistration } from '../core/prom.js';

/** What the gRPC forwarder records. */
export interface GrpcMetrics {
  /** Returns the recorder of one call of path (`/package.Service/Method`). */
  call(path: string): { handled(code: number): void };
}

const KNOWN = /^\/(etcdserverpb\.(KV|Watch|Lease|Cluster|Maintenance|Auth)|v3electionpb\.Election|v3lockpb\.Lock|grpc\.health\.v1\.Health)\/[A-Za-z]+$/;

interface Slot { started: number; readonly handled: Map<number, number> }

/** Creates the gRPC counters; extend declares them in the proxy's registry (when it is built). */
export function createGrpcMetrics(extend: (register: MetricsRegistration) => void): GrpcMetrics {
  const slots = new Map<string, Slot>();
  const labelsOf = (path: string): { grpc_service: string; grpc_method: string } => {
    const [service = '', method = ''] = path.slice(1).split('/');
    return { grpc_service: service, grpc_method: method };
  };
  extend((registry, { Counter }) => {
    new Counter({
      name: 'etcd_proxy_grpc_started_total', help: 'gRPC calls started on the proxy, by service and method.',
      labelNames: ['grpc_service', 'grpc_method'], registers: [registry],
      collect() { for (const [p, s] of slots) { if (s.started > 0) this.inc(labelsOf(p), s.started); s.started = 0; } },
    });
    new Counter({
      name: 'etcd_proxy_grpc_handled_total', help: 'gRPC calls completed on the proxy, by service, method and gRPC status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'], registers: [registry],
      collect() {
        for (const [p, s] of slots) for (const [code, n] of s.handled) { if (n > 0) this.inc({ ...labelsOf(p), grpc_code: String(code) }, n); s.handled.set(code, 0); }
      },
    });
  });
  return {
    call(path) {
      const key = KNOWN.test(path) ? path : '/OTHER/OTHER';
      let s = slots.get(key);
      if (s === undefined) { s = { started: 0, handled: new Map() }; slots.set(key, s); }
      const slot = s;
      slot.started++;
      return { handled(code) { slot.handled.set(code, (slot.handled.get(code) ?? 0) + 1); } };
    },
  };
}
