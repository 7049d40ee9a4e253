// The readonly gRPC filter: the allowlist, and Txn/Alarm bodies decoded from requests captured from etcdctl 3.4
// (gRPC frames as sent on the wire), plus nested Txns built with the protobuf writer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alarmIsRead, grpcMessages, inspectedIsRead, readonlyVerdict, txnIsRead } from '../../../proxy/grpc-readonly.js';
import { lengthDelimited, readFields } from '../../../proxy/protobuf.js';

const TXN = '/etcdserverpb.KV/Txn';
const ALARM = '/etcdserverpb.Maintenance/Alarm';
// printf 'value("a") = "1"\n\nput a 2\n\nget a\n\n' | etcdctl txn
const TXN_PUT = Buffer.from('000000001b0a0810031a01613a0131120812060a01611201321a050a030a0161', 'hex');
// printf 'mod("a") > "0"\n\nget a\nget b --prefix\n\ndel c\n\n' | etcdctl txn
const TXN_DEL_ON_FAILURE = Buffer.from('00000000230a09080110021a0161300012050a030a016112080a060a01621201631a051a030a0163', 'hex');
// printf 'value("a") = "1"\n\nget a\n\nget b --prefix\n\n' | etcdctl txn
const TXN_READ = Buffer.from('000000001b0a0810031a01613a013112050a030a01611a080a060a0162120163', 'hex');
// etcdctl alarm list
const ALARM_LIST = Buffer.from('0000000000', 'hex');

function grpcFrame(msg: Buffer): Buffer {
  const p = Buffer.alloc(5);
  p.writeUInt32BE(msg.length, 1);
  return Buffer.concat([p, msg]);
}

test('read methods pass, writes are denied, Txn and Alarm are inspected, unknown methods denied', () => {
  for (const p of ['/etcdserverpb.KV/Range', '/etcdserverpb.Watch/Watch', '/etcdserverpb.Lease/LeaseTimeToLive', '/etcdserverpb.Lease/LeaseLeases',
    '/etcdserverpb.Cluster/MemberList', '/etcdserverpb.Maintenance/Status', '/etcdserverpb.Maintenance/HashKV']) assert.equal(readonlyVerdict(p), 'allow', p);
  for (const p of ['/etcdserverpb.KV/Put', '/etcdserverpb.KV/DeleteRange', '/etcdserverpb.KV/Compact', '/etcdserverpb.Lease/LeaseGrant',
    '/etcdserverpb.Lease/LeaseRevoke', '/etcdserverpb.Lease/LeaseKeepAlive', '/etcdserverpb.Cluster/MemberAdd', '/etcdserverpb.Cluster/MemberRemove',
    '/etcdserverpb.Maintenance/Defragment', '/etcdserverpb.Maintenance/MoveLeader', '/etcdserverpb.Auth/UserAdd', '/v3lockpb.Lock/Lock',
    '/etcdserverpb.KV/range', '/x.KV/Range', '/']) assert.equal(readonlyVerdict(p), 'deny', p);
  assert.equal(readonlyVerdict(TXN), 'inspect');
  assert.equal(readonlyVerdict(ALARM), 'inspect');
});

test('Txns captured from etcdctl: a put or a delete in success or failure refuses, gets only pass', () => {
  assert.equal(inspectedIsRead(TXN, TXN_PUT), false);
  assert.equal(inspectedIsRead(TXN, TXN_DEL_ON_FAILURE), false);
  assert.equal(inspectedIsRead(TXN, TXN_READ), true);
  const msgs = grpcMessages(TXN_READ);
  assert.equal(msgs?.length, 1);
  assert.deepEqual(readFields(msgs?.[0] as Buffer).map((f) => f.no), [1, 2, 3]);
});

test('nested Txns are read recursively', () => {
  const inner = (grpcMessages(TXN_PUT) as Buffer[])[0] as Buffer;
  const readInner = (grpcMessages(TXN_READ) as Buffer[])[0] as Buffer;
  const nested = (txn: Buffer): Buffer => lengthDelimited(2, lengthDelimited(4, txn));
  assert.equal(txnIsRead(nested(inner)), false);
  assert.equal(txnIsRead(nested(readInner)), true);
  assert.equal(txnIsRead(nested(nested(inner))), false);
  assert.equal(inspectedIsRead(TXN, grpcFrame(nested(nested(readInner)))), true);
});

test('Alarm: list (action GET, default or explicit) passes; activate and deactivate refuse', () => {
  assert.equal(inspectedIsRead(ALARM, ALARM_LIST), true);
  assert.equal(alarmIsRead(Buffer.from([0x08, 0x00])), true);
  assert.equal(alarmIsRead(Buffer.from([0x08, 0x02])), false, 'DEACTIVATE');
  assert.equal(alarmIsRead(Buffer.from([0x08, 0x01, 0x18, 0x01])), false, 'ACTIVATE NOSPACE');
});

test('malformed, truncated, compressed or empty bodies are refused', () => {
  assert.equal(inspectedIsRead(TXN, Buffer.alloc(0)), false);
  assert.equal(inspectedIsRead(TXN, TXN_READ.subarray(0, TXN_READ.length - 1)), false);
  const compressed = Buffer.from(TXN_READ);
  compressed[0] = 1;
  assert.equal(inspectedIsRead(TXN, compressed), false);
  assert.equal(inspectedIsRead(TXN, grpcFrame(Buffer.from([0x12, 0x7f, 0x01]))), false, 'length past the end');
  assert.equal(inspectedIsRead(TXN, grpcFrame(Buffer.from([0x13]))), false, 'group wire type');
});
