// The StatefulSet: Parallel pod management (the initial members must start together to form a quorum), the pod's
// identity from the Downward API, init containers that supply a shell and kubectl to the shell-less etcd image, the
// generated member script and preStop hook, probes, a non-root read-only container, spreading over zones and
// nodes, and one volume claim per pod.
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ManifestsConfig } from './config.js';
import { CLIENT_PORT, DATA_DIR, METRICS_PORT, PEER_PORT, SERVICEACCOUNT_DIR, TLS_DIR, TOOLS_DIR, VOLUME_DIR, namesFor } from './names.js';
import { preStopScript } from './prestop.js';
import { probes } from './probes.js';
import { escapeForCommand } from './script-common.js';
import { memberScript } from './script.js';
import { initContainers, restricted } from './tools.js';

/** The non-root user and group the containers run as (no image needs a user of its own). */
export const RUN_AS = 1001;

/**
 * Seconds from the kubelet's decision to SIGKILL, for preStop's worst case, every call timing out: the scale read
 * (3 × (5 s + 2 s pause) = 21 s) and the removal (5 × (8 s member list + 8 s member remove + 2 s pause) = 90 s),
 * then etcd's own stop, which hands leadership to another member (bounded by the election timeout, 1 s) and closes
 * its files. A restart's preStop returns in about a second, so this only bounds the failures.
 */
export const TERMINATION_GRACE_SECONDS = 120;

function env(c: ManifestsConfig): IEnvVar[] {
  const field = (name: string, fieldPath: string): IEnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return [
    field('POD_NAME', 'metadata.name'),
    field('POD_NAMESPACE', 'metadata.namespace'),
    field('POD_IP', 'status.podIP'),
    { name: 'SERVICE_NAME', value: namesFor(c).headless },
    { name: 'CLUSTER_DOMAIN', value: c.clusterDomain },
    { name: 'INITIAL_CLUSTER_SIZE', value: String(c.replicas) },
    { name: 'DATA_DIR', value: DATA_DIR },
    { name: 'TOOLS_DIR', value: TOOLS_DIR },
    { name: 'SERVICEACCOUNT_DIR', value: SERVICEACCOUNT_DIR },
    ...(c.tls === 'self-signed' ? [{ name: 'TLS_DIR', value: TLS_DIR }] : []),
  ];
}

function container(c: ManifestsConfig): IContainer {
  const tls = c.tls === 'self-signed';
  const ports: IContainerPort[] = [
    { name: 'client', containerPort: CLIENT_PORT, protocol: 'TCP' },
    { name: 'peer', containerPort: PEER_PORT, protocol: 'TCP' },
    ...(tls ? [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' as const }] : []),
  ];
  return {
    name: 'etcd',
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    // The official etcd image has no shell: the tools init container put a static busybox into TOOLS_DIR.
    command: [`${TOOLS_DIR}/sh`, '-c', escapeForCommand(memberScript({ tls }))],
    env: env(c),
    ports,
    ...probes(c),
    // Kubernetes does not expand $(VAR) in lifecycle hooks, so this script goes in unescaped.
    lifecycle: { preStop: { exec: { command: [`${TOOLS_DIR}/sh`, '-c', preStopScript({ tls })] } } },
    // No CPU limit: throttling stretches etcd's heartbeats into elections.
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    securityContext: restricted(RUN_AS),
    volumeMounts: [
      { name: 'data', mountPath: VOLUME_DIR },
      { name: 'tools', mountPath: TOOLS_DIR, readOnly: true },
      ...(tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : []),
    ],
  };
}

function podSpec(c: ManifestsConfig): IPodSpec {
  const n = namesFor(c);
  return {
    // Service links would put ETCD_CLIENT_SERVICE_HOST-style variables into the environment, and etcd reads every
    // ETCD_* variable as a flag.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    // The token preStop reads the StatefulSet's scale with (rbac.ts); the ServiceAccount itself mounts nothing.
    serviceAccountName: n.serviceAccount,
    automountServiceAccountToken: true,
    securityContext: {
      runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // Zones first: losing a zone must not take a quorum. ScheduleAnyway, so clusters with one zone (or fewer zones
    // than a quorum needs) still schedule every pod; see the README for the strict form.
    topologySpreadConstraints: [{
      maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...n.labels } },
    }],
    affinity: {
      podAntiAffinity: {
        // Then nodes. Preferred, so small clusters still schedule every pod; see the README for the required form.
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...n.labels } } },
        }],
      },
    },
    initContainers: initContainers(c, RUN_AS),
    containers: [container(c)],
    volumes: [
      { name: 'tools', emptyDir: { sizeLimit: '128Mi' } },
      ...(c.tls === 'self-signed' ? [{ name: 'tls', secret: { secretName: n.tlsSecret, defaultMode: 0o440 } }] : []),
    ],
  };
}

/** Builds the StatefulSet. */
export function statefulSet(c: ManifestsConfig): IStatefulSet {
  const n = namesFor(c);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: n.statefulSet, namespace: c.namespace, labels: { ...n.labels } },
    spec: {
      serviceName: n.headless,
      replicas: c.replicas,
      // OrderedReady would wait for NAME-0 to be ready before creating NAME-1, and NAME-0 is never ready alone.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { ...n.labels } },
      template: { metadata: { labels: { ...n.labels } }, spec: podSpec(c) },
      volumeClaimTemplates: [{
        metadata: { name: 'data', labels: { ...n.labels } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: c.storage } } },
      }],
    },
  };
}
