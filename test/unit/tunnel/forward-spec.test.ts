// Forward specs: the OpenSSH -L/-R syntax, defaults (loopback bind), every-interface binds, IPv6 brackets, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeForward, parseForwardSpec } from '../../../tunnel/forward-spec.js';
import type { ForwardKind } from '../../../tunnel/forward-spec.js';

const ok: { kind: ForwardKind; text: string; bind: string; all: boolean; port: number; host: string; hostPort: number; label: string }[] = [
  { kind: 'L', text: '23690:127.0.0.1:23790', bind: '127.0.0.1', all: false, port: 23690, host: '127.0.0.1', hostPort: 23790, label: '-L 127.0.0.1:23690:127.0.0.1:23790' },
  { kind: 'L', text: '10.0.0.5:23690:gw.internal:23790', bind: '10.0.0.5', all: false, port: 23690, host: 'gw.internal', hostPort: 23790, label: '-L 10.0.0.5:23690:gw.internal:23790' },
  { kind: 'L', text: '*:23690:127.0.0.1:23790', bind: '0.0.0.0', all: true, port: 23690, host: '127.0.0.1', hostPort: 23790, label: '-L 0.0.0.0:23690:127.0.0.1:23790' },
  { kind: 'L', text: ':23690:127.0.0.1:23790', bind: '0.0.0.0', all: true, port: 23690, host: '127.0.0.1', hostPort: 23790, label: '-L 0.0.0.0:23690:127.0.0.1:23790' },
  { kind: 'L', text: '0.0.0.0:23690:127.0.0.1:23790', bind: '0.0.0.0', all: true, port: 23690, host: '127.0.0.1', hostPort: 23790, label: '-L 0.0.0.0:23690:127.0.0.1:23790' },
  { kind: 'L', text: '[::1]:23690:[::1]:23790', bind: '::1', all: false, port: 23690, host: '::1', hostPort: 23790, label: '-L [::1]:23690:[::1]:23790' },
  { kind: 'L', text: '[::]:23690:127.0.0.1:23790', bind: '::', all: true, port: 23690, host: '127.0.0.1', hostPort: 23790, label: '-L [::]:23690:127.0.0.1:23790' },
  { kind: 'L', text: '0:127.0.0.1:2379', bind: '127.0.0.1', all: false, port: 0, host: '127.0.0.1', hostPort: 2379, label: '-L 127.0.0.1:0:127.0.0.1:2379' },
  { kind: 'R', text: '23690:127.0.0.1:23790', bind: '127.0.0.1', all: false, port: 23690, host: '127.0.0.1', hostPort: 23790, label: '-R 127.0.0.1:23690:127.0.0.1:23790' },
  { kind: 'R', text: '*:23690:127.0.0.1:23790', bind: '', all: true, port: 23690, host: '127.0.0.1', hostPort: 23790, label: '-R *:23690:127.0.0.1:23790' },
  { kind: 'R', text: 'localhost:23690:localhost:23790', bind: 'localhost', all: false, port: 23690, host: 'localhost', hostPort: 23790, label: '-R localhost:23690:localhost:23790' },
];
for (const c of ok) {
  test(`parses -${c.kind} ${c.text}`, () => {
    const f = parseForwardSpec(c.kind, c.text);
    assert.deepEqual(
      { bind: f.bind, all: f.allInterfaces, port: f.port, host: f.host, hostPort: f.hostPort, label: f.label },
      { bind: c.bind, all: c.all, port: c.port, host: c.host, hostPort: c.hostPort, label: c.label },
    );
    assert.ok(Object.isFrozen(f));
  });
}

const bad: { text: string; why: RegExp }[] = [
  { text: '23690', why: /too few fields/ },
  { text: '23690:127.0.0.1', why: /too few fields/ },
  { text: 'a:b:c:d:e', why: /too many fields/ },
  { text: 'x:127.0.0.1:23790', why: /invalid listen port/ },
  { text: '70000:127.0.0.1:23790', why: /invalid listen port/ },
  { text: '23690:127.0.0.1:0', why: /invalid target port/ },
  { text: '23690:127.0.0.1:', why: /invalid target port/ },
  { text: '23690::23790', why: /missing target host/ },
  { text: '[::1:23690:127.0.0.1:23790', why: /unbalanced brackets/ },
  { text: '::1:23690:127.0.0.1:23790', why: /too many fields/ },
  { text: '23690:/run/etcd.sock', why: /Unix-socket/ },
  { text: '', why: /too few fields/ },
];
for (const c of bad) {
  test(`rejects ${JSON.stringify(c.text)}`, () => {
    assert.throws(() => parseForwardSpec('L', c.text), (err: { code: string; message: string; hint: string }) => {
      assert.equal(err.code, 'EDGE_CONFIG_INVALID');
      assert.match(err.message, c.why);
      assert.match(err.hint, /-L \[BIND:\]PORT:HOST:HOSTPORT/);
      return true;
    });
  });
}

test('describeForward shows the bound port and an arrow', () => {
  assert.equal(describeForward(parseForwardSpec('L', '0:127.0.0.1:23790'), 41000), '-L 127.0.0.1:41000→127.0.0.1:23790');
  assert.equal(describeForward(parseForwardSpec('R', '*:23690:[::1]:23790')), '-R *:23690→[::1]:23790');
});
