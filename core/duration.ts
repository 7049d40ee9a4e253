// Durations as flags accept them: Go-style `500ms`, `30s`, `1m`, `1m30s`, or a bare integer meaning milliseconds
// (etcd's --proxy-* flags are bare ms, its gateway's --retry-delay is a Go duration; both forms work everywhere).
import { EdgeError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration into milliseconds, or throws EDGE_CONFIG_INVALID naming the flag. */
export function parseDurationMs(value: string, flag: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m !== null; m = re.exec(v)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
    matched = re.lastIndex;
  }
  if (v === '' || matched !== v.length) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid duration ${JSON.stringify(value)} for --${flag}`, {
      hint: 'use a Go duration such as 500ms, 30s, 1m0s or 1h30m, or a plain number of milliseconds',
    });
  }
  return Math.round(total);
}

/**
 * Formats milliseconds as Go's time.Duration String() does: `500ms`, `1.5s`, `30s`, `1m0s`, `1h30m0s`, `0s`, so
 * help and messages read like etcd's own.
 */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trim(rest)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = `${trim(rest / 1000)}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(3)));
}
