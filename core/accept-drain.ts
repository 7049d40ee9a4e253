// Accepts a burst in one event-loop turn: libuv accepts one connection per turn, so when Node accepts one, the
// ones waiting behind it are taken too (the addon's acceptPending) and handed to the server as Node would (socket
// options, connection count, 'connection'), so the cap, the HTTP/TLS layer and the timeouts see them all.
import { closeSync } from 'node:fs';
import net from 'node:net';
import type { AcceptAddon } from './native-addon.js';

/** How many more connections one accepted connection drains at most. */
export const DEFAULT_DRAIN_MAX = 256;

/** Options of drainAccepts. */
export interface DrainOptions {
  /** More connections taken per accepted one; default DEFAULT_DRAIN_MAX. */
  readonly max?: number;
}

/** The net.Server internals Node's own accept uses (lib/net.js onconnection); read and kept in step here. */
interface ServerInternals {
  _handle?: { fd?: number } | null;
  _connections: number;
  maxConnections?: number;
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** Seconds (Node stores the option's milliseconds / 1000). */
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

function closeFd(fd: number): void {
  try { closeSync(fd); } catch { /* already gone */ }
}

/**
 * Hands an accepted connection's descriptor to `server` as Node's own accept does (lib/net.js onconnection): same
 * socket options, the server's connection count, then 'connection'. Returns the socket, or undefined when the
 * descriptor was closed instead (over net.Server#maxConnections: 'drop' is emitted, as Node does; or unusable).
 */
export function adoptFd(server: net.Server, fd: number): net.Socket | undefined {
  const s = server as unknown as ServerInternals;
  // Over Node's own cap (net.Server#maxConnections), Node closes the connection and emits 'drop'; so do we.
  if (s.maxConnections && s._connections >= s.maxConnections) {
    closeFd(fd);
    server.emit('drop');
    return undefined;
  }
  let socket: net.Socket;
  try {
    socket = new net.Socket({
      fd, readable: true, writable: true,
      allowHalfOpen: s.allowHalfOpen === true, pauseOnCreate: s.pauseOnConnect === true,
      ...(s.highWaterMark !== undefined ? { readableHighWaterMark: s.highWaterMark, writableHighWaterMark: s.highWaterMark } : {}),
    } as net.SocketConstructorOpts);
  } catch {
    closeFd(fd);
    return undefined;
  }
  if (s.noDelay) socket.setNoDelay(true);
  if (s.keepAlive) socket.setKeepAlive(true, (s.keepAliveInitialDelay ?? 0) * 1000);
  s._connections++;
  const owned = socket as unknown as { server: net.Server; _server: net.Server };
  owned.server = server;
  owned._server = server;
  server.emit('connection', socket);
  return socket;
}

/**
 * Makes `server` take every waiting connection (up to opts.max) when Node accepts one. Call it after the
 * listeners that must see every connection (a cap) are attached: it is prepended, so it runs before them, and the
 * connections it takes go through all of them. Without the addon (undefined) nothing changes.
 */
export function drainAccepts(server: net.Server, addon: AcceptAddon | undefined, opts: DrainOptions = {}): void {
  if (addon === undefined) return;
  const max = Math.max(0, opts.max ?? DEFAULT_DRAIN_MAX);
  const s = server as unknown as ServerInternals;
  let draining = false;
  const adopt = (fd: number): void => { adoptFd(server, fd); };
  server.prependListener('connection', () => {
    if (draining) return;
    const fd = s._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return;
    draining = true;
    let fds: number[] = [];
    let i = 0;
    try {
      fds = addon.acceptPending(fd, max);
      for (; i < fds.length; i++) adopt(fds[i] as number);
    } finally {
      // A listener that threw must not leak the descriptors not handed over yet.
      for (i++; i < fds.length; i++) closeFd(fds[i] as number);
      draining = false;
    }
  });
}
