// The request handler: paths the proxy answers itself (/v2/config/local/proxy, /metrics), loop refusal (508),
// the readonly filter (501), the bounded body buffer (413), then forward(). Per-request work is kept small:
// no logging, no closures beyond what the forwarder needs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerMethodNotAllowed, answerNoVersion, answerTooLarge, FORWARDED_METHODS } from './answers.js';
import type { Director } from './director.js';
import { forward, sendError } from './forward.js';
import type { ForwardContext } from './forward.js';
import { requestHeaders } from './headers.js';
import { viaHasToken } from './loop.js';
import { serveMetrics } from './metrics.js';
import type { ProxyMetrics } from './metrics.js';
import { classify } from './routes.js';

/** What the handler needs from its proxy. */
export interface HandlerContext extends ForwardContext {
  readonly director: Director;
  readonly metrics: ProxyMetrics;
  readonly readonly: boolean;
  readonly via: string;
  readonly maxRequestBytes: number;
  readonly clientTimeoutMs: number;
  /** Member-list rewriting target, or undefined when rewriting is off. */
  readonly rewriteTo: readonly string[] | undefined;
  /** Endpoints the request on this socket already failed on (handed off by the native front), taken once. */
  readonly takeTried?: ((socket: IncomingMessage['socket']) => number) | undefined;
  /** pino-http, only when access logging is on. */
  readonly accessLog: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

function answerLocal(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path === '/v2/config/local/proxy') {
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed');
      return true;
    }
    const body = JSON.stringify({ endpoints: ctx.director.availableUrls() }) + '\n';
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  }
  if (path === '/metrics' && req.method === 'GET') {
    serveMetrics(ctx.metrics.registry, res, () => sendError(res, 500, 'httpproxy: metrics unavailable'));
    return true;
  }
  return false;
}

// Methods whose requests carry no body by convention; the others get `Content-Length: 0` when they have none.
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

function hasBody(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

/** Reads the request body into memory, up to max bytes; calls back with undefined when too large or aborted. */
function readBody(req: IncomingMessage, max: number, done: (body: Buffer | undefined, tooLarge: boolean) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (b: Buffer | undefined, tooLarge: boolean): void => { if (!finished) { finished = true; done(b, tooLarge); } };
  const onData = (c: Buffer): void => {
    size += c.length;
    // The 413 answer drains the rest itself; this reader lets go of the stream.
    if (size > max) { req.removeListener('data', onData); req.pause(); finish(undefined, true); return; }
    chunks.push(c);
  };
  req.on('data', onData);
  req.on('end', () => finish(chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, size), false));
  req.on('error', () => finish(undefined, false));
}

function tooLarge(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, method: string): void {
  ctx.metrics.dropped(method, 'body_too_large');
  answerTooLarge(req, res, { maxRequestBytes: ctx.maxRequestBytes });
}

// Requests no member would take: no HTTP version (400), a method outside the members' APIs (405).
function unforwardable(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, method: string): boolean {
  if (req.httpVersionMajor === 0) {
    ctx.metrics.dropped(method, 'bad_request');
    answerNoVersion(res);
    return true;
  }
  if (!FORWARDED_METHODS.has(method)) {
    ctx.metrics.dropped(method, 'method_not_allowed');
    answerMethodNotAllowed(res, method);
    return true;
  }
  return false;
}

/** Creates the proxy's request listener. */
export function createHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const startMs = performance.now();
    const method = req.method ?? 'GET';
    ctx.metrics.requested(method);
    ctx.accessLog?.(req, res);
    if (unforwardable(ctx, req, res, method)) return;
    const url = req.url ?? '/';
    if (url.charCodeAt(0) !== 47 /* / */) {
      ctx.metrics.dropped(method, 'bad_request');
      res.shouldKeepAlive = false;
      sendError(res, 400, 'httpproxy: request target must be an absolute path');
      return;
    }
    if (viaHasToken(req.headers.via, ctx.via)) {
      ctx.metrics.dropped(method, 'loop');
      sendError(res, 508, 'httpproxy: request loop detected: this request already passed through this proxy');
      return;
    }
    const route = classify(method, url);
    if (answerLocal(ctx, req, res, route.path)) return;
    if (ctx.readonly && !route.readonlyOk) {
      ctx.metrics.dropped(method, 'readonly');
      res.writeHead(501, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const watch = route.watch;
    // The listener's idle limit (the client timeout, from accept on) holds for every request but watches.
    if (watch) res.setTimeout(0);
    const rewriteTo = ctx.rewriteTo !== undefined && route.memberList ? ctx.rewriteTo : undefined;
    const go = (body: Buffer | undefined): void => {
      const h = requestHeaders(req.rawHeaders, {
        clientIp: req.socket.remoteAddress, via: ctx.via, bodyLength: body?.length ?? (BODYLESS.has(method) ? undefined : 0), dropAcceptEncoding: rewriteTo !== undefined,
      });
      const tried = ctx.takeTried?.(req.socket) ?? 0;
      forward(ctx, res, { method, url, headers: h.headers, hasHost: h.hasHost, body, watch, rewriteTo, startMs, ...(tried > 0 ? { tried } : {}) });
    };
    if (!hasBody(req)) { go(undefined); return; }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > ctx.maxRequestBytes) { tooLarge(ctx, req, res, method); return; }
    readBody(req, ctx.maxRequestBytes, (body, large) => {
      if (large) tooLarge(ctx, req, res, method);
      else if (body === undefined) ctx.metrics.dropped(method, 'client_gone');
      else go(body);
    });
  };
}
