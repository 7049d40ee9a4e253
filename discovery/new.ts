// `etcd-edge discovery new`: a token URL from a discovery service (GET /new?size=N), or a custom token in an
// existing cluster's v2 keys API (PUT /v2/keys/discovery/<token>/_config/size, as etcd's clustering guide does).
import { randomBytes } from 'node:crypto';
import { EdgeError } from '../core/errors.js';
import { httpRequest } from '../core/http-client.js';
import type { HttpResponse } from '../core/http-client.js';
import { loadClientTls } from '../core/tls.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { DiscoveryNewConfig } from './config.js';

/** Creates a token and returns its URL. */
export async function newToken(config: Readonly<DiscoveryNewConfig>, signal?: AbortSignal): Promise<string> {
  const tls = config.tls ? loadClientTls(config.tls) : undefined;
  const common = { timeoutMs: config.requestTimeoutMs, ...(tls ? { tls } : {}), ...(signal ? { signal } : {}) };
  return config.endpoints.length > 0 ? newCustomToken(config, common) : newServiceToken(config, common);
}

type Common = { timeoutMs: number; tls?: ClientTlsOptions; signal?: AbortSignal };

async function newServiceToken(config: Readonly<DiscoveryNewConfig>, common: Common): Promise<string> {
  const url = `${config.service}/new?size=${config.size}`;
  let res: HttpResponse;
  try {
    res = await httpRequest(url, common);
  } catch (cause) {
    throw new EdgeError('EDGE_DISCOVERY', `discovery service ${JSON.stringify(config.service)} is unreachable: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, {
      hint: 'start one with etcd-edge discovery serve, or pass --service with its URL', cause,
    });
  }
  const body = res.body.trim();
  if (res.status !== 200 || !/^https?:\/\/\S+\/[A-Za-z0-9]+$/.test(body)) {
    throw new EdgeError('EDGE_DISCOVERY', `${JSON.stringify(url)} did not return a token URL (status ${res.status}, body ${JSON.stringify(body.slice(0, 200))})`, {
      hint: 'check --service: it must be a discovery service (etcd-edge discovery serve or discovery.etcd.io)',
    });
  }
  return body;
}

async function newCustomToken(config: Readonly<DiscoveryNewConfig>, common: Common): Promise<string> {
  const token = randomBytes(16).toString('hex');
  const errors: string[] = [];
  for (const ep of config.endpoints) {
    const tokenUrl = `${ep}/v2/keys/discovery/${token}`;
    let res: HttpResponse;
    try {
      res = await httpRequest(`${tokenUrl}/_config/size?prevExist=false`, {
        ...common, method: 'PUT', body: `value=${config.size}`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    } catch (err) {
      errors.push(`${ep}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    if (res.status === 201) return tokenUrl;
    if (res.status === 404 && !res.body.trim().startsWith('{')) {
      throw new EdgeError('EDGE_DISCOVERY', `${JSON.stringify(ep)} has no v2 keys API (status 404, ${JSON.stringify(res.body.trim().slice(0, 80))})`, {
        hint: 'start its members with --enable-v2 (etcd-edge up does on etcd 3.4), or use a discovery service: etcd-edge discovery serve, then discovery new --service URL',
      });
    }
    throw new EdgeError('EDGE_DISCOVERY', `creating ${JSON.stringify(tokenUrl)} failed: status ${res.status}, ${JSON.stringify(res.body.trim().slice(0, 200))}`, {
      hint: 'check the cluster at --endpoints (and its auth settings)',
    });
  }
  throw new EdgeError('EDGE_DISCOVERY', `no member answered: ${errors.join('; ')}`, { hint: 'check --endpoints and that the cluster is up' });
}
