// Placeholder until the manifests component lands (see its issue); every entry point fails with a clear message.
import { EdgeError } from '../core/errors.js';
import type { CliMain } from '../core/cli.js';

/** Runs the manifests command (not built yet). */
export const manifestsMain: CliMain = () => Promise.reject(new EdgeError('EDGE_USAGE', 'manifests is not built yet', { hint: 'see the open issues' }));
