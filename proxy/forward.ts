// Forwards one buffered request (port of etcd's proxy/httpproxy/reverse.go ServeHTTP, on node:http): try the
// available endpoints in order, re-sending the body, until one answers; eject endpoints that fail a round trip;
// 503/502 with etcd's bodies; then stream the response with backpressure, flushing watch events as they come.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Director, Endpoint } from './director.js';
import { responseHeaders } from './headers.js';
import type { ProxyMetrics } from './metrics.js';
import { rewriteClientUrls } from './rewrite.js';

/** What the forwarder needs from its proxy. */
export interface ForwardContext {
  readonly director: Director;
  readonly metrics: ProxyMetrics;
  readonly writeTimeoutMs: number;
  readonly readTimeoutMs: number;
}

/** One request, ready to send. */
export interface Outgoing {
  readonly method: string;
  readonly url: string;
  readonly headers: string[];
  readonly hasHost: boolean;
  readonly body: Buffer | undefined;
  readonly watch: boolean;
  /** The URLs to put in member lists, when this response is one to rewrite. */
  readonly rewriteTo: readonly string[] | undefined;
  readonly startNs: bigint;
}

/** Writes etcd's proxy error body: JSON, no trailing newline. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function isStaleSocket(err: NodeJS.ErrnoException, reused: boolean): boolean {
  return reused && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
}

/** Forwards a request, retrying on other endpoints until a response starts. */
export function forward(ctx: ForwardContext, res: ServerResponse, out: Outgoing): void {
  const list = ctx.director.endpoints();
  let current: http.ClientRequest | undefined;
  let tried = 0;
  let index = 0;
  let staleRetry = false;
  res.once('close', () => { if (!res.writableFinished) current?.destroy(); });

  const next = (): void => {
    if (res.destroyed) return;
    let ep: Endpoint | undefined;
    while (index < list.length && !(ep = list[index])?.available) index++;
    if (ep === undefined || !ep.available) {
      if (tried === 0) {
        ctx.metrics.dropped(out.method, 'zero_endpoints');
        sendError(res, 503, 'httpproxy: zero endpoints currently available');
      } else {
        ctx.metrics.dropped(out.method, 'all_endpoints_failed');
        sendError(res, 502, `httpproxy: unable to get response from ${tried} endpoint(s)`);
      }
      return;
    }
    const chosen = ep;
    current = send(ctx, chosen, out, (upRes) => respond(ctx, res, out, chosen, upRes), (err, reused) => {
      if (res.destroyed) return;
      if (!staleRetry && isStaleSocket(err, reused)) {
        // A keep-alive socket the member closed while idle: retry the same endpoint once, without ejecting it.
        staleRetry = true;
        next();
        return;
      }
      staleRetry = false;
      tried++;
      index++;
      ctx.director.fail(chosen, err);
      next();
    });
  };
  next();
}

function send(ctx: ForwardContext, ep: Endpoint, out: Outgoing, onResponse: (r: IncomingMessage) => void,
  onFail: (err: NodeJS.ErrnoException, reused: boolean) => void): http.ClientRequest {
  const headers = out.hasHost ? out.headers : [...out.headers, 'Host', ep.host];
  const upReq = (ep.protocol === 'https:' ? https : http).request({
    hostname: ep.hostname, port: ep.port, method: out.method, path: out.url, headers, agent: ep.agent,
  });
  let responded = false;
  upReq.on('response', (r) => { responded = true; onResponse(r); });
  upReq.on('error', (err: NodeJS.ErrnoException) => { if (!responded) onFail(err, upReq.reusedSocket); });
  if (ctx.readTimeoutMs > 0 && !out.watch) {
    upReq.setTimeout(ctx.readTimeoutMs, () => upReq.destroy(Object.assign(new Error(`read timeout after ${ctx.readTimeoutMs}ms`), { code: 'ETIMEDOUT' })));
  }
  if (out.body !== undefined && out.body.length > 0) {
    const t = setTimeout(() => upReq.destroy(Object.assign(new Error(`write timeout after ${ctx.writeTimeoutMs}ms`), { code: 'ETIMEDOUT' })), ctx.writeTimeoutMs);
    upReq.once('finish', () => clearTimeout(t));
    upReq.once('close', () => clearTimeout(t));
    upReq.end(out.body);
  } else {
    upReq.end();
  }
  return upReq;
}

function respond(ctx: ForwardContext, res: ServerResponse, out: Outgoing, ep: Endpoint, upRes: IncomingMessage): void {
  ep.served();
  const status = upRes.statusCode ?? 502;
  if (out.rewriteTo !== undefined && status === 200 && upRes.headers['content-encoding'] === undefined) {
    respondRewritten(ctx, res, out, upRes, out.rewriteTo);
    return;
  }
  res.writeHead(status, upRes.statusMessage, responseHeaders(upRes.rawHeaders, false));
  // Watches: send the headers now, so the client sees the stream open before the first event.
  if (out.watch) res.flushHeaders();
  // pipe() carries backpressure; a member that dies mid-body must end the client's response, and a client that
  // goes away destroys the upstream request (forward()'s close listener). No stream.pipeline: its per-call
  // AbortController cost about a tenth of the CPU per request.
  upRes.pipe(res);
  upRes.once('close', () => { if (!upRes.complete) res.destroy(); });
  if (!out.watch) upRes.once('end', () => ctx.metrics.handled(out.method, status, out.startNs));
}

function respondRewritten(ctx: ForwardContext, res: ServerResponse, out: Outgoing, upRes: IncomingMessage, urls: readonly string[]): void {
  const chunks: Buffer[] = [];
  upRes.on('data', (c: Buffer) => chunks.push(c));
  upRes.on('error', () => res.destroy());
  upRes.on('end', () => {
    if (res.destroyed) return;
    const raw = Buffer.concat(chunks);
    const rewritten = rewriteClientUrls(raw.toString('utf8'), urls);
    const body = rewritten === undefined ? raw : Buffer.from(rewritten, 'utf8');
    const headers = responseHeaders(upRes.rawHeaders, true);
    headers.push('Content-Length', String(body.length));
    res.writeHead(upRes.statusCode ?? 200, upRes.statusMessage, headers);
    res.end(body);
    ctx.metrics.handled(out.method, upRes.statusCode ?? 200, out.startNs);
  });
}
