// Takes a plain-http connection away from node:http once its parser (llhttp) has read the HTTP/2 preface, so that
// an h2c client can be handed to the http2 server. Every other connection goes straight to node:http, whose parser
// then reads the socket in C++ (no JavaScript 'data' events, no per-connection sniffing timer or listeners).
import type { Socket } from 'node:net';

/** The code llhttp reports when a connection opens with `PRI * HTTP/2.0` (the HTTP/2 preface). */
export const H2_PREFACE_ERROR = 'HPE_PAUSED_H2_UPGRADE';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

// The listeners node:http's connectionListener puts on each socket (Node 20 lib/_http_server.js): the bound
// per-connection handlers and the shared ones. The close handler also frees the parser and takes it out of the
// server's connection list (so the request-timeout check no longer looks at this socket).
const HTTP1_LISTENERS: Readonly<Record<string, readonly string[]>> = {
  data: ['bound socketOnData'], end: ['bound socketOnEnd'], drain: ['bound socketOnDrain'],
  timeout: ['socketOnTimeout'], resume: ['onSocketResume'], pause: ['onSocketPause'],
};
const CLOSE_LISTENER = 'bound socketOnClose';

/** What node:http keeps on a socket it serves: its parser, and the listener wrappers that guard it. */
interface Http1Socket extends Socket {
  parser?: unknown;
}

/**
 * The bytes the client sent so far: the parser already consumed the start of the preface when it came in
 * several reads, and rawPacket holds only the last read. Undefined when what came first cannot be the preface.
 */
function receivedBytes(socket: Socket, rawPacket: Buffer): Buffer | undefined {
  const before = socket.bytesRead - rawPacket.length;
  if (before <= 0) return rawPacket;
  if (before >= PREFACE.length) return undefined;
  return Buffer.concat([PREFACE.subarray(0, before), rawPacket]);
}

/**
 * Detaches node:http from a socket whose first bytes were the HTTP/2 preface and returns everything the client
 * sent, to be put back for the http2 session; undefined (and the socket destroyed) when that is not possible.
 */
export function detachFromHttp1(socket: Socket, err: { rawPacket?: unknown }): Buffer | undefined {
  const s = socket as Http1Socket;
  const closeHandlers = s.listeners('close').filter((f) => f.name === CLOSE_LISTENER);
  if (s.parser === undefined || s.parser === null || closeHandlers.length !== 1 || !Buffer.isBuffer(err.rawPacket)) {
    socket.destroy();
    return undefined;
  }
  for (const [event, names] of Object.entries(HTTP1_LISTENERS)) {
    for (const f of s.listeners(event)) if (names.includes(f.name)) s.removeListener(event, f as (...a: unknown[]) => void);
  }
  const onClose = closeHandlers[0] as () => void;
  s.removeListener('close', onClose);
  onClose.call(s);
  socket.setTimeout(0);
  const bytes = receivedBytes(socket, err.rawPacket);
  if (bytes === undefined) socket.destroy();
  return bytes;
}
