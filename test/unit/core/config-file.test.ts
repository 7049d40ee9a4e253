// readYamlFile: mappings only, syntax errors and nesting beyond any config's need turned into EDGE_CONFIG_INVALID.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readYamlFile } from '../../../core/config-file.js';
import { tempDir } from '../../helpers/etcd.js';

const cases: { name: string; text: string; re?: RegExp; want?: unknown }[] = [
  { name: 'a mapping', text: 'a: {b: [1, 2]}\n', want: { a: { b: [1, 2] } } },
  { name: 'brackets inside quotes and comments do not count', text: `a: "${'['.repeat(100)}"\n# ${'{'.repeat(100)}\nb: '${'['.repeat(100)}'\n`, want: { a: '['.repeat(100), b: '['.repeat(100) } },
  { name: 'deep flow nesting', text: `a: ${'['.repeat(65)}${']'.repeat(65)}\n`, re: /nests deeper than 64 levels/ },
  { name: 'nesting that overflows the parser', text: `a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`, re: /nests deeper than 64 levels/ },
  { name: 'not a mapping', text: '- a\n', re: /must be a YAML mapping/ },
  { name: 'bad syntax', text: 'a: [\n', re: /is not valid YAML/ },
];
for (const c of cases) {
  test(`readYamlFile: ${c.name}`, (t) => {
    const f = path.join(tempDir(t), 'x.yaml');
    writeFileSync(f, c.text);
    if (c.re) assert.throws(() => readYamlFile(f, 'config file'), { code: 'EDGE_CONFIG_INVALID', message: c.re });
    else assert.deepEqual(readYamlFile(f, 'config file'), c.want);
  });
}
