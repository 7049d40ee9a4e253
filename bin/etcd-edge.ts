#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=20
// The etcd-edge command: dispatches `etcd-edge <subcommand>`, turns SIGINT/SIGTERM into an AbortSignal, prints
// EdgeErrors as `error: … [CODE]` + `hint: …`, and is the only place that exits the process.
import { exitCodeFor, formatForCli } from '../core/errors.js';
import type { CliIo, CliMain } from '../core/cli.js';
import { commands, usage } from './commands.js';

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === 'version' || name === '--version') {
    process.stdout.write('etcd-edge 0.1.0\n');
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`error: unknown command ${JSON.stringify(name)} [EDGE_USAGE]\nhint: run etcd-edge help for the list of commands\n`);
    return 2;
  }
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) ac.abort();
    else if (signals === 3) {
      process.stderr.write(`error: ${sig} received three times, exiting without waiting [EDGE_ABORTED]\n`);
      process.exit(130);
    } else process.stderr.write('stopping gracefully; press Ctrl-C twice more to exit at once (members then get no clean stop)\n');
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  const io: CliIo = { argv: rest, env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, signal: ac.signal };
  const run: CliMain = await load();
  return run(io);
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(formatForCli(err) + '\n');
    process.exitCode = exitCodeFor(err);
  },
);
