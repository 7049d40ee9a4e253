// Step 1 of promote over a fake membership API: first run, second run, interrupted run, and the clashes
// that must be refused before anything changes; plus the unhealthy-member messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MembershipApi } from '../../../membership/api.js';
import { parsePromoteFlags } from '../../../membership/config.js';
import type { EtcdMember } from '../../../etcd/index.js';
import { classify, memberEndpoints, unhealthyMembers } from '../../../membership/preflight.js';

const cfg = parsePromoteFlags(['--name', 'm4', '--peer-urls', 'http://127.0.0.1:4', '--client-urls', 'http://127.0.0.1:14', '--data-dir', '/nonexistent/px'], {}, '/').config;
if (!cfg) throw new Error('config');

const m = (id: string, name: string, peer: string, client = ''): EtcdMember => ({ id, name, peerURLs: [peer], clientURLs: client ? [client] : [], isLearner: false });
const M1 = m('a1', 'm1', 'http://127.0.0.1:1', 'http://127.0.0.1:11');
const M2 = m('a2', 'm2', 'http://127.0.0.1:2', 'http://127.0.0.1:12');

function fakeApi(healthy: (url: string) => boolean): MembershipApi {
  const no = (): never => { throw new Error('not used'); };
  return {
    endpoints: () => [], setEndpoints: () => undefined, list: no, add: no, remove: no, promote: no, status: no, moveLeader: no,
    healthy: async (u) => healthy(u),
  };
}

const cases: { name: string; members: EtcdMember[]; healthy?: boolean; initialized?: boolean; kind?: string; re?: RegExp }[] = [
  { name: 'first run: join', members: [M1, M2], kind: 'join' },
  { name: 'an earlier run added it but never started it: join with it', members: [M1, m('a4', '', 'http://127.0.0.1:4')], kind: 'join' },
  { name: 'second run, member healthy: already', members: [M1, m('a4', 'm4', 'http://127.0.0.1:4', 'http://127.0.0.1:14')], healthy: true, kind: 'already' },
  { name: 'joined before, down, data here: restart', members: [M1, m('a4', 'm4', 'http://127.0.0.1:4', 'http://127.0.0.1:14')], healthy: false, initialized: true, kind: 'restart' },
  { name: 'joined before, down, no data here: refused', members: [M1, m('a4', 'm4', 'http://127.0.0.1:4', 'http://127.0.0.1:14')], healthy: false, re: /is in the cluster but down/ },
  { name: 'name taken by other peer URLs', members: [M1, m('a4', 'm4', 'http://127.0.0.1:9')], re: /already has a member named "m4"/ },
  { name: 'peer URL taken by another member', members: [M1, m('a5', 'm5', 'http://127.0.0.1:4', 'http://127.0.0.1:15')], re: /belong to member "m5"/ },
];

for (const c of cases) {
  test(`classify: ${c.name}`, async () => {
    const p = classify(cfg, fakeApi(() => c.healthy === true), c.members, c.initialized === true);
    if (c.re) await assert.rejects(p, c.re);
    else assert.equal((await p).kind, c.kind);
  });
}

test('classify: the pending member is handed on', async () => {
  const pending = m('a4', '', 'http://127.0.0.1:4');
  const r = await classify(cfg, fakeApi(() => true), [M1, pending], false);
  assert.equal(r.kind === 'join' ? r.pending : undefined, pending);
});

test('unhealthyMembers names the down and the unstarted members, skipping the given one', async () => {
  const unstarted = m('b9', '', 'http://127.0.0.1:9');
  const bad = await unhealthyMembers(fakeApi((u) => u !== 'http://127.0.0.1:12'), [M1, M2, unstarted, m('a4', '', 'http://127.0.0.1:4')], 'a4');
  assert.deepEqual(bad, [
    'member "m2" (a2) is not healthy at http://127.0.0.1:12',
    'member b9 (http://127.0.0.1:9) was added but never started',
  ]);
});

test('memberEndpoints leaves out unstarted members and the local proxy\'s URLs', () => {
  const proxy = { pid: 1, argv: [], cwd: '/', env: {}, listenUrls: ['http://127.0.0.1:12'] };
  assert.deepEqual(memberEndpoints([M1, M2, m('c', '', 'http://127.0.0.1:7')], proxy), ['http://127.0.0.1:11']);
  assert.deepEqual(memberEndpoints([M1, M2], undefined, 'a1'), ['http://127.0.0.1:12']);
});
