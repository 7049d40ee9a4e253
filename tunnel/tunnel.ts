// createTunnel(): one SSH connection carrying every -L/-R forward, kept up by a supervisor loop (reconnect with
// backoff and jitter, every forward re-established) and observable through status(), logs and /metrics.
import type { AddressInfo } from 'node:net';
import type { Client } from 'ssh2';
import type { Registry } from 'prom-client';
import { EdgeError, toEdgeError } from '../core/errors.js';
import type { EdgeComponent } from '../core/edge.js';
import { lifecycleGuard, sleep, throwIfAborted } from '../core/lifecycle.js';
import { errFields, noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { backoffDelay } from '../host/backoff.js';
import { sshAddress } from './config.js';
import type { TunnelConfig } from './config.js';
import { connectSsh, isFatalConnectError } from './connection.js';
import type { ConnectOptions } from './connection.js';
import { loadIdentity } from './identity.js';
import type { Identity } from './identity.js';
import { createConnectionCap } from '../core/conn-cap.js';
import type { ConnectionCap } from '../core/conn-cap.js';
import { deriveMaxConnections, raiseNofileLimit } from '../core/limits.js';
import { createLocalForward } from './local-forward.js';
import { createTunnelMetrics } from './metrics.js';
import { createMetricsServer } from '../core/metrics-server.js';
import type { MetricsServer } from '../core/metrics-server.js';
import { createRemoteForward } from './remote-forward.js';
import { forwardStatus, warnAllInterfaces } from './status.js';
import type { ForwardStatus, TunnelState, TunnelStatus } from './status.js';

/** Seams for tests. */
export interface TunnelDeps {
  readonly logger?: Logger;
  /** How many connection-capped listeners share this process (`up` with a proxy, a gateway and a tunnel: 3). */
  readonly listeners?: number;
  /** Opens one SSH connection (default: connectSsh); tests pass a fake client to drive the reconnect loop. */
  readonly connect?: (o: ConnectOptions) => Promise<Client>;
}

/** A running tunnel. */
export interface Tunnel extends EdgeComponent {
  status(): TunnelStatus;
  /** Every forward with its bound address (port 0 resolved) and whether it carries traffic now. */
  forwards(): readonly ForwardStatus[];
  metricsAddresses(): readonly AddressInfo[];
  readonly registry: Registry;
}

/** Creates a tunnel; start() resolves once every forward is up, close() stops it. */
export function createTunnel(config: Readonly<TunnelConfig>, deps: TunnelDeps = {}): Tunnel {
  const ssh = sshAddress(config);
  const log = (deps.logger ?? noopLogger()).child({ component: 'tunnel', ssh });
  const guard = lifecycleGuard('tunnel');
  const metrics = createTunnelMetrics();
  const life = new AbortController();
  const retryMaxMs = Math.min(5000, config.reconnectMaxDelayMs);
  const connect = deps.connect ?? connectSsh;
  let current: Client | undefined;
  let state: TunnelState = 'idle';
  let reconnects = 0;
  let lastError: EdgeError | undefined;
  let lastErrorAt: Date | undefined;
  let servers: MetricsServer | undefined;
  let supervisor: Promise<void> | undefined;
  let cap: ConnectionCap | undefined;
  const capOf = (): ConnectionCap | undefined => cap;
  const locals = config.forwards.filter((f) => f.kind === 'L').map((f) => createLocalForward(f, { client: () => current, metrics, log, cap: capOf }));
  const remotes = config.forwards.filter((f) => f.kind === 'R').map((f) => createRemoteForward(f, { metrics, log, retryMaxMs, cap: capOf }));
  const forwards = (): ForwardStatus[] => forwardStatus(locals, remotes, current !== undefined);

  const recordError = (e: EdgeError): void => {
    lastError = e;
    lastErrorAt = new Date();
    metrics.lastError.reset();
    metrics.lastError.set({ code: e.code }, 1);
    metrics.lastErrorTime.set(lastErrorAt.getTime() / 1000);
  };
  const setForwardGauges = (): void => {
    for (const f of forwards()) metrics.forwardUp.set({ forward: f.label }, f.up ? 1 : 0);
  };

  // Runs one connected session until its connection closes: binds the -R forwards, reports up, then cleans up.
  async function runSession(c: Client, onEstablished: () => void): Promise<void> {
    const session = new AbortController();
    const closed = new Promise<void>((resolve) => c.once('close', () => { session.abort(); resolve(); }));
    let dropError: EdgeError | undefined;
    c.on('error', (err: Error & { level?: string }) => {
      dropError = toEdgeError(err, 'EDGE_SSH_CONNECT', err.level === 'client-timeout' ? 'ssh keepalive' : 'ssh connection');
    });
    c.on('tcp connection', (info, accept, reject) => {
      const r = remotes.find((x) => x.matches(info));
      if (r) r.handle(info, accept, reject);
      else reject();
    });
    current = c;
    state = 'connected';
    metrics.connected.set(1);
    setForwardGauges();
    try {
      await Promise.all(remotes.map((r) => r.bind(c, AbortSignal.any([session.signal, life.signal])).then(setForwardGauges)));
      onEstablished();
    } catch (err) {
      if ((err as EdgeError).code !== 'EDGE_ABORTED') log.error(errFields(err), 'remote forward failed');
      c.end();
    }
    await closed;
    // The connection is gone: stop handing it out first, then close what it carried.
    current = undefined;
    metrics.connected.set(0);
    for (const f of [...locals, ...remotes]) f.dropAll();
    setForwardGauges();
    if (life.signal.aborted) return;
    const e = dropError ?? new EdgeError('EDGE_SSH_CONNECT', `ssh ${JSON.stringify(ssh)} closed the connection`);
    recordError(e);
    log.warn({ ...errFields(e), reconnects, forwards: forwards() }, 'tunnel disconnected');
  }

  // Connects, runs a session, and reconnects with backoff until closed. Before the first success, auth and
  // host-key failures end the loop (they are configuration errors); afterwards every failure is retried.
  async function supervise(identity: Identity, onUp: (first: boolean) => void): Promise<void> {
    let attempt = 0;
    let everUp = false;
    for (;;) {
      throwIfAborted(life.signal, 'tunnel');
      let c: Client;
      try {
        state = everUp ? 'reconnecting' : 'connecting';
        c = await connect({ ...config, identity, signal: life.signal, log });
      } catch (err) {
        const e = toEdgeError(err, 'EDGE_SSH_CONNECT', 'ssh connect failed');
        if (e.code === 'EDGE_ABORTED' || (!everUp && isFatalConnectError(e))) throw e;
        recordError(e);
        const retryInMs = backoffDelay(attempt++, { initialMs: config.reconnectInitialDelayMs, maxMs: config.reconnectMaxDelayMs, jitter: Math.random });
        log.warn({ ...errFields(e), hint: e.hint, attempt, retryInMs }, 'ssh connect failed; retrying');
        await sleep(retryInMs, life.signal);
        continue;
      }
      await runSession(c, () => {
        if (everUp) { reconnects++; metrics.reconnects.inc(); }
        onUp(!everUp);
        everUp = true;
        attempt = 0;
      });
      throwIfAborted(life.signal, 'tunnel');
      await sleep(backoffDelay(attempt++, { initialMs: config.reconnectInitialDelayMs, maxMs: config.reconnectMaxDelayMs, jitter: Math.random }), life.signal);
    }
  }

  // The open-file limit is raised to the hard one first; a connection holds one descriptor here (its SSH side is
  // a channel of the one SSH connection).
  function makeCap(): ConnectionCap {
    const nofile = raiseNofileLimit();
    const listeners = deps.listeners ?? 1;
    const max = config.maxConnections > 0 ? config.maxConnections : deriveMaxConnections({ nofile: nofile.soft, fdsPerConnection: 1, listeners });
    log.info({ soft: nofile.soft, hard: nofile.hard, before: nofile.before, maxConnections: max, derived: config.maxConnections === 0, listeners }, 'open-file limit');
    return createConnectionCap({ max, idleTimeoutMs: config.idleTimeoutMs, logger: log });
  }

  async function start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    guard.beginStart();
    throwIfAborted(opts.signal, 'tunnel start');
    opts.signal?.addEventListener('abort', () => life.abort(), { once: true });
    const identity = loadIdentity(config);
    log.debug({ via: identity.via }, 'identity loaded');
    cap = makeCap();
    if (config.metricsListen.length) {
      servers = createMetricsServer({
        listen: config.metricsListen,
        metrics: () => metrics.registry.metrics(),
        notReady: () => (state === 'connected' && forwards().every((f) => f.up) ? undefined : 'tunnel not connected or a forward is down'),
      });
      await servers.start();
    }
    warnAllInterfaces(config.forwards, log);
    for (const l of locals) await l.listen();
    setForwardGauges();
    await new Promise<void>((resolve, reject) => {
      supervisor = supervise(identity, (first) => {
        const fields = { forwards: forwards(), metrics: servers?.addresses().map((a) => `${a.address}:${a.port}`) ?? [] };
        if (first) { log.info(fields, 'tunnel ready'); resolve(); } else log.info({ ...fields, reconnects }, 'tunnel reconnected');
      }).catch((err: unknown) => {
        reject(err);
        if ((err as EdgeError).code !== 'EDGE_ABORTED') log.error(errFields(err), 'tunnel stopped');
      });
    });
  }

  // Order: stop accepting (listeners, reconnect loop and its timers), let in-flight connections drain up to
  // shutdownTimeoutMs, destroy the rest, then end the SSH connection and the metrics listeners.
  const close = (): Promise<void> => guard.closeOnce(async () => {
    life.abort();
    await Promise.all([...locals, ...remotes].map((f) => f.close(config.shutdownTimeoutMs)));
    cap?.close();
    const c = current;
    c?.end();
    // A peer that no longer answers would hold the closing handshake until keepalive gives up; a second is enough.
    // ssh2's destroy() is a no-op once end() ran, so the pinned ssh2 1.17 socket is destroyed directly.
    const hard = setTimeout(() => (c as unknown as { _sock?: { destroy(): void } } | undefined)?._sock?.destroy(), 1000);
    await supervisor;
    clearTimeout(hard);
    await servers?.close();
    state = 'closed';
    metrics.connected.set(0);
  });

  return {
    start,
    close,
    status: () => ({
      state, ssh, forwards: forwards(), reconnects,
      ...(lastError ? { lastError: { code: lastError.code, message: lastError.message, at: (lastErrorAt ?? new Date()).toISOString() } } : {}),
    }),
    forwards,
    metricsAddresses: () => servers?.addresses() ?? [],
    get registry() { return metrics.registry; },
    metrics: () => metrics.registry.metrics(),
    describe: () => ({ kind: 'tunnel', address: ssh, detail: `${forwards().map((f) => f.text).join(', ')} ${state}` }),
  };
}
