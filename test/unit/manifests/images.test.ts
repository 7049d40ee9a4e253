// The etcd version read from an image's tag, and the probe style it picks: /livez + /readyz from 3.6 on, the
// serializable-read exec liveness for 3.4, 3.5 and tags without a version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_IMAGE, etcdVersionOf, probeStyleOf } from '../../../manifests/images.js';

const cases: { image: string; version: [number, number] | undefined; style: 'livez' | 'serializable-read' }[] = [
  { image: DEFAULT_IMAGE, version: [3, 6], style: 'livez' },
  { image: 'registry.k8s.io/etcd:3.6.4-0', version: [3, 6], style: 'livez' },
  { image: 'quay.io/coreos/etcd:v3.7.2', version: [3, 7], style: 'livez' },
  { image: 'docker.io/bitnamilegacy/etcd:3.6.4-debian-12-r4', version: [3, 6], style: 'livez' },
  { image: 'gcr.io/etcd-development/etcd:v3.6.13@sha256:0123abcd', version: [3, 6], style: 'livez' },
  { image: 'registry.example:5000/etcd:3.5.21', version: [3, 5], style: 'serializable-read' },
  { image: 'gcr.io/etcd-development/etcd:v3.4.23', version: [3, 4], style: 'serializable-read' },
  { image: 'registry.example:5000/etcd', version: undefined, style: 'serializable-read' },
  { image: 'etcd:latest', version: undefined, style: 'serializable-read' },
  { image: 'gcr.io/etcd-development/etcd@sha256:0123abcd', version: undefined, style: 'serializable-read' },
];
for (const c of cases) {
  test(`${c.image}: version ${JSON.stringify(c.version)}, probes ${c.style}`, () => {
    const v = etcdVersionOf(c.image);
    assert.deepEqual(v === undefined ? undefined : [v.major, v.minor], c.version);
    assert.equal(probeStyleOf(c.image), c.style);
  });
}
