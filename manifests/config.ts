// Pure parsing of `etcd-edge manifests k8s` flags into one frozen config: names, size, image, storage, TLS mode and
// where to write. Every flag has an ETCD_EDGE_MANIFESTS_* variable; bad input is a usage error (exit 2) with a hint.
import path from 'node:path';
import { EdgeError } from '../core/errors.js';
import { parseFlags, renderHelp } from '../core/flags.js';
import type { FlagSpec, FlagSpecs } from '../core/flags.js';

import { DEFAULT_IMAGE, DEFAULT_KUBECTL_IMAGE, DEFAULT_TOOLS_IMAGE } from './images.js';

export { DEFAULT_IMAGE } from './images.js';
/** The TLS modes. */
export const TLS_MODES = ['none', 'self-signed'] as const;
/** One TLS mode. */
export type TlsMode = (typeof TLS_MODES)[number];

/** The parsed, validated configuration of `manifests k8s`. */
export interface ManifestsConfig {
  /** The StatefulSet's name; also the headless Service's and the PodDisruptionBudget's. */
  readonly name: string;
  readonly namespace: string;
  /** The initial size: the members that bootstrap together. */
  readonly replicas: number;
  /** The etcd image; its tag's version picks the probes (images.ts). */
  readonly image: string;
  /** The init image supplying busybox (the scripts' shell, rm and sleep). */
  readonly toolsImage: string;
  /** The init image supplying kubectl (preStop reads the StatefulSet's replicas with it). */
  readonly kubectlImage: string;
  /** The volume claim size, a Kubernetes quantity such as 1Gi. */
  readonly storage: string;
  readonly tls: TlsMode;
  /** How many pods get a certificate (self-signed TLS): the cluster can scale up to this many. */
  readonly maxReplicas: number;
  /** A directory with ca.crt and ca.key (made by `etcd-edge certs ca`) to sign the pod certificates; absent: a new CA. */
  readonly ca: string | undefined;
  readonly clusterDomain: string;
  /** Where to write one file per object; absent: a multi-document stream on stdout. */
  readonly out: string | undefined;
}

const env = (flag: string): string => `ETCD_EDGE_MANIFESTS_${flag.toUpperCase().replace(/-/g, '_')}`;
const flag = (spec: Omit<FlagSpec, 'env'>, name: string): FlagSpec => ({ ...spec, env: env(name) });

/** The usage line of `manifests k8s`. */
export const K8S_USAGE = 'etcd-edge manifests k8s [--name etcd] [--namespace default] [--replicas 3] [--image IMAGE] [--storage 1Gi] [--tls none|self-signed] [--out DIR]';
const K8S_SUMMARY = 'Write the Kubernetes objects of an etcd cluster that scales with kubectl scale: a headless and a client Service, '
  + 'a policy/v1 PodDisruptionBudget, a StatefulSet whose member script bootstraps, joins (as a learner, then promoted) and leaves, '
  + 'and with --tls self-signed a Secret with a CA and one certificate per pod.';

/** The flags of `manifests k8s`. */
export const K8S_FLAGS: FlagSpecs = {
  name: flag({ kind: 'string', default: 'etcd', describe: 'name of the StatefulSet and the headless Service; pods are NAME-0, NAME-1, ... (the client Service is NAME-client)' }, 'name'),
  namespace: flag({ kind: 'string', default: 'default', describe: 'namespace of every object (it goes into the pods\' DNS names and certificates)' }, 'namespace'),
  replicas: flag({ kind: 'int', default: 3, describe: 'initial cluster size: pods below this ordinal bootstrap together, higher ones join with member add' }, 'replicas'),
  image: flag({ kind: 'string', default: DEFAULT_IMAGE, describe: 'etcd image with etcd and etcdctl; its tag\'s version picks the probes (3.6+: /livez and /readyz)' }, 'image'),
  'tools-image': flag({ kind: 'string', default: DEFAULT_TOOLS_IMAGE, describe: 'init image whose static /bin/busybox gives the scripts sh, rm and sleep' }, 'tools-image'),
  'kubectl-image': flag({ kind: 'string', default: DEFAULT_KUBECTL_IMAGE, describe: 'init image whose /bin/kubectl lets preStop read the StatefulSet\'s replicas' }, 'kubectl-image'),
  storage: flag({ kind: 'string', default: '1Gi', describe: 'size of each pod\'s data volume (volumeClaimTemplate)' }, 'storage'),
  tls: flag({ kind: 'string', default: 'none', choices: TLS_MODES, describe: 'self-signed: a Secret with a new CA and per-pod certificates; https everywhere with client certificate auth' }, 'tls'),
  'max-replicas': flag({ kind: 'int', describe: 'with --tls self-signed, how many pods get a certificate (default: the larger of 7 and --replicas)' }, 'max-replicas'),
  ca: flag({ kind: 'string', describe: 'with --tls self-signed, sign with the CA in this directory (ca.crt, ca.key from etcd-edge certs ca) instead of a new one' }, 'ca'),
  'cluster-domain': flag({ kind: 'string', default: 'cluster.local', describe: 'the cluster\'s DNS domain (kubelet --cluster-domain)' }, 'cluster-domain'),
  out: flag({ kind: 'string', describe: 'write one file per object into this directory (Secrets 0600) and print their paths; default: YAML stream on stdout' }, 'out'),
};

