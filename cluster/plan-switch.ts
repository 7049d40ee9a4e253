// Pure: the role switch of a host, as `plan` prints it. A host with role: proxy runs a proxy and gets the one
// `etcd-edge promote` command that turns it into its declared member; a member host of a cluster with more than
// one member gets the `etcd-edge demote` command that turns it back into a proxy. Both use the paths `up` and
// `plan` use, so after the switch the host's new role: starts from the same data dir.
import path from 'node:path';
import type { MemberTls } from '../core/edge.js';
import { shellLine } from '../core/cli.js';
import { memberFlags } from './args.js';
import type { EdgeTlsDefaults } from './edge.js';
import { withDefaults } from './edge.js';
import type { HostDecl, Topology } from './topology.js';
import { membersOf } from './validate.js';
import { CA_CERT, dataDirLayout, pkiLayout } from '../host/index.js';

/** The files plan assumes for TLS, the same layout `up --tls` creates under <data-dir>/pki. */
export interface PlanTls {
  readonly member: (name: string) => MemberTls | undefined;
  readonly edge: EdgeTlsDefaults | undefined;
  /** etcdctl-style flags for commands that reach the members. */
  readonly clientFlags: readonly string[];
}

/** The directory of the cluster's one CA as plan names it: the topology's ca: (relative to the file), else <data-dir>/ca. */
export function planCaDir(t: Topology, stateDir: string): string {
  if (t.ca === undefined) return path.posix.join(stateDir, 'ca');
  return path.posix.isAbsolute(t.ca) ? t.ca : path.posix.join(path.posix.dirname(t.source), t.ca);
}

/** The TLS files `up` would use: etcd's auto-TLS, or the CA-issued files under <data-dir>/pki. */
export function planTls(t: Topology, stateDir: string): PlanTls {
  if (t.tls === 'none') return { member: () => undefined, edge: undefined, clientFlags: [] };
  if (t.tls === 'auto') {
    return {
      member: () => ({ mode: 'auto' }),
      edge: { peer: { 'peer-auto-tls': 'true' }, client: { insecureSkipVerify: true }, server: { 'cert-file': pkiLayout(stateDir).edgeAuto.certFile, 'key-file': pkiLayout(stateDir).edgeAuto.keyFile } },
      clientFlags: ['--insecure-skip-tls-verify'],
    };
  }
  const pki = pkiLayout(stateDir);
  const client = { caFile: path.posix.join(planCaDir(t, stateDir), CA_CERT), ...pki.client };
  return {
    member: (name) => ({
      mode: 'self-signed', trustedCaFile: client.caFile,
      ...pki.member(name), peerCertFile: pki.memberPeer(name).certFile, peerKeyFile: pki.memberPeer(name).keyFile,
    }),
    edge: {
      peer: { 'peer-cert-file': client.certFile, 'peer-key-file': client.keyFile, 'peer-trusted-ca-file': client.caFile }, client,
      server: { 'cert-file': pki.edge.certFile, 'key-file': pki.edge.keyFile, 'trusted-ca-file': client.caFile, 'client-cert-auth': 'true' },
    },
    clientFlags: [`--cacert=${client.caFile}`, `--cert=${client.certFile}`, `--key=${client.keyFile}`],
  };
}

// What promote sets itself; the rest of the member's flags (TLS, extra-flags) go to etcd after `--`.
const PROMOTE_OWN = new Set(['name', 'data-dir', 'listen-peer-urls', 'initial-advertise-peer-urls', 'listen-client-urls', 'advertise-client-urls',
  'initial-cluster', 'initial-cluster-state', 'initial-cluster-token', 'discovery', 'discovery-srv', 'discovery-srv-name', 'enable-v2', 'logger', 'log-outputs']);

/** The promote steps of a proxy-role host, or the demote steps of a member host; empty when neither applies. */
export function switchLines(h: HostDecl, t: Topology, opts: { stateDir: string; source: string; tls: PlanTls }): string[] {
  const members = membersOf(t);
  const client = opts.tls.clientFlags;
  if (h.standby) {
    const m = h.standby;
    const dataDir = String(withDefaults('proxy', h.proxy ?? {}, t, opts.stateDir)['data-dir']);
    const tls = opts.tls.member(m.name);
    const etcdRest = memberFlags({ topology: t, member: m, etcd: { hasV2: false, needsZapFlag: false }, dataDir: '', initialized: true, ...(tls ? { tls } : {}) })
      .filter(([k]) => !PROMOTE_OWN.has(k)).map(([k, v]) => `--${k}=${v}`);
    const out = [
      `# switch to the member role (role: proxy now). promote checks the cluster's health, adds ${m.name} as a learner, stops`,
      '# this proxy, moves its state away, starts the member, waits until it caught up and promotes it; a failed step is',
      '# rolled back (member removed, proxy state restored, proxy restarted). Run it here, with the proxy running:',
      shellLine(['etcd-edge', 'promote', `--name=${m.name}`, `--peer-urls=${m.initialAdvertisePeerUrls.join(',')}`, `--client-urls=${m.advertiseClientUrls.join(',')}`,
        `--listen-peer-urls=${m.listenPeerUrls.join(',')}`, `--listen-client-urls=${m.listenClientUrls.join(',')}`, `--data-dir=${dataDir}`,
        `--endpoints=${members.flatMap((x) => x.advertiseClientUrls).join(',')}`, ...client, ...(etcdRest.length ? ['--', ...etcdRest] : [])]),
      `# promote keeps the member running until it is stopped. To hand it to the host's service manager: set role: member`,
      `# for ${h.name} in ${opts.source}, stop promote, and start the member with this host's new plan (or etcd-edge up --host ${h.name});`,
      `# it starts from ${dataDirLayout(dataDir).memberDataDir(m.name)} without bootstrap flags.`,
    ];
    if (m.dataDir !== undefined && dataDirLayout(dataDir).memberDataDir(m.name, m.dataDir) !== dataDirLayout(dataDir).memberDataDir(m.name)) {
      out.push(`# warning: the topology puts this member's data in ${m.dataDir}, but promote writes it to ${dataDirLayout(dataDir).memberDataDir(m.name)}: drop member.data-dir, or move the dir after the switch`);
    }
    return [...out, ''];
  }
  if (h.member && members.length > 1) {
    const m = h.member;
    const others = members.filter((x) => x !== m).flatMap((x) => x.advertiseClientUrls);
    // up already runs this host's proxy on the same data dir, and that proxy follows the cluster: demote must not
    // start a second one (it refuses to), only remove and stop the member.
    const upProxy = h.proxy !== undefined;
    return [
      '# switch to the proxy role: run demote here while the member runs. It moves leadership away, removes the member',
      '# (etcd then exits by itself with status 0, which neither up nor systemd\'s Restart=on-failure restarts), archives',
      upProxy ? '# its data dir; the proxy `up` runs on this host keeps serving (--start-proxy=false):' : '# its data dir and starts an etcd-edge proxy on its listen client URLs:',
      shellLine(['etcd-edge', 'demote', `--name=${m.name}`, `--data-dir=${opts.stateDir}`, `--endpoints=${others.join(',')}`, ...client, ...(upProxy ? ['--start-proxy=false'] : [])]),
      `# then set role: proxy for ${h.name} in ${opts.source}. ${members.length - 1} members are left: the cluster ${members.length - 1 >= 3 ? 'still tolerates a failure' : 'tolerates no failure'}.`,
      '',
    ];
  }
  return [];
}
