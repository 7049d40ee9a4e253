// known_hosts parsing and matching (plain, wildcard, negated, hashed, [host]:port, markers) and fingerprints,
// cross-checked against ssh-keygen: its -lf output and its -H hashing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  checkHostKey, entryMatches, fingerprintOf, hostKeyAlgorithmsFor, keyTypeLabel, keyTypeOf, knownHostName, knownHostsLine, parseKnownHosts,
} from '../../../tunnel/known-hosts.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'etcd-edge-known-hosts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keygen(type: string, name: string): { blob: Buffer; pubLine: string; pubFile: string } {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file], { stdio: 'ignore' });
  const pubLine = readFileSync(`${file}.pub`, 'utf8').trim();
  return { blob: Buffer.from(pubLine.split(' ')[1] ?? '', 'base64'), pubLine, pubFile: `${file}.pub` };
}

const ed = keygen('ed25519', 'ed');
const ed2 = keygen('ed25519', 'ed2');
const ecdsa = keygen('ecdsa', 'ecdsa');
const rsa = keygen('rsa', 'rsa');
const b64 = (k: { blob: Buffer }): string => k.blob.toString('base64');

for (const [name, key, label] of [['ed25519', ed, 'ED25519'], ['ecdsa', ecdsa, 'ECDSA'], ['rsa', rsa, 'RSA']] as const) {
  test(`fingerprintOf matches ssh-keygen -lf for ${name}`, () => {
    const out = execFileSync('ssh-keygen', ['-lf', key.pubFile], { encoding: 'utf8' });
    assert.equal(fingerprintOf(key.blob), /SHA256:\S+/.exec(out)?.[0]);
    assert.ok(out.includes(`(${keyTypeLabel(keyTypeOf(key.blob) ?? '')})`), out);
    assert.equal(keyTypeLabel(keyTypeOf(key.blob) ?? ''), label);
  });
}

test('parseKnownHosts keeps key lines with their line numbers and markers, skips the rest', () => {
  const text = [
    '# comment', '', `gw.example.com,10.0.0.1 ${ed.pubLine.split(' ').slice(0, 2).join(' ')} comment here`,
    `@revoked * ${ed2.pubLine.split(' ').slice(0, 2).join(' ')}`, `@cert-authority *.example.com ${rsa.pubLine.split(' ').slice(0, 2).join(' ')}`,
    'broken line', `host ssh-ed25519 ${b64(rsa)}`, `[gw]:2222 ${ecdsa.pubLine.split(' ').slice(0, 2).join(' ')}`,
  ].join('\n');
  const entries = parseKnownHosts(text);
  assert.deepEqual(entries.map((e) => [e.line, e.marker, e.hosts, e.keyType]), [
    [3, undefined, 'gw.example.com,10.0.0.1', 'ssh-ed25519'],
    [4, 'revoked', '*', 'ssh-ed25519'],
    [5, 'cert-authority', '*.example.com', 'ssh-rsa'],
    [8, undefined, '[gw]:2222', keyTypeOf(ecdsa.blob)],
  ]);
});

test('knownHostName brackets non-22 ports', () => {
  assert.equal(knownHostName('gw', 22), 'gw');
  assert.equal(knownHostName('127.0.0.1', 2222), '[127.0.0.1]:2222');
});

const matchCases: { hosts: string; name: string; want: boolean }[] = [
  { hosts: 'gw.example.com,10.0.0.1', name: 'gw.example.com', want: true },
  { hosts: 'gw.example.com,10.0.0.1', name: '10.0.0.1', want: true },
  { hosts: 'GW.Example.com', name: 'gw.example.com', want: true },
  { hosts: 'gw.example.com', name: '[gw.example.com]:2222', want: false },
  { hosts: '[gw.example.com]:2222', name: '[gw.example.com]:2222', want: true },
  { hosts: '[gw.example.com]:2222', name: 'gw.example.com', want: false },
  { hosts: '*.example.com', name: 'gw.example.com', want: true },
  { hosts: '*.example.com', name: 'example.org', want: false },
  { hosts: 'gw?.example.com', name: 'gw1.example.com', want: true },
  { hosts: '!bad.example.com,*.example.com', name: 'bad.example.com', want: false },
  { hosts: '!bad.example.com,*.example.com', name: 'good.example.com', want: true },
  { hosts: '!bad.example.com', name: 'other', want: false },
];
for (const c of matchCases) {
  test(`entryMatches ${JSON.stringify(c.hosts)} ${c.want ? 'matches' : 'does not match'} ${c.name}`, () => {
    assert.equal(entryMatches({ hosts: c.hosts }, c.name), c.want);
  });
}

test('hashed entries written by ssh-keygen -H match their exact name only', () => {
  const file = path.join(dir, 'hashed_known_hosts');
  writeFileSync(file, `gw.example.com ${ed.pubLine.split(' ').slice(0, 2).join(' ')}\n[127.0.0.1]:2222 ${ed2.pubLine.split(' ').slice(0, 2).join(' ')}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const entries = parseKnownHosts(readFileSync(file, 'utf8'));
  assert.equal(entries.length, 2);
  assert.ok(entries.every((e) => e.hosts.startsWith('|1|')));
  assert.equal(checkHostKey(entries, 'gw.example.com', ed.blob).status, 'ok');
  assert.equal(checkHostKey(entries, '[127.0.0.1]:2222', ed2.blob).status, 'ok');
  assert.equal(checkHostKey(entries, '127.0.0.1', ed2.blob).status, 'unknown');
  assert.equal(checkHostKey(entries, 'gw.example.org', ed.blob).status, 'unknown');
});

test('checkHostKey: ok, unknown, changed (any other key for the host), revoked; CA lines are not host keys', () => {
  const entries = parseKnownHosts([
    knownHostsLine('gw', ed.blob), knownHostsLine('gw', rsa.blob), `@revoked * ssh-ed25519 ${b64(ed2)}`,
    `@cert-authority ca-only ${ecdsa.pubLine.split(' ').slice(0, 2).join(' ')}`,
  ].join('\n'));
  assert.equal(checkHostKey(entries, 'gw', ed.blob).status, 'ok');
  assert.equal(checkHostKey(entries, 'gw', rsa.blob).status, 'ok');
  const changed = checkHostKey(entries, 'gw', ecdsa.blob);
  assert.equal(changed.status, 'changed');
  assert.deepEqual(changed.status === 'changed' ? changed.known.map((e) => e.line) : [], [1, 2]);
  assert.equal(checkHostKey(entries, 'gw', ed2.blob).status, 'revoked');
  assert.equal(checkHostKey(entries, 'ca-only', ecdsa.blob).status, 'unknown');
  assert.equal(checkHostKey(entries, 'other', ed.blob).status, 'unknown');
});

test('hostKeyAlgorithmsFor maps key types to the algorithms ssh2 negotiates', () => {
  assert.deepEqual(hostKeyAlgorithmsFor(['ssh-rsa', 'ssh-ed25519', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-dss']),
    ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256']);
});
