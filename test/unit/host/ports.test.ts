// The free-port probe: a port we hold is reported in use, the same port released is free again.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { probeListen } from '../../../host/ports.js';

test('a held port gives EADDRINUSE; once released it is free', async () => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const { port } = s.address() as net.AddressInfo;
  try {
    assert.equal((await probeListen('127.0.0.1', port))?.code, 'EADDRINUSE');
    assert.equal((await probeListen('localhost', port))?.code, 'EADDRINUSE', 'localhost is probed as 127.0.0.1');
  } finally {
    await new Promise((r) => s.close(r));
  }
  assert.equal(await probeListen('127.0.0.1', port), undefined);
});

test('an address this machine does not have gives EADDRNOTAVAIL', async () => {
  assert.equal((await probeListen('192.0.2.1', 0))?.code, 'EADDRNOTAVAIL');
});
