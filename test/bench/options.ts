// The flags of `npm run bench -- [flags]`, parsed purely into a frozen options object.
import { parseArgs } from 'node:util';
import type { TargetId, Workload } from './plan.js';
import { TARGET_IDS, allWorkloads } from './plan.js';

/** What a bench run does. */
export interface BenchOptions {
  readonly rounds: number;
  readonly durationS: number;
  readonly workloads: readonly Workload[];
  readonly targets: readonly TargetId[];
  /** Where BENCHMARKS.md goes; '-' prints it on stdout instead. */
  readonly out: string;
  readonly profileDir: string | undefined;
  readonly edgeProxyArgs: readonly string[];
  readonly edgeGatewayArgs: readonly string[];
  /** How long to wait for a 1-minute load average below 1.0 before starting. */
  readonly maxLoadWaitS: number;
}

/** The help text. */
export const BENCH_USAGE = `usage: npm run bench -- [flags]
  --rounds N            rounds; each target runs each workload once per round (default 3)
  --duration S          seconds per run (default 4)
  --workloads a,b       only these workloads (${allWorkloads().map((w) => w.id).join(', ')})
  --targets a,b         only these targets (${TARGET_IDS.join(', ')})
  --out PATH            where to write the report (default BENCHMARKS.md at the repository root; - for stdout)
  --profile DIR         run our proxy and gateway under node --cpu-prof, profiles in DIR/<target>/
  --edge-proxy-args=S   extra flags for etcd-edge proxy, space-separated (e.g. --edge-proxy-args="--access-log info")
  --edge-gateway-args=S extra flags for the native etcd-edge gateway, space-separated (e.g. --edge-gateway-args="--relay-threads 2")
  --max-load-wait S     wait up to S seconds for the 1-minute load average to drop below 1.0 (default 180)
`;

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && name !== 'max-load-wait')) throw new Error(`--${name} ${JSON.stringify(v)}: expected a positive integer`);
  return n;
}

function pick<T extends string>(name: string, v: string | undefined, all: readonly T[]): T[] {
  if (v === undefined) return [...all];
  const want = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const w of want) if (!(all as readonly string[]).includes(w)) throw new Error(`--${name}: unknown ${JSON.stringify(w)} (one of ${all.join(', ')})`);
  return all.filter((a) => want.includes(a));
}

/** Parses the bench's flags (unknown flags are errors). */
export function parseBenchArgs(argv: readonly string[], defaultOut: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv], strict: true, allowPositionals: false,
    options: {
      rounds: { type: 'string' }, duration: { type: 'string' }, workloads: { type: 'string' }, targets: { type: 'string' },
      out: { type: 'string' }, profile: { type: 'string' }, 'edge-proxy-args': { type: 'string' }, 'edge-gateway-args': { type: 'string' }, 'max-load-wait': { type: 'string' },
    },
  });
  const all = allWorkloads();
  const ids = pick('workloads', values.workloads, all.map((w) => w.id));
  return Object.freeze({
    rounds: positiveInt('rounds', values.rounds, 3),
    durationS: positiveInt('duration', values.duration, 4),
    workloads: all.filter((w) => ids.includes(w.id)),
    targets: pick('targets', values.targets, TARGET_IDS),
    out: values.out ?? defaultOut,
    profileDir: values.profile,
    edgeProxyArgs: (values['edge-proxy-args'] ?? '').split(' ').filter((s) => s !== ''),
    edgeGatewayArgs: (values['edge-gateway-args'] ?? '').split(' ').filter((s) => s !== ''),
    maxLoadWaitS: positiveInt('max-load-wait', values['max-load-wait'], 180),
  });
}
