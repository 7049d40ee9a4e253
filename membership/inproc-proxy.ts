// A local proxy run in this process (promote's step-7 proxy, demote's replacement): built by the proxy's
// EdgeFactory (the one `up` uses, passed in by bin/) from a flags map, its log lines appended as JSON to
// <data-dir>/logs/proxy.log (0600), its flags recorded in <data-dir>/proxy/flags.json. Its pid file names this
// process; a later promote stops it by stopping this process.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { EdgeComponent, EdgeFactory } from '../core/edge.js';
import { EdgeError } from '../core/errors.js';
import { createLogger, errFields } from '../core/log.js';
import { dataDirLayout } from '../host/index.js';
import { listenUrlsOf, removeProxyFlags, writeProxyFlags } from './proxy-flags.js';
import type { ProxyFlags } from './proxy-flags.js';

/** A running in-process proxy. */
export interface LocalProxy {
  /** Its listen URLs. */
  readonly urls: readonly string[];
  readonly logFile: string;
  /** Drains and stops it, removes its flags record; idempotent. */
  stop(): Promise<void>;
}

/** Options of startLocalProxy. */
export interface LocalProxyOptions {
  /** The proxy's factory; undefined when this build was wired without one. */
  readonly factory: EdgeFactory | undefined;
  /** By the `proxy` subcommand's flag names; data-dir among them. */
  readonly flags: ProxyFlags;
  readonly dataDir: string;
  readonly readyTimeoutMs: number;
}

/** Starts the proxy and resolves once it serves; on failure or timeout it is closed and the error thrown. */
export async function startLocalProxy(o: LocalProxyOptions): Promise<LocalProxy> {
  const logFile = dataDirLayout(o.dataDir).proxyLog;
  if (!o.factory) throw new EdgeError('EDGE_INTERNAL', 'no proxy factory was wired into this command', { hint: 'run etcd-edge proxy yourself' });
  mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const write = (line: string): void => {
    try { appendFileSync(logFile, line, { mode: 0o600 }); } catch { /* logging must not stop the proxy */ }
  };
  const logger = createLogger({ format: 'json', name: 'proxy', write });
  const pid = process.pid; // the proxy's pid file names this process too
  let proxy: EdgeComponent;
  try {
    proxy = o.factory.create(o.flags, logger);
  } catch (err) {
    logger.error(errFields(err), 'invalid proxy flags');
    throw err;
  }
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), o.readyTimeoutMs);
  writeProxyFlags(o.dataDir, pid, o.flags);
  try {
    await proxy.start({ signal: ac.signal });
  } catch (err) {
    logger.error(errFields(err), 'proxy did not start');
    await proxy.close();
    removeProxyFlags(o.dataDir, pid);
    if (ac.signal.aborted) throw new EdgeError('EDGE_TIMEOUT', `the proxy was not ready after ${o.readyTimeoutMs}ms`, { hint: `see ${logFile}`, cause: err });
    throw new EdgeError('EDGE_MEMBERSHIP', `the proxy did not start: ${(err as Error).message}`, { hint: (err as EdgeError).hint || `see ${logFile}`, cause: err });
  } finally {
    clearTimeout(timer);
  }
  let stopped: Promise<void> | undefined;
  return {
    urls: listenUrlsOf(o.flags), logFile,
    stop() {
      stopped ??= (async () => {
        try {
          await proxy.close();
        } finally {
          removeProxyFlags(o.dataDir, pid);
        }
      })();
      return stopped;
    },
  };
}
