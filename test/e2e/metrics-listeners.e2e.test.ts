// `dns serve` and `discovery serve` with --listen-metrics-urls (and ETCD_LISTEN_METRICS_URLS): the same /metrics,
// /livez and /readyz as `up`, from the one listener helper.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cleanEnv, spawnBin } from '../helpers/bin.js';
import { eventually, requireTool, tempDir } from '../helpers/etcd.js';
import { peerEntry, startMember } from '../helpers/etcd-member.js';
import { freePorts } from '../helpers/ports.js';

const TOPOLOGY = `cluster-token: metrics-e2e
bootstrap: dns
discovery-srv: example.test
hosts:
  infra0:
    address: 10.231.0.10
    member:
      initial-advertise-peer-urls: http://infra0.example.test:2380
      advertise-client-urls: http://infra0.example.test:2379
`;

async function checkListener(base: string, family: RegExp): Promise<void> {
  await eventually(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 20_000);
  assert.equal((await fetch(`${base}/livez`)).status, 200);
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m);
  assert.match(text, family);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
}

test('dns serve --listen-metrics-urls serves /metrics, /livez, /readyz', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'topology.yaml'), TOPOLOGY);
  const p = await freePorts(2);
  const dns = spawnBin(['dns', 'serve', '--listen-addr', `127.0.0.1:${p}`, '-f', 'topology.yaml', '--listen-metrics-urls', `http://127.0.0.1:${p + 1}`], { cwd: dir, env: cleanEnv() });
  t.after(async () => assert.equal(await dns.stop(), 0));
  await dns.waitFor(/"msg":"dns server ready"/);
  await checkListener(`http://127.0.0.1:${p + 1}`, /^nodejs_heap_size_total_bytes /m);
});

test('discovery serve with ETCD_LISTEN_METRICS_URLS serves its own metrics there', async (t) => {
  requireTool('etcd', 'etcd-server');
  const p = await freePorts(4);
  const store = await startMember(t, { name: 's1', clientPort: p, peerPort: p + 1, initialCluster: peerEntry('s1', p + 1), state: 'new' });
  const svc = spawnBin(['discovery', 'serve', '--listen-addr', `127.0.0.1:${p + 2}`, '--endpoints', store.clientUrl],
    { env: cleanEnv({ ETCD_LISTEN_METRICS_URLS: `http://127.0.0.1:${p + 3}` }) });
  t.after(async () => assert.equal(await svc.stop(), 0));
  await svc.waitFor(/"msg":"discovery service ready"/);
  assert.equal((await fetch(`http://127.0.0.1:${p + 2}/new?size=3`)).status, 200);
  await checkListener(`http://127.0.0.1:${p + 3}`, /^etcd_edge_discovery_tokens_created_total 1$/m);
});
