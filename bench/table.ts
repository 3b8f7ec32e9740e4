/**
 * From the children's per-round reports to the summary: each library's median figure per metric,
 * the spread across rounds, the learning quality reached, and backprop's ratio to each peer
 * (backprop's median ÷ the peer's median; above 1 means backprop is faster). Also renders the
 * summary as a Markdown table, the form bench/RESULTS.md records.
 */
import type { ChildReport, WorkloadName, WorkloadResults } from './common.js';

interface Metric {
  workload: WorkloadName;
  id: string;
  label: (r: WorkloadResults) => string;
  unit: string;
  /** The figure (higher is better unless `noRatio`), in `unit`. */
  value: (r: WorkloadResults) => number | undefined;
  /** Not a speed: no ratio is computed, and the figure is shown signed. */
  noRatio?: boolean;
}

const METRICS: Metric[] = [
  { workload: 'xor', id: 'xor', unit: 'updates/s', value: (r) => r.xor?.updatesPerSec, label: () => 'XOR 2-4-1, online SGD lr 0.5' },
  {
    workload: 'fashion', id: 'fashion', unit: 'samples/s', value: (r) => r.fashion?.samplesPerSec,
    label: (r) => `${r.fashion?.synthetic ? 'synthetic Fashion-like' : 'Fashion-MNIST'} MLP 784-128-10, Adam, batch 64, ${r.fashion?.trainSamples ?? '?'} samples`,
  },
  {
    workload: 'cnn', id: 'cnn', unit: 'samples/s', value: (r) => r.cnn?.samplesPerSec,
    label: (r) => `${r.cnn?.synthetic ? 'synthetic Fashion-like' : 'Fashion-MNIST'} CNN conv16-pool-conv32-pool-dense10, Adam, batch 64, ${r.cnn?.trainSamples ?? '?'} samples`,
  },
  // One row per size of Sizes.matmulSizes: 'matmul' the smaller (256³), 'matmul-large' the larger (1024³).
  { workload: 'matmul', id: 'matmul', unit: 'GFLOP/s', value: (r) => r.matmul?.[0]?.gflops, label: (r) => `matmul ${r.matmul?.[0]?.n ?? '?'}³ float32` },
  { workload: 'matmul', id: 'matmul-large', unit: 'GFLOP/s', value: (r) => r.matmul?.[1]?.gflops, label: (r) => `matmul ${r.matmul?.[1]?.n ?? '?'}³ float32` },
  { workload: 'elementwise', id: 'add', unit: 'Melem/s', value: (r) => scale(r.elementwise?.add), label: (r) => `add, ${fmtInt(r.elementwise?.size)} float32` },
  { workload: 'elementwise', id: 'mul', unit: 'Melem/s', value: (r) => scale(r.elementwise?.mul), label: (r) => `mul, ${fmtInt(r.elementwise?.size)} float32` },
  { workload: 'elementwise', id: 'exp', unit: 'Melem/s', value: (r) => scale(r.elementwise?.exp), label: (r) => `exp, ${fmtInt(r.elementwise?.size)} float32` },
  { workload: 'adam', id: 'adam', unit: 'Mparams/s', value: (r) => scale(r.adam?.paramsPerSec), label: (r) => `Adam step, ${fmtInt(r.adam?.params)} params` },
  {
    workload: 'lstm', id: 'lstm', unit: 'samples/s', value: (r) => r.lstm?.samplesPerSec,
    label: (r) => `LSTM(32) 20 steps × 8 features, dense 4, Adam, batch 32, ${fmtInt(r.lstm?.trainSamples)} sequences × ${r.lstm?.epochs ?? '?'} epoch(s)`,
  },
  {
    workload: 'memory', id: 'memory', unit: '%', noRatio: true, value: (r) => (r.memory ? r.memory.growth * 100 : undefined),
    label: (r) => `memory growth, epoch 2 → ${r.memory?.epochs ?? '?'} (Fashion MLP, ${fmtInt(r.memory?.samples)} samples)`,
  },
];

function scale(v: number | undefined): number | undefined {
  return v === undefined ? undefined : v / 1e6;
}

export interface SummaryRow {
  metric: string;
  label: string;
  unit: string;
  lib: string;
  /** One figure per round that produced one. */
  samples: number[];
  median: number;
  /** (max − min) / median across rounds. */
  spread: number;
  /** Learning quality reached (median over rounds): XOR's final MSE, Fashion's test accuracy. */
  mse?: number;
  learned?: boolean;
  accuracy?: number;
  /** Memory workload: bytes in use after epoch 2 and after the last epoch (medians over rounds). */
  early?: number;
  late?: number;
  /** backprop's median ÷ this library's median; null on backprop's own row, when backprop has no figure, or for memory. */
  ratio: number | null;
}

export interface Problem {
  lib: string;
  workload: WorkloadName;
  round: number;
  message: string;
}

