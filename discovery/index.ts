// Placeholder until the discovery component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the discovery command (not built yet). */
export const discoveryMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'discovery is not built yet', { hint: 'see the open issues' }));
