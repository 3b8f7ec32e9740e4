/**
 * Tabular data → network inputs: the column kinds of a CSV table, and a JSON-able `Preprocessor`
 * (standardisation statistics, one-hot categories, class labels) fitted on training data and saved
 * with the model, so evaluate/predict encode new files exactly as training did. Every problem with
 * the data is a DataError naming the file, the line and the column, and the fix.
 */
import { DataError, ShapeError, ValueError } from '../tensor/errors.js';
import type { CsvTable } from './csv.js';
import { checkOptions, listNames, quoteCell } from './options.js';

export type ColumnKind = 'numeric' | 'categorical';
export type Task = 'classify' | 'regress';

/** Cells (after trimming whitespace) that mean "no value". */
export const MISSING_VALUES: readonly string[] = ['', '?', 'NA', 'N/A', 'na', 'n/a', 'NaN', 'nan', 'NAN', 'null', 'NULL', '#N/A', '<NA>'];
const MISSING = new Set(MISSING_VALUES);

/** A numeric column with at least this share of numbers among its values is numeric with typos, not categorical. */
const NUMERIC_SHARE = 0.9;
/** A numeric target of integers with at most this many distinct values is a class label. */
export const MAX_INTEGER_CLASSES = 10;
export const PREPROCESSOR_VERSION = 1;

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell as a finite number, or null if it is not one (thousands separators, hex, 'Infinity' are not).
 * @example parseNumber(' -1.5e2 ') // -150
 */
export function parseNumber(cell: string): number | null {
  const s = cell.trim();
  if (!NUMBER_RE.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/**
 * Whether a cell means "missing": empty, or one of MISSING_VALUES (NA, NaN, ?, null, …).
 * @example isMissing(' NA ') // true
 */
export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim());
}

function describeMissing(cell: string): string {
  const s = cell.trim();
  return s === '' ? 'empty cell' : quoteCell(s);
}

/** What a column holds, as far as kind inference is concerned. */
export interface ColumnInfo {
  name: string;
  /**
   * 'numeric' when at least 90% of the non-missing cells are numbers (any others are then typos that
   * fitPreprocessor reports), otherwise 'categorical'.
   */
  kind: ColumnKind;
  /** Missing cells (see MISSING_VALUES). */
  missing: number;
  /** Non-missing cells that are not numbers. */
  nonNumeric: number;
  /** Distinct non-missing values (trimmed). */
  distinct: number;
}

/**
 * Infers each column's kind from its cells.
 * @example describeColumns(parseCsv('a,b\n1,x\n2,y')).map((c) => c.kind) // ['numeric', 'categorical']
 */
export function describeColumns(table: CsvTable): ColumnInfo[] {
  const rows = allRows(table);
  return table.columns.map((_, c) => columnInfo(table, c, rows));
}

function allRows(table: CsvTable): number[] {
  return table.rows.map((_, i) => i);
}

function columnInfo(table: CsvTable, c: number, rows: readonly number[]): ColumnInfo {
  let missing = 0;
  let nonNumeric = 0;
  const seen = new Set<string>();
  for (const r of rows) {
    const cell = table.rows[r][c];
    if (isMissing(cell)) { missing++; continue; }
    const s = cell.trim();
    seen.add(s);
    if (parseNumber(s) === null) nonNumeric++;
  }
  const present = rows.length - missing;
  const kind: ColumnKind = present > 0 && (present - nonNumeric) / present >= NUMERIC_SHARE ? 'numeric' : nonNumeric === 0 ? 'numeric' : 'categorical';
  return { name: table.columns[c], kind, missing, nonNumeric, distinct: seen.size };
}

/** How `impute` fills a missing input cell: the training column's mean, median or most frequent value. */
export type ImputeStrategy = 'mean' | 'median' | 'most-frequent';
export const IMPUTE_STRATEGIES: readonly ImputeStrategy[] = ['mean', 'median', 'most-frequent'];

/** What applyPreprocessor does with a category the model never saw: stop ('error'), or encode it as all zeros ('ignore', as the ONNX export does). */
export type UnknownPolicy = 'error' | 'ignore';
export const UNKNOWN_POLICIES: readonly UnknownPolicy[] = ['error', 'ignore'];

/** The largest finite float32 (about 3.4e38): a cell beyond it would become Infinity in the network. */
export const FLOAT32_MAX = 3.4028234663852886e38;

