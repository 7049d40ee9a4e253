// `certs inspect`: what a certificate says (subject, SANs, usages, validity, key) and whether it can be trusted
// now: inside its validity window and signed by the given CA (or, for an auto-TLS cert, by itself).
import { X509Certificate as NodeCert } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { CA_CERT, parseCertPem } from './ca.js';
import { exists, readIfExists } from './files.js';
import { describeKey } from './keys.js';
import { describeUsages } from './profiles.js';
import { x509 } from './x509.js';

/** How the chain check went. */
export type ChainStatus = 'ok' | 'self-signed' | 'failed' | 'no-ca';

/** Everything inspect prints about one certificate. */
export interface CertReport {
  readonly file: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly key: string;
  readonly signature: string;
  readonly sans: readonly string[];
  readonly keyUsage: readonly string[];
  readonly extKeyUsage: readonly string[];
  readonly isCa: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** 'valid', 'expired' or 'not-yet-valid' at the time of inspection. */
  readonly validity: 'valid' | 'expired' | 'not-yet-valid';
  readonly chain: ChainStatus;
  readonly chainDetail: string;
}

/** Tells whether a report describes a certificate usable now: valid dates and a verified chain (or self-signature). */
export function reportOk(r: CertReport): boolean {
  return r.validity === 'valid' && (r.chain === 'ok' || r.chain === 'self-signed');
}

/** Reads a certificate and checks it against a CA (a directory holding ca.crt, or a certificate file). */
export async function inspectCertificate(opts: { readonly file: string; readonly ca?: string; readonly now?: Date }): Promise<CertReport> {
  const file = path.resolve(opts.file);
  const pem = await readIfExists(file);
  if (pem === undefined) throw new EdgeError('EDGE_CONFIG_INVALID', `${JSON.stringify(file)} does not exist`, { hint: 'pass the path of a PEM certificate' });
  const cert = parseCertPem(pem, file);
  const node = new NodeCert(pem);
  const now = opts.now ?? new Date();
  const validity = now < cert.notBefore ? 'not-yet-valid' : now > cert.notAfter ? 'expired' : 'valid';
  const usages = describeUsages(cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0,
    Array.from(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [], String));
  const sanExt = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const sans = (sanExt?.names.toJSON() ?? []).map((n) => `${n.type === 'ip' ? 'IP' : n.type.toUpperCase()}:${n.value}`);
  const sig = cert.signatureAlgorithm as { name?: string; hash?: { name?: string } | string };
  const hash = typeof sig.hash === 'string' ? sig.hash : sig.hash?.name;
  const chain = await checkChain(node, file, opts.ca, now);
  return {
    file, subject: cert.subject || '(empty)', issuer: cert.issuer || '(empty)', serial: node.serialNumber,
    key: describeKey(node.publicKey), signature: `${sig.name ?? '?'}${hash ? ` with ${hash}` : ''}`, sans,
    keyUsage: usages.keyUsage, extKeyUsage: usages.extKeyUsage, isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
    notBefore: cert.notBefore, notAfter: cert.notAfter, validity, ...chain,
  };
}

async function resolveCa(file: string, ca: string | undefined): Promise<string | undefined> {
  if (ca === undefined) {
    const beside = path.join(path.dirname(file), CA_CERT);
    return beside !== file && (await exists(beside)) ? beside : undefined;
  }
  const abs = path.resolve(ca);
  const isDir = await stat(abs).then((s) => s.isDirectory(), () => undefined);
  const caFile = isDir ? path.join(abs, CA_CERT) : abs;
  if (isDir === undefined || !(await exists(caFile))) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `missing CA: ${JSON.stringify(caFile)} does not exist`, { hint: `point --ca at a directory holding ${CA_CERT}, or at the CA certificate itself` });
  }
  return caFile;
}

async function checkChain(cert: NodeCert, file: string, ca: string | undefined, now: Date): Promise<{ chain: ChainStatus; chainDetail: string }> {
  const caFile = await resolveCa(file, ca);
  if (caFile === undefined) {
    // Not checkIssued(cert): OpenSSL wants keyCertSign on the issuer, which an auto-TLS leaf rightly lacks.
    if (cert.subject === cert.issuer && cert.verify(cert.publicKey)) return { chain: 'self-signed', chainDetail: 'self-signed, signature valid (no CA vouches for it)' };
    return { chain: 'no-ca', chainDetail: 'not verified: no CA found next to the file (pass --ca DIR)' };
  }
  const caPem = await readIfExists(caFile) ?? '';
  parseCertPem(caPem, caFile);
  const caCert = new NodeCert(caPem);
  if (caCert.fingerprint256 === cert.fingerprint256) {
    return cert.verify(cert.publicKey) ? { chain: 'ok', chainDetail: `is the CA ${caFile}` } : { chain: 'failed', chainDetail: 'self-signature does not verify' };
  }
  if (!cert.checkIssued(caCert)) return { chain: 'failed', chainDetail: `not issued by ${JSON.stringify(caCert.subject)} (${caFile})` };
  if (!cert.verify(caCert.publicKey)) return { chain: 'failed', chainDetail: `signature does not verify with the key of ${caFile}` };
  if (!caCert.ca) return { chain: 'failed', chainDetail: `${caFile} is not a CA certificate` };
  if (now > new Date(caCert.validTo) || now < new Date(caCert.validFrom)) return { chain: 'failed', chainDetail: `the CA ${caFile} is outside its validity (${caCert.validFrom} - ${caCert.validTo})` };
  return { chain: 'ok', chainDetail: `ok, signed by ${caCert.subject.replace(/\n/g, ', ')} (${caFile})` };
}

/** Renders a report as aligned `field: value` lines, ending with the verdict. */
export function renderReport(r: CertReport, now = new Date()): string {
  const days = Math.floor(Math.abs(r.notAfter.getTime() - now.getTime()) / 86_400_000);
  const left = r.validity === 'expired' ? `EXPIRED ${days} day(s) ago` : r.validity === 'not-yet-valid' ? 'NOT YET VALID' : `${days} day(s) left`;
  const rows: [string, string][] = [
    ['file', r.file], ['subject', r.subject], ['issuer', r.issuer], ['serial', r.serial], ['key', r.key], ['signature', r.signature],
    ['SANs', r.sans.join(', ') || '(none)'], ['key usage', r.keyUsage.join(', ') || '(none)'], ['ext key usage', r.extKeyUsage.join(', ') || '(none)'],
    ['CA', String(r.isCa)], ['not before', r.notBefore.toISOString()], ['not after', `${r.notAfter.toISOString()} (${left})`],
    ['chain', r.chainDetail], ['verdict', reportOk(r) ? 'ok' : r.validity !== 'valid' ? r.validity : 'unverified'],
  ];
  return rows.map(([k, v]) => `${(k + ':').padEnd(15)}${v}`).join('\n') + '\n';
}
