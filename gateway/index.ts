// Placeholder until the gateway component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the gateway command (not built yet). */
export const gatewayMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'gateway is not built yet', { hint: 'see the open issues' }));
