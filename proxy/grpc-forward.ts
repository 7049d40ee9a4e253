// gRPC forwarding (ours; the role of etcd's grpc-proxy, minus its caches): each incoming HTTP/2 stream becomes
// one stream to a live member, flushed both ways as data comes (Watch, LeaseKeepAlive, Snapshot) with
// backpressure; tried on the next member while nothing came back; status and trailers passed through;
// grpc-timeout enforced; the readonly allowlist; Cluster/MemberList answers rewritten to the proxy's URLs.
import http2 from 'node:http2';
import type { Director, Endpoint } from './director.js';
import type { GrpcMetrics } from './grpc-metrics.js';
import { inspectedIsRead, readonlyVerdict } from './grpc-readonly.js';
import { MEMBER_LIST_PATH, rewriteMemberListBody } from './grpc-rewrite.js';
import type { SessionPool } from './grpc-sessions.js';
import { GrpcCall } from './grpc-call.js';

/** What the gRPC forwarder needs from its proxy. */
export interface GrpcContext {
  readonly director: Director;
  readonly sessions: SessionPool;
  readonly metrics: GrpcMetrics;
  readonly readonly: boolean;
  /** Member-list rewriting target, or undefined when rewriting is off. */
  rewriteTo(): readonly string[] | undefined;
  /** Largest request body buffered to inspect it (readonly Txn/Alarm) or to replay it on another member. */
  readonly maxRequestBytes: number;
}

/** gRPC status codes used by the proxy itself. */
export const GRPC = { DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** Answers a stream that is not gRPC (HTTP/2 is served for gRPC only). */
function notGrpc(stream: http2.ServerHttp2Stream): void {
  stream.respond({ ':status': 415, 'content-type': 'text/plain; charset=utf-8' });
  stream.end('httpproxy: HTTP/2 is served for gRPC only (content-type application/grpc); use HTTP/1.1 for the JSON APIs\n');
}

/** Reads a whole request body (unary calls), up to max bytes. */
function readAll(stream: http2.ServerHttp2Stream, max: number, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  stream.on('data', (c: Buffer) => {
    if (finished) return;
    size += c.length;
    if (size > max) { finished = true; done(undefined); return; }
    chunks.push(c);
  });
  stream.once('end', () => { if (!finished) { finished = true; done(Buffer.concat(chunks, size)); } });
}

/** Creates the stream handler of the HTTP/2 server. */
export function createGrpcHandler(ctx: GrpcContext): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void {
  return (stream, headers) => {
    stream.on('error', () => undefined);
    const ct = headers['content-type'];
    const path = headers[':path'] ?? '/';
    if (headers[':method'] !== 'POST' || typeof ct !== 'string' || !ct.startsWith('application/grpc')) { notGrpc(stream); return; }
    const call = new GrpcCall(stream, headers, ctx.metrics.call(path), ctx.maxRequestBytes);
    if (ctx.readonly) {
      const verdict = readonlyVerdict(path);
      const deny = (): void => call.fail(GRPC.PERMISSION_DENIED, `etcd-edge readonly proxy: ${path} is not allowed (the proxy runs with --proxy readonly)`);
      if (verdict === 'deny') { deny(); return; }
      if (verdict === 'inspect') {
        readAll(stream, ctx.maxRequestBytes, (body) => {
          if (body === undefined) call.fail(GRPC.RESOURCE_EXHAUSTED, `etcd-edge proxy: request larger than ${ctx.maxRequestBytes} bytes`);
          else if (!inspectedIsRead(path, body)) deny();
          else run(ctx, call, path, body);
        });
        return;
      }
    }
    run(ctx, call, path, undefined);
  };
}

function run(ctx: GrpcContext, call: GrpcCall, path: string, body: Buffer | undefined): void {
  const urls = ctx.rewriteTo();
  if (urls !== undefined && path === MEMBER_LIST_PATH) call.transform = (b) => rewriteMemberListBody(b, urls);
  const eps = ctx.director.endpoints().filter((e) => e.available);
  if (eps.length === 0) { call.fail(GRPC.UNAVAILABLE, 'etcd-edge proxy: zero endpoints currently available'); return; }
  let i = 0;
  const next = (failed: Endpoint | undefined, err: unknown): void => {
    if (failed !== undefined) ctx.director.fail(failed, err);
    const ep = eps[i++];
    if (ep === undefined || !call.canRetry()) { call.fail(GRPC.UNAVAILABLE, `etcd-edge proxy: unable to get response from ${i - 1} endpoint(s)`); return; }
    const { session, done } = ctx.sessions.acquire(ep.url);
    call.attempt(session, ep, done, (e) => next(ep, e));
  };
  if (body !== undefined) call.preload(body);
  next(undefined, undefined);
}
