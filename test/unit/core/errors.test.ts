// EdgeError: codes, hints, exit codes and CLI formatting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EdgeError, exitCodeFor, formatForCli, isEdgeError, toEdgeError } from '../../../core/errors.js';
import { decToHex, hexToDec, parsePeerMembers } from '../../../etcd/etcd-client.js';
import { parseHostPort } from '../../../core/net.js';

test('usage and config errors exit 2, runtime errors 1', () => {
  assert.equal(exitCodeFor(new EdgeError('EDGE_CONFIG_INVALID', 'x')), 2);
  assert.equal(exitCodeFor(new EdgeError('EDGE_TOPOLOGY_INVALID', 'x')), 2);
  assert.equal(exitCodeFor(new EdgeError('EDGE_ETCD_EXITED', 'x')), 1);
  assert.equal(exitCodeFor(new Error('plain')), 1);
});

test('formatForCli prints message, code and hint', () => {
  const s = formatForCli(new EdgeError('EDGE_LISTEN_FAILED', 'listen "127.0.0.1:1": address already in use', { hint: 'pass --listen-addr with a free port' }));
  assert.equal(s, 'error: listen "127.0.0.1:1": address already in use [EDGE_LISTEN_FAILED]\nhint: pass --listen-addr with a free port');
});

test('toEdgeError keeps EdgeErrors and wraps others with the cause', () => {
  const e = new EdgeError('EDGE_DNS', 'x');
  assert.equal(toEdgeError(e, 'EDGE_INTERNAL', 'y'), e);
  const w = toEdgeError(new Error('boom'), 'EDGE_ETCD_REQUEST', 'calling etcd');
  assert.ok(isEdgeError(w));
  assert.equal(w.message, 'calling etcd: boom');
  assert.equal((w.cause as Error).message, 'boom');
});

test('uint64 member IDs survive above 2^53', () => {
  const body = '[{"id":18233278573876663181,"peerURLs":["http://127.0.0.1:1"],"name":"a","clientURLs":["http://127.0.0.1:2"]},{"id":14561131642638998480,"peerURLs":["http://127.0.0.1:3"]}]\n';
  const m = parsePeerMembers(body);
  assert.equal(m[0]?.id, 'fd099e4246a8d38d');
  assert.equal(hexToDec(m[0]?.id ?? ''), '18233278573876663181');
  assert.equal(m[1]?.name, '');
  assert.deepEqual(m[1]?.clientURLs, []);
  assert.equal(decToHex('443629905751424238'), '628170c800dbcee');
});

const hostPorts: [string, string, number][] = [['127.0.0.1:2379', '127.0.0.1', 2379], ['http://10.0.1.10:2379', '10.0.1.10', 2379], ['[::1]:23790', '::1', 23790], ['infra0.example.test.:2479', 'infra0.example.test.', 2479]];
for (const [input, host, port] of hostPorts) {
  test(`parseHostPort ${input}`, () => assert.deepEqual(parseHostPort(input, 'x'), { host, port }));
}
for (const bad of ['127.0.0.1', 'bad_endpoint', ':2379', '127.0.0.1:99999']) {
  test(`parseHostPort rejects ${bad}`, () => assert.throws(() => parseHostPort(bad, '--endpoints'), /invalid address/));
}