export interface Summary {
  rows: SummaryRow[];
  errors: Problem[];
  /** Libraries not installed here (a note, not a failure), with the first round's reason. */
  missing: { lib: string; reason: string }[];
  /** The per-library description each child reported (versions, backend), distinct values joined by ' / '. */
  details: Record<string, string>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * rounds[r] holds each library's report for round r; `libs` gives the row order. Libraries without a
 * figure for a metric get no row. Every library but 'backprop' itself gets a ratio, older builds
 * of backprop (`backprop@<ref>`) included: there it is the speed-up since that commit.
 */
export function summarize(rounds: ChildReport[][], libs: readonly string[]): Summary {
  const errors: Problem[] = [];
  const missing: Summary['missing'] = [];
  const seen = new Map<string, Set<string>>();
  rounds.forEach((reports, r) => {
    for (const rep of reports) {
      if (rep.missing !== undefined && !missing.some((m) => m.lib === rep.lib)) missing.push({ lib: rep.lib, reason: rep.missing });
      if (!seen.has(rep.lib)) seen.set(rep.lib, new Set());
      seen.get(rep.lib)!.add(rep.detail);
      for (const [w, message] of Object.entries(rep.errors)) errors.push({ lib: rep.lib, workload: w as WorkloadName, round: r + 1, message: message! });
    }
  });
  const details: Record<string, string> = {};
  for (const [lib, set] of seen) details[lib] = [...set].join(' / ');
  const rows: SummaryRow[] = [];
  for (const metric of METRICS) {
    const perLib: SummaryRow[] = [];
    for (const lib of libs) {
      const results = rounds.flatMap((reports) => reports.filter((rep) => rep.lib === lib).map((rep) => rep.results));
      const withFigure = results.filter((res) => {
        const v = metric.value(res);
        return v !== undefined && Number.isFinite(v);
      });
      if (withFigure.length === 0) continue;
      const samples = withFigure.map((res) => metric.value(res)!);
      const med = median(samples);
      const row: SummaryRow = {
        metric: metric.id, label: metric.label(withFigure[0]), unit: metric.unit, lib, samples, median: med,
        spread: med > 0 ? (Math.max(...samples) - Math.min(...samples)) / med : 0, ratio: null,
      };
      if (metric.id === 'xor') {
        row.mse = median(withFigure.map((res) => res.xor!.mse));
        row.learned = withFigure.every((res) => res.xor!.learned);
      }
      if (metric.id === 'fashion') row.accuracy = median(withFigure.map((res) => res.fashion!.accuracy));
      if (metric.id === 'lstm') row.accuracy = median(withFigure.map((res) => res.lstm!.accuracy));
      if (metric.id === 'cnn') row.accuracy = median(withFigure.map((res) => res.cnn!.accuracy));
      if (metric.id === 'memory') {
        row.early = median(withFigure.map((res) => res.memory!.early));
        row.late = median(withFigure.map((res) => res.memory!.late));
      }
      perLib.push(row);
    }
    const own = perLib.find((row) => row.lib === 'backprop');
    if (!metric.noRatio) for (const row of perLib) if (own && row.lib !== 'backprop' && row.median > 0) row.ratio = own.median / row.median;
    rows.push(...perLib);
  }
  return { rows, errors, missing, details };
}

/** 3 significant figures, thousands separated: 812,000 · 31.2 · 0.0123. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return Math.round(Number(v.toPrecision(3))).toLocaleString('en-US');
  return Number(v.toPrecision(3)).toString();
}

function fmtInt(v: number | undefined): string {
  return v === undefined ? '?' : v.toLocaleString('en-US');
}

function quality(row: SummaryRow): string {
  if (row.mse !== undefined) return `MSE ${row.mse.toExponential(2)}${row.learned ? ', learned' : ', NOT learned'}`;
  if (row.accuracy !== undefined) return `test acc ${row.accuracy.toFixed(4)}`;
  if (row.early !== undefined && row.late !== undefined) return `${(row.early / 2 ** 20).toFixed(1)} MiB → ${(row.late / 2 ** 20).toFixed(1)} MiB in use`;
  return '';
}

/** The summary as a Markdown table: one row per (metric, library), the metric named on its first row. */
export function renderTable(summary: Summary): string {
  const lines = [
    '| workload | library | figure (median) | spread | quality reached | backprop ÷ library |',
    '| --- | --- | ---: | ---: | --- | ---: |',
  ];
  let last = '';
  for (const row of summary.rows) {
    const name = row.metric === last ? '' : row.label;
    last = row.metric;
    const ratio = row.ratio === null ? (row.lib === 'backprop' ? '—' : 'n/a') : `**${row.ratio.toFixed(2)}×**`;
    const signed = row.unit === '%';
    const rounded = Number(row.median.toFixed(1)); // so that -0.04 prints as +0.0, not -0.0
    const figure = signed ? `${rounded >= 0 ? '+' : ''}${rounded.toFixed(1)}%` : `${fmtNumber(row.median)} ${row.unit}`;
    // A relative spread means nothing for a figure near 0: a signed one shows half its range in points.
    const spread = signed ? `±${((Math.max(...row.samples) - Math.min(...row.samples)) / 2).toFixed(1)} pt` : `±${(row.spread * 50).toFixed(0)}%`;
    lines.push(`| ${name} | ${row.lib} | ${figure} | ${spread} | ${quality(row)} | ${ratio} |`);
  }
  return lines.join('\n');
}
