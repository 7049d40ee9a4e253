// The HTTP routes of the discovery service, as discovery.etcd.io lays them out: /new, /health, /metrics and the
// token URL with the subset of the v2 keys API etcd's discovery client uses. No request can crash the process.
import type http from 'node:http';
import { isEdgeError } from '../core/errors.js';
import { errFields } from '../core/log.js';
import type { Tokens } from './tokens.js';
import { MACHINE_RE, TOKEN_RE, v2Error } from './v2.js';
import type { V2Reply } from './v2.js';
import { handleWait, sendV2 } from './wait.js';
import type { WaitContext } from './wait.js';

/** What the handler needs from the service. */
export interface HandlerContext extends WaitContext {
  readonly tokens: Tokens;
  /** The public URL prefix token URLs start with. */
  publicHost(): string;
}

type Route =
  | { kind: 'new' | 'health' | 'metrics' | 'home' | 'unknown' }
  | { kind: 'dir'; token: string }
  | { kind: 'size'; token: string }
  | { kind: 'machine'; token: string; id: string };

const ALLOWED: Readonly<Record<Route['kind'], readonly string[]>> = {
  new: ['GET', 'PUT'], health: ['GET'], metrics: ['GET'], home: ['GET'], unknown: ['GET', 'PUT', 'DELETE'],
  dir: ['GET'], size: ['GET'], machine: ['GET', 'PUT', 'DELETE'],
};

const MAX_BODY = 64 * 1024;

/** Maps a path to a route; token and machine names are matched raw, never URL-decoded. */
export function route(path: string): Route {
  if (path === '/new') return { kind: 'new' };
  if (path === '/health') return { kind: 'health' };
  if (path === '/metrics') return { kind: 'metrics' };
  if (path === '/') return { kind: 'home' };
  const parts = path.replace(/\/$/, '').split('/').slice(1);
  const token = parts[0] ?? '';
  if (!TOKEN_RE.test(token)) return { kind: 'unknown' };
  const rest = parts.slice(1);
  if (rest.length === 0) return { kind: 'dir', token };
  if (rest.length === 2 && rest[0] === '_config' && rest[1] === 'size') return { kind: 'size', token };
  if (rest.length === 1 && MACHINE_RE.test(rest[0] ?? '')) return { kind: 'machine', token, id: rest[0] as string };
  return { kind: 'unknown' };
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= MAX_BODY) { chunks.push(c); return; }
      // Too big: stop keeping it, answer 400 and let the connection close (the reply says connection: close).
      req.off('data', onData);
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A client that hangs up mid-body gets nothing; the promise must still settle.
    req.on('close', () => resolve(undefined));
  });
}

function parseBool(v: string | null): boolean | undefined | 'bad' {
  if (v === null || v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return 'bad';
}

async function handleNew(ctx: HandlerContext, res: http.ServerResponse, q: URLSearchParams): Promise<number> {
  const raw = q.get('size') ?? '3';
  const size = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(size >= 1 && size <= 65535)) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`invalid size ${JSON.stringify(raw)}: must be a whole number from 1 to 65535`);
    return 400;
  }
  const token = await ctx.tokens.create(size);
  ctx.metrics.tokensCreated.inc();
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  // No trailing newline, as discovery.etcd.io answers, so `$(curl …/new)` is the URL itself.
  res.end(`${ctx.publicHost()}/${token}`);
  return 200;
}

async function handleHealth(ctx: HandlerContext, res: http.ServerResponse): Promise<number> {
  try {
    await ctx.store.get(ctx.tokens.keys.dir('_health'));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"health":"true"}\n');
    return 200;
  } catch (err) {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ health: 'false', reason: (err as Error).message }) + '\n');
    return 503;
  }
}

async function handleMachine(ctx: HandlerContext, req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams, token: string, id: string): Promise<V2Reply> {
  if (req.method === 'GET') return ctx.tokens.getMachine(token, id);
  if (req.method === 'DELETE') return ctx.tokens.deleteMachine(token, id);
  const body = await readBody(req);
  if (body === undefined) {
    res.setHeader('connection', 'close');
    return v2Error('invalidForm', `body missing or larger than ${MAX_BODY} bytes`, 0);
  }
  const type = String(req.headers['content-type'] ?? '');
  const form = type === '' || type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams();
  const value = form.get('value') ?? q.get('value');
  const prevExist = parseBool(form.get('prevExist') ?? q.get('prevExist'));
  if (prevExist === 'bad') return v2Error('invalidField', 'invalid value for prevExist', 0);
  if (value === null) return v2Error('valueRequired', `/${token}/${id}`, 0);
  return ctx.tokens.putMachine(token, id, value, prevExist);
}

async function dispatch(ctx: HandlerContext, req: http.IncomingMessage, res: http.ServerResponse, r: Route, q: URLSearchParams): Promise<number> {
  switch (r.kind) {
    case 'new': return handleNew(ctx, res, q);
    case 'health': return handleHealth(ctx, res);
    case 'metrics': {
      res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
      res.end(await ctx.metrics.registry.metrics());
      return 200;
    }
    case 'home':
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('etcd-edge discovery service\nGET /new?size=N creates a token; pass the URL it returns to etcd --discovery\n');
      return 200;
    case 'unknown': { sendV2(res, v2Error('keyNotFound', req.url?.split('?')[0] ?? '/', 0)); return 404; }
    default: break;
  }
  const wait = q.get('wait') === 'true';
  if (wait && req.method === 'GET' && r.kind !== 'size') {
    const raw = q.get('waitIndex');
    if (raw !== null && raw !== '' && !/^\d{1,15}$/.test(raw)) { sendV2(res, v2Error('indexNaN', 'invalid value for waitIndex', 0)); return 400; }
    const waitIndex = raw === null || raw === '' ? undefined : Number(raw);
    return handleWait(ctx, req, res, { token: r.token, id: r.kind === 'machine' ? r.id : undefined, recursive: q.get('recursive') === 'true', waitIndex });
  }
  let reply: V2Reply;
  if (r.kind === 'size') reply = await ctx.tokens.getSize(r.token);
  else if (r.kind === 'dir') reply = await ctx.tokens.list(r.token);
  else reply = await handleMachine(ctx, req, res, q, r.token, r.id);
  sendV2(res, reply);
  return reply.status;
}

/** Creates the request listener of the discovery service. */
export function createHandler(ctx: HandlerContext): http.RequestListener {
  return (req, res) => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    const q = new URLSearchParams(query);
    const r = route(path);
    const method = req.method ?? 'GET';
    const allowed = ALLOWED[r.kind];
    const done = (code: number): void => { ctx.metrics.requests.inc({ route: r.kind, method, code: String(code) }); };
    if (!allowed.includes(method)) {
      res.writeHead(405, { allow: allowed.join(', '), 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed\n');
      done(405);
      return;
    }
    dispatch(ctx, req, res, r, q).then(done, (err: unknown) => {
      if (isEdgeError(err)) ctx.metrics.storeErrors.inc();
      ctx.log.warn({ ...errFields(err), method, path, remoteAddr: req.socket.remoteAddress }, 'request failed');
      if (res.headersSent) { res.destroy(); done(0); return; }
      // A 5xx makes etcd's discovery client retry with backoff instead of giving up.
      sendV2(res, v2Error('raftInternal', isEdgeError(err) ? err.message : 'internal error', 0));
      done(500);
    });
  };
}
