// The --data-path flag the gateway and the proxy share: native (the epoll addon, the default when it is built and
// can serve the configuration) or js (Node's own streams and servers).
import { EdgeError } from './errors.js';
import { flagToEnv } from './env-names.js';
import type { FlagSpecs } from './flags.js';

/** What relays the bytes; undefined: native when it can, else js. */
export type DataPathChoice = 'native' | 'js' | undefined;

/** The --data-path flag, described for one component. */
export function dataPathFlag(describe: string): FlagSpecs {
  return { 'data-path': { kind: 'string', choices: ['native', 'js'], env: flagToEnv('ETCD_EDGE_', 'data-path'), describe } };
}

/** Parses a --data-path value. */
export function parseDataPath(v: string | undefined): DataPathChoice {
  if (v === undefined || v === '') return undefined;
  if (v === 'native' || v === 'js') return v;
  throw new EdgeError('EDGE_CONFIG_INVALID', `--data-path must be native or js, not ${JSON.stringify(v)}`, { hint: 'pass --data-path native or --data-path js' });
}
