// Reads the end of a member's log file, to show what it said before it exited.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Reads the last n non-empty lines of a file, from byte `from` on (and at most its last 64 KiB). */
export function tailLines(file: string, n: number, from = 0): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const len = Math.max(0, Math.min(size - from, 65_536));
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-n);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
