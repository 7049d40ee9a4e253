// The manifests component's public surface: `etcd-edge manifests k8s`, its config and the builders behind it.
export { manifestsMain, buildManifests } from './cli.js';
export { parseK8sFlags, k8sHelp, K8S_FLAGS, DEFAULT_IMAGE } from './config.js';
export type { ManifestsConfig, TlsMode } from './config.js';
export { memberScript, preStopScript } from './script.js';
export { escapeForCommand } from './script-common.js';
export type { ScriptOptions } from './script-common.js';
export { namesFor, quorum } from './names.js';
export type { Names } from './names.js';
export { renderStream, renderObject, writeObjects } from './render.js';
export type { K8sObject } from './render.js';
