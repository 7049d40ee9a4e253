// wrk support: Lua string quoting, the generated script, and parsing of the result line among wrk's output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { luaString, parseWrkOutput, totalErrors, wrkScript } from '../../bench/wrk.js';

const WRK_OUTPUT = `Running 4s test @ http://127.0.0.1:41000/v2/keys/bench
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.23ms  456.00us  12.34ms   89.00%
    Req/Sec     6.78k   123.00     7.00k    70.00%
  54321 requests in 4.00s, 12.34MB read
Requests/sec:  13580.25
Transfer/sec:      3.08MB
BENCH {"requests":54321,"durationUs":4000000,"p50Us":1100,"p99Us":3500,"p999Us":4000,"maxUs":4500,"connect":0,"read":2,"write":0,"status":12,"timeout":1}
`;

test('parseWrkOutput reads the done() line', () => {
  const r = parseWrkOutput(WRK_OUTPUT);
  assert.equal(r.requests, 54321);
  assert.equal(r.durationS, 4);
  assert.equal(r.rps, 54321 / 4);
  assert.equal(r.p50Us, 1100);
  assert.equal(r.p99Us, 3500);
  assert.deepEqual(r.errors, { connect: 0, read: 2, write: 0, status: 12, timeout: 1 });
  assert.equal(totalErrors(r.errors), 15);
});

test('parseWrkOutput fails without the result line or with a bad field', () => {
  assert.throws(() => parseWrkOutput('Requests/sec: 1\n'), /no result line/);
  assert.throws(() => parseWrkOutput('BENCH {"requests":-1,"durationUs":1,"p50Us":1,"p99Us":1,"p999Us":1,"maxUs":1,"connect":0,"read":0,"write":0,"status":0,"timeout":0}\n'), /bad requests/);
});

const quoting: [string, string][] = [['plain', '"plain"'], ['a"b\\c', '"a\\"b\\\\c"'], ['x\ny', '"x\\10y"'], ['é', '"\\195\\169"']];
for (const [input, want] of quoting) test(`luaString(${JSON.stringify(input)})`, () => assert.equal(luaString(input), want));

test('wrkScript sets method, body and headers, and spreads threads over addresses', () => {
  const s = wrkScript({ method: 'POST', path: '/v3/kv/range', body: '{"key":"YmVuY2g="}', headers: { 'Content-Type': 'application/json' } },
    [{ host: '127.0.0.1', port: 1 }, { host: '127.0.0.1', port: 2 }]);
  assert.match(s, /^wrk\.method = "POST"$/m);
  assert.match(s, /^wrk\.body = "\{\\"key\\":\\"YmVuY2g=\\"\}"$/m);
  assert.match(s, /^wrk\.headers\["Content-Type"\] = "application\/json"$/m);
  assert.match(s, /^local spread = \{\{"127\.0\.0\.1", "1"\}, \{"127\.0\.0\.1", "2"\}\}$/m);
  assert.match(s, /thread\.addr = wrk\.lookup/);
  assert.match(s, /function done\(summary, latency, requests\)/);
  assert.match(s, /latency:percentile\(99\)/);
});

test('wrkScript without spread keeps the URL address', () => {
  const s = wrkScript({ method: 'GET', path: '/v2/keys/bench' });
  assert.match(s, /^local spread = \{\}$/m);
  assert.doesNotMatch(s, /wrk\.body/);
  assert.doesNotMatch(s, /function delay/);
});

test('wrkScript paces a connection with wrk\'s delay() when the request asks for it', () => {
  const s = wrkScript({ method: 'GET', path: '/v2/keys/bench', delayMs: 16.4 });
  assert.match(s, /^function delay\(\) return 16 end$/m);
});
