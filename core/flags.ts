// Flag, env and config-file parsing for every subcommand, over node:util parseArgs (strict), with etcd's pkg/flags
// rules: unknown flags are errors, each flag has an ETCD_* variable, flag and env for one option is an error, and
// unknown ETCD_* variables only warn. Unlike etcd, a --config-file is layered (flag/env > file > default).
import { parseArgs } from 'node:util';
import { EdgeError } from './errors.js';
import { formatDurationMs, parseDurationMs } from './duration.js';
import { envNamesOf } from './env-names.js';

/** The prefix of etcd's flags' environment variables (ours add EDGE_: see core/env-names.ts). */
export const ENV_PREFIX = 'ETCD_';

export { flagToEnv } from './env-names.js';

/** How a flag's value is read. `list` splits on commas and appends when repeated. */
export type FlagKind = 'string' | 'boolean' | 'int' | 'duration' | 'list';

/** Declares one flag. */
export interface FlagSpec {
  readonly kind: FlagKind;
  readonly describe: string;
  readonly default?: string | boolean | number | readonly string[];
  /** false for none; an ETCDCTL_* name, or an ETCD_EDGE_* name marking the flag as ours (see envNamesOf). */
  readonly env?: string | false;
  /** A one-letter alias, used with a single dash (`-f`). */
  readonly short?: string;
  readonly choices?: readonly string[];
}

/** The flags of one command, by long name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Where a parsed value came from. */
export type FlagSource = 'flag' | 'env' | 'file' | 'default';

type Value = string | boolean | number | readonly string[];

/** The result of parsing: typed getters over the merged values, positionals and warnings. */
export interface ParsedFlags {
  readonly help: boolean;
  readonly positionals: readonly string[];
  readonly warnings: readonly string[];
  source(name: string): FlagSource | undefined;
  has(name: string): boolean;
  str(name: string): string | undefined;
  bool(name: string): boolean;
  int(name: string): number | undefined;
  ms(name: string): number | undefined;
  list(name: string): readonly string[];
}

/** Options for parseFlags. */
export interface ParseOptions {
  /** YAML/JSON config values keyed by flag name (kebab-case); unknown keys are errors. */
  readonly file?: Readonly<Record<string, unknown>>;
  readonly fileName?: string;
  /** How many positional arguments the command takes. */
  readonly positionals?: { readonly min: number; readonly max: number; readonly usage: string };
  readonly command: string;
}

/** Parses argv and env against specs, purely: it never reads process.* itself. */
export function parseFlags(
  specs: FlagSpecs,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  opts: ParseOptions,
): ParsedFlags {
  const { values, positionals } = tokenize(specs, argv, opts.command);
  const fromFlags = new Map<string, Value>();
  for (const [name, spec] of Object.entries(specs)) {
    const seen = values[name];
    if (!Array.isArray(seen) || seen.length === 0) continue;
    if (spec.kind === 'boolean') fromFlags.set(name, seen[seen.length - 1] === true);
    else if (spec.kind === 'list') fromFlags.set(name, seen.flatMap((raw) => convert(spec, name, String(raw)) as string[]));
    else fromFlags.set(name, convert(spec, name, String(seen[seen.length - 1])));
  }
  checkPositionals(positionals, opts);
  const { fromEnv, warnings } = readEnv(specs, env, fromFlags);
  const fromFile = readFile(specs, opts);
  return makeParsed({ specs, fromFlags, fromEnv, fromFile, positionals, warnings, help: values.help === true });
}

/** parseArgs' view of argv: every flag by its long name, repeated values in order, booleans true or false. */
function tokenize(specs: FlagSpecs, argv: readonly string[], command: string): { values: Record<string, unknown>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple: boolean }> = { help: { type: 'boolean', multiple: false } };
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.kind === 'boolean' ? 'boolean' : 'string', multiple: true };
  try {
    const { values, positionals } = parseArgs({ args: toLongForm(specs, argv, command), options, strict: true, allowPositionals: true, allowNegative: true });
    return { values, positionals };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const name = /'--?([^' =]+)/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownFlag(name, specs, command);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new EdgeError('EDGE_USAGE', `flag needs an argument: --${name}`, { hint: `pass --${name}=VALUE`, cause: err });
    }
    throw err;
  }
}

