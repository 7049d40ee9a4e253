// Member-list rewriting for gRPC (ours, the gRPC twin of rewrite.ts): in a Cluster/MemberList response, every
// member's non-empty clientURLs (Member field 4) becomes the proxy's own URLs; all other bytes stay as sent.
import { lengthDelimited, readFields } from './protobuf.js';

export const MEMBER_LIST_PATH = '/etcdserverpb.Cluster/MemberList';

function rewriteMember(m: Uint8Array, urls: readonly string[]): Buffer {
  const fields = readFields(m);
  if (!fields.some((f) => f.no === 4)) return Buffer.from(m);
  const parts: Buffer[] = [];
  let placed = false;
  for (const f of fields) {
    if (f.no !== 4) { parts.push(Buffer.from(f.raw)); continue; }
    if (placed) continue;
    placed = true;
    for (const u of urls) parts.push(lengthDelimited(4, Buffer.from(u)));
  }
  return Buffer.concat(parts);
}

/** MemberListResponse: 1 header, 2 members (Member: 1 ID, 2 name, 3 peerURLs, 4 clientURLs, 5 isLearner). */
export function rewriteMemberList(msg: Uint8Array, urls: readonly string[]): Buffer {
  return Buffer.concat(readFields(msg).map((f) => (f.no === 2 && f.wire === 2 ? lengthDelimited(2, rewriteMember(f.bytes as Uint8Array, urls)) : Buffer.from(f.raw))));
}

/** Rewrites every uncompressed message of a gRPC response body; returns the body unchanged when it cannot. */
export function rewriteMemberListBody(body: Buffer, urls: readonly string[]): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  try {
    while (pos < body.length) {
      if (pos + 5 > body.length) return body;
      const len = body.readUInt32BE(pos + 1);
      if (pos + 5 + len > body.length) return body;
      const msg = body.subarray(pos + 5, pos + 5 + len);
      const next = body[pos] === 0 ? rewriteMemberList(msg, urls) : msg;
      const prefix = Buffer.alloc(5);
      prefix[0] = body[pos] as number;
      prefix.writeUInt32BE(next.length, 1);
      out.push(prefix, next);
      pos += 5 + len;
    }
  } catch {
    return body;
  }
  return Buffer.concat(out);
}
