// What a kubelet does with a generated StatefulSet, for tests without Kubernetes: the pod's environment (Downward
// API fields resolved), $(VAR) expansion of the container command (Kubernetes' own rules), and the TLS Secret as files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a generated StatefulSet and Secret these helpers read. */
interface EnvVarLike { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }
interface ContainerLike { command?: string[]; env?: EnvVarLike[]; lifecycle?: { preStop?: { exec?: { command?: string[] } } } }
/** A StatefulSet as the generator builds it. */
export interface StatefulSetLike { spec?: { template: { spec?: { containers: ContainerLike[] } } } }

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

/** Writes a Secret's data as files into dir (what a secret volume mounts), keys 0600. */
export function mountSecret(secret: { data?: Record<string, string> }, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [k, v] of Object.entries(secret.data ?? {})) writeFileSync(path.join(dir, k), Buffer.from(v, 'base64'), { mode: 0o600 });
}
