// What a tunnel reports about itself: its state, each forward with the address it really bound and its traffic,
// the reconnect count and the last error. Also the warning for forwards that bind every interface.
import { formatHostPort } from '../core/net.js';
import type { Logger } from '../core/log.js';
import { describeForward } from './forward-spec.js';
import type { ForwardKind, ForwardSpec } from './forward-spec.js';
import type { LocalForward } from './local-forward.js';
import type { ForwardStats } from './metrics.js';
import type { RemoteForward } from './remote-forward.js';

/** Where the supervisor is. */
export type TunnelState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** One forward as status() and the ready log line show it. */
export interface ForwardStatus extends ForwardStats {
  readonly kind: ForwardKind;
  /** The canonical spec, also the `forward` label of the metrics. */
  readonly label: string;
  /** `-L 127.0.0.1:23690→127.0.0.1:23790`, with the bound port once known. */
  readonly text: string;
  /** The address really bound (here for L, on the server for R), or undefined while not bound. */
  readonly listen: string | undefined;
  readonly target: string;
  /** True while the forward carries traffic: connected, and for R granted by the server. */
  readonly up: boolean;
}

/** A tunnel's status. */
export interface TunnelStatus {
  readonly state: TunnelState;
  readonly ssh: string;
  readonly forwards: readonly ForwardStatus[];
  readonly reconnects: number;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
}

/** Reports every forward, -L first, in flag order within each kind. */
export function forwardStatus(locals: readonly LocalForward[], remotes: readonly RemoteForward[], connected: boolean): ForwardStatus[] {
  const local = locals.map((l) => {
    const a = l.address();
    return entry(l.spec, a?.port, a ? formatHostPort({ host: a.address, port: a.port }) : undefined, connected && a !== undefined, l.stats());
  });
  const remote = remotes.map((r) => {
    const port = r.boundPort();
    return entry(r.spec, port, port === undefined ? undefined : formatHostPort({ host: r.spec.bind || '*', port }), connected && port !== undefined, r.stats());
  });
  return [...local, ...remote];
}

function entry(spec: ForwardSpec, port: number | undefined, listen: string | undefined, up: boolean, stats: ForwardStats): ForwardStatus {
  return {
    kind: spec.kind, label: spec.label, text: describeForward(spec, port), listen,
    target: formatHostPort({ host: spec.host, port: spec.hostPort }), up, ...stats,
  };
}

/** Logs one warning per forward that binds every interface (the seed's `ssh -g`), which must be deliberate. */
export function warnAllInterfaces(forwards: readonly ForwardSpec[], log: Logger): void {
  for (const f of forwards.filter((x) => x.allInterfaces)) {
    log.warn({
      forward: f.label,
      hint: f.kind === 'L'
        ? 'anyone who can reach this host on that port reaches the target; give a bind address such as 127.0.0.1 unless that is intended'
        : 'the server binds every interface only with GatewayPorts clientspecified (or yes) in its sshd_config; anyone reaching it reaches the target',
    }, 'forward listens on every interface');
  }
}
