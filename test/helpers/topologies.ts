// Topology files shared by the unit and e2e tests: the seed example and one file per documented mistake.

/** The seed example: infra0/1/2 at 10.0.1.10-12 on 2379/2380. */
export const SEED = `
cluster-token: etcd-cluster-1
hosts:
  infra0:
    address: 10.0.1.10
    member:
      listen-client-urls: [http://10.0.1.10:2379, http://127.0.0.1:2379]
  infra1:
    address: 10.0.1.11
    member: {}
  infra2:
    address: 10.0.1.12
    member:
      name: infra2
      initial-advertise-peer-urls: http://10.0.1.12:2380
      advertise-client-urls: [http://10.0.1.12:2379, http://203.0.113.12:2379]
      listen-client-urls: http://0.0.0.0:2379
`;

/** Each documented mistake, as a topology file; `re` must match the message. */
export const BAD_TOPOLOGIES: { name: string; yaml: string; re: RegExp }[] = [
  { name: 'name not in initial-cluster', re: /member "infra2" is not in initial-cluster/, yaml: `
initial-cluster: infra0=http://127.0.0.1:PORT3,infra1=http://127.0.0.1:PORT4
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}
  b: {member: {name: infra1, listen-peer-urls: http://127.0.0.1:PORT4, listen-client-urls: http://127.0.0.1:PORT1}}
  c: {member: {name: infra2, listen-peer-urls: http://127.0.0.1:PORT5, listen-client-urls: http://127.0.0.1:PORT2}}` },
  { name: 'advertised peer URL differs from initial-cluster', re: /advertises peer URLs "http:\/\/127.0.0.1:\d+" but initial-cluster lists "http:\/\/localhost:\d+"/, yaml: `
initial-cluster: infra0=http://localhost:PORT3
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}` },
  { name: 'hostname in a listen URL', re: /has the hostname "infra0.example.test"; etcd needs an IP/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://infra0.example.test:PORT3, initial-advertise-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}` },
  { name: 'loopback advertise-client-urls in a multi-host cluster', re: /is a loopback address, but other hosts must reach this member/, yaml: `
hosts:
  a: {address: 10.0.1.10, member: {advertise-client-urls: http://127.0.0.1:2379, listen-client-urls: http://10.0.1.10:2379}}
  b: {address: 10.0.1.11, member: {}}
  c: {address: 10.0.1.12, member: {}}` },
  { name: 'duplicate names', re: /duplicate member name "infra0"/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}
  b: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT4, listen-client-urls: http://127.0.0.1:PORT1}}` },
  { name: 'duplicate ports on one address', re: /port \d+ on 127.0.0.1 is used twice/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}
  b: {member: {name: infra1, listen-peer-urls: http://127.0.0.1:PORT4, listen-client-urls: http://127.0.0.1:PORT0}}` },
  { name: 'unknown key', re: /unknown key "listen-peer-url"/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-url: http://127.0.0.1:PORT3}}` },
  { name: 'malformed URL', re: /malformed URL "http:\/\/127.0.0.1"/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-urls: "http://127.0.0.1", listen-client-urls: http://127.0.0.1:PORT0}}` },
  { name: 'two bootstrap methods', re: /multiple bootstrap keys are set/, yaml: `
initial-cluster: infra0=http://127.0.0.1:PORT3
discovery: http://127.0.0.1:1/abc
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}` },
  { name: 'a role without a member', re: /hosts\.w\.role: a role needs a member: section/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}
  w: {role: proxy, proxy: {listen-client-urls: http://127.0.0.1:PORT1}}` },
  { name: 'an unknown role', re: /hosts\.w\.role: invalid value "learner"/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}
  w: {role: learner, member: {name: w, listen-peer-urls: http://127.0.0.1:PORT4, listen-client-urls: http://127.0.0.1:PORT1}}` },
  { name: 'a proxy-role member in initial-cluster', re: /member "w" is on a host with role: proxy, but initial-cluster lists it/, yaml: `
initial-cluster: infra0=http://127.0.0.1:PORT3,w=http://127.0.0.1:PORT4
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}
  w: {role: proxy, member: {name: w, listen-peer-urls: http://127.0.0.1:PORT4, listen-client-urls: http://127.0.0.1:PORT1}}` },
  { name: 'a proxy-role member named like a member', re: /duplicate member name "infra0"/, yaml: `
hosts:
  a: {member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT3, listen-client-urls: http://127.0.0.1:PORT0}}
  w: {role: proxy, member: {name: infra0, listen-peer-urls: http://127.0.0.1:PORT4, listen-client-urls: http://127.0.0.1:PORT1}}` },
];

