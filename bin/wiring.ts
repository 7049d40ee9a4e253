// Wires the edge components into `up`, `plan`, `promote` and `demote`: the only place that knows every component. Each component
// exports an EdgeFactory from its index.ts; certs exports the TlsProvider for `up --tls`. Loaded lazily, so
// commands that need none of them do not load ssh2 or the x509 library.
import type { EdgeFactories } from '../cluster/index.js';
import type { EdgeFactory, TlsProvider } from '../core/edge.js';

/** Returns the factories of the edge components. */
export async function edgeFactories(): Promise<EdgeFactories> {
  const [proxy, gateway, tunnel] = await Promise.all([import('../proxy/index.js'), import('../gateway/index.js'), import('../tunnel/index.js')]);
  return { proxy: proxy.edgeFactory, gateway: gateway.edgeFactory, tunnel: tunnel.edgeFactory };
}

/** Returns the proxy's factory alone, for the local proxy `promote` and `demote` run in their own process. */
export async function proxyFactory(): Promise<EdgeFactory> {
  return (await import('../proxy/index.js')).edgeFactory;
}

/** Returns the certs component's TLS provider. */
export async function tlsProvider(): Promise<TlsProvider> {
  return (await import('../certs/index.js')).tlsProvider;
}
