// Generated and mutated HTTP/1.x responses for the response parser's differential test: valid framings (length,
// chunked with extensions and trailers, until close, 1xx, 204/304, HEAD), then the classic desync material
// (duplicate and conflicting lengths, odd Transfer-Encodings, whitespace and control bytes in the wrong places,
// bare CR/LF) and random byte-level mutations, cut into random pieces. Deterministic for a seed.

/** One generated input: what the member sends, in the pieces the socket delivers, for a HEAD or not. */
export interface GenCase {
  readonly bytes: Buffer;
  readonly pieces: Buffer[];
  readonly noBody: boolean;
}

/** Returns a seeded PRNG in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const chance = (r: R, p: number): boolean => r() < p;

const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/01.1'];
const STATUSES = ['200', '200', '200', '201', '204', '206', '304', '404', '500', '100', '101', '102', '103', '099', '600', '999', '20', '2000', '+20', ' 200'];
const REASONS = ['OK', 'OK', '', 'Not Found', 'a b\tc', 'x\x00y', 'x\x7fy', '\xff\xfe', 'x\ny', 'x\ry', ' '];
const LENGTHS = ['0', '1', '3', '5', '10', '00', '007', '+5', '-1', ' 5', '5 ', '5, 5', '0x5', '', '99999999999999999999', '5\t', '1e1'];
const CODINGS = ['chunked', 'chunked', 'Chunked', 'CHUNKED', 'gzip, chunked', 'chunked, gzip', 'identity', 'gzip', ' chunked', 'chunked ',
  'chunked,', ',chunked', 'chunkedx', 'chunked\x00', '"chunked"', 'chunk', 'x-chunked'];
const CONNECTIONS = ['close', 'keep-alive', 'Close', 'keep-alive, close', 'close, keep-alive', 'closed', 'upgrade', 'Upgrade', 'x-close', ' close '];
const NAMES = ['X-Etcd-Index', 'Content-Type', 'Date', 'X-Raft-Term', 'Content-Length ', ' Content-Length', 'Content-Length\t', 'Content_Length',
  'Transfer-Encoding ', 'Transfer_Encoding', 'X\x00Y', 'X\x7fY', 'X(Y)', 'X Y', '', 'X\xffY', 'Upgrade', 'Keep-Alive', 'Proxy-Connection'];
const VALUES = ['1', 'application/json', 'a b', ' padded ', '\tt\t', 'a\x00b', 'a\x7fb', '\xe9t\xe9', 'a\nb', 'a\rb', 'a\r\nX-Injected: 1', '', 'a\x01b'];
const EXTENSIONS = ['', '', '', ';a=b', ';a', ';a="q;r"', ' ;a=b', ';a=b ', ';\x00', ';a\nb', '; a', ';a=b;c=d', ';a="\\""'];
const SIZE_FORMS = ['lower', 'upper', 'zeros', 'space', 'tab', 'plus', 'prefix'] as const;
const INTERESTING = [13, 10, 0, 32, 9, 58, 59, 48, 49, 97, 0x7f, 0xff, 0x0b, 0x0c];

function header(r: R): [string, string] {
  if (chance(r, 0.5)) return [pick(r, ['X-Etcd-Index', 'Content-Type', 'X-Etcd-Cluster-Id', 'Date']), pick(r, ['1', 'application/json', 'abc 123', ''])];
  switch (Math.floor(r() * 6)) {
    case 0: return ['Content-Length', pick(r, LENGTHS)];
    case 1: return [pick(r, ['Transfer-Encoding', 'transfer-encoding', 'Transfer-Encoding']), pick(r, CODINGS)];
    case 2: return [pick(r, ['Connection', 'connection']), pick(r, CONNECTIONS)];
    case 3: return [pick(r, NAMES), pick(r, VALUES)];
    default: return [pick(r, ['X-Etcd-Index', 'Content-Type', 'X-Etcd-Cluster-Id']), pick(r, ['1', 'application/json', 'abc123'])];
  }
}

function chunkSize(r: R, n: number): string {
  const hex = n.toString(16);
  switch (pick(r, SIZE_FORMS)) {
    case 'upper': return hex.toUpperCase();
    case 'zeros': return `00${hex}`;
    case 'space': return chance(r, 0.8) ? hex : `${hex} `;
    case 'tab': return chance(r, 0.8) ? hex : `\t${hex}`;
    case 'plus': return chance(r, 0.9) ? hex : `+${hex}`;
    case 'prefix': return chance(r, 0.9) ? hex : `0x${hex}`;
    default: return hex;
  }
}

function chunkedBody(r: R, body: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const n = 1 + Math.floor(r() * Math.min(9, body.length - i));
    out += `${chunkSize(r, n)}${pick(r, EXTENSIONS)}\r\n${body.slice(i, i + n)}${chance(r, 0.97) ? '\r\n' : pick(r, ['\n', '', 'XX', '\r'])}`;
    i += n;
  }
  out += `${chance(r, 0.9) ? '0' : pick(r, ['00', '000', '0 ', ' 0'])}${pick(r, EXTENSIONS)}\r\n`;
  if (chance(r, 0.3)) out += `${pick(r, ['X-Trailer', 'Content-Length', 'X T', 'X\x00'])}: ${pick(r, VALUES)}\r\n`;
  return out + (chance(r, 0.95) ? '\r\n' : pick(r, ['', '\n', 'GARBAGE\r\n\r\n']));
}

/** Builds one response (and maybe what follows it) as latin1 text. */
function response(r: R): string {
  const status = chance(r, 0.85) ? pick(r, ['200', '200', '201', '204', '304', '404', '100', '103']) : pick(r, STATUSES);
  const version = chance(r, 0.9) ? 'HTTP/1.1' : pick(r, VERSIONS);
  const reason = chance(r, 0.85) ? ' OK' : pick(r, ['', ' ']) + pick(r, REASONS);
  const headers: [string, string][] = [];
  const body = 'x'.repeat(Math.floor(r() * 12)) + (chance(r, 0.1) ? 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' : '');
  const framing = pick(r, ['length', 'length', 'chunked', 'chunked', 'close', 'none']);
  if (framing === 'length') headers.push(['Content-Length', chance(r, 0.85) ? String(body.length) : pick(r, LENGTHS)]);
  if (framing === 'chunked') headers.push(['Transfer-Encoding', chance(r, 0.85) ? 'chunked' : pick(r, CODINGS)]);
  for (let i = Math.floor(r() * 3); i > 0; i--) headers.splice(Math.floor(r() * (headers.length + 1)), 0, header(r));
  if (chance(r, 0.05)) for (let i = 0; i < 40; i++) headers.push([`X-Many-${i}`, String(i)]);
  const sep = (): string => (chance(r, 0.98) ? '\r\n' : pick(r, ['\n', '\r', '\r\r\n', '\n\r']));
  let text = `${version} ${status}${reason}${sep()}`;
  for (const [n, v] of headers) text += `${n}:${chance(r, 0.9) ? ' ' : pick(r, ['', '  ', '\t'])}${v}${sep()}`;
  text += sep();
  const encoded = framing === 'chunked' && chance(r, 0.9) ? chunkedBody(r, body) : body;
  return text + (status.startsWith('1') ? '' : encoded);
}

function mutate(r: R, b: Buffer): Buffer {
  const bytes = [...b];
  for (let n = 1 + Math.floor(r() * 3); n > 0 && bytes.length > 0; n--) {
    const at = Math.floor(r() * bytes.length);
    const op = Math.floor(r() * 4);
    if (op === 0) bytes[at] = pick(r, INTERESTING);
    else if (op === 1) bytes.splice(at, 0, pick(r, INTERESTING));
    else if (op === 2) bytes.splice(at, 1);
    else bytes.length = at;
  }
  return Buffer.from(bytes);
}

/** Generates the next case from a seeded PRNG (see rng). */
export function generate(r: R): GenCase {
  let text = response(r);
  if (text.startsWith('HTTP/1.1 1') && chance(r, 0.9)) text += response(r);
  if (chance(r, 0.15)) text += pick(r, ['\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi', 'garbage', '0\r\n\r\n']);
  let bytes: Buffer = Buffer.from(text, 'latin1');
  if (chance(r, 0.25)) bytes = mutate(r, bytes);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = chance(r, 0.5) ? bytes.length - i : 1 + Math.floor(r() * 16);
    pieces.push(bytes.subarray(i, i + n));
    i += n;
  }
  return { bytes, pieces, noBody: chance(r, 0.1) };
}
