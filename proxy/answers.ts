// Answers to requests the proxy never forwards, written so the client can read them: a request without an HTTP
// version (400), a method no member API takes (405, CONNECT included), and a body over --max-request-bytes
// (413, answered while the rest of the body is drained, then closed, so the client is not reset mid-write).
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The methods the members' HTTP APIs take (v2 keys and members, v3 JSON, CORS preflight); others get 405. */
export const FORWARDED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS']);

const ALLOW = [...FORWARDED_METHODS].join(', ');

/** How long a 413 keeps draining the request body before the connection is closed anyway. */
export const TOO_LARGE_LINGER_MS = 5000;

function jsonBody(message: string): string {
  return JSON.stringify({ message }) + '\n';
}

/** Answers 400 to a request line without an HTTP version (HTTP/0.9 style), and closes. */
export function answerNoVersion(res: ServerResponse): void {
  const body = jsonBody('httpproxy: request line has no HTTP version');
  res.shouldKeepAlive = false;
  res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/** Answers 405 with an Allow header and a body. */
export function answerMethodNotAllowed(res: ServerResponse, method: string): void {
  const body = jsonBody(`httpproxy: method ${method} is not forwarded`);
  res.writeHead(405, { Allow: ALLOW, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers a CONNECT (which node:http hands over as a raw socket) with 405 and closes it. */
export function rejectConnect(req: IncomingMessage, socket: Duplex): void {
  const body = jsonBody(`httpproxy: method ${req.method ?? 'CONNECT'} is not forwarded`);
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 405 ${http.STATUS_CODES[405]}\r\nAllow: ${ALLOW}\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Answers 413 at once (headers and body flushed), then reads and discards the rest of the request body for up to
 * lingerMs or drainBytes before ending the response, which closes the connection: a client that writes the whole
 * body before reading then reads the 413 instead of a reset.
 */
export function answerTooLarge(req: IncomingMessage, res: ServerResponse, opts: { maxRequestBytes: number; lingerMs?: number; drainBytes?: number }): void {
  const body = jsonBody(`httpproxy: request body larger than ${opts.maxRequestBytes} bytes`);
  res.shouldKeepAlive = false;
  res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.write(body);
  const limit = opts.drainBytes ?? 4 * opts.maxRequestBytes;
  let drained = 0;
  const onData = (c: Buffer): void => {
    drained += c.length;
    if (drained > limit) finish();
  };
  const finish = (): void => {
    clearTimeout(timer);
    req.removeListener('data', onData);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(finish, opts.lingerMs ?? TOO_LARGE_LINGER_MS);
  timer.unref();
  req.on('data', onData);
  req.once('end', finish);
  req.once('error', finish);
  res.once('close', finish);
  req.resume();
}
