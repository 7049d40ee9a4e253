// Placeholder until the tunnel component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the tunnel command (not built yet). */
export const tunnelMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'tunnel is not built yet', { hint: 'see the open issues' }));
