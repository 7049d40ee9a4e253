// etcdctl v3's simple output for member add/remove/promote/list, byte for byte (etcdctl/ctlv3/command/
// printer_simple.go): IDs as %16x (space-padded) in the headlines and %x in lists, values quoted like Go's %q.
import type { EtcdMember } from '../etcd/index.js';

/** Pads a hex ID on the left with spaces to 16 characters, as Go's %16x does. */
export function padHex16(hex: string): string {
  return hex.padStart(16, ' ');
}

// Code points Go's strconv.IsPrint rejects above ASCII that members' names could plausibly contain.
const NON_PRINTABLE = /[\u0080-\u00a0\u00ad\u2028\u2029\ufeff]/;

/** Quotes a string as Go's %q does for the characters names and URLs hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (NON_PRINTABLE.test(ch)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Compares two hex IDs numerically. */
export function compareHexIds(a: string, b: string): number {
  const x = BigInt('0x' + a);
  const y = BigInt('0x' + b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Builds ETCD_INITIAL_CLUSTER as etcdctl does: one name=url per peer URL of every member, ordered by member ID
 * ascending; the new member gets newName, another unstarted member an empty name.
 */
export function initialClusterOf(members: readonly EtcdMember[], newId: string, newName: string): string {
  return [...members].sort((a, b) => compareHexIds(a.id, b.id))
    .flatMap((m) => m.peerURLs.map((u) => `${m.id === newId ? newName : m.name}=${u}`)).join(',');
}

/** The --initial-cluster a local proxy gets from a member list (an unnamed, unstarted member by its ID). */
export function proxyPeersOf(members: readonly EtcdMember[]): string {
  return members.flatMap((m) => m.peerURLs.map((u) => `${m.name || m.id}=${u}`)).join(',');
}

/** Renders `etcdctl member add` output: the headline, a blank line and the four ETCD_* lines. */
export function formatMemberAdded(r: { clusterId: string; member: EtcdMember; members: readonly EtcdMember[]; name: string; peerUrls: string }): string {
  return [
    `Member ${padHex16(r.member.id)} added to cluster ${padHex16(r.clusterId)}`,
    '',
    `ETCD_NAME=${goQuote(r.name)}`,
    `ETCD_INITIAL_CLUSTER=${goQuote(initialClusterOf(r.members, r.member.id, r.name))}`,
    `ETCD_INITIAL_ADVERTISE_PEER_URLS=${goQuote(r.peerUrls)}`,
    `ETCD_INITIAL_CLUSTER_STATE=${goQuote('existing')}`,
  ].join('\n') + '\n';
}

/** Renders `etcdctl member remove` output. */
export function formatMemberRemoved(id: string, clusterId: string): string {
  return `Member ${padHex16(id)} removed from cluster ${padHex16(clusterId)}\n`;
}

/** Renders `etcdctl member promote` output. */
export function formatMemberPromoted(id: string, clusterId: string): string {
  return `Member ${padHex16(id)} promoted in cluster ${padHex16(clusterId)}\n`;
}

/** Renders `etcdctl member list` (simple): one line per member, ordered by ID ascending. */
export function formatMemberList(members: readonly EtcdMember[]): string {
  return [...members].sort((a, b) => compareHexIds(a.id, b.id)).map((m) => [
    m.id, m.name === '' ? 'unstarted' : 'started', m.name, m.peerURLs.join(','), m.clientURLs.join(','), String(m.isLearner),
  ].join(', ') + '\n').join('');
}
