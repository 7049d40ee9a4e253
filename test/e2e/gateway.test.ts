// etcd-edge gateway start in front of a real 3-member etcd 3.4 cluster, driven by real etcdctl (gRPC and v2
// HTTP through the same port): put/get/watch, metrics, a killed member, endpoints from a discovery token and
// from SRV records (an in-test DNS server on loopback), and a busy listen address.
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { cleanEnv, runBin } from '../helpers/bin.js';
import { etcdctl, eventually, settledLeader, startBundledCluster } from '../helpers/etcd.js';
import { startSrvDns } from '../helpers/srv-dns.js';
import { DATA_PATHS, httpStatusLine, startGatewayBin } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';



for (const dataPath of DATA_PATHS) {
  test(`gateway start in front of a 3-member cluster [${dataPath}]`, async (t) => {
    const c = await startBundledCluster(t);
    const metricsPort = await freePort();
    const gw = await startGatewayBin(t, ['--data-path', dataPath, 
      '--listen-addr', `127.0.0.1:${await freePort()}`, '--endpoints', c.clientUrls.join(','),
      '--listen-metrics-urls', `http://127.0.0.1:${metricsPort}`, '--endpoints-auto-sync-interval', '2s',
    ]);
    const ports = c.clientUrls.map((u) => new URL(u).port);

    await t.test('the ready line names the listen address and every endpoint', () => {
      const ready = gw.proc.stderr().split('\n').find((l) => l.includes('ready to proxy client requests')) ?? '';
      for (const p of ports) assert.ok(ready.includes(`127.0.0.1:${p}`), ready);
      assert.match(gw.addr, /^127\.0\.0\.1:\d+$/);
    });

    await t.test('etcdctl v3 put/get/watch through the gateway, and the v2 API over the same port', async (t2) => {
      assert.equal((await etcdctl(['--endpoints', gw.addr, 'put', '/gw/a', 'one'])).code, 0);
      assert.equal((await etcdctl(['--endpoints', gw.addr, 'get', '/gw/a', '--print-value-only'])).stdout.trim(), 'one');
      const watch = spawn('etcdctl', ['--endpoints', gw.addr, 'watch', '/gw/w'], { env: cleanEnv({ ETCDCTL_API: '3' }) });
      t2.after(() => watch.kill('SIGKILL'));
      let out = '';
      watch.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      await eventually(async () => {
        await etcdctl(['--endpoints', gw.addr, 'put', '/gw/w', 'v1']);
        return out.includes('PUT\n/gw/w\nv1');
      }, 20_000, 500);
      assert.equal((await etcdctl(['--no-sync', '--endpoints', `http://${gw.addr}`, 'set', '/gw/v2', 'x'], { api: 2 })).code, 0);
    });

    await t.test('metrics and readyz on --listen-metrics-urls', async () => {
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status, 200);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      for (const p of ports) assert.match(text, new RegExp(`etcd_edge_gateway_endpoint_up\\{endpoint="127.0.0.1:${p}"\\} 1`));
      assert.match(text, /etcd_edge_gateway_connections_total [1-9]/);
      assert.match(text, /etcd_edge_gateway_bytes_total\{direction="endpoint_to_client"\} [1-9]/);
    });

    await t.test('a member killed by PID: new connections keep succeeding', async (t2) => {
      const lead = c.clientUrls.indexOf((await settledLeader(c.clientUrls)).endpoint);
      const victim = [0, 1, 2].find((i) => i !== lead) ?? 0;
      const name = `infra${victim + 1}`;
      const pid = c.memberPid(name);
      assert.ok(pid, `pid of ${name}`);
      // `up` restarts a killed member within a second; holding its peer port keeps it down (etcd exits when it
      // cannot bind its peer URL, before it opens its client port).
      const blocker = net.createServer((sock) => sock.destroy());
      t2.after(() => new Promise<void>((r) => blocker.close(() => r())));
      process.kill(pid, 'SIGKILL');
      await eventually(() => new Promise<boolean>((r) => {
        blocker.once('error', () => r(false));
        blocker.listen({ host: '127.0.0.1', port: c.basePort + 3 + victim }, () => r(true));
      }), 5000, 20);
      // The promise is "no client-visible failure after the first second": a connection dialled while the member
      // was dying may be reset, which is the first second's allowance.
      await new Promise((r) => setTimeout(r, 1000));
      // Three back-to-back connections cover every round-robin slot, so one of them is dialled to the dead member.
      const lines = [await httpStatusLine(gw.addr), await httpStatusLine(gw.addr), await httpStatusLine(gw.addr)];
      assert.deepEqual(lines, ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
      assert.match(gw.proc.stderr(), new RegExp(`"address":"127.0.0.1:${ports[victim]}"[^\\n]*"msg":"deactivated endpoint"`));
      for (let i = 0; i < 6; i++) {
        const r = await etcdctl(['--endpoints', gw.addr, 'put', `/gw/k${i}`, 'v']);
        assert.equal(r.code, 0, r.stderr);
      }
    });

    await t.test('--discovery: a token on the cluster\'s own v2 keys API gives the client URLs', async () => {
      const list = await etcdctl(['--endpoints', c.clientUrls[0] ?? '', 'member', 'list']);
      for (const line of list.stdout.trim().split('\n')) {
        const [id, , mname, peer] = line.split(', ');
        const r = await etcdctl(['--no-sync', '--endpoints', c.clientUrls[0] ?? '', 'set', `/discovery/gwtok/${id}`, `${mname}=${peer}`], { api: 2 });
        assert.equal(r.code, 0, r.stderr);
      }
      assert.equal((await etcdctl(['--no-sync', '--endpoints', c.clientUrls[0] ?? '', 'set', '/discovery/gwtok/_config/size', '3'], { api: 2 })).code, 0);
      const dg = await startGatewayBin(t, ['--data-path', dataPath, '--listen-addr', `127.0.0.1:${await freePort()}`, '--discovery', `${c.clientUrls[0] ?? ''}/v2/keys/discovery/gwtok`]);
      const ready = dg.proc.stderr().split('\n').find((l) => l.includes('ready to proxy')) ?? '';
      for (const p of ports) assert.ok(ready.includes(`127.0.0.1:${p}`), ready);
      assert.equal((await etcdctl(['--endpoints', dg.addr, 'get', '/gw/a', '--print-value-only'])).stdout.trim(), 'one');
      assert.equal(await dg.stop(), 0);
    });

    await t.test('--discovery-srv: http records are rejected with a clear error, accepted with --insecure-discovery', async () => {
      const dns = await startSrvDns(t, { '_etcd-client._tcp.gw.test': ports.map((p) => ({ priority: 0, weight: 0, port: Number(p), target: '127.0.0.1' })) });
      const listen = `127.0.0.1:${await freePort()}`;
      const bad = await runBin(['gateway', 'start', '--data-path', dataPath, '--listen-addr', listen, '--discovery-srv', 'gw.test', '--dns-server', dns]);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /error: SRV discovery for "gw\.test" found no usable endpoint: 3 target\(s\), all rejected: http:\/\/127\.0\.0\.1:\d+ \(insecure/);
      assert.match(bad.stderr, /_etcd-client-ssl\._tcp\.gw\.test/);
      assert.match(bad.stderr, /hint: .*--insecure-discovery/);
      assert.doesNotMatch(bad.stderr, /ready to proxy/);
      const sg = await startGatewayBin(t, ['--data-path', dataPath, '--listen-addr', listen, '--discovery-srv', 'gw.test', '--dns-server', dns, '--insecure-discovery']);
      assert.equal((await etcdctl(['--endpoints', sg.addr, 'get', '/gw/a', '--print-value-only'])).stdout.trim(), 'one');
      assert.equal(await sg.stop(), 0);
    });

    await t.test('a busy listen address: a clear error and exit 1', async () => {
      const r = await runBin(['gateway', 'start', '--data-path', dataPath, '--listen-addr', `127.0.0.1:${ports[0]}`, '--endpoints', c.clientUrls[1] ?? '']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /error: listen "127\.0\.0\.1:\d+": address already in use \[EDGE_LISTEN_FAILED\]\nhint: .*--listen-addr/);
    });

    await t.test('a flag and its ETCD_* variable both set: exit 2', async () => {
      const r = await runBin(['gateway', 'start', '--data-path', dataPath, '--retry-delay', '2s'], { env: cleanEnv({ ETCD_RETRY_DELAY: '3s' }) });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /EDGE_CONFIG_CONFLICT/);
    });

    await t.test('SIGTERM: a clean stop, exit 0', async () => {
      assert.equal(await gw.stop(), 0);
      assert.match(gw.proc.stderr(), /"msg":"gateway stopped"/);
    });
  });
}
