// etcd refuses a membership change ("unhealthy cluster") until the leader has been connected to every voting
// member for 5 s (HealthInterval, strict reconfiguration). Right after a member joined or restarted that is
// transient, so the commands that change membership retry it for a while after checking health themselves.
import { sleep } from '../core/lifecycle.js';
import { isServerAnswer, serverMessage } from './api.js';

/** How long a transient "unhealthy cluster" is retried. */
export const UNHEALTHY_RETRY_MS = 15_000;

/** Runs fn, retrying every 500 ms while etcd answers "unhealthy cluster", for at most windowMs. */
export async function retryWhileUnhealthy<T>(fn: () => Promise<T>, signal?: AbortSignal, windowMs = UNHEALTHY_RETRY_MS): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const transient = isServerAnswer(err) && /unhealthy cluster/.test(serverMessage(err)) && Date.now() - t0 < windowMs;
      if (!transient) throw err;
      await sleep(500, signal);
    }
  }
}
