// The v2 keys API wire format the discovery client reads (etcd's etcdserver/api/v2store node and v2error):
// node JSON, error JSON and the error codes, plus the key layout of tokens in the v3 store.

/** A v2 response to write: status, the X-Etcd-Index value and the JSON body. */
export interface V2Reply {
  readonly status: number;
  readonly index: number;
  readonly body: Record<string, unknown>;
}

/** The v2 error codes this service answers with, and etcd's messages and HTTP statuses for them. */
export const V2_ERRORS = {
  keyNotFound: { code: 100, status: 404, message: 'Key not found' },
  testFailed: { code: 101, status: 412, message: 'Compare failed' },
  notFile: { code: 102, status: 403, message: 'Not a file' },
  nodeExist: { code: 105, status: 412, message: 'Key already exists' },
  valueRequired: { code: 200, status: 400, message: 'Value is Required in POST form' },
  indexNaN: { code: 203, status: 400, message: 'The given index in POST form is not a number' },
  invalidField: { code: 209, status: 400, message: 'Invalid field' },
  invalidForm: { code: 210, status: 400, message: 'Invalid POST form' },
  raftInternal: { code: 300, status: 500, message: 'Raft Internal Error' },
  eventIndexCleared: { code: 401, status: 400, message: 'The event in requested index is outdated and cleared' },
} as const;

/** One of V2_ERRORS. */
export type V2ErrorKind = keyof typeof V2_ERRORS;

/** Builds a v2 error reply: `{"errorCode":100,"message":"Key not found","cause":"/…","index":N}`. */
export function v2Error(kind: V2ErrorKind, cause: string, index: number): V2Reply {
  const e = V2_ERRORS[kind];
  return { status: e.status, index, body: { errorCode: e.code, message: e.message, cause, index } };
}

/** A node as v2 prints it (key, value, modifiedIndex, createdIndex). */
export function v2Node(key: string, value: string, modifiedIndex: number, createdIndex: number): Record<string, unknown> {
  return { key, value, modifiedIndex, createdIndex };
}

/** Where a token's keys live in the v3 store. */
export interface TokenKeys {
  /** The v3 key of the size: <prefix>/<token>/_config/size. */
  size(token: string): string;
  /** The v3 key of a registration. */
  machine(token: string, id: string): string;
  /** The hidden v3 key that reserves a member name within a token. */
  name(token: string, name: string): string;
  /** The v3 prefix of everything under a token (ends with /). */
  dir(token: string): string;
  /** The v2 key path a client sees for a v3 key (/<token>/<id>). */
  v2Key(v3Key: string): string;
  /** Tells whether a v3 key under a token is a visible registration (not _config, not _names). */
  visible(token: string, v3Key: string): boolean;
}

/** Returns the key layout under a store prefix such as /etcd-edge/discovery. */
export function tokenKeys(prefix: string): TokenKeys {
  const p = prefix.replace(/\/+$/, '');
  return {
    size: (t) => `${p}/${t}/_config/size`,
    machine: (t, id) => `${p}/${t}/${id}`,
    name: (t, n) => `${p}/${t}/_names/${encodeURIComponent(n)}`,
    dir: (t) => `${p}/${t}/`,
    v2Key: (k) => (k.startsWith(p + '/') ? k.slice(p.length) : k),
    visible: (t, k) => {
      const rel = k.startsWith(`${p}/${t}/`) ? k.slice(`${p}/${t}/`.length) : '';
      return rel !== '' && !rel.startsWith('_') && !rel.includes('/');
    },
  };
}

/** A discovery token: 32 lowercase hex characters, as discovery.etcd.io makes them. */
export const TOKEN_RE = /^[a-f0-9]{32}$/;

/** A machine key: one path segment, not hidden. */
export const MACHINE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Parses a registration value `name=url[,name=url]`, returning the name, or undefined when malformed. */
export function registrationName(value: string): string | undefined {
  const pairs = value.split(',');
  let name: string | undefined;
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) return undefined;
    const n = p.slice(0, eq);
    const url = p.slice(eq + 1);
    if (name !== undefined && n !== name) return undefined;
    name = n;
    try {
      const u = new URL(url);
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') return undefined;
    } catch {
      return undefined;
    }
  }
  return name;
}
