// The bench plan: which targets run which workloads, the rotated interleaving, and wrk's shape per target.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRPC_TARGETS, TARGET_IDS, allWorkloads, schedule, targetsOf, wrkShape } from '../../bench/plan.js';

test('gRPC workloads skip etcd\'s HTTP/1 v2 proxy; HTTP workloads skip etcd\'s gRPC-only grpc-proxy', () => {
  for (const w of allWorkloads()) {
    const ts = targetsOf(w, TARGET_IDS);
    if (w.tool === 'h2load') assert.deepEqual(ts, GRPC_TARGETS);
    else assert.deepEqual(ts, TARGET_IDS.filter((x) => x !== 'go-grpc-proxy'));
  }
  assert.ok(GRPC_TARGETS.includes('edge-proxy') && !GRPC_TARGETS.includes('go-proxy'));
});

test('schedule runs every target once per workload per round and rotates the order', () => {
  const ws = allWorkloads().filter((w) => w.id === 'v2-get-c32' || w.id === 'v3-range');
  const targets = ['direct-1', 'go-proxy', 'edge-proxy'] as const;
  const steps = schedule(3, ws, targets);
  assert.equal(steps.length, 3 * 2 * 3);
  for (let r = 0; r < 3; r++) {
    for (const w of ws) {
      const order = steps.filter((s) => s.round === r && s.workload.id === w.id).map((s) => s.target);
      assert.deepEqual([...order].sort(), [...targets].sort());
    }
  }
  const firsts = [0, 1, 2].map((r) => steps.find((s) => s.round === r && s.workload.id === 'v2-get-c32')?.target);
  assert.deepEqual(firsts, ['direct-1', 'go-proxy', 'edge-proxy'], 'each round starts with another target');
  assert.notEqual(steps[3]?.target, steps[0]?.target, 'the next workload starts with another target');
});

test('direct-3 gets one wrk thread per member and connections rounded up to a multiple of 3', () => {
  assert.deepEqual(wrkShape('direct-3', 32), { threads: 3, connections: 33 });
  assert.deepEqual(wrkShape('direct-3', 128), { threads: 3, connections: 129 });
  assert.deepEqual(wrkShape('edge-proxy', 128), { threads: 2, connections: 128 });
});

test('workload ids are unique and the v3 bodies are base64 JSON', () => {
  const ws = allWorkloads();
  assert.equal(new Set(ws.map((w) => w.id)).size, ws.length);
  const range = ws.find((w) => w.id === 'v3-range');
  assert.ok(range?.tool === 'wrk');
  assert.deepEqual(JSON.parse(range.request.body ?? ''), { key: Buffer.from('bench').toString('base64') });
});
