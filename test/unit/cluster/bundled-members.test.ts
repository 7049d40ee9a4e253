// The bundled layout's memory of removed members: what a restarted `up` starts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applyRemovedMembers, markRemoved, readRemovedMembers } from '../../../cluster/bundled-members.js';
import { bundledTopology } from '../../../core/topology.js';

function stateDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'bundled-members-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('no record: the bundled layout as is', (t) => {
  const d = stateDir(t);
  const { topology, notes } = applyRemovedMembers(bundledTopology(), d);
  assert.deepEqual(topology.hosts.map((h) => h.member?.name), ['infra1', 'infra2', 'infra3']);
  assert.deepEqual(notes, []);
});

test('a removed member without data stays stopped (a standby); one with data again starts and leaves the record', (t) => {
  const d = stateDir(t);
  markRemoved(d, 'infra3');
  markRemoved(d, 'infra2');
  assert.deepEqual(readRemovedMembers(d), ['infra2', 'infra3']);
  mkdirSync(path.join(d, 'infra2.etcd', 'member', 'wal'), { recursive: true });
  writeFileSync(path.join(d, 'infra2.etcd', 'member', 'wal', '0000000000000000-0000000000000000.wal'), 'x');
  const { topology, notes } = applyRemovedMembers(bundledTopology(), d);
  assert.deepEqual(topology.hosts.map((h) => h.member?.name), ['infra1', 'infra2', undefined]);
  assert.equal(topology.hosts[2]?.standby?.name, 'infra3');
  assert.equal(topology.hosts[2]?.role, 'proxy');
  assert.match(notes.join(), /member infra3 was removed from the cluster \(demoted\) and has no data dir: not starting it/);
  assert.deepEqual(readRemovedMembers(d), ['infra3'], 'infra2 was promoted back');
});

test('a malformed record counts as none', (t) => {
  const d = stateDir(t);
  writeFileSync(path.join(d, 'removed-members.json'), '{nope');
  assert.deepEqual(readRemovedMembers(d), []);
});

test('bundledTopology refuses a base port outside 1..65528', () => {
  for (const b of [0, -1, 65529]) assert.throws(() => bundledTopology({ basePort: b }), { code: 'EDGE_USAGE', message: new RegExp(`invalid --base-port ${b}`) });
  assert.equal(bundledTopology({ basePort: 65528 }).hosts[0]?.gateway?.['listen-addr'], '127.0.0.1:65535');
});
