// The test runner behind `npm test`: collects the built test files of the named suites (Node 20's --test does
// not glob), runs them serially in one node --test process so there is one summary, and fails on zero tests.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function findTests(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((e) => {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) return findTests(p);
    return e.endsWith('.test.js') ? [p] : [];
  });
}

const suites = process.argv.slice(2);
const files = suites.flatMap((s) => findTests(path.join(here, s)));
if (files.length === 0) {
  process.stderr.write(`no test files found for suites ${suites.join(', ')} under ${here}\n`);
  process.exit(1);
}
let out = '';
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.on('data', (c: Buffer) => { process.stdout.write(c); out += c.toString('utf8').slice(-4096); out = out.slice(-8192); });
child.on('exit', (code) => {
  const m = /tests (\d+)/.exec(out.split('\n').filter((l) => /tests \d+/.test(l)).pop() ?? '');
  if (m && Number(m[1]) === 0) {
    process.stderr.write('the test run executed no test\n');
    process.exit(1);
  }
  process.exit(code ?? 1);
});
