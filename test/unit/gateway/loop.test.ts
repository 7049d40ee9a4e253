// Unit tests of gateway/loop.ts with fake DNS and interface lists: etcd's resolved-IP rule, and our stricter
// wildcard rule (0.0.0.0 or :: listen address with an endpoint on a local address and the same port).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEndpoint } from '../../../gateway/endpoint.js';
import { assertNoLoops, createLoopGuard } from '../../../gateway/loop.js';

const dns: Record<string, string[]> = { localhost: ['::1', '127.0.0.1'], 'gw.example': ['10.0.0.5'], 'other.example': ['10.0.0.6'] };
const deps = {
  resolve: async (h: string): Promise<string[]> => {
    const r = dns[h] ?? (/^[\d.]+$|:/.test(h) ? [h] : undefined);
    if (!r) throw new Error(`lookup ${h}: ENOTFOUND`);
    return r;
  },
  localAddresses: () => ['127.0.0.1', '::1', '10.0.0.5'],
};

const cases = [
  { name: 'same IP and port', listen: { host: '127.0.0.1', port: 23790 }, ep: '127.0.0.1:23790', loop: true },
  { name: 'a name resolving to the listen IP', listen: { host: '127.0.0.1', port: 23790 }, ep: 'localhost:23790', loop: true },
  { name: 'listen by name, endpoint by IP', listen: { host: 'gw.example', port: 2379 }, ep: 'http://10.0.0.5:2379', loop: true },
  { name: 'another port', listen: { host: '127.0.0.1', port: 23790 }, ep: '127.0.0.1:2379', loop: false },
  { name: 'another host', listen: { host: 'gw.example', port: 2379 }, ep: 'other.example:2379', loop: false },
  { name: 'wildcard listen, loopback endpoint (etcd misses it)', listen: { host: '0.0.0.0', port: 2379 }, ep: '127.0.0.2:2379', loop: true },
  { name: 'wildcard listen, a local interface address', listen: { host: '::', port: 2379 }, ep: 'gw.example:2379', loop: true },
  { name: 'wildcard listen, a remote address', listen: { host: '0.0.0.0', port: 2379 }, ep: 'other.example:2379', loop: false },
];
for (const c of cases) {
  test(`loop guard: ${c.name}`, async () => {
    const g = await createLoopGuard(c.listen, deps);
    const reason = await g.check(parseEndpoint(c.ep, 'test'));
    assert.equal(reason !== undefined, c.loop, String(reason));
  });
}

test('assertNoLoops: a loop is EDGE_CONFIG_INVALID in etcd\'s words, an unresolvable host EDGE_DNS', async () => {
  const g = await createLoopGuard({ host: '127.0.0.1', port: 23790 }, deps);
  await assert.rejects(assertNoLoops(g, [parseEndpoint('localhost:23790', 't')]), { code: 'EDGE_CONFIG_INVALID', message: /should not resolve to the gateway listen addr/ });
  await assert.rejects(assertNoLoops(g, [parseEndpoint('nonexistent.invalid:23790', 't')]), { code: 'EDGE_DNS', message: /failed to resolve endpoint host "nonexistent.invalid"/ });
  await assert.rejects(assertNoLoops(g, [parseEndpoint('nonexistent.invalid:1', 't')]), { code: 'EDGE_DNS' }, 'resolved whatever the port, as etcd');
  await assertNoLoops(g, [parseEndpoint('other.example:23790', 't'), parseEndpoint('127.0.0.1:2379', 't')]);
});

test('an unresolvable listen host is a config error', async () => {
  await assert.rejects(createLoopGuard({ host: 'nowhere.invalid', port: 1 }, deps), { code: 'EDGE_CONFIG_INVALID', message: /failed to resolve listen address host/ });
});
