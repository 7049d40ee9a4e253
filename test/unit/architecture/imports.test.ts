// The import rule of the README's Architecture section, checked on the sources: components import the leaf
// packages (core/, host/, etcd/, certs/), never each other; leaves never import a component; core/ imports no
// other package; nothing but bin/ imports bin/. A table of made-up trees shows each rule can fail.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LEAVES = ['core', 'host', 'etcd', 'certs'];
const COMPONENTS = ['cluster', 'membership', 'proxy', 'gateway', 'tunnel', 'discovery', 'dns', 'manifests'];
const PACKAGES = [...LEAVES, ...COMPONENTS, 'bin'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

function sourcesOf(dir: string): string[] {
  let entries: string[];
  try { entries = readdirSync(path.join(root, dir)); } catch { return []; }
  return entries.flatMap((e) => {
    const rel = path.join(dir, e);
    if (statSync(path.join(root, rel)).isDirectory()) return sourcesOf(rel);
    return e.endsWith('.ts') && !e.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Returns the relative import specifiers of a source: static, `export … from` and dynamic. */
function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm)) out.push(m[1] ?? '');
  return out;
}

/** Lists the imports of files (path → source) that break the rule, as `from -> to` lines. */
function violations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    const from = file.split(/[\\/]/)[0] ?? '';
    for (const spec of importsOf(source)) {
      const to = path.normalize(path.join(path.dirname(file), spec)).split(/[\\/]/)[0] ?? '';
      if (to === from || !PACKAGES.includes(to)) continue;
      const bad = (COMPONENTS.includes(from) && !LEAVES.includes(to)) || (LEAVES.includes(from) && !LEAVES.includes(to))
        || (from === 'core' && to !== 'core');
      if (bad) out.push(`${file} -> ${spec}`);
    }
  }
  return out.sort();
}

const cases: { name: string; files: [string, string][]; want: string[] }[] = [
  { name: 'a component importing leaves and itself', want: [], files: [
    ['proxy/a.ts', "import { x } from '../core/errors.js';\nimport type { M } from '../etcd/index.js';\nimport { y } from './b.js';\nexport { z } from '../certs/index.js';"]] },
  { name: 'a component importing another component', want: ['proxy/a.ts -> ../gateway/index.js'], files: [
    ['proxy/a.ts', "import { x } from '../core/errors.js';\nimport { g } from '../gateway/index.js';"]] },
  { name: 'a type-only and a dynamic import count too', want: ["cluster/a.ts -> ../membership/b.js", "tunnel/x/y.ts -> ../../dns/z.js"], files: [
    ['cluster/a.ts', "import type { T } from '../membership/b.js';"], ['tunnel/x/y.ts', "const m = await import('../../dns/z.js');"]] },
  { name: 'a leaf importing a component or bin', want: ['certs/a.ts -> ../bin/wiring.js', 'etcd/a.ts -> ../proxy/index.js'], files: [
    ['etcd/a.ts', "import { p } from '../proxy/index.js';"], ['certs/a.ts', "import { w } from '../bin/wiring.js';"]] },
  { name: 'core importing another leaf', want: ['core/a.ts -> ../etcd/index.js'], files: [['core/a.ts', "import { e } from '../etcd/index.js';"]] },
  { name: 'bin may import everything', want: [], files: [['bin/a.ts', "import { p } from '../proxy/index.js';\nimport { c } from '../cluster/index.js';"]] },
];

for (const c of cases) test(`import rule on a made-up tree: ${c.name}`, () => assert.deepEqual(violations(new Map(c.files)), c.want));

test('import rule on this tree: no component imports another, no leaf imports a component', () => {
  const files = new Map(PACKAGES.flatMap(sourcesOf).map((f) => [f, readFileSync(path.join(root, f), 'utf8')] as [string, string]));
  assert.ok(files.size > 100, `read the sources under ${root}`);
  assert.ok([...files.values()].some((s) => importsOf(s).some((i) => i.startsWith('../etcd/'))), 'the scanner sees imports of etcd/');
  assert.deepEqual(violations(files), []);
});
