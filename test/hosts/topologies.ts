// The hosts and topology files of the multi-host tests: the seed deployments with bed addresses (10.231.0.0/24
// private, 10.232.0.0/24 public) in place of 10.0.1.10-12, every member on the classic ports 2379/2380.
import type { HostSpec } from '../netns/bed.js';

/** Private addresses of the three members. */
export const INFRA = { infra0: '10.231.0.10', infra1: '10.231.0.11', infra2: '10.231.0.12' } as const;
/** The gateway host: on both networks. */
export const GW = { private: '10.231.0.30', public: '10.232.0.30' } as const;
/** The client host: public network only. */
export const CLIENT = '10.232.0.40';
/** The DNS host of the SRV bed: on both networks, so every host can reach it. */
export const DNS = { private: '10.231.0.53', public: '10.232.0.53' } as const;
/** The test zone. */
export const DOMAIN = 'example.test';

/** Every member's client endpoint as host:port. */
export const MEMBER_ENDPOINTS = Object.values(INFRA).map((ip) => `${ip}:2379`);
/** The static initial cluster, as a standalone proxy takes it. */
export const INITIAL_CLUSTER = Object.entries(INFRA).map(([n, ip]) => `${n}=http://${ip}:2380`).join(',');

/** The worker that runs a standalone etcd-edge proxy and is promoted to a member in scenario 6. */
export const WORKER2 = '10.231.0.22';

/** The hosts of the static bed: three members, three workers with local proxies, a gateway and a client. */
export const STATIC_HOSTS: readonly HostSpec[] = [
  { name: 'infra0', private: INFRA.infra0 }, { name: 'infra1', private: INFRA.infra1 }, { name: 'infra2', private: INFRA.infra2 },
  { name: 'worker0', private: '10.231.0.20' }, { name: 'worker1', private: '10.231.0.21' }, { name: 'worker2', private: WORKER2 },
  { name: 'gw', private: GW.private, public: GW.public }, { name: 'client', public: CLIENT },
];

/** The static topology: members from their host addresses, local proxies on the workers, a loopback gateway on gw. */
export function staticTopology(token: string): string {
  return `# written by test/hosts/static.test.ts
cluster-token: ${token}
hosts:
  infra0:
    address: ${INFRA.infra0}
    member:
      listen-client-urls: [http://${INFRA.infra0}:2379, http://127.0.0.1:2379]
  infra1:
    address: ${INFRA.infra1}
    member: {}
  infra2:
    address: ${INFRA.infra2}
    member: {}
  worker0:
    address: 10.231.0.20
    proxy:
      listen-client-urls: http://127.0.0.1:2379
  worker1:
    address: 10.231.0.21
    proxy:
      listen-client-urls: http://127.0.0.1:2379
      proxy: readonly
  gw:
    addresses: [${GW.private}, ${GW.public}]
    gateway:
      listen-addr: 127.0.0.1:23790
`;
}

/** The hosts of the SRV bed: a DNS host, three members, the gateway and a client, each resolving through the DNS host. */
export const DNS_HOSTS: readonly HostSpec[] = [
  { name: 'dns', private: DNS.private, public: DNS.public, nameserver: '127.0.0.1' },
  ...Object.entries(INFRA).map(([name, ip]) => ({ name, private: ip, nameserver: DNS.private })),
  { name: 'gw', private: GW.private, public: GW.public, nameserver: DNS.private },
  { name: 'client', public: CLIENT, nameserver: DNS.public },
];

/**
 * The SRV topology: `bootstrap: dns` with TLS peers (etcd 3.4 bootstraps only from _etcd-server-ssl records,
 * gotcha 1), hostnames in the advertise URLs and IPs in the listen URLs (gotcha 4), plain-http clients.
 */
export function dnsTopology(token: string): string {
  const member = (name: string, ip: string): string => `  ${name}:
    address: ${ip}
    member:
      listen-peer-urls: https://${ip}:2380
      initial-advertise-peer-urls: https://${name}.${DOMAIN}:2380
      listen-client-urls: http://${ip}:2379
      advertise-client-urls: http://${name}.${DOMAIN}:2379
`;
  return `# written by test/hosts/dns.test.ts
cluster-token: ${token}
bootstrap: dns
discovery-srv: ${DOMAIN}
tls: auto
hosts:
${Object.entries(INFRA).map(([n, ip]) => member(n, ip)).join('')}  dns:
    addresses: [${DNS.private}, ${DNS.public}]
  gw:
    addresses: [${GW.private}, ${GW.public}]
  client:
    address: ${CLIENT}
`;
}
