// Forwards one buffered request (port of etcd's proxy/httpproxy/reverse.go ServeHTTP): try the available
// endpoints in order, re-sending the body, until one answers; eject endpoints that fail a round trip; 503/502
// with etcd's bodies; then stream the response with backpressure, flushing watch events as they come.
import type { ServerResponse } from 'node:http';
import type { Director, Endpoint } from './director.js';
import { responseHeaders } from './headers.js';
import type { ProxyMetrics } from './metrics.js';
import { rewriteClientUrls } from './rewrite.js';
import type { UpstreamExchange, UpstreamHandlers } from './upstream.js';

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
  /** performance.now() when the request came in. */
  readonly startMs: number;
  /** Endpoints this request already failed on before it got here (the native front's hand-off). */
  readonly tried?: number;
}

/** Writes etcd's proxy error body: JSON, no trailing newline. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** One client request on its way through the endpoints; also the upstream exchange's callbacks. */
class Forwarding implements UpstreamHandlers {
  readonly #ctx: ForwardContext;
  readonly #res: ServerResponse;
  readonly #out: Outgoing;
  readonly #list: readonly Endpoint[];
  readonly #head: string;
  #index = 0;
  #tried = 0;
  #staleRetry = false;
  #ep: Endpoint | undefined;
  #ex: UpstreamExchange | undefined;
  #status = 0;
  #chunks: Buffer[] | undefined;
  #heldHead: { statusMessage: string; headers: string[] } | undefined;
  #ended = false;

  constructor(ctx: ForwardContext, res: ServerResponse, out: Outgoing) {
    this.#ctx = ctx;
    this.#res = res;
    this.#out = out;
    this.#list = ctx.director.endpoints();
    this.#tried = out.tried ?? 0;
    let head = `${out.method} ${out.url} HTTP/1.1\r\n`;
    const h = out.headers;
    for (let i = 0; i < h.length; i += 2) head += `${h[i] as string}: ${h[i + 1] as string}\r\n`;
    this.#head = head;
    // A client that goes away takes its upstream exchange (and that connection) with it.
    res.once('close', () => { if (!res.writableFinished) this.#ex?.abort(); });
  }

  next(): void {
    const res = this.#res;
    if (res.destroyed) return;
    let ep: Endpoint | undefined;
    while (this.#index < this.#list.length && !(ep = this.#list[this.#index])?.available) this.#index++;
    if (ep === undefined || !ep.available) {
      const out = this.#out;
      if (this.#tried === 0) {
        this.#ctx.metrics.dropped(out.method, 'zero_endpoints');
        sendError(res, 503, 'httpproxy: zero endpoints currently available');
      } else {
        this.#ctx.metrics.dropped(out.method, 'all_endpoints_failed');
        sendError(res, 502, `httpproxy: unable to get response from ${this.#tried} endpoint(s)`);
      }
      return;
    }
    this.#ep = ep;
    const head = this.#out.hasHost ? `${this.#head}\r\n` : `${this.#head}Host: ${ep.host}\r\n\r\n`;
    this.#ex = ep.pool.request({
      head, body: this.#out.body, noBody: this.#out.method === 'HEAD',
      readTimeoutMs: this.#out.watch ? 0 : this.#ctx.readTimeoutMs, writeTimeoutMs: this.#ctx.writeTimeoutMs,
    }, this);
  }

  head(status: number, statusMessage: string, rawHeaders: string[]): void {
    this.#ep?.served();
    this.#status = status;
    const out = this.#out;
    if (out.rewriteTo !== undefined && status === 200 && !hasContentEncoding(rawHeaders)) {
      // Member lists are small: buffer, rewrite, then send with the new Content-Length.
      this.#chunks = [];
      this.#heldHead = { statusMessage, headers: responseHeaders(rawHeaders, true) };
      return;
    }
    this.#res.writeHead(status, statusMessage, responseHeaders(rawHeaders, false));
    // Watches: send the headers now, so the client sees the stream open before the first event.
    if (out.watch) this.#res.flushHeaders();
  }

  data(chunk: Buffer, last: boolean): boolean {
    if (this.#chunks !== undefined) { this.#chunks.push(chunk); return true; }
    // The whole (rest of the) body: one end(chunk) costs node:http less than write() then end().
    if (last) { this.#ended = true; this.#res.end(chunk); return true; }
    if (this.#res.write(chunk)) return true;
    this.#res.once('drain', () => this.#ex?.resume());
    return false;
  }

  end(): void {
    const res = this.#res;
    const out = this.#out;
    const held = this.#heldHead;
    if (this.#chunks !== undefined && held !== undefined && out.rewriteTo !== undefined) {
      const raw = Buffer.concat(this.#chunks);
      const rewritten = rewriteClientUrls(raw.toString('utf8'), out.rewriteTo);
      const body = rewritten === undefined ? raw : Buffer.from(rewritten, 'utf8');
      res.writeHead(this.#status, held.statusMessage, [...held.headers, 'Content-Length', String(body.length)]);
      res.end(body);
    } else if (!this.#ended) {
      res.end();
    }
    if (!out.watch) this.#ctx.metrics.handled(out.method, this.#status, out.startMs);
  }

  fail(err: NodeJS.ErrnoException, info: { headSeen: boolean; staleReuse: boolean }): void {
    // After the response started nothing can be retried: end the client's response so it never hangs.
    if (info.headSeen) { this.#res.destroy(); return; }
    if (this.#res.destroyed) return;
    const ep = this.#ep as Endpoint;
    if (info.staleReuse && !this.#staleRetry) {
      // A keep-alive connection the member closed while idle: retry the same endpoint once, without ejecting it.
      this.#staleRetry = true;
      this.next();
      return;
    }
    this.#staleRetry = false;
    this.#tried++;
    this.#index++;
    this.#ctx.director.fail(ep, err);
    this.next();
  }
}

function hasContentEncoding(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === 'content-encoding') return true;
  return false;
}

/** Forwards a request, retrying on other endpoints until a response starts. */
export function forward(ctx: ForwardContext, res: ServerResponse, out: Outgoing): void {
  new Forwarding(ctx, res, out).next();
}
