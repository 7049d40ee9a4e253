// TCP dials with a timeout (etcd's gateway has none: `// TODO: add timeout` in tcpproxy/userspace.go): the
// probe that re-activates a down endpoint and the dial of the data path share these socket options.
import net from 'node:net';
import type { Endpoint } from './endpoint.js';

/** Opens a TCP connection to an endpoint with the data path's options; the caller handles connect/error/timeout. */
export function dialEndpoint(ep: Endpoint, timeoutMs: number): net.Socket {
  // Hostnames are resolved on every dial, as etcd's net.Dial does, so DNS changes are followed.
  const s = net.connect({ host: ep.host, port: ep.port, noDelay: true, allowHalfOpen: true, keepAlive: true, keepAliveInitialDelay: 30_000 });
  s.setTimeout(timeoutMs);
  return s;
}

/** Resolves when the endpoint accepts a TCP connection within timeoutMs (closing it at once), rejects otherwise. */
export function probeTcp(ep: Endpoint, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dialEndpoint(ep, timeoutMs);
    s.once('connect', () => { s.destroy(); resolve(); });
    s.once('timeout', () => { s.destroy(); reject(new Error(`dial tcp ${ep.key}: i/o timeout after ${timeoutMs}ms`)); });
    s.once('error', (err) => { s.destroy(); reject(err); });
  });
}
