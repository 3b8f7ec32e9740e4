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

export type FeatureSpec =
  | { name: string; kind: 'numeric'; mean: number; std: number }
  | { name: string; kind: 'categorical'; categories: string[] };

export type TargetSpec =
  | { name: string; kind: 'classify'; labels: string[] }
  | { name: string; kind: 'regress'; mean: number; std: number };

/** Everything needed to encode a new file the way the training file was encoded; plain JSON. */
export interface Preprocessor {
  version: 1;
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
function selectRows(table: CsvTable, cols: readonly number[], dropMissing: boolean): { kept: number[]; droppedLines: number[] } {
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
        `${n} row${n === 1 ? ' has' : 's have'} missing values: fill them in, or drop those rows (dropMissing, --drop-missing)`,
    );
  }
  if (kept.length === 0) {
    throw new DataError(`${table.source}: all ${table.rows.length} rows have a missing value in a used column, so no rows are left; fill in the values or exclude the emptiest columns`);
  }
  return { kept, droppedLines };
}

function notNumber(table: CsvTable, r: number, c: number, why: string): DataError {
  return new DataError(
    `${table.source} line ${table.lines[r]}, column ${quoteCell(table.columns[c])}: ${quoteCell(table.rows[r][c].trim())} is not a number, ${why}`,
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
  checkOptions('fitPreprocessor', options, ['target', 'task', 'dropMissing', 'exclude', 'categorical']);
  if (options === undefined || typeof options.target !== 'string') {
    throw new ValueError(`fitPreprocessor: option 'target' (the column to predict) is required; the columns are ${listNames(table.columns)}`);
  }
  const { task } = options;
  if (task !== undefined && task !== 'classify' && task !== 'regress') {
    throw new ValueError(`fitPreprocessor: task must be 'classify' or 'regress', got ${JSON.stringify(task)}`);
  }
  const exclude = checkNameList('fitPreprocessor', 'exclude', options.exclude);
  const categorical = checkNameList('fitPreprocessor', 'categorical', options.categorical);
  const t = columnIndex(table, options.target, 'the target');
  for (const name of exclude) columnIndex(table, name, 'in exclude');
  for (const name of categorical) columnIndex(table, name, 'in categorical');

  const featureCols: number[] = [];
  for (let c = 0; c < table.columns.length; c++) {
    if (c !== t && !exclude.includes(table.columns[c])) featureCols.push(c);
  }
  if (featureCols.length === 0) {
    throw new DataError(`${table.source}: no feature columns left besides the target ${quoteCell(options.target)}; the file needs at least one input column`);
  }
  const { kept } = selectRows(table, [...featureCols, t], options.dropMissing === true);

  const features: FeatureSpec[] = featureCols.map((c) => {
    const name = table.columns[c];
    const info = columnInfo(table, c, kept);
    if (categorical.includes(name) || info.kind === 'categorical') {
      return { name, kind: 'categorical', categories: sortedValues(table, c, kept) };
    }
    return { name, kind: 'numeric', ...meanStd(numbers(table, c, kept, 'but the column holds numbers; fix the cell, leave it empty to mark it missing, or declare the column categorical')) };
  });

  const targetName = table.columns[t];
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
  return { version: PREPROCESSOR_VERSION, features, target };
}

function numbers(table: CsvTable, c: number, rows: readonly number[], why: string): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = parseNumber(table.rows[rows[i]][c]);
    if (v === null) throw notNumber(table, rows[i], c, why);
    out[i] = v;
  }
  return out;
}

export interface PreprocessorApplyOptions {
  /** The table must have the target column, and targets are returned (default true; false for predict, which ignores the column). */
  requireTarget?: boolean;
  /** Skip rows with a missing value in a used column instead of failing (default false). */
  dropMissing?: boolean;
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
  checkOptions('applyPreprocessor', options, ['requireTarget', 'dropMissing']);
  const requireTarget = options.requireTarget ?? true;
  const missingCols = pre.features.filter((f) => !table.columns.includes(f.name)).map((f) => f.name);
  if (missingCols.length > 0) {
    throw new DataError(
      `${table.source}: missing column${missingCols.length === 1 ? '' : 's'} ${listNames(missingCols)} that the model was trained on; ` +
        `the file has columns ${listNames(table.columns)}`,
    );
  }
  const featureCols = pre.features.map((f) => table.columns.indexOf(f.name));
  const t = requireTarget ? columnIndex(table, pre.target.name, 'the target the model was trained to predict') : -1;
  const used = t >= 0 ? [...featureCols, t] : featureCols;
  const { kept, droppedLines } = selectRows(table, used, options.dropMissing === true);

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
      if (f.kind === 'numeric') {
        const v = parseNumber(row[c]);
        if (v === null) throw notNumber(table, r, c, 'but the model saw numbers in this column; fix the cell, or leave it empty to mark it missing');
        inputs[o++] = (v - f.mean) / f.std;
      } else {
        const j = lookup(catIndex[k] as Map<string, number>, row[c]);
        if (j === undefined) {
          throw new DataError(
            `${table.source} line ${table.lines[r]}, column ${quoteCell(f.name)}: unknown category ${quoteCell(row[c].trim())}; the model knows ${listNames(f.categories)}`,
          );
        }
        inputs[o + j] = 1;
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

  const top = obj(value, field, ['version', 'features', 'target']);
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
      const o = obj(f, path, ['name', 'kind', 'mean', 'std']);
      spec = { name: name(o.name, `${path}.name`), kind, mean: finite(o.mean, `${path}.mean`), std: positive(o.std, `${path}.std`) };
    } else if (kind === 'categorical') {
      const o = obj(f, path, ['name', 'kind', 'categories']);
      spec = { name: name(o.name, `${path}.name`), kind, categories: strings(o.categories, `${path}.categories`, 1) };
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
  return { version: PREPROCESSOR_VERSION, features, target };
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try { s = JSON.stringify(v) ?? String(v); } catch { s = String(v); }
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
