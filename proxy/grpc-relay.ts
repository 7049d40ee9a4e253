// The gRPC frame relay of the readwrite proxy (ours): each client HTTP/2 connection is relayed, frames verbatim
// both ways, over one connection to a member (the first live one that accepts the dial; the next one when the
// dial fails, before any byte is relayed). Header blocks are HPACK-decoded on the side for metrics (method,
// grpc-status); a Cluster/MemberList answer is held, rewritten and re-framed. What the relay cannot place (no
// member reachable) goes to the node:http2 path, which answers with a gRPC status.
import type { Socket } from 'node:net';
import type { ClientTlsOptions } from '../core/tls.js';
import type { Director, Endpoint } from './director.js';
import type { GrpcMetrics } from './grpc-metrics.js';
import { MEMBER_LIST_PATH, rewriteMemberListBody } from './grpc-rewrite.js';
import { blockFragment, dataFrames, FLAG, FRAME, frameHeader, FrameCutter } from './h2-frames.js';
import type { FrameAction, FrameHead } from './h2-frames.js';
import { HpackDecoder } from './hpack.js';
import type { HeaderField } from './hpack.js';
import { dialMember } from './member-dial.js';

/** What the relay needs from its proxy. */
export interface RelayContext {
  readonly director: Director;
  readonly metrics: GrpcMetrics;
  /** Member-list rewriting target, or undefined when rewriting is off. */
  rewriteTo(): readonly string[] | undefined;
  readonly tls: ClientTlsOptions | undefined;
  readonly dialTimeoutMs: number;
  /** Takes a connection no member accepted: the node:http2 path answers its calls. */
  fallback(socket: Socket): void;
}

/** The relayed connections of one proxy. */
export interface GrpcRelay {
  /** Relays one client connection that speaks HTTP/2 (h2c once the HTTP/1.1 parser met its preface, or TLS with ALPN h2). */
  relay(client: Socket): void;
  /** Closes connections with no open call now, the others as their last call ends or after drainMs. */
  close(drainMs: number): Promise<void>;
}

/** gRPC status codes the relay records for calls that end without one. */
const CANCELLED = 1;
const UNKNOWN = 2;
const INTERNAL = 13;
const UNAVAILABLE = 14;
/** How long one side may stay open after the other is gone. */
const LINGER_MS = 2000;

interface Call {
  readonly rec: { handled(code: number): void };
  responded: boolean;
  /** MemberList answer being held: its DATA payloads and their flow-controlled size. */
  held: { readonly urls: readonly string[]; readonly data: Buffer[]; size: number } | undefined;
}

/** Collects a header block across HEADERS/PUSH_PROMISE and CONTINUATION frames and decodes it. */
class BlockReader {
  readonly #dec = new HpackDecoder();
  #parts: Buffer[] = [];
  #first: FrameHead | undefined;

