// The TLS of a local proxy standing in for a member (demote, promote's step 7): read from the member's argv and
// ETCD_* environment, refused when an https listener would have no certificate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyTlsFlagsFor, tlsSettingsOf } from '../../../membership/proxy-tls.js';

const SELF_SIGNED = ['/usr/bin/setpriv-exec-d/etcd', '--name=m', '--cert-file=/p/m.crt', '--key-file', '/p/m.key', '--trusted-ca-file=/p/ca.crt',
  '--client-cert-auth', '--peer-cert-file=/p/m-peer.crt', '--peer-key-file=/p/m-peer.key', '--peer-trusted-ca-file=/p/ca.crt', '--peer-client-cert-auth=true'];

test('tlsSettingsOf reads --flag=v, --flag v, bare booleans, --flag=false, and ETCD_* variables under the flags', () => {
  assert.deepEqual(tlsSettingsOf(SELF_SIGNED, {}), {
    clientCertAuth: true, autoTls: false, peerAutoTls: false, certFile: '/p/m.crt', keyFile: '/p/m.key', trustedCaFile: '/p/ca.crt',
    peerCertFile: '/p/m-peer.crt', peerKeyFile: '/p/m-peer.key', peerTrustedCaFile: '/p/ca.crt',
  });
  assert.deepEqual(tlsSettingsOf(['etcd', '--auto-tls', '--peer-auto-tls=true', '--client-cert-auth=false'], {}), { clientCertAuth: false, autoTls: true, peerAutoTls: true });
  assert.deepEqual(tlsSettingsOf(['etcd', '--cert-file=/flag.crt'], { ETCD_CERT_FILE: '/env.crt', ETCD_KEY_FILE: '/env.key', ETCD_CLIENT_CERT_AUTH: 'true' }),
    { clientCertAuth: true, autoTls: false, peerAutoTls: false, certFile: '/flag.crt', keyFile: '/env.key' });
});

test('an https listener gets the member\'s client certificate and client-cert auth; https members get its peer certificate', () => {
  const s = tlsSettingsOf(SELF_SIGNED, {});
  assert.deepEqual(proxyTlsFlagsFor(['https://127.0.0.1:2379'], ['https://10.0.0.1:2379'], s), {
    'cert-file': '/p/m.crt', 'key-file': '/p/m.key', 'client-cert-auth': true, 'trusted-ca-file': '/p/ca.crt',
    'peer-cert-file': '/p/m-peer.crt', 'peer-key-file': '/p/m-peer.key', 'peer-trusted-ca-file': '/p/ca.crt',
  });
  assert.deepEqual(proxyTlsFlagsFor(['http://127.0.0.1:2379'], ['https://10.0.0.1:2379'], tlsSettingsOf(['etcd', '--peer-auto-tls'], {})), { 'peer-auto-tls': true });
  assert.deepEqual(proxyTlsFlagsFor(['http://127.0.0.1:2379'], ['http://10.0.0.1:2379'], s), {}, 'plain members need nothing');
  assert.deepEqual(proxyTlsFlagsFor(['http://127.0.0.1:2379'], ['http://10.0.0.1:2379'], undefined), {});
});

test('an https listener without a certificate to serve it is refused, with what to pass instead', () => {
  for (const [s, re] of [[undefined, /runs without a certificate file to serve it with$/], [tlsSettingsOf(['etcd', '--auto-tls'], {}), /\(auto-TLS\)$/]] as const) {
    assert.throws(() => proxyTlsFlagsFor(['https://127.0.0.1:2379'], ['https://10.0.0.1:2379'], s), (err: { code: string; message: string; hint?: string }) =>
      err.code === 'EDGE_MEMBERSHIP' && re.test(err.message) && /--proxy-listen-client-urls http:\/\/127\.0\.0\.1:PORT/.test(err.hint ?? ''));
  }
});

test('a plain-http listener in front of members reached with the member\'s peer certificate is refused up front', () => {
  assert.throws(() => proxyTlsFlagsFor(['http://127.0.0.1:2379'], ['https://10.0.0.1:2379'], tlsSettingsOf(SELF_SIGNED, {})),
    (err: { code: string; message: string; hint?: string }) => err.code === 'EDGE_MEMBERSHIP' && /plain http checks no client certificate/.test(err.message)
      && /https:\/\//.test(err.hint ?? ''));
});
