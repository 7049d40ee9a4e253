// Writing certificates and keys: all-or-nothing existence check first, then each file written to a temp name and
// moved into place (link when not forcing, so a file that appeared meanwhile is still never clobbered).
// Keys are 0600, certificates 0644, new directories 0700.
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { writeFileAtomic } from '../host/index.js';

/** One file to write. */
export interface OutFile {
  readonly name: string;
  readonly content: string;
  /** Private keys: written 0600. */
  readonly secret: boolean;
}

/** The mode of a private key file. */
export const KEY_MODE = 0o600;
/** The mode of a certificate file. */
export const CERT_MODE = 0o644;

/** Tells whether a path exists. */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Writes files into dir; without force, fails with EDGE_CERT_EXISTS (exit 2) before writing anything if one exists. */
export async function writeFiles(dir: string, files: readonly OutFile[], opts: { readonly force: boolean }): Promise<string[]> {
  const abs = path.resolve(dir);
  const targets = files.map((f) => path.join(abs, f.name));
  if (!opts.force) {
    const present = (await Promise.all(targets.map(async (t) => ((await exists(t)) ? t : undefined)))).filter((t): t is string => t !== undefined);
    if (present.length) throw existsError(present);
  }
  try {
    await mkdir(abs, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new EdgeError('EDGE_CERT', `cannot create directory ${JSON.stringify(abs)}`, { hint: 'check --out and its permissions', cause });
  }
  for (const [i, f] of files.entries()) await writeOne(targets[i] as string, f, opts.force);
  return targets;
}

async function writeOne(target: string, f: OutFile, force: boolean): Promise<void> {
  const mode = f.secret ? KEY_MODE : CERT_MODE;
  try {
    writeFileAtomic(target, f.content, { mode, overwrite: force });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && !force) throw existsError([target]);
    throw new EdgeError('EDGE_CERT', `cannot write ${JSON.stringify(target)}`, { hint: 'check --out and its permissions', cause });
  }
}

function existsError(paths: readonly string[]): EdgeError {
  return new EdgeError('EDGE_CERT_EXISTS', `refusing to overwrite ${paths.map((p) => JSON.stringify(p)).join(', ')}`, {
    hint: 'pass --force to replace them, or choose another --out directory',
  });
}

/** Reads a file as text, or returns undefined when it does not exist. */
export async function readIfExists(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EdgeError('EDGE_CERT', `cannot read ${JSON.stringify(p)}`, { hint: 'check the file permissions', cause: err });
  }
}
