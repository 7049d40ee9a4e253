// The CLI's first line gives node its memory flags (V8's young generation capped at 2 MB per semi-space, the old
// generation grown by 20 % per full GC instead of up to 4x), which keep a loaded proxy's peak RSS down; tests and
// the bench start the CLI with the same flags.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BIN, BIN_NODE_FLAGS, shebangNodeFlags } from '../../helpers/bin.js';

test('the CLI runs node with its memory flags from its first line', () => {
  assert.deepEqual(BIN_NODE_FLAGS, ['--max-semi-space-size=2', '--heap-growing-percent=20']);
});

test('the flag takes effect: the young generation stays at a few MB where it grows without it', () => {
  // Allocates 4 million short-lived objects, then prints the size V8 gave the new space.
  const script = "const a = []; for (let r = 0; r < 2; r++) { a.length = 0; for (let i = 0; i < 2e6; i++) a.push({ i }); } " +
    "console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)";
  const without = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  const withFlag = Number(execFileSync(process.execPath, [...BIN_NODE_FLAGS, '-e', script], { encoding: 'utf8' }));
  assert.ok(withFlag > 0 && withFlag <= 4 * 1024 * 1024, `new space with the flag: ${withFlag}`);
  assert.ok(without > withFlag, `new space without the flag (${without}) should outgrow it (${withFlag})`);
});

test('shebangNodeFlags reads env -S lines and refuses anything else', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shebang-'));
  try {
    const f = path.join(dir, 's.js');
    writeFileSync(f, '#!/usr/bin/env node\n');
    assert.deepEqual(shebangNodeFlags(f), []);
    writeFileSync(f, '#!/usr/bin/env -S node --a=1 --b\n');
    assert.deepEqual(shebangNodeFlags(f), ['--a=1', '--b']);
    writeFileSync(f, '#!/bin/sh\n');
    assert.throws(() => shebangNodeFlags(f), /unexpected first line/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(BIN.endsWith(path.join('bin', 'etcd-edge.js')));
});
