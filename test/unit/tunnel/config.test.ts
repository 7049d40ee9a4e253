// Tunnel flag parsing: defaults, env names, topology sections with -L/-R aliases, and every usage error exits 2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor } from '../../../core/errors.js';
import { parseSshTarget, parseTunnelFlags } from '../../../tunnel/config.js';
import type { TunnelConfig } from '../../../tunnel/config.js';

const FP = 'SHA256:' + 'A'.repeat(43);
const base = ['--ssh', 'root@gw.example.com', '--identity', '/k', '--known-hosts', '/kh', '-L', '23690:127.0.0.1:23790'];

function parse(argv: readonly string[], env: Record<string, string> = {}, file?: Record<string, unknown>): TunnelConfig {
  const { config } = parseTunnelFlags(argv, env, file);
  assert.ok(config);
  return config;
}

test('defaults: port 22, loopback forward, keepalive 15s x3, backoff cap 30s, frozen', () => {
  const c = parse(base);
  assert.deepEqual([c.user, c.host, c.port], ['root', 'gw.example.com', 22]);
  assert.deepEqual(c.hostKey, { mode: 'known-hosts', file: '/kh', acceptNew: false });
  assert.deepEqual(c.forwards.map((f) => f.label), ['-L 127.0.0.1:23690:127.0.0.1:23790']);
  assert.deepEqual([c.keepaliveIntervalMs, c.keepaliveCountMax, c.reconnectMaxDelayMs, c.agentSocket], [15_000, 3, 30_000, undefined]);
  assert.ok(Object.isFrozen(c));
});

test('repeated and comma-free -L/-R, long names, durations', () => {
  const c = parse(['--ssh', 'u@[::1]:2222', '-i', '/k', '--host-key-fingerprint', FP, '-L', '1:a:2', '--local-forward', '3:b:4', '-R', '[::1]:5:c:6',
    '--keepalive-interval', '2s', '--reconnect-max-delay', '1m', '--listen-metrics-urls', 'http://127.0.0.1:0']);
  assert.deepEqual([c.host, c.port], ['::1', 2222]);
  assert.deepEqual(c.forwards.map((f) => f.label), ['-L 127.0.0.1:1:a:2', '-L 127.0.0.1:3:b:4', '-R [::1]:5:c:6']);
  assert.deepEqual(c.hostKey, { mode: 'fingerprint', fingerprint: FP });
  assert.deepEqual([c.keepaliveIntervalMs, c.reconnectMaxDelayMs], [2000, 60_000]);
  assert.deepEqual(c.metricsListen, [{ host: '127.0.0.1', port: 0 }]);
});

test('ETCD_EDGE_TUNNEL_* variables and SSH_AUTH_SOCK', () => {
  const c = parse([], {
    ETCD_EDGE_TUNNEL_SSH: 'root@gw:2200', ETCD_EDGE_TUNNEL_IDENTITY: '/k', ETCD_EDGE_TUNNEL_KNOWN_HOSTS: '/kh', ETCD_EDGE_TUNNEL_ACCEPT_NEW: 'true',
    ETCD_EDGE_TUNNEL_REMOTE_FORWARD: '23690:127.0.0.1:23790', SSH_AUTH_SOCK: '/run/agent.sock',
  });
  assert.equal(c.port, 2200);
  assert.deepEqual(c.hostKey, { mode: 'known-hosts', file: '/kh', acceptNew: true });
  assert.equal(c.forwards[0]?.kind, 'R');
  assert.equal(c.agentSocket, '/run/agent.sock');
  assert.equal(parse([...base, '--identity-agent', '/other.sock'], { SSH_AUTH_SOCK: '/run/agent.sock' }).agentSocket, '/other.sock');
});

test('fingerprint pasted as a whole ssh-keygen -lf line is accepted', () => {
  const c = parse(['--ssh', 'u@h', '-i', '/k', '-L', '1:a:2', '--host-key-fingerprint', `256 ${FP}= root@gw (ED25519)`]);
  assert.deepEqual(c.hostKey, { mode: 'fingerprint', fingerprint: FP });
});

test('a topology section takes the flag names and the L/R/i aliases', () => {
  const c = parse([], {}, { ssh: 'root@gw:22', i: '/root/.ssh/id_ed25519', 'known-hosts': '/kh', L: ['23690:127.0.0.1:23790'], R: '1:a:2', 'keepalive-interval': '5s' });
  assert.equal(c.identityFile, '/root/.ssh/id_ed25519');
  assert.deepEqual(c.forwards.map((f) => f.label), ['-L 127.0.0.1:23690:127.0.0.1:23790', '-R 127.0.0.1:1:a:2']);
  assert.equal(c.keepaliveIntervalMs, 5000);
});

