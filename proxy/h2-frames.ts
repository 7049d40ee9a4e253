// HTTP/2 framing for the gRPC relay (RFC 9113 section 4): cuts one direction of a connection into frames while
// its bytes pass through. Only the 9-byte frame headers are parsed; a handler chooses, per frame, to pass it,
// pass it and see its payload, hold it (and send something else in its place) or drop it, and may put frames
// of its own in front of it. Unless a frame is held or dropped, its bytes go out as they come, in the same chunks.

/** Frame types and flags the relay looks at. */
export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** The client connection preface, which precedes the client's first frame. */
export const PREFACE_LENGTH = 24;

/** A frame header. */
export interface FrameHead { readonly length: number; readonly type: number; readonly flags: number; readonly stream: number }

/** pass: bytes flow on; peek: they flow on and the payload is handed over; hold: the payload is handed over and
 *  replaced by what frame() returns; drop: the frame is left out. */
export type FrameAction = 'pass' | 'peek' | 'hold' | 'drop';

/** What a cutter asks about each frame. */
export interface FrameHandler {
  /** Called once a frame header is complete; inject() puts bytes in front of this frame. */
  head(h: FrameHead, inject: (b: Buffer) => void): FrameAction;
  /** Called with the whole payload of a peeked or held frame; for a held one, returns what goes out instead. */
  frame(h: FrameHead, payload: Buffer): Buffer | undefined;
}

/** Encodes a frame header. */
export function frameHeader(length: number, type: number, flags: number, stream: number): Buffer {
  const b = Buffer.allocUnsafe(9);
  b.writeUIntBE(length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(stream & 0x7fffffff, 5);
  return b;
}

/** The header block fragment inside a HEADERS, PUSH_PROMISE or CONTINUATION payload. */
export function blockFragment(h: FrameHead, p: Buffer): Buffer {
  let start = 0;
  let end = p.length;
  if (h.type !== FRAME.CONTINUATION && (h.flags & FLAG.PADDED) !== 0) { start = 1; end -= p[0] ?? 0; }
  if (h.type === FRAME.HEADERS && (h.flags & FLAG.PRIORITY) !== 0) start += 5;
  if (h.type === FRAME.PUSH_PROMISE) start += 4;
  if (end < start) throw new Error('http2: padding longer than the frame');
  return p.subarray(start, end);
}

/** Largest frame payload every peer accepts (SETTINGS_MAX_FRAME_SIZE's initial value). */
const MAX_FRAME = 16_384;

/** DATA frames carrying body, padded so that their flow-controlled size is at least size. */
export function dataFrames(stream: number, body: Buffer, size: number, end: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < body.length; pos += MAX_FRAME) {
    const part = body.subarray(pos, pos + MAX_FRAME);
    out.push(frameHeader(part.length, FRAME.DATA, 0, stream), part);
  }
  // Flow control: the member counts what it sent (size), the client what it gets; pad the difference.
  for (let missing = size - body.length; missing > 0; missing -= 256) {
    const pad = Math.min(missing, 256) - 1;
    out.push(frameHeader(pad + 1, FRAME.DATA, FLAG.PADDED, stream), Buffer.alloc(pad + 1, 0).fill(pad, 0, 1));
  }
  if (end) out.push(frameHeader(0, FRAME.DATA, FLAG.END_STREAM, stream));
  return out;
}

/** One direction of a relayed connection. */
export class FrameCutter {
  readonly #h: FrameHandler;
  #preface: number;
  readonly #head = Buffer.alloc(9);
  #headLen = 0;
  #cur: FrameHead | undefined;
  #act: FrameAction = 'pass';
  #left = 0;
  #payload: Buffer | undefined;
  #filled = 0;
  // Per push(): the output pieces and the start of the bytes of the chunk not yet put into them.
  #out: Buffer[] = [];
  #c: Buffer = Buffer.alloc(0);
  #start = 0;
  #at = 0;
  readonly #inject = (b: Buffer): void => { this.#flush(this.#at); this.#out.push(b); };

  /** preface: true for the client-to-server direction, which opens with the connection preface. */
  constructor(handler: FrameHandler, preface: boolean) {
    this.#h = handler;
    this.#preface = preface ? PREFACE_LENGTH : 0;
  }

  /** Takes one chunk read from the connection; returns the pieces to write to the other side, in order. */
  push(c: Buffer): Buffer[] {
    this.#out = [];
    this.#c = c;
    this.#start = 0;
    let pos = Math.min(this.#preface, c.length);
    this.#preface -= pos;
    while (pos < c.length) pos = this.#cur === undefined ? this.#readHead(c, pos) : this.#readPayload(c, pos);
    this.#flush(c.length);
    return this.#out;
  }

  #flush(to: number): void {
    if (to > this.#start) this.#out.push(this.#start === 0 && to === this.#c.length ? this.#c : this.#c.subarray(this.#start, to));
    this.#start = Math.max(this.#start, to);
  }

  #readHead(c: Buffer, pos: number): number {
    let split = false;
    let src = c;
    let at = pos;
    if (this.#headLen === 0 && c.length - pos >= 9) {
      pos += 9;
    } else {
      if (this.#headLen === 0) this.#flush(pos);
      const n = Math.min(9 - this.#headLen, c.length - pos);
      c.copy(this.#head, this.#headLen, pos, pos + n);
      this.#headLen += n;
      pos += n;
      this.#start = pos;
      if (this.#headLen < 9) return pos;
      this.#headLen = 0;
      split = true;
      src = this.#head;
      at = 0;
    }
    const h: FrameHead = { length: src.readUIntBE(at, 3), type: src[at + 3] as number, flags: src[at + 4] as number, stream: src.readUInt32BE(at + 5) & 0x7fffffff };
    this.#at = split ? this.#start : pos - 9;
    const act = this.#h.head(h, this.#inject);
    if (split) {
      if (act === 'pass' || act === 'peek') this.#out.push(Buffer.from(this.#head));
    } else if (act === 'hold' || act === 'drop') {
      this.#flush(pos - 9);
      this.#start = pos;
    }
    this.#cur = h;
    this.#act = act;
    this.#left = h.length;
    this.#filled = 0;
    this.#payload = act === 'peek' || act === 'hold' ? Buffer.allocUnsafe(h.length) : undefined;
    if (h.length === 0) this.#end();
    return pos;
  }

  #readPayload(c: Buffer, pos: number): number {
    const n = Math.min(this.#left, c.length - pos);
    const act = this.#act;
    if (act === 'hold' || act === 'drop') this.#flush(pos);
    if (this.#payload !== undefined) { c.copy(this.#payload, this.#filled, pos, pos + n); this.#filled += n; }
    pos += n;
    if (act === 'hold' || act === 'drop') this.#start = pos;
    this.#left -= n;
    if (this.#left === 0) this.#end();
    return pos;
  }

  #end(): void {
    const h = this.#cur as FrameHead;
    const payload = this.#payload;
    this.#cur = undefined;
    this.#payload = undefined;
    if (payload === undefined) return;
    const r = this.#h.frame(h, payload);
    if (this.#act === 'hold' && r !== undefined) this.#out.push(r);
  }
}
