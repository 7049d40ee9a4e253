// The TlsProvider behind `up --tls`: self-signed keeps a CA and per-member certs under <state-dir>/pki, reusing
// each file while it still fits (same CA, every host in its SANs, > 30 days left) and reissuing it otherwise;
// auto hands the members etcd's own --auto-tls/--peer-auto-tls and tells our clients to skip verification.
import { createPublicKey, X509Certificate as NodeCert } from 'node:crypto';
import path from 'node:path';
import { shellQuote } from '../core/cli.js';
import { EdgeError } from '../core/errors.js';
import type { MemberTls, PreparedTls, TlsMemberRequest, TlsProvider } from '../core/edge.js';
import { ensureAutoCert } from './auto-tls.js';
import { CLIENT_NAME, EDGE_NAME, pkiLayout } from '../host/index.js';
import type { CertPair, PkiLayout } from '../host/index.js';
import { CA_CERT, CA_KEY, createCa, loadCa, parseCertPem } from './ca.js';
import type { LoadedCa } from './ca.js';
import { exists, readIfExists, writeFiles } from './files.js';
import { isUnspecified, parseHosts } from './hosts.js';
import type { SanHosts } from './hosts.js';
import { issueCertificate } from './issue.js';
import { DEFAULT_KEY } from './keys.js';
import type { KeySpec } from './keys.js';
import type { ProfileName } from './profiles.js';
import { PROFILES } from './profiles.js';

export { CLIENT_NAME, EDGE_NAME, PKI_DIR } from '../host/index.js';
/** A managed certificate with less than this left is reissued on the next `up`. */
export const RENEW_BEFORE_MS = 30 * 86_400_000;

/** Seams for tests. */
export interface TlsProviderDeps {
  readonly now?: () => Date;
  readonly key?: KeySpec;
}

interface Leaf { readonly profile: ProfileName; readonly commonName: string; readonly hosts?: SanHosts; readonly files: CertPair }

/** Creates the TlsProvider `up` calls; the module's tlsProvider is this with the defaults. */
export function createTlsProvider(deps: TlsProviderDeps = {}): TlsProvider {
  return {
    prepare: async ({ mode, stateDir, members, edgeHosts, caDir }) => {
      const pki = pkiLayout(path.resolve(stateDir));
      return mode === 'auto' ? prepareAuto(pki, edgeHosts ?? [], deps)
        : prepareSelfSigned(pki, members, edgeHosts ?? [], deps, caDir === undefined ? undefined : path.resolve(caDir));
    },
  };
}

async function prepareAuto(pki: PkiLayout, edgeHosts: readonly string[], deps: TlsProviderDeps): Promise<PreparedTls> {
  // The edge's own auto-TLS pair, as each member makes one: serverAuth only, no client-cert check.
  const edge = await ensureAutoCert({ dir: pki.edgeAutoDir, hosts: sanHostsOf(edgeHosts), ...(deps.now ? { now: deps.now() } : {}) });
  return Object.freeze({
    member: (): MemberTls => ({ mode: 'auto' }),
    client: { insecureSkipVerify: true },
    edgePeerFlags: { 'peer-auto-tls': 'true' },
    edgeServerFlags: Object.freeze({ 'cert-file': edge.certFile, 'key-file': edge.keyFile }),
    connectFlags: '--insecure-skip-tls-verify --insecure-transport=false',
    curlFlags: '--insecure',
  });
}

