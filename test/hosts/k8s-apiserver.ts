// A stand-in for the Kubernetes API server, run in the bed's `api` host: over TLS it answers the one request the
// generated preStop makes, GET the scale of a StatefulSet, from a file per StatefulSet that the test rewrites as
// `kubectl scale` would change spec.replicas. Requests without the ServiceAccount token get 401, as RBAC would.
// Usage: node k8s-apiserver.js LISTEN_IP:PORT CERT KEY TOKEN_FILE STATE_DIR
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import path from 'node:path';

const [listen = '', cert = '', key = '', tokenFile = '', stateDir = ''] = process.argv.slice(2);
const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))];
const token = readFileSync(tokenFile, 'utf8').trim();
const SCALE = /^\/apis\/apps\/v1\/namespaces\/([a-z0-9-]+)\/statefulsets\/([a-z0-9-]+)\/scale$/;

function replicasOf(ns: string, name: string): number | undefined {
  try {
    return Number(readFileSync(path.join(stateDir, `${ns}.${name}`), 'utf8').trim());
  } catch {
    return undefined;
  }
}

const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const url = (req.url ?? '').split('?')[0] ?? '';
  const send = (status: number, body: unknown): void => {
    process.stderr.write(`${req.method ?? '?'} ${url} ${status}\n`);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url === '/version') return send(200, { major: '1', minor: '34', gitVersion: 'v1.34.1' });
  if (req.headers.authorization !== `Bearer ${token}`) return send(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
  const m = SCALE.exec(url);
  const replicas = m && req.method === 'GET' ? replicasOf(m[1] as string, m[2] as string) : undefined;
  if (!m || replicas === undefined) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  // Compact JSON, spec before status, and replicas omitted when 0 (omitempty), as the real API server sends it.
  return send(200, {
    kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: m[2], namespace: m[1] },
    spec: replicas === 0 ? {} : { replicas }, status: { replicas },
  });
});
server.listen(port, host, () => process.stderr.write(`apiserver ready on ${listen}\n`));
