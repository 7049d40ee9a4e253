// `certs` flag parsing: each subcommand's config, defaults, ETCD_EDGE_CERTS_* variables, and bad input as usage
// errors (exit 2) with hints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor, isEdgeError } from '../../../core/errors.js';
import { parseCertsFlags } from '../../../certs/config.js';

test('member: name, hosts split, CA and out resolved against cwd, defaults', () => {
  const c = parseCertsFlags(['member', 'infra1', '--hosts', '127.0.0.1,localhost', '--ca', 'pki', '--out', 'out'], {}, '/w');
  assert.equal(c.command, 'member');
  if (c.command !== 'member') return;
  assert.equal(c.name, 'infra1');
  assert.deepEqual(c.hosts, { dns: ['localhost'], ips: ['127.0.0.1'] });
  assert.equal(c.ca, '/w/pki');
  assert.equal(c.out, '/w/out');
  assert.equal(c.days, 365);
  assert.deepEqual(c.key, { kind: 'ec', curve: 'P-256' });
  assert.equal(c.force, false);
  assert.ok(Object.isFrozen(c));
});

test('ca: defaults, --key-type rsa, and the environment', () => {
  const c = parseCertsFlags(['ca', '--key-type', 'rsa'], { ETCD_EDGE_CERTS_OUT: '/pki', ETCD_EDGE_CERTS_DAYS: '30' }, '/w');
  assert.deepEqual(c, { command: 'ca', commonName: 'etcd-edge CA', out: '/pki', force: false, days: 30, key: { kind: 'rsa', bits: 2048 } });
});

test('inspect and help', () => {
  assert.deepEqual(parseCertsFlags(['inspect', 'a.crt'], {}, '/w'), { command: 'inspect', file: '/w/a.crt', ca: undefined });
  assert.equal(parseCertsFlags([], {}, '/w').command, 'help');
  const h = parseCertsFlags(['member', '--help'], {}, '/w');
  assert.ok(h.command === 'help' && h.text.includes('[ETCD_EDGE_HOSTS]'));
});

const bad: { name: string; argv: string[]; env?: Record<string, string>; re: RegExp }[] = [
  { name: 'unknown subcommand', argv: ['issue'], re: /unknown certs command/ },
  { name: 'member without --hosts', argv: ['member', 'm', '--ca', 'x'], re: /--hosts is required/ },
  { name: 'member without --ca', argv: ['member', 'm', '--hosts', '127.0.0.1'], re: /missing CA/ },
  { name: 'client without a name', argv: ['client', '--ca', 'x'], re: /missing argument/ },
  { name: 'a name with a slash', argv: ['client', '../x', '--ca', 'x'], re: /invalid name/ },
  { name: 'a host with a port', argv: ['auto', '--hosts', '127.0.0.1:2379'], re: /unknown host syntax/ },
  { name: 'zero days', argv: ['ca', '--days', '0'], re: /--days/ },
  { name: 'unknown key type', argv: ['ca', '--key-type', 'dsa'], re: /invalid value/ },
  { name: 'unknown flag', argv: ['ca', '--hosts', 'a'], re: /not defined/ },
  { name: 'flag and env both set', argv: ['ca', '--out', 'a'], env: { ETCD_EDGE_CERTS_OUT: 'b' }, re: /conflicting/ },
];
for (const c of bad) {
  test(`refused with exit 2 and a hint: ${c.name}`, () => {
    assert.throws(() => parseCertsFlags(c.argv, c.env ?? {}, '/w'), (err: unknown) =>
      isEdgeError(err) && exitCodeFor(err) === 2 && c.re.test(err.message) && Boolean(err.hint));
  });
}
