// `npm run bench`: etcd-edge's proxy and gateway measured side by side with etcd's own and with direct access,
// on a bundled loopback cluster, and BENCHMARKS.md written from the run. The bench's entry point (like bin/, it
// owns the signal handlers and the exit): every process it started is stopped on the way out, also on Ctrl-C.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool } from '../helpers/etcd.js';
import type { BenchOptions } from './options.js';
import { BENCH_USAGE, parseBenchArgs } from './options.js';
import { clockTicksPerSecond, readLoadavg } from './procfs.js';
import { freePortBlock } from './ports.js';
import { ProcSet } from './procs.js';
import { keptNotes, renderMarkdown } from './report.js';
import { cells, goals, noisy, ratios } from './results.js';
import { runSession } from './session.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const log = (line: string): void => { process.stderr.write(`${line}\n`); };

/** Each member preallocates ~123 MB of WAL: use tmpfs when it has room for three and some slack. */
function workBase(): string {
  try {
    if (existsSync('/dev/shm')) {
      const s = statfsSync('/dev/shm');
      if (s.bavail * s.bsize > 1024 ** 3) return '/dev/shm';
    }
  } catch {
    // No statfs on /dev/shm: fall back to the temp dir.
  }
  return os.tmpdir();
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]?.trim() ?? '?';
  } catch (err) {
    return ((err as { stdout?: string }).stdout ?? '?').split('\n')[0]?.trim() ?? '?';
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Linux ${os.release()}`;
}

function software(): string {
  return [`Node ${process.version}`, firstLine('etcd', ['--version']).replace('etcd Version:', 'etcd'),
    firstLine('wrk', ['-v']).replace(/ Copyright.*/, ''), firstLine('h2load', ['--version'])].join(', ');
}

async function waitForLowLoad(maxS: number): Promise<void> {
  const t0 = Date.now();
  while ((readLoadavg()[0]) > 1.0 && Date.now() - t0 < maxS * 1000) {
    log(`load average ${readLoadavg().join(' ')} > 1.0: waiting (at most ${maxS - Math.round((Date.now() - t0) / 1000)} s more)`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

async function run(opts: BenchOptions, procs: ProcSet, workDir: string, argv: readonly string[]): Promise<void> {
  for (const [tool, pkg] of [['etcd', 'etcd-server'], ['wrk', 'wrk'], ['h2load', 'nghttp2-client']] as const) requireTool(tool, pkg);
  await waitForLowLoad(opts.maxLoadWaitS);
  const loadBefore = readLoadavg();
  const t0 = Date.now();
  const basePort = await freePortBlock(15);
  if (opts.profileDir !== undefined) mkdirSync(opts.profileDir, { recursive: true });
  const { runs, notes, memory } = await runSession({
    procs, workDir, basePort, rounds: opts.rounds, durationS: opts.durationS, workloads: opts.workloads, targets: opts.targets,
    profileDir: opts.profileDir === undefined ? undefined : path.resolve(opts.profileDir), edgeProxyArgs: opts.edgeProxyArgs, edgeGatewayArgs: opts.edgeGatewayArgs,
    ticksPerS: clockTicksPerSecond(), log,
  });
  const loadAfter = readLoadavg();
  await procs.stopAll();
  const cs = cells(runs, opts.workloads);
  const rs = ratios(cs, opts.workloads);
  const previous = opts.out !== '-' && existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : undefined;
  const md = renderMarkdown({
    meta: {
      command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '), date: new Date().toISOString(),
      machine: machine(), software: software(), loadBefore, loadAfter, rounds: opts.rounds, durationS: opts.durationS,
      elapsedS: (Date.now() - t0) / 1000, notes,
    },
    workloads: opts.workloads, cells: cs, ratios: rs, goals: goals(rs, cs), noisy: noisy(cs), memory, notes: keptNotes(previous),
  });
  if (opts.out === '-') process.stdout.write(md);
  else { writeFileSync(opts.out, md); log(`wrote ${opts.out}`); }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(BENCH_USAGE); return 0; }
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(argv, path.join(REPO, 'BENCHMARKS.md'));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${BENCH_USAGE}`);
    return 2;
  }
  const procs = new ProcSet();
  const workDir = mkdtempSync(path.join(workBase(), 'etcd-edge-bench-'));
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping every process the bench started`);
    procs.stopAll().finally(() => { rmSync(workDir, { recursive: true, force: true }); process.exit(130); });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => procs.killAllNow());
  try {
    await run(opts, procs, workDir, argv);
    return 0;
  } catch (err) {
    log(`error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await procs.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
