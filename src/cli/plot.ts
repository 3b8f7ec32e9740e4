/**
 * Loss curves as SVG (hand-written, scalable, readable in any browser) or PNG (the same SVG rendered
 * by resvg with a bundled font, src/cli/png.ts). Files are written atomically.
 */
import { extname } from 'node:path';
import type { EpochLogs } from '../train/fit.js';
import { writeFileAtomic, type WriteOptions } from '../io/safe-write.js';
import { UsageError } from './run.js';
import { svgToPng } from './png.js';

/**
 * About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart).
 * @example niceTicks(0.13, 0.92, 5) // [0.2, 0.4, 0.6, 0.8]
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

export interface Curve {
  name: string;
  /** One value per epoch (index 0 = epoch 1); undefined or non-finite values are gaps. */
  values: (number | undefined)[];
  color: string;
}

/** The curves a training history gives: training loss, and validation loss when there was validation. */
export function lossCurves(epochs: readonly EpochLogs[]): Curve[] {
  const curves: Curve[] = [{ name: 'training loss', values: epochs.map((e) => e.loss), color: '#1f77b4' }];
  if (epochs.some((e) => e.valLoss !== undefined)) curves.push({ name: 'validation loss', values: epochs.map((e) => e.valLoss), color: '#ff7f0e' });
  return curves;
}

interface Layout {
  width: number; height: number; left: number; right: number; top: number; bottom: number;
  log: boolean; xTicks: number[]; yTicks: number[];
  x(epoch: number): number; y(v: number): number;
  n: number;
}

function layout(curves: readonly Curve[], width: number, height: number): Layout {
  const all = curves.flatMap((c) => c.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const n = Math.max(1, ...curves.map((c) => c.values.length));
  let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
  // Losses often fall by orders of magnitude; a log axis keeps the late epochs readable.
  const log = lo > 0 && hi / lo > 50;
  const f = (v: number) => (log ? Math.log10(v) : v);
  let a = f(lo), b = f(hi);
  if (!(b > a)) { a -= 0.5; b += 0.5; }
  const pad = (b - a) * 0.05;
  a -= pad; b += pad;
  if (!log && lo >= 0 && a < 0) a = 0;
  const left = 64, right = 20, top = 46, bottom = 44;
  const yTicks = log
    ? Array.from({ length: Math.floor(b) - Math.ceil(a) + 1 }, (_, i) => 10 ** (Math.ceil(a) + i))
    : niceTicks(a, b, 5);
  if (log && yTicks.length < 2) yTicks.splice(0, yTicks.length, ...niceTicks(10 ** a, 10 ** b, 4).filter((t) => t > 0));
  const xTicks = niceTicks(1, Math.max(2, n), 6).filter((t) => Number.isInteger(t) && t >= 1);
  return {
    width, height, left, right, top, bottom, log, xTicks, yTicks, n,
    x: (e) => left + ((e - 1) / Math.max(1, n - 1)) * (width - left - right),
    y: (v) => top + (1 - (f(v) - a) / (b - a)) * (height - top - bottom),
  };
}

function segments(curve: Curve): [number, number][][] {
  const out: [number, number][][] = [];
  let cur: [number, number][] = [];
  curve.values.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) { if (cur.length) out.push(cur); cur = []; return; }
    cur.push([i + 1, v]);
  });
  if (cur.length) out.push(cur);
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A line chart of the curves against epochs as an SVG document.
 * @example writeFileSync('loss.svg', curvesSvg(lossCurves(history.epochs), 'loss per epoch'))
 */
export function curvesSvg(curves: readonly Curve[], title: string, width = 640, height = 400, marker?: { epoch: number; label: string }): string {
  const L = layout(curves, width, height);
  const px = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}${L.log ? ' (log scale)' : ''}</text>`,
  ];
  for (const t of L.yTicks) {
    const y = px(L.y(t));
    out.push(`<line x1="${L.left}" y1="${y}" x2="${width - L.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${L.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  for (const t of L.xTicks) {
    const x = px(L.x(t));
    out.push(`<line x1="${x}" y1="${height - L.bottom}" x2="${x}" y2="${height - L.bottom + 4}" stroke="#555555"/>`);
    out.push(`<text x="${x}" y="${height - L.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<path d="M${L.left} ${L.top}V${height - L.bottom}H${width - L.right}" fill="none" stroke="#555555"/>`);
  out.push(`<text x="${(L.left + width - L.right) / 2}" y="${height - 8}" text-anchor="middle">epoch</text>`);
  for (const c of curves) {
    for (const seg of segments(c)) {
      if (seg.length === 1) out.push(`<circle cx="${px(L.x(seg[0][0]))}" cy="${px(L.y(seg[0][1]))}" r="2" fill="${c.color}"/>`);
      else out.push(`<polyline fill="none" stroke="${c.color}" stroke-width="2" points="${seg.map(([e, v]) => `${px(L.x(e))},${px(L.y(v))}`).join(' ')}"/>`);
    }
  }
  if (marker && marker.epoch >= 1 && marker.epoch <= L.n) {
    const x = px(L.x(marker.epoch));
    out.push(`<line x1="${x}" y1="${L.top}" x2="${x}" y2="${height - L.bottom}" stroke="#888888" stroke-dasharray="4 3"/>`);
    // between the title and the plot, kept inside the picture when the marker is near an edge
    const anchor = L.x(marker.epoch) > width - L.right - 60 ? 'end' : L.x(marker.epoch) < L.left + 60 ? 'start' : 'middle';
    out.push(`<text x="${x}" y="${L.top - 6}" text-anchor="${anchor}" fill="#555555">${esc(marker.label)}</text>`);
  }
  // the legend on a white box, so a curve or the marker line never runs through its text
  out.push(`<rect x="${width - L.right - 136}" y="${L.top}" width="134" height="${curves.length * 16 + 2}" fill="#ffffff" fill-opacity="0.9"/>`);
  curves.forEach((c, i) => {
    const y = L.top + 8 + i * 16;
    const x = width - L.right - 130;
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${c.color}" stroke-width="2"/>`);
    out.push(`<text x="${x + 26}" y="${y}" dominant-baseline="middle">${esc(c.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Checks a --plot path's extension early, before training starts. */
export function plotFormat(path: string): 'svg' | 'png' {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.png') return 'png';
  throw new UsageError(`--plot ${path}: the file name must end in .svg or .png`);
}

/**
 * Writes the loss curves of a training history to `path` (.svg or .png), atomically.
 * `bestEpoch` (the one whose weights were kept) is marked with a dashed line.
 * @example await saveLossPlot('loss.svg', history.epochs, history.bestEpoch)
 */
export async function saveLossPlot(path: string, epochs: readonly EpochLogs[], bestEpoch?: number | null, options: WriteOptions = {}): Promise<void> {
  const curves = lossCurves(epochs);
  const title = 'loss per epoch';
  const marker = bestEpoch ? { epoch: bestEpoch, label: `best epoch ${bestEpoch}` } : undefined;
  const svg = curvesSvg(curves, title, 640, 400, marker);
  await writeFileAtomic(path, plotFormat(path) === 'svg' ? svg : await svgToPng(svg), options);
}
