// `etcd-edge completion bash|zsh`: the completion script, built from every command's flag specs.
import type { CliMain } from '../core/cli.js';
import { bashCompletion, zshCompletion } from '../core/completion.js';
import type { CompletionCommand } from '../core/completion.js';
import { EdgeError } from '../core/errors.js';

async function completionCommands(): Promise<CompletionCommand[]> {
  const [cluster, status, plan, proxy, gateway, tunnel, certs, discovery, dns, membership, manifests] = await Promise.all([
    import('../cluster/up.js'), import('../cluster/status-cli.js'), import('../cluster/plan.js'), import('../proxy/flags.js'),
    import('../gateway/config.js'), import('../tunnel/config.js'), import('../certs/config.js'), import('../discovery/config.js'),
    import('../dns/config.js'), import('../membership/flags.js'), import('../manifests/config.js'),
  ]);
  const m = membership.MEMBER_FLAGS;
  return [
    { name: 'up', flags: cluster.UP_FLAGS },
    { name: 'plan', flags: plan.PLAN_FLAGS },
    { name: 'status', flags: status.STATUS_FLAGS },
    { name: 'proxy', flags: proxy.PROXY_FLAGS },
    { name: 'gateway', subcommands: { start: gateway.GATEWAY_FLAGS } },
    { name: 'tunnel', flags: tunnel.TUNNEL_FLAGS },
    { name: 'certs', subcommands: Object.fromEntries(Object.entries(certs.CERTS_SPECS).map(([k, v]) => [k, v.specs])) },
    { name: 'discovery', subcommands: { serve: discovery.SERVE_FLAGS, new: discovery.NEW_FLAGS } },
    { name: 'dns', subcommands: { serve: dns.DNS_FLAGS } },
    { name: 'member', subcommands: { add: m, remove: m, promote: m, list: m } },
    { name: 'promote', flags: membership.PROMOTE_FLAGS },
    { name: 'demote', flags: membership.DEMOTE_FLAGS },
    { name: 'manifests', subcommands: { k8s: manifests.K8S_FLAGS } },
    { name: 'completion', subcommands: { bash: {}, zsh: {} } },
    { name: 'version' },
  ];
}

const USAGE = 'usage: etcd-edge completion bash|zsh\n\nPrint a shell completion script. bash: source <(etcd-edge completion bash), or save it as\n/etc/bash_completion.d/etcd-edge. zsh: source <(etcd-edge completion zsh).\n';

/** Runs `etcd-edge completion <bash|zsh>`. */
export const completionMain: CliMain = async (io) => {
  const [shell, ...rest] = io.argv;
  if (shell === '--help' || shell === '-h' || shell === 'help') { io.stdout.write(USAGE); return 0; }
  if (shell === undefined) { io.stdout.write(USAGE); return 2; }
  if ((shell !== 'bash' && shell !== 'zsh') || rest.length > 0) {
    throw new EdgeError('EDGE_USAGE', `unknown shell ${JSON.stringify([shell, ...rest].join(' '))} for "completion"`, { hint: 'use etcd-edge completion bash or etcd-edge completion zsh' });
  }
  const cmds = await completionCommands();
  io.stdout.write(shell === 'bash' ? bashCompletion(cmds, 'etcd-edge') : zshCompletion(cmds, 'etcd-edge'));
  return 0;
};
