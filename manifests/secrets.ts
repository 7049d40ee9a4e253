// The TLS Secrets of --tls self-signed: one for the pods (the CA certificate and a certificate per ordinal, whose
// SANs are the pod's DNS names and the client Service's), and one kubernetes.io/tls client pair for applications.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import { CA_CERT, CA_KEY, createCa, issueCertificate, loadCa } from '../certs/index.js';
import type { Issuer } from '../certs/index.js';
import type { ManifestsConfig } from './config.js';
import { CA_FILE, namesFor } from './names.js';

/** The SANs of one pod's certificate: every name a peer, a client or the pod itself may dial. */
export function podSans(c: ManifestsConfig, ordinal: number): { dns: string[]; ips: string[] } {
  const n = namesFor(c);
  const pod = n.pod(ordinal);
  const sub = `${pod}.${n.headless}`;
  return { dns: [n.podHost(ordinal), `${sub}.${c.namespace}.svc`, `${sub}.${c.namespace}`, sub, ...n.clientHosts(), 'localhost'], ips: ['127.0.0.1'] };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

async function issuerFor(c: ManifestsConfig): Promise<{ issuer: Issuer; caPem: string }> {
  if (c.ca !== undefined) {
    const ca = await loadCa(c.ca);
    return { issuer: ca, caPem: await readFile(ca.certFile, 'utf8') };
  }
  // A fresh CA whose key is not kept: pods only verify with it (pass --ca to keep signing with one CA). The certs
  // component loads signing keys from files only, so the pair passes through a private temp dir, removed at once.
  const ca = await createCa({ commonName: `${namesFor(c).statefulSet}.${c.namespace} etcd CA` });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'etcd-edge-manifests-'));
  try {
    await writeFile(path.join(dir, CA_CERT), ca.certPem, { mode: 0o600 });
    await writeFile(path.join(dir, CA_KEY), ca.keyPem, { mode: 0o600 });
    return { issuer: await loadCa(dir), caPem: ca.certPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Builds the two TLS Secrets, issuing the CA (or loading --ca), the pod certificates and the client pair. */
export async function tlsSecrets(c: ManifestsConfig): Promise<ISecret[]> {
  const n = namesFor(c);
  const { issuer, caPem } = await issuerFor(c);
  const data: Record<string, string> = { [CA_FILE]: b64(caPem) };
  for (let i = 0; i < c.maxReplicas; i++) {
    const issued = await issueCertificate({ profile: 'member', commonName: n.pod(i), hosts: podSans(c, i), issuer });
    data[`${n.pod(i)}.crt`] = b64(issued.certPem);
    data[`${n.pod(i)}.key`] = b64(issued.keyPem);
  }
  const client = await issueCertificate({ profile: 'client', commonName: n.client, issuer });
  const meta = (name: string): NonNullable<ISecret['metadata']> => ({ name, namespace: c.namespace, labels: { ...n.labels } });
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: meta(n.tlsSecret), type: 'Opaque', data },
    {
      apiVersion: 'v1', kind: 'Secret', metadata: meta(n.clientTlsSecret), type: 'kubernetes.io/tls',
      data: { [CA_FILE]: b64(caPem), 'tls.crt': b64(client.certPem), 'tls.key': b64(client.keyPem) },
    },
  ];
}
