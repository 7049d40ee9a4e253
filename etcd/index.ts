// The etcd leaf package: what the edge knows about talking to etcd (the v3 JSON client and the peer /members
// endpoint, v2 discovery, DNS SRV records, binary detection). It imports core/ only; every component may import it.
export * from './etcd-client.js';
export * from './discovery-client.js';
export * from './srv.js';
export * from './etcd-binary.js';
export * from './initial-cluster.js';