const errors: { name: string; argv: string[]; env?: Record<string, string>; file?: Record<string, unknown>; code: string; msg: RegExp }[] = [
  { name: 'no --ssh', argv: ['-i', '/k', '--known-hosts', '/kh', '-L', '1:a:2'], code: 'EDGE_USAGE', msg: /--ssh is required/ },
  { name: 'bad --ssh', argv: ['--ssh', 'gw.example.com', '-i', '/k', '--known-hosts', '/kh', '-L', '1:a:2'], code: 'EDGE_CONFIG_INVALID', msg: /invalid --ssh/ },
  { name: 'no --identity', argv: ['--ssh', 'u@h', '--known-hosts', '/kh', '-L', '1:a:2'], code: 'EDGE_USAGE', msg: /--identity is required/ },
  { name: 'no forward', argv: ['--ssh', 'u@h', '-i', '/k', '--known-hosts', '/kh'], code: 'EDGE_USAGE', msg: /no forward/ },
  { name: 'no host key source', argv: ['--ssh', 'u@h', '-i', '/k', '-L', '1:a:2'], code: 'EDGE_USAGE', msg: /no way to verify/ },
  { name: '--accept-new alone', argv: ['--ssh', 'u@h', '-i', '/k', '-L', '1:a:2', '--accept-new'], code: 'EDGE_USAGE', msg: /--accept-new needs --known-hosts/ },
  { name: 'both host key sources', argv: [...base, '--host-key-fingerprint', FP], code: 'EDGE_USAGE', msg: /exclusive/ },
  { name: 'MD5 fingerprint', argv: ['--ssh', 'u@h', '-i', '/k', '-L', '1:a:2', '--host-key-fingerprint', 'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48'], code: 'EDGE_CONFIG_INVALID', msg: /invalid --host-key-fingerprint/ },
  { name: 'malformed forward', argv: [...base, '-R', '23690:127.0.0.1'], code: 'EDGE_CONFIG_INVALID', msg: /malformed forward -R/ },
  { name: 'duplicate listen port', argv: [...base, '-L', '23690:127.0.0.1:1'], code: 'EDGE_CONFIG_INVALID', msg: /duplicate forward/ },
  { name: 'https metrics', argv: [...base, '--listen-metrics-urls', 'https://127.0.0.1:9'], code: 'EDGE_CONFIG_INVALID', msg: /unsupported URL "https:\/\/127.0.0.1:9" in --listen-metrics-urls/ },
  { name: 'unknown flag', argv: [...base, '-g'], code: 'EDGE_USAGE', msg: /flag provided but not defined: --g/ },
  { name: 'flag and env', argv: base, env: { ETCD_EDGE_TUNNEL_SSH: 'u@h' }, code: 'EDGE_CONFIG_CONFLICT', msg: /ETCD_EDGE_TUNNEL_SSH/ },
  { name: 'unknown section key', argv: [], file: { ssh: 'u@h', gateway: 'x' }, code: 'EDGE_CONFIG_INVALID', msg: /unknown key "gateway"/ },
  { name: 'alias and long name', argv: [], file: { L: ['1:a:2'], 'local-forward': ['3:b:4'] }, code: 'EDGE_CONFIG_INVALID', msg: /twice/ },
];
for (const c of errors) {
  test(`usage error: ${c.name} (exit 2)`, () => {
    assert.throws(() => parseTunnelFlags(c.argv, c.env ?? {}, c.file), (err: { code: string; message: string; hint?: string }) => {
      assert.equal(err.code, c.code);
      assert.match(err.message, c.msg);
      assert.ok(err.hint, 'every usage error has a hint');
      assert.equal(exitCodeFor(err), 2);
      return true;
    });
  });
}

const targets: { in: string; want: [string, string, number] | undefined }[] = [
  { in: 'root@gw', want: ['root', 'gw', 22] },
  { in: 'root@10.0.0.1:2222', want: ['root', '10.0.0.1', 2222] },
  { in: 'etcd-edge@[2001:db8::1]:22', want: ['etcd-edge', '2001:db8::1', 22] },
  { in: 'root@2001:db8::1', want: undefined },
  { in: '@gw', want: undefined },
  { in: 'root@gw:0', want: undefined },
];
for (const c of targets) {
  test(`parseSshTarget ${JSON.stringify(c.in)}`, () => {
    if (c.want === undefined) assert.throws(() => parseSshTarget(c.in), /invalid --ssh/);
    else { const t = parseSshTarget(c.in); assert.deepEqual([t.user, t.host, t.port], c.want); }
  });
}
