// TCP dials with a timeout (etcd's gateway has none: `// TODO: add timeout` in tcpproxy/userspace.go): the
// probe that re-activates a down endpoint and the dial of the data path share these socket options and handling.
import net from 'node:net';
import type { Endpoint } from './endpoint.js';

/**
 * Opens a TCP connection to an endpoint with the data path's options and calls `done` once: with no error when
 * connected (the dial timeout is then cleared), or with the error or timeout after the socket is destroyed.
 */
export function dialEndpoint(ep: Endpoint, timeoutMs: number, done: (err: Error | undefined) => void): net.Socket {
  // Hostnames are resolved on every dial, as etcd's net.Dial does, so DNS changes are followed.
  const s = net.connect({ host: ep.host, port: ep.port, noDelay: true, allowHalfOpen: true, keepAlive: true, keepAliveInitialDelay: 30_000 });
  s.setTimeout(timeoutMs);
  const fail = (err: Error): void => {
    s.off('connect', onConnect);
    s.off('timeout', onTimeout);
    s.destroy();
    done(err);
  };
  const onTimeout = (): void => fail(new Error(`dial tcp ${ep.key}: i/o timeout after ${timeoutMs}ms`));
  const onConnect = (): void => {
    s.off('error', fail);
    s.off('timeout', onTimeout);
    s.setTimeout(0);
    done(undefined);
  };
  s.once('error', fail);
  s.once('timeout', onTimeout);
  s.once('connect', onConnect);
  return s;
}

/** Resolves when the endpoint accepts a TCP connection within timeoutMs (closing it at once), rejects otherwise. */
export function probeTcp(ep: Endpoint, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dialEndpoint(ep, timeoutMs, (err) => {
      if (err) { reject(err); return; }
      s.destroy();
      resolve();
    });
  });
}
