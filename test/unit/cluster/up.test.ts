// up's run loop (cluster/up.ts upMain) on a host that runs only edge components, with fake factories: start in
// topology order, the one metrics listener while running, stop in reverse on abort, and cleanup when a start fails.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { EdgeComponent, EdgeFactories } from '../../../cluster/edge.js';
import { upMain } from '../../../cluster/up.js';
import { EdgeError } from '../../../core/errors.js';
import { freePorts } from '../../helpers/ports.js';

interface Run {
  readonly events: string[];
  readonly stdout: () => string;
  readonly done: Promise<number>;
  readonly stop: () => void;
}

function fakeEdge(events: string[], failOn?: string): EdgeFactories {
  const factory = (kind: 'proxy' | 'gateway' | 'tunnel') => ({
    validate: () => undefined,
    create: (flags: Readonly<Record<string, unknown>>): EdgeComponent => {
      events.push(`${kind}:create`);
      return {
        start: async (o?: { signal?: AbortSignal }) => {
          assert.ok(o?.signal, `${kind} gets up's signal`);
          if (failOn === kind) throw new EdgeError('EDGE_LISTEN_FAILED', `${kind} cannot listen`);
          events.push(`${kind}:start`);
        },
        close: async () => { events.push(`${kind}:close`); },
        describe: () => ({ kind, address: String(flags['listen-addr'] ?? flags['listen-client-urls'] ?? flags.ssh ?? ''), detail: '' }),
        metrics: async () => `fake_${kind}_up 1\n`,
      };
    },
  });
  return { proxy: factory('proxy'), gateway: factory('gateway'), tunnel: factory('tunnel') };
}

async function runUp(t: TestContext, extra: string[], failOn?: string): Promise<Run & { dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'up-loop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = await freePorts(4);
  const [client, peer, proxy, gateway] = [base, base + 1, base + 2, base + 3];
  const topo = path.join(dir, 'topology.yaml');
  writeFileSync(topo, [
    'cluster-token: up-loop',
    'hosts:',
    '  m:',
    '    address: 127.0.0.1',
    '    member:',
    `      listen-client-urls: http://127.0.0.1:${client}`,
    `      listen-peer-urls: http://127.0.0.1:${peer}`,
    '  e:',
    '    address: 127.0.0.1',
    '    proxy:',
    `      listen-client-urls: http://127.0.0.1:${proxy}`,
    '    gateway:',
    `      listen-addr: 127.0.0.1:${gateway}`,
    '    tunnels:',
    '      - ssh: u@127.0.0.1:22',
    '',
  ].join('\n'));
  const events: string[] = [];
  let out = '';
  const stdout = new PassThrough();
  stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  const ac = new AbortController();
  t.after(() => ac.abort());
  const done = upMain({
    argv: ['-f', topo, '--host', 'e', '--data-dir', path.join(dir, 'state'), '--log-level', 'error', ...extra],
    env: {}, cwd: dir, stdout, stderr: new PassThrough(), signal: ac.signal,
  }, { edge: fakeEdge(events, failOn) });
  done.catch(() => undefined);
  return { events, stdout: () => out, done, stop: () => ac.abort(), dir };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (const t0 = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
  }
}

test('starts proxy, gateway, tunnel in topology order, serves one metrics listener, stops them in reverse on abort', async (t) => {
  const run = await runUp(t, ['--listen-metrics-urls', 'http://127.0.0.1:0']);
  await until(() => run.stdout().includes('running; press Ctrl-C to stop'), 'the running line');
  assert.deepEqual(run.events, ['proxy:create', 'proxy:start', 'gateway:create', 'gateway:start', 'tunnel:create', 'tunnel:start']);
  assert.ok(existsSync(path.join(run.dir, 'state', 'up.json')), 'up.json while running');
  const base = /status page: (http:\/\/127\.0\.0\.1:\d+)\//.exec(run.stdout())?.[1];
  assert.ok(base, run.stdout());
  assert.equal((await fetch(`${base}/livez`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200, 'no member to wait for');
  assert.deepEqual(await (await fetch(`${base}/health`)).json(), { health: 'true' });
  assert.match(await (await fetch(`${base}/metrics`)).text(), /^fake_gateway_up 1$/m);
  run.stop();
  assert.equal(await run.done, 0);
  assert.deepEqual(run.events.slice(6), ['tunnel:close', 'gateway:close', 'proxy:close']);
  assert.match(run.stdout(), /stopping\nstopped\n$/);
  assert.ok(!existsSync(path.join(run.dir, 'state', 'up.json')), 'up.json removed');
  await assert.rejects(fetch(`${base}/livez`), 'the listener is closed');
});

test('a component that fails to start: it and the ones before it are closed in reverse, the rest never created, up rejects with its error', async (t) => {
  const run = await runUp(t, [], 'gateway');
  await assert.rejects(run.done, (e: { code?: string; message?: string }) => e.code === 'EDGE_LISTEN_FAILED' && /gateway cannot listen/.test(e.message ?? ''));
  assert.deepEqual(run.events, ['proxy:create', 'proxy:start', 'gateway:create', 'gateway:close', 'proxy:close']);
  assert.doesNotMatch(run.stdout(), /running; press Ctrl-C/);
});

test('--edge=false starts none of the host\'s edge components and still runs until aborted', async (t) => {
  const run = await runUp(t, ['--edge=false']);
  await until(() => run.stdout().includes('running; press Ctrl-C to stop'), 'the running line');
  run.stop();
  assert.equal(await run.done, 0);
  assert.deepEqual(run.events, []);
});
