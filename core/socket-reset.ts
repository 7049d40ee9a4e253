// Resets a TCP socket (the gateway passing a peer's reset on, the tests' misbehaving peers) without the descriptor leak Node's resetAndDestroy() has on a
// socket whose FIN is on its way: libuv refuses to reset while a shutdown is pending (uv_tcp_close_reset: EINVAL),
// and Node then drops the handle without closing it (descriptor held, 'error' EINVAL, the process spins at exit).
import type net from 'node:net';

/**
 * Ends `s` with a reset (SO_LINGER 0), as a crashed or aborting peer does; a socket that has ended its side and
 * written everything (its shutdown may be in flight, or done) is destroyed instead: its FIN is already on its way.
 */
export function resetSocket(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.writableEnded && s.writableLength === 0) s.destroy();
  else s.resetAndDestroy();
}
