// Runs a script in a fresh Node process to see which modules it loaded: prom-client is loaded through require()
// (core/prom.ts), which a module load hook does not see on Node 20, so require.cache is what tells.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs body (an async function body, CommonJS) in a fresh process and returns the object it passed to report().
 * body may call build('tunnel/tunnel.js') to import a built module, promLoaded() to tell whether prom-client is
 * loaded, and must call report(value) once; the process exits when body resolves. */
export function runFresh(body: string, timeoutMs = 30_000): Record<string, unknown> {
  const script = `
    const path = require('node:path');
    const promLoaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/prom-client/'));
    const build = (rel) => import(path.join(${JSON.stringify(BUILD)}, rel));
    let reported;
    const report = (value) => { reported = value; };
    (async () => { ${body} })().then(
      () => { console.log('REPORT ' + JSON.stringify(reported)); process.exit(0); },
      (err) => { console.error(err); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: timeoutMs });
  assert.equal(r.status, 0, `fresh process failed: ${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, `no report in ${JSON.stringify(r.stdout)}`);
  return JSON.parse(line.slice('REPORT '.length)) as Record<string, unknown>;
}
