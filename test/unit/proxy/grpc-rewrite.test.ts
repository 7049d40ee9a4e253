// gRPC member-list rewriting: every member's non-empty clientURLs becomes the proxy's URLs; IDs, names, peer
// URLs, learner flags and members without client URLs stay byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteMemberList, rewriteMemberListBody } from '../../../proxy/grpc-rewrite.js';
import { lengthDelimited, readFields } from '../../../proxy/protobuf.js';

const str = (no: number, s: string): Buffer => lengthDelimited(no, Buffer.from(s));
const id = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
const member = (name: string, clients: string[]): Buffer => Buffer.concat([id, str(2, name), str(3, `http://${name}:2380`), ...clients.map((c) => str(4, c)), Buffer.from([0x28, 0x01])]);
const header = lengthDelimited(1, Buffer.from([0x08, 0x01]));

function decode(msg: Buffer): { name: string; clients: string[]; raw: number }[] {
  return readFields(msg).filter((f) => f.no === 2).map((f) => {
    const m = readFields(f.bytes as Uint8Array);
    return {
      name: Buffer.from(m.find((x) => x.no === 2)?.bytes ?? []).toString(),
      clients: m.filter((x) => x.no === 4).map((x) => Buffer.from(x.bytes as Uint8Array).toString()),
      raw: m.filter((x) => x.no !== 4).reduce((n, x) => n + x.raw.length, 0),
    };
  });
}

test('clientURLs of every member become the proxy URLs; other fields stay', () => {
  const msg = Buffer.concat([header, lengthDelimited(2, member('a', ['http://10.0.0.1:2379', 'http://10.0.0.1:4001'])), lengthDelimited(2, member('b', ['http://10.0.0.2:2379'])), lengthDelimited(2, member('learner', []))]);
  const out = rewriteMemberList(msg, ['http://127.0.0.1:2379']);
  const before = decode(msg);
  const after = decode(out);
  assert.deepEqual(after.map((m) => m.clients), [['http://127.0.0.1:2379'], ['http://127.0.0.1:2379'], []]);
  assert.deepEqual(after.map((m) => [m.name, m.raw]), before.map((m) => [m.name, m.raw]));
  assert.deepEqual(readFields(out)[0]?.raw, header);
});

test('a framed response body is rewritten and re-framed; a broken one is passed through', () => {
  const msg = Buffer.concat([header, lengthDelimited(2, member('a', ['http://10.0.0.1:2379']))]);
  const p = Buffer.alloc(5);
  p.writeUInt32BE(msg.length, 1);
  const out = rewriteMemberListBody(Buffer.concat([p, msg]), ['https://proxy:1']);
  assert.equal(out.readUInt32BE(1), out.length - 5);
  assert.deepEqual(decode(out.subarray(5))[0]?.clients, ['https://proxy:1']);
  const broken = Buffer.concat([p, msg.subarray(1)]);
  assert.equal(rewriteMemberListBody(broken, ['x']), broken);
});
