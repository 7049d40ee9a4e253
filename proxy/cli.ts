// `etcd-edge proxy [flags]`: parse flags (with an optional layered --config-file), build the proxy, run it until
// SIGINT/SIGTERM, then close it gracefully. Exit codes: 0 clean stop, 2 bad flags, 1 runtime failure.
import path from 'node:path';
import { commandLogger, runUntilAborted } from '../core/cli.js';
import type { CliMain } from '../core/cli.js';
import { readYamlFile } from '../core/config-file.js';
import { renderHelp } from '../core/flags.js';
import type { ParsedFlags } from '../core/flags.js';
import { configFromFlags, parseProxyArgs } from './config.js';
import { PROXY_FLAGS } from './flags.js';
import { createProxy } from './proxy.js';

const USAGE = 'etcd-edge proxy [--proxy on|readonly] [--listen-client-urls URLS] [--initial-cluster N=URL,... | --discovery URL | --discovery-srv DOMAIN] [flags]';
const SUMMARY = `The local HTTP proxy (etcd's v2 proxy, rebuilt): forwards the v2 keys API and the v3 JSON API to the live
members, follows the member list, and in readonly mode never lets a write through.
A --config-file is layered under flags and environment (etcd itself makes its config file exclusive).`;

/** Parses argv and env, then re-parses with the --config-file contents when one is given. */
export function parseWithConfigFile(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): ParsedFlags {
  const first = parseProxyArgs(argv, env);
  const file = first.str('config-file');
  if (first.help || file === undefined || file === '') return first;
  const full = path.resolve(cwd, file);
  return parseProxyArgs(argv, env, readYamlFile(full, 'config file'), file);
}

/** Runs `etcd-edge proxy`. */
export const proxyMain: CliMain = async (io) => {
  const f = parseWithConfigFile(io.argv, io.env, io.cwd);
  if (f.help) {
    io.stdout.write(renderHelp(USAGE, SUMMARY, PROXY_FLAGS));
    return 0;
  }
  const config = configFromFlags(f, { cwd: io.cwd });
  const logger = commandLogger(f, 'proxy');
  return runUntilAborted(createProxy(config, { logger }), io.signal);
};
