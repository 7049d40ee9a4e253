// Unit tests of gateway/edge.ts: the factory `up` uses parses a topology section with the CLI parser and
// describes the running gateway for the status table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noopLogger } from '../../../core/log.js';
import { edgeFactory } from '../../../gateway/edge.js';
import { DATA_PATHS, startEcho } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/ports.js';

test('validate() runs the gateway start parser on the section', () => {
  edgeFactory.validate({ 'listen-addr': '127.0.0.1:1', endpoints: 'http://127.0.0.1:2' });
  assert.throws(() => edgeFactory.validate({ 'listen-adr': '127.0.0.1:1' }), { code: 'EDGE_CONFIG_INVALID', message: /unknown key "listen-adr"/ });
  assert.throws(() => edgeFactory.validate({ endpoints: 'nope' }), { code: 'EDGE_CONFIG_INVALID' });
});

for (const dataPath of DATA_PATHS) {
  test(`describe() names the bound address and how many endpoints are up [${dataPath}]`, async (t) => {
    const [a, b] = [await startEcho(t, 'a'), await startEcho(t, 'b')];
    const dead = await freePort();
    const port = await freePort();
    const c = edgeFactory.create({
      'listen-addr': `127.0.0.1:${port}`,
      endpoints: `http://127.0.0.1:${a.port},http://127.0.0.1:${b.port},http://127.0.0.1:${dead}`,
      'endpoints-auto-sync-interval': '0', 'data-path': dataPath,
    }, noopLogger());
    t.after(() => c.close());
    await c.start();
    assert.deepEqual(c.describe(), { kind: 'gateway', address: `127.0.0.1:${port}`, detail: '2/3 endpoints up' });
  });
}
