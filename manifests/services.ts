// The Services and the PodDisruptionBudget. The headless Service gives every pod its stable DNS name and publishes
// not-ready pods too: members must find each other before any of them is ready (a member is ready only with quorum).
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { ManifestsConfig } from './config.js';
import { CLIENT_PORT, PEER_PORT, namesFor, quorum } from './names.js';

const PORTS: readonly IServicePort[] = [
  { name: 'client', port: CLIENT_PORT, targetPort: 'client', protocol: 'TCP' },
  { name: 'peer', port: PEER_PORT, targetPort: 'peer', protocol: 'TCP' },
];

/** Builds the headless Service behind the pods' DNS names (<pod>.<name>.<ns>.svc.<domain>). */
export function headlessService(c: ManifestsConfig): IService {
  const n = namesFor(c);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: n.headless, namespace: c.namespace, labels: { ...n.labels } },
    spec: {
      clusterIP: 'None',
      // Records exist from pod creation on, not from readiness: bootstrapping members resolve each other first.
      publishNotReadyAddresses: true,
      selector: { ...n.labels },
      ports: PORTS.map((p) => ({ ...p })),
    },
  };
}

/** Builds the client Service: one stable address for applications, ready pods only. */
export function clientService(c: ManifestsConfig): IService {
  const n = namesFor(c);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: n.client, namespace: c.namespace, labels: { ...n.labels } },
    spec: {
      type: 'ClusterIP',
      selector: { ...n.labels },
      ports: [{ name: 'client', port: CLIENT_PORT, targetPort: 'client', protocol: 'TCP' }],
    },
  };
}

/** Builds the policy/v1 PodDisruptionBudget keeping a quorum of the initial size available during voluntary disruptions. */
export function podDisruptionBudget(c: ManifestsConfig): IPodDisruptionBudget {
  const n = namesFor(c);
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: n.pdb, namespace: c.namespace, labels: { ...n.labels } },
    spec: {
      minAvailable: quorum(c.replicas),
      selector: { matchLabels: { ...n.labels } },
    },
  };
}