export type FeatureSpec =
  | { name: string; kind: 'numeric'; mean: number; std: number; fill?: number }
  | { name: string; kind: 'categorical'; categories: string[]; fill?: string };

export type TargetSpec =
  | { name: string; kind: 'classify'; labels: string[] }
  | { name: string; kind: 'regress'; mean: number; std: number };

/** Everything needed to encode a new file the way the training file was encoded; plain JSON. */
export interface Preprocessor {
  version: 1;
  /** Set when missing input cells are filled (each feature's `fill`) instead of being an error. */
  impute?: ImputeStrategy;
  /** In encoding order: a numeric feature gives one input, a categorical one input per category. */
  features: FeatureSpec[];
  target: TargetSpec;
}

export interface PreprocessorFitOptions {
  /** The column to predict. */
  target: string;
  /**
   * 'classify' or 'regress'. When absent: a target with any non-numeric value, or whose values are
   * all integers with at most 10 distinct values, is classification; any other numeric target is
   * regression.
   */
  task?: Task;
  /** Skip rows with a missing value in a used column instead of failing (default false). */
  dropMissing?: boolean;
  /** Columns not to use as features (an id column, say). */
  exclude?: string[];
  /** Columns to one-hot encode even though they hold numbers (codes such as 1 = red, 2 = green). */
  categorical?: string[];
  /**
   * Fill missing input cells instead of failing: numeric columns with the training column's mean,
   * median or most frequent value, categorical columns always with their most frequent value. The
   * fill values are saved in the preprocessor and used by applyPreprocessor.
   */
  impute?: ImputeStrategy;
  /**
   * Standardise numeric input columns with the training column's mean and standard deviation
   * (default true). false keeps their values as they are (mean 0, std 1 in the preprocessor): token
   * ids for an embedding, or values already scaled.
   */
  standardize?: boolean;
}

function columnIndex(table: CsvTable, name: string, role: string): number {
  const c = table.columns.indexOf(name);
  if (c < 0) {
    throw new DataError(`${table.source}: no column ${quoteCell(name)} (${role}); the columns are ${listNames(table.columns)}`);
  }
  return c;
}

function checkNameList(fn: string, option: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ValueError(`${fn}: option '${option}' must be an array of column names`);
  }
  return value as string[];
}

/** Rows (by index) that have no missing value in `cols`, or the first missing one as an error. */
function selectRows(table: CsvTable, cols: readonly number[], dropMissing: boolean, imputing = false): { kept: number[]; droppedLines: number[] } {
  const kept: number[] = [];
  const droppedLines: number[] = [];
  let first: { r: number; c: number } | null = null;
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r];
    let bad = -1;
    for (const c of cols) if (isMissing(row[c])) { bad = c; break; }
    if (bad < 0) { kept.push(r); continue; }
    droppedLines.push(table.lines[r]);
    if (first === null) first = { r, c: bad };
  }
  if (first !== null && !dropMissing) {
    const n = droppedLines.length;
    throw new DataError(
      `${table.source} line ${table.lines[first.r]}, column ${quoteCell(table.columns[first.c])}: missing value (${describeMissing(table.rows[first.r][first.c])}); ` +
        `${n} row${n === 1 ? ' has' : 's have'} missing values: fill them in, or drop those rows (dropMissing, --drop-missing)${imputing ? '' : ', or fill input cells with --impute mean|median|most-frequent (option impute)'}`,
    );
  }
  if (kept.length === 0) {
    throw new DataError(`${table.source}: all ${table.rows.length} rows have a missing value in a used column, so no rows are left; fill in the values, leave the emptiest columns out (--exclude, option exclude), or fill missing inputs (--impute, option impute)`);
  }
  return { kept, droppedLines };
}

function notNumber(table: CsvTable, r: number, c: number, why: string): DataError {
  return new DataError(
    `${table.source} line ${table.lines[r]}, column ${quoteCell(table.columns[c])}: ${quoteCell(table.rows[r][c].trim())} is not a number, ${why}`,
  );
}

function outOfRange(table: CsvTable, r: number, c: number): DataError {
  return new DataError(
    `${table.source} line ${table.lines[r]}, column ${quoteCell(table.columns[c])}: ${quoteCell(table.rows[r][c].trim())} is outside float32's range (about ±3.4e38), the network's number type; rescale the column`,
  );
}

