// Exponential backoff with jitter for reconnects and remote-forward retries: attempt n waits between half and all
// of min(max, initial·2ⁿ), so many tunnels dropped together do not reconnect in lockstep.

/** Backoff bounds in milliseconds. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Returns the delay before attempt `attempt` (0-based); `random` is a seam for tests (default Math.random). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
