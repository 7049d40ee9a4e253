import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveMaxConnections, everyMs, parseNofile, readNofileLimit } from '../../../core/limits.js';

const limits = (soft: string, hard: string): string =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax open files            ${soft}                ${hard}                files     \n`;

for (const c of [
  { name: 'numbers', text: limits('1024', '4096'), want: { soft: 1024, hard: 4096 } },
  { name: 'unlimited', text: limits('unlimited', 'unlimited'), want: { soft: Infinity, hard: Infinity } },
  { name: 'no line', text: 'Max processes 1 2\n', want: { soft: Infinity, hard: Infinity } },
]) {
  test(`parseNofile: ${c.name}`, () => assert.deepEqual(parseNofile(c.text), c.want));
}

for (const c of [
  { name: '512, relay', in: { nofile: 512, fdsPerConnection: 2 }, want: 224 },
  { name: '512, two listeners', in: { nofile: 512, fdsPerConnection: 2, listeners: 2 }, want: 112 },
  { name: '4096, proxy', in: { nofile: 4096, fdsPerConnection: 1 }, want: 3584 },
  { name: 'explicit reserve', in: { nofile: 100, fdsPerConnection: 1, reserve: 90 }, want: 10 },
  { name: 'never below 1', in: { nofile: 10, fdsPerConnection: 2 }, want: 1 },
  { name: 'unlimited', in: { nofile: Infinity, fdsPerConnection: 2 }, want: 458752 },
]) {
  test(`deriveMaxConnections: ${c.name}`, () => assert.equal(deriveMaxConnections(c.in), c.want));
}

test('readNofileLimit reads this process', () => {
  const l = readNofileLimit();
  assert.ok(l.soft > 0 && l.soft <= l.hard);
});

test('everyMs answers once per interval', () => {
  let t = 0;
  const ok = everyMs(1000, () => t);
  assert.equal(ok(), true);
  t = 500;
  assert.equal(ok(), false);
  t = 1000;
  assert.equal(ok(), true);
});
