// h2load support: gRPC framing of etcd's KV requests, h2load's summary and log file, merging parallel runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grpcFrame, mergeH2, parseH2loadLog, parseH2loadOutput, putRequest, rangeRequest } from '../../bench/h2load.js';

test('RangeRequest{key} in a gRPC frame', () => {
  assert.equal(grpcFrame(rangeRequest('bench')).toString('hex'), '0000000007' + '0a05' + Buffer.from('bench').toString('hex'));
});

test('PutRequest{key, value} with a value longer than 127 bytes uses a two-byte length', () => {
  const m = putRequest('k', 'v'.repeat(200));
  assert.equal(m.subarray(0, 3).toString('hex'), '0a016b');
  assert.equal(m.subarray(3, 6).toString('hex'), '12c801');
  assert.equal(m.length, 3 + 3 + 200);
  assert.equal(grpcFrame(m).readUInt32BE(1), m.length);
});

const OUTPUT = `finished in 4.00s, 3361.33 req/s, 304.45KB/s
requests: 13445 total, 13500 started, 13445 done, 13440 succeeded, 3 failed, 1 errored, 1 timeout
status codes: 13440 2xx, 0 3xx, 0 4xx, 3 5xx
`;

test('parseH2loadOutput reads duration, rate and failures', () => {
  assert.deepEqual(parseH2loadOutput(OUTPUT), { durationS: 4, rps: 3361.33, succeeded: 13440, failed: 5 });
  assert.equal(parseH2loadOutput(OUTPUT.replace('4.00s', '500.5ms')).durationS, 0.5005);
  assert.throws(() => parseH2loadOutput('nothing'), /no summary/);
});

test('parseH2loadLog keeps the latencies of 2xx responses', () => {
  const log = '1795364057509239\t200\t4336\n1795364057509269\t503\t10\n1795364057509290\t200\t4357\n\n';
  assert.deepEqual(parseH2loadLog(log), [4336, 4357]);
});

test('mergeH2 adds rates and pools latencies', () => {
  const part = (rps: number, lat: number[]): { summary: { durationS: number; rps: number; succeeded: number; failed: number }; latenciesUs: number[] } =>
    ({ summary: { durationS: 4, rps, succeeded: lat.length, failed: 1 }, latenciesUs: lat });
  const r = mergeH2([part(100, [1, 2, 3]), part(200, [4, 5, 6, 7])]);
  assert.equal(r.rps, 300);
  assert.equal(r.requests, 7);
  assert.equal(r.failed, 2);
  assert.equal(r.p50Us, 4);
  assert.equal(r.p99Us, 7);
});
