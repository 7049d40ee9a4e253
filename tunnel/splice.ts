// Joins the two halves of one forwarded connection (a client socket or SSH channel, and the way to the target),
// counting bytes both ways; when either side closes or fails, both are torn down and onClose runs once.
import type { Duplex } from 'node:stream';
import { sleep } from '../core/lifecycle.js';
import type { ForwardStats, TunnelMetrics } from './metrics.js';

/** The two sides and the byte counters of one connection. */
export interface SpliceOptions {
  /** The side the connection came from (the -L client socket, or the -R SSH channel). */
  readonly client: Duplex;
  /** The side toward the target (the -L SSH channel, or the -R socket to the target). */
  readonly target: Duplex;
  readonly onSent: (bytes: number) => void;
  readonly onReceived: (bytes: number) => void;
  readonly onClose: () => void;
}

/** Pipes client and target into each other until both close; an error on either side destroys both. Returns a
 * function that tears the connection down at once. */
export function splice(o: SpliceOptions): () => void {
  let done = false;
  let linger: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(linger);
    o.client.destroy();
    o.target.destroy();
    o.onClose();
  };
  // When one side closes, the other still flushes what it was sent, then closes; LINGER_MS bounds a peer that never
  // does. Closed sides are counted here because ssh2 channels never set `destroyed`.
  let open = 2;
  const onClose = (other: Duplex) => (): void => {
    if (--open <= 0 || done) { finish(); return; }
    other.end();
    linger ??= setTimeout(finish, LINGER_MS);
  };
  o.client.on('data', (chunk: Buffer) => o.onSent(chunk.length));
  o.target.on('data', (chunk: Buffer) => o.onReceived(chunk.length));
  o.client.on('error', finish);
  o.target.on('error', finish);
  o.client.on('close', onClose(o.target));
  o.target.on('close', onClose(o.client));
  o.client.pipe(o.target);
  o.target.pipe(o.client);
  return finish;
}

const LINGER_MS = 5000;

/** Returns splice callbacks that count one new connection into a forward's totals and metrics. */
export function countInto(stats: ForwardStats, m: TunnelMetrics, label: { forward: string }): Pick<SpliceOptions, 'onSent' | 'onReceived' | 'onClose'> {
  stats.connections++;
  stats.active++;
  m.connections.inc(label);
  const active = m.activeConnections.cell(label);
  active.v++;
  // Looked up once per connection: a chunk only adds to two numbers.
  const sent = m.sentBytes.cell(label);
  const received = m.receivedBytes.cell(label);
  return {
    onSent: (n) => { stats.sentBytes += n; sent.v += n; },
    onReceived: (n) => { stats.receivedBytes += n; received.v += n; },
    onClose: () => { stats.active--; active.v--; },
  };
}

/** The connections of one forward, each as the function that closes it. */
export type LiveConnections = Set<() => void>;

/** Waits up to timeoutMs for a forward's connections to end by themselves, then closes the rest. */
export async function drain(live: LiveConnections, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (live.size > 0 && Date.now() - t0 < timeoutMs) await sleep(50);
  closeAllLive(live);
}

/** Closes every connection of a forward now. */
export function closeAllLive(live: LiveConnections): void {
  for (const stop of [...live]) stop();
  live.clear();
}