// etcd's flags follow Go's flag package, which parseArgs does not: a long flag may take one dash
// (-listen-client-urls), a boolean takes =true/=false, and a value may start with a dash (--x -1).
// This rewrites those forms into the POSIX ones parseArgs reads; an unknown flag is left for parseArgs to refuse,
// and everything after `--` is left alone.
function toLongForm(specs: FlagSpecs, argv: readonly string[], command: string): string[] {
  const shorts = new Map<string, string>();
  for (const [name, s] of Object.entries(specs)) if (s.short) shorts.set(s.short, name);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] ?? '';
    if (tok === '--') { out.push(...argv.slice(i)); break; }
    if (!tok.startsWith('-') || tok === '-') { out.push(tok); continue; }
    const body = tok.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const raw = eq === -1 ? body : body.slice(0, eq);
    if (raw === 'help' || raw === 'h') { out.push('--help'); continue; }
    const name = specs[raw] ? raw : shorts.get(raw);
    const spec = name === undefined ? undefined : specs[name];
    // --no-X is parseArgs' spelling of X=false, which etcd does not accept: it stays an unknown flag.
    if (raw.startsWith('no-') && (raw === 'no-help' || specs[raw.slice(3)]?.kind === 'boolean')) throw unknownFlag(raw, specs, command);
    if (name === undefined || spec === undefined) { out.push(`--${body}`); continue; }
    if (spec.kind === 'boolean') out.push(eq === -1 || parseBool(body.slice(eq + 1), name) ? `--${name}` : `--no-${name}`);
    else if (eq !== -1) out.push(`--${name}=${body.slice(eq + 1)}`);
    else if (argv[i + 1]?.startsWith('-')) out.push(`--${name}=${argv[++i] ?? ''}`);
    else out.push(`--${name}`);
  }
  return out;
}

/** Returns only the environment warnings parseFlags would report for specs (for commands parsed elsewhere). */
export function envWarnings(specs: FlagSpecs, env: Readonly<Record<string, string | undefined>>): readonly string[] {
  return readEnv(specs, env, new Map()).warnings;
}

function makeParsed(p: {
  specs: FlagSpecs; fromFlags: Map<string, Value>; fromEnv: Map<string, Value>; fromFile: Map<string, Value>;
  positionals: string[]; warnings: string[]; help: boolean;
}): ParsedFlags {
  const get = (name: string): Value | undefined => {
    if (!p.specs[name]) throw new EdgeError('EDGE_INTERNAL', `flag ${JSON.stringify(name)} is not declared`);
    return p.fromFlags.get(name) ?? p.fromEnv.get(name) ?? p.fromFile.get(name) ?? p.specs[name]?.default;
  };
  return Object.freeze({
    help: p.help,
    positionals: Object.freeze([...p.positionals]),
    warnings: Object.freeze([...p.warnings]),
    source: (name: string): FlagSource | undefined =>
      p.fromFlags.has(name) ? 'flag' : p.fromEnv.has(name) ? 'env' : p.fromFile.has(name) ? 'file'
        : p.specs[name]?.default !== undefined ? 'default' : undefined,
    has: (name: string) => p.fromFlags.has(name) || p.fromEnv.has(name) || p.fromFile.has(name),
    str: (name: string) => { const v = get(name); return v === undefined ? undefined : String(v); },
    bool: (name: string) => get(name) === true,
    int: (name: string) => { const v = get(name); return typeof v === 'number' ? v : undefined; },
    ms: (name: string) => { const v = get(name); return typeof v === 'number' ? v : undefined; },
    list: (name: string) => { const v = get(name); return Array.isArray(v) ? v : v === undefined || v === '' ? [] : [String(v)]; },
  });
}

function readEnv(specs: FlagSpecs, env: Readonly<Record<string, string | undefined>>, fromFlags: Map<string, Value>) {
  const fromEnv = new Map<string, Value>();
  const warnings: string[] = [];
  const known = new Set<string>();
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.env === false) continue;
    const names = envNamesOf(name, spec.env);
    known.add(names.name);
    names.deprecated.forEach((d) => known.add(d));
    let key = names.name;
    let raw = env[key];
    const old = names.deprecated.find((d) => env[d] !== undefined);
    if (old !== undefined && raw === undefined) {
      key = old;
      raw = env[old];
      warnings.push(`environment variable ${old} is deprecated; use ${names.name}`);
    } else if (old !== undefined) warnings.push(`environment variable ${old} is deprecated and ignored: ${names.name} is set too`);
    if (raw === undefined) continue;
    if (fromFlags.has(name)) {
      throw new EdgeError('EDGE_CONFIG_CONFLICT',
        `conflicting environment variable ${JSON.stringify(key)} is shadowed by corresponding command-line flag --${name}`,
        { hint: `unset ${key} or drop --${name}; etcd refuses the same conflict` });
    }
    fromEnv.set(name, spec.kind === 'boolean' ? parseBool(raw, name) : convert(spec, name, raw));
  }
  for (const key of Object.keys(env)) {
    if (key.startsWith(ENV_PREFIX) && !known.has(key)) warnings.push(`unrecognized environment variable ${key} (not a flag of this command; see the environment table in the README)`);
  }
  return { fromEnv, warnings };
}

