// The bench's flags: defaults, filters, and errors for unknown or bad values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchArgs } from '../../bench/options.js';

test('defaults: 3 rounds of 4 s, every workload and target, the given output', () => {
  const o = parseBenchArgs([], '/repo/BENCHMARKS.md');
  assert.equal(o.rounds, 3);
  assert.equal(o.durationS, 4);
  assert.equal(o.out, '/repo/BENCHMARKS.md');
  assert.equal(o.targets.length, 9);
  assert.equal(o.workloads.length, 10);
  assert.equal(o.profileDir, undefined);
  assert.deepEqual(o.edgeProxyArgs, []);
  assert.deepEqual(o.edgeGatewayArgs, []);
  assert.ok(Object.isFrozen(o));
});

test('filters keep the reporting order', () => {
  const o = parseBenchArgs(['--targets', 'edge-proxy,go-proxy', '--workloads', 'v3-range,v2-get-c32', '--rounds', '1', '--edge-proxy-args=--access-log info',
    '--edge-gateway-args=--relay-threads 2'], '-');
  assert.deepEqual(o.targets, ['go-proxy', 'edge-proxy']);
  assert.deepEqual(o.workloads.map((w) => w.id), ['v2-get-c32', 'v3-range']);
  assert.deepEqual(o.edgeProxyArgs, ['--access-log', 'info']);
  assert.deepEqual(o.edgeGatewayArgs, ['--relay-threads', '2']);
});

const bad: [string[], RegExp][] = [
  [['--targets', 'nginx'], /unknown "nginx"/],
  [['--rounds', '0'], /positive integer/],
  [['--duration', '2.5'], /positive integer/],
  [['--bogus'], /Unknown option/],
];
for (const [argv, re] of bad) test(`rejects ${argv.join(' ')}`, () => assert.throws(() => parseBenchArgs(argv, '-'), re));
