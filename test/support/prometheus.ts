/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws
 * on anything a scraper could reject or misread, and returns the metric families it found.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses a scrape; every family must have HELP and TYPE, and histograms must be consistent. */
export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  // Which of HELP and TYPE each family has had.
  const declared = new Map<string, Set<string>>();
  let current: Family | undefined;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      // Other comments are allowed and ignored.
      if (!meta) return;
      const [, kind, name, rest] = meta;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (closed.has(name)) throw new Error(`${where}: ${name} appears again after other families`);
      let family = families.get(name);
      if (!family) {
        if (current) closed.add(current.name);
        family = { name, help: '', type: 'untyped', samples: [] };
        families.set(name, family);
        current = family;
        declared.set(name, new Set());
      }
      if (family !== current) throw new Error(`${where}: ${name} is interleaved with ${current?.name}`);
      const had = declared.get(name) as Set<string>;
      if (had.has(kind)) throw new Error(`${where}: a second ${kind} line for ${name}`);
      if (family.samples.length > 0) throw new Error(`${where}: ${kind} after the samples of ${name}`);
      had.add(kind);
      if (kind === 'HELP') family.help = unescapeHelp(rest, where);
      else {
        if (!TYPES.has(rest as MetricType)) throw new Error(`${where}: unknown type ${rest}`);
        family.type = rest as MetricType;
      }
      return;
    }
    const sample = parseSample(line, where);
    if (!current || !belongsTo(sample.name, current)) throw new Error(`${where}: sample outside its family's HELP and TYPE`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    current.samples.push(sample);
  });
  for (const family of families.values()) {
    const had = declared.get(family.name);
    if (!had?.has('HELP') || !had.has('TYPE')) throw new Error(`${family.name}: missing HELP or TYPE`);
    if (family.type === 'counter') {
      for (const s of family.samples) if (!(s.value >= 0)) throw new Error(`${family.name}: a counter below zero or NaN`);
    }
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function belongsTo(sampleName: string, family: Family): boolean {
  if (family.type === 'histogram') return ['_bucket', '_sum', '_count'].some((s) => sampleName === family.name + s);
  if (family.type === 'summary') return sampleName === family.name || ['_sum', '_count'].some((s) => sampleName === family.name + s);
  return sampleName === family.name;
}

function parseSample(line: string, where: string): Sample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) throw new Error(`${where}: bad metric name`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const labelName = /^[^=]*/.exec(line.slice(i))?.[0] ?? '';
      if (!LABEL_NAME.test(labelName) || labelName.startsWith('__')) throw new Error(`${where}: bad label name ${labelName}`);
      if (labelName in labels) throw new Error(`${where}: label ${labelName} twice`);
      i += labelName.length;
      if (line.slice(i, i + 2) !== '="') throw new Error(`${where}: label ${labelName} without ="`);
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i + 1];
          if (next === '\\' || next === '"') value += next;
          else if (next === 'n') value += '\n';
          else throw new Error(`${where}: bad escape \\${next} in a label value`);
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      i++;
      labels[labelName] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`${where}: expected , or } after a label`);
    }
    i++;
  }
  const rest = line.slice(i);
  const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!fields) throw new Error(`${where}: expected one space, a value and an optional timestamp`);
  return { name, labels, value: parseValue(fields[1], where) };
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`${where}: bad escape in HELP`);
  });
}

/** Per label set: `le` buckets ascending and non-decreasing, a `+Inf` bucket equal to `_count`, and a `_sum`. */
function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; sum?: number; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let entry = series.get(key);
    if (!entry) {
      entry = { buckets: [] };
      series.set(key, entry);
    }
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push([parseValue(le, family.name), s.value]);
    } else if (le !== undefined) throw new Error(`${family.name}: le on ${s.name}`);
    else if (s.name.endsWith('_sum')) entry.sum = s.value;
    else entry.count = s.value;
  }
  for (const [key, { buckets, sum, count }] of series) {
    const where = `${family.name}${key}`;
    if (sum === undefined || count === undefined) throw new Error(`${where}: missing _sum or _count`);
    if (buckets.length === 0) throw new Error(`${where}: no buckets`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i][0] > buckets[i - 1][0])) throw new Error(`${where}: buckets not in ascending le order`);
      if (buckets[i][1] < buckets[i - 1][1]) throw new Error(`${where}: bucket counts decrease`);
    }
    const last = buckets.at(-1) as [number, number];
    if (last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${where}: no +Inf bucket`);
    if (last[1] !== count) throw new Error(`${where}: +Inf bucket ${last[1]} differs from _count ${count}`);
  }
}

/** The value of the one sample of `name` whose labels are exactly `labels`; undefined when absent. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted) return s.value;
    }
  }
  return undefined;
}

/** Every sample of `name` whose labels include `labels`. */
export function samplesOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) out.push(s);
    }
  }
  return out;
}
