// Ports chosen at run time: a random block of consecutive free ports on 127.0.0.1, never etcd's defaults.
import net from 'node:net';

function free(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Returns the first port of `count` consecutive ports that are free on host (default 127.0.0.1). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
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
