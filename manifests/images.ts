// The images of the generated pod and what their tags say: the official etcd image (distroless, no shell), the
// busybox that supplies the scripts' shell, and kubectl for preStop's scale-down check. The etcd tag's version
// picks the probes: 3.6 has /livez and /readyz, older releases ignore /health's serializable parameter.

/** The etcd image: etcd's own registry, pinned by tag (see the README for pinning by digest). */
export const DEFAULT_IMAGE = 'gcr.io/etcd-development/etcd:v3.6.13';
/** The init image that copies a static busybox (sh, rm, sleep) into the pod's tools volume. */
export const DEFAULT_TOOLS_IMAGE = 'docker.io/library/busybox:1.37.0-musl';
/** The init image whose kubectl preStop uses to read the StatefulSet's replicas. */
export const DEFAULT_KUBECTL_IMAGE = 'registry.k8s.io/kubectl:v1.34.1';

/** How the probes ask etcd: /livez + /readyz (3.6 and later), or a serializable read + /health (3.4, 3.5, unknown). */
export type ProbeStyle = 'livez' | 'serializable-read';

/** Returns the etcd version a tag names (v3.6.13, 3.6.4-0, 3.5.21-debian-12-r3), or undefined (latest, digest only). */
export function etcdVersionOf(image: string): { major: number; minor: number } | undefined {
  const ref = image.split('@')[0] ?? '';
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const m = /^v?(\d+)\.(\d+)(\.\d+)?([-+.].*)?$/.exec(ref.slice(colon + 1));
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** Returns the probe style for an etcd image: /livez and /readyz from 3.6 on, the serializable read otherwise. */
export function probeStyleOf(image: string): ProbeStyle {
  const v = etcdVersionOf(image);
  return v !== undefined && (v.major > 3 || (v.major === 3 && v.minor >= 6)) ? 'livez' : 'serializable-read';
}
