// Turns the objects into YAML: one multi-document stream, or one file per object. Strings that span lines (the
// scripts) stay literal blocks, never folded, so what is applied is byte for byte what the generator made.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { EdgeError } from '../core/errors.js';
import { writeFileAtomic } from '../host/index.js';

/** One generated object: enough of its shape to name it. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
}

/** Renders one object as a YAML document (without the `---` separator). */
export function renderObject(o: K8sObject): string {
  return stringify(o, { lineWidth: 0, blockQuote: 'literal' });
}

/** Renders the objects as one multi-document YAML stream. */
export function renderStream(objects: readonly K8sObject[]): string {
  return objects.map((o) => `---\n${renderObject(o)}`).join('');
}

/** Returns the file name of an object in --out: <kind>-<name>.yaml, lowercase. */
export function fileNameOf(o: K8sObject): string {
  return `${o.kind.toLowerCase()}-${o.metadata?.name ?? 'unnamed'}.yaml`;
}

/** Writes one file per object into dir (created if missing); Secrets are 0600, the rest 0644. Returns the paths. */
export async function writeObjects(dir: string, objects: readonly K8sObject[]): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (cause) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `cannot create --out directory ${JSON.stringify(dir)}`, { hint: 'check the path and its permissions', cause });
  }
  const paths: string[] = [];
  for (const o of objects) {
    const file = path.join(dir, fileNameOf(o));
    // A new file, then a rename: an existing file would keep its old mode, and a Secret must never be readable.
    try {
      writeFileAtomic(file, renderObject(o), { mode: o.kind === 'Secret' ? 0o600 : 0o644 });
    } catch (cause) {
      throw new EdgeError('EDGE_CONFIG_INVALID', `cannot write ${JSON.stringify(file)}`, { hint: 'check --out and its permissions', cause });
    }
    paths.push(file);
  }
  return paths;
}
