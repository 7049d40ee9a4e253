// Placeholder until the dns component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the dns command (not built yet). */
export const dnsMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'dns is not built yet', { hint: 'see the open issues' }));
