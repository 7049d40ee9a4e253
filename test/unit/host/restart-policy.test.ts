// The restart policy on a fake clock: the backoff doubles from the initial delay to the cap, and more than
// maxRestarts exits within the window give up, while exits spread wider than the window keep restarting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRestartTracker } from '../../../host/restart-policy.js';
import type { RestartDecision } from '../../../host/restart-policy.js';

const policy = { initialDelayMs: 500, maxDelayMs: 2000, maxRestarts: 3, windowMs: 60_000 };
const cases: { name: string; exitsAt: number[]; want: RestartDecision[] }[] = [
  { name: 'one crash: restart after the initial delay', exitsAt: [0], want: [{ restart: true, delayMs: 500, exits: 1 }] },
  {
    name: 'rapid crashes: doubling, capped, then give up', exitsAt: [0, 1, 2, 3],
    want: [{ restart: true, delayMs: 500, exits: 1 }, { restart: true, delayMs: 1000, exits: 2 }, { restart: true, delayMs: 2000, exits: 3 }, { restart: false, exits: 4 }],
  },
  {
    name: 'crashes further apart than the window: never give up, delay starts over', exitsAt: [0, 61_000, 122_000, 183_000, 244_000],
    want: [0, 1, 2, 3, 4].map(() => ({ restart: true, delayMs: 500, exits: 1 })),
  },
  {
    name: 'old exits leave the window', exitsAt: [0, 1, 2, 60_001],
    want: [{ restart: true, delayMs: 500, exits: 1 }, { restart: true, delayMs: 1000, exits: 2 }, { restart: true, delayMs: 2000, exits: 3 }, { restart: true, delayMs: 1000, exits: 2 }],
  },
];
for (const c of cases) {
  test(c.name, () => {
    let now = 0;
    const tracker = createRestartTracker(policy, () => now);
    const got = c.exitsAt.map((t) => { now = t; return tracker.onExit(); });
    assert.deepEqual(got, c.want);
  });
}
