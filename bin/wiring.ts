// Wires the edge components into `up` and `plan`: the only place that knows every component. Each component
// exports an EdgeFactory from its index.ts once built; certs exports the TlsProvider for `up --tls`.
import type { EdgeFactories } from '../cluster/index.js';
import type { TlsProvider } from '../core/edge.js';

/** Returns the factories for the edge components this build has. */
export async function edgeFactories(): Promise<EdgeFactories> {
  const loaded: Record<string, unknown> = {};
  const [proxy, gateway, tunnel] = await Promise.all([import('../proxy/index.js'), import('../gateway/index.js'), import('../tunnel/index.js')]);
  for (const [kind, mod] of [['proxy', proxy], ['gateway', gateway], ['tunnel', tunnel]] as const) {
    const f = (mod as Record<string, unknown>).edgeFactory;
    if (f) loaded[kind] = f;
  }
  return loaded as EdgeFactories;
}

/** Returns the certs component's TLS provider, once it exists. */
export async function tlsProvider(): Promise<TlsProvider | undefined> {
  const certs = (await import('../certs/index.js')) as Record<string, unknown>;
  return certs.tlsProvider as TlsProvider | undefined;
}