function readFile(specs: FlagSpecs, opts: ParseOptions): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const [key, raw] of Object.entries(opts.file ?? {})) {
    const spec = specs[key];
    if (!spec) {
      throw new EdgeError('EDGE_CONFIG_INVALID', `unknown key ${JSON.stringify(key)} in ${opts.fileName ?? 'config file'}`,
        { hint: `keys are the flag names of "${opts.command}": ${Object.keys(specs).join(', ')}` });
    }
    if (spec.kind === 'boolean' && typeof raw === 'boolean') out.set(key, raw);
    else if (spec.kind === 'list' && Array.isArray(raw)) out.set(key, raw.map(String));
    else out.set(key, spec.kind === 'boolean' ? parseBool(String(raw), key) : convert(spec, key, String(raw)));
  }
  return out;
}

function convert(spec: FlagSpec, name: string, raw: string): Value {
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `invalid value ${JSON.stringify(raw)} for --${name}`,
      { hint: `choose one of ${spec.choices.join(', ')}` });
  }
  switch (spec.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw new EdgeError('EDGE_CONFIG_INVALID', `invalid value ${JSON.stringify(raw)} for --${name}`, { hint: 'pass a whole number' });
      }
      return Number(raw);
    }
    case 'duration': return parseDurationMs(raw, name);
    case 'list': return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default: return raw;
  }
}

function parseBool(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 't', 'yes'].includes(v)) return true;
  if (['false', '0', 'f', 'no'].includes(v)) return false;
  throw new EdgeError('EDGE_CONFIG_INVALID', `invalid boolean ${JSON.stringify(raw)} for --${name}`, { hint: `use --${name}=true or --${name}=false` });
}

function checkPositionals(pos: string[], opts: ParseOptions): void {
  const p = opts.positionals ?? { min: 0, max: 0, usage: `etcd-edge ${opts.command} [flags]` };
  if (pos.length > p.max) {
    throw new EdgeError('EDGE_USAGE', `${JSON.stringify(pos[p.max])} is not a valid flag or argument for "${opts.command}"`, { hint: `usage: ${p.usage}` });
  }
  if (pos.length < p.min) throw new EdgeError('EDGE_USAGE', `missing argument for "${opts.command}"`, { hint: `usage: ${p.usage}` });
}

function unknownFlag(name: string, specs: FlagSpecs, command: string): EdgeError {
  const near = Object.keys(specs).find((k) => k.includes(name) || name.includes(k));
  return new EdgeError('EDGE_USAGE', `flag provided but not defined: --${name}`, {
    hint: near ? `did you mean --${near}? see: etcd-edge ${command} --help` : `see: etcd-edge ${command} --help`,
  });
}

/** Renders a command's help text from its specs, naming each flag's env variable and default. */
export function renderHelp(usage: string, summary: string, specs: FlagSpecs): string {
  const lines = [`usage: ${usage}`, '', summary, '', 'flags (each also settable as the environment variable shown; flag/env > file > default; durations in Go syntax,\n500ms, 30s, 1m0s, or plain milliseconds):'];
  for (const [name, s] of Object.entries(specs)) {
    const short = s.short ? `-${s.short}, ` : '';
    const env = s.env === false ? '' : ` [${envNamesOf(name, s.env).name}]`;
    const shown = s.kind === 'duration' && typeof s.default === 'number' ? formatDurationMs(s.default)
      : Array.isArray(s.default) ? s.default.join(',') : String(s.default);
    const def = s.default === undefined || s.default === '' ? '' : ` (default ${shown})`;
    lines.push(`  ${short}--${name}${env}`, `      ${s.describe}${def}`);
  }
  return lines.join('\n') + '\n';
}
