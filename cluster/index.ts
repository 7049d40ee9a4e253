// The cluster component's public surface: the bundled/topology cluster, `up`, `plan` and `status`.
export { createCluster } from './cluster.js';
export type { Cluster, ClusterConfig, ClusterMemberConfig, ClusterEvent } from './cluster.js';
export { upMain, UP_FLAGS, loadTopology } from './up.js';
export type { UpDeps } from './up.js';
export type { EdgeComponent, EdgeFactory, EdgeFactories } from './edge.js';
export { planMain } from './plan.js';
export { statusMain } from './status-cli.js';
export { parseTopology, bundledTopology } from './topology.js';
export type { Topology, HostDecl, MemberDecl, TlsMode } from './topology.js';
