// Flag parsing: precedence flag/env > file > default, the flag+env conflict, unknown flags and env, kinds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagToEnv, parseFlags } from '../../../core/flags.js';
import type { FlagSpecs } from '../../../core/flags.js';
import { formatDurationMs, parseDurationMs } from '../../../core/duration.js';
import { envNamesOf } from '../../../core/env-names.js';

const specs: FlagSpecs = {
  'proxy-refresh-interval': { kind: 'duration', default: 30_000, describe: 'x' },
  'listen-addr': { kind: 'string', default: '127.0.0.1:23790', describe: 'x' },
  endpoints: { kind: 'list', default: ['127.0.0.1:2379'], describe: 'x' },
  insecure: { kind: 'boolean', describe: 'x' },
  topology: { kind: 'string', short: 'f', env: 'ETCD_EDGE_TOPOLOGY', describe: 'x' },
  mode: { kind: 'string', choices: ['on', 'readonly'], default: 'on', describe: 'x' },
  size: { kind: 'int', describe: 'x' },
};

test('flagToEnv follows etcd naming', () => {
  assert.equal(flagToEnv('ETCD_', 'proxy-refresh-interval'), 'ETCD_PROXY_REFRESH_INTERVAL');
});

const cases: { name: string; argv: string[]; env?: Record<string, string>; file?: Record<string, unknown>; pos?: number; check: (f: ReturnType<typeof parseFlags>) => void }[] = [
  { name: 'defaults', argv: [], check: (f) => { assert.equal(f.ms('proxy-refresh-interval'), 30_000); assert.deepEqual(f.list('endpoints'), ['127.0.0.1:2379']); assert.equal(f.source('listen-addr'), 'default'); } },
  { name: '--flag=value and --flag value', argv: ['--listen-addr=1.2.3.4:1', '--size', '5'], check: (f) => { assert.equal(f.str('listen-addr'), '1.2.3.4:1'); assert.equal(f.int('size'), 5); } },
  { name: 'Go-style single dash', argv: ['-listen-addr', '127.0.0.1:9'], check: (f) => assert.equal(f.str('listen-addr'), '127.0.0.1:9') },
  { name: 'short alias', argv: ['-f', 't.yaml'], check: (f) => assert.equal(f.str('topology'), 't.yaml') },
  { name: 'list appends and splits', argv: ['--endpoints', 'a:1,b:2', '--endpoints=c:3'], check: (f) => assert.deepEqual(f.list('endpoints'), ['a:1', 'b:2', 'c:3']) },
  { name: 'boolean forms', argv: ['--insecure=false'], check: (f) => assert.equal(f.bool('insecure'), false) },
  { name: 'bare boolean', argv: ['--insecure'], check: (f) => assert.equal(f.bool('insecure'), true) },
  { name: 'duration units', argv: ['--proxy-refresh-interval=1m30s'], check: (f) => assert.equal(f.ms('proxy-refresh-interval'), 90_000) },
  { name: 'env is read', argv: [], env: { ETCD_LISTEN_ADDR: '127.0.0.2:1' }, check: (f) => { assert.equal(f.str('listen-addr'), '127.0.0.2:1'); assert.equal(f.source('listen-addr'), 'env'); } },
  { name: 'env beats file', argv: [], env: { ETCD_MODE: 'readonly' }, file: { mode: 'on' }, check: (f) => assert.equal(f.str('mode'), 'readonly') },
  { name: 'file beats default', argv: [], file: { 'listen-addr': '127.0.0.3:1', endpoints: ['x:1', 'y:2'] }, check: (f) => { assert.equal(f.str('listen-addr'), '127.0.0.3:1'); assert.deepEqual(f.list('endpoints'), ['x:1', 'y:2']); } },
  { name: 'unknown ETCD_ env only warns', argv: [], env: { ETCD_FOO: '1' }, check: (f) => assert.match(f.warnings.join(), /ETCD_FOO/) },
  { name: 'help flag', argv: ['--help'], check: (f) => assert.equal(f.help, true) },
  { name: 'help in Go and short forms', argv: ['-help'], check: (f) => assert.equal(f.help, true) },
  { name: '-h anywhere', argv: ['--size', '1', '-h'], check: (f) => { assert.equal(f.help, true); assert.equal(f.int('size'), 1); } },
  { name: 'no help by default', argv: [], check: (f) => assert.equal(f.help, false) },
  { name: 'Go-style single dash with =', argv: ['-listen-addr=127.0.0.1:8', '-insecure'], check: (f) => { assert.equal(f.str('listen-addr'), '127.0.0.1:8'); assert.equal(f.bool('insecure'), true); } },
  { name: 'short alias with =', argv: ['-f=t.yaml'], check: (f) => assert.equal(f.str('topology'), 't.yaml') },
  { name: 'a value may start with a dash, as in Go', argv: ['--size', '-3', '-listen-addr', '-'], check: (f) => { assert.equal(f.int('size'), -3); assert.equal(f.str('listen-addr'), '-'); } },
  { name: 'a repeated flag: the last one wins', argv: ['--size=1', '--size', '2', '--insecure=true', '--insecure=false'], check: (f) => { assert.equal(f.int('size'), 2); assert.equal(f.bool('insecure'), false); assert.equal(f.source('insecure'), 'flag'); } },
  { name: 'boolean =1 and =t', argv: ['--insecure=t'], check: (f) => assert.equal(f.bool('insecure'), true) },
  { name: 'positionals between flags, and after -- even when they look like flags', argv: ['a', '--size=1', '--', '--nope', '-x'], pos: 3, check: (f) => assert.deepEqual(f.positionals, ['a', '--nope', '-x']) },
  { name: 'a lone dash is a positional', argv: ['-'], pos: 1, check: (f) => assert.deepEqual(f.positionals, ['-']) },
  { name: 'an empty list value sets the flag to nothing', argv: ['--endpoints='], check: (f) => { assert.deepEqual(f.list('endpoints'), []); assert.equal(f.source('endpoints'), 'flag'); } },
  { name: 'our flag reads ETCD_EDGE_<FLAG>', argv: [], env: { ETCD_EDGE_MODE: 'readonly' }, check: (f) => { assert.equal(f.str('mode'), 'readonly'); assert.deepEqual(f.warnings, []); } },
  { name: 'an old name still works, with a deprecation warning', argv: [], env: { ETCD_MODE: 'readonly' },
    check: (f) => { assert.equal(f.str('mode'), 'readonly'); assert.deepEqual(f.warnings, ['environment variable ETCD_MODE is deprecated; use ETCD_EDGE_MODE']); } },
  { name: 'the new name wins over an old one', argv: [], env: { ETCD_MODE: 'on', ETCD_EDGE_MODE: 'readonly' },
    check: (f) => { assert.equal(f.str('mode'), 'readonly'); assert.match(f.warnings.join(), /ETCD_MODE is deprecated and ignored: ETCD_EDGE_MODE is set too/); } },
  { name: 'an unknown ETCD_EDGE_ variable warns too', argv: [], env: { ETCD_EDGE_NOPE: '1' }, check: (f) => assert.match(f.warnings.join(), /unrecognized environment variable ETCD_EDGE_NOPE/) },
];
for (const c of cases) {
  test(c.name, () => c.check(parseFlags(specs, c.argv, c.env ?? {}, {
    command: 'x', ...(c.file ? { file: c.file } : {}), ...(c.pos ? { positionals: { min: 0, max: c.pos, usage: 'x' } } : {}),
  })));
}

