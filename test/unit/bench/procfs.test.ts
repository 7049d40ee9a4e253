// /proc parsers of the bench: CPU ticks from stat (command names with spaces and parentheses), kB fields of
// status, load averages; and the readers on this very process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ephemeralPortStart, parseLoadavg, parseMachineStat, parseStat, parseStatusKb, readCpuTicks, readMachineTicks, readPeakRssKb } from '../../bench/procfs.js';

const statCases: { name: string; text: string; utime: number; stime: number }[] = [
  { name: 'plain command', text: '1234 (node) S 1 1234 1234 0 -1 4194560 2558 0 0 0 712 95 0 0 20 0 11 0 12345 1000000 5000 18446744073709551615', utime: 712, stime: 95 },
  { name: 'command with spaces and parentheses', text: '77 (etcd (x) y) R 1 77 77 0 -1 0 0 0 0 0 40 3 0 0 20 0 1 0 5 0 0 0\n', utime: 40, stime: 3 },
];
for (const c of statCases) {
  test(`parseStat: ${c.name}`, () => {
    assert.deepEqual(parseStat(c.text), { utime: c.utime, stime: c.stime });
  });
}

test('parseStat rejects a malformed line', () => {
  assert.throws(() => parseStat('garbage'), /no command name/);
  assert.throws(() => parseStat('1 (x) S 1 2'), /utime/);
});

test('parseStatusKb reads VmHWM and VmRSS, undefined when absent', () => {
  const text = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\nThreads:\t11\n';
  assert.equal(parseStatusKb(text, 'VmHWM'), 81234);
  assert.equal(parseStatusKb(text, 'VmRSS'), 70000);
  assert.equal(parseStatusKb(text, 'VmSwap'), undefined);
});

test('parseLoadavg returns the three averages and rejects garbage', () => {
  assert.deepEqual(parseLoadavg('0.52 1.07 2.00 3/190 11259\n'), [0.52, 1.07, 2]);
  assert.throws(() => parseLoadavg('x y'), /loadavg/);
});

test('the readers see this process, and nothing for a PID that does not exist', () => {
  const t = readCpuTicks(process.pid);
  assert.ok(t !== undefined && t.utime >= 0 && t.stime >= 0);
  assert.ok((readPeakRssKb(process.pid) ?? 0) > 1000);
  assert.equal(readCpuTicks(2 ** 30), undefined);
  assert.equal(readPeakRssKb(2 ** 30), undefined);
});

test('parseMachineStat counts everything but idle and iowait as busy', () => {
  const text = 'cpu  100 5 50 800 40 3 2 10 0 0\ncpu0 50 2 25 400 20 1 1 5 0 0\n';
  assert.deepEqual(parseMachineStat(text), { busy: 170, total: 1010 });
  assert.throws(() => parseMachineStat('intr 1 2 3'), /no cpu line/);
});

test('readMachineTicks and ephemeralPortStart read this machine', () => {
  const t = readMachineTicks();
  assert.ok(t.total > 0 && t.busy >= 0 && t.busy <= t.total);
  assert.ok(ephemeralPortStart() > 1024);
});
