// certs end to end: the built CLI writes CA, member, client and auto-TLS files that openssl accepts; a 3-member
// `up --tls self-signed` cluster enforces client and peer certificates and SANs; an `up --tls auto` cluster
// serves TLS only and its etcd-made certificate has the profile `certs auto` copies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadCa } from '../../certs/ca.js';
import { issueCertificate } from '../../certs/issue.js';
import { runBin, cleanEnv } from '../helpers/bin.js';
import { etcdctl, eventually, requireTool, startBundledCluster, tempDir } from '../helpers/etcd.js';

interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { env: cleanEnv(), timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const certs = (args: readonly string[]): Promise<Run> => runBin(['certs', ...args], { timeoutMs: 60_000 });
const x509Text = async (file: string): Promise<string> => (await run('openssl', ['x509', '-in', file, '-noout', '-text'])).stdout;
const mode = (p: string): number => statSync(p).mode & 0o777;

test('certs CLI: files openssl accepts, 0600 keys, usage errors with hints, inspect verdicts', async (t) => {
  requireTool('openssl', 'openssl');
  const d = tempDir(t);
  const ca = path.join(d, 'ca');
  const ok = async (args: string[]): Promise<string[]> => {
    const r = await certs(args);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n');
  };
  assert.deepEqual(await ok(['ca', '--out', ca, '--cn', 'Test CA']), [path.join(ca, 'ca.crt'), path.join(ca, 'ca.key')]);
  const member = await ok(['member', 'infra1', '--hosts', '127.0.0.1,localhost,::1,infra1.example.com', '--ca', ca, '--out', path.join(d, 'm')]);
  assert.deepEqual(member.map((p) => path.basename(p)), ['infra1.crt', 'infra1.key', 'infra1-peer.crt', 'infra1-peer.key']);
  const [clientCrt, clientKey] = await ok(['client', 'root', '--ca', ca, '--out', path.join(d, 'c')]);
  const [autoCrt, autoKey] = await ok(['auto', '--hosts', '127.0.0.1,localhost', '--out', path.join(d, 'a')]);

  await t.test('openssl verify accepts every CA-issued cert; x509 -text shows the SANs and usages', async () => {
    const v = await run('openssl', ['verify', '-CAfile', path.join(ca, 'ca.crt'), member[0] ?? '', member[2] ?? '', clientCrt ?? '']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.match(/: OK$/gm)?.length, 3);
    for (const f of [member[0], member[2]]) {
      const text = await x509Text(f ?? '');
      assert.match(text, /DNS:localhost, DNS:infra1\.example\.com, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
      assert.match(text, /Extended Key Usage: *\n *TLS Web Server Authentication, TLS Web Client Authentication\n/);
      assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
      assert.match(text, /NIST CURVE: P-256/);
      assert.match(text, /Subject: CN = infra1/);
    }
    const client = await x509Text(clientCrt ?? '');
    assert.match(client, /Extended Key Usage: *\n *TLS Web Client Authentication\n/);
    assert.doesNotMatch(client, /Subject Alternative Name/);
    assert.match(await x509Text(path.join(ca, 'ca.crt')), /CA:TRUE[\s\S]*Subject: CN = Test CA|Subject: CN = Test CA[\s\S]*CA:TRUE/);
  });

  await t.test('auto: P-521, SHA-512, O=etcd, serverAuth only, SEC1 key; an existing pair is reused', async () => {
    const text = await x509Text(autoCrt ?? '');
    for (const re of [/ecdsa-with-SHA512/, /NIST CURVE: P-521/, /Subject: O = etcd\n/, /Issuer: O = etcd\n/, /Key Usage: critical\n *Digital Signature, Key Encipherment\n/,
      /Extended Key Usage: *\n *TLS Web Server Authentication\n/, /DNS:localhost, IP Address:127\.0\.0\.1/]) assert.match(text, re);
    assert.match(readFileSync(autoKey ?? '', 'utf8'), /^-----BEGIN EC PRIVATE KEY-----/);
    const before = readFileSync(autoCrt ?? '', 'utf8');
    await ok(['auto', '--hosts', '10.0.0.1', '--out', path.join(d, 'a')]);
    assert.equal(readFileSync(autoCrt ?? '', 'utf8'), before);
  });

  await t.test('every key is 0600', () => {
    for (const k of [path.join(ca, 'ca.key'), member[1], member[3], clientKey, autoKey]) assert.equal(mode(k ?? ''), 0o600, k);
  });

  await t.test('bad input exits 2 with a hint', async () => {
    const cases: [string[], RegExp][] = [
      [['ca', '--out', ca], /refusing to overwrite.*\[EDGE_CERT_EXISTS\]\nhint: pass --force/],
      [['member', 'x', '--hosts', 'https://10.0.0.1:2379', '--ca', ca, '--out', d], /unknown host syntax.*\nhint: /],
      [['member', 'x', '--hosts', '10.0.0.1', '--ca', path.join(d, 'nope'), '--out', d], /missing CA.*\nhint: create a CA first/],
      [['client', 'x', '--out', d], /missing CA: --ca is required.*\nhint: /],
    ];
    for (const [args, re] of cases) {
      const r = await certs(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re);
    }
    assert.equal((await certs(['client', 'root', '--ca', ca, '--out', path.join(d, 'c'), '--force'])).code, 0);
  });

  await t.test('--key-type rsa makes RSA 2048', async () => {
    const [crt] = await ok(['client', 'r', '--ca', ca, '--out', path.join(d, 'rsa'), '--key-type', 'rsa']);
    assert.match(await x509Text(crt ?? ''), /Public Key Algorithm: rsaEncryption[\s\S]*Public-Key: \(2048 bit\)/);
  });

  await t.test('inspect: 0 for a good cert, 1 for an expired one and for one from another CA', async () => {
    const good = await certs(['inspect', member[0] ?? '', '--ca', ca]);
    assert.equal(good.code, 0, good.stdout);
    assert.match(good.stdout, /SANs: +DNS:localhost, DNS:infra1\.example\.com, IP:127\.0\.0\.1, IP:::1/);
    assert.match(good.stdout, /ext key usage: serverAuth, clientAuth/);
    const expired = await issueCertificate({ profile: 'client', commonName: 'old', issuer: await loadCa(ca), notBefore: new Date(Date.now() - 30 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    writeFileSync(path.join(d, 'old.crt'), expired.certPem);
    const old = await certs(['inspect', path.join(d, 'old.crt'), '--ca', ca]);
    assert.equal(old.code, 1);
    assert.match(old.stdout, /EXPIRED/);
    await ok(['ca', '--out', path.join(d, 'other')]);
    const [foreign] = await ok(['client', 'f', '--ca', path.join(d, 'other'), '--out', path.join(d, 'other')]);
    const bad = await certs(['inspect', foreign ?? '', '--ca', ca]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /chain: +not issued by/);
  });
});

test('up --tls self-signed: client certs required, peers refuse another CA, SANs enforced, status works', async (t) => {
  requireTool('curl', 'curl');
  requireTool('openssl', 'openssl');
  const c = await startBundledCluster(t, { extraArgs: ['--tls', 'self-signed'] });
  const pki = path.join(c.dataDir, 'pki');
  const [caCrt, cliCrt, cliKey] = [path.join(pki, 'ca.crt'), path.join(pki, 'client.crt'), path.join(pki, 'client.key')];
  const ep = `https://127.0.0.1:${c.basePort}`;
  const peer = `https://127.0.0.1:${c.basePort + 3}`;
  const auth = ['--cacert', caCrt, '--cert', cliCrt, '--key', cliKey];
  assert.ok(c.proc.stdout().includes(`--cacert=${caCrt} --cert=${cliCrt} --key=${cliKey}`), 'the connect hint names the client files');

  await t.test('etcdctl with --cacert/--cert/--key works; without a client cert it is refused', async () => {
    assert.equal((await etcdctl([`--endpoints=${ep}`, ...auth, 'put', 'tls-key', 'v1'])).code, 0);
    assert.equal((await etcdctl([`--endpoints=${ep}`, ...auth, 'get', 'tls-key', '--print-value-only'])).stdout.trim(), 'v1');
    const anon = await etcdctl([`--endpoints=${ep}`, '--cacert', caCrt, '--dial-timeout=2s', '--command-timeout=4s', 'get', 'tls-key']);
    assert.notEqual(anon.code, 0);
    const curlAnon = await run('curl', ['-sS', '--cacert', caCrt, `${ep}/version`]);
    assert.ok([35, 55, 56].includes(curlAnon.code), `curl without a client cert: ${curlAnon.code} ${curlAnon.stderr}`);
  });

  await t.test('a client dialling an IP missing from the SANs rejects the member', async () => {
    const r = await run('curl', ['-sS', ...auth.slice(0, 2), '--cert', cliCrt, '--key', cliKey, '--connect-to', `127.0.0.2:${c.basePort}:127.0.0.1:${c.basePort}`, `https://127.0.0.2:${c.basePort}/version`]);
    assert.equal(r.code, 60, r.stderr);
    assert.match(r.stderr, /no alternative certificate subject name matches/);
  });

  await t.test('the peer port takes our CA and refuses a cert from another CA', async () => {
    const good = await run('curl', ['-sS', '--http1.1', ...auth.slice(0, 2), '--cert', cliCrt, '--key', cliKey, `${peer}/members`]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal((JSON.parse(good.stdout) as unknown[]).length, 3);
    const other = tempDir(t);
    assert.equal((await certs(['ca', '--out', other])).code, 0);
    assert.equal((await certs(['member', 'intruder', '--hosts', '127.0.0.1', '--ca', other, '--out', other])).code, 0);
    const bad = await run('curl', ['-sS', '--http1.1', '--cacert', caCrt, '--cert', path.join(other, 'intruder-peer.crt'), '--key', path.join(other, 'intruder-peer.key'), `${peer}/members`]);
    assert.notEqual(bad.code, 0, bad.stdout);
    // curl's wording depends on when the TLS 1.3 alert arrives; the member's log names the reason.
    const log = path.join(c.dataDir, 'logs', 'infra1.log');
    await eventually(async () => /rejected connection.*failed to verify client certificate: x509: certificate signed by unknown authority/.test(readFileSync(log, 'utf8')), 10_000);
  });

  await t.test('status over TLS; openssl accepts every managed cert; keys are 0600', async () => {
    const s = await runBin(['status', '--endpoints', ep, ...auth]);
    assert.equal(s.code, 0, s.stderr);
    for (const n of ['infra1', 'infra2', 'infra3']) assert.ok(s.stdout.includes(n), n);
    assert.ok((s.stdout.match(/│ healthy/g) ?? []).length === 3, s.stdout);
    const anon = await runBin(['status', '--endpoints', ep, '--cacert', caCrt, '--command-timeout', '3s']);
    assert.notEqual(anon.code, 0, 'status without a client cert is refused');
    const crts = ['client.crt', ...['infra1', 'infra2', 'infra3'].flatMap((n) => [`members/${n}.crt`, `members/${n}-peer.crt`])].map((f) => path.join(pki, f));
    const v = await run('openssl', ['verify', '-CAfile', caCrt, ...crts]);
    assert.equal(v.stdout.match(/: OK$/gm)?.length, 7, v.stdout + v.stderr);
    for (const k of ['ca.key', 'client.key', 'members/infra2.key', 'members/infra2-peer.key']) assert.equal(mode(path.join(pki, k)), 0o600);
  });

  assert.equal(await c.stop(), 0);
});

test('up --tls auto: etcdctl with --insecure-skip-tls-verify works, plain http fails, etcd made the certificate we copy', async (t) => {
  requireTool('openssl', 'openssl');
  const c = await startBundledCluster(t, { extraArgs: ['--tls', 'auto'] });
  const ep = `https://127.0.0.1:${c.basePort}`;
  assert.match(c.proc.stdout(), /connect: etcdctl --endpoints=https:\/\/\S+ --insecure-skip-tls-verify --insecure-transport=false member list/);
  assert.equal((await etcdctl([`--endpoints=${ep}`, '--insecure-skip-tls-verify', '--insecure-transport=false', 'put', 'auto-key', 'v'])).code, 0);
  const plain = await etcdctl([`--endpoints=http://127.0.0.1:${c.basePort}`, '--dial-timeout=2s', '--command-timeout=4s', 'get', 'auto-key']);
  assert.notEqual(plain.code, 0);
  assert.notEqual((await run('curl', ['-sS', `http://127.0.0.1:${c.basePort}/version`])).code, 0);
  const s = await runBin(['status', '--endpoints', ep, '--insecure-skip-tls-verify']);
  assert.equal(s.code, 0, s.stderr);

  // etcd's own auto-TLS certificate and ours differ only in key, serial and dates.
  const profile = (text: string): string[] => text.split('\n').map((l) => l.trim())
    .filter((l) => /^(Signature Algorithm|Subject|Issuer|NIST CURVE|CA:|Digital|TLS Web|DNS:|IP Address:)/.test(l) || /^X509v3 /.test(l));
  const etcdMade = await x509Text(path.join(c.dataDir, 'infra1.etcd', 'fixtures', 'client', 'cert.pem'));
  const out = tempDir(t);
  assert.equal((await certs(['auto', '--hosts', '127.0.0.1', '--out', out])).code, 0);
  assert.deepEqual(profile(await x509Text(path.join(out, 'cert.pem'))), profile(etcdMade));
  assert.equal(await c.stop(), 0);
});
