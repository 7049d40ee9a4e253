// The one exponential backoff of etcd-edge (gateway re-probes and endpoint sync, member restarts, tunnel
// reconnects, the discovery client's retries): attempt n waits min(max, initial·2ⁿ); with a jitter source the
// wait is drawn between half and all of that, so many tunnels dropped together do not reconnect in lockstep.

/** Backoff bounds in milliseconds, and an optional jitter source. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Random source in [0, 1); when set the delay is jittered between half and all of the ceiling (tests fix it). */
  readonly jitter?: () => number;
}

/** Returns the delay before retry `attempt` (0-based): min(maxMs, initialMs·2^attempt), jittered when asked. */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
  if (opts.jitter === undefined) return ceiling;
  return Math.round(ceiling / 2 + opts.jitter() * (ceiling / 2));
}
