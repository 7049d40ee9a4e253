// The native data path's stress test once more, under AddressSanitizer: scripts/asan-gateway.sh builds the addon
// with -fsanitize=address in a temporary directory and runs a reduced stress test with libasan preloaded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../../helpers/bin.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

test('the native data path survives the stress test, the accept drain its tests, and the proxy\'s native front its tests, the parity test and v3 ranges over gRPC, under AddressSanitizer', async () => {
  // The script runs in its own process group: on a timeout the whole group goes, not only the shell (a test
  // process hung at exit under it would otherwise outlive this test).
  const r = await new Promise<{ code: number; out: string; timedOut: boolean }>((resolve) => {
    const child = spawn(path.join(ROOT, 'scripts/asan-gateway.sh'), [], { cwd: ROOT, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; try { process.kill(-(child.pid ?? 0), 'SIGKILL'); } catch { /* gone */ } }, 240_000);
    // The compiler's warnings (stderr) first, so a failure's message ends with the tests' own output.
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, out: stderr + stdout, timedOut }); });
  });
  assert.equal(r.code, 0, `${r.timedOut ? 'timed out after 240 s; ' : ''}${r.out.slice(-4000)}`);
  assert.match(r.out, /and accept drain clean under AddressSanitizer/);
  assert.match(r.out, /proxy front tests, parity and v3 ranges over gRPC clean under AddressSanitizer/);
  assert.doesNotMatch(r.out, /ERROR: AddressSanitizer/);
});