  /** True between a HEADERS without END_HEADERS and its last CONTINUATION. */
  get open(): boolean { return this.#first !== undefined; }

  /** Feeds one frame; returns the decoded block and its first frame once END_HEADERS is seen. */
  add(h: FrameHead, p: Buffer): { fields: HeaderField[]; first: FrameHead } | undefined {
    const frag = blockFragment(h, p);
    if (h.type !== FRAME.CONTINUATION) this.#first = h;
    if ((h.flags & FLAG.END_HEADERS) === 0) { this.#parts.push(Buffer.from(frag)); return undefined; }
    const first = this.#first;
    if (first === undefined) throw new Error('http2: CONTINUATION without HEADERS');
    const block = this.#parts.length === 0 ? frag : Buffer.concat([...this.#parts, frag]);
    this.#parts = [];
    this.#first = undefined;
    return { fields: this.#dec.decode(block), first };
  }
}

function field(fields: readonly HeaderField[], name: string): string | undefined {
  for (const f of fields) if (f[0] === name) return f[1];
  return undefined;
}

/** One relayed client connection. */
class RelayConn {
  readonly #ctx: RelayContext;
  readonly #client: Socket;
  readonly #member: Socket;
  readonly #ep: Endpoint;
  readonly #calls = new Map<number, Call>();
  readonly #reqBlocks = new BlockReader();
  readonly #resBlocks = new BlockReader();
  /** Connection window the client will grant for bytes the member never sent (a rewrite that grew). */
  #owed = 0;
  #draining = false;
  readonly closed: Promise<void>;

  constructor(ctx: RelayContext, client: Socket, member: Socket, ep: Endpoint) {
    this.#ctx = ctx;
    this.#client = client;
    this.#member = member;
    this.#ep = ep;
    const up = new FrameCutter({ head: (h) => this.#upHead(h), frame: (h, p) => this.#upFrame(h, p) }, true);
    const down = new FrameCutter({ head: (h, inject) => this.#downHead(h, inject), frame: (h, p) => this.#downFrame(h, p) }, false);
    // A FIN, an error or a close on one side ends the other (FIN after what is queued, so that the peer reads an
    // orderly close rather than a reset; destroyed if it has not closed within LINGER_MS); the calls still open
    // end then: CANCELLED when the client went first, UNAVAILABLE when the member did.
    let lost = false;
    const finish = (byClient: boolean): void => {
      if (lost) return;
      lost = true;
      this.#endAll(byClient ? CANCELLED : UNAVAILABLE);
      const other = byClient ? member : client;
      other.end();
      setTimeout(() => other.destroy(), LINGER_MS).unref();
    };
    const stop = (byClient: boolean) => (): void => {
      finish(byClient);
      (byClient ? client : member).destroy();
    };
    this.closed = new Promise((resolve) => {
      let n = 0;
      const both = (): void => { if (++n === 2) resolve(); };
      client.once('close', both);
      member.once('close', both);
    });
    client.on('error', stop(true));
    member.on('error', stop(false));
    client.once('close', stop(true));
    member.once('close', stop(false));
    client.once('end', () => finish(true));
    member.once('end', () => finish(false));
    this.#pump(client, member, up);
    this.#pump(member, client, down);
  }

  #pump(from: Socket, to: Socket, cutter: FrameCutter): void {
    const resume = (): void => { from.resume(); };
    from.on('data', (c: Buffer) => {
      let out: Buffer[];
      try { out = cutter.push(c); } catch { from.destroy(); return; }
      // The other side may have finished already (its FIN ends a socket that is not half-open).
      if (to.writableEnded) return;
      let ok = true;
      if (out.length === 1) ok = to.write(out[0] as Buffer);
      else if (out.length > 1) { to.cork(); for (const b of out) ok = to.write(b); to.uncork(); }
      if (!ok) { from.pause(); to.once('drain', resume); }
    });
    from.resume();
  }

  /** Client to member: request header blocks are decoded; the connection window is corrected when owed. */
  #upHead(h: FrameHead): FrameAction {
    if (h.type === FRAME.HEADERS || h.type === FRAME.CONTINUATION) return 'peek';
    if (h.type === FRAME.WINDOW_UPDATE && h.stream === 0 && this.#owed > 0) return 'hold';
    if (h.type === FRAME.RST_STREAM) this.#end(h.stream, CANCELLED);
    return 'pass';
  }

  #upFrame(h: FrameHead, p: Buffer): Buffer | undefined {
    if (h.type === FRAME.WINDOW_UPDATE) {
      let inc = p.readUInt32BE(0) & 0x7fffffff;
      const take = Math.min(inc, this.#owed);
      this.#owed -= take;
      inc -= take;
      if (inc === 0) return undefined;
      const out = frameHeader(4, FRAME.WINDOW_UPDATE, 0, 0);
      return Buffer.concat([out, Buffer.from([inc >>> 24, (inc >>> 16) & 0xff, (inc >>> 8) & 0xff, inc & 0xff])]);
    }
    const block = this.#reqBlocks.add(h, p);
    if (block === undefined || this.#calls.has(block.first.stream)) return undefined;
    const path = field(block.fields, ':path') ?? '/';
    const urls = this.#ctx.rewriteTo();
    this.#calls.set(block.first.stream, {
      rec: this.#ctx.metrics.call(path), responded: false,
      held: urls !== undefined && path === MEMBER_LIST_PATH ? { urls, data: [], size: 0 } : undefined,
    });
    return undefined;
  }

  /** Member to client: response header blocks are decoded; a held MemberList answer goes out before its trailers. */
  #downHead(h: FrameHead, inject: (b: Buffer) => void): FrameAction {
    const call = h.type === FRAME.DATA || h.type === FRAME.HEADERS ? this.#calls.get(h.stream) : undefined;
    if (call?.held !== undefined) {
      if (h.type === FRAME.DATA) return 'hold';
      if (call.held.size > 0) for (const b of this.#release(h.stream, call, false)) inject(b);
    }
    if (h.type === FRAME.HEADERS || h.type === FRAME.CONTINUATION || h.type === FRAME.PUSH_PROMISE) return 'peek';
    if (h.type === FRAME.RST_STREAM) this.#end(h.stream, UNAVAILABLE);
    return 'pass';
  }

  #downFrame(h: FrameHead, p: Buffer): Buffer | undefined {
    if (h.type === FRAME.DATA) {
      const call = this.#calls.get(h.stream);
      const held = call?.held;
      if (call === undefined || held === undefined) return undefined;
      held.size += p.length;
      held.data.push((h.flags & FLAG.PADDED) !== 0 ? p.subarray(1, p.length - (p[0] ?? 0)) : p);
      if ((h.flags & FLAG.END_STREAM) === 0) return undefined;
      const out = Buffer.concat(this.#release(h.stream, call, true));
      this.#end(h.stream, INTERNAL);
      return out;
    }
    const block = this.#resBlocks.add(h, p);
    if (block === undefined || block.first.type !== FRAME.HEADERS) return undefined;
    const call = this.#calls.get(block.first.stream);
    if (call === undefined) return undefined;
    const first = !call.responded;
    if (first) { call.responded = true; this.#ep.served(); }
    const status = field(block.fields, 'grpc-status');
    if (status !== undefined) this.#end(block.first.stream, Number(status));
    else if ((block.first.flags & FLAG.END_STREAM) !== 0) this.#end(block.first.stream, first ? UNKNOWN : INTERNAL);
    return undefined;
  }

  /** The rewritten MemberList body as DATA frames; the owed window covers a body that grew. */
  #release(stream: number, call: Call, end: boolean): Buffer[] {
    const held = call.held as NonNullable<Call['held']>;
    const body = rewriteMemberListBody(Buffer.concat(held.data), held.urls);
    this.#owed += Math.max(0, body.length - held.size);
    const out = dataFrames(stream, body, held.size, end);
    call.held = undefined;
    return out;
  }

  #end(stream: number, code: number): void {
    const call = this.#calls.get(stream);
    if (call === undefined) return;
    this.#calls.delete(stream);
    call.rec.handled(code);
    // Called while the frame that ended the call is being cut: finish once it has been written.
    if (this.#draining && this.#calls.size === 0) queueMicrotask(() => this.#finish());
  }

  #endAll(code: number): void {
    for (const stream of [...this.#calls.keys()]) this.#end(stream, code);
  }

  /** Closes now when no call is open, else once the last one ends. */
  drain(): void {
    this.#draining = true;
    if (this.#calls.size === 0) this.#finish();
  }

  /** Ends both sides (FIN), so neither reads a reset while bytes are still in flight. */
  #finish(): void {
    this.#client.end();
    this.#member.end();
  }

  destroy(): void {
    this.#client.destroy();
    this.#member.destroy();
  }
}

/** Creates the relay of one proxy. */
export function createGrpcRelay(ctx: RelayContext): GrpcRelay {
  const conns = new Set<RelayConn>();
  const dialing = new Set<Socket>();
  let closing = false;
  const place = (client: Socket, eps: readonly Endpoint[], i: number): void => {
    const ep = eps[i];
    if (closing || client.destroyed) { dialing.delete(client); client.destroy(); return; }
    if (ep === undefined) { dialing.delete(client); ctx.fallback(client); return; }
    dialMember(ep.url, { tls: ctx.tls, timeoutMs: ctx.dialTimeoutMs }, (err, member) => {
      if (err !== undefined || member === undefined) { ctx.director.fail(ep, err); place(client, eps, i + 1); return; }
      dialing.delete(client);
      if (closing || client.destroyed) { member.destroy(); client.destroy(); return; }
      const conn = new RelayConn(ctx, client, member, ep);
      conns.add(conn);
      void conn.closed.then(() => conns.delete(conn));
    });
  };
  return {
    relay(client) {
      dialing.add(client);
      // Until the relay takes it, an error only ends the connection (the close below forgets it).
      client.on('error', () => client.destroy());
      client.once('close', () => dialing.delete(client));
      place(client, ctx.director.endpoints().filter((e) => e.available), 0);
    },
    async close(drainMs) {
      closing = true;
      for (const s of dialing) s.destroy();
      for (const c of conns) c.drain();
      let timer: NodeJS.Timeout | undefined;
      const all = Promise.all([...conns].map((c) => c.closed));
      await Promise.race([all, new Promise<void>((r) => { timer = setTimeout(r, drainMs); })]);
      clearTimeout(timer);
      for (const c of conns) c.destroy();
      await all;
    },
  };
}
