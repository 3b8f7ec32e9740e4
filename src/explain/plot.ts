/**
 * Drawing a loss landscape two ways: a hand-written SVG (which the CLI also renders to PNG with
 * resvg, src/cli/png.ts) and a coloured text heat map for a terminal. Viridis colours (dark = low
 * loss), contour lines by marching squares, the current point as a ring and the descent route as a
 * line of dots. Browser-safe: no I/O, no DOM.
 */
import { fmt } from './format.js';
import type { Landscape } from './landscape.js';

// ---------------------------------------------------------------- colours

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84], [72, 36, 117], [65, 68, 135], [53, 95, 141], [42, 120, 142], [33, 145, 140],
  [34, 168, 132], [68, 191, 112], [122, 209, 81], [189, 223, 38], [253, 231, 37],
];

/** Viridis at t ∈ [0, 1] (clamped). @example viridis(0) // [68, 1, 84] */
export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 1)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

const hex = (c: readonly number[]): string => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

function normaliser(land: Landscape): (v: number) => number {
  const lo = land.min.loss, hi = land.max.loss;
  return (v) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
}

// ---------------------------------------------------------------- contours

/** Evenly spaced loss levels strictly between the minimum and maximum. */
export function contourLevels(land: Landscape, count = 10): number[] {
  const lo = land.min.loss, hi = land.max.loss;
  if (!(hi > lo)) return [];
  return Array.from({ length: count }, (_, k) => lo + ((hi - lo) * (k + 1)) / (count + 1));
}

/**
 * Contour segments at `level` by marching squares, in grid coordinates (column, row), each segment
 * [c0, r0, c1, r1].
 */
export function contourSegments(land: Landscape, level: number): [number, number, number, number][] {
  const n = land.xs.length, m = land.ys.length, v = land.values;
  const out: [number, number, number, number][] = [];
  const at = (c: number, r: number): number => v[r * n + c];
  const lerp = (a: number, b: number): number => (a === b ? 0.5 : (level - a) / (b - a));
  for (let r = 0; r < m - 1; r++) {
    for (let c = 0; c < n - 1; c++) {
      const a = at(c, r), b = at(c + 1, r), d = at(c, r + 1), e = at(c + 1, r + 1);
      const idx = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (e > level ? 4 : 0) | (d > level ? 8 : 0);
      if (idx === 0 || idx === 15) continue;
      // crossing points on the four edges: bottom (a-b), right (b-e), top (d-e), left (a-d)
      const bottom: [number, number] = [c + lerp(a, b), r];
      const right: [number, number] = [c + 1, r + lerp(b, e)];
      const top: [number, number] = [c + lerp(d, e), r + 1];
      const left: [number, number] = [c, r + lerp(a, d)];
      const seg = (p: [number, number], q: [number, number]): void => { out.push([p[0], p[1], q[0], q[1]]); };
      const centre = (a + b + d + e) / 4 > level;
      switch (idx) {
        case 1: case 14: seg(left, bottom); break;
        case 2: case 13: seg(bottom, right); break;
        case 3: case 12: seg(left, right); break;
        case 4: case 11: seg(right, top); break;
        case 6: case 9: seg(bottom, top); break;
        case 7: case 8: seg(left, top); break;
        case 5: if (centre) { seg(left, top); seg(bottom, right); } else { seg(left, bottom); seg(right, top); } break;
        case 10: if (centre) { seg(left, bottom); seg(right, top); } else { seg(left, top); seg(bottom, right); } break;
      }
    }
  }
  return out;
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => span / s <= target + 0.5) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

// ---------------------------------------------------------------- layout shared by SVG and raster

interface Layout {
  width: number;
  height: number;
  /** Plot area. */
  x0: number;
  y0: number;
  size: number;
  /** Data → pixel. */
  px: (x: number) => number;
  py: (y: number) => number;
  barX: number;
}

function layout(land: Landscape, width: number, height: number): Layout {
  const left = 64, right = 120, top = 44, bottom = 56;
  const size = Math.max(50, Math.min(width - left - right, height - top - bottom));
  const [xlo, xhi] = [land.xs[0], land.xs[land.xs.length - 1]];
  const [ylo, yhi] = [land.ys[0], land.ys[land.ys.length - 1]];
  return {
    width, height, x0: left, y0: top, size,
    px: (x) => left + ((x - xlo) / (xhi - xlo)) * size,
    py: (y) => top + size - ((y - ylo) / (yhi - ylo)) * size,
    barX: left + size + 20,
  };
}

