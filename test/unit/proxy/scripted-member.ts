// A scripted fake member for the data-path tests: a raw net.Server on loopback that records the exact bytes of
// every request it receives (by the request's X-Case header) and answers each with the raw response its
// X-Script header names, so both data paths can be fed the same answers and their forwarding compared byte for byte.
import net from 'node:net';
import { resetSocket } from '../../../core/socket-reset.js';

/** Raw answers by script name; `${body}` sizes come from the X-Size header. */
export const SCRIPTS = ['cl', 'chunked', 'close', '204', '304', '1xx', 'clbye', 'hop', 'big', 'members'] as const;
export type Script = (typeof SCRIPTS)[number];

/** A running member. */
export interface ScriptedMember {
  readonly url: string;
  readonly port: number;
  /** Requests received, by X-Case (requests without one under ''). */
  readonly got: Map<string, string[]>;
  /** Connections accepted so far. */
  conns(): number;
  /** Dies as a crashed process does: stops listening and resets every connection (helpers/reset.ts). */
  kill(): Promise<void>;
  /** Listens again on the same port (not after close()). */
  revive(): Promise<void>;
  /** Kills it for good: a revive() still pending (the stress test's dying member) does not listen again. */
  close(): Promise<void>;
}

const JSON_BODY = '{"action":"get","node":{"key":"/foo","value":"bar","modifiedIndex":7,"createdIndex":7}}';

/** The raw response for a script, and whether the member closes the connection after it. */
export function answer(script: string, head: boolean, memberUrl: string): { bytes: string; close: boolean } {
  const cl = (body: string, extra = ''): string =>
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Etcd-Index: 7\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${head ? '' : body}`;
  switch (script) {
    case 'chunked':
      return { bytes: `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n${head ? '' : '5;ext=1\r\nhello\r\n7;a="b c"\r\n, world\r\n0\r\nX-Checksum: 12\r\n\r\n'}`, close: false };
    case 'close':
      return { bytes: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n${head ? '' : 'a body delimited by the close'}`, close: true };
    case '204':
      return { bytes: 'HTTP/1.1 204 No Content\r\nX-Etcd-Index: 8\r\n\r\n', close: false };
    case '304':
      return { bytes: 'HTTP/1.1 304 Not Modified\r\nETag: "7"\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n', close: false };
    case '1xx':
      return { bytes: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n${cl(JSON_BODY)}`, close: false };
    case 'clbye':
      return { bytes: cl(JSON_BODY), close: true };
    case 'hop':
      return { bytes: cl(JSON_BODY, 'Connection: keep-alive, X-Member-Hop\r\nX-Member-Hop: 1\r\nKeep-Alive: timeout=9\r\nProxy-Authenticate: Basic\r\nX-Spaced:   kept   \r\n'), close: false };
    case 'big':
      return { bytes: cl('x'.repeat(65536), 'Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n'), close: false };
    case 'members':
      return { bytes: cl(JSON.stringify({ members: [{ id: '1', name: 'm1', peerURLs: ['http://127.0.0.1:1000'], clientURLs: [memberUrl] }] })), close: false };
    default:
      return { bytes: cl(JSON_BODY), close: false };
  }
}

/** Length of a chunked body at the start of `b` (with its trailers), or -1 while incomplete. */
function chunkedLength(b: string): number {
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    if (eol === -1) return -1;
    const size = parseInt(b.slice(i, eol), 16);
    if (size === 0) {
      const end = b.indexOf('\r\n\r\n', eol);
      return end === -1 ? -1 : end + 4;
    }
    i = eol + 2 + size + 2;
    if (i > b.length) return -1;
  }
}

/** Starts a member; `onRequest` may take over a request (the stress test's failures) by returning true. */
export async function scriptedMember(onRequest?: (head: string, s: net.Socket) => boolean): Promise<ScriptedMember> {
  const got = new Map<string, string[]>();
  const socks = new Set<net.Socket>();
  let conns = 0;
  let url = '';
  const server = net.createServer((s) => {
    conns++;
    socks.add(s);
    s.on('close', () => socks.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    let ended = false;
    s.on('data', (d: Buffer) => {
      // A member that closed its side is gone, as a real server that closes after a response: nothing more is read.
      if (ended) return;
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.slice(0, end + 4);
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        let total = end + 4 + (cl ? Number(cl[1]) : 0);
        if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
          const n = chunkedLength(buf.slice(end + 4));
          if (n === -1) return;
          total = end + 4 + n;
        }
        if (buf.length < total) return;
        const msg = buf.slice(0, total);
        buf = buf.slice(total);
        const key = /\r\nx-case:\s*([^\r]*)/i.exec(head)?.[1]?.trim() ?? '';
        got.set(key, [...(got.get(key) ?? []), msg]);
        if (onRequest?.(head, s)) return;
        const script = /\r\nx-script:\s*([^\r]*)/i.exec(head)?.[1]?.trim() ?? 'cl';
        const a = answer(script, head.startsWith('HEAD '), url);
        s.write(a.bytes);
        if (a.close) { ended = true; s.end(() => s.destroy()); return; }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  let closed = false;
  const kill = (): Promise<void> => new Promise((r) => {
    // Not resetAndDestroy(): a connection the front has just closed is ending here (allowHalfOpen is off), and
    // Node leaks the descriptor of a socket reset while its FIN is pending.
    for (const s of socks) resetSocket(s);
    if (server.listening) server.close(() => r()); else r();
  });
  return {
    url, port, got, conns: () => conns, kill,
    revive: () => new Promise((r, reject) => {
      if (closed || server.listening) { r(); return; }
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => { server.off('error', reject); r(); });
    }),
    close: () => { closed = true; return kill(); },
  };
}
