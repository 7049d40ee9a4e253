// Keep-alive connections to one member, and one request/response exchange at a time on each (HTTP/1.1, no
// pipelining). Replaces node:http's Agent + ClientRequest on the data path: dial timeout, TCP_NODELAY, request
// head and body in one writev, backpressure through pause/resume, and read/write timeouts per exchange.
import type { Socket } from 'node:net';
import type { ClientTlsOptions } from '../core/tls.js';
import { ResponseParser } from './http1.js';
import type { ResponseEvents } from './http1.js';
import { memberSocket } from './member-dial.js';

/** One request, serialised except for its body. */
export interface UpstreamRequest {
  /** Request line, headers and the blank line, as latin1 text. */
  readonly head: string;
  readonly body: Buffer | undefined;
  /** A HEAD request: the response has no body whatever its headers say. */
  readonly noBody: boolean;
  /** Idle read timeout, 0 for none (watches). */
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
}

/** Callbacks of one exchange; after end() or fail() none is called again. */
export interface UpstreamHandlers {
  head(status: number, statusMessage: string, rawHeaders: string[]): void;
  /** Returns false to pause the member until resume(); last as in ResponseEvents (end() follows at once). */
  data(chunk: Buffer, last: boolean): boolean;
  end(): void;
  /** staleReuse: a reused idle connection failed before a single byte came back (safe to retry as-is). */
  fail(err: NodeJS.ErrnoException, info: { headSeen: boolean; staleReuse: boolean }): void;
}

/** A running exchange. */
export interface UpstreamExchange {
  resume(): void;
  /** Drops the exchange and its connection without further callbacks (the client went away). */
  abort(): void;
}

/** Where and how to connect. */
export interface UpstreamTarget {
  readonly hostname: string;
  readonly port: number;
  readonly tls?: ClientTlsOptions;
  readonly dialTimeoutMs: number;
  /** How often idle connections are swept (default 15 s; an idle one closes after 4 to 5 sweeps); for tests. */
  readonly idleSweepMs?: number;
}

// Idle connections kept per member: enough for a thousand concurrent clients, so that under such load a response
// does not close its connection only for the next request to dial a new one (connection churn, TIME_WAIT).
const MAX_IDLE = 1024;
// An idle connection is closed after 60 to 75 s: one pool-wide sweep every 15 s closes those idle for four whole
// sweeps, instead of a socket timer armed and cleared on every exchange (two timers per request).
const IDLE_SWEEP_MS = 15_000;
const IDLE_SWEEPS = 4;

function timeoutError(what: string, ms: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`${what} timeout after ${ms}ms`), { code: 'ETIMEDOUT' });
}

// The exchange is its own parser's listener (no closures per request).
class Exchange implements UpstreamExchange, ResponseEvents {
  readonly #conn: Conn;
  readonly #h: UpstreamHandlers;
  readonly #parser: ResponseParser;
  readonly #reused: boolean;
  #received = 0;
  #finished = false;
  #writeTimer: NodeJS.Timeout | undefined;

  constructor(conn: Conn, req: UpstreamRequest, h: UpstreamHandlers, reused: boolean) {
    this.#conn = conn;
    this.#h = h;
    this.#reused = reused;
    this.#parser = new ResponseParser(this, req.noBody);
  }