const errors: { name: string; argv: string[]; env?: Record<string, string>; file?: Record<string, unknown>; code: string; re: RegExp }[] = [
  { name: 'unknown flag', argv: ['--nope'], code: 'EDGE_USAGE', re: /flag provided but not defined: --nope/ },
  { name: 'flag and env conflict', argv: ['--listen-addr=a:1'], env: { ETCD_LISTEN_ADDR: 'b:2' }, code: 'EDGE_CONFIG_CONFLICT', re: /ETCD_LISTEN_ADDR/ },
  { name: 'missing value', argv: ['--listen-addr'], code: 'EDGE_USAGE', re: /needs an argument/ },
  { name: 'bad choice', argv: ['--mode=off'], code: 'EDGE_CONFIG_INVALID', re: /invalid value "off"/ },
  { name: 'bad duration', argv: ['--proxy-refresh-interval=soon'], code: 'EDGE_CONFIG_INVALID', re: /invalid duration/ },
  { name: 'bad int', argv: ['--size=three'], code: 'EDGE_CONFIG_INVALID', re: /invalid value/ },
  { name: 'bad boolean', argv: ['--insecure=maybe'], code: 'EDGE_CONFIG_INVALID', re: /invalid boolean/ },
  { name: 'unknown file key', argv: [], file: { bogus: 1 }, code: 'EDGE_CONFIG_INVALID', re: /unknown key "bogus"/ },
  { name: 'stray positional', argv: ['extra'], code: 'EDGE_USAGE', re: /"extra" is not a valid flag/ },
  { name: 'unknown single-dash flag', argv: ['-listen-adr', 'x'], code: 'EDGE_USAGE', re: /flag provided but not defined: --listen-adr/ },
  { name: 'unknown flag with =', argv: ['--nope=1'], code: 'EDGE_USAGE', re: /flag provided but not defined: --nope$/ },
  { name: 'unknown short', argv: ['-x'], code: 'EDGE_USAGE', re: /flag provided but not defined: --x$/ },
  { name: '--no-<boolean> is not etcd syntax', argv: ['--no-insecure'], code: 'EDGE_USAGE', re: /flag provided but not defined: --no-insecure/ },
  { name: '--no-help is not a flag either', argv: ['--no-help'], code: 'EDGE_USAGE', re: /flag provided but not defined: --no-help/ },
  { name: 'missing value after a single-dash flag', argv: ['-size'], code: 'EDGE_USAGE', re: /flag needs an argument: --size/ },
  { name: 'env conflict through a short alias', argv: ['-f', 't.yaml'], env: { ETCD_EDGE_TOPOLOGY: 'u.yaml' }, code: 'EDGE_CONFIG_CONFLICT', re: /ETCD_EDGE_TOPOLOGY/ },
];
for (const c of errors) {
  test(`error: ${c.name}`, () => {
    assert.throws(() => parseFlags(specs, c.argv, c.env ?? {}, { command: 'x', ...(c.file ? { file: c.file } : {}) }),
      (err: { code: string; message: string; hint?: string }) => err.code === c.code && c.re.test(err.message) && typeof err.hint === 'string');
  });
}

