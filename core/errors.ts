// The one error type of etcd-edge: a stable code, a message saying what happened, and a hint saying what to do.
// Callers match on `err.code`, never on instanceof (as undici's errors do).

/** Every code an EdgeError can carry; codes are never reused for another meaning. */
export type EdgeErrorCode =
  | 'EDGE_USAGE'
  | 'EDGE_CONFIG_INVALID'
  | 'EDGE_CONFIG_CONFLICT'
  | 'EDGE_TOPOLOGY_INVALID'
  | 'EDGE_ALREADY_STARTED'
  | 'EDGE_ABORTED'
  | 'EDGE_LISTEN_FAILED'
  | 'EDGE_ETCD_NOT_FOUND'
  | 'EDGE_ETCD_VERSION'
  | 'EDGE_ETCD_EXITED'
  | 'EDGE_ETCD_UNHEALTHY'
  | 'EDGE_ETCD_REQUEST'
  | 'EDGE_DATA_DIR'
  | 'EDGE_NO_ENDPOINTS'
  | 'EDGE_DISCOVERY'
  | 'EDGE_DNS'
  | 'EDGE_CERT'
  | 'EDGE_CERT_EXISTS'
  | 'EDGE_TLS_CA_MISMATCH'
  | 'EDGE_SSH_KEY'
  | 'EDGE_SSH_AUTH'
  | 'EDGE_SSH_HOSTKEY_UNKNOWN'
  | 'EDGE_SSH_HOSTKEY_MISMATCH'
  | 'EDGE_SSH_CONNECT'
  | 'EDGE_MEMBERSHIP'
  | 'EDGE_TIMEOUT'
  | 'EDGE_INTERNAL';

/** Codes that mean the user asked for something malformed: the CLI exits 2 for them, 1 for the rest. */
const USAGE_CODES: ReadonlySet<EdgeErrorCode> = new Set<EdgeErrorCode>([
  'EDGE_USAGE',
  'EDGE_CONFIG_INVALID',
  'EDGE_CONFIG_CONFLICT',
  'EDGE_TOPOLOGY_INVALID',
  'EDGE_CERT_EXISTS',
  'EDGE_SSH_KEY',
]);

/** Describes a failure with a code, a lowercase message and an optional hint. */
export class EdgeError extends Error {
  readonly code: EdgeErrorCode;
  readonly hint: string | undefined;

  constructor(code: EdgeErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EdgeError';
    this.code = code;
    this.hint = opts.hint;
  }
}

/** Tells whether a value is an EdgeError, by shape rather than by class identity. */
export function isEdgeError(err: unknown): err is EdgeError {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'EdgeError'
    && typeof (err as { code?: unknown }).code === 'string';
}

/** Returns the process exit code for an error: 2 for usage and config errors, 1 otherwise. */
export function exitCodeFor(err: unknown): number {
  return isEdgeError(err) && USAGE_CODES.has(err.code) ? 2 : 1;
}

/** Formats an error for stderr as `error: <message> [<code>]` plus an optional `hint:` line. */
export function formatForCli(err: unknown): string {
  if (isEdgeError(err)) {
    const lines = [`error: ${err.message} [${err.code}]`];
    if (err.hint) lines.push(`hint: ${err.hint}`);
    return lines.join('\n');
  }
  const msg = err instanceof Error ? err.message : String(err);
  return `error: ${msg} [EDGE_INTERNAL]`;
}

/** Wraps any thrown value into an EdgeError with the given code, keeping EdgeErrors as they are. */
export function toEdgeError(err: unknown, code: EdgeErrorCode, message: string, hint?: string): EdgeError {
  if (isEdgeError(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new EdgeError(code, `${message}: ${detail}`, hint === undefined ? { cause: err } : { hint, cause: err });
}
