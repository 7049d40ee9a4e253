// The pods' identity towards the API server: a ServiceAccount whose Role allows one thing, reading the scale of
// this one StatefulSet. preStop uses it to tell a scale-down (its ordinal at or above spec.replicas) from a restart.
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { ManifestsConfig } from './config.js';
import { namesFor } from './names.js';

/** Builds the ServiceAccount, the Role (get statefulsets/scale of this StatefulSet only) and their RoleBinding. */
export function rbacObjects(c: ManifestsConfig): [IServiceAccount, IRole, IRoleBinding] {
  const n = namesFor(c);
  const metadata = { name: n.serviceAccount, namespace: c.namespace, labels: { ...n.labels } };
  return [
    // Only the etcd pods mount its token (the StatefulSet asks for it); nothing else in the namespace needs it.
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { ...metadata, labels: { ...n.labels } }, automountServiceAccountToken: false },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { ...metadata, labels: { ...n.labels } },
      rules: [{ apiGroups: ['apps'], resources: ['statefulsets/scale'], resourceNames: [n.statefulSet], verbs: ['get'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { ...metadata, labels: { ...n.labels } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: n.serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: n.serviceAccount, namespace: c.namespace }],
    },
  ];
}
