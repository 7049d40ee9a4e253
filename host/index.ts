// host/: what etcd-edge knows about this machine (processes, pid files, the data-dir layout, atomic files, ports,
// backoff). A leaf package: it imports core/ only, and every component may import it through this file.
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { etcdEdgeSubcommand, flagValue, isEtcdArgv, processAlive, readCmdline, readCwd, readEnviron, readPidFile, signalPid, waitGone } from './proc.js';
export { findEtcdProcesses } from './proc-scan.js';
export type { EtcdProcess } from './proc-scan.js';
export { writeFileAtomic } from './atomic-file.js';
export type { AtomicWriteOptions } from './atomic-file.js';
export { readUpRecord, removeUpRecord, upRecordPath, writeUpRecord } from './up-record.js';
export type { UpRecord } from './up-record.js';
export { dataDirState, isInitialized } from './data-dir.js';
export type { DataDirState } from './data-dir.js';
export { AUTO_CERT, AUTO_KEY, CA_CERT, CA_KEY, CLIENT_NAME, dataDirLayout, EDGE_AUTO_DIR, EDGE_NAME, PKI_DIR, pkiLayout } from './layout.js';
export type { CertPair, DataDirLayout, PkiLayout } from './layout.js';
export { probeListen } from './ports.js';
export { spawnEtcd } from './etcd-process.js';
export type { EtcdChild, EtcdExit, SpawnEtcdOptions, SpawnFn } from './etcd-process.js';
export { createRestartTracker } from './restart-policy.js';
export type { RestartDecision, RestartPolicy, RestartTracker } from './restart-policy.js';
export { superviseEtcd } from './supervisor.js';
export type { EtcdSupervisor, SupervisionEnd, SupervisionResult, SupervisorState, SuperviseOptions } from './supervisor.js';
export { dyingWithParent, hasSetpriv } from './parent-death.js';
export { archiveDir, restoreDir } from './archive-dir.js';
