// The StatefulSet: Parallel pod management (the initial members must start together to form a quorum), the pod's
// identity from the Downward API, the generated member script and preStop hook, probes, a non-root read-only
// container, preferred anti-affinity and one volume claim per pod.
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ManifestsConfig } from './config.js';
import { CLIENT_PORT, DATA_DIR, METRICS_PORT, PEER_PORT, TLS_DIR, VOLUME_DIR, namesFor } from './names.js';
import { escapeForCommand } from './script-common.js';
import { memberScript, preStopScript } from './script.js';

/** The non-root user and group the container runs as (the Bitnami images' own user). */
export const RUN_AS = 1001;

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
    ...(c.tls === 'self-signed' ? [{ name: 'TLS_DIR', value: TLS_DIR }] : []),
  ];
}

/**
 * Builds the probes. /health needs a leader, so it is the readiness signal; liveness allows 80 s without one,
 * so a lost quorum does not restart every member at once; the startup probe covers a join waiting its turn.
 * With TLS the client port wants client certificates, which kubelet cannot present: the plain metrics port serves /health.
 */
function probes(c: ManifestsConfig): Pick<IContainer, 'readinessProbe' | 'livenessProbe' | 'startupProbe'> {
  const port = c.tls === 'self-signed' ? 'metrics' : 'client';
  const http = (extra: Omit<IProbe, 'httpGet'>): IProbe => ({ httpGet: { path: '/health', port, scheme: 'HTTP' }, timeoutSeconds: 5, ...extra });
  return {
    startupProbe: http({ periodSeconds: 10, failureThreshold: 60 }),
    readinessProbe: http({ periodSeconds: 5, failureThreshold: 3 }),
    livenessProbe: http({ periodSeconds: 10, failureThreshold: 8 }),
  };
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
    command: ['/bin/sh', '-c', escapeForCommand(memberScript({ tls }))],
    env: env(c),
    ports,
    ...probes(c),
    // Kubernetes does not expand $(VAR) in lifecycle hooks, so this script goes in unescaped.
    lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', preStopScript({ tls })] } } },
    // No CPU limit: throttling stretches etcd's heartbeats into elections.
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    securityContext: {
      runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'data', mountPath: VOLUME_DIR },
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
    // Room for the preStop hook's retries before SIGKILL.
    terminationGracePeriodSeconds: 60,
    securityContext: {
      runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    affinity: {
      podAntiAffinity: {
        // Preferred, so small clusters still schedule every pod; see the README for the required form.
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...n.labels } } },
        }],
      },
    },
    containers: [container(c)],
    ...(c.tls === 'self-signed' ? { volumes: [{ name: 'tls', secret: { secretName: n.tlsSecret, defaultMode: 0o440 } }] } : {}),
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
