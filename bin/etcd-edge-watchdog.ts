// Entry point of the watchdog `up` starts (cluster/watchdog.ts): waits for USR2 (its up died), then stops the
// members in order and exits; TERM (up stopped them itself) ends it at once. Not a user command.
import { stopMembersInOrder, WATCHDOG_READY } from '../cluster/watchdog.js';
import type { WatchdogSpec } from '../cluster/watchdog.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as WatchdogSpec;
const keepAlive = setInterval(() => undefined, 1 << 30);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  stopMembersInOrder(spec).then(() => process.exit(0), () => process.exit(1)).finally(() => clearInterval(keepAlive));
};
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => undefined);
process.on('SIGUSR2', stop);
process.stdout.write(`${WATCHDOG_READY}\n`);
// up died before the parent-death signal was armed: the watchdog now has another parent.
if (process.ppid !== spec.upPid) stop();
