// host/: what etcd-edge knows about this machine (processes, pid files, the data-dir layout, atomic files, ports,
// backoff). A leaf package: it imports core/ only, and every component may import it through this file.
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
