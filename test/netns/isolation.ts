// Checks the bed's isolation promises from inside every namespace: no default route (the kernel sends nothing
// beyond the two /24s), no IPv6 address, no forwarding, loopback up, bridges without addresses.
import type { Bed, HostSpec } from './bed.js';

const PROBE = [
  'echo "default: $(ip -4 route show default)"',
  'echo "ipv6: $(ip -6 -o addr show)"',
  'echo "forward: $(cat /proc/sys/net/ipv4/ip_forward)"',
  'echo "lo: $(ip -o link show lo)"',
  'echo "routes: $(ip -4 route show | cut -d" " -f1 | sort | tr "\\n" " ")"',
].join('; ');

/** Returns every isolation problem found in the hosts and the switch (empty when the bed is sealed). */
export async function isolationProblems(bed: Bed, hosts: readonly HostSpec[]): Promise<string[]> {
  const problems: string[] = [];
  for (const h of hosts) {
    const r = await bed.exec(h.name, 'sh', ['-c', PROBE]);
    const field = (k: string): string => new RegExp(`^${k}: (.*)$`, 'm').exec(r.stdout)?.[1]?.trim() ?? '?';
    if (field('default') !== '') problems.push(`${h.name}: default route ${field('default')}`);
    if (field('ipv6') !== '') problems.push(`${h.name}: IPv6 addresses ${field('ipv6')}`);
    if (field('forward') !== '0') problems.push(`${h.name}: ip_forward=${field('forward')}`);
    if (!/[<,]UP[,>]/.test(field('lo'))) problems.push(`${h.name}: lo is not up`);
    const want = [h.private && '10.231.0.0/24', h.public && '10.232.0.0/24'].filter(Boolean).sort().join(' ');
    if (field('routes') !== want) problems.push(`${h.name}: routes ${JSON.stringify(field('routes'))}, expected ${JSON.stringify(want)}`);
  }
  const sw = await bed.execSwitch('sh', ['-c', 'ip -o addr show dev brpriv; ip -o addr show dev brpub; ip -4 route show; cat /proc/sys/net/ipv4/ip_forward']);
  if (sw.stdout.trim() !== '0') problems.push(`switch: addresses, routes or forwarding: ${JSON.stringify(sw.stdout.trim())}`);
  for (const l of bed.rootLinkChanges()) problems.push(`root namespace: ${l}`);
  return problems;
}
