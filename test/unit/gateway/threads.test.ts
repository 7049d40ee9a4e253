// Unit test of --relay-threads on the native data path: two epoll threads, each with its own listening socket on
// the same port (SO_REUSEPORT); every connection is relayed, the counters add up, and close() ends both threads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseGatewayFlags } from '../../../gateway/config.js';
import { createGateway } from '../../../gateway/gateway.js';
import { captureLogger, roundTrip, startEcho } from '../../helpers/gateway.js';

/** Sockets of this machine listening on 127.0.0.1:port (from /proc/net/tcp; state 0A is LISTEN). */
function listeners(port: number): number {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').filter((l) => l.includes(` ${hex} `) && / 0A /.test(l)).length;
}

test('--relay-threads 2: two listening sockets on one port, every connection relayed, counters summed, close ends both', async (t) => {
  const a = await startEcho(t, 'a');
  const log = captureLogger();
  const gw = createGateway(parseGatewayFlags(['--listen-addr', '127.0.0.1:0', '--endpoints-auto-sync-interval', '0',
    '--endpoints', `127.0.0.1:${a.port}`, '--data-path', 'native', '--relay-threads', '2', '--max-connections', '100'], {}), { logger: log });
  t.after(() => gw.close());
  await gw.start();
  const port = gw.address().port;
  assert.equal(gw.status().dataPath, 'native');
  assert.equal(log.records.find((r) => r.msg === 'data path and limits')?.fields.relayThreads, 2);
  assert.equal(listeners(port), 2, 'one listening socket per relay thread');
  const got = await Promise.all(Array.from({ length: 40 }, (_, i) => roundTrip(port, `m${i}`)));
  assert.deepEqual(got.map((r) => r.data), Array.from({ length: 40 }, (_, i) => `a:m${i}`));
  assert.match(await gw.metrics(), /etcd_edge_gateway_connections_total 40\b/);
  await gw.close();
  assert.equal(listeners(port), 0, 'both listening sockets are closed');
  assert.equal((await roundTrip(port, 'late', 2000)).data, '', 'nothing answers after close');
});
