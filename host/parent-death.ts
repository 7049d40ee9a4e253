// A child that dies with its parent: util-linux's setpriv sets PR_SET_PDEATHSIG and execs the program (same pid),
// so a member gets a signal even when the process that spawned it is SIGKILLed.
import { existsSync } from 'node:fs';

/** util-linux's setpriv, in Debian's essential set. */
const SETPRIV = '/usr/bin/setpriv';

/**
 * The command that runs etcd so that it gets SIGTERM when the process that spawned it dies, even by SIGKILL
 * (setpriv --pdeathsig sets PR_SET_PDEATHSIG and execs etcd, same pid). Without setpriv, etcd as is. With
 * signal USR2 (which etcd ignores) the death is left to a watchdog that stops the members in order.
 */
export function dyingWithParent(bin: string, args: readonly string[], setpriv: string | false = existsSync(SETPRIV) ? SETPRIV : false,
  signal: 'TERM' | 'USR2' = 'TERM'): [string, string[]] {
  return setpriv ? [setpriv, ['--pdeathsig', signal, '--', bin, ...args]] : [bin, [...args]];
}

/** Tells whether setpriv (util-linux) is there to set a parent-death signal. */
export function hasSetpriv(): boolean {
  return existsSync(SETPRIV);
}
