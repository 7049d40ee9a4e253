// `etcd-edge manifests k8s`: parse the flags, build the objects (TLS Secrets first, then the Services, the
// PodDisruptionBudget and the StatefulSet) and write them to stdout as one YAML stream, or to --out one per file.
import { println, printWarnings } from '../core/cli.js';
import { envWarnings } from '../core/flags.js';
import type { CliIo, CliMain } from '../core/cli.js';
import { EdgeError } from '../core/errors.js';
import { K8S_FLAGS, k8sHelp, parseK8sFlags } from './config.js';
import type { ManifestsConfig } from './config.js';
import { renderStream, writeObjects } from './render.js';
import type { K8sObject } from './render.js';
import { tlsSecrets } from './secrets.js';
import { rbacObjects } from './rbac.js';
import { clientService, headlessService, podDisruptionBudget } from './services.js';
import { statefulSet } from './statefulset.js';

const USAGE = `usage: etcd-edge manifests k8s [flags]

  k8s   write a StatefulSet, a headless and a client Service and a PodDisruptionBudget (and TLS Secrets) for an
        etcd cluster that scales with kubectl scale

run etcd-edge manifests k8s --help for its flags.
`;

/** Builds every object of the cluster, in apply order. */
export async function buildManifests(c: ManifestsConfig): Promise<K8sObject[]> {
  const secrets = c.tls === 'self-signed' ? await tlsSecrets(c) : [];
  return [...secrets, ...rbacObjects(c), headlessService(c), clientService(c), podDisruptionBudget(c), statefulSet(c)];
}

async function k8sMain(io: CliIo): Promise<number> {
  printWarnings(io.stderr, envWarnings(K8S_FLAGS, io.env));
  const c = parseK8sFlags(io.argv, io.env, io.cwd);
  if (c === undefined) {
    io.stdout.write(k8sHelp());
    return 0;
  }
  const objects = await buildManifests(c);
  if (c.out === undefined) {
    io.stdout.write(renderStream(objects));
    return 0;
  }
  for (const p of await writeObjects(c.out, objects)) println(io.stdout, p);
  return 0;
}

/** Runs `etcd-edge manifests <k8s>`. */
export const manifestsMain: CliMain = async (io) => {
  const [sub, ...rest] = io.argv;
  if (sub === 'k8s') return k8sMain({ ...io, argv: rest });
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  throw new EdgeError('EDGE_USAGE', `unknown manifests subcommand ${JSON.stringify(sub)}`, { hint: 'use etcd-edge manifests k8s' });
};
