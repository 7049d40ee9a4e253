// What `proxy` and `gateway start` load at start, read in a fresh process through a module load hook: neither
// loads the member supervisor and process scanning of host/ (they never run etcd), the proxy loads its access log
// (pino-http) only when --access-log asks for it, and neither node:crypto, node:tls nor node:child_process (about
// 1 MB of resident memory each; loaded for the first https member, or to raise the open-file limit).
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
  return probe(modules).files;
}

/** What a fresh process loads while importing modules: files (as loadedBy) and Node's own modules. */
function probe(modules: readonly string[]): { files: string[]; builtins: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lazy-imports-'));
  try {
    const hook = path.join(dir, 'hook.mjs');
    writeFileSync(hook, HOOK);
    // A script file, not \`node -e\`: evaluating a string loads node:crypto by itself.
    const script = path.join(dir, 'probe.mjs');
    writeFileSync(script, `for (const m of ${JSON.stringify(modules.map((m) => path.join(BUILD, m)))}) await import(m);
console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))));`);
    const r = spawnSync(process.execPath, ['--import', hook, script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const files = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => fileURLToPath(l.slice(7)).slice(BUILD.length + 1));
    return { files, builtins: JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[] };
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

test('the bin and the proxy load neither node:crypto, node:tls nor node:child_process', () => {
  const heavy = (m: string): boolean => m === 'crypto' || m === 'tls' || m === 'child_process';
  assert.deepEqual(probe(['bin/commands.js', 'proxy/cli.js']).builtins.filter(heavy), []);
  assert.ok(probe(['certs/ca.js']).builtins.includes('crypto'), 'the probe sees a module that does load node:crypto');
});