// RFC 1035 label: what Service names need (the StatefulSet name becomes one). 52 leaves room for "-client" and for
// the controller-revision-hash label the StatefulSet controller derives from the name.
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

function invalid(what: string, value: unknown, hint: string): EdgeError {
  return new EdgeError('EDGE_CONFIG_INVALID', `invalid ${what} ${JSON.stringify(value)}`, { hint });
}

function checkNames(name: string, namespace: string, domain: string): void {
  if (!LABEL_1035.test(name) || name.length > 52) {
    throw invalid('--name', name, 'use lowercase letters, digits and dashes, starting with a letter, at most 52 characters (for example etcd)');
  }
  if (!LABEL_1123.test(namespace) || namespace.length > 63) throw invalid('--namespace', namespace, 'use a Kubernetes namespace name such as default');
  if (!domain.split('.').every((l) => LABEL_1123.test(l) && l.length <= 63)) throw invalid('--cluster-domain', domain, 'use the cluster\'s DNS domain, usually cluster.local');
}

function checkSizes(replicas: number, maxReplicas: number, storage: string): void {
  if (!(replicas >= 1 && replicas <= 99)) throw invalid('--replicas', replicas, 'pass an odd number of members such as 3 or 5');
  if (!(maxReplicas >= replicas && maxReplicas <= 99)) throw invalid('--max-replicas', maxReplicas, 'pass a number at least --replicas, at most 99');
  if (!QUANTITY.test(storage)) throw invalid('--storage', storage, 'pass a Kubernetes quantity such as 1Gi or 500Mi');
}

function imageFlag(flagName: string, value: string | undefined, example: string): string {
  const image = (value ?? '').trim();
  if (image === '' || /\s/.test(image)) throw invalid(flagName, image, `pass an image reference such as ${example}`);
  return image;
}

/** Parses argv (after `manifests k8s`) and env into a frozen config, or undefined for --help. Pure; --out and --ca resolve against cwd. */
export function parseK8sFlags(argv: readonly string[], envVars: Readonly<Record<string, string | undefined>>, cwd: string): ManifestsConfig | undefined {
  const f = parseFlags(K8S_FLAGS, argv, envVars, { command: 'manifests k8s' });
  if (f.help) return undefined;
  const name = f.str('name') ?? 'etcd';
  const namespace = f.str('namespace') ?? 'default';
  const clusterDomain = (f.str('cluster-domain') ?? 'cluster.local').replace(/\.$/, '');
  checkNames(name, namespace, clusterDomain);
  const replicas = f.int('replicas') ?? 3;
  const tls = (f.str('tls') ?? 'none') as TlsMode;
  if (tls === 'none' && (f.has('max-replicas') || f.has('ca'))) {
    throw new EdgeError('EDGE_USAGE', '--max-replicas and --ca only apply to --tls self-signed', { hint: 'add --tls self-signed or drop them' });
  }
  const maxReplicas = f.int('max-replicas') ?? Math.max(7, replicas);
  const storage = f.str('storage') ?? '1Gi';
  checkSizes(replicas, maxReplicas, storage);
  const image = imageFlag('--image', f.str('image'), DEFAULT_IMAGE);
  const toolsImage = imageFlag('--tools-image', f.str('tools-image'), DEFAULT_TOOLS_IMAGE);
  const kubectlImage = imageFlag('--kubectl-image', f.str('kubectl-image'), DEFAULT_KUBECTL_IMAGE);
  const resolve = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(cwd, p));
  return Object.freeze({ name, namespace, replicas, image, toolsImage, kubectlImage, storage, tls, maxReplicas, ca: resolve(f.str('ca')), clusterDomain, out: resolve(f.str('out')) });
}

/** Returns the help text of `manifests k8s`. */
export function k8sHelp(): string {
  return renderHelp(K8S_USAGE, K8S_SUMMARY, K8S_FLAGS);
}
