// Tokens and registrations over the v3 store, answered in the v2 keys API's shape. v2 indexes are v3 revisions
// (createdIndex = create_revision, modifiedIndex = mod_revision, X-Etcd-Index = header.revision), so ordering and
// waitIndex keep their meaning across restarts of the service and of the store's members.
import { randomBytes } from 'node:crypto';
import type { Store, StoreKv } from './store.js';
import { registrationName, tokenKeys, v2Error, v2Node } from './v2.js';
import type { TokenKeys, V2Reply } from './v2.js';

/** The token operations the HTTP layer calls. */
export interface Tokens {
  readonly keys: TokenKeys;
  create(size: number): Promise<string>;
  getSize(token: string): Promise<V2Reply>;
  list(token: string): Promise<V2Reply>;
  getMachine(token: string, id: string): Promise<V2Reply>;
  putMachine(token: string, id: string, value: string, prevExist: boolean | undefined): Promise<V2Reply>;
  deleteMachine(token: string, id: string): Promise<V2Reply>;
  /** Returns the store revision, or a 404 reply when the token does not exist. */
  exists(token: string): Promise<{ revision: number; missing?: V2Reply }>;
}

const MAX_TXN_ATTEMPTS = 5;

/** Renders a kv as the node a client sees. */
export function nodeOf(keys: TokenKeys, kv: StoreKv): Record<string, unknown> {
  return v2Node(keys.v2Key(kv.key), kv.value, kv.modRevision, kv.createRevision);
}

/** Creates the token operations over a store, keeping everything under prefix. */
export function createTokens(store: Store, prefix: string): Tokens {
  const keys = tokenKeys(prefix);
  const notFound = (token: string, rev: number, id?: string): V2Reply => v2Error('keyNotFound', id === undefined ? `/${token}` : `/${token}/${id}`, rev);
  return {
    keys,
    async create(size) {
      for (;;) {
        const token = randomBytes(16).toString('hex');
        const r = await store.txn([{ key: keys.size(token), modRevision: 0 }], [{ put: keys.size(token), value: String(size) }]);
        if (r.succeeded) return token;
      }
    },
    async exists(token) {
      const s = await store.getMany([keys.size(token)]);
      return s.kvs[0] ? { revision: s.revision } : { revision: s.revision, missing: notFound(token, s.revision) };
    },
    async getSize(token) {
      const s = await store.getMany([keys.size(token)]);
      const kv = s.kvs[0];
      return kv ? { status: 200, index: s.revision, body: { action: 'get', node: nodeOf(keys, kv) } } : notFound(token, s.revision);
    },
    async list(token) {
      const s = await store.get(keys.dir(token), { prefix: true });
      const size = s.kvs.find((kv) => kv.key === keys.size(token));
      if (!size) return notFound(token, s.revision);
      const nodes = s.kvs.filter((kv) => keys.visible(token, kv.key)).sort((a, b) => a.createRevision - b.createRevision).map((kv) => nodeOf(keys, kv));
      // A v2 directory keeps the index it was created at; children do not change it.
      const dir = { key: `/${token}`, dir: true, ...(nodes.length ? { nodes } : {}), modifiedIndex: size.createRevision, createdIndex: size.createRevision };
      return { status: 200, index: s.revision, body: { action: 'get', node: dir } };
    },
    async getMachine(token, id) {
      const s = await store.getMany([keys.size(token), keys.machine(token, id)]);
      if (!s.kvs[0]) return notFound(token, s.revision);
      const kv = s.kvs[1];
      return kv ? { status: 200, index: s.revision, body: { action: 'get', node: nodeOf(keys, kv) } } : notFound(token, s.revision, id);
    },
    putMachine: (token, id, value, prevExist) => putMachine({ store, keys, token, id, value, prevExist }),
    deleteMachine: (token, id) => deleteMachine(store, keys, token, id),
  };
}

