// The numbered progress lines promote and demote print on stdout, so an operator sees each step as it
// happens, and the rollback lines that say what was undone and what is left to do by hand.
/** Prints numbered steps. */
export interface StepPrinter {
  /** Starts step n: `[n/total] title`. */
  step(n: number, title: string): void;
  /** A detail line under the current step. */
  detail(line: string): void;
  /** A line without indentation. */
  line(text: string): void;
}

/** Creates a printer handing each line (without newline) to write. */
export function createStepPrinter(write: (line: string) => void, total: number): StepPrinter {
  return {
    step: (n, title) => write(`[${n}/${total}] ${title}`),
    detail: (line) => write(`      ${line}`),
    line: (text) => write(text),
  };
}

/** Describes a thrown value in one line. */
export function describeError(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const msg = typeof e.message === 'string' ? e.message : String(err);
  return typeof e.code === 'string' && e.code.startsWith('EDGE_') ? `${msg} [${e.code}]` : msg;
}

/** A UTC timestamp for archived dirs: 20261122T184222Z. */
export function stampOf(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
