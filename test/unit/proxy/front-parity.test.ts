// Differential test of the proxy's two HTTP/1.1 data paths (front-paths.ts): a generated corpus of a few hundred
// raw exchanges goes through the js path and the native front, each in front of its own scripted member
// (scripted-member.ts), and both must give the member the same request bytes (header order, names, values,
// X-Forwarded-For, Via with the token normalised, Content-Length, Host) and the client the same bytes (status
// line, headers with Date and the Via token normalised, body, framing) and the same connection state (closed or
// kept open). The corpus covers what the native front serves itself and what it must hand to node:http.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { FRONT_PATHS, VIA_TOKEN, startFront } from './front-paths.js';
import type { Front, PathName } from './front-paths.js';
import { scriptedMember } from './scripted-member.js';
import type { ScriptedMember } from './scripted-member.js';

interface Case { id: string; send: string; mode: 'rw' | 'ro'; loose?: boolean; served?: boolean }
interface Outcome { member: string[]; client: string; closed: boolean }

/** A small seeded PRNG, so the corpus is the same on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 0x1_0000_0000; };
}

const VARIANTS: Record<string, string[]> = {
  plain: [],
  close: ['Connection: close'],
  hop: ['Connection: keep-alive, X-Foo, X-Bar', 'X-Foo: 1', 'X-Bar: 2', 'Keep-Alive: timeout=30', 'Proxy-Authorization: Basic eA==', 'TE: trailers'],
  dupxff: ['X-Forwarded-For: 10.0.0.1', 'X-Forwarded-For: 10.0.0.2, 10.0.0.3', 'x-forwarded-for: 10.0.0.4'],
  dupvia: ['Via: 1.1 upstream-a', 'X-Forwarded-For: 10.0.0.1', 'Via: 1.0 upstream-b'],
  spaces: ['X-Spaced:    padded value   ', 'Accept:application/json', 'X-Tab:\tv\t'],
};

const REQUESTS: Array<{ method: string; target: string; body?: (n: number) => string }> = [
  { method: 'GET', target: '/v2/keys/foo?recursive=true&sorted=true' },
  { method: 'HEAD', target: '/v2/keys/foo' },
  { method: 'PUT', target: '/v2/keys/foo', body: (n) => (n === 0 ? '' : `value=${'v'.repeat(Math.max(0, n - 6))}`.slice(0, n)) },
  { method: 'POST', target: '/v2/keys/queue', body: (n) => 'q'.repeat(n) },
  { method: 'DELETE', target: '/v2/keys/foo?dir=true' },
  { method: 'POST', target: '/v3/kv/range', body: (n) => (n === 0 ? '' : JSON.stringify({ key: 'Zm9v', range_end: 'Zm9w', pad: 'p'.repeat(Math.max(0, n - 45)) }).slice(0, n)) },
  { method: 'POST', target: '/v3/kv/put', body: (n) => 'b'.repeat(n) },
];
const SIZES = [0, 1, 65536];

function raw(method: string, target: string, o: { id: string; script?: string; lines?: string[]; body?: string; version?: string }): string {
  const lines = [`${method} ${target} HTTP/${o.version ?? '1.1'}`, 'Host: example.test', `X-Case: ${o.id}`, `X-Script: ${o.script ?? 'cl'}`, ...(o.lines ?? [])];
  if (o.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(o.body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${o.body ?? ''}`;
}

function corpus(): Case[] {
  const cases: Case[] = [];
  let n = 0;
  const scripts = ['cl', 'chunked', 'close', '204', '304', '1xx', 'clbye', 'hop'];
  for (const r of REQUESTS) {
    for (const [v, lines] of Object.entries(VARIANTS)) {
      for (const script of scripts) {
        const id = `c${n++}`;
        const body = r.body?.(SIZES[n % 3] as number);
        // A request that carries a Via header is handed off (loop detection stays in JavaScript).
        cases.push({ id, mode: 'rw', served: v !== 'dupvia', send: raw(r.method, r.target, { id, script, lines, ...(body !== undefined ? { body } : {}) }) });
      }
    }
  }
  // Pipelined: two or three requests in one write, the last one sometimes with Connection: close.
  const rnd = prng(18);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  for (let i = 0; i < 40; i++) {
    const id = `p${i}`;
    const count = 2 + Math.floor(rnd() * 2);
    let send = '';
    for (let k = 0; k < count; k++) {
      const r = pick(REQUESTS);
      const body = r.body?.(pick([0, 1, 200]));
      const lines = k === count - 1 && rnd() < 0.3 ? ['Connection: close'] : [];
      send += raw(r.method, `${r.target}${r.target.includes('?') ? '&' : '?'}k=${k}`, { id, script: pick(['cl', 'chunked', 'close', 'clbye', '204', 'hop', 'big', '1xx']), lines, ...(body !== undefined ? { body } : {}) });
    }
    cases.push({ id, mode: 'rw', send, served: true });
  }
  // What the native front hands to node:http, answered the same.
  const js = (id: string, send: string, extra: Partial<Case> = {}): void => { cases.push({ id, mode: 'rw', send, ...extra }); };
  js('watch', raw('GET', '/v2/keys/foo?wait=true', { id: 'watch' }));
  js('watch-rec', raw('GET', '/v2/keys/dir?recursive=true&wait=true&waitIndex=5', { id: 'watch-rec' }));
  js('members', raw('GET', '/v2/members', { id: 'members', script: 'members' }));
  js('metrics', raw('GET', '/metrics', { id: 'metrics' }), { loose: true });
  js('config', raw('GET', '/v2/config/local/proxy', { id: 'config' }));
  js('413', raw('PUT', '/v2/keys/big', { id: '413', body: 'x'.repeat(150_000) }));
  js('405', raw('PATCH', '/v2/keys/foo', { id: '405', body: 'a' }));
  js('405-v3', raw('GET', '/v3/kv/range', { id: '405-v3' }));
  js('options', raw('OPTIONS', '/v2/keys/foo', { id: 'options' }));
  js('404', raw('GET', '/nope', { id: '404' }));
  js('http10', raw('GET', '/v2/keys/foo', { id: 'http10', version: '1.0' }));
  js('http10-ka', raw('GET', '/v2/keys/foo', { id: 'http10-ka', version: '1.0', lines: ['Connection: keep-alive'] }));
  js('expect', raw('PUT', '/v2/keys/foo', { id: 'expect', lines: ['Expect: 100-continue'], body: 'value=1' }));
  js('te', `PUT /v2/keys/foo HTTP/1.1\r\nHost: example.test\r\nX-Case: te\r\nX-Script: cl\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nvalue=1\r\n0\r\n\r\n`);
  js('upgrade', raw('GET', '/v2/keys/foo', { id: 'upgrade', lines: ['Connection: Upgrade', 'Upgrade: websocket'] }));
  js('absolute', raw('GET', 'http://example.test/v2/keys/foo', { id: 'absolute' }));
  js('big-head', raw('GET', '/v2/keys/foo', { id: 'big-head', lines: [`X-Big: ${'h'.repeat(20_000)}`] }));
  js('many-headers', raw('GET', '/v2/keys/foo', { id: 'many-headers', lines: Array.from({ length: 70 }, (_, i) => `X-H${i}: ${i}`) }));
  js('h2c', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00');
  js('bad-space', 'GET /v2/keys/foo HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n');
  js('bad-cl', 'PUT /v2/keys/foo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
  js('bad-version', 'GET /v2/keys/foo HTTP/9.9\r\nHost: x\r\n\r\n');
  js('bad-method', 'G@T /v2/keys/foo HTTP/1.1\r\nHost: x\r\n\r\n');
  js('bad-lf', 'GET /v2/keys/foo HTTP/1.1\nHost: x\n\n');
  js('garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03');
  js('then-bad', raw('GET', '/v2/keys/foo', { id: 'then-bad' }) + 'GET /v2/keys/foo HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n');
  js('then-watch', raw('GET', '/v2/keys/a', { id: 'then-watch' }) + raw('GET', '/v2/keys/a?wait=true', { id: 'then-watch' }));
  js('then-10', raw('GET', '/v2/keys/a', { id: 'then-10' }) + raw('GET', '/v2/keys/a', { id: 'then-10', version: '1.0' }));
  // Readonly: GETs and v3 range served, the rest refused with 501.
  const ro = (id: string, method: string, target: string, body?: string): void => {
    cases.push({ id, mode: 'ro', send: raw(method, target, { id, ...(body !== undefined ? { body } : {}) }) });
  };
  ro('ro-get', 'GET', '/v2/keys/foo');
  ro('ro-head', 'HEAD', '/v2/keys/foo');
  ro('ro-put', 'PUT', '/v2/keys/foo', 'value=1');
  ro('ro-post', 'POST', '/v2/keys/foo', 'value=1');
  ro('ro-delete', 'DELETE', '/v2/keys/foo');
  ro('ro-range', 'POST', '/v3/kv/range', '{"key":"Zm9v"}');
  ro('ro-v3put', 'POST', '/v3/kv/put', '{"key":"Zm9v","value":"YmFy"}');
  ro('ro-txn', 'POST', '/v3/kv/txn', '{}');
  ro('ro-watch', 'GET', '/v2/keys/foo?wait=true');
  return cases;
}

/**
 * Differences between the native front and node:http known today, each asserted to still show (so a fix is noticed
 * and its entry removed); any other difference fails the test.
 */
