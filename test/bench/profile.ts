// Summarises a V8 .cpuprofile (from `npm run bench -- --profile DIR`) by self time: the top functions and the
// top files, so a data path's hot spots show without a flame graph viewer.
// Usage: node build/test/bench/profile.js FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

/** A V8 CPU profile, as node --cpu-prof writes it. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One row of the summary. */
export interface SelfTime {
  readonly key: string;
  readonly us: number;
  readonly share: number;
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const i = url.indexOf('/build/');
  if (i !== -1) return url.slice(i + 7);
  const nm = url.indexOf('node_modules/');
  return nm !== -1 ? url.slice(nm + 13) : url.replace(/^file:\/\//, '');
}

/** Frames that are not work: time spent waiting in the event loop. */
const IDLE = new Set(['(idle)']);

/** Sums self time (µs) by a key of each node's call frame, largest first; shares are of the busy (non-idle) time. */
export function selfTimes(p: CpuProfile, keyOf: (f: ProfileNode['callFrame']) => string): SelfTime[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const n = byId.get(id);
    if (n === undefined) return;
    if (IDLE.has(n.callFrame.functionName)) return;
    const k = keyOf(n.callFrame);
    totals.set(k, (totals.get(k) ?? 0) + dt);
    all += dt;
  });
  return [...totals].map(([key, us]) => ({ key, us, share: all === 0 ? 0 : us / all })).sort((a, b) => b.us - a.us);
}

/** Keys a frame by function, file and line. */
export const byFunction = (f: ProfileNode['callFrame']): string => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
/** Keys a frame by file. */
export const byFile = (f: ProfileNode['callFrame']): string => shortUrl(f.url);

function print(title: string, rows: readonly SelfTime[], top: number): void {
  process.stdout.write(`${title}\n`);
  for (const r of rows.slice(0, top)) process.stdout.write(`${(r.share * 100).toFixed(1).padStart(5)} %  ${(r.us / 1000).toFixed(0).padStart(7)} ms  ${r.key}\n`);
  process.stdout.write('\n');
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]).endsWith(path.join('bench', 'profile.js'))) {
  const [file, top = '30'] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node build/test/bench/profile.js FILE.cpuprofile [TOP]\n');
    process.exitCode = 2;
  } else {
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    print(`self time by function (${file})`, selfTimes(p, byFunction), Number(top));
    print('self time by file', selfTimes(p, byFile), Number(top));
  }
}
