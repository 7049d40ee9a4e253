// The command surface: --config-file layering, --help, and the EdgeFactory `up` uses (same keys, same parser).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { noopLogger } from '../../../core/log.js';
import { edgeFactory, proxyMain } from '../../../proxy/index.js';
import { parseWithConfigFile } from '../../../proxy/cli.js';
import { configFromFlags } from '../../../proxy/config.js';
import { fakeMember, request, tmp } from './fakes.js';

test('--config-file is layered under flags and environment', (t) => {
  const dir = tmp(t);
  writeFileSync(path.join(dir, 'proxy.yaml'), 'proxy: readonly\nproxy-failure-wait: 2s\nproxy-dial-timeout: 300\ninitial-cluster: a=http://10.0.0.1:2380\n');
  const f = parseWithConfigFile(['--config-file', 'proxy.yaml', '--proxy-failure-wait', '1000'], { ETCD_PROXY_DIAL_TIMEOUT: '400' }, dir);
  const c = configFromFlags(f, { cwd: dir });
  assert.deepEqual([c.mode, c.failureWaitMs, c.dialTimeoutMs], ['readonly', 1000, 400]);
  assert.deepEqual(c.peerSource, { kind: 'initial-cluster', peers: ['http://10.0.0.1:2380'] });
  writeFileSync(path.join(dir, 'bad.yaml'), 'proxy-refresh: 1\n');
  assert.throws(() => parseWithConfigFile(['--config-file', 'bad.yaml'], {}, dir), /unknown key "proxy-refresh"/);
});

test('--help prints every flag with its variable and exits 0', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => { text += c; });
  const code = await proxyMain({ argv: ['--help'], env: {}, cwd: '/', stdout: out, stderr: new PassThrough(), signal: new AbortController().signal });
  assert.equal(code, 0);
  assert.match(text, /--proxy-refresh-interval \[ETCD_PROXY_REFRESH_INTERVAL\]\n.*\(default 30s\)/);
  assert.match(text, /--proxy-rewrite-member-urls \[ETCD_EDGE_PROXY_REWRITE_MEMBER_URLS\]/);
  assert.match(text, /layered under flags and environment/);
});

test('edgeFactory validates with the command\'s parser and builds a proxy whose describe() fits the status table', async (t) => {
  assert.throws(() => edgeFactory.validate({ 'listen-client-urls': 'http://127.0.0.1:1', discovery: 'http://d/x', 'initial-cluster': 'a=http://h:2380' }), /multiple discovery/);
  assert.throws(() => edgeFactory.validate({ 'listen-client-url': 'http://127.0.0.1:1' }), /unknown key "listen-client-url"/);
  const m = await fakeMember(t);
  const dir = tmp(t);
  // The peer answering /members is a fake too: it lists the fake member as the only client URL.
  const peer = await fakeMember(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(`[{"id":18233278573876663181,"peerURLs":["http://127.0.0.1:1"],"name":"a","clientURLs":["${m.url}"]}]\n`);
  });
  const flags = { 'listen-client-urls': 'http://127.0.0.1:0', 'initial-cluster': `infra1=${peer.url}`, 'data-dir': dir, proxy: 'readonly', 'proxy-refresh-interval': 60000 };
  edgeFactory.validate(flags);
  const c = edgeFactory.create(flags, noopLogger());
  t.after(() => c.close());
  await c.start();
  const d = c.describe();
  assert.equal(d.kind, 'proxy');
  assert.match(d.address, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(d.detail, 'readonly, 1 endpoint');
  assert.equal((await request(`${d.address}/v2/keys/a`)).status, 200);
});
