import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProxyFlags } from '../../../proxy/config.js';

const PEER = ['--peer-cert-file', '/p/c.crt', '--peer-key-file', '/p/c.key', '--peer-trusted-ca-file', '/p/ca.crt'];
const SERVE = ['--cert-file', '/p/s.crt', '--key-file', '/p/s.key', '--trusted-ca-file', '/p/ca.crt', '--client-cert-auth'];

const cases: { name: string; argv: string[]; env?: Record<string, string>; error?: RegExp }[] = [
  { name: 'plain http without a client cert upstream is fine', argv: ['--listen-client-urls', 'http://0.0.0.0:2379', '--proxy-rewrite-member-urls=false'] },
  { name: 'plain http lending the client cert is refused', argv: ['--listen-client-urls', 'http://127.0.0.1:2379', ...PEER], error: /plain http checks no client certificate/ },
  { name: 'one plain listener among https ones is refused', argv: ['--listen-client-urls', 'https://127.0.0.1:2379,http://127.0.0.1:2378', ...SERVE, ...PEER], error: /"http:\/\/127\.0\.0\.1:2378"/ },
  { name: 'https with client-cert-auth lends it', argv: ['--listen-client-urls', 'https://0.0.0.0:2379', '--proxy-rewrite-member-urls=false', ...SERVE, ...PEER] },
  { name: 'the explicit flag allows loopback', argv: ['--listen-client-urls', 'http://127.0.0.1:2379', '--insecure-unauthenticated-listener', ...PEER] },
  { name: 'the explicit flag by env allows loopback', argv: ['--listen-client-urls', 'http://[::1]:2379', ...PEER], env: { ETCD_EDGE_INSECURE_UNAUTHENTICATED_LISTENER: 'true' } },
  { name: 'the explicit flag never allows a non-loopback address', argv: ['--listen-client-urls', 'http://0.0.0.0:2379', '--proxy-rewrite-member-urls=false', '--insecure-unauthenticated-listener', ...PEER], error: /loopback addresses only/ },
  { name: 'peer auto TLS presents no client cert', argv: ['--listen-client-urls', 'http://127.0.0.1:2379', '--peer-auto-tls'] },
];

for (const c of cases) {
  test(c.name, () => {
    const run = (): unknown => parseProxyFlags(c.argv, c.env ?? {});
    if (!c.error) { run(); return; }
    assert.throws(run, (err: { code: string; message: string; hint?: string }) => err.code === 'EDGE_CONFIG_INVALID' && c.error!.test(err.message) && (err.hint ?? '') !== '');
  });
}

test('the refusal names the https way and the explicit flag', () => {
  assert.throws(() => parseProxyFlags(['--listen-client-urls', 'http://127.0.0.1:2379', ...PEER], {}),
    (err: { hint?: string }) => /--client-cert-auth/.test(err.hint ?? '') && /--insecure-unauthenticated-listener/.test(err.hint ?? ''));
});