async function prepareSelfSigned(pki: PkiLayout, members: readonly TlsMemberRequest[], edgeHosts: readonly string[], deps: TlsProviderDeps, caDir: string | undefined): Promise<PreparedTls> {
  const now = deps.now?.() ?? new Date();
  // With the cluster's one CA (--ca or the topology's ca:), this host never makes a CA of its own.
  const ca = caDir === undefined ? await ensureCa(pki.dir, now, deps.key) : await sharedCa(caDir, now);
  const byName = new Map<string, MemberTls>();
  for (const m of members) {
    const client = await ensureLeaf({ profile: 'member', commonName: m.name, hosts: sanHostsOf(m.clientHosts), files: pki.member(m.name) }, ca, now, deps.key);
    const peer = await ensureLeaf({ profile: 'peer', commonName: m.name, hosts: sanHostsOf(m.peerHosts), files: pki.memberPeer(m.name) }, ca, now, deps.key);
    byName.set(m.name, Object.freeze({
      mode: 'self-signed', certFile: client.certFile, keyFile: client.keyFile,
      peerCertFile: peer.certFile, peerKeyFile: peer.keyFile, trustedCaFile: ca.certFile,
    }));
  }
  const user = await ensureLeaf({ profile: 'client', commonName: CLIENT_NAME, files: pki.client }, ca, now, deps.key);
  const edge = await ensureLeaf({ profile: 'member', commonName: EDGE_NAME, hosts: sanHostsOf([...edgeHosts, 'localhost', '127.0.0.1']), files: pki.edge }, ca, now, deps.key);
  return Object.freeze({
    member(name: string): MemberTls {
      const t = byName.get(name);
      if (!t) throw new EdgeError('EDGE_INTERNAL', `no TLS files were prepared for member ${JSON.stringify(name)}`);
      return t;
    },
    client: Object.freeze({ caFile: ca.certFile, certFile: user.certFile, keyFile: user.keyFile }),
    edgePeerFlags: Object.freeze({ 'peer-cert-file': user.certFile, 'peer-key-file': user.keyFile, 'peer-trusted-ca-file': ca.certFile }),
    edgeServerFlags: Object.freeze({ 'cert-file': edge.certFile, 'key-file': edge.keyFile, 'trusted-ca-file': ca.certFile, 'client-cert-auth': 'true' }),
    connectFlags: `--cacert=${shellQuote(ca.certFile)} --cert=${shellQuote(user.certFile)} --key=${shellQuote(user.keyFile)}`,
    curlFlags: `--cacert ${shellQuote(ca.certFile)} --cert ${shellQuote(user.certFile)} --key ${shellQuote(user.keyFile)}`,
  });
}

/** Returns the SANs for a member's hosts: unspecified addresses dropped, loopback when nothing else is left. */
export function sanHostsOf(hosts: readonly string[]): SanHosts {
  const usable = hosts.filter((h) => !isUnspecified(h.replace(/^\[|\]$/g, '')));
  return parseHosts(usable.length ? usable : ['localhost', '127.0.0.1'], 'member URLs');
}

async function ensureCa(pki: string, now: Date, key: KeySpec | undefined): Promise<LoadedCa> {
  const [haveCert, haveKey] = await Promise.all([exists(path.join(pki, CA_CERT)), exists(path.join(pki, CA_KEY))]);
  if (!haveCert && !haveKey) {
    const issued = await createCa({ now, key: key ?? DEFAULT_KEY });
    await writeFiles(pki, [{ name: CA_CERT, content: issued.certPem, secret: false }, { name: CA_KEY, content: issued.keyPem, secret: true }], { force: false });
  }
  const ca = await loadCa(pki);
  if (now > ca.cert.notAfter) {
    throw new EdgeError('EDGE_CERT', `the cluster CA ${JSON.stringify(ca.certFile)} expired on ${ca.cert.notAfter.toISOString()}`, {
      hint: `move ${pki} aside and run up again: a new CA and new certificates are made (copy the new ca.crt/ca.key to every host)`,
    });
  }
  return ca;
}

/** A CA whose key may be absent: then only certificates it already signed can be used. */
type UsableCa = Pick<LoadedCa, 'cert' | 'certFile'> & { readonly issuer: LoadedCa | undefined; readonly dir: string };

