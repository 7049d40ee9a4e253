// The manifests component's public surface: `etcd-edge manifests k8s`, its config and the builders behind it.
export { manifestsMain, buildManifests } from './cli.js';
export { parseK8sFlags, k8sHelp, K8S_FLAGS, DEFAULT_IMAGE } from './config.js';
export type { ManifestsConfig, TlsMode } from './config.js';
export { memberScript } from './script.js';
export { preStopScript } from './prestop.js';
export { livenessScript, probes, LIVENESS } from './probes.js';
export { etcdVersionOf, probeStyleOf, DEFAULT_TOOLS_IMAGE, DEFAULT_KUBECTL_IMAGE } from './images.js';
export type { ProbeStyle } from './images.js';
export { toolsScript, APPLETS } from './tools.js';
export { TERMINATION_GRACE_SECONDS } from './statefulset.js';
export { escapeForCommand } from './script-common.js';
export type { ScriptOptions } from './script-common.js';
export { namesFor, quorum } from './names.js';
export type { Names } from './names.js';
export { renderStream, renderObject, writeObjects } from './render.js';
export type { K8sObject } from './render.js';
