// One proxied gRPC call: the client's HTTP/2 stream and the stream of the member currently tried. Request data
// is written to the member as it arrives and kept (bounded) until the member answers, to replay it on the next
// member; response data is written to the client as it arrives, unless the answer is rewritten (MemberList).
import http2 from 'node:http2';
import type { Endpoint } from './director.js';

const UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
const { NGHTTP2_CANCEL } = http2.constants;

/** Parses a grpc-timeout header ("100m", "5S") into milliseconds; undefined when absent or invalid. */
export function grpcTimeoutMs(v: string | string[] | undefined): number | undefined {
  const m = typeof v === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(v) : null;
  return m ? Math.max(1, Math.ceil(Number(m[1]) * (UNITS[m[2] as string] as number))) : undefined;
}

function copyHeaders(from: http2.IncomingHttpHeaders, into: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
  for (const k of Object.keys(from)) if (k.charCodeAt(0) !== 58 /* : */ && k !== 'connection' && k !== 'host') into[k] = from[k];
  return into;
}

/** A running call; see createGrpcHandler. */
export class GrpcCall {
  readonly #stream: http2.ServerHttp2Stream;
  readonly #headers: http2.IncomingHttpHeaders;
  readonly #recorder: { handled(code: number): void };
  readonly #maxReplay: number;
  /** Rewrites the whole response body (set before the first attempt). */
  transform: ((body: Buffer) => Buffer) | undefined;
  #replay: Buffer[] | undefined = [];
  #replayBytes = 0;
  #clientEnded = false;
  #wired = false;
  #up: http2.ClientHttp2Stream | undefined;
  #collected: Buffer[] = [];
  #trailers: http2.OutgoingHttpHeaders | undefined;
  #finished = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, recorder: { handled(code: number): void }, maxReplay: number) {
    this.#stream = stream;
    this.#headers = headers;
    this.#recorder = recorder;
    this.#maxReplay = maxReplay;
    stream.on('wantTrailers', () => {
      try { stream.sendTrailers(this.#trailers ?? { 'grpc-status': '13', 'grpc-message': 'etcd-edge proxy: member sent no trailers' }); } catch { stream.close(); }
    });
    stream.on('close', () => this.#abandon());
    const ms = grpcTimeoutMs(headers['grpc-timeout']);
    if (ms !== undefined) this.#timer = setTimeout(() => this.fail(4, 'etcd-edge proxy: deadline exceeded'), ms);
  }

  /** Uses a request body read in full beforehand (the readonly inspection). */
  preload(body: Buffer): void {
    this.#replay = [body];
    this.#clientEnded = true;
    this.#wired = true;
  }

  /** True while a failed attempt may be replayed on another member. */
  canRetry(): boolean {
    return !this.#finished && this.#replay !== undefined;
  }

  /** Sends the call to one member; onFail runs when the member fails before answering. */
  attempt(session: http2.ClientHttp2Session, ep: Endpoint, done: () => void, onFail: (err: unknown) => void): void {
    const h = copyHeaders(this.#headers, {
      ':method': 'POST', ':path': this.#headers[':path'], ':scheme': ep.url.startsWith('https:') ? 'https' : 'http', ':authority': ep.host,
    });
    let up: http2.ClientHttp2Stream;
    try { up = session.request(h, { endStream: false }); } catch (err) { done(); onFail(err); return; }
    this.#up = up;
    let responded = false;
    let ended = false;
    let error: unknown;
    up.on('response', (rh) => { responded = true; this.#respond(up, rh, ep); });
    up.on('data', (c: Buffer) => this.#onUpData(up, c));
    up.on('trailers', (t) => { this.#trailers = copyHeaders(t, {}); });
    up.on('end', () => { ended = true; this.#onUpEnd(); });
    up.on('error', (err) => { error = err; });
    // on, not once: each of these events fires at most once per stream, and once() allocates a wrapper per call.
    up.on('close', () => {
      done();
      if (this.#finished) return;
      if (!responded) { this.#up = undefined; onFail(error ?? new Error(`member closed the stream (code ${up.rstCode ?? 0})`)); }
      else if (!ended) this.fail(14, 'etcd-edge proxy: the member closed the stream');
    });
    for (const c of this.#replay ?? []) up.write(c);
    if (this.#clientEnded) up.end();
    this.#wireClient();
    this.#stream.resume();
  }

  #wireClient(): void {
    if (this.#wired) return;
    this.#wired = true;
    const s = this.#stream;
    s.on('data', (c: Buffer) => {
      if (this.#replay !== undefined) {
        this.#replayBytes += c.length;
        if (this.#replayBytes > this.#maxReplay) this.#replay = undefined;
        else this.#replay.push(c);
      }
      const up = this.#up;
      if (up !== undefined && !up.write(c)) { s.pause(); up.once('drain', () => s.resume()); }
    });
    s.once('end', () => { this.#clientEnded = true; this.#up?.end(); });
  }

  #respond(up: http2.ClientHttp2Stream, rh: http2.IncomingHttpHeaders, ep: Endpoint): void {
    this.#replay = undefined;
    ep.served();
    const out = copyHeaders(rh, { ':status': rh[':status'] ?? 200 });
    if (this.#stream.closed || this.#stream.destroyed) return;
    if (up.endAfterHeaders) {
      this.#finish(Number(rh['grpc-status'] ?? 2));
      this.#stream.respond(out, { endStream: true });
      return;
    }
    this.#stream.respond(out, { waitForTrailers: true });
  }

  #onUpData(up: http2.ClientHttp2Stream, c: Buffer): void {
    if (this.transform !== undefined) { this.#collected.push(c); return; }
    if (!this.#stream.write(c)) { up.pause(); this.#stream.once('drain', () => up.resume()); }
  }

  #onUpEnd(): void {
    if (this.#finished) return;
    // A member that goes away before answering ends its stream without response headers.
    if (!this.#stream.headersSent) { this.fail(14, 'etcd-edge proxy: the member closed the stream without an answer'); return; }
    if (this.transform !== undefined && this.#collected.length > 0) this.#stream.write(this.transform(Buffer.concat(this.#collected)));
    this.#finish(Number(this.#trailers?.['grpc-status'] ?? 13));
    this.#stream.end();
  }

  #finish(code: number): void {
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#recorder.handled(code);
  }

  /** Ends the call with a status of the proxy's own (trailers-only when nothing was sent yet). */
  fail(code: number, message: string): void {
    if (this.#finished) return;
    this.#finish(code);
    if (this.#up !== undefined && !this.#up.closed) this.#up.close(NGHTTP2_CANCEL);
    const s = this.#stream;
    if (s.closed || s.destroyed) return;
    const status = { 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) };
    if (!s.headersSent) { s.respond({ ':status': 200, 'content-type': 'application/grpc', ...status }, { endStream: true }); return; }
    this.#trailers = status;
    s.end();
  }

  /** The client went away (or the stream was reset): cancel the member's stream. */
  #abandon(): void {
    if (this.#finished) return;
    this.#finish(1);
    if (this.#up !== undefined && !this.#up.closed) this.#up.close(NGHTTP2_CANCEL);
  }
}
