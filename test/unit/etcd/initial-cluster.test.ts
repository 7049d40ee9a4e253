// Unit tests of etcd/initial-cluster.ts: entries in order, grouping by name, distinct URLs, the caller's error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialClusterUrls, parseInitialCluster, peerUrlsByName } from '../../../etcd/initial-cluster.js';
import type { InitialClusterErrors } from '../../../etcd/initial-cluster.js';

const errors: InitialClusterErrors = {
  code: 'EDGE_TOPOLOGY_INVALID', where: 'test initial-cluster', message: (e) => `bad entry ${JSON.stringify(e)}`, hint: 'write name=url',
};

const cases: { name: string; value: string; urls?: string[]; byName?: [string, string[]][]; code?: string; msg?: RegExp }[] = [
  { name: 'one member', value: 'a=http://10.0.0.1:2380', urls: ['http://10.0.0.1:2380'], byName: [['a', ['http://10.0.0.1:2380']]] },
  { name: 'a name repeats for a second peer URL; order kept; blanks and spaces ignored',
    value: ' a=http://10.0.0.1:2380, b=https://10.0.0.2:2380,,a=http://10.0.0.3:2380 ',
    urls: ['http://10.0.0.1:2380', 'https://10.0.0.2:2380', 'http://10.0.0.3:2380'],
    byName: [['a', ['http://10.0.0.1:2380', 'http://10.0.0.3:2380']], ['b', ['https://10.0.0.2:2380']]] },
  { name: 'the same URL under two names counts once among the URLs', value: 'a=http://h:2380,b=http://h:2380/', urls: ['http://h:2380'] },
  { name: 'empty value gives no entries', value: '', urls: [], byName: [] },
  { name: 'entry without a name: the caller\'s code and message', value: 'http://h:2380', code: 'EDGE_TOPOLOGY_INVALID', msg: /^bad entry "http:\/\/h:2380"$/ },
  { name: 'entry with an empty name', value: '=http://h:2380', code: 'EDGE_TOPOLOGY_INVALID', msg: /bad entry/ },
  { name: 'URL without a port: a config error naming where', value: 'a=http://h', code: 'EDGE_CONFIG_INVALID', msg: /malformed URL "http:\/\/h" in test initial-cluster/ },
];

for (const c of cases) {
  test(`parseInitialCluster: ${c.name}`, () => {
    if (c.code) {
      assert.throws(() => parseInitialCluster(c.value, errors), (e: Error & { code?: string }) => e.code === c.code && (c.msg?.test(e.message) ?? true));
      return;
    }
    const entries = parseInitialCluster(c.value, errors);
    if (c.urls) assert.deepEqual(initialClusterUrls(entries), c.urls);
    if (c.byName) assert.deepEqual([...peerUrlsByName(entries)], c.byName);
  });
}
