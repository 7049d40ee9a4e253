// Certificate profiles: what each kind of certificate is for (key usages, extended key usages, CA or not, which
// SANs) and how long it lives by default. `auto` copies etcd 3.4's transport.SelfCert (pkg/transport/listener.go).
import { x509 } from './x509.js';

/** The kinds of certificate this component issues. */
export type ProfileName = 'ca' | 'member' | 'peer' | 'client' | 'auto';

/** One profile. */
export interface Profile {
  readonly name: ProfileName;
  readonly isCa: boolean;
  /** KeyUsage bits (always marked critical). */
  readonly keyUsage: number;
  /** ExtendedKeyUsage OIDs; empty for the CA. */
  readonly extKeyUsage: readonly string[];
  /** Whether the certificate carries SANs from a host list. */
  readonly hosts: boolean;
  /** Subject/authority key identifiers; etcd's SelfCert has neither, so `auto` leaves them out. */
  readonly keyIds: boolean;
  /** Validity when --days is not given. */
  readonly defaultDays: number;
}

const KU = x509.KeyUsageFlags;
const SERVER = x509.ExtendedKeyUsage.serverAuth as string;
const CLIENT = x509.ExtendedKeyUsage.clientAuth as string;
const LEAF_KU = KU.digitalSignature | KU.keyEncipherment;

/** Every profile by name. Member and peer certs serve and dial (etcd peers are both), so both take both usages. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  ca: { name: 'ca', isCa: true, keyUsage: KU.keyCertSign | KU.cRLSign | KU.digitalSignature, extKeyUsage: [], hosts: false, keyIds: true, defaultDays: 3650 },
  member: { name: 'member', isCa: false, keyUsage: LEAF_KU, extKeyUsage: [SERVER, CLIENT], hosts: true, keyIds: true, defaultDays: 365 },
  peer: { name: 'peer', isCa: false, keyUsage: LEAF_KU, extKeyUsage: [SERVER, CLIENT], hosts: true, keyIds: true, defaultDays: 365 },
  client: { name: 'client', isCa: false, keyUsage: LEAF_KU, extKeyUsage: [CLIENT], hosts: false, keyIds: true, defaultDays: 365 },
  auto: { name: 'auto', isCa: false, keyUsage: LEAF_KU, extKeyUsage: [SERVER], hosts: true, keyIds: false, defaultDays: 365 },
});

/** How far CA-issued certificates are backdated, so a host whose clock runs a little slow accepts a fresh one. */
export const BACKDATE_MS = 5 * 60_000;

/** The longest validity accepted for --days (100 years). */
export const MAX_DAYS = 36_500;

/** Names OIDs and KeyUsage bits for people, in openssl's order. */
export function describeUsages(keyUsage: number, extKeyUsage: readonly string[]): { keyUsage: string[]; extKeyUsage: string[] } {
  const ku = (Object.entries({
    digitalSignature: KU.digitalSignature, nonRepudiation: KU.nonRepudiation, keyEncipherment: KU.keyEncipherment,
    dataEncipherment: KU.dataEncipherment, keyAgreement: KU.keyAgreement, keyCertSign: KU.keyCertSign, cRLSign: KU.cRLSign,
  }) as [string, number][]).filter(([, bit]) => (keyUsage & bit) !== 0).map(([name]) => name);
  const names: Readonly<Record<string, string>> = { [SERVER]: 'serverAuth', [CLIENT]: 'clientAuth' };
  return { keyUsage: ku, extKeyUsage: Array.from(extKeyUsage, (oid) => names[oid] ?? oid) };
}