const durations: [string, number | null][] = [['500ms', 500], ['30s', 30_000], ['1m', 60_000], ['1500', 1500], ['1.5s', 1500], ['2h', 7_200_000], ['', null], ['5x', null], ['1m junk', null]];
for (const [input, want] of durations) {
  test(`duration ${JSON.stringify(input)}`, () => {
    if (want === null) assert.throws(() => parseDurationMs(input, 'd'), /invalid duration/);
    else assert.equal(parseDurationMs(input, 'd'), want);
  });
}

const envCases: { flag: string; declared?: string; want: { name: string; deprecated: string[] } }[] = [
  { flag: 'listen-addr', want: { name: 'ETCD_LISTEN_ADDR', deprecated: [] } },
  { flag: 'access-log', want: { name: 'ETCD_EDGE_ACCESS_LOG', deprecated: ['ETCD_ACCESS_LOG'] } },
  { flag: 'ssh', declared: 'ETCD_EDGE_TUNNEL_SSH', want: { name: 'ETCD_EDGE_SSH', deprecated: ['ETCD_EDGE_TUNNEL_SSH'] } },
  { flag: 'data-dir', declared: 'ETCD_EDGE_DATA_DIR', want: { name: 'ETCD_EDGE_DATA_DIR', deprecated: [] } },
  { flag: 'endpoints', declared: 'ETCDCTL_ENDPOINTS', want: { name: 'ETCDCTL_ENDPOINTS', deprecated: [] } },
];
for (const c of envCases) test(`envNamesOf: ${c.flag} ${c.declared ?? ''}`, () => assert.deepEqual(envNamesOf(c.flag, c.declared), c.want));

for (const [ms, want] of [[0, '0s'], [500, '500ms'], [1500, '1.5s'], [5000, '5s'], [60_000, '1m0s'], [90_000, '1m30s'], [3_600_000, '1h0m0s']] as const) {
  test(`formatDurationMs ${ms}`, () => { assert.equal(formatDurationMs(ms), want); assert.equal(parseDurationMs(want, 'x'), ms); });
}
