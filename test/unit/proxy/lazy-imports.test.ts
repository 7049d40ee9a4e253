// What `proxy` and `gateway start` load at start, read in a fresh process through a module load hook: neither
// loads the member supervisor and process scanning of host/ (they never run etcd), and the proxy loads its
// access log (pino-http) only when --access-log asks for it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const HOOK = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent('export async function load(u, c, n) { if (u.startsWith("file:")) process.stderr.write("LOADED " + u + "\\\\n"); return n(u, c); }'));
`;

/** The file: URLs (relative to the build, or a package's path) a fresh process loads while importing modules. */
function loadedBy(modules: readonly string[]): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lazy-imports-'));
  try {
    const hook = path.join(dir, 'hook.mjs');
    writeFileSync(hook, HOOK);
    const script = `(async () => { for (const m of ${JSON.stringify(modules.map((m) => path.join(BUILD, m)))}) await import(m); })();`;
    const r = spawnSync(process.execPath, ['--import', hook, '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => fileURLToPath(l.slice(7)).slice(BUILD.length + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NEVER = [/^host\/(supervisor|etcd-process|proc-scan|archive-dir|up-record)\.js$/, /^etcd\/etcd-binary\.js$/];

test('the proxy loads neither the member supervisor nor its access log at start', () => {
  const loaded = loadedBy(['proxy/cli.js']);
  assert.ok(loaded.includes('proxy/proxy.js') && loaded.includes('host/proc.js'), `the hook saw the proxy's modules: ${loaded.join(' ')}`);
  for (const re of NEVER) assert.deepEqual(loaded.filter((f) => re.test(f)), []);
  assert.deepEqual(loaded.filter((f) => f === 'proxy/access-log.js' || f.includes('/pino-http/')), []);
  assert.ok(loadedBy(['proxy/access-log.js']).some((f) => f.includes('/pino-http/')), 'loading the access log loads pino-http');
});

test('gateway start loads no member supervisor', () => {
  const loaded = loadedBy(['gateway/cli.js']);
  assert.ok(loaded.includes('gateway/gateway.js') && loaded.includes('host/backoff.js'), `the hook saw the gateway's modules: ${loaded.join(' ')}`);
  for (const re of NEVER) assert.deepEqual(loaded.filter((f) => re.test(f)), []);
});
