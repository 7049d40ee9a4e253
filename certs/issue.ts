// Issues one certificate for a profile: a fresh key pair, a random serial below 2^128 (as etcd's SelfCert), SANs
// split IP vs DNS, signed by the CA or by itself (CA and auto-TLS). Returns PEM text; writing is files.ts's job.
import { randomBytes, webcrypto } from 'node:crypto';
import { EdgeError } from '../core/errors.js';
import type { SanHosts } from './hosts.js';
import { DEFAULT_KEY, generateKeys, privateKeyPem, signingAlgorithmFor } from './keys.js';
import type { KeySpec, LoadedKey } from './keys.js';
import { BACKDATE_MS, PROFILES } from './profiles.js';
import type { ProfileName } from './profiles.js';
import { x509 } from './x509.js';

/** A CA ready to sign: its certificate and private key. */
export interface Issuer {
  readonly cert: x509.X509Certificate;
  readonly key: LoadedKey;
}

/** What to issue. */
export interface IssueRequest {
  readonly profile: ProfileName;
  /** The subject CN (ignored by `auto`, whose subject is O=etcd with no CN, as etcd's). */
  readonly commonName?: string;
  readonly hosts?: SanHosts;
  readonly days?: number;
  readonly key?: KeySpec;
  /** The signing CA; absent for the self-signed profiles (ca, auto). */
  readonly issuer?: Issuer;
  readonly now?: Date;
  /** Explicit validity bounds, overriding days (tests make expired certificates with these). */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** An issued certificate with its new private key, both as PEM. */
export interface Issued {
  readonly cert: x509.X509Certificate;
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY_MS = 86_400_000;
/** Node's WebCrypto, typed as the library's provider parameter (the DOM Crypto type is not in this build's lib). */
const CRYPTO = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1];

/** Returns a random serial as hex: 128 random bits, never zero, so the value is in [1, 2^128). */
export function randomSerialHex(): string {
  for (;;) {
    const b = randomBytes(16);
    if (b.some((x) => x !== 0)) return b.toString('hex');
  }
}

/** Issues a certificate for req.profile with a freshly generated key pair. */
export async function issueCertificate(req: IssueRequest): Promise<Issued> {
  const p = PROFILES[req.profile];
  if (!p.isCa && p.name !== 'auto' && !req.issuer) throw new EdgeError('EDGE_INTERNAL', `profile ${JSON.stringify(p.name)} needs a CA`);
  if (p.hosts && !req.hosts) throw new EdgeError('EDGE_INTERNAL', `profile ${JSON.stringify(p.name)} needs hosts`);
  const spec = req.key ?? DEFAULT_KEY;
  const keys = await generateKeys(spec);
  const { notBefore, notAfter } = validity(req, p.defaultDays);
  const name: x509.JsonName = p.name === 'auto' ? [{ O: ['etcd'] }] : [{ CN: [req.commonName ?? p.name] }];
  const subject = new x509.Name(name);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject,
    issuer: req.issuer ? req.issuer.cert.subjectName : subject,
    notBefore,
    notAfter,
    signingAlgorithm: req.issuer ? req.issuer.key.algorithm : signingAlgorithmFor(spec),
    publicKey: keys.publicKey,
    signingKey: req.issuer ? req.issuer.key.signingKey : keys.privateKey,
    extensions: await extensionsFor(req, keys.publicKey),
  }, CRYPTO);
  const keyPem = privateKeyPem(keys.privateKey, p.name === 'auto' ? 'sec1' : 'pkcs8');
  return { cert, certPem: withNewline(cert.toString('pem')), keyPem: withNewline(keyPem) };
}

function validity(req: IssueRequest, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = (req.now ?? new Date()).getTime();
  // etcd's auto-TLS starts at now exactly; CA-issued certificates are backdated a little for clock skew.
  const notBefore = req.notBefore ?? new Date(req.profile === 'auto' ? now : now - BACKDATE_MS);
  let notAfter = req.notAfter ?? new Date(now + (req.days ?? defaultDays) * DAY_MS);
  // A leaf never outlives its CA: clients would reject it from the CA's expiry on anyway.
  if (req.issuer && req.notAfter === undefined && notAfter > req.issuer.cert.notAfter) notAfter = req.issuer.cert.notAfter;
  // X.509 stores whole seconds; dropping the milliseconds keeps the printed and stored dates identical.
  return { notBefore: new Date(Math.floor(notBefore.getTime() / 1000) * 1000), notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000) };
}

async function extensionsFor(req: IssueRequest, publicKey: webcrypto.CryptoKey): Promise<x509.Extension[]> {
  const p = PROFILES[req.profile];
  // Go's x509 order (KU, EKU, basic constraints, key ids, SANs), so openssl prints ours like etcd's own.
  const out: x509.Extension[] = [new x509.KeyUsagesExtension(p.keyUsage, true)];
  if (p.extKeyUsage.length) out.push(new x509.ExtendedKeyUsageExtension([...p.extKeyUsage], false));
  out.push(new x509.BasicConstraintsExtension(p.isCa, p.isCa ? 0 : undefined, true));
  if (p.keyIds) {
    out.push(await x509.SubjectKeyIdentifierExtension.create(publicKey, false, CRYPTO));
    const issuerSki = req.issuer?.cert.getExtension(x509.SubjectKeyIdentifierExtension);
    if (issuerSki) out.push(new x509.AuthorityKeyIdentifierExtension(issuerSki.keyId, false));
    else out.push(await x509.AuthorityKeyIdentifierExtension.create(req.issuer ? req.issuer.cert : publicKey, false, CRYPTO));
  }
  if (p.hosts && req.hosts) {
    // DNS names first, then IPs, as Go encodes them.
    const names: x509.JsonGeneralNames = [...req.hosts.dns.map((value) => ({ type: 'dns' as const, value })), ...req.hosts.ips.map((value) => ({ type: 'ip' as const, value }))];
    out.push(new x509.SubjectAlternativeNameExtension(names, false));
  }
  return out;
}

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : s + '\n';
}
