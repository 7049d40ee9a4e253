// The ServiceAccount, Role and RoleBinding: the pods may read the scale of their own StatefulSet and nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseK8sFlags } from '../../../manifests/config.js';
import type { ManifestsConfig } from '../../../manifests/config.js';
import { rbacObjects } from '../../../manifests/rbac.js';

test('the Role allows get on statefulsets/scale of this StatefulSet only, bound to its ServiceAccount', () => {
  const [sa, role, binding] = rbacObjects(parseK8sFlags(['--name', 'kv', '--namespace', 'store'], {}, '/w') as ManifestsConfig);
  assert.deepEqual([sa.metadata?.name, sa.metadata?.namespace, sa.automountServiceAccountToken], ['kv', 'store', false]);
  assert.deepEqual(role.rules, [{ apiGroups: ['apps'], resources: ['statefulsets/scale'], resourceNames: ['kv'], verbs: ['get'] }]);
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kv' });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'kv', namespace: 'store' }]);
});
