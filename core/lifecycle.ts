// The one component shape: start() resolves when ready, close() is graceful, idempotent and safe in any state.
import { EdgeError } from './errors.js';

/** What every etcd-edge component is: cluster, proxy, gateway, tunnel, discovery, dns. */
export interface Component {
  start(opts?: { signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}

/** Creates the start/close guards every component needs: a second start throws, close runs once. */
export function lifecycleGuard(name: string): {
  beginStart(): void;
  closeOnce(fn: () => Promise<void>): Promise<void>;
  readonly closed: boolean;
} {
  let started = false;
  let closing: Promise<void> | undefined;
  return {
    beginStart() {
      if (closing) throw new EdgeError('EDGE_ABORTED', `${name} is closed`);
      if (started) throw new EdgeError('EDGE_ALREADY_STARTED', `${name} was already started`, { hint: 'create a new instance' });
      started = true;
    },
    closeOnce(fn) {
      closing ??= fn();
      return closing;
    },
    get closed() {
      return closing !== undefined;
    },
  };
}

/** Throws EDGE_ABORTED when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new EdgeError('EDGE_ABORTED', `${what} was cancelled`);
}

/** Resolves after ms, or rejects with EDGE_ABORTED when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new EdgeError('EDGE_ABORTED', 'cancelled')); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(new EdgeError('EDGE_ABORTED', 'cancelled')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Closes components in reverse order of creation, collecting rather than stopping at errors. */
export async function closeAll(components: readonly Component[]): Promise<void> {
  const errors: unknown[] = [];
  for (const c of [...components].reverse()) {
    try {
      await c.close();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
}
