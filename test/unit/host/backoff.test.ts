// The shared backoff: doubles from the initial delay, is capped, and with a jitter source lands between half and
// all of the ceiling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../../host/backoff.js';

const opts = { initialMs: 500, maxMs: 30_000 };
const jittered: { attempt: number; random: number; want: number }[] = [
  { attempt: 0, random: 0, want: 250 },
  { attempt: 0, random: 1, want: 500 },
  { attempt: 1, random: 1, want: 1000 },
  { attempt: 3, random: 0.5, want: 3000 },
  { attempt: 6, random: 1, want: 30_000 },
  { attempt: 6, random: 0, want: 15_000 },
  { attempt: 500, random: 1, want: 30_000 },
];
for (const c of jittered) {
  test(`jittered: attempt ${c.attempt} with random ${c.random} waits ${c.want}ms`, () => {
    assert.equal(backoffDelay(c.attempt, { ...opts, jitter: () => c.random }), c.want);
  });
}

const plain: { attempt: number; want: number }[] = [
  { attempt: 0, want: 500 },
  { attempt: 1, want: 1000 },
  { attempt: 3, want: 4000 },
  { attempt: 6, want: 30_000 },
  { attempt: 2000, want: 30_000 },
  { attempt: -1, want: 500 },
];
for (const c of plain) {
  test(`plain: attempt ${c.attempt} waits ${c.want}ms`, () => {
    assert.equal(backoffDelay(c.attempt, opts), c.want);
  });
}
