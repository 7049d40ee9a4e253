// The native data path's stress test once more, under AddressSanitizer: scripts/asan-gateway.sh builds the addon
// with -fsanitize=address in a temporary directory and runs a reduced stress test with libasan preloaded.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../../helpers/bin.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

test('the native data path survives the stress test, the accept drain its tests, and the proxy\'s native front its tests, the parity test and v3 ranges over gRPC, under AddressSanitizer', async () => {
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(path.join(ROOT, 'scripts/asan-gateway.sh'), [], { cwd: ROOT, env: cleanEnv(), timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      // The compiler's warnings (stderr) first, so a failure's message ends with the tests' own output.
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stderr + stdout });
    });
  });
  assert.equal(r.code, 0, r.out.slice(-4000));
  assert.match(r.out, /and accept drain clean under AddressSanitizer/);
  assert.match(r.out, /proxy front tests, parity and v3 ranges over gRPC clean under AddressSanitizer/);
  assert.doesNotMatch(r.out, /ERROR: AddressSanitizer/);
});