/** Mean and population standard deviation (std 0 becomes 1, so a constant column encodes as 0). */
function meanStd(values: Float64Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const std = Math.sqrt(ss / values.length);
  return { mean, std: std > 0 && Number.isFinite(std) ? std : 1 };
}

/** Distinct trimmed values, sorted: numerically (and written canonically) when all are numbers. */
function sortedValues(table: CsvTable, c: number, rows: readonly number[]): string[] {
  const set = new Set<string>();
  for (const r of rows) set.add(table.rows[r][c].trim());
  const values = [...set];
  if (values.every((v) => parseNumber(v) !== null)) {
    const nums = [...new Set(values.map((v) => parseNumber(v) as number))].sort((a, b) => a - b);
    return nums.map((v) => String(v));
  }
  return values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Fits the preprocessing on a training table: column kinds, standardisation statistics, categories
 * and class labels. Categories and labels are sorted (numerically when they are numbers), so the
 * encoding does not depend on row order.
 *
 * @example
 * const pre = fitPreprocessor(parseCsv('size,colour,kind\n1,red,a\n3,blue,b\n'), { target: 'kind' });
 * pre.features // [{ name: 'size', kind: 'numeric', mean: 2, std: 1 }, { name: 'colour', kind: 'categorical', categories: ['blue', 'red'] }]
 * pre.target   // { name: 'kind', kind: 'classify', labels: ['a', 'b'] }
 */
export function fitPreprocessor(table: CsvTable, options: PreprocessorFitOptions): Preprocessor {
  checkOptions('fitPreprocessor', options, ['target', 'task', 'dropMissing', 'exclude', 'categorical', 'impute', 'standardize']);
  if (options.standardize !== undefined && typeof options.standardize !== 'boolean') throw new ValueError(`fitPreprocessor: standardize must be true or false, got ${JSON.stringify(options.standardize)}`);
  const scale = options.standardize === false ? () => ({ mean: 0, std: 1 }) : meanStd;
  if (options === undefined || typeof options.target !== 'string') {
    throw new ValueError(`fitPreprocessor: option 'target' (the column to predict) is required; the columns are ${listNames(table.columns)}`);
  }
  const { task } = options;
  if (task !== undefined && task !== 'classify' && task !== 'regress') {
    throw new ValueError(`fitPreprocessor: task must be 'classify' or 'regress', got ${JSON.stringify(task)}`);
  }
  const exclude = checkNameList('fitPreprocessor', 'exclude', options.exclude);
  const categorical = checkNameList('fitPreprocessor', 'categorical', options.categorical);
  const impute = options.impute;
  if (impute !== undefined && !IMPUTE_STRATEGIES.includes(impute)) {
    throw new ValueError(`fitPreprocessor: impute must be one of ${IMPUTE_STRATEGIES.join(', ')}, got ${JSON.stringify(impute)}`);
  }
  const t = columnIndex(table, options.target, 'the target');
  for (const name of exclude) columnIndex(table, name, 'in exclude');
  for (const name of categorical) columnIndex(table, name, 'in categorical');
  if (exclude.includes(options.target)) throw new DataError(`${table.source}: ${quoteCell(options.target)} is the target; it cannot also be excluded`);
  for (const name of categorical) if (exclude.includes(name)) throw new DataError(`${table.source}: column ${quoteCell(name)} is both excluded and categorical; choose one`);
  if (categorical.includes(options.target)) throw new DataError(`${table.source}: ${quoteCell(options.target)} is the target; --categorical is for input columns (use task classify for the target)`);

  const featureCols: number[] = [];
  for (let c = 0; c < table.columns.length; c++) {
    if (c !== t && !exclude.includes(table.columns[c])) featureCols.push(c);
  }
  if (featureCols.length === 0) {
    throw new DataError(`${table.source}: no feature columns left besides the target ${quoteCell(options.target)}; the file needs at least one input column`);
  }
  // With impute, only a missing target drops or stops a row; missing inputs are filled.
  const { kept } = selectRows(table, impute ? [t] : [...featureCols, t], options.dropMissing === true, impute !== undefined);

  const features: FeatureSpec[] = featureCols.map((c) => {
    const name = table.columns[c];
    const forced = categorical.includes(name);
    const present = impute ? kept.filter((r) => !isMissing(table.rows[r][c])) : kept;
    if (present.length === 0) throw new DataError(`${table.source}: column ${quoteCell(name)} has no values, only missing cells, so there is nothing to impute from; --exclude ${name}`);
    if (!forced) checkColumn(table, c, present, 'input');
    const info = columnInfo(table, c, present);
    if (forced || info.kind === 'categorical') {
      const categories = sortedValues(table, c, present);
      if (!forced && categories.length > ID_MIN_DISTINCT && categories.length >= ID_SHARE * present.length) {
        throw new DataError(
          `${table.source}: column ${quoteCell(name)} looks like an identifier (${categories.length} distinct values in ${present.length} rows); ` +
            `one-hot encoding it would add ${categories.length} inputs that cannot generalise: leave it out (--exclude ${name}, option exclude), or keep it as categories (--categorical ${name})`,
        );
      }
      const spec: FeatureSpec = { name, kind: 'categorical', categories };
      if (impute) spec.fill = mostFrequent(table, c, present, categories);
      return spec;
    }
    const values = numbers(table, c, present, `but the column holds numbers; fix the cell, leave it empty to mark it missing, or treat the column as categories (--categorical ${name}) or leave it out (--exclude ${name})`);
    if (!impute) return { name, kind: 'numeric', ...scale(values) };
    const fill = fillValue(values, impute);
    const filled = new Float64Array(kept.length).fill(fill);
    let k = 0;
    kept.forEach((r, i) => { if (!isMissing(table.rows[r][c])) filled[i] = values[k++]; });
    return { name, kind: 'numeric', ...scale(filled), fill };
  });

  const targetName = table.columns[t];
  if (task === undefined) checkColumn(table, t, kept, 'target');
  else checkControl(table, t, kept, 'target');
  const targetInfo = columnInfo(table, t, kept);
  let kind: Task;
  if (task !== undefined) kind = task;
  else if (targetInfo.nonNumeric > 0) kind = 'classify';
  else {
    const integral = kept.every((r) => Number.isInteger(parseNumber(table.rows[r][t]) as number));
    kind = integral && sortedValues(table, t, kept).length <= MAX_INTEGER_CLASSES ? 'classify' : 'regress';
  }
  let target: TargetSpec;
  if (kind === 'classify') {
    const labels = sortedValues(table, t, kept);
    if (labels.length < 2) {
      throw new DataError(`${table.source}: the target column ${quoteCell(targetName)} has only one value (${quoteCell(labels[0])}); classification needs at least two classes`);
    }
    target = { name: targetName, kind: 'classify', labels };
  } else {
    target = { name: targetName, kind: 'regress', ...meanStd(numbers(table, t, kept, 'but a regression target must be numeric; fix the cell, or use task classify')) };
  }
  return { version: PREPROCESSOR_VERSION, ...(impute ? { impute } : {}), features, target };
}

/** A text column with more distinct values than this, nearly all different, is an identifier. */
const ID_MIN_DISTINCT = 20;
const ID_SHARE = 0.9;
const DECIMAL_COMMA_RE = /^[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+$/;
// C0 controls except tab, LF and CR, DEL, and the C1 controls.
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

function controlName(ch: string): string {
  const code = ch.charCodeAt(0);
  const names: Record<number, string> = { 0: 'NUL', 0x1b: 'ESC', 0x7f: 'DEL', 8: 'backspace', 0x0c: 'form feed' };
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}${names[code] ? ` ${names[code]}` : ''}`;
}

/** A cell with a control character (a NUL from a binary file, an escape sequence) is an error naming it. */
function checkControl(table: CsvTable, c: number, rows: readonly number[], role: 'input' | 'target'): void {
  for (const r of rows) {
    const m = CONTROL_RE.exec(table.rows[r][c]);
    if (m) {
      const name = table.columns[c];
      throw new DataError(
        `${table.source} line ${table.lines[r]}, column ${quoteCell(name)}: the cell holds a control character (${controlName(m[0])}); ` +
          (role === 'input' ? `fix the file, or leave the column out (--exclude ${name}, option exclude) or keep it as categories (--categorical ${name})` : 'fix the file (is it a text file?)'),
      );
    }
  }
}

/**
 * The checks a column gets before its kind is inferred: control characters, numbers written with a
 * decimal comma, and a column of numbers with a few other values (typos), for a target only when the
 * task is not given. Each names the column, a line, and the flag that resolves it.
 */
function checkColumn(table: CsvTable, c: number, rows: readonly number[], role: 'input' | 'target'): void {
  checkControl(table, c, rows, role);
  const name = table.columns[c];
  let numeric = 0, comma = 0, other = 0, firstComma = -1, firstOther = -1;
  for (const r of rows) {
    const cell = table.rows[r][c].trim();
    if (isMissing(cell)) continue;
    if (parseNumber(cell) !== null) numeric++;
    else if (DECIMAL_COMMA_RE.test(cell)) { comma++; if (firstComma < 0) firstComma = r; }
    else { other++; if (firstOther < 0) firstOther = r; }
  }
  const present = numeric + comma + other;
  const fixes = role === 'input' ? `treat the column as categories (--categorical ${name}, option categorical) or leave it out (--exclude ${name})` : `give the task (--task classify, option task) if its values are class labels`;
  if (comma > 0 && numeric + comma >= present / 2) {
    throw new DataError(
      `${table.source} line ${table.lines[firstComma]}, column ${quoteCell(name)}: ${quoteCell(table.rows[firstComma][c].trim())} is a number with a decimal comma (${comma} of ${present} cells are); ` +
        `backprop reads a point as the decimal mark: convert the file (1,5 → 1.5), or ${fixes}`,
    );
  }
  if (other > 0 && numeric >= present / 2) {
    throw new DataError(
      `${table.source} line ${table.lines[firstOther]}, column ${quoteCell(name)}: ${quoteCell(table.rows[firstOther][c].trim())} is not a number, but the column holds numbers (${numeric} of ${present} cells); ` +
        `fix the cell, leave it empty to mark it missing, or ${fixes}`,
    );
  }
}

/** The value to fill missing numeric cells with. */
function fillValue(values: Float64Array, strategy: ImputeStrategy): number {
  if (strategy === 'mean') { let s = 0; for (const v of values) s += v; return s / values.length; }
  const sorted = Float64Array.from(values).sort();
  if (strategy === 'median') {
    const m = sorted.length >> 1;
    return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
  let best = sorted[0], bestCount = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) { best = sorted[i]; bestCount = j - i; }
    i = j;
  }
  return best;
}

/** The most frequent category (ties: the first in sorted order). */
function mostFrequent(table: CsvTable, c: number, rows: readonly number[], categories: readonly string[]): string {
  const index = indexOf(categories);
  const counts = new Array<number>(categories.length).fill(0);
  for (const r of rows) { const j = lookup(index, table.rows[r][c]); if (j !== undefined) counts[j]++; }
  let best = 0;
  for (let j = 1; j < counts.length; j++) if (counts[j] > counts[best]) best = j;
  return categories[best];
}

function numbers(table: CsvTable, c: number, rows: readonly number[], why: string): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = parseNumber(table.rows[rows[i]][c]);
    if (v === null) throw notNumber(table, rows[i], c, why);
    if (Math.abs(v) > FLOAT32_MAX) throw outOfRange(table, rows[i], c);
    out[i] = v;
  }
  return out;
}

export interface PreprocessorApplyOptions {
  /** The table must have the target column, and targets are returned (default true; false for predict, which ignores the column). */
  requireTarget?: boolean;
  /** Skip rows with a missing value in a used column instead of failing (default false). */
  dropMissing?: boolean;
  /**
   * A category the model never saw: 'error' (the default) stops with the line and column; 'ignore'
   * encodes it as all zeros, as if the column told nothing (what the ONNX export does).
   */
  unknown?: UnknownPolicy;
}

export interface EncodedTable {
  /** Row-major n × d. */
  inputs: Float32Array;
  inputShape: [number, number];
  /** Class indices (classify) or standardised values (regress); absent when requireTarget is false. */
  targets?: Float32Array;
  /** Indices into table.rows of the rows encoded, in order. */
  rows: number[];
  /** File lines of the rows skipped for missing values (only with dropMissing). */
  droppedLines: number[];
  /** One name per input: the column name, or "column=category" for a one-hot input. */
  featureNames: string[];
}

/**
 * The number of network inputs the preprocessor produces.
 * @example featureWidth(pre) // 1 numeric + 3 categories = 4
 */
export function featureWidth(pre: Preprocessor): number {
  let d = 0;
  for (const f of pre.features) d += f.kind === 'numeric' ? 1 : f.categories.length;
  return d;
}

/**
 * Names of the encoded inputs, in order.
 * @example featureNames(pre) // ['size', 'colour=blue', 'colour=red']
 */
export function featureNames(pre: Preprocessor): string[] {
  const names: string[] = [];
  for (const f of pre.features) {
    if (f.kind === 'numeric') names.push(f.name);
    else for (const cat of f.categories) names.push(`${f.name}=${cat}`);
  }
  return names;
}

/** Finds a category or label: exact (trimmed) first, then as a canonical number ("1.0" finds "1"). */
function lookup(index: Map<string, number>, cell: string): number | undefined {
  const s = cell.trim();
  const hit = index.get(s);
  if (hit !== undefined) return hit;
  const v = parseNumber(s);
  return v === null ? undefined : index.get(String(v));
}

function indexOf(values: readonly string[]): Map<string, number> {
  return new Map(values.map((v, i) => [v, i]));
}

/**
 * Encodes a table with a fitted preprocessor: numeric columns standardised, categorical columns
 * one-hot, class labels as indices, regression targets standardised. Columns are found by name, so
 * their order in the file does not matter and extra columns are ignored.
 *
 * @example
 * const enc = applyPreprocessor(pre, parseCsv('size,colour,kind\n2,red,b\n'));
 * enc.inputs     // Float32Array [0, 0, 1]   (size (2 - 2) / 1, colour one-hot [blue, red])
 * enc.targets    // Float32Array [1]         (label 'b')
 * enc.inputShape // [1, 3]
 */
export function applyPreprocessor(pre: Preprocessor, table: CsvTable, options: PreprocessorApplyOptions = {}): EncodedTable {
  checkOptions('applyPreprocessor', options, ['requireTarget', 'dropMissing', 'unknown']);
  const requireTarget = options.requireTarget ?? true;
  const unknown = options.unknown ?? 'error';
  if (!UNKNOWN_POLICIES.includes(unknown)) throw new ValueError(`applyPreprocessor: unknown must be 'error' or 'ignore', got ${JSON.stringify(unknown)}`);
  const missingCols = pre.features.filter((f) => !table.columns.includes(f.name)).map((f) => f.name);
  if (missingCols.length > 0) {
    throw new DataError(
      `${table.source}: missing column${missingCols.length === 1 ? '' : 's'} ${listNames(missingCols)} that the model was trained on; ` +
        `the file has columns ${listNames(table.columns)}`,
    );
  }
  const featureCols = pre.features.map((f) => table.columns.indexOf(f.name));
  const t = requireTarget ? columnIndex(table, pre.target.name, 'the target the model was trained to predict') : -1;
  // Features with a fill value (impute) never drop or stop a row.
  const unfilled = featureCols.filter((_, k) => pre.features[k].fill === undefined);
  const used = t >= 0 ? [...unfilled, t] : unfilled;
  const { kept, droppedLines } = selectRows(table, used, options.dropMissing === true, pre.impute !== undefined);

  const d = featureWidth(pre);
  const n = kept.length;
  const inputs = new Float32Array(n * d);
  const catIndex = pre.features.map((f) => (f.kind === 'categorical' ? indexOf(f.categories) : null));
  for (let i = 0; i < n; i++) {
    const r = kept[i];
    const row = table.rows[r];
    let o = i * d;
    for (let k = 0; k < pre.features.length; k++) {
      const f = pre.features[k];
      const c = featureCols[k];
      const filled = f.fill !== undefined && isMissing(row[c]);
      if (f.kind === 'numeric') {
        const v = filled ? f.fill as number : parseNumber(row[c]);
        if (v === null) throw notNumber(table, r, c, 'but the model saw numbers in this column; fix the cell, or leave it empty to mark it missing');
        if (Math.abs(v) > FLOAT32_MAX) throw outOfRange(table, r, c);
        inputs[o++] = (v - f.mean) / f.std;
      } else {
        const j = lookup(catIndex[k] as Map<string, number>, filled ? f.fill as string : row[c]);
        if (j === undefined && unknown === 'error') {
          throw new DataError(
            `${table.source} line ${table.lines[r]}, column ${quoteCell(f.name)}: unknown category ${quoteCell(row[c].trim())}; the model knows ${listNames(f.categories)}` +
              ' (--unknown ignore encodes unknown categories as all zeros)',
          );
        }
        if (j !== undefined) inputs[o + j] = 1;
        o += f.categories.length;
      }
    }
  }
  const result: EncodedTable = { inputs, inputShape: [n, d], rows: kept, droppedLines, featureNames: featureNames(pre) };
  if (t >= 0) {
    const targets = new Float32Array(n);
    const tg = pre.target;
    const labelIndex = tg.kind === 'classify' ? indexOf(tg.labels) : null;
    for (let i = 0; i < n; i++) {
      const r = kept[i];
      const cell = table.rows[r][t];
      if (tg.kind === 'classify') {
        const j = lookup(labelIndex as Map<string, number>, cell);
        if (j === undefined) {
          throw new DataError(
            `${table.source} line ${table.lines[r]}, column ${quoteCell(tg.name)}: unknown class label ${quoteCell(cell.trim())}; the model knows ${listNames(tg.labels)}`,
          );
        }
        targets[i] = j;
      } else {
        const v = parseNumber(cell);
        if (v === null) throw notNumber(table, r, t, 'but the model predicts a number for this column; fix the cell, or leave it empty to mark it missing');
        if (Math.abs(v) > FLOAT32_MAX) throw outOfRange(table, r, t);
        targets[i] = (v - tg.mean) / tg.std;
      }
    }
    result.targets = targets;
  }
  return result;
}

/**
 * Turns a network output back into the target's terms: a class index into its label, a
 * standardised value into the original units.
 * @example decodeTarget(pre, 1) // 'b' for labels ['a', 'b']; for regress with mean 10, std 2: 12
 */
export function decodeTarget(pre: Preprocessor, value: number): string | number {
  const tg = pre.target;
  if (tg.kind === 'regress') return value * tg.std + tg.mean;
  if (!Number.isInteger(value) || value < 0 || value >= tg.labels.length) {
    throw new ValueError(`decodeTarget: class index must be an integer in [0, ${tg.labels.length - 1}], got ${value}`);
  }
  return tg.labels[value];
}

/**
 * The class labels (classify) in index order; throws for a regression preprocessor.
 * @example classLabels(pre) // ['a', 'b']
 */
export function classLabels(pre: Preprocessor): string[] {
  if (pre.target.kind !== 'classify') throw new ValueError(`classLabels: target ${quoteCell(pre.target.name)} is a regression target, it has no labels`);
  return pre.target.labels;
}

/**
 * Checks that a model's input width matches what the preprocessor produces.
 * @example checkFeatureCount(pre, network.inputs, 'model.json') // throws ShapeError on a mismatch
 */
export function checkFeatureCount(pre: Preprocessor, modelInputs: number, source = 'model'): void {
  const d = featureWidth(pre);
  if (d !== modelInputs) {
    throw new ShapeError(
      `${source}: the network takes ${modelInputs} input${modelInputs === 1 ? '' : 's'} but the preprocessor encodes ${d} (${listNames(featureNames(pre), 8)}); the model file is inconsistent: retrain it`,
    );
  }
}

/**
 * Checks that data has as many feature columns as a network has inputs (for a raw network spec
 * used without a preprocessor).
 * @example checkInputCount(2, dataset.inputNames.length, 'data.csv') // ok for a 2-input network
 */
export function checkInputCount(networkInputs: number, dataInputs: number, source = 'data'): void {
  if (networkInputs !== dataInputs) {
    throw new ShapeError(
      `${source}: ${dataInputs} feature column${dataInputs === 1 ? '' : 's'} but the network takes ${networkInputs} input${networkInputs === 1 ? '' : 's'}; ` +
        `use a file with ${networkInputs} input column${networkInputs === 1 ? '' : 's'} besides the target (or exclude the extra ones)`,
    );
  }
}

/**
 * Validates a preprocessor read from JSON (a model file) and returns a clean copy. Every problem is
 * a DataError naming the source and the field, e.g. "model.json: preprocessing.features[2].std must
 * be a positive finite number, got -1".
 *
 * @example
 * const pre = parsePreprocessor(JSON.parse(text).preprocessing, 'model.json');
 */
export function parsePreprocessor(value: unknown, source = 'preprocessor', field = 'preprocessing'): Preprocessor {
  const fail = (path: string, what: string, got: unknown): never => {
    throw new DataError(`${source}: ${path} ${what}, got ${show(got)}; the file is damaged or was not written by backprop: retrain to make a new one`);
  };
  const obj = (v: unknown, path: string, keys: readonly string[]): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object', v);
    for (const k of Object.keys(v as object)) {
      if (!keys.includes(k)) fail(`${path}.${k}`, `is not a known field (known: ${keys.join(', ')})`, (v as Record<string, unknown>)[k]);
    }
    return v as Record<string, unknown>;
  };
  const name = (v: unknown, path: string): string => (typeof v === 'string' && v !== '' ? v : fail(path, 'must be a non-empty string', v));
  const finite = (v: unknown, path: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'must be a finite number', v));
  const positive = (v: unknown, path: string): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fail(path, 'must be a positive finite number', v));
  const strings = (v: unknown, path: string, min: number): string[] => {
    if (!Array.isArray(v) || v.length < min) fail(path, `must be an array of at least ${min} string${min === 1 ? '' : 's'}`, v);
    const arr = v as unknown[];
    arr.forEach((s, i) => { if (typeof s !== 'string') fail(`${path}[${i}]`, 'must be a string', s); });
    const set = new Set(arr);
    if (set.size !== arr.length) fail(path, 'must not repeat a value', v);
    return [...(arr as string[])];
  };

  const top = obj(value, field, ['version', 'impute', 'features', 'target']);
  if (top.impute !== undefined && !IMPUTE_STRATEGIES.includes(top.impute as ImputeStrategy)) fail(`${field}.impute`, `must be one of ${IMPUTE_STRATEGIES.join(', ')}`, top.impute);
  if (top.version !== PREPROCESSOR_VERSION) {
    throw new DataError(`${source}: ${field}.version is ${show(top.version)}, but this backprop reads version ${PREPROCESSOR_VERSION}; retrain the model with this version`);
  }
  if (!Array.isArray(top.features) || top.features.length === 0) fail(`${field}.features`, 'must be a non-empty array', top.features);
  const seen = new Set<string>();
  const features: FeatureSpec[] = (top.features as unknown[]).map((f, i) => {
    const path = `${field}.features[${i}]`;
    const kind = (f !== null && typeof f === 'object' ? (f as Record<string, unknown>).kind : undefined);
    let spec: FeatureSpec;
    if (kind === 'numeric') {
      const o = obj(f, path, ['name', 'kind', 'mean', 'std', 'fill']);
      spec = { name: name(o.name, `${path}.name`), kind, mean: finite(o.mean, `${path}.mean`), std: positive(o.std, `${path}.std`) };
      if (o.fill !== undefined) spec.fill = finite(o.fill, `${path}.fill`);
    } else if (kind === 'categorical') {
      const o = obj(f, path, ['name', 'kind', 'categories', 'fill']);
      spec = { name: name(o.name, `${path}.name`), kind, categories: strings(o.categories, `${path}.categories`, 1) };
      if (o.fill !== undefined) {
        if (typeof o.fill !== 'string' || !spec.categories.includes(o.fill)) fail(`${path}.fill`, 'must be one of the categories', o.fill);
        spec.fill = o.fill as string;
      }
    } else {
      return fail(`${path}.kind`, "must be 'numeric' or 'categorical'", kind);
    }
    if (seen.has(spec.name)) fail(`${path}.name`, 'repeats an earlier feature name', spec.name);
    seen.add(spec.name);
    return spec;
  });
  const tpath = `${field}.target`;
  const tkind = top.target !== null && typeof top.target === 'object' ? (top.target as Record<string, unknown>).kind : undefined;
  let target: TargetSpec;
  if (tkind === 'classify') {
    const o = obj(top.target, tpath, ['name', 'kind', 'labels']);
    target = { name: name(o.name, `${tpath}.name`), kind: tkind, labels: strings(o.labels, `${tpath}.labels`, 2) };
  } else if (tkind === 'regress') {
    const o = obj(top.target, tpath, ['name', 'kind', 'mean', 'std']);
    target = { name: name(o.name, `${tpath}.name`), kind: tkind, mean: finite(o.mean, `${tpath}.mean`), std: positive(o.std, `${tpath}.std`) };
  } else {
    return fail(`${tpath}.kind`, "must be 'classify' or 'regress'", tkind);
  }
  if (seen.has(target.name)) fail(`${tpath}.name`, 'is also a feature name', target.name);
  return { version: PREPROCESSOR_VERSION, ...(top.impute !== undefined ? { impute: top.impute as ImputeStrategy } : {}), features, target };
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try { s = JSON.stringify(v) ?? String(v); } catch { s = String(v); }
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
