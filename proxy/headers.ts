// Header rewriting both ways (etcd's proxy/httpproxy/reverse.go, with its gaps fixed): hop-by-hop headers, the
// ones named in Connection:, Trailer and Expect (the body is read already) are dropped, X-Forwarded-For gets the
// client IP and Via this proxy's loop token. Headers stay flat [name, value, ...] arrays, as Node reads them.

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'trailers',
  'transfer-encoding', 'upgrade',
]);

function connectionNamed(raw: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length !== 10 || (raw[i] as string).toLowerCase() !== 'connection') continue;
    for (const t of (raw[i + 1] as string).split(',')) {
      const n = t.trim().toLowerCase();
      if (n !== '' && n !== 'close' && n !== 'keep-alive') (named ??= new Set()).add(n);
    }
  }
  return named;
}

/** The upstream request headers and what the forwarder still has to add per attempt. */
export interface RequestHeaders {
  readonly headers: string[];
  readonly hasHost: boolean;
}

/** Builds the upstream request headers from the client's raw headers. */
export function requestHeaders(raw: readonly string[], opts: {
  clientIp: string | undefined; via: string; bodyLength: number | undefined; dropAcceptEncoding: boolean;
}): RequestHeaders {
  const named = connectionNamed(raw);
  const out: string[] = [];
  let xff: string | undefined;
  let via: string | undefined;
  let hasHost = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || lower === 'content-length') continue;
    if (lower === 'x-forwarded-for') { xff = xff === undefined ? value : `${xff}, ${value}`; continue; }
    if (lower === 'via') { via = via === undefined ? value : `${via}, ${value}`; continue; }
    if ((lower === 'accept-encoding' && opts.dropAcceptEncoding) || lower === 'expect') continue;
    if (lower === 'host') hasHost = true;
    out.push(name, value);
  }
  if (opts.clientIp !== undefined) out.push('X-Forwarded-For', xff === undefined ? opts.clientIp : `${xff}, ${opts.clientIp}`);
  else if (xff !== undefined) out.push('X-Forwarded-For', xff);
  out.push('Via', via === undefined ? opts.via : `${via}, ${opts.via}`);
  if (opts.bodyLength !== undefined) out.push('Content-Length', String(opts.bodyLength));
  return { headers: out, hasHost };
}

// The lengths of the hop-by-hop names and of content-length: a response header of another length is kept
// without lowercasing its name (unless Connection: named headers to drop).
const DROP_LENGTHS = new Set([...HOP_BY_HOP].map((h) => h.length).concat('content-length'.length));

/** Filters the upstream response's raw headers for the client; dropLength when the body is rewritten. */
export function responseHeaders(raw: readonly string[], dropLength: boolean): string[] {
  const named = connectionNamed(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (named !== undefined || DROP_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || named?.has(lower) || (dropLength && lower === 'content-length')) continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  return out;
}
