// A small incremental HTTP/1.1 response parser for the upstream side (members are HTTP/1.1 servers): status line,
// headers kept raw, then a body framed by Content-Length, chunked encoding or the connection's end. It exists
// because node:http's client costs about a third of the proxy's CPU per request.

/** What the parser reports. */
export interface ResponseEvents {
  head(status: number, statusMessage: string, rawHeaders: string[]): void;
  /** last: this chunk completes a body framed by Content-Length (end() follows at once). */
  data(chunk: Buffer, last: boolean): void;
  end(): void;
}

const MAX_HEAD = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const CHUNK_LINE = /^([0-9a-fA-F]{1,12})(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"))?)*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// Every header line of a head at once (one regex call instead of two per line): a token, a colon, a value without
// control bytes. Values are checked before their whitespace is trimmed, which changes nothing: OWS is allowed.
const HEADER_BLOCK = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*(?:\r\n[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*)*$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close' | 'done';

/** Parses one response; feed() throws an Error with code 'EPROTO' on malformed input. */
export class ResponseParser {
  #state: State = 'head';
  #pending: Buffer | undefined;
  #remaining = 0;
  #trailerBytes = 0;
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
      case 'until-close': this.#ev.data(buf, false); return undefined;
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
    // 101 answers an upgrade the proxy never asks for; what follows it is not HTTP.
    if (status === 101) throw protoError('unexpected 101 Switching Protocols');
    const f: Framing = { length: undefined, chunked: false, close: m[1] !== '1' };
    const raw: string[] = [];
    if (eol + 2 <= text.length && !HEADER_BLOCK.test(text.slice(eol + 2))) throw protoError('malformed header line');
    for (let pos = eol + 2; pos <= text.length; pos = eol + 2) {
      eol = text.indexOf('\r\n', pos);
      if (eol === -1) eol = text.length;
      const colon = text.indexOf(':', pos);
      const name = text.slice(pos, colon);
      const value = trimmed(text, colon + 1, eol);
      const n = name.length;
      if (n === 14 || n === 17 || n === 10) framingHeader(f, name.toLowerCase(), value, text.slice(colon + 1, eol));
      raw.push(name, value);
    }
    const rest = buf.subarray(end + 4);
    if (f.chunked && f.length !== undefined) throw protoError('both Content-Length and Transfer-Encoding');
    if (status < 200) {
      // 1xx: the real response follows, unless this one closes the connection (then nothing may follow).
      if (f.close) throw protoError('interim response closes the connection');
      return rest;
    }
    this.keepAlive = !f.close;
    this.#ev.head(status, m[3] ?? '', raw);
    if (status === 204 || status === 304) return this.#finish(rest);
    if (this.#noBody) {
      // A HEAD answer without a length or chunked: as llhttp (and so node:http) does, do not reuse the connection.
      if (!f.chunked && f.length === undefined) this.keepAlive = false;
      return this.#finish(rest);
    }
    if (f.chunked) this.#state = 'chunk-size';
    else if (f.length !== undefined) { this.#state = 'length'; this.#remaining = f.length; if (f.length === 0) return this.#finish(rest); }
    else { this.#state = 'until-close'; this.keepAlive = false; }
    return rest;
  }

  #body(buf: Buffer, next: State): Buffer | undefined {
    const n = Math.min(this.#remaining, buf.length);
    this.#remaining -= n;
    if (n > 0) this.#ev.data(n === buf.length ? buf : buf.subarray(0, n), this.#remaining === 0 && next === 'done');
    if (this.#remaining > 0) return undefined;
    const rest = buf.subarray(n);
    if (next === 'done') return this.#finish(rest);
    this.#state = next;
    return rest;
  }

  #chunkSize(buf: Buffer): Buffer | undefined {
    const eol = buf.indexOf('\r\n');
    if (eol === -1) return this.#need(buf, 1024);
    const m = CHUNK_LINE.exec(buf.toString('latin1', 0, eol));
    if (!m) throw protoError('malformed chunk size line');
    this.#remaining = parseInt(m[1] as string, 16);
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
    // Trailers are checked like headers (they delimit the message) and dropped.
    let pos = 0;
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol === -1) {
        this.#trailerBytes += buf.length - pos;
        return this.#need(buf.subarray(pos), this.#trailerBytes > MAX_HEAD ? 0 : MAX_HEAD);
      }
      if (eol === pos) return this.#finish(buf.subarray(eol + 2));
      this.#trailerBytes += eol + 2 - pos;
      if (this.#trailerBytes > MAX_HEAD) throw protoError('trailers too long');
      const [name] = headerLine(buf.toString('latin1', pos, eol), 0, eol - pos);
      if (/^(?:content-length|transfer-encoding)$/i.test(name)) throw protoError('framing header in trailers');
      pos = eol + 2;
    }
  }

  #finish(rest: Buffer): Buffer | undefined {
    // Stray bytes first: end() may hand the connection back for reuse.
    if (rest.length > 0) this.keepAlive = false;
    this.#state = 'done';
    this.#ev.end();
    return undefined;
  }
}

interface Framing { length: number | undefined; chunked: boolean; close: boolean }

/** Splits and checks one header (or trailer) line: a token, a colon, a value without control bytes. */
function headerLine(text: string, pos: number, eol: number): [string, string] {
  const colon = text.indexOf(':', pos);
  if (colon <= pos || colon > eol) throw protoError('malformed header line');
  const name = text.slice(pos, colon);
  const value = trimmed(text, colon + 1, eol);
  // No whitespace before the colon, no folding, no bare CR/LF/NUL: each would let two parsers split differently.
  if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) throw protoError('malformed header line');
  return [name, value];
}

/** text[from, to) without its leading and trailing spaces and tabs. */
function trimmed(text: string, from: number, to: number): string {
  while (from < to && isOws(text.charCodeAt(from))) from++;
  while (to > from && isOws(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** Applies Content-Length, Transfer-Encoding and Connection; ambiguity is an error, never a guess. */
function framingHeader(f: Framing, lower: string, value: string, rawValue: string): void {
  if (lower === 'content-length') {
    if (f.length !== undefined) throw protoError('duplicate Content-Length');
    // Digits only, and nothing after them: llhttp refuses a trailing tab, so a length never ends in whitespace.
    if (!/^[\t ]*\d{1,15}$/.test(rawValue)) throw protoError('malformed Content-Length');
    f.length = Number(value);
  } else if (lower === 'transfer-encoding') {
    // Members only ever send plain chunked: any other coding, or a second header, is refused.
    if (f.chunked || value.toLowerCase() !== 'chunked') throw protoError('unsupported Transfer-Encoding');
    f.chunked = true;
  } else if (lower === 'connection') {
    for (const token of value.toLowerCase().split(',')) {
      const t = token.trim();
      if (t === 'close') f.close = true;
      else if (t === 'upgrade') throw protoError('unexpected Connection: upgrade');
    }
  }
}

function protoError(message: string): Error {
  return Object.assign(new Error(`bad response from member: ${message}`), { code: 'EPROTO' });
}
