// HPACK decoder (RFC 7541), decoding only: the static and dynamic tables, integers, string literals with the
// canonical Huffman code of Appendix B, and dynamic table size updates. The gRPC frame relay runs one per
// direction of a connection to read :path and grpc-status while the header blocks pass through unchanged.

/** Appendix A: the static table, index 1..61. */
const STATIC: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/**
 * Appendix B: the code length of each symbol 0..255 and EOS (256). The code is canonical (codes of one length
 * are consecutive, in symbol order, after the shorter ones), so the lengths alone define it.
 */
export const HUFFMAN_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30
];

interface Canonical { readonly first: Int32Array; readonly count: Int32Array; readonly offset: Int32Array; readonly symbols: Uint16Array }

/** First code, count and symbol offset per code length: a canonical decoder needs nothing else. */
function canonical(lengths: readonly number[]): Canonical {
  const count = new Int32Array(32);
  for (const l of lengths) count[l] = (count[l] ?? 0) + 1;
  const first = new Int32Array(32);
  const offset = new Int32Array(32);
  let code = 0;
  let index = 0;
  for (let l = 1; l < 32; l++) {
    first[l] = code;
    offset[l] = index;
    code = (code + (count[l] ?? 0)) * 2;
    index += count[l] ?? 0;
  }
  const symbols = new Uint16Array(lengths.length);
  const next = Int32Array.from(offset);
  lengths.forEach((l, sym) => { symbols[next[l] ?? 0] = sym; next[l] = (next[l] ?? 0) + 1; });
  return { first, count, offset, symbols };
}

const CANON = canonical(HUFFMAN_LENGTHS);

/** The Huffman code of each symbol (for tests and checks): [code, length]. */
export function huffmanCode(sym: number): [number, number] {
  const len = HUFFMAN_LENGTHS[sym] ?? 0;
  const rank = CANON.symbols.subarray(CANON.offset[len], (CANON.offset[len] ?? 0) + (CANON.count[len] ?? 0)).indexOf(sym);
  return [(CANON.first[len] ?? 0) + rank, len];
}

/** Decodes a Huffman-coded string literal (latin1); throws on EOS inside the data or on bad padding. */
export function huffmanDecode(b: Uint8Array, start = 0, end = b.length): string {
  const { first, count, offset, symbols } = CANON;
  let out = '';
  let code = 0;
  let len = 0;
  for (let i = start; i < end; i++) {
    const byte = b[i] as number;
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const off = code - (first[len] as number);
      if (off < (count[len] as number)) {
        const sym = symbols[(offset[len] as number) + off] as number;
        if (sym === 256) throw new Error('hpack: EOS in a Huffman string');
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      }
    }
  }
  // Padding: at most 7 bits, all ones (the most significant bits of EOS).
  if (len > 7 || code !== 2 ** len - 1) throw new Error('hpack: invalid Huffman padding');
  return out;
}

/** One decoded header field. */
export type HeaderField = readonly [name: string, value: string];

/** A decoder of one direction of one HTTP/2 connection (its dynamic table lives across header blocks). */
export class HpackDecoder {
  /** Oldest first: dynamic index 1 is the last element. */
  readonly #table: HeaderField[] = [];
  #size = 0;
  #max: number;
  #pos = 0;

  /** maxSize: the initial dynamic table size (SETTINGS_HEADER_TABLE_SIZE, 4096 by default). */
  constructor(maxSize = 4096) {
    this.#max = maxSize;
  }

  /** Dynamic table size in octets (RFC 7541 4.1). */
  get size(): number { return this.#size; }

  /** Dynamic table entries, newest first (index 62 onwards). */
  entries(): HeaderField[] { return [...this.#table].reverse(); }

  /** Decodes one complete header block; throws on malformed input (the table is then unusable). */
  decode(b: Uint8Array): HeaderField[] {
    const out: HeaderField[] = [];
    this.#pos = 0;
    while (this.#pos < b.length) {
      const first = b[this.#pos] as number;
      if (first & 0x80) {
        out.push(this.#at(this.#int(b, 7)));
      } else if (first & 0x40) {
        const f = this.#literal(b, 6);
        this.#add(f);
        out.push(f);
      } else if (first & 0x20) {
        this.#resize(this.#int(b, 5));
      } else {
        out.push(this.#literal(b, 4));
      }
    }
    return out;
  }

  #literal(b: Uint8Array, prefix: number): HeaderField {
    const index = this.#int(b, prefix);
    const name = index === 0 ? this.#string(b) : this.#at(index)[0];
    return [name, this.#string(b)];
  }

  #at(index: number): HeaderField {
    if (index === 0) throw new Error('hpack: index 0');
    if (index <= STATIC.length) return STATIC[index - 1] as HeaderField;
    const f = this.#table[this.#table.length - (index - STATIC.length)];
    if (f === undefined) throw new Error(`hpack: index ${index} beyond the dynamic table`);
    return f;
  }

  #add(f: HeaderField): void {
    const size = f[0].length + f[1].length + 32;
    this.#size += size;
    this.#table.push(f);
    this.#evict();
  }

  #resize(max: number): void {
    this.#max = max;
    this.#evict();
  }

  #evict(): void {
    while (this.#size > this.#max) {
      const old = this.#table.shift() as HeaderField;
      this.#size -= old[0].length + old[1].length + 32;
    }
  }

  /** RFC 7541 5.1: an integer with an N-bit prefix. */
  #int(b: Uint8Array, prefix: number): number {
    const mask = (1 << prefix) - 1;
    let v = (b[this.#pos++] as number) & mask;
    if (v < mask) return v;
    for (let shift = 0; ; shift += 7) {
      if (this.#pos >= b.length) throw new Error('hpack: truncated integer');
      if (shift > 21) throw new Error('hpack: integer too large');
      const byte = b[this.#pos++] as number;
      v += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return v;
    }
  }

  /** RFC 7541 5.2: a string literal, raw or Huffman-coded, read as latin1 (octet lengths are sizes). */
  #string(b: Uint8Array): string {
    if (this.#pos >= b.length) throw new Error('hpack: truncated string');
    const huffman = ((b[this.#pos] as number) & 0x80) !== 0;
    const len = this.#int(b, 7);
    const start = this.#pos;
    const end = start + len;
    if (end > b.length) throw new Error('hpack: truncated string');
    this.#pos = end;
    return huffman ? huffmanDecode(b, start, end) : Buffer.from(b.buffer, b.byteOffset + start, len).toString('latin1');
  }
}
