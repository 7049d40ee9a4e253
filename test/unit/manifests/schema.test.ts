// Every generated object validates against the Kubernetes OpenAPI schemas offline (kubernetes-models' precompiled
// validators: types, required fields, enums, quantity formats). The builders are also typed with its interfaces, so
// an unknown field fails the build. A broken object is refused, so the validation is real.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { buildManifests } from '../../../manifests/cli.js';
import { parseK8sFlags } from '../../../manifests/config.js';
import type { ManifestsConfig } from '../../../manifests/config.js';
import { renderStream } from '../../../manifests/render.js';

type Validating = new (data: never) => { validate(): void };
const MODELS: Readonly<Record<string, Validating>> = {
  'v1/Service': Service as unknown as Validating,
  'v1/Secret': Secret as unknown as Validating,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Validating,
  'apps/v1/StatefulSet': StatefulSet as unknown as Validating,
  'v1/ServiceAccount': ServiceAccount as unknown as Validating,
  'rbac.authorization.k8s.io/v1/Role': Role as unknown as Validating,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as unknown as Validating,
};

function validate(doc: { apiVersion?: string; kind?: string }): void {
  const Model = MODELS[`${doc.apiVersion ?? ''}/${doc.kind ?? ''}`];
  assert.ok(Model, `no schema for ${doc.apiVersion ?? '?'}/${doc.kind ?? '?'}`);
  new Model(doc as never).validate();
}

const cases: { name: string; argv: string[] }[] = [
  { name: 'the defaults', argv: [] },
  { name: 'five replicas in a namespace with a big volume', argv: ['--name', 'kv', '--namespace', 'store', '--replicas', '5', '--storage', '20Gi'] },
  { name: 'self-signed TLS', argv: ['--tls', 'self-signed', '--max-replicas', '3'] },
  { name: 'a 3.4 image (exec liveness) with TLS', argv: ['--image', 'registry.example/etcd:3.4.23', '--tls', 'self-signed', '--max-replicas', '3'] },
  { name: 'one replica, another domain and image', argv: ['--replicas', '1', '--cluster-domain', 'corp.internal', '--image', 'registry.example/etcd:3.5.17'] },
];
for (const c of cases) {
  test(`every object of ${c.name} validates against the Kubernetes schema, as rendered`, async () => {
    const objects = await buildManifests(parseK8sFlags(c.argv, {}, '/w') as ManifestsConfig);
    const docs = parseAllDocuments(renderStream(objects)).map((d) => d.toJS() as { apiVersion?: string; kind?: string });
    assert.equal(docs.length, objects.length);
    for (const d of docs) validate(d);
    assert.deepEqual(docs.map((d) => d.kind).filter((k) => k !== 'Secret'), ['ServiceAccount', 'Role', 'RoleBinding', 'Service', 'Service', 'PodDisruptionBudget', 'StatefulSet']);
  });
}

const broken: { name: string; mutate: (sts: Record<string, any>) => void; re: RegExp }[] = [
  { name: 'a port that is not a number', mutate: (s) => { s.spec.template.spec.containers[0].ports[0].containerPort = 'client'; }, re: /containerPort must be integer/ },
  { name: 'a volume size that is not a quantity', mutate: (s) => { s.spec.volumeClaimTemplates[0].spec.resources.requests.storage = 'one gig'; }, re: /quantity/ },
  { name: 'a container without a name', mutate: (s) => { delete s.spec.template.spec.containers[0].name; }, re: /required property name/ },
  { name: 'a topology spread constraint without maxSkew', mutate: (s) => { delete s.spec.template.spec.topologySpreadConstraints[0].maxSkew; }, re: /required property maxSkew/ },
];
for (const b of broken) {
  test(`the validator refuses a StatefulSet with ${b.name}`, async () => {
    const objects = await buildManifests(parseK8sFlags([], {}, '/w') as ManifestsConfig);
    const sts = JSON.parse(JSON.stringify(objects.find((o) => o.kind === 'StatefulSet'))) as Record<string, any>;
    b.mutate(sts);
    assert.throws(() => validate(sts), b.re);
  });
}

test('the PodDisruptionBudget is policy/v1, the version Kubernetes 1.25+ serves', async () => {
  const objects = await buildManifests(parseK8sFlags([], {}, '/w') as ManifestsConfig);
  assert.deepEqual(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.apiVersion), ['policy/v1']);
});