function title(land: Landscape): string {
  return `${land.loss}${land.dataName ? ` on ${land.dataName}` : ''} over (${land.aliases[0]}, ${land.aliases[1]})${land.fixedBias ? ', bias fixed at 0' : ''}`;
}

function pathLabel(land: Landscape): string {
  if (!land.path) return '';
  const p = land.path.points;
  return `${land.path.optimizer} lr ${fmt(land.path.learningRate, 3)}, ${p.length - 1} steps: loss ${fmt(p[0].loss, 3)} → ${fmt(p[p.length - 1].loss, 3)}`;
}

/** The route's average step on screen: dots per step are drawn only when they do not merge. */
function meanStepPixels(land: Landscape, L: Layout): number {
  const p = land.path?.points ?? [];
  let len = 0;
  for (let k = 1; k < p.length; k++) len += Math.hypot(L.px(p[k].x) - L.px(p[k - 1].x), L.py(p[k].y) - L.py(p[k - 1].y));
  return p.length > 1 ? len / (p.length - 1) : 0;
}

// ---------------------------------------------------------------- SVG

const escXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The landscape as a standalone SVG: heat map cells, contours, axes, colour bar, start point, route.
 * @example writeFileSync('landscape.svg', renderLandscapeSvg(landscape(spec, builtinDataset('or'))))
 */
