// Placeholder until the proxy component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the proxy command (not built yet). */
export const proxyMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'proxy is not built yet', { hint: 'see the open issues' }));
