// What the proxy loads on demand: a proxy serving only HTTP/1.1 never loads node:http2 or the gRPC modules (the
// first h2c connection loads them and is itself served: the server's SETTINGS frame comes back), nor pino-http
// while --access-log is off.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('a proxy loads node:http2 and the gRPC side at its first h2c connection, and serves that connection', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-h2-lazy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A fresh process, so nothing else has loaded node:http2; the member list points at a closed port (no member
  // is needed to answer the HTTP/2 preface).
  const script = `
    const net = require('node:net');
    const http = require('node:http');
    const http2Loaded = () => process.moduleLoadList.some((m) => m.includes('internal/http2/core'));
    (async () => {
      const { createProxy, parseProxyFlags } = await import(${JSON.stringify(path.join(BUILD, 'proxy/index.js'))});
      const cfg = parseProxyFlags(['--listen-client-urls', 'http://127.0.0.1:0', '--initial-cluster', 'p=http://127.0.0.1:1', '--data-dir', ${JSON.stringify(dir)}], {});
      const p = createProxy(cfg, { fetchMembers: async () => [{ id: '1', name: 'm1', peerURLs: ['http://127.0.0.1:1'], clientURLs: ['http://127.0.0.1:1'], isLearner: false }] });
      await p.start();
      // node:http, not fetch: undici loads node:http2 itself.
      const res = await new Promise((resolve) => http.get(p.urls()[0] + '/v2/keys/a', (r) => { r.resume(); resolve(r.statusCode); }).on('error', () => resolve(0)));
      const before = http2Loaded();
      const pinoHttp = Object.keys(require.cache).some((k) => k.includes('/pino-http/'));
      const frame = await new Promise((resolve, reject) => {
        const s = net.connect(p.address().port, '127.0.0.1', () => s.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])])));
        s.once('data', (b) => { s.destroy(); resolve(b.subarray(0, 9).toString('hex')); });
        s.once('error', reject);
        setTimeout(() => reject(new Error('no answer to the HTTP/2 preface')), 10000).unref();
      });
      const after = http2Loaded();
      await p.close();
      console.log(JSON.stringify({ http1Answered: res !== 0, pinoHttp, before, after, settingsType: frame.slice(6, 8) }));
    })().catch((err) => { console.error(err); process.exit(1); });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 })) as Record<string, unknown>;
  assert.deepEqual(out, { http1Answered: true, pinoHttp: false, before: false, after: true, settingsType: '04' });
});
