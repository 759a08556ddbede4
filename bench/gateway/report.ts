// The gateway benchmark's figures: per path, from the load generator's totals; printed as one
// table with ratios against Portkey and the pass-through, then the issue's targets.

import { cpus, loadavg } from 'node:os';
import type { LoadTask } from './load.ts';

export interface Measure {
  key: 'rps10' | 'ttft1' | 'ttft20';
  mode: LoadTask['mode'];
  concurrency: number;
}
export const MEASURES: Measure[] = [
  { key: 'rps10', mode: 'rps', concurrency: 10 },
  { key: 'ttft1', mode: 'ttft', concurrency: 1 },
  { key: 'ttft20', mode: 'ttft', concurrency: 20 },
];

/** What the report needs to know of a path. */
export interface PathInfo {
  key: string;
  label: string;
  /** Parley's VmHWM right after start-up. */
  startupPeakMb?: number;
  /** Set on a path served by another path's process (Parley's `store: true`). */
  sharesProcessWith?: string;
}

export interface Totals {
  count: number;
  /** CPU time of the path's process over its rps tasks, and the replies those tasks completed. */
  cpuMs: number;
  completed: number;
  errors: number;
  firstError?: string;
  windowMs: number;
  samples: number[];
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : Number.NaN);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

interface Figures {
  rps: number;
  cpuMsPerRequest: number;
  ttft: Record<'ttft1' | 'ttft20', { p50: number; p99: number; samples: number }>;
  errors: number;
  firstError?: string;
}

function figuresOf(totals: Map<string, Totals>, key: string): Figures {
  const t = (m: string) => totals.get(`${key}/${m}`) ?? { count: 0, cpuMs: 0, completed: 0, errors: 0, windowMs: 0, samples: [] };
  const latency = (m: 'ttft1' | 'ttft20') => {
    const sorted = [...t(m).samples].sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length };
  };
  const all = MEASURES.map((m) => t(m.key));
  return {
    rps: t('rps10').windowMs ? t('rps10').count / (t('rps10').windowMs / 1000) : Number.NaN,
    cpuMsPerRequest: t('rps10').cpuMs / t('rps10').completed,
    ttft: { ttft1: latency('ttft1'), ttft20: latency('ttft20') },
    errors: all.reduce((n, x) => n + x.errors, 0),
    firstError: all.find((x) => x.firstError)?.firstError,
  };
}


