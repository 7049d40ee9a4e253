// Ports for the bench, chosen at run time below the kernel's ephemeral range: a bench opens tens of thousands of
// outgoing connections, and one of them could otherwise take a port the bench means to (re)bind.
import net from 'node:net';
import { ephemeralPortStart } from './procfs.js';

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Returns the first of `count` consecutive free ports on 127.0.0.1, between 10000 and the ephemeral range. */
export async function freePortBlock(count: number): Promise<number> {
  const top = ephemeralPortStart() - count;
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * Math.max(1, top - 10_000));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports below ${top + count}`);
}
