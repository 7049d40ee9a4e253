// Ports chosen at run time: a random block of consecutive free ports on 127.0.0.1 below the ephemeral range,
// never etcd's defaults.
import { readFileSync } from 'node:fs';
import net from 'node:net';

function free(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The lowest port the kernel hands out for outgoing connections (Linux default 32768). */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 12_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Returns the first port of `count` consecutive ports that are free on host (default 127.0.0.1). Ports come
 * from below the ephemeral range: a port found free there can still be taken by an outgoing connection
 * (etcd's peer dials, etcdctl) before the test binds it.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number> {
  const top = ephemeralStart() - count;
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (top - 10_000));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await free(p, host);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Returns one free port. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return freePorts(1, host);
}
