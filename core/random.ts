// Random bytes from the kernel (/dev/urandom) without node:crypto: loading node:crypto initialises OpenSSL, about
// 1 MB of resident memory, which a proxy serving plain http has no other use for.
import { closeSync, openSync, readSync } from 'node:fs';

/** Returns n random bytes, hex-encoded (2n characters). */
export function randomHex(n: number): string {
  const b = Buffer.alloc(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let off = 0; off < n;) off += readSync(fd, b, off, n - off, null);
  } finally {
    closeSync(fd);
  }
  return b.toString('hex');
}
