/**
 * How the explainer writes numbers and tables: significant-digit rounding that drops trailing zeros
 * (0.16 stays 0.16, 0.539914… becomes 0.5399), parenthesised negatives inside sums, and plain-text
 * tables whose columns line up in a terminal (widths counted in code points, so σ and ∂ align).
 */
import { ValueError } from '../tensor/errors.js';

/**
 * A number rounded to `digits` significant digits, trailing zeros dropped, ASCII minus.
 * @example fmt(0.539914884556) // '0.5399'
 * @example fmt(-0.145) // '-0.145'
 */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return '0';
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e-4 && a < 10 ** Math.max(digits, 6)) {
    s = x.toPrecision(digits);
    if (s.includes('e')) s = String(Number(s));
    else if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  } else {
    const [m, e] = x.toExponential(digits - 1).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    s = `${mant}e${e}`;
  }
  return s === '-0' ? '0' : s;
}

/** fmt, with parentheses around negatives, for use as a factor or term: (-0.2). */
export function fmtFactor(x: number, digits = 4): string {
  const s = fmt(x, digits);
  return s.startsWith('-') ? `(${s})` : s;
}

/** Rounds to significant digits as a number (what a person writing the table would keep). */
export function roundSig(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/** Checks a `digits` option: an integer from 1 to 17. */
export function checkDigits(where: string, digits: number): number {
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) {
    throw new ValueError(`${where}: digits must be an integer from 1 to 17, got ${digits}`);
  }
  return digits;
}

/** Display width in code points (every character the explainer prints is one column wide). */
export function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/** Columns whose cells look numeric are right-aligned; others left-aligned. */
function isNumeric(s: string): boolean {
  return /^[-+(]?[0-9.]+(e[-+]?\d+)?\)?$/.test(s) || s === 'NaN' || /^-?Infinity$/.test(s);
}

/** How a text table may be narrowed to fit a width. */
export interface TableFit {
  /** Most columns of text per line (code points, indent included); no limit when absent. */
  width?: number;
  /** Columns that go first when the table is too wide (their content is shown elsewhere). */
  optional?: readonly number[];
  /** A column of written-out sums or products that may wrap onto continuation lines at ' + ' or ' · '. */
  wrap?: number;
}

/** A written-out sum or product broken at its ' + ' / ' · ' joins into lines of at most `limit` columns. */
export function wrapTerms(cell: string, limit: number): string[] {
  const pieces = cell.split(/(?= [+·] )/);
  const lines: string[] = [];
  let cur = '';
  for (const piece of pieces) {
    if (cur !== '' && width(cur + piece) > limit) {
      lines.push(cur);
      cur = `  ${piece.trimStart()}`;
    } else cur += piece;
  }
  lines.push(cur);
  return lines;
}

/** Prose broken at spaces into lines of at most `limit` columns; continuation lines start with `hang`. */
export function wrapText(text: string, limit: number, hang = ''): string[] {
  if (width(text) <= limit) return [text];
  const lead = /^ */.exec(text)![0];
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let cur = lead;
  for (const w of words) {
    if (cur.trim() !== '' && width(`${cur} ${w}`) > limit) {
      lines.push(cur);
      cur = `${lead}${hang}${w}`;
    } else cur = cur.trim() === '' ? `${cur}${w}` : `${cur} ${w}`;
  }
  lines.push(cur);
  return lines;
}

/**
 * A plain-text table: a header row, a rule of dashes, then the rows, columns separated by two spaces.
 * With `fit.width`, a table too wide loses its optional columns, then wraps its `wrap` column.
 * @example textTable(['x', 'y'], [['1', '2']], '  ')
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], indent = '', fit: TableFit = {}): string {
  const total = (h: readonly string[], rs: readonly (readonly string[])[]): number =>
    width(indent) + h.reduce((sum, _, c) => sum + Math.max(width(h[c]), ...rs.map((r) => width(r[c] ?? ''))), 0) + 2 * (h.length - 1);
  let hs = [...header];
  let rs = rows.map((r) => [...r]);
  let wrap = fit.wrap;
  if (fit.width !== undefined && total(hs, rs) > fit.width && fit.optional?.length) {
    const keep = hs.map((_, c) => c).filter((c) => !fit.optional!.includes(c));
    if (wrap !== undefined) wrap = keep.indexOf(wrap) >= 0 ? keep.indexOf(wrap) : undefined;
    hs = keep.map((c) => hs[c]);
    rs = rs.map((r) => keep.map((c) => r[c] ?? ''));
  }
  // rows of one table row: continuation lines carry only the wrapped cell
  let lines: string[][] = rs.map((r) => r);
  if (fit.width !== undefined && wrap !== undefined && total(hs, rs) > fit.width) {
    const w = wrap;
    const others = total(hs, rs) - Math.max(width(hs[w]), ...rs.map((r) => width(r[w] ?? '')));
    const limit = Math.max(12, width(hs[w]), fit.width - others);
    lines = rs.flatMap((r) => wrapTerms(r[w] ?? '', limit).map((part, k) => (k === 0 ? r.map((cell, c) => (c === w ? part : cell)) : hs.map((_, c) => (c === w ? part : '')))));
  }
  const n = hs.length;
  const widths = hs.map((h, c) => Math.max(width(h), ...lines.map((r) => width(r[c] ?? ''))));
  const numeric = hs.map((_, c) => lines.length > 0 && lines.every((r) => (r[c] ?? '') === '' || isNumeric(r[c] ?? '')));
  const line = (cells: readonly string[]): string =>
    indent + Array.from({ length: n }, (_, c) => pad(cells[c] ?? '', widths[c], numeric[c])).join('  ').replace(/\s+$/, '');
  const rule = indent + widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(hs), rule, ...lines.map(line)].join('\n');
}

/** A Markdown table (pipes in cells escaped). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
