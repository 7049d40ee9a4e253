// A small HTTP(S) request helper for control-plane calls (health, status, member list), not the data path:
// one request, a hard timeout, the body read as text, TLS options passed through. node:https (and node:tls with
// it) is imported at the first https URL, so a process that only speaks plain http never loads it.
import http from 'node:http';
import type https from 'node:https';
import type { ClientTlsOptions } from './tls.js';

/** One control-plane request. */
export interface HttpRequest {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly tls?: ClientTlsOptions;
  readonly signal?: AbortSignal;
}

/** The whole response, read into memory. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Sends one request and reads the response, rejecting on a transport error or after timeoutMs (default 5 s). */
export function httpRequest(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const u = new URL(url);
  return u.protocol === 'https:' ? import('node:https').then((m) => send(m.default, u, req)) : send(http, u, req);
}

function send(mod: typeof http | typeof https, u: URL, req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve, reject) => {
    const r = mod.request(u, {
      method: req.method ?? 'GET',
      headers,
      agent: false,
      timeout: req.timeoutMs ?? 5000,
      ...(u.protocol === 'https:' ? req.tls ?? {} : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`timeout after ${req.timeoutMs ?? 5000}ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}
