// resolvePeers: the cluster file wins, then the configured source, with discovery and SRV through fakes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { noopLogger } from '../../../core/log.js';
import { resolvePeers } from '../../../proxy/peers.js';
import type { PeerSourceDeps } from '../../../proxy/peers.js';
import { writeClusterFile } from '../../../proxy/state.js';
import type { PeerSourceConfig } from '../../../proxy/config.js';
import { tmp } from './fakes.js';

const deps: PeerSourceDeps = {
  discovery: (url, o) => Promise.resolve({ size: 2, members: url.endsWith('empty') ? [] : [
    { id: 'a', name: 'a', peerURLs: ['http://10.0.0.1:2380'] }, { id: 'b', name: 'b', peerURLs: [`http://10.0.0.2:2380/${o.waitFull ? '' : 'nowait'}`] }] }),
  lookupSrv: (o) => Promise.resolve(o.domain === 'none.test'
    ? { targets: [], errors: ['_etcd-server-ssl._tcp.none.test: ENOTFOUND'] }
    : { targets: [{ url: 'https://infra1.example.test:2380' }, { url: `http://infra2.example.test:2380${o.kind === 'server' ? '' : '/client'}` }], errors: [] }),
};

const cases: { name: string; source: PeerSourceConfig; saved?: string[]; want?: { source: string; peers: string[] }; error?: RegExp }[] = [
  { name: 'initial cluster', source: { kind: 'initial-cluster', peers: ['http://h:2380'] }, want: { source: 'initial-cluster', peers: ['http://h:2380'] } },
  { name: 'cluster file wins over flags', source: { kind: 'discovery', url: 'http://d/x' }, saved: ['http://saved:2380'], want: { source: 'cluster-file', peers: ['http://saved:2380'] } },
  { name: 'discovery waits for a full cluster', source: { kind: 'discovery', url: 'http://d/x' }, want: { source: 'discovery', peers: ['http://10.0.0.1:2380', 'http://10.0.0.2:2380'] } },
  { name: 'discovery with no members', source: { kind: 'discovery', url: 'http://d/empty' }, error: /lists no peers/ },
  { name: 'SRV server records', source: { kind: 'srv', domain: 'example.test' }, want: { source: 'discovery-srv', peers: ['https://infra1.example.test:2380', 'http://infra2.example.test:2380'] } },
  { name: 'SRV with no records', source: { kind: 'srv', domain: 'none.test' }, error: /no SRV records.*ENOTFOUND/ },
];
for (const c of cases) {
  test(c.name, async (t) => {
    const file = path.join(tmp(t), 'proxy', 'cluster');
    if (c.saved) writeClusterFile(file, c.saved);
    const run = resolvePeers({ source: c.source, clusterFile: file, logger: noopLogger(), deps });
    if (c.error) await assert.rejects(run, c.error);
    else assert.deepEqual(await run, c.want);
  });
}
