// The readonly filter for gRPC (ours; etcd's grpc-proxy has none): an allowlist of etcd's read methods (from
// api/etcdserverpb/rpc.proto, v3electionpb and grpc.health.v1), and for Txn and Alarm a look inside the request:
// a Txn passes only when no RequestOp (nested Txns included) is a put or a delete, an Alarm only when it lists.
import { readFields } from './protobuf.js';

/** How a method is treated by the readonly proxy. */
export type ReadonlyVerdict = 'allow' | 'deny' | 'inspect';

const ALLOWED = new Set([
  '/etcdserverpb.KV/Range',
  '/etcdserverpb.Watch/Watch',
  '/etcdserverpb.Lease/LeaseTimeToLive',
  '/etcdserverpb.Lease/LeaseLeases',
  '/etcdserverpb.Cluster/MemberList',
  '/etcdserverpb.Maintenance/Status',
  '/etcdserverpb.Maintenance/Hash',
  '/etcdserverpb.Maintenance/HashKV',
  '/etcdserverpb.Maintenance/Snapshot',
  // Authentication changes no data; clients of a cluster with auth need a token to read at all.
  '/etcdserverpb.Auth/Authenticate',
  '/etcdserverpb.Auth/AuthStatus',
  '/etcdserverpb.Auth/UserGet',
  '/etcdserverpb.Auth/UserList',
  '/etcdserverpb.Auth/RoleGet',
  '/etcdserverpb.Auth/RoleList',
  '/v3electionpb.Election/Leader',
  '/v3electionpb.Election/Observe',
  '/grpc.health.v1.Health/Check',
  '/grpc.health.v1.Health/Watch',
]);

const INSPECTED = new Set(['/etcdserverpb.KV/Txn', '/etcdserverpb.Maintenance/Alarm']);

/** Classifies a gRPC path (`/package.Service/Method`); anything unknown is denied. */
export function readonlyVerdict(path: string): ReadonlyVerdict {
  if (ALLOWED.has(path)) return 'allow';
  return INSPECTED.has(path) ? 'inspect' : 'deny';
}

/** RequestOp: 1 request_range, 2 request_put, 3 request_delete_range, 4 request_txn. */
function opIsRead(op: Uint8Array, depth: number): boolean {
  for (const f of readFields(op)) {
    if (f.no === 2 || f.no === 3) return false;
    if (f.no === 4 && (f.wire !== 2 || !txnIsRead(f.bytes as Uint8Array, depth + 1))) return false;
  }
  return true;
}

/** TxnRequest: 1 compare, 2 success (RequestOp), 3 failure (RequestOp). True when no operation writes. */
export function txnIsRead(msg: Uint8Array, depth = 0): boolean {
  if (depth > 32) return false;
  for (const f of readFields(msg)) {
    if (f.no !== 2 && f.no !== 3) continue;
    if (f.wire !== 2 || !opIsRead(f.bytes as Uint8Array, depth)) return false;
  }
  return true;
}

/** AlarmRequest: 1 action (GET = 0, ACTIVATE = 1, DEACTIVATE = 2). True for GET. */
export function alarmIsRead(msg: Uint8Array): boolean {
  return readFields(msg).every((f) => f.no !== 1 || (f.wire === 0 && f.varint === 0n));
}

/** Splits a gRPC request body into its messages; undefined when framing is broken or a message is compressed. */
export function grpcMessages(body: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (pos + 5 > body.length || body[pos] !== 0) return undefined;
    const len = body.readUInt32BE(pos + 1);
    if (pos + 5 + len > body.length) return undefined;
    out.push(body.subarray(pos + 5, pos + 5 + len));
    pos += 5 + len;
  }
  return out;
}

/** Decides an inspected method from its whole request body (malformed or compressed bodies are refused). */
export function inspectedIsRead(path: string, body: Buffer): boolean {
  const msgs = grpcMessages(body);
  if (msgs === undefined || msgs.length === 0) return false;
  try {
    return msgs.every((m) => (path === '/etcdserverpb.KV/Txn' ? txnIsRead(m) : alarmIsRead(m)));
  } catch {
    return false;
  }
}
