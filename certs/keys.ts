// Key pairs on node:crypto's WebCrypto: ECDSA (P-256 for CA-issued certs, P-521 for etcd-style auto-TLS) or
// RSA-2048; PEM export as PKCS#8 or SEC1 ("EC PRIVATE KEY", as etcd's SelfCert writes); PEM import for signing.
import { createPrivateKey, createPublicKey, KeyObject, webcrypto } from 'node:crypto';
import type { webcrypto as wc } from 'node:crypto';
import { EdgeError } from '../core/errors.js';

type CryptoKey = wc.CryptoKey;
type CryptoKeyPair = wc.CryptoKeyPair;

/** The key algorithms this component makes. */
export type KeySpec = { readonly kind: 'ec'; readonly curve: 'P-256' | 'P-384' | 'P-521' } | { readonly kind: 'rsa'; readonly bits: 2048 | 3072 | 4096 };

/** The key of CA-issued certificates by default: ECDSA P-256. */
export const DEFAULT_KEY: KeySpec = Object.freeze({ kind: 'ec', curve: 'P-256' });
/** The key etcd's auto-TLS makes: ECDSA P-521. */
export const AUTO_TLS_KEY: KeySpec = Object.freeze({ kind: 'ec', curve: 'P-521' });
/** The RSA key --key-type rsa makes. */
export const RSA_KEY: KeySpec = Object.freeze({ kind: 'rsa', bits: 2048 });

/** A WebCrypto signing algorithm with its hash, as @peculiar/x509 takes it. */
export interface SigningAlgorithm {
  readonly name: string;
  readonly hash: string;
}

/** A private key loaded for signing, with its public half. */
export interface LoadedKey {
  readonly signingKey: CryptoKey;
  readonly publicKey: KeyObject;
  readonly algorithm: SigningAlgorithm;
}

const HASH_FOR_CURVE: Readonly<Record<string, string>> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };
const CURVE_FROM_NODE: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const RSA_ALG = 'RSASSA-PKCS1-v1_5';

/** Returns the WebCrypto algorithm that signs with a key of this spec (ECDSA hash matched to the curve, as Go does). */
export function signingAlgorithmFor(spec: KeySpec): SigningAlgorithm {
  return spec.kind === 'ec' ? { name: 'ECDSA', hash: HASH_FOR_CURVE[spec.curve] ?? 'SHA-256' } : { name: RSA_ALG, hash: 'SHA-256' };
}

/** Generates an extractable key pair. */
export async function generateKeys(spec: KeySpec): Promise<CryptoKeyPair> {
  const alg = spec.kind === 'ec'
    ? { name: 'ECDSA', namedCurve: spec.curve }
    : { name: RSA_ALG, modulusLength: spec.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** Exports a private key as PEM: PKCS#8 ("PRIVATE KEY") or, for EC keys, SEC1 ("EC PRIVATE KEY"). */
export function privateKeyPem(key: CryptoKey, format: 'pkcs8' | 'sec1' = 'pkcs8'): string {
  return KeyObject.from(key).export({ type: format, format: 'pem' }).toString();
}

/** Returns the spec of a key (public or private), or undefined for a kind this component does not make. */
export function keySpecOf(key: KeyObject): KeySpec | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVE_FROM_NODE[d.namedCurve ?? ''];
    return curve ? { kind: 'ec', curve: curve as 'P-256' } : undefined;
  }
  if (key.asymmetricKeyType === 'rsa' && (d.modulusLength === 2048 || d.modulusLength === 3072 || d.modulusLength === 4096)) {
    return { kind: 'rsa', bits: d.modulusLength };
  }
  return undefined;
}

/** Describes a key for people: `ECDSA P-256`, `RSA 2048`. */
export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return `ECDSA ${CURVE_FROM_NODE[d.namedCurve ?? ''] ?? d.namedCurve ?? '?'}`;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${d.modulusLength ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

/** Loads a PEM private key (PKCS#8, SEC1 or PKCS#1) for signing; throws EDGE_CERT naming the file when it cannot. */
export async function loadPrivateKey(pem: string | Buffer, file: string): Promise<LoadedKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new EdgeError('EDGE_CERT', `cannot read private key ${JSON.stringify(file)}`, { hint: 'the file must hold a PEM private key (unencrypted)', cause });
  }
  const spec = keySpecOf(key);
  if (!spec) {
    throw new EdgeError('EDGE_CERT', `unsupported key ${JSON.stringify(describeKey(key))} in ${JSON.stringify(file)}`, {
      hint: 'use an ECDSA P-256/P-384/P-521 or RSA 2048/3072/4096 key',
    });
  }
  const algorithm = signingAlgorithmFor(spec);
  const importAlg = spec.kind === 'ec' ? { name: 'ECDSA', namedCurve: spec.curve } : { name: RSA_ALG, hash: 'SHA-256' };
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', der, importAlg, false, ['sign']);
  return { signingKey, publicKey: createPublicKey(key), algorithm };
}

/** Tells whether two keys (private or public) share the same public half. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const spki = (k: KeyObject): Buffer => (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' });
  return spki(a).equals(spki(b));
}
