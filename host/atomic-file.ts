// The one atomic file writer: content goes to a fresh temporary file beside the target (exact mode, fsynced),
// which is then renamed over the target, or hard-linked to it when an existing file must never be replaced.
// Readers see the old file or the new one, never a torn one, and a key file is never readable by others.
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomHex } from '../core/random.js';

/** How writeFileAtomic writes. */
export interface AtomicWriteOptions {
  /** The file's mode, set exactly whatever the umask (default 0o644; keys and state 0o600). */
  readonly mode?: number;
  /** Creates the parent directory (recursively) with this mode first; default: it must exist. */
  readonly mkdirMode?: number;
  /** false: fail with EEXIST instead of replacing a file that is there (default true). */
  readonly overwrite?: boolean;
}

/** Writes content to file atomically (temporary file + fsync + rename); throws the fs error on failure. */
export function writeFileAtomic(file: string, content: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const mode = opts.mode ?? 0o644;
  if (opts.mkdirMode !== undefined) mkdirSync(path.dirname(file), { recursive: true, mode: opts.mkdirMode });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomHex(6)}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      // The umask may have narrowed the mode; set it exactly. fsync before the rename, so a crash leaves old or new.
      fchmodSync(fd, mode);
      const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.overwrite === false) linkSync(tmp, file);
    else renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}