export function report(r: {
  paths: PathInfo[];
  totals: Map<string, Totals>;
  idle: Map<string, number>;
  peak: Map<string, number>;
  notes: string[];
  loadBefore: number;
  run: { blocks: number; seconds: number };
  versions: string;
}) {
  const fig = new Map(r.paths.map((p) => [p.key, figuresOf(r.totals, p.key)]));
  const mock = fig.get('mock')!;
  const portkey = fig.get('portkey');
  const pass = fig.get('pass-through');
  const ratio = (a: number, b?: number) => (b && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : '–');
  const added = (f: Figures, m: 'ttft1' | 'ttft20') => ({ p50: f.ttft[m].p50 - mock.ttft[m].p50, p99: f.ttft[m].p99 - mock.ttft[m].p99 });

  const rows: string[][] = [
    [
      'path',
      'req/s (10 conn.)',
      '× Portkey',
      '× pass-through',
      'CPU ms/req',
      'TTFT 1 stream p50 / p99',
      'added p50 / p99',
      'TTFT 20 streams p50 / p99',
      'added p50 / p99',
      'RSS idle MB',
      'peak MB (start-up)',
      'errors',
    ],
  ];
  for (const p of r.paths) {
    const f = fig.get(p.key)!;
    const a1 = added(f, 'ttft1');
    const a20 = added(f, 'ttft20');
    const own = p.sharesProcessWith ? undefined : p.key;
    rows.push([
      p.label,
      fmt(f.rps, 0),
      ratio(f.rps, portkey?.rps),
      ratio(f.rps, pass?.rps),
      fmt(f.cpuMsPerRequest, 2),
      `${fmt(f.ttft.ttft1.p50, 2)} / ${fmt(f.ttft.ttft1.p99, 2)}`,
      p.key === 'mock' ? '' : `${fmt(a1.p50, 2)} / ${fmt(a1.p99, 2)}`,
      `${fmt(f.ttft.ttft20.p50, 1)} / ${fmt(f.ttft.ttft20.p99, 1)}`,
      p.key === 'mock' ? '' : `${fmt(a20.p50, 1)} / ${fmt(a20.p99, 1)}`,
      own ? fmt(r.idle.get(own) ?? Number.NaN, 0) : '(same process)',
      own ? `${fmt(r.peak.get(own) ?? Number.NaN, 0)}${p.startupPeakMb ? ` (${fmt(p.startupPeakMb, 0)})` : ''}` : '',
      String(f.errors),
    ]);
  }
  const samples = (m: 'ttft1' | 'ttft20') => r.paths.map((p) => fig.get(p.key)!.ttft[m].samples);
  console.log('');
  console.log(
    `Machine: ${cpus().length} vCPU (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${r.loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after.`,
  );
  console.log(
    `Run: ${r.run.blocks} blocks x ${r.run.seconds} s per path and measure; TTFT samples per path: ${Math.min(...samples('ttft1'))}–${Math.max(...samples('ttft1'))} (1 stream), ${Math.min(...samples('ttft20'))}–${Math.max(...samples('ttft20'))} (20 streams). Times in ms; "added" is the path minus the mock's own TTFT in the same run.`,
  );
  console.log('');
  console.log(`| ${rows[0].join(' | ')} |`);
  console.log(`|${rows[0].map(() => '---').join('|')}|`);
  for (const row of rows.slice(1)) console.log(`| ${row.join(' | ')} |`);
  for (const p of r.paths) {
    const f = fig.get(p.key)!;
    if (f.firstError) console.log(`\n${p.label}: first error: ${f.firstError}`);
  }

  // The issue's targets.
  const checks: string[][] = [['target', 'figure', 'result']];
  const verdict = (ok: boolean) => (ok ? 'pass' : '**fail**');
  for (const [key, db, rpsFactor, storeFactor, idleMax] of [
    ['parley-pg', 'PostgreSQL', 1.5, 0.6, 150],
    ['parley-pglite', 'PGlite', 1.2, 0.4, 300],
  ] as const) {
    const f = fig.get(key);
    const store = fig.get(`${key}-store`);
    if (!f || !portkey || !store) {
      checks.push([`${db}: all targets`, 'not measured', '–']);
      continue;
    }
    const x = f.rps / portkey.rps;
    checks.push([`${db}: stateless req/s ≥ ${rpsFactor}× Portkey's`, `${x.toFixed(2)}×`, verdict(x >= rpsFactor)]);
    const y = store.rps / portkey.rps;
    checks.push([`${db}: store: true req/s ≥ ${storeFactor}× Portkey's stateless`, `${y.toFixed(2)}×`, verdict(y >= storeFactor)]);
    const a1 = added(f, 'ttft1').p50;
    checks.push([`${db}: TTFT added p50, 1 stream ≤ 2 ms`, `${a1.toFixed(2)} ms`, verdict(a1 <= 2)]);
    const a20 = added(f, 'ttft20').p50;
    const pk20 = added(portkey, 'ttft20').p50;
    checks.push([`${db}: TTFT added p50, 20 streams ≤ Portkey's (${pk20.toFixed(1)} ms)`, `${a20.toFixed(1)} ms`, verdict(a20 <= pk20)]);
    const idleMb = r.idle.get(key) ?? Number.NaN;
    checks.push([`${db}: resident memory idle ≤ ${idleMax} MB`, `${idleMb.toFixed(0)} MB`, verdict(idleMb <= idleMax)]);
    if (key === 'parley-pglite') {
      const startup = r.paths.find((p) => p.key === key)?.startupPeakMb ?? Number.NaN;
      checks.push([`${db}: start-up peak ≤ 400 MB`, `${startup.toFixed(0)} MB`, verdict(startup <= 400)]);
    }
  }
  console.log('');
  console.log(`| ${checks[0].join(' | ')} |`);
  console.log('|---|---|---|');
  for (const row of checks.slice(1)) console.log(`| ${row.join(' | ')} |`);
  for (const note of r.notes) console.log(`\n${note}`);
  console.log(`\n${r.versions}`);
}
