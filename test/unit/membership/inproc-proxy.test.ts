// The local proxy promote and demote run in their own process, with a stand-in factory: flags recorded while it
// runs and removed on stop, JSON log lines in proxy.log (0600), and a failed or slow start closed and reported.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { EdgeComponent, EdgeFactory } from '../../../core/edge.js';
import { EdgeError } from '../../../core/errors.js';
import type { Logger } from '../../../core/log.js';
import { startLocalProxy } from '../../../membership/inproc-proxy.js';
import { readProxyFlags } from '../../../membership/proxy-flags.js';

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'inproc-proxy-unit-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A factory whose component logs, then starts as told; counts closes. */
function fake(start: 'ok' | 'fail' | 'hang'): { factory: EdgeFactory; closes: () => number; got: () => unknown } {
  let closes = 0;
  let got: unknown;
  const factory: EdgeFactory = {
    validate: () => undefined,
    create(flags, logger: Logger): EdgeComponent {
      got = flags;
      return {
        async start(opts) {
          logger.info({ listenUrls: [flags['listen-client-urls']] }, 'ready to proxy client requests');
          if (start === 'fail') throw new EdgeError('EDGE_LISTEN_FAILED', 'address in use', { hint: 'pick another port' });
          if (start === 'hang') await new Promise((_, reject) => opts?.signal?.addEventListener('abort', () => reject(new EdgeError('EDGE_ABORTED', 'cancelled'))));
        },
        async close() { closes += 1; },
        describe: () => ({ kind: 'proxy', address: '', detail: '' }),
      };
    },
  };
  return { factory, closes: () => closes, got: () => got };
}

const FLAGS = { 'listen-client-urls': 'http://127.0.0.1:1', 'initial-cluster': 'a=http://127.0.0.1:2' };

test('a started proxy: its flags are recorded under this pid, its lines go to proxy.log as JSON (0600); stop() is idempotent', async (t) => {
  const d = dir(t);
  const f = fake('ok');
  const p = await startLocalProxy({ factory: f.factory, flags: { ...FLAGS, 'data-dir': d }, dataDir: d, readyTimeoutMs: 5000 });
  assert.deepEqual(f.got(), { ...FLAGS, 'data-dir': d });
  assert.deepEqual(p.urls, ['http://127.0.0.1:1']);
  assert.deepEqual(readProxyFlags(d), { pid: process.pid, flags: { ...FLAGS, 'data-dir': d } });
  assert.equal(p.logFile, path.join(d, 'logs', 'proxy.log'));
  assert.equal(statSync(p.logFile).mode & 0o777, 0o600);
  const line = JSON.parse(readFileSync(p.logFile, 'utf8').trim()) as Record<string, unknown>;
  assert.deepEqual([line.name, line.pid, line.msg], ['proxy', process.pid, 'ready to proxy client requests']);
  await Promise.all([p.stop(), p.stop()]);
  assert.equal(f.closes(), 1);
  assert.equal(existsSync(path.join(d, 'proxy', 'flags.json')), false);
});

test('a start that fails is closed, leaves no flags record, and says why with its hint', async (t) => {
  const d = dir(t);
  const f = fake('fail');
  await assert.rejects(startLocalProxy({ factory: f.factory, flags: FLAGS, dataDir: d, readyTimeoutMs: 5000 }),
    (err: EdgeError) => err.code === 'EDGE_MEMBERSHIP' && err.message === 'the proxy did not start: address in use' && err.hint === 'pick another port');
  assert.equal(f.closes(), 1);
  assert.equal(readProxyFlags(d), undefined);
  assert.match(readFileSync(path.join(d, 'logs', 'proxy.log'), 'utf8'), /"msg":"proxy did not start"/);
});

test('a start that is not ready in time is cancelled and closed: EDGE_TIMEOUT', async (t) => {
  const d = dir(t);
  const f = fake('hang');
  await assert.rejects(startLocalProxy({ factory: f.factory, flags: FLAGS, dataDir: d, readyTimeoutMs: 50 }),
    (err: EdgeError) => err.code === 'EDGE_TIMEOUT' && /not ready after 50ms/.test(err.message));
  assert.equal(f.closes(), 1);
  assert.equal(readProxyFlags(d), undefined);
});

test('without a factory nothing starts', async (t) => {
  const d = dir(t);
  await assert.rejects(startLocalProxy({ factory: undefined, flags: FLAGS, dataDir: d, readyTimeoutMs: 50 }), { code: 'EDGE_INTERNAL' });
  assert.equal(readProxyFlags(d), undefined);
});