export function renderLandscapeSvg(land: Landscape, width = 660, height = 600): string {
  const L = layout(land, width, height);
  const norm = normaliser(land);
  const n = land.xs.length, m = land.ys.length;
  const cw = L.size / (n - 1), ch = L.size / (m - 1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escXml(title(land))}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<g class="heatmap" shape-rendering="crispEdges">`,
  ];
  // one cell per grid point, centred on it (half cells at the edges)
  for (let r = 0; r < m; r++) {
    const y1 = Math.max(L.y0, L.py(land.ys[r]) - ch / 2), y2 = Math.min(L.y0 + L.size, L.py(land.ys[r]) + ch / 2);
    for (let c = 0; c < n; c++) {
      const x1 = Math.max(L.x0, L.px(land.xs[c]) - cw / 2), x2 = Math.min(L.x0 + L.size, L.px(land.xs[c]) + cw / 2);
      parts.push(`<rect x="${x1.toFixed(2)}" y="${y1.toFixed(2)}" width="${(x2 - x1 + 0.3).toFixed(2)}" height="${(y2 - y1 + 0.3).toFixed(2)}" fill="${hex(viridis(norm(land.values[r * n + c])))}"/>`);
    }
  }
  parts.push('</g>');
  // contours: grid coordinates → pixels (grid point k sits at the centre of cell k)
  const gx = (c: number): number => L.x0 + c * cw, gy = (r: number): number => L.y0 + L.size - r * ch;
  const levels = contourLevels(land);
  const d = levels.flatMap((lv) => contourSegments(land, lv).map(([a, b, c2, e]) => `M${gx(a).toFixed(1)} ${gy(b).toFixed(1)}L${gx(c2).toFixed(1)} ${gy(e).toFixed(1)}`));
  if (d.length) parts.push(`<path class="contours" d="${d.join('')}" fill="none" stroke="#ffffff" stroke-opacity="0.55" stroke-width="1"/>`);
  parts.push(`<rect x="${L.x0}" y="${L.y0}" width="${L.size}" height="${L.size}" fill="none" stroke="#333"/>`);
  // axes
  for (const t of ticks(land.xs[0], land.xs[n - 1])) {
    const x = L.px(t);
    parts.push(`<line x1="${x}" y1="${L.y0 + L.size}" x2="${x}" y2="${L.y0 + L.size + 5}" stroke="#333"/><text x="${x}" y="${L.y0 + L.size + 18}" text-anchor="middle">${fmt(t, 4)}</text>`);
  }
  for (const t of ticks(land.ys[0], land.ys[m - 1])) {
    const y = L.py(t);
    parts.push(`<line x1="${L.x0 - 5}" y1="${y}" x2="${L.x0}" y2="${y}" stroke="#333"/><text x="${L.x0 - 8}" y="${y + 4}" text-anchor="end">${fmt(t, 4)}</text>`);
  }
  parts.push(`<text x="${L.x0 + L.size / 2}" y="${L.y0 + L.size + 40}" text-anchor="middle" font-size="14">${escXml(`${land.aliases[0]} = ${land.params[0]}`)}</text>`);
  parts.push(`<text transform="translate(18 ${L.y0 + L.size / 2}) rotate(-90)" text-anchor="middle" font-size="14">${escXml(`${land.aliases[1]} = ${land.params[1]}`)}</text>`);
  parts.push(`<text x="${L.x0}" y="20" font-size="15" font-weight="bold">${escXml(title(land))}</text>`);
  // colour bar
  const steps = 40;
  for (let k = 0; k < steps; k++) {
    const y = L.y0 + L.size - ((k + 1) * L.size) / steps;
    parts.push(`<rect x="${L.barX}" y="${y.toFixed(2)}" width="16" height="${(L.size / steps + 0.5).toFixed(2)}" fill="${hex(viridis((k + 0.5) / steps))}"/>`);
  }
  parts.push(`<rect x="${L.barX}" y="${L.y0}" width="16" height="${L.size}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${L.barX + 20}" y="${L.y0 + 10}">${fmt(land.max.loss, 3)}</text><text x="${L.barX + 20}" y="${L.y0 + L.size}">${fmt(land.min.loss, 3)}</text>`);
  parts.push(`<text x="${L.barX}" y="${L.y0 - 8}">loss</text>`);
  // route and start
  if (land.path) {
    const pts = land.path.points.map((p) => `${L.px(p.x).toFixed(1)},${L.py(p.y).toFixed(1)}`);
    parts.push(`<polyline class="path" points="${pts.join(' ')}" fill="none" stroke="#ff3b30" stroke-width="2"/>`);
    if (meanStepPixels(land, L) >= 6) parts.push(`<g fill="#780000">${pts.map((q) => `<circle cx="${q.split(',')[0]}" cy="${q.split(',')[1]}" r="1.8"/>`).join('')}</g>`);
    const last = land.path.points[land.path.points.length - 1];
    parts.push(`<circle cx="${L.px(last.x).toFixed(1)}" cy="${L.py(last.y).toFixed(1)}" r="4" fill="#ff3b30" stroke="#fff"/>`);
    parts.push(`<text x="${L.x0}" y="${height - 6}" fill="#b00000">${escXml(`route: ${pathLabel(land)}`)}</text>`);
  }
  parts.push(`<circle class="current" cx="${L.px(land.current.x).toFixed(1)}" cy="${L.py(land.current.y).toFixed(1)}" r="6" fill="none" stroke="#ffffff" stroke-width="3"/>`);
  parts.push(`<circle cx="${L.px(land.current.x).toFixed(1)}" cy="${L.py(land.current.y).toFixed(1)}" r="6" fill="none" stroke="#000000" stroke-width="1.2"/>`);
  // the start's coordinates on their own line under the title, so the two never run into each other
  parts.push(`<text x="${L.x0}" y="${L.y0 - 8}">${escXml(`${pointName(land)} (${coord(land.current.x, land.xs[n - 1] - land.xs[0])}, ${coord(land.current.y, land.ys[m - 1] - land.ys[0])}): loss ${fmt(land.current.loss, 4)}`)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

// ---------------------------------------------------------------- terminal

export interface TextMapOptions {
  /** Use 24-bit ANSI colours (default true); false gives plain ASCII shading. */
  color?: boolean;
  /** Columns of cells (default 41). */
  columns?: number;
}

const SHADES = ' .:-=+#%&@';

/** What the ringed point is: where the route starts, or (no route) the network's own weights. */
function pointName(land: Landscape): string {
  return land.path ? 'start' : 'the network';
}

/** A coordinate for a label: 3 significant digits, and 0 for what is 0 at the map's scale (8e-17). */
function coord(v: number, span: number): string {
  return Math.abs(v) < span * 1e-9 ? '0' : fmt(v, 3);
}

/**
 * A text heat map: with colour, two cells per character (▀ with foreground and background colours);
 * without, one ASCII shade per character. 'O' marks the start, '*' the route, 'X' its end.
 * @example process.stdout.write(renderLandscapeText(land, { color: process.stdout.isTTY }))
 */
export function renderLandscapeText(land: Landscape, options: TextMapOptions = {}): string {
  const color = options.color ?? true;
  const cols = Math.max(8, Math.min(200, options.columns ?? 41));
  const rowsCells = color ? cols : Math.ceil(cols / 2);
  const n = land.xs.length, m = land.ys.length;
  const norm = normaliser(land);
  const [xlo, xhi] = [land.xs[0], land.xs[n - 1]], [ylo, yhi] = [land.ys[0], land.ys[m - 1]];
  // value of cell (i, j), j = 0 at the top
  const cell = (i: number, j: number): number => {
    const c = Math.min(n - 1, Math.round((i / (cols - 1)) * (n - 1)));
    const r = Math.min(m - 1, Math.round(((rowsCells - 1 - j) / (rowsCells - 1)) * (m - 1)));
    return norm(land.values[r * n + c]);
  };
  const toCell = (x: number, y: number): [number, number] => [Math.round(((x - xlo) / (xhi - xlo)) * (cols - 1)), Math.round(((yhi - y) / (yhi - ylo)) * (rowsCells - 1))];
  const marks = new Map<string, string>();
  if (land.path) {
    for (const p of land.path.points) { const [i, j] = toCell(p.x, p.y); marks.set(`${i},${j}`, '*'); }
    const last = land.path.points[land.path.points.length - 1];
    const [i, j] = toCell(last.x, last.y); marks.set(`${i},${j}`, 'X');
  }
  { const [i, j] = toCell(land.current.x, land.current.y); marks.set(`${i},${j}`, 'O'); }
  const label = (v: number): string => fmt(v, 3).padStart(7);
  const lines: string[] = [`${title(land)}  (${land.aliases[1]} up, ${land.aliases[0]} across)`];
  const lineCount = color ? Math.ceil(rowsCells / 2) : rowsCells;
  for (let l = 0; l < lineCount; l++) {
    const yLabel = l === 0 ? label(yhi) : l === lineCount - 1 ? label(ylo) : ' '.repeat(7);
    let s = `${yLabel} `;
    for (let i = 0; i < cols; i++) {
      if (color) {
        const top = l * 2, bottom = Math.min(rowsCells - 1, l * 2 + 1);
        const mark = marks.get(`${i},${top}`) ?? marks.get(`${i},${bottom}`);
        const ct = viridis(cell(i, top)), cb = viridis(cell(i, bottom));
        if (mark) {
          const bg = ct.map((v, k) => Math.round((v + cb[k]) / 2));
          const fg = mark === 'O' ? [255, 255, 255] : [255, 80, 70];
          s += `\x1b[38;2;${fg.join(';')}m\x1b[48;2;${bg.join(';')}m${mark === 'O' ? '●' : mark === 'X' ? '◆' : '•'}`;
        } else s += `\x1b[38;2;${ct.join(';')}m\x1b[48;2;${cb.join(';')}m▀`;
      } else {
        s += marks.get(`${i},${l}`) ?? SHADES[Math.min(SHADES.length - 1, Math.floor(cell(i, l) * SHADES.length))];
      }
    }
    lines.push(color ? `${s}\x1b[0m` : s);
  }
  const axis = `${' '.repeat(8)}${fmt(xlo, 3)}`;
  const right = fmt(xhi, 3);
  lines.push(`${axis}${' '.repeat(Math.max(1, 8 + cols - axis.length - right.length))}${right}`);
  const scale = color
    ? `${Array.from({ length: 10 }, (_, k) => `\x1b[48;2;${viridis(k / 9).join(';')}m  `).join('')}\x1b[0m`
    : `"${SHADES}"`;
  lines.push(`loss ${fmt(land.min.loss, 3)} ${scale} ${fmt(land.max.loss, 3)}   ${color ? '●' : 'O'} ${pointName(land)} (${coord(land.current.x, xhi - xlo)}, ${coord(land.current.y, yhi - ylo)}) loss ${fmt(land.current.loss, 4)}`);
  if (land.path) lines.push(`${color ? '• route, ◆ end' : '* route, X end'}: ${pathLabel(land)}`);
  return `${lines.join('\n')}\n`;
}
