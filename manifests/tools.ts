// The init containers that make a shell-less etcd image runnable: a pinned busybox copies its static binary into
// the shared tools volume as sh, rm and sleep, then the kubectl image copies /bin/kubectl there with that busybox.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { ManifestsConfig } from './config.js';
import { TOOLS_DIR } from './names.js';

/** The applets the scripts call besides shell builtins, linked to busybox in the tools volume. */
export const APPLETS = ['sh', 'rm', 'sleep'] as const;

/** Returns the restricted security context every container of the pod runs with (non-root, read-only root). */
export function restricted(runAs: number): ISecurityContext {
  return {
    runAsNonRoot: true, runAsUser: runAs, runAsGroup: runAs, allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
  };
}

/** Returns the tools init container's script: copy busybox, link the applets (relative links, valid in every container). */
export function toolsScript(): string {
  return `set -e
cp /bin/busybox "$TOOLS_DIR/busybox"
for applet in ${APPLETS.join(' ')}; do ln -sf busybox "$TOOLS_DIR/$applet"; done
`;
}

/** Builds the two init containers (tools, then kubectl) for a pod running as runAs. */
export function initContainers(c: ManifestsConfig, runAs = 1001): IContainer[] {
  const common = {
    imagePullPolicy: 'IfNotPresent' as const,
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
    securityContext: restricted(runAs),
    volumeMounts: [{ name: 'tools', mountPath: TOOLS_DIR }],
  };
  return [
    { name: 'tools', image: c.toolsImage, command: ['/bin/busybox', 'sh', '-c', toolsScript()], env: [{ name: 'TOOLS_DIR', value: TOOLS_DIR }], ...common },
    // The kubectl image is distroless too: the busybox just copied does the copying.
    { name: 'kubectl', image: c.kubectlImage, command: [`${TOOLS_DIR}/busybox`, 'cp', '/bin/kubectl', `${TOOLS_DIR}/kubectl`], ...common },
  ];
}
