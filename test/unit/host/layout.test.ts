// The data-dir layout every command reads: members' dirs, logs and pid files, the proxy's state, up's records
// and the PKI that `up --tls` writes and `plan` prints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataDirLayout, pkiLayout } from '../../../host/layout.js';

const l = dataDirLayout('/var/lib/edge');
const cases: { name: string; got: string; want: string }[] = [
  { name: 'default member data dir', got: l.memberDataDir('infra1'), want: '/var/lib/edge/infra1.etcd' },
  { name: 'declared relative member data dir', got: l.memberDataDir('infra1', 'data/one'), want: '/var/lib/edge/data/one' },
  { name: 'declared absolute member data dir', got: l.memberDataDir('infra1', '/srv/etcd'), want: '/srv/etcd' },
  { name: 'member log', got: l.memberLog('infra1'), want: '/var/lib/edge/logs/infra1.log' },
  { name: 'member pid file', got: l.memberPidFile('infra1'), want: '/var/lib/edge/infra1.pid' },
  { name: 'proxy log', got: l.proxyLog, want: '/var/lib/edge/logs/proxy.log' },
  { name: 'proxy cluster file', got: l.proxy.cluster, want: '/var/lib/edge/proxy/cluster' },
  { name: 'proxy pid file', got: l.proxy.pid, want: '/var/lib/edge/proxy/pid' },
  { name: 'up record', got: l.upRecord, want: '/var/lib/edge/up.json' },
  { name: 'removed members', got: l.removedMembers, want: '/var/lib/edge/removed-members.json' },
  { name: 'CA cert', got: l.pki.caCert, want: '/var/lib/edge/pki/ca.crt' },
  { name: 'CA key', got: l.pki.caKey, want: '/var/lib/edge/pki/ca.key' },
  { name: 'client cert', got: l.pki.client.certFile, want: '/var/lib/edge/pki/client.crt' },
  { name: 'edge key', got: l.pki.edge.keyFile, want: '/var/lib/edge/pki/edge.key' },
  { name: 'edge auto-TLS cert', got: l.pki.edgeAuto.certFile, want: '/var/lib/edge/pki/edge-auto/cert.pem' },
  { name: 'member cert', got: l.pki.member('infra1').certFile, want: '/var/lib/edge/pki/members/infra1.crt' },
  { name: 'member peer key', got: l.pki.memberPeer('infra1').keyFile, want: '/var/lib/edge/pki/members/infra1-peer.key' },
  { name: 'relative data dir stays relative (plan prints it)', got: pkiLayout('.etcd-edge').membersDir, want: '.etcd-edge/pki/members' },
];
for (const c of cases) test(c.name, () => assert.equal(c.got, c.want));