const KNOWN: ReadonlyArray<{ what: string; is(c: Case): boolean }> = [
  // node:http parses the pipelined pair at once and closes on the bad head before answering the good one; the
  // front answers the good one, then hands the bad one to node:http, which answers it 400.
  { what: 'a good request pipelined before one whose header name has a space: the front answers the good one, node:http does not', is: (c) => c.id === 'then-bad' },
];

/** Sends `data` on a fresh connection; reads until the server closes or nothing arrives for idleMs. */
function exchange(port: number, data: string, idleMs: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (closed: boolean): void => { clearTimeout(timer); s.destroy(); resolve({ text, closed }); };
    const arm = (): void => { clearTimeout(timer); timer = setTimeout(() => done(false), idleMs); };
    s.on('connect', arm);
    s.on('data', (d: Buffer) => { text += d.toString('latin1'); arm(); });
    s.on('close', () => done(true));
    s.on('error', () => undefined);
    s.write(Buffer.from(data, 'latin1'));
  });
}

function normalise(text: string, front: Front): string {
  let out = text.replace(VIA_TOKEN, 'etcd-edge-TOKEN').replace(/\r\nDate: [^\r]*/gi, '\r\nDate: DATE');
  for (const p of front.ports) out = out.split(`127.0.0.1:${p}`).join('127.0.0.1:PROXY');
  return out;
}

