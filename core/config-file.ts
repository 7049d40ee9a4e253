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
  let doc: unknown;
  try {
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    doc = parse(text, { uniqueKeys: true });
  } catch (cause) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `${what} ${JSON.stringify(path)} is not valid YAML: ${(cause as Error).message.split('\n')[0]}`, {
      hint: 'fix the YAML syntax (keys are kebab-case, as in etcd\'s own config file)', cause,
    });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `${what} ${JSON.stringify(path)} must be a YAML mapping`, { hint: 'start the file with key: value lines' });
  }
  return doc as Record<string, unknown>;
}
