// host/parent-death.ts: the setpriv wrapper that makes a member die with (or be signalled at) its parent's death.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dyingWithParent } from '../../../host/parent-death.js';

test('dyingWithParent runs etcd through setpriv --pdeathsig TERM when setpriv exists, and etcd as is otherwise', () => {
  assert.deepEqual(dyingWithParent('/usr/bin/etcd', ['--name=a', '--data-dir=/d'], '/usr/bin/setpriv'),
    ['/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', '/usr/bin/etcd', '--name=a', '--data-dir=/d']]);
  assert.deepEqual(dyingWithParent('/usr/bin/etcd', ['--name=a'], false), ['/usr/bin/etcd', ['--name=a']]);
  assert.deepEqual(dyingWithParent('/usr/bin/etcd', ['--name=a'], '/usr/bin/setpriv', 'USR2'),
    ['/usr/bin/setpriv', ['--pdeathsig', 'USR2', '--', '/usr/bin/etcd', '--name=a']], 'USR2 (ignored by etcd) while a watchdog orders the stop');
});
