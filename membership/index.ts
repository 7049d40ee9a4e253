// Placeholder until the membership component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the membership command (not built yet). */
export const promoteMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'membership is not built yet', { hint: 'see the open issues' }));

/** Runs the membership command (not built yet). */
export const demoteMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'membership is not built yet', { hint: 'see the open issues' }));

/** Runs the membership command (not built yet). */
export const memberMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'membership is not built yet', { hint: 'see the open issues' }));
