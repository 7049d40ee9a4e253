// The DNS server component: one UDP socket and one TCP listener on the same address and port, answering from a
// fixed zone. Malformed packets get FORMERR (or are dropped); no packet can stop the server.
import dgram from 'node:dgram';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { EdgeError } from '../core/errors.js';
import { lifecycleGuard, throwIfAborted } from '../core/lifecycle.js';
import type { Component } from '../core/lifecycle.js';
import { errFields, noopLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { formatHostPort, listen } from '../core/net.js';
import type { HostPort } from '../core/net.js';
import { formErr, respond } from './answer.js';
import type { Zone } from './zone.js';

/** What the server needs. */
export interface DnsServerConfig {
  readonly listenAddr: HostPort;
  readonly zone: Zone;
  /** A TCP connection idle this long is closed. */
  readonly tcpIdleMs: number;
}

/** A running (or not yet started) DNS server. */
export interface DnsServer extends Component {
  /** The bound address (UDP and TCP share it); throws before start(). */
  address(): AddressInfo;
}

/** Seams for tests. */
export interface DnsServerDeps {
  readonly logger?: Logger;
}

function bindUdp(sock: dgram.Socket, addr: HostPort): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new EdgeError('EDGE_LISTEN_FAILED', `listen udp ${JSON.stringify(formatHostPort(addr))}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message}`, {
        hint: err.code === 'EACCES' ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE; pass --listen-addr with another port' : 'pass --listen-addr with a free port', cause: err,
      }));
    };
    sock.once('error', onError);
    sock.bind(addr.port, addr.host, () => { sock.off('error', onError); resolve(sock.address()); });
  });
}

function serveTcp(socket: net.Socket, zone: Zone, idleMs: number, log: Logger): void {
  let buf = Buffer.alloc(0);
  socket.setTimeout(idleMs, () => socket.destroy());
  socket.on('error', (err) => log.debug(errFields(err), 'tcp connection error'));
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      const out = respond(zone, msg, 'tcp') ?? formErr(msg);
      if (!out) { socket.destroy(); return; }
      const frame = Buffer.alloc(2 + out.length);
      frame.writeUInt16BE(out.length, 0);
      out.copy(frame, 2);
      socket.write(frame);
    }
  });
}

/** Creates the DNS server; start() binds UDP first, then TCP on the same port. */
export function createDnsServer(config: Readonly<DnsServerConfig>, deps: DnsServerDeps = {}): DnsServer {
  const log = (deps.logger ?? noopLogger()).child({ component: 'dns' });
  const guard = lifecycleGuard('dns server');
  const newUdp = (): dgram.Socket => {
    const sock = dgram.createSocket(net.isIPv6(config.listenAddr.host) ? 'udp6' : 'udp4');
    sock.on('message', (msg, rinfo) => {
      try {
        const out = respond(config.zone, msg, 'udp');
        if (out) sock.send(out, rinfo.port, rinfo.address, (err) => { if (err) log.debug(errFields(err), 'udp send failed'); });
      } catch (err) {
        log.warn(errFields(err), 'query failed');
      }
    });
    return sock;
  };
  let udp = newUdp();
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    serveTcp(s, config.zone, config.tcpIdleMs, log);
  });
  let bound: AddressInfo | undefined;
  // Port 0 picks a free UDP port, whose TCP twin may be taken on a busy machine: try a few other free ports then.
  const bindBoth = async (): Promise<AddressInfo> => {
    for (let attempt = 1; ; attempt++) {
      const u = await bindUdp(udp, config.listenAddr);
      try {
        return await listen(tcp, { host: config.listenAddr.host, port: u.port }, '--listen-addr');
      } catch (err) {
        if (config.listenAddr.port !== 0 || attempt >= 10) throw err;
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        udp = newUdp();
      }
    }
  };
  return {
    address() {
      if (!bound) throw new EdgeError('EDGE_USAGE', 'dns server is not started');
      return bound;
    },
    async start(opts = {}) {
      guard.beginStart();
      throwIfAborted(opts.signal, 'dns server start');
      bound = await bindBoth();
      udp.on('error', (err) => log.warn(errFields(err), 'udp socket error'));
      log.info({ address: formatHostPort({ host: bound.address, port: bound.port }), domain: config.zone.domain, srvRecords: [...config.zone.srv.keys()] }, 'dns server ready');
    },
    close() {
      return guard.closeOnce(async () => {
        // Order: stop answering UDP, stop accepting TCP, then drop open TCP connections (queries are one round trip).
        if (bound === undefined) { try { udp.close(); } catch { /* never bound */ } return; }
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
      });
    },
  };
}
