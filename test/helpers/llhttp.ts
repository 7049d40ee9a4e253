// The reference side of the response parser's differential test: node:http's own llhttp binding (the HTTPParser
// that http.ClientRequest drives, from the public legacy module `_http_common`), driven the way the client drives
// it (strict, 16 KiB head limit, 1xx skipped, 101 and other upgrades fatal, HEAD bodies skipped).
import { createRequire } from 'node:module';

/** What one parser made of one upstream byte stream answering one request. */
export interface Verdict {
  /** Parsed a whole final response (after EOF if needed) without a parse error. */
  readonly ok: boolean;
  readonly status: number;
  readonly statusMessage: string;
  readonly rawHeaders: readonly string[];
  readonly body: string;
  /** The connection may carry the next request: keep-alive, and nothing followed the response. */
  readonly reusable: boolean;
  readonly error: string;
}

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(buf: Buffer): number | (Error & { code?: string });
  finish(): undefined | (Error & { code?: string });
  close(): void;
  [k: number]: unknown;
}
interface LlhttpCtor {
  new (): LlhttpParser;
  RESPONSE: number;
  kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number; kOnMessageBegin: number;
  kLenientNone: number;
}

const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser: LlhttpCtor };
const MAX_HEADER_SIZE = 16 * 1024; // node:http's default --max-http-header-size

/** Runs bytes, delivered in the given pieces, through llhttp as node:http's client would. */
export function llhttpVerdict(pieces: readonly Buffer[], noBody: boolean): Verdict {
  const p = new HTTPParser();
  p.initialize(HTTPParser.RESPONSE, {}, MAX_HEADER_SIZE, HTTPParser.kLenientNone);
  let headers: string[] = [];
  const st = { final: false, done: false, after: false, status: 0, message: '', raw: [] as string[], keepAlive: false, body: [] as Buffer[], error: '' };
  p[HTTPParser.kOnMessageBegin] = () => { if (st.done) st.after = true; };
  p[HTTPParser.kOnHeaders] = (h: string[]) => { headers.push(...h); };
  p[HTTPParser.kOnHeadersComplete] = (_maj: number, _min: number, h: string[] | undefined, _m: unknown, _u: unknown,
    status: number, message: string, upgrade: boolean, keepAlive: boolean): number => {
    const all = h === undefined ? headers : [...headers, ...h];
    headers = [];
    if (st.done) return 1;
    if (upgrade) { st.error = 'upgrade'; return 2; }
    if (status >= 100 && status < 200) return 1;
    Object.assign(st, { final: true, status, message, raw: all, keepAlive });
    return noBody ? 1 : 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer) => { if (st.final && !st.done) st.body.push(Buffer.from(b)); };
  p[HTTPParser.kOnMessageComplete] = () => { if (st.final) st.done = true; };
  for (const piece of pieces) {
    if (st.error !== '' || st.after) break;
    const r = p.execute(piece);
    if (typeof r !== 'number') { if (st.done) st.after = true; else st.error = r.code ?? 'error'; break; }
    if (st.error === '' && r < piece.length) { if (st.done) st.after = true; else st.error = 'stopped'; }
  }
  if (st.error === '' && !st.done && !st.after) {
    const r = p.finish();
    if (r !== undefined) st.error = r.code ?? 'error';
  }
  p.close();
  const ok = st.error === '' && st.done;
  return {
    ok, status: st.status, statusMessage: st.message, rawHeaders: st.raw,
    body: Buffer.concat(st.body).toString('latin1'), reusable: ok && st.keepAlive && !st.after,
    error: ok ? '' : st.error || 'incomplete',
  };
}