function normaliseMember(text: string, member: ScriptedMember): string {
  return text.split(`127.0.0.1:${member.port}`).join('127.0.0.1:MEMBER');
}

async function run(c: Case, front: Front, member: ScriptedMember, idleMs: number): Promise<Outcome> {
  const r = await exchange(front.port, c.send, idleMs);
  // The member's side settles a moment after the client's (a request forwarded as the client gave up).
  await new Promise((res) => setTimeout(res, 20));
  const client = c.loose ? r.text.slice(0, r.text.indexOf('\r\n')) : normaliseMember(normalise(r.text, front), member);
  // node:http forwards pipelined requests side by side, so the member's order is not compared, only the requests.
  return { member: (member.got.get(c.id) ?? []).map((m) => normalise(m, front)).sort(), client, closed: r.closed };
}

/** Runs fn over items, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => { while (next < items.length) await fn(items[next++] as T); }));
}

test('the native front and the js path give the member and the client the same bytes', { timeout: 120_000 }, async (t) => {
  assert.ok(FRONT_PATHS.includes('js') && FRONT_PATHS.includes('native'), 'the parity test needs both data paths (PROXY_FRONT_PATHS)');
  const cases = corpus();
  assert.ok(cases.length >= 300, `corpus of ${cases.length} cases`);
  const setups = {} as Record<PathName, Record<'rw' | 'ro', { front: Front; member: ScriptedMember }>>;
  for (const path of ['js', 'native'] as const) {
    const one = async (mode: 'rw' | 'ro'): Promise<{ front: Front; member: ScriptedMember }> => {
      const member = await scriptedMember();
      t.after(() => member.close());
      // A member closing a pooled connection under load may get it ejected for a moment; with no failure wait it is
      // back at once, so no case meets a 503 that depends on timing (seen under AddressSanitizer on a loaded box).
      const front = await startFront(t, path, member.url, ['--max-request-bytes', '100000', '--proxy-failure-wait', '0', ...(mode === 'ro' ? ['--proxy', 'readonly'] : [])]);
      return { front, member };
    };
    setups[path] = { rw: await one('rw'), ro: await one('ro') };
  }
  const outcomes = new Map<string, Record<PathName, Outcome>>();
  const both = async (c: Case, idleMs: number): Promise<void> => {
    const [js, native] = await Promise.all((['js', 'native'] as const).map((p) => {
      const s = setups[p][c.mode];
      s.member.got.delete(c.id);
      return run(c, s.front, s.member, idleMs);
    }));
    outcomes.set(c.id, { js: js as Outcome, native: native as Outcome });
  };
  await pool(cases, 16, (c) => both(c, 300));
  // A difference seen under load is run again alone with a longer idle window before it counts.
  const differs = (c: Case): boolean => { const o = outcomes.get(c.id); return !o || JSON.stringify(o.js) !== JSON.stringify(o.native); };
  const unknown = (): Case[] => cases.filter((c) => differs(c) && !KNOWN.some((k) => k.is(c)));
  const again = unknown();
  if (again.length <= 10) for (const c of again) await both(c, 1500);

  const bad = unknown();
  // PROXY_PARITY_DUMP=file writes every differing case (request, both outcomes) as JSON, for reading.
  const dump = process.env['PROXY_PARITY_DUMP'];
  if (dump) writeFileSync(dump, JSON.stringify(bad.map((c) => ({ id: c.id, send: c.send.slice(0, 600), ...outcomes.get(c.id) })), null, 1));
  const show = bad.slice(0, 4).map((c) => `${c.id}: ${JSON.stringify(c.send.slice(0, 300))}\n  js:     ${JSON.stringify(outcomes.get(c.id)?.js)}\n  native: ${JSON.stringify(outcomes.get(c.id)?.native)}`);
  assert.equal(bad.length, 0, `${bad.length} of ${cases.length} cases differ (${bad.map((c) => c.id).join(' ')}):\n${show.join('\n')}`);
  // Each known difference is still seen: once the native front is fixed, its entry must go.
  for (const k of KNOWN) assert.ok(cases.some((c) => k.is(c) && differs(c)), `known difference no longer seen, remove it from KNOWN: ${k.what}`);
  // The corpus exercised something: forwarded requests reached the member, and answers came back.
  const reached = cases.filter((c) => (outcomes.get(c.id)?.js.member.length ?? 0) > 0).length;
  assert.ok(reached > cases.length * 0.8, `${reached} cases reached the member`);
  assert.ok(cases.every((c) => c.id === 'h2c' || c.id === 'garbage' || (outcomes.get(c.id)?.js.client.startsWith('HTTP/1.') ?? false)) , 'every HTTP/1 case was answered');
  // The native front served the ordinary cases itself: only the others were handed to node:http.
  const handed = setups.native.rw.front.handoffs();
  const others = cases.filter((c) => c.mode === 'rw' && !c.served).length;
  if (handed !== undefined) assert.ok(handed <= others, `${handed} connections handed off, ${others} cases are not served natively`);
  for (const p of ['js', 'native'] as const) for (const m of ['rw', 'ro'] as const) await setups[p][m].front.close();
  for (const m of ['rw', 'ro'] as const) assert.equal(setups.native[m].front.active(), 0, 'the native front holds no connection after close');
});
