// Small statistics over the rounds of a bench: median, min–max spread, percentiles of raw samples, ratios.

/** A figure summarised over rounds. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median; 0 for one sample. */
  readonly spread: number;
  readonly n: number;
}

/** Returns the median of values (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Summarises the figures of several rounds. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, spread: NaN, n: 0 };
  const m = median(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return { median: m, min, max, spread: m === 0 ? 0 : (max - min) / m, n: finite.length };
}

/** Tells whether a summary's rounds disagree by more than the threshold (0.15 = 15 %). */
export function isNoisy(s: Summary, threshold = 0.15): boolean {
  return s.n > 1 && s.spread > threshold;
}

/** Returns the p-th percentile (0-100) of unsorted samples, nearest-rank; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1] as number;
}

/** Returns a / b, or NaN when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}
