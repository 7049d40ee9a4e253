// Reading what `etcd-edge plan` prints back as argv, so tests run its lines verbatim.
import assert from 'node:assert/strict';

/** Splits a printed command line into words (plan quotes with single quotes only where needed). */
export function words(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2] ?? ''));
}

/** Returns the one printed `etcd-edge <sub> ...` line of a plan as argv for etcd-edge (asserts there is one). */
export function printed(planOut: string, sub: string): string[] {
  const lines = planOut.split('\n').filter((l) => l.startsWith(`etcd-edge ${sub} `));
  assert.equal(lines.length, 1, `one "etcd-edge ${sub}" line in:\n${planOut}`);
  return words(lines[0] ?? '').slice(1);
}
