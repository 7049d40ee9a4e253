// Durations as flags accept them: Go-style `500ms`, `30s`, `1m`, `1m30s`, or a bare integer meaning milliseconds
// (etcd's --proxy-* flags are bare ms, its gateway's --retry-delay is a Go duration; both forms work everywhere).
import { EdgeError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration into milliseconds, or throws EDGE_CONFIG_INVALID naming the flag. */
export function parseDurationMs(value: string, flag: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m !== null; m = re.exec(v)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
    matched = re.lastIndex;
  }
  if (v === '' || matched !== v.length) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid duration ${JSON.stringify(value)} for --${flag}`, {
      hint: 'use a number of milliseconds or a Go duration such as 500ms, 30s or 1m',
    });
  }
  return Math.round(total);
}
