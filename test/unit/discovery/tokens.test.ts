// Unit tests of discovery/tokens.ts over an in-memory fake of the v3 store (revisions, compares, txns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store, StoreCompare, StoreKv, StoreOp } from '../../../discovery/store.js';
import { createTokens } from '../../../discovery/tokens.js';

/** An in-memory store with etcd's revision rules; `failNextTxnAfterApply` simulates a timed-out write that landed. */
function fakeStore(): Store & { data: Map<string, StoreKv>; failNextTxnAfterApply: boolean } {
  const data = new Map<string, StoreKv>();
  let rev = 1;
  const apply = (ops: readonly StoreOp[]): void => {
    rev++;
    for (const o of ops) {
      if ('put' in o) {
        const prev = data.get(o.put);
        data.set(o.put, { key: o.put, value: o.value, createRevision: prev?.createRevision ?? rev, modRevision: rev });
      } else data.delete(o.del);
    }
  };
  const s = {
    data, failNextTxnAfterApply: false, tls: undefined,
    endpoints: () => ['http://fake'],
    get: async (key: string, o: { prefix?: boolean } = {}) => ({ revision: rev, kvs: [...data.values()].filter((kv) => (o.prefix ? kv.key.startsWith(key) : kv.key === key)) }),
    getMany: async (keys: readonly string[]) => ({ revision: rev, kvs: keys.map((k) => data.get(k)) }),
    txn: async (compares: readonly StoreCompare[], ops: readonly StoreOp[]) => {
      const ok = compares.every((c) => (data.get(c.key)?.modRevision ?? 0) === c.modRevision);
      if (ok) apply(ops);
      if (ok && s.failNextTxnAfterApply) { s.failNextTxnAfterApply = false; return { succeeded: false, revision: rev }; }
      return { succeeded: ok, revision: rev };
    },
  };
  return s;
}

const V1 = 'm1=http://127.0.0.1:1';

test('create stores the size under the prefix; getSize and list answer like v2', async () => {
  const store = fakeStore();
  const t = createTokens(store, '/p');
  const token = await t.create(3);
  assert.match(token, /^[a-f0-9]{32}$/);
  assert.equal(store.data.get(`/p/${token}/_config/size`)?.value, '3');
  const size = await t.getSize(token);
  assert.equal(size.status, 200);
  assert.deepEqual((size.body.node as Record<string, unknown>).key, `/${token}/_config/size`);
  const list = await t.list(token);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.node, { key: `/${token}`, dir: true, modifiedIndex: 2, createdIndex: 2 });
});

test('registrations list in createdIndex order; _config and _names stay hidden', async () => {
  const store = fakeStore();
  const t = createTokens(store, '/p');
  const token = await t.create(3);
  assert.equal((await t.putMachine(token, 'bb', 'm2=http://127.0.0.1:2', false)).status, 201);
  assert.equal((await t.putMachine(token, 'aa', V1, false)).status, 201);
  const nodes = ((await t.list(token)).body.node as { nodes: { key: string; createdIndex: number }[] }).nodes;
  assert.deepEqual(nodes.map((n) => n.key), [`/${token}/bb`, `/${token}/aa`]);
  assert.ok((nodes[0]?.createdIndex ?? 0) < (nodes[1]?.createdIndex ?? 0));
});

const putCases = [
  { name: 'second create of the same key is 412 errorCode 105', first: ['aa', V1], second: ['aa', V1, false], status: 412, code: 105 },
  { name: 'same name under another key is 412 errorCode 101 naming the holder', first: ['aa', V1], second: ['bb', 'm1=http://127.0.0.1:9', false], status: 412, code: 101, cause: /"m1" is already registered by aa/ },
  { name: 'prevExist=true on a missing key is 404 errorCode 100', first: undefined, second: ['aa', V1, true], status: 404, code: 100 },
  { name: 'a value that is not name=url is 400 errorCode 209', first: undefined, second: ['aa', 'garbage', false], status: 400, code: 209 },
  { name: 'plain set replaces and returns prevNode', first: ['aa', V1], second: ['aa', 'm1=http://127.0.0.1:5', undefined], status: 200 },
] as const;
for (const c of putCases) {
  test(`putMachine: ${c.name}`, async () => {
    const t = createTokens(fakeStore(), '/p');
    const token = await t.create(3);
    if (c.first) assert.equal((await t.putMachine(token, c.first[0], c.first[1], false)).status, 201);
    const r = await t.putMachine(token, c.second[0], c.second[1], c.second[2]);
    assert.equal(r.status, c.status);
    if ('code' in c) assert.equal(r.body.errorCode, c.code);
    if ('cause' in c) assert.match(String(r.body.cause), c.cause);
    if (c.status === 200) assert.equal((r.body.prevNode as { value: string }).value, V1);
  });
}

test('putMachine on a token that does not exist is 404 with the token as cause', async () => {
  const t = createTokens(fakeStore(), '/p');
  const r = await t.putMachine('f'.repeat(32), 'aa', V1, false);
  assert.deepEqual([r.status, r.body.errorCode, r.body.cause], [404, 100, `/${'f'.repeat(32)}`]);
});

test('a write that landed although its txn reported failure is answered 201, not 412', async () => {
  const store = fakeStore();
  const t = createTokens(store, '/p');
  const token = await t.create(3);
  store.failNextTxnAfterApply = true;
  const r = await t.putMachine(token, 'aa', V1, false);
  assert.equal(r.status, 201);
  assert.equal(r.body.action, 'create');
});

test('deleteMachine frees the name for another member', async () => {
  const t = createTokens(fakeStore(), '/p');
  const token = await t.create(3);
  await t.putMachine(token, 'aa', V1, false);
  const del = await t.deleteMachine(token, 'aa');
  assert.equal(del.status, 200);
  assert.equal(del.body.action, 'delete');
  assert.equal((await t.getMachine(token, 'aa')).status, 404);
  assert.equal((await t.putMachine(token, 'bb', V1, false)).status, 201);
  assert.equal((await t.deleteMachine(token, 'zz')).status, 404);
});
