// Access logs through pino-http, built only when --access-log is not `off`, so the data path pays nothing
// otherwise. Lines go to stderr as JSON, with credentials redacted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import type { DestinationStream } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ProxyConfig } from './config.js';

/** Returns the access-log hook for the handler, or undefined when access logging is off. */
export function createAccessLog(cfg: Pick<ProxyConfig, 'accessLog' | 'logLevel'>, dest?: DestinationStream):
  ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  if (cfg.accessLog === 'off' || cfg.logLevel === 'silent') return undefined;
  const logger = pino({
    level: cfg.logLevel,
    base: { pid: process.pid, name: 'proxy', component: 'proxy-access' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'], censor: '[redacted]' },
  }, dest ?? pino.destination({ dest: 2, sync: true }));
  const level = cfg.accessLog;
  const http = pinoHttp({
    logger,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? (level === 'debug' ? 'info' : 'warn') : level),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
  return (req, res) => http(req, res);
}