async function putMachine(p: { store: Store; keys: TokenKeys; token: string; id: string; value: string; prevExist: boolean | undefined }): Promise<V2Reply> {
  const { store, keys, token, id, value, prevExist } = p;
  const name = registrationName(value);
  if (name === undefined) return v2Error('invalidField', 'value must be name=peerURL[,name=peerURL] (etcd discovery registration)', 0);
  let firstRevision = 0;
  for (let attempt = 0; attempt < MAX_TXN_ATTEMPTS; attempt++) {
    const s = await store.getMany([keys.size(token), keys.machine(token, id), keys.name(token, name)]);
    if (attempt === 0) firstRevision = s.revision;
    const [size, existing, holder] = s.kvs;
    if (!size) return v2Error('keyNotFound', `/${token}`, s.revision);
    // A write retried on another store member after a timeout may have landed: it is ours, not a duplicate.
    const ours = attempt > 0 && existing !== undefined && existing.value === value && existing.createRevision > firstRevision;
    if (ours && existing) return { status: 201, index: s.revision, body: { action: 'create', node: nodeOf(keys, existing) } };
    if (prevExist === false && existing) return v2Error('nodeExist', `/${token}/${id}`, s.revision);
    if (prevExist === true && !existing) return v2Error('keyNotFound', `/${token}/${id}`, s.revision);
    if (holder && holder.value !== id) {
      return v2Error('testFailed', `[member name ${JSON.stringify(name)} is already registered by ${holder.value}; start this member with another --name]`, s.revision);
    }
    const oldName = existing ? registrationName(existing.value) : undefined;
    const r = await store.txn(
      [{ key: keys.machine(token, id), modRevision: existing?.modRevision ?? 0 }, { key: keys.name(token, name), modRevision: holder?.modRevision ?? 0 }],
      [{ put: keys.machine(token, id), value }, { put: keys.name(token, name), value: id }, ...(oldName !== undefined && oldName !== name ? [{ del: keys.name(token, oldName) }] : [])],
    );
    if (!r.succeeded) continue;
    const action = prevExist === false ? 'create' : prevExist === true ? 'update' : 'set';
    const node = v2Node(`/${token}/${id}`, value, r.revision, existing?.createRevision ?? r.revision);
    return { status: existing ? 200 : 201, index: r.revision, body: { action, node, ...(existing ? { prevNode: nodeOf(keys, existing) } : {}) } };
  }
  return v2Error('raftInternal', 'too many concurrent changes to this key; retry', 0);
}

async function deleteMachine(store: Store, keys: TokenKeys, token: string, id: string): Promise<V2Reply> {
  for (let attempt = 0; attempt < MAX_TXN_ATTEMPTS; attempt++) {
    const s = await store.getMany([keys.size(token), keys.machine(token, id)]);
    const [size, existing] = s.kvs;
    if (!size) return v2Error('keyNotFound', `/${token}`, s.revision);
    if (!existing) return v2Error('keyNotFound', `/${token}/${id}`, s.revision);
    const name = registrationName(existing.value);
    const holder = name === undefined ? undefined : (await store.getMany([keys.name(token, name)])).kvs[0];
    const freeName = name !== undefined && holder?.value === id;
    const r = await store.txn(
      [{ key: keys.machine(token, id), modRevision: existing.modRevision }, ...(freeName ? [{ key: keys.name(token, name), modRevision: holder.modRevision }] : [])],
      [{ del: keys.machine(token, id) }, ...(freeName ? [{ del: keys.name(token, name) }] : [])],
    );
    if (!r.succeeded) continue;
    const node = { key: `/${token}/${id}`, modifiedIndex: r.revision, createdIndex: existing.createRevision };
    return { status: 200, index: r.revision, body: { action: 'delete', node, prevNode: nodeOf(keys, existing) } };
  }
  return v2Error('raftInternal', 'too many concurrent changes to this key; retry', 0);
}
