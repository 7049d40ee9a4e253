// Placeholder until the certs component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the certs command (not built yet). */
export const certsMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'certs is not built yet', { hint: 'see the open issues' }));
