// The member restart policy: restart after an unexpected exit with the shared backoff (initial delay doubling
// to a cap), and give up once more than maxRestarts exits fall within windowMs, so a member that cannot run
// stops being restarted while the others keep running.
import { backoffDelay } from './backoff.js';

/** When to restart and when to give up. */
export interface RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up after this many exits within windowMs. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

/** What to do after an exit. */
export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number; readonly exits: number }
  | { readonly restart: false; readonly exits: number };

/** Tracks exits against a policy. */
export interface RestartTracker {
  /** Records an exit now and says whether (and after how long) to restart. */
  onExit(): RestartDecision;
}

/** Creates a tracker; `now` is a seam for tests. */
export function createRestartTracker(policy: RestartPolicy, now: () => number = Date.now): RestartTracker {
  let exits: number[] = [];
  return {
    onExit() {
      const t = now();
      exits = [...exits.filter((x) => t - x < policy.windowMs), t];
      if (exits.length > policy.maxRestarts) return { restart: false, exits: exits.length };
      return { restart: true, exits: exits.length, delayMs: backoffDelay(exits.length - 1, { initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs }) };
    },
  };
}
