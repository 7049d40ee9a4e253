// Reconnect backoff: doubles from the initial delay, is capped, and jitters between half and all of the ceiling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../../tunnel/backoff.js';

const opts = { initialMs: 500, maxMs: 30_000 };
const cases: { attempt: number; random: number; want: number }[] = [
  { attempt: 0, random: 0, want: 250 },
  { attempt: 0, random: 1, want: 500 },
  { attempt: 1, random: 1, want: 1000 },
  { attempt: 3, random: 0.5, want: 3000 },
  { attempt: 6, random: 1, want: 30_000 },
  { attempt: 6, random: 0, want: 15_000 },
  { attempt: 500, random: 1, want: 30_000 },
];
for (const c of cases) {
  test(`attempt ${c.attempt} with random ${c.random} waits ${c.want}ms`, () => {
    assert.equal(backoffDelay(c.attempt, opts, () => c.random), c.want);
  });
}
