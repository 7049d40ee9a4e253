// Pure: the etcd command line and environment of the joining member. Everything goes in flags and the env is
// built from scratch, because etcd exits when an ETCD_* variable duplicates a flag (etcd-behavior.md §6.5).
import type { PromoteConfig } from './config.js';
import type { EtcdBinary } from '../etcd/index.js';

/** Returns the etcd argv for the new member, joining with state existing and the add's initial cluster. */
export function joinArgs(cfg: Pick<PromoteConfig, 'name' | 'memberDataDir' | 'peerUrls' | 'clientUrls' | 'listenPeerUrls' | 'listenClientUrls' | 'extraEtcdArgs'>,
  initialCluster: string, etcd: Pick<EtcdBinary, 'hasV2' | 'needsZapFlag'>): string[] {
  const args = [
    `--name=${cfg.name}`,
    `--data-dir=${cfg.memberDataDir}`,
    `--listen-peer-urls=${cfg.listenPeerUrls.join(',')}`,
    `--initial-advertise-peer-urls=${cfg.peerUrls.join(',')}`,
    `--listen-client-urls=${cfg.listenClientUrls.join(',')}`,
    `--advertise-client-urls=${cfg.clientUrls.join(',')}`,
    // Ignored by etcd once the data dir holds a WAL, so restarts can reuse the same argv.
    `--initial-cluster=${initialCluster}`,
    '--initial-cluster-state=existing',
  ];
  // Same choices as `up`: the v2 API for v2 proxies in front (3.4/3.5 only), JSON logs on 3.4.
  if (etcd.hasV2) args.push('--enable-v2=true');
  if (etcd.needsZapFlag) args.push('--logger=zap', '--log-outputs=stderr');
  return [...args, ...cfg.extraEtcdArgs];
}

