// A small incremental HTTP/1.1 response parser for the upstream side (members are HTTP/1.1 servers): status line,
// headers kept raw, then a body framed by Content-Length, chunked encoding or the connection's end. It exists
// because node:http's client costs about a third of the proxy's CPU per request.

/** What the parser reports. */
export interface ResponseEvents {
  head(status: number, statusMessage: string, rawHeaders: string[]): void;
  data(chunk: Buffer): void;
  end(): void;
}

const MAX_HEAD = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close' | 'done';

/** Parses one response; feed() throws an Error with code 'EPROTO' on malformed input. */
export class ResponseParser {
  #state: State = 'head';
  #pending: Buffer | undefined;
  #remaining = 0;
  /** False when the connection cannot carry another request after this response. */
  keepAlive = true;
  readonly #ev: ResponseEvents;
  readonly #noBody: boolean;

  constructor(ev: ResponseEvents, noBody: boolean) {
    this.#ev = ev;
    this.#noBody = noBody;
  }

  get headSeen(): boolean {
    return this.#state !== 'head';
  }

  /** Feeds bytes from the socket. */
  feed(chunk: Buffer): void {
    let buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    while (buf.length > 0) {
      const rest = this.#step(buf);
      if (rest === undefined) return;
      buf = rest;
    }
  }

  /** Tells the parser the connection ended; a body read until close then ends, anything else was cut short. */
  eof(): boolean {
    if (this.#state === 'until-close') {
      this.#state = 'done';
      this.#ev.end();
      return true;
    }
    return this.#state === 'done';
  }

  /** Consumes from buf; returns what is left to parse, or undefined when it needs more bytes. */
  #step(buf: Buffer): Buffer | undefined {
    switch (this.#state) {
      case 'head': return this.#head(buf);
      case 'length': return this.#body(buf, 'done');
      case 'chunk-data': return this.#body(buf, 'chunk-crlf');
      case 'chunk-size': return this.#chunkSize(buf);
      case 'chunk-crlf': return this.#chunkCrlf(buf);
      case 'trailers': return this.#trailers(buf);
      case 'until-close': this.#ev.data(buf); return undefined;
      default: this.keepAlive = false; return undefined;
    }
  }

  #need(buf: Buffer, max: number): undefined {
    if (buf.length > max) throw protoError('response head or chunk line too long');
    this.#pending = buf;
    return undefined;
  }

  #head(buf: Buffer): Buffer | undefined {
    const end = buf.indexOf(CRLF2);
    if (end === -1) return this.#need(buf, MAX_HEAD);
    // One string for the whole head, walked with indexOf: no array of lines, and only the names whose length
    // matches one the parser cares about are lowercased (most of a member's headers are not).
    const text = buf.toString('latin1', 0, end);
    let eol = text.indexOf('\r\n');
    if (eol === -1) eol = text.length;
    const m = STATUS_LINE.exec(text.slice(0, eol));
    if (!m) throw protoError('malformed status line');
    const status = Number(m[2]);
    const raw: string[] = [];
    let length: number | undefined;
    let chunked = false;
    this.keepAlive = m[1] === '1';
    for (let pos = eol + 2; pos <= text.length; pos = eol + 2) {
      eol = text.indexOf('\r\n', pos);
      if (eol === -1) eol = text.length;
      const colon = text.indexOf(':', pos);
      if (colon <= pos || colon > eol) throw protoError('malformed header line');
      const name = text.slice(pos, colon);
      const value = text.slice(colon + 1, eol).trim();
      const n = name.length;
      if (n === 14 || n === 17 || n === 10) {
        const lower = name.toLowerCase();
        if (lower === 'content-length') length = parseLength(value, length);
        else if (lower === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
        else if (lower === 'connection' && /(?:^|,)\s*close\s*(?:,|$)/i.test(value)) this.keepAlive = false;
      }
      raw.push(name, value);
    }
    const rest = buf.subarray(end + 4);
    if (status >= 100 && status < 200) return rest; // 1xx: the real response follows.
    this.#ev.head(status, m[3] ?? '', raw);
    if (this.#noBody || status === 204 || status === 304) return this.#finish(rest);
    if (chunked) this.#state = 'chunk-size';
    else if (length !== undefined) { this.#state = 'length'; this.#remaining = length; if (length === 0) return this.#finish(rest); }
    else { this.#state = 'until-close'; this.keepAlive = false; }
    return rest;
  }

  #body(buf: Buffer, next: State): Buffer | undefined {
    const n = Math.min(this.#remaining, buf.length);
    if (n > 0) this.#ev.data(n === buf.length ? buf : buf.subarray(0, n));
    this.#remaining -= n;
    if (this.#remaining > 0) return undefined;
    const rest = buf.subarray(n);
    if (next === 'done') return this.#finish(rest);
    this.#state = next;
    return rest;
  }

  #chunkSize(buf: Buffer): Buffer | undefined {
    const eol = buf.indexOf('\r\n');
    if (eol === -1) return this.#need(buf, 1024);
    const hex = buf.toString('latin1', 0, eol).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw protoError('malformed chunk size');
    this.#remaining = parseInt(hex, 16);
    this.#state = this.#remaining === 0 ? 'trailers' : 'chunk-data';
    return buf.subarray(eol + 2);
  }

  #chunkCrlf(buf: Buffer): Buffer | undefined {
    if (buf.length < 2) return this.#need(buf, 2);
    if (buf[0] !== 13 || buf[1] !== 10) throw protoError('missing CRLF after chunk');
    this.#state = 'chunk-size';
    return buf.subarray(2);
  }

  #trailers(buf: Buffer): Buffer | undefined {
    if (buf.length >= 2 && buf[0] === 13 && buf[1] === 10) return this.#finish(buf.subarray(2));
    const end = buf.indexOf(CRLF2);
    if (end === -1) return this.#need(buf, MAX_HEAD);
    return this.#finish(buf.subarray(end + 4));
  }

  #finish(rest: Buffer): Buffer | undefined {
    // Stray bytes first: end() may hand the connection back for reuse.
    if (rest.length > 0) this.keepAlive = false;
    this.#state = 'done';
    this.#ev.end();
    return undefined;
  }
}

function parseLength(value: string, prev: number | undefined): number {
  if (!/^\d{1,15}$/.test(value)) throw protoError('malformed Content-Length');
  const n = Number(value);
  if (prev !== undefined && prev !== n) throw protoError('conflicting Content-Length headers');
  return n;
}

function protoError(message: string): Error {
  return Object.assign(new Error(`bad response from member: ${message}`), { code: 'EPROTO' });
}
