// Reads a YAML (or JSON) file into a plain object, turning read and syntax errors into EDGE_CONFIG_INVALID. The
// yaml library is loaded on the first call: commands started without a file never load it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { EdgeError } from './errors.js';

/** Reads and parses a YAML file whose top level must be a mapping. */
export function readYamlFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `cannot read ${what} ${JSON.stringify(path)}`, { hint: 'check the path', cause });
  }
  // The parser recurses per level: a hostile or broken file would otherwise end in "Maximum call stack size
  // exceeded". No config here needs more than a handful of levels.
  if (flowDepth(text) > MAX_DEPTH) throw tooDeep(what, path);
  let doc: unknown;
  try {
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    doc = parse(text, { uniqueKeys: true });
  } catch (cause) {
    if (cause instanceof RangeError) throw tooDeep(what, path, cause);
    throw new EdgeError('EDGE_CONFIG_INVALID', `${what} ${JSON.stringify(path)} is not valid YAML: ${(cause as Error).message.split('\n')[0]}`, {
      hint: 'fix the YAML syntax (keys are kebab-case, as in etcd\'s own config file)', cause,
    });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `${what} ${JSON.stringify(path)} must be a YAML mapping`, { hint: 'start the file with key: value lines' });
  }
  return doc as Record<string, unknown>;
}

const MAX_DEPTH = 64;

function tooDeep(what: string, path: string, cause?: unknown): EdgeError {
  return new EdgeError('EDGE_CONFIG_INVALID', `${what} ${JSON.stringify(path)} nests deeper than ${MAX_DEPTH} levels`, {
    hint: 'a config needs only a few levels (host → section → key); look for unbalanced [ or { brackets', cause,
  });
}

/** Returns the deepest nesting of flow brackets ([ and {) outside quoted strings and comments. */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  let comment = false;
  for (const ch of text) {
    if (comment) { if (ch === '\n') comment = false; continue; }
    if (quote !== '') { if (ch === quote) quote = ''; continue; }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') comment = true;
    else if (ch === '[' || ch === '{') max = Math.max(max, ++depth);
    else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return max;
}
