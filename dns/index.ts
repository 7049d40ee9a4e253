// The dns component's public surface: an authoritative DNS server for etcd's SRV discovery records.
export { dnsMain, loadZone } from './cli.js';
export { createDnsServer } from './server.js';
export type { DnsServer, DnsServerConfig, DnsServerDeps } from './server.js';
export { parseDnsFlags, DNS_FLAGS } from './config.js';
export type { DnsServeConfig } from './config.js';
export { buildZone } from './zone.js';
export type { Zone, SrvData } from './zone.js';
export { answerQuery, respond } from './answer.js';
