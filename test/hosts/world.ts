// What the scenarios of one bed share: the bed, every acknowledged write (so a later check can prove none was
// lost), writes that retry (requests in flight during an election fail, gotcha 11), and scenario registration.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Bed } from '../netns/bed.js';
import { etcdctl, retry, why } from '../netns/clients.js';

/** The shared state of one bed's scenarios. */
export interface World {
  readonly bed: Bed;
  /** v3 keys whose put was acknowledged, with their values. */
  readonly acked: Map<string, string>;
  /** v2 keys whose set was acknowledged (through a proxy), with their values. */
  readonly ackedV2: Map<string, string>;
}

const V3_TIMEOUTS = ['--dial-timeout', '2s', '--command-timeout', '3s'];

/** Puts key=value through endpoint from host with retries (30 s) and records the acknowledged write. */
export async function put(w: World, host: string, endpoint: string, key: string, value: string): Promise<void> {
  const { result, attempts } = await retry(() => etcdctl(w.bed, host, ['--endpoints', endpoint, ...V3_TIMEOUTS, 'put', key, value]), (r) => r.code === 0);
  assert.equal(result.code, 0, `put ${key} through ${endpoint} from ${host}, ${attempts} attempts: ${why(result)}`);
  w.acked.set(key, value);
}

/**
 * Sets (and records) or gets a v2 key through the local proxy of host (http://127.0.0.1:2379) with retries;
 * a get asserts the value.
 */
export async function v2(w: World, host: string, op: 'set' | 'get', key: string, value: string): Promise<void> {
  const args = ['--endpoints', 'http://127.0.0.1:2379', '--timeout', '3s', '--total-timeout', '5s', op, key, ...(op === 'set' ? [value] : [])];
  const { result, attempts } = await retry(() => etcdctl(w.bed, host, args, { api: 2 }), (r) => r.code === 0 && r.stdout.trim() === value);
  assert.equal(result.code, 0, `v2 ${op} ${key} through the proxy of ${host}, ${attempts} attempts: ${why(result)}`);
  assert.equal(result.stdout.trim(), value, `v2 ${op} ${key} through the proxy of ${host}`);
  if (op === 'set') w.ackedV2.set(key, value);
}

/** A background writer: one put after another through one endpoint, each with short timeouts, no retries. */
export interface Writer {
  /** How many puts were acknowledged so far. */
  acked(): number;
  /** How many puts failed so far (expected while the cluster elects a leader). */
  failed(): number;
  /** When the first put after `since` (a Date.now() value) was acknowledged, or undefined. */
  firstAckAfter(since: number): number | undefined;
  /** Resolves once n puts were acknowledged; rejects after timeoutMs. */
  waitAcked(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a writer putting `<prefix>NNNN` keys from host through endpoint, recording the acknowledged ones. */
export function startWriter(w: World, host: string, endpoint: string, prefix: string): Writer {
  let stopped = false;
  let ok = 0;
  let failed = 0;
  const ackTimes: number[] = [];
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const key = `${prefix}${String(i).padStart(4, '0')}`;
      const sent = Date.now();
      const r = await etcdctl(w.bed, host, ['--endpoints', endpoint, '--dial-timeout', '1s', '--command-timeout', '2s', 'put', key, `v${i}`]);
      if (r.code === 0) { w.acked.set(key, `v${i}`); ok++; ackTimes.push(sent); } else failed++;
    }
  })();
  return {
    acked: () => ok,
    failed: () => failed,
    firstAckAfter: (since) => ackTimes.find((t) => t >= since),
    async waitAcked(n, timeoutMs = 30_000) {
      const t0 = Date.now();
      while (ok < n) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`writer through ${endpoint}: ${ok} of ${n} puts acknowledged after ${timeoutMs} ms (${failed} failed)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** A scenario body; note() adds a diagnostic line to the test report. */
export type Scenario = (w: World, note: (msg: string) => void) => Promise<void>;

/**
 * Registers, inside a describe block, the bed's start (before), its teardown (after, also when a test fails) and
 * a final test that tears down and asserts nothing is left behind; returns the function registering scenarios,
 * which dump every daemon's log tail when they fail.
 */
export function bedSuite(start: () => Promise<World>): (name: string, timeoutMs: number, fn: Scenario) => void {
  let w: World | undefined;
  before(async () => { w = await start(); }, { timeout: 150_000 });
  after(() => w?.bed.close());
  return (name, timeoutMs, fn) => {
    it(name, { timeout: timeoutMs }, async (t) => {
      assert.ok(w, 'the bed and its cluster were started');
      try {
        await fn(w, (msg) => t.diagnostic(msg));
      } catch (err) {
        w.bed.dumpLogs();
        throw err;
      }
    });
  };
}

/** Registers the last test of a bed: close it and find nothing left (namespaces, /etc/netns, state, root links). */
export function teardownTest(scenario: (name: string, timeoutMs: number, fn: Scenario) => void): void {
  scenario('tears the bed down and leaves nothing behind', 60_000, async (w) => {
    w.bed.close();
    assert.deepEqual(w.bed.leftovers(), []);
  });
}
