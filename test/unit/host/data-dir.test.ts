// Data dir states: an empty dir bootstraps, a WAL means restart without bootstrap flags, and a member/ without
// WAL files is refused instead of letting etcd create a separate one-member cluster there.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { dataDirState } from '../../../host/data-dir.js';

const cases: { name: string; setup: (d: string) => void; want: string }[] = [
  { name: 'missing dir', setup: () => undefined, want: 'empty' },
  { name: 'dir without member/', setup: (d) => mkdirSync(path.join(d, 'logs'), { recursive: true }), want: 'empty' },
  { name: 'member/wal with a WAL file', setup: (d) => { mkdirSync(path.join(d, 'member', 'wal'), { recursive: true }); writeFileSync(path.join(d, 'member', 'wal', '0000000000000000-0000000000000000.wal'), ''); }, want: 'initialized' },
  { name: 'member/ without wal/', setup: (d) => mkdirSync(path.join(d, 'member', 'snap'), { recursive: true }), want: 'damaged' },
  { name: 'member/wal that is a file', setup: (d) => { mkdirSync(path.join(d, 'member'), { recursive: true }); writeFileSync(path.join(d, 'member', 'wal'), 'x'); }, want: 'damaged' },
  { name: 'empty member/wal', setup: (d) => mkdirSync(path.join(d, 'member', 'wal'), { recursive: true }), want: 'damaged' },
];

for (const c of cases) {
  test(c.name, (t) => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'datadir-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const d = path.join(root, 'm.etcd');
    c.setup(d);
    assert.equal(dataDirState(d), c.want);
  });
}
