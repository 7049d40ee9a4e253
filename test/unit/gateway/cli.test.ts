// Unit tests of gateway/cli.ts: the `start` subcommand is required, help goes to stdout, and a started gateway
// runs until the signal fires and then exits 0.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { CliIo } from '../../../core/cli.js';
import { gatewayMain } from '../../../gateway/cli.js';
import { DATA_PATHS, startEcho } from '../../helpers/gateway.js';
import { eventually } from '../../helpers/etcd.js';

function io(argv: string[], signal = new AbortController().signal): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => { out += c.toString(); });
  stderr.on('data', (c: Buffer) => { err += c.toString(); });
  return { argv, env: {}, cwd: process.cwd(), stdout, stderr, signal, out: () => out, err: () => err };
}

const usageCases = [
  { name: 'an unknown subcommand', argv: ['stop'], msg: /unknown subcommand "stop" for "gateway"/ },
  { name: 'flags without start', argv: ['--listen-addr', '127.0.0.1:1'], msg: /unknown subcommand "--listen-addr"/ },
];
for (const c of usageCases) {
  test(`gateway: ${c.name} is a usage error (exit 2) with a hint`, async () => {
    await assert.rejects(gatewayMain(io(c.argv)), (err: { code: string; message: string; hint: string }) => {
      assert.equal(err.code, 'EDGE_USAGE');
      assert.match(err.message, c.msg);
      assert.match(err.hint, /etcd-edge gateway start/);
      return true;
    });
  });
}

test('gateway: no subcommand prints the usage and exits 2', async () => {
  const x = io([]);
  assert.equal(await gatewayMain(x), 2);
  assert.match(x.out(), /^usage: etcd-edge gateway start \[flags\]\n\nsubcommands:\n  start /);
});

test('gateway start --help lists every flag with its env variable', async () => {
  const x = io(['start', '--help']);
  assert.equal(await gatewayMain(x), 0);
  for (const s of ['--listen-addr [ETCD_LISTEN_ADDR]', '--endpoints-auto-sync-interval [ETCD_EDGE_ENDPOINTS_AUTO_SYNC_INTERVAL]', '--retry-delay [ETCD_RETRY_DELAY]', '(default 127.0.0.1:23790)']) {
    assert.ok(x.out().includes(s), s);
  }
});

for (const dataPath of DATA_PATHS) {
  test(`gateway start serves until the signal fires, then returns 0 [${dataPath}]`, async (t) => {
    const a = await startEcho(t, 'a');
    const ac = new AbortController();
    const x = io(['start', '--listen-addr', '127.0.0.1:0', '--endpoints', `127.0.0.1:${a.port}`, '--log-level', 'silent', '--data-path', dataPath], ac.signal);
    const run = gatewayMain(x);
    t.after(() => ac.abort());
    // The start-up probe reaching the backend shows the gateway started.
    await eventually(async () => a.accepted() >= 1, 5000, 20);
    ac.abort();
    assert.equal(await run, 0);
  });
}
