// Prometheus text exposition: parse it, merge several components' texts into one (the single /metrics of an
// `up` process), and read single values back (the status page's numbers come from the same text).

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family: its HELP/TYPE lines and sample lines, as text. */
interface Family {
  readonly name: string;
  help: string | undefined;
  type: string | undefined;
  readonly lines: string[];
  readonly seen: Set<string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const SUFFIX = /_(bucket|sum|count|total|created)$/;

/** Parses a label set body (`a="x",b="y"`), unescaping values. */
function parseLabels(body: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!body) return out;
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    out[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  }
  return out;
}

/** Parses exposition text into samples (comments skipped). */
export function parseMetricsText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const v = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    out.push({ name: m[1] as string, labels: parseLabels(m[3]), value: v });
  }
  return out;
}

/**
 * Merges several exposition texts into one valid text: a family that two texts both hold (process_* metrics of
 * the same process, two tunnels' metrics) appears once, its HELP/TYPE once and each distinct sample line once.
 */
export function mergeMetricsTexts(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) { f = { name, help: undefined, type: undefined, lines: [], seen: new Set() }; families.set(name, f); }
    return f;
  };
  for (const text of texts) {
    let current: Family | undefined;
    for (const line of text.split('\n')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        current = family(meta[2] as string);
        if (meta[1] === 'HELP') current.help ??= meta[3] ?? '';
        else current.type ??= meta[3] ?? 'untyped';
        continue;
      }
      const m = SAMPLE.exec(line);
      if (!m) continue;
      const name = m[1] as string;
      const f = current && (name === current.name || name.replace(SUFFIX, '') === current.name) ? current : family(name);
      const key = `${name}{${m[3] ?? ''}}`;
      if (f.seen.has(key)) continue;
      f.seen.add(key);
      f.lines.push(line);
    }
  }
  const out: string[] = [];
  for (const f of families.values()) {
    if (f.help !== undefined) out.push(`# HELP ${f.name} ${f.help}`);
    if (f.type !== undefined) out.push(`# TYPE ${f.name} ${f.type}`);
    out.push(...f.lines);
  }
  return out.join('\n') + '\n';
}

/** Sums the samples named `name` whose labels include `match`. */
export function sumOf(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  let n = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) n += s.value;
  }
  return n;
}
