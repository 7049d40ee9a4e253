// Statistics over bench rounds: median, spread and noise, nearest-rank percentiles, ratios.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNoisy, median, percentile, ratio, summarize } from '../../bench/stats.js';

const medians: [number[], number][] = [[[3, 1, 2], 2], [[4, 1, 3, 2], 2.5], [[7], 7]];
for (const [values, want] of medians) test(`median of ${values.join(',')} is ${want}`, () => assert.equal(median(values), want));

test('median of nothing is NaN', () => assert.ok(Number.isNaN(median([]))));

test('summarize gives median, min, max and spread, ignoring NaN', () => {
  const s = summarize([100, 80, NaN, 120]);
  assert.deepEqual(s, { median: 100, min: 80, max: 120, spread: 0.4, n: 3 });
  assert.ok(isNoisy(s));
  assert.equal(isNoisy(summarize([100, 95, 105])), false);
  assert.equal(isNoisy(summarize([100])), false, 'one round cannot be noisy');
  assert.equal(summarize([NaN]).n, 0);
});

test('percentile is nearest-rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  assert.equal(percentile([5], 99), 5);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('ratio is NaN when a side is missing or zero', () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.ok(Number.isNaN(ratio(undefined, 2)));
  assert.ok(Number.isNaN(ratio(1, 0)));
  assert.ok(Number.isNaN(ratio(NaN, 1)));
});
