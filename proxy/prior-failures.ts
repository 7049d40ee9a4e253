// Endpoints a request already failed on before node:http got it: the native front tries a member, reports the
// failure (the endpoint is ejected), then hands the request over. The first request read on that connection counts
// them, so its answer is the one the JavaScript path alone gives (502 naming every endpoint tried, not 503).
import type { Socket } from 'node:net';

const failed = new WeakMap<Socket, number>();

/** Records that the next request on socket already failed on n endpoints. */
export function notePriorFailures(socket: Socket, n: number): void {
  if (n > 0) failed.set(socket, n);
}

/** The endpoints the request on socket already failed on (0 but for the first request after a hand-off). */
export function takePriorFailures(socket: Socket): number {
  const n = failed.get(socket);
  if (n === undefined) return 0;
  failed.delete(socket);
  return n;
}
