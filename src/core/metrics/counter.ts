/**
 * A counter with labels, printed in the Prometheus text format. Counts live in the process,
 * as Prometheus expects: each instance is scraped on its own.
 */
export class Counter<L extends string> {
  readonly name: string;
  readonly help: string;
  private readonly counts = new Map<string, { labels: Record<L, string>; value: number }>();

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  inc(labels: Record<L, string>, by = 1): void {
    const key = labelText(labels);
    const entry = this.counts.get(key);
    if (entry) entry.value += by;
    else this.counts.set(key, { labels, value: by });
  }

  value(labels: Record<L, string>): number {
    return this.counts.get(labelText(labels))?.value ?? 0;
  }

  /** Every labelled count so far, for tests and reports. */
  entries(): Array<{ labels: Record<L, string>; value: number }> {
    return [...this.counts.values()].map((e) => ({ labels: { ...e.labels }, value: e.value }));
  }

  /** HELP and TYPE lines, then one line per label set. */
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.counts].map(([key, e]) => `${this.name}{${key}} ${e.value}`),
    ];
  }
}

function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k])}"`)
    .join(',');
}

/** The exposition format escapes backslash, double quote and line feed in label values. */
function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}
