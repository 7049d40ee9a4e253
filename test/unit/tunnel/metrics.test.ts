// A tunnel (supervisor, forwards and metrics listener) starts without loading prom-client; the first /metrics
// scrape loads it and shows the tunnel's metrics with the values counted before it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFresh } from '../../helpers/fresh-process.js';

test('a started tunnel leaves prom-client unloaded until the first scrape', () => {
  const out = runFresh(`
    const fs = require('node:fs');
    const os = require('node:os');
    const { generateKeyPairSync } = require('node:crypto');
    const { EventEmitter } = require('node:events');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-lazy-prom-'));
    try {
      const key = path.join(dir, 'id_rsa');
      fs.writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey, { mode: 0o600 });
      const { parseTunnelFlags } = await build('tunnel/config.js');
      const { createTunnel } = await build('tunnel/tunnel.js');
      const { config } = parseTunnelFlags(['--ssh', 'u@127.0.0.1:22', '--identity', key, '--host-key-fingerprint', 'SHA256:' + 'A'.repeat(43),
        '-L', '127.0.0.1:0:127.0.0.1:1', '--listen-metrics-urls', 'http://127.0.0.1:0'], {});
      const tunnel = createTunnel(config, { connect: async () => new (class extends EventEmitter { end() { setImmediate(() => this.emit('close')); return this; } })() });
      try {
        await tunnel.start();
        const port = tunnel.metricsAddresses()[0].port;
        const health = (await fetch('http://127.0.0.1:' + port + '/health')).status;
        const before = promLoaded();
        const text = await (await fetch('http://127.0.0.1:' + port + '/metrics')).text();
        report({ health, before, after: promLoaded(), connected: /^etcd_edge_tunnel_connected 1$/m.test(text),
          forwardUp: /^etcd_edge_tunnel_forward_up\\{forward="-L 127\\.0\\.0\\.1:\\d+:127\\.0\\.0\\.1:1"\\} 1$/m.test(text),
          reconnects: /^etcd_edge_tunnel_reconnects_total 0$/m.test(text) });
      } finally {
        await tunnel.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }`);
  assert.deepEqual(out, { health: 200, before: false, after: true, connected: true, forwardUp: true, reconnects: true });
});
