import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeMetricsTexts, parseMetricsText, sumOf } from '../../../core/metrics-text.js';

const A = `# HELP process_cpu_seconds_total CPU.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.5
# HELP etcd_proxy_requests_total Counter requests incoming by method.
# TYPE etcd_proxy_requests_total counter
etcd_proxy_requests_total{method="GET"} 3
etcd_proxy_requests_total{method="PUT"} 4
# HELP h A histogram.
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="+Inf"} 2
h_sum 0.3
h_count 2
`;
const B = `# HELP process_cpu_seconds_total CPU.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.6
# HELP etcd_edge_gateway_endpoint_up Whether an endpoint is up.
# TYPE etcd_edge_gateway_endpoint_up gauge
etcd_edge_gateway_endpoint_up{endpoint="127.0.0.1:1"} 1
etcd_edge_gateway_endpoint_up{endpoint="a \\"q\\" b"} 0
`;

test('merge: one HELP/TYPE per family, the first sample of a duplicate wins, suffixed samples stay in their family', () => {
  const m = mergeMetricsTexts([A, B]);
  assert.equal((m.match(/^# TYPE process_cpu_seconds_total /gm) ?? []).length, 1);
  assert.match(m, /^process_cpu_seconds_total 1\.5$/m);
  assert.doesNotMatch(m, /1\.6/);
  assert.match(m, /# TYPE h histogram\nh_bucket\{le="0\.1"\} 1\nh_bucket\{le="\+Inf"\} 2\nh_sum 0\.3\nh_count 2\n/);
  assert.match(m, /^etcd_edge_gateway_endpoint_up\{endpoint="127\.0\.0\.1:1"\} 1$/m);
});

test('parse: labels with escaped quotes, +Inf, and sums by label', () => {
  const s = parseMetricsText(A + B);
  assert.equal(sumOf(s, 'etcd_proxy_requests_total'), 7);
  assert.equal(sumOf(s, 'etcd_proxy_requests_total', { method: 'PUT' }), 4);
  assert.equal(s.find((x) => x.name === 'h_bucket' && x.labels.le === '+Inf')?.value, 2);
  assert.ok(s.some((x) => x.labels.endpoint === 'a "q" b' && x.value === 0));
  assert.equal(sumOf(s, 'missing'), 0);
});
