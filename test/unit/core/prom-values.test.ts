// Plain metrics render exactly as prom-client's own Counter and Gauge fed the same calls (series, order, values),
// and declaring or counting them does not build the registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Registry } from 'prom-client';
import { createLazyRegistry } from '../../../core/prom.js';
import { declarePlainMetric } from '../../../core/prom-values.js';
import type { PlainMetric } from '../../../core/prom-values.js';

type Op = ['inc' | 'dec' | 'set', ...unknown[]] | ['reset'];
type Writable = Record<'inc' | 'dec' | 'set' | 'reset', (...a: unknown[]) => void>;

const cases: { name: string; kind: 'counter' | 'gauge'; labelNames?: string[]; ops: Op[] }[] = [
  { name: 'unlabelled counter, never counted', kind: 'counter', ops: [] },
  { name: 'unlabelled counter', kind: 'counter', ops: [['inc'], ['inc', 2.5], ['inc']] },
  { name: 'labelled counter, never counted', kind: 'counter', labelNames: ['forward'], ops: [] },
  { name: 'labelled counter, series in first-count order', kind: 'counter', labelNames: ['route', 'code'],
    ops: [['inc', { route: 'b', code: '200' }], ['inc', { route: 'a', code: '404' }, 3], ['inc', { route: 'b', code: '200' }, 1024]] },
  { name: 'unlabelled gauge', kind: 'gauge', ops: [['inc'], ['inc'], ['dec'], ['set', 1733300000.123]] },
  { name: 'labelled gauge, dec below zero and back', kind: 'gauge', labelNames: ['forward'], ops: [['dec', { forward: 'x' }], ['inc', { forward: 'y' }], ['inc', { forward: 'x' }]] },
  { name: 'gauge reset keeps only what is set after', kind: 'gauge', labelNames: ['code'], ops: [['set', { code: 'A' }, 1], ['reset'], ['set', { code: 'B' }, 1]] },
  { name: 'unlabelled gauge reset to zero', kind: 'gauge', ops: [['set', 5], ['reset']] },
];

for (const c of cases) {
  test(`renders as prom-client does: ${c.name}`, async () => {
    const lazy = createLazyRegistry(false);
    const spec = { kind: c.kind, name: 'm', help: 'h', ...(c.labelNames ? { labelNames: c.labelNames } : {}) };
    const plain = declarePlainMetric<string>(lazy, spec) as unknown as Writable & PlainMetric<string>;
    const registry = new Registry();
    const opts = { name: 'm', help: 'h', labelNames: c.labelNames ?? [], registers: [registry] };
    const native = (c.kind === 'counter' ? new Counter(opts) : new Gauge(opts)) as unknown as Writable;
    for (const [op, ...args] of c.ops) {
      plain[op](...args);
      native[op](...args);
    }
    assert.equal(lazy.built(), false, 'counting does not build the registry');
    assert.equal(await lazy.get().metrics(), await registry.metrics());
  });
}

test('a cell counts into its series; get() builds the registry and reports the values', async () => {
  const lazy = createLazyRegistry(false);
  const bytes = declarePlainMetric(lazy, { kind: 'counter', name: 'bytes_total', help: 'b', labelNames: ['forward'] });
  const cell = bytes.cell({ forward: 'f' });
  assert.equal(await lazy.get().metrics(), '# HELP bytes_total b\n# TYPE bytes_total counter\n', 'a counter series shows from its first count');
  cell.v += 10;
  cell.v += 5;
  bytes.inc({ forward: 'f' });
  assert.deepEqual((await bytes.get()).values, [{ value: 16, labels: { forward: 'f' } }]);
  assert.match(await lazy.get().metrics(), /^bytes_total\{forward="f"\} 16$/m, 'scraped twice, the total is not added twice');
});
