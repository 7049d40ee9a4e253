// Where the proxy that replaces a demoted member listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyListen } from '../../../membership/demote.js';
import type { MemberPidRecord } from '../../../membership/pidfile.js';

const rec = (listen: string[]): MemberPidRecord => ({
  pid: 1, etcdPid: 2, name: 'm4', clientUrls: ['http://10.0.1.14:2379'], listenClientUrls: listen, peerUrls: [], endpoints: [],
});
const member = { id: 'a', name: 'm4', peerURLs: [], clientURLs: ['http://10.0.1.14:2379/'], isLearner: false };

const cases = [
  { name: 'the flag wins', flag: ['http://127.0.0.1:9'], f: { member, rec: rec(['http://0.0.0.0:2379']) }, out: ['http://127.0.0.1:9'] },
  { name: 'where the member listened (pid file)', flag: [], f: { member, rec: rec(['http://10.0.1.14:2379', 'http://127.0.0.1:2379']) }, out: ['http://10.0.1.14:2379', 'http://127.0.0.1:2379'] },
  { name: 'an older pid file without listen URLs: the member\'s client URLs', flag: [], f: { member, rec: rec([]) }, out: ['http://10.0.1.14:2379'] },
  { name: 'no pid file: the member list', flag: [], f: { member, rec: undefined }, out: ['http://10.0.1.14:2379'] },
  { name: 'neither: nothing', flag: [], f: { member: undefined, rec: undefined }, out: [] },
];
for (const c of cases) test(`proxyListen: ${c.name}`, () => assert.deepEqual(proxyListen({ proxyListenClientUrls: c.flag }, c.f), c.out));
