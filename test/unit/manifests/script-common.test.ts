// The shared script prelude and the command escaping: every generated script is valid POSIX sh for dash, and
// Kubernetes' $(VAR) expansion of the escaped container command gives back the script byte for byte.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { escapeForCommand, prelude } from '../../../manifests/script-common.js';
import { memberScript } from '../../../manifests/script.js';
import { preStopScript } from '../../../manifests/prestop.js';
import { livenessScript } from '../../../manifests/probes.js';
import { toolsScript } from '../../../manifests/tools.js';
import { expandK8s } from '../../helpers/kubelet.js';
import { requireTool } from '../../helpers/etcd.js';

// busybox ash runs the scripts in the pod (the tools init container), dash is Debian's /bin/sh: both must parse them.
requireTool('dash', 'dash');
requireTool('busybox', 'busybox-static');
const SHELLS: readonly (readonly string[])[] = [['dash'], ['busybox', 'sh']];
const env = { POD_NAME: 'etcd-0', POD_NAMESPACE: 'default', POD_IP: '10.0.0.1', SERVICE_NAME: 'etcd', DATA_DIR: '/var/run/etcd/data' };

for (const tls of [false, true]) {
  const scripts = [['member', memberScript({ tls })], ['preStop', preStopScript({ tls })], ['liveness', livenessScript({ tls })], ['tools', toolsScript()]] as const;
  for (const [what, script] of scripts) {
    test(`${what} script (tls ${tls}) parses with dash -n and busybox sh -n and uses no bash-only syntax`, () => {
      for (const [sh, ...args] of SHELLS) execFileSync(sh as string, [...args, '-n'], { input: script });
      const code = script.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
      assert.doesNotMatch(code, /\[\[|^\s*function\s|(^|[\s;])(local|source|declare|let)\s|\$\{[A-Za-z_]+\[|<<<|\s==\s|\$'/m, 'no bash-isms');
    });
    test(`${what} script (tls ${tls}) survives Kubernetes' $(VAR) expansion once escaped`, () => {
      assert.equal(expandK8s(escapeForCommand(script), env), script);
    });
  }
}

test('unescaped, the expansion would rewrite the script: a $(VAR) reference and $$ change', () => {
  const s = 'echo "$(POD_NAME)" $$';
  assert.equal(expandK8s(s, env), 'echo "etcd-0" $');
  assert.equal(expandK8s(escapeForCommand(s), env), s);
});

const kube: { name: string; input: string; out: string }[] = [
  { name: 'a defined variable', input: 'a$(POD_IP)b', out: 'a10.0.0.1b' },
  { name: 'an undefined variable stays', input: '$(NOPE)', out: '$(NOPE)' },
  { name: 'an escaped reference', input: '$$(POD_IP)', out: '$(POD_IP)' },
  { name: 'a lone dollar', input: '$x $', out: '$x $' },
  { name: 'an unclosed reference', input: '$(POD_IP', out: '$(POD_IP' },
];
for (const c of kube) test(`Kubernetes expansion: ${c.name}`, () => assert.equal(expandK8s(c.input, env), c.out));

test('the TLS prelude passes the pod certificate to etcdctl and requires TLS_DIR', () => {
  assert.match(prelude({ tls: true }), /--cacert="\$TLS_DIR\/ca\.crt" --cert="\$TLS_DIR\/\$name\.crt" --key="\$TLS_DIR\/\$name\.key"/);
  assert.match(prelude({ tls: true }), /require TLS_DIR/);
  assert.doesNotMatch(prelude({ tls: false }), /TLS_DIR|https/);
});
