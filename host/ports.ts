// The one free-port probe: bind host:port exclusively and release it at once, to tell before starting anything
// whether etcd (which would only log and exit) or one of our listeners could bind there.
import net from 'node:net';

/** Binds and releases host:port ('localhost' means 127.0.0.1); resolves to the bind error, or undefined when free. */
export function probeListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e));
    s.listen({ host: host === 'localhost' ? '127.0.0.1' : host, port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}