async function sharedCa(dir: string, now: Date): Promise<UsableCa> {
  const certFile = path.join(dir, CA_CERT);
  if (!await exists(certFile)) {
    throw new EdgeError('EDGE_CONFIG_INVALID', `missing CA: ${JSON.stringify(certFile)} does not exist`, {
      hint: `create the cluster's CA once (etcd-edge certs ca --out DIR) and copy its ca.crt and ca.key to ${dir} on every host`,
    });
  }
  if (await exists(path.join(dir, CA_KEY))) {
    const ca = await loadCa(dir);
    if (now > ca.cert.notAfter) throw new EdgeError('EDGE_CERT', `the cluster CA ${JSON.stringify(ca.certFile)} expired on ${ca.cert.notAfter.toISOString()}`, { hint: 'create a new CA with etcd-edge certs ca and copy it to every host' });
    return { cert: ca.cert, certFile: ca.certFile, issuer: ca, dir };
  }
  return { cert: parseCertPem(await readIfExists(certFile) ?? '', certFile), certFile, issuer: undefined, dir };
}

async function ensureLeaf(leaf: Leaf, ca: LoadedCa | UsableCa, now: Date, key: KeySpec | undefined): Promise<{ certFile: string; keyFile: string }> {
  const { certFile, keyFile } = leaf.files;
  const dir = path.dirname(certFile);
  if (await stillFits(certFile, keyFile, leaf, ca, now)) return { certFile, keyFile };
  const issuer = 'issuer' in ca ? ca.issuer : ca;
  if (issuer === undefined) {
    const where = (ca as UsableCa).dir;
    throw new EdgeError('EDGE_CERT', `no usable certificate ${JSON.stringify(certFile)} signed by the CA in ${where}, which has no ca.key to issue one here`, {
      hint: `copy ca.key to ${where} too, or issue the certificate where the key is (etcd-edge certs ${leaf.profile === 'client' ? 'client' : 'member'} ${leaf.commonName}${leaf.hosts ? ' --hosts HOSTS' : ''} --ca DIR) and copy it to ${dir}`,
    });
  }
  const issued = await issueCertificate({ profile: leaf.profile, commonName: leaf.commonName, ...(leaf.hosts ? { hosts: leaf.hosts } : {}), issuer, now, key: key ?? DEFAULT_KEY });
  // The pki directory is ours: a certificate that no longer fits is replaced, not refused.
  await writeFiles(dir, [{ name: path.basename(certFile), content: issued.certPem, secret: false }, { name: path.basename(keyFile), content: issued.keyPem, secret: true }], { force: true });
  return { certFile, keyFile };
}

/** Tells whether an existing pair can be kept: it matches, the CA signed it, it has time left and the right SANs/usages. */
async function stillFits(certFile: string, keyFile: string, leaf: Leaf, ca: Pick<LoadedCa, 'cert'>, now: Date): Promise<boolean> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (certPem === undefined || keyPem === undefined) return false;
  let cert: NodeCert;
  try {
    cert = new NodeCert(certPem);
    if (!createPublicKey(keyPem).export({ type: 'spki', format: 'der' }).equals(cert.publicKey.export({ type: 'spki', format: 'der' }))) return false;
  } catch {
    return false;
  }
  const caCert = new NodeCert(ca.cert.toString('pem'));
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS || now < new Date(cert.validFrom)) return false;
  if (cert.subject !== `CN=${leaf.commonName}`) return false;
  const eku = cert.keyUsage ?? [];
  if (eku.length !== PROFILES[leaf.profile].extKeyUsage.length || !PROFILES[leaf.profile].extKeyUsage.every((u) => eku.includes(u))) return false;
  const h = leaf.hosts;
  return h === undefined || (h.ips.every((ip) => cert.checkIP(ip) !== undefined) && h.dns.every((d) => sansOf(cert).includes(`DNS:${d}`)));
}

function sansOf(cert: NodeCert): string[] {
  return (cert.subjectAltName ?? '').split(', ').filter((s) => s !== '');
}
