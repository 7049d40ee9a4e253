// What a kubelet does with a generated StatefulSet, for tests without Kubernetes: the pod's environment (Downward
// API fields resolved), $(VAR) expansion of the container command and of exec probes (Kubernetes' own rules), paths
// under a volume mount resolved to the directory standing in for the volume, and the TLS Secret as files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a generated StatefulSet and Secret these helpers read. */
interface EnvVarLike { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }
/** A probe as the generator builds it. */
export interface ProbeLike {
  httpGet?: { path?: string | undefined; port: string | number };
  exec?: { command?: string[] | undefined };
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}
interface ContainerLike {
  command?: string[];
  env?: EnvVarLike[];
  ports?: { name?: string; containerPort: number }[];
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  livenessProbe?: ProbeLike;
  readinessProbe?: ProbeLike;
  startupProbe?: ProbeLike;
  volumeMounts?: { name: string; mountPath: string }[];
}
/** A StatefulSet as the generator builds it. */
export interface StatefulSetLike {
  spec?: { template: { spec?: { containers: ContainerLike[]; initContainers?: ContainerLike[]; terminationGracePeriodSeconds?: number } } };
}
/** The probes a kubelet runs. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** The identity of one simulated pod. */
export interface PodIdentity { readonly name: string; readonly namespace: string; readonly ip: string }

/**
 * Expands `$(VAR)` references as Kubernetes does in a container's command and args (port of
 * third_party/forked/golang/expansion): `$$` is an escaped `$`, `$(NAME)` becomes the variable's value when NAME
 * is defined and stays as written otherwise, and any other `$` is kept.
 */
export function expandK8s(input: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') out += '$';
    else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) out += '$(';
      else {
        const name = rest.slice(1, close);
        out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
        advance = close + 1;
      }
    } else out += `$${rest[0]}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

function container(sts: StatefulSetLike): ContainerLike {
  const c = sts.spec?.template.spec?.containers[0];
  if (!c) throw new Error('the StatefulSet has no container');
  return c;
}

/** Returns the container environment a kubelet would give this pod (fieldRefs resolved), with overrides applied. */
export function podEnv(sts: StatefulSetLike, pod: PodIdentity, overrides: Readonly<Record<string, string>> = {}): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': pod.name, 'metadata.namespace': pod.namespace, 'status.podIP': pod.ip };
  const env: Record<string, string> = { HOSTNAME: pod.name };
  for (const v of container(sts).env ?? []) {
    const fieldPath = v.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath !== undefined) {
      const value = fields[fieldPath];
      if (value === undefined) throw new Error(`unsupported Downward API field ${fieldPath}`);
      env[v.name] = value;
    } else env[v.name] = expandK8s(v.value ?? '', env);
  }
  return { ...env, ...overrides };
}

/** Returns the container command after Kubernetes' $(VAR) expansion against env. */
export function containerCommand(sts: StatefulSetLike, env: Readonly<Record<string, string>>): string[] {
  return (container(sts).command ?? []).map((a) => expandK8s(a, env));
}

/** Returns the preStop hook's command as the kubelet runs it: verbatim (hooks get no expansion). */
export function preStopCommand(sts: StatefulSetLike): string[] {
  const cmd = container(sts).lifecycle?.preStop?.exec?.command;
  if (!cmd) throw new Error('the container has no preStop exec hook');
  return cmd;
}

/**
 * Returns an exec probe's command as the kubelet runs it: $(VAR) expanded against the container's static env only
 * (values, not Downward API fields: the kubelet's ExpandContainerCommandOnlyStatic).
 */
export function execProbeCommand(probe: ProbeLike, sts: StatefulSetLike): string[] | undefined {
  const statics: Record<string, string> = {};
  for (const v of container(sts).env ?? []) if (v.value !== undefined) statics[v.name] = v.value;
  return probe.exec?.command?.map((a) => expandK8s(a, statics));
}

/** Returns the container's probe of a kind. */
export function probeOf(sts: StatefulSetLike, kind: ProbeKind): ProbeLike {
  const p = container(sts)[`${kind}Probe`];
  if (!p) throw new Error(`the container has no ${kind} probe`);
  return p;
}

/** Returns the container port a probe's httpGet names (or gives as a number). */
export function probePort(sts: StatefulSetLike, probe: ProbeLike): number | undefined {
  const port = probe.httpGet?.port;
  return typeof port === 'number' ? port : container(sts).ports?.find((p) => p.name === port)?.containerPort;
}

/** Returns the pod's terminationGracePeriodSeconds (Kubernetes' default, 30, when unset). */
export function gracePeriodSeconds(sts: StatefulSetLike): number {
  return sts.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
}

/** Returns the init containers' commands, in order. */
export function initCommands(sts: StatefulSetLike): string[][] {
  return (sts.spec?.template.spec?.initContainers ?? []).map((c) => c.command ?? []);
}

/**
 * Resolves an executable path inside the container (such as /tools/sh) to the directory that stands in for the
 * volume mounted there; volumes maps a volume name to that directory. Other paths are returned unchanged.
 */
export function resolveMounted(sts: StatefulSetLike, file: string, volumes: Readonly<Record<string, string>>): string {
  for (const m of container(sts).volumeMounts ?? []) {
    const dir = volumes[m.name];
    if (dir !== undefined && file.startsWith(`${m.mountPath}/`)) return path.join(dir, file.slice(m.mountPath.length + 1));
  }
  return file;
}

/** Writes a Secret's data as files into dir (what a secret volume mounts), keys 0600. */
export function mountSecret(secret: { data?: Record<string, string> }, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [k, v] of Object.entries(secret.data ?? {})) writeFileSync(path.join(dir, k), Buffer.from(v, 'base64'), { mode: 0o600 });
}
