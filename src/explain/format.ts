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

/**
 * A plain-text table: a header row, a rule of dashes, then the rows, columns separated by two spaces.
 * @example textTable(['x', 'y'], [['1', '2']], '  ')
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string {
  const n = header.length;
  const widths = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c] ?? ''))));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => (r[c] ?? '') === '' || isNumeric(r[c] ?? '')));
  const line = (cells: readonly string[]): string =>
    indent + Array.from({ length: n }, (_, c) => pad(cells[c] ?? '', widths[c], numeric[c])).join('  ').replace(/\s+$/, '');
  const rule = indent + widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
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
