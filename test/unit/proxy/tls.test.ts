// TLS on both sides: an https listener that requires client certificates, and members reached over https with
// the peer certificate. Certificates are made with openssl at test time.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { requireTool } from '../../helpers/etcd.js';
import { createProxy, parseProxyFlags } from '../../../proxy/index.js';
import { members, tmp } from './fakes.js';

function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string): string => path.join(dir, n);
  const ossl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=proxy-test-ca', '-days', '1');
  ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  ossl('x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.crt'), '-days', '1', '-extfile', f('ext.cnf'));
  return { ca: f('ca.crt'), cert: f('leaf.crt'), key: f('leaf.key') };
}

function get(url: string, opts: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ...opts, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('https listener with client-cert-auth, members over https with the peer certificate', async (t) => {
  requireTool('openssl', 'openssl');
  const dir = tmp(t);
  const c = makeCerts(dir);
  const pem = (p: string): Buffer => readFileSync(p);
  const member = https.createServer({ cert: pem(c.cert), key: pem(c.key), ca: pem(c.ca), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.end(`member saw ${peer.subject?.CN}`);
  });
  await new Promise<void>((r) => member.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { member.closeAllConnections(); member.close(() => r()); }));
  const memberUrl = `https://127.0.0.1:${(member.address() as AddressInfo).port}`;
  const cfg = parseProxyFlags(['--listen-client-urls', 'https://127.0.0.1:0', '--cert-file', c.cert, '--key-file', c.key, '--trusted-ca-file', c.ca,
    '--client-cert-auth', '--peer-cert-file', c.cert, '--peer-key-file', c.key, '--peer-trusted-ca-file', c.ca, '--data-dir', dir,
    '--initial-cluster', 'p=https://127.0.0.1:1'], {});
  const p = createProxy(cfg, { fetchMembers: () => Promise.resolve(members([memberUrl])) });
  t.after(() => p.close());
  await p.start();
  const url = `${p.urls()[0]}/v2/keys/a`;
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\//);
  const ok = await get(url, { ca: pem(c.ca), cert: pem(c.cert), key: pem(c.key) });
  assert.deepEqual(ok, { status: 200, body: 'member saw 127.0.0.1' });
  await assert.rejects(get(url, { ca: pem(c.ca) }), 'no client certificate, no answer');
});