  send(req: UpstreamRequest): void {
    const s = this.#conn.socket;
    // Sockets keep their timeout across exchanges: set only when it changes (none by default, idle included).
    if (s.timeout !== req.readTimeoutMs) s.setTimeout(req.readTimeoutMs);
    const body = req.body !== undefined && req.body.length > 0 ? req.body : undefined;
    if (body === undefined) { s.write(req.head, 'latin1'); return; }
    s.cork();
    s.write(req.head, 'latin1');
    s.write(body, () => clearTimeout(this.#writeTimer));
    s.uncork();
    // Still buffered (the member is not reading fast enough): bound how long the write may take. All handed to the
    // kernel already: the write is done, no timer.
    if (s.writableLength > 0) {
      const ms = req.writeTimeoutMs;
      this.#writeTimer = setTimeout(() => this.fail(timeoutError('write', ms)), ms);
    }
  }

  onData(chunk: Buffer): void {
    this.#received += chunk.length;
    try {
      this.#parser.feed(chunk);
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  onEnd(): void {
    if (!this.#parser.eof()) this.fail(Object.assign(new Error('member closed the connection mid-response'), { code: 'ECONNRESET' }));
  }

  /** Parser event: the response head. */
  head(status: number, statusMessage: string, rawHeaders: string[]): void {
    this.#h.head(status, statusMessage, rawHeaders);
  }

  /** Parser event: body bytes; pauses the member while the client is not taking them. */
  data(chunk: Buffer, last: boolean): void {
    if (!this.#h.data(chunk, last)) this.#conn.socket.pause();
  }

  /** Parser event: the response is complete. */
  end(): void {
    this.#finished = true;
    clearTimeout(this.#writeTimer);
    this.#conn.release(this.#parser.keepAlive);
    this.#h.end();
  }

  fail(err: NodeJS.ErrnoException): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#writeTimer);
    this.#conn.destroy();
    this.#h.fail(err, { headSeen: this.#parser.headSeen, staleReuse: this.#reused && this.#received === 0 });
  }

  resume(): void {
    if (!this.#finished) this.#conn.socket.resume();
  }

  abort(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#writeTimer);
    this.#conn.destroy();
  }
}

class Conn {
  readonly socket: Socket;
  readonly #pool: UpstreamPool;
  ex: Exchange | undefined;
  /** The pool's sweep count when this connection last went idle. */
  idleSince = 0;

  constructor(pool: UpstreamPool, socket: Socket) {
    this.#pool = pool;
    this.socket = socket;
    socket.on('data', (c: Buffer) => { if (this.ex) this.ex.onData(c); else socket.destroy(); });
    socket.on('end', () => { if (this.ex) this.ex.onEnd(); else socket.destroy(); });
    socket.on('timeout', () => { if (this.ex) this.ex.fail(timeoutError('read', socket.timeout ?? 0)); else socket.destroy(); });
    socket.on('error', (err: NodeJS.ErrnoException) => this.ex?.fail(err));
    socket.on('close', () => {
      this.#pool.forget(this);
      this.ex?.fail(Object.assign(new Error('connection to member closed'), { code: 'ECONNRESET' }));
    });
  }

  release(reusable: boolean): void {
    this.ex = undefined;
    if (!reusable || this.socket.destroyed || !this.#pool.keep(this)) { this.socket.destroy(); return; }
    this.socket.resume();
    // A read timeout does not apply to an idle connection (the sweep closes those).
    if (this.socket.timeout) this.socket.setTimeout(0);
  }

  destroy(): void {
    this.ex = undefined;
    this.socket.destroy();
  }
}

/** Keep-alive connections to one member. */
export class UpstreamPool {
  readonly #target: UpstreamTarget;
  readonly #idle: Conn[] = [];
  readonly #all = new Set<Conn>();
  #destroyed = false;
  #sweeps = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(target: UpstreamTarget) {
    this.#target = target;
  }

  /** Sends a request on an idle connection, or a new one. */
  request(req: UpstreamRequest, h: UpstreamHandlers): UpstreamExchange {
    let conn = this.#idle.pop();
    const reused = conn !== undefined;
    conn ??= this.#connect();
    const ex = new Exchange(conn, req, h, reused);
    conn.ex = ex;
    ex.send(req);
    return ex;
  }

  #connect(): Conn {
    const t = this.#target;
    const s = memberSocket(t.hostname, t.port, t.tls, 'http/1.1');
    s.setNoDelay(true);
    const timer = setTimeout(() => s.destroy(timeoutError('dial', t.dialTimeoutMs)), t.dialTimeoutMs);
    s.once(t.tls ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    s.once('close', () => clearTimeout(timer));
    const c = new Conn(this, s);
    this.#all.add(c);
    return c;
  }

  /** Takes a finished connection back; false when it should be closed instead. */
  keep(c: Conn): boolean {
    if (this.#destroyed || this.#idle.length >= MAX_IDLE) return false;
    c.idleSince = this.#sweeps;
    this.#idle.push(c);
    this.#sweeper ??= setInterval(() => this.#sweep(), this.#target.idleSweepMs ?? IDLE_SWEEP_MS).unref();
    return true;
  }

  /** Closes the connections idle since IDLE_SWEEPS sweeps ago (the oldest sit at the bottom of the stack). */
  #sweep(): void {
    this.#sweeps++;
    const old: Conn[] = [];
    for (const c of this.#idle) if (this.#sweeps - c.idleSince > IDLE_SWEEPS) old.push(c);
    for (const c of old) c.socket.destroy();
  }

  /** Idle connections held now. */
  idleCount(): number {
    return this.#idle.length;
  }

  /** Drops a closed connection. */
  forget(c: Conn): void {
    this.#all.delete(c);
    const i = this.#idle.indexOf(c);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  /** Closes every connection, busy ones included. */
  destroy(): void {
    this.#destroyed = true;
    clearInterval(this.#sweeper);
    for (const c of [...this.#all]) c.socket.destroy();
  }
}
