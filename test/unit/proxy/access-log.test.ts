// The access log's write batching: the lines of one event-loop turn go out in one write, never more than
// 4096 bytes (whole lines) per write, and a lone line is written at the end of its turn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TurnBatcher } from '../../../proxy/access-log.js';

function sink(): { writes: string[]; write(s: string): void } {
  const writes: string[] = [];
  return { writes, write: (s) => { writes.push(s); } };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('lines of one turn are written together at the end of the turn', async () => {
  const out = sink();
  const b = new TurnBatcher(out);
  b.write('a\n');
  b.write('b\n');
  assert.deepEqual(out.writes, [], 'nothing is written during the turn');
  await turn();
  assert.deepEqual(out.writes, ['a\n' + 'b\n']);
  b.write('c\n');
  await turn();
  assert.deepEqual(out.writes, ['a\nb\n', 'c\n'], 'a lone line goes out at the end of its own turn');
});

test('a batch never exceeds 4096 bytes and never splits a line', async () => {
  const out = sink();
  const b = new TurnBatcher(out);
  const line = `${'x'.repeat(999)}\n`;
  for (let i = 0; i < 9; i++) b.write(line);
  await turn();
  assert.deepEqual(out.writes.map((w) => w.length), [4000, 4000, 1000]);
  assert.ok(out.writes.every((w) => w.endsWith('\n')));
});

test('flush() writes at once and leaves nothing for the end of the turn', async () => {
  const out = sink();
  const b = new TurnBatcher(out);
  b.write('a\n');
  b.flush();
  assert.deepEqual(out.writes, ['a\n']);
  await turn();
  assert.deepEqual(out.writes, ['a\n']);
});
