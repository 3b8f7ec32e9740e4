/**
 * The articles' tiny datasets, built in so every command and the playground can name them instead
 * of a file: the OR, AND and XOR gates (seed 000's neuron, XOR needing a hidden layer) and seed
 * 003's y = 2x table. Also `numericDataset`, which gives a CSV table the same plain shape.
 */
import { DataError, ValueError } from '../tensor/errors.js';
import type { CsvTable } from './csv.js';
import { checkOptions, listNames, quoteCell } from './options.js';
import { isMissing, parseNumber } from './tabular.js';

/** A small dataset as plain numbers: one row per example. */
export interface Dataset {
  name: string;
  /** inputs[i] is example i's input vector. */
  inputs: number[][];
  /** targets[i] is example i's target vector. */
  targets: number[][];
  inputNames: string[];
  targetNames: string[];
}

export const BUILTIN_DATASETS = ['or', 'and', 'xor', 'double'] as const;
export type BuiltinName = (typeof BUILTIN_DATASETS)[number];

const GATE_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const GATES: Record<'or' | 'and' | 'xor', (a: number, b: number) => number> = {
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  xor: (a, b) => a ^ b,
};

/** Whether `name` names a built-in dataset (so a CLI can tell it from a file path). */
export function isBuiltinDataset(name: string): name is BuiltinName {
  return (BUILTIN_DATASETS as readonly string[]).includes(name);
}

/**
 * A fresh copy of a built-in dataset. Gates list the rows in the order 00, 01, 10, 11; 'double'
 * is seed 003's table, inputs 0..4 and targets 2·input.
 *
 * @example
 * builtinDataset('xor').targets // [[0], [1], [1], [0]]
 * builtinDataset('double')      // inputs [[0], [1], [2], [3], [4]], targets [[0], [2], [4], [6], [8]]
 */
export function builtinDataset(name: string): Dataset {
  if (name === 'or' || name === 'and' || name === 'xor') {
    const f = GATES[name];
    return {
      name,
      inputs: GATE_INPUTS.map((r) => [...r]),
      targets: GATE_INPUTS.map(([a, b]) => [f(a, b)]),
      inputNames: ['x1', 'x2'],
      targetNames: ['y'],
    };
  }
  if (name === 'double') {
    const xs = [0, 1, 2, 3, 4];
    return { name, inputs: xs.map((x) => [x]), targets: xs.map((x) => [2 * x]), inputNames: ['x'], targetNames: ['y'] };
  }
  throw new ValueError(`builtinDataset: unknown dataset ${quoteCell(String(name))}; the built-in datasets are ${listNames(BUILTIN_DATASETS)}`);
}

export interface NumericDatasetOptions {
  /** Target column name(s). */
  target: string | string[];
  /** Columns to leave out of the inputs. */
  exclude?: string[];
}

/**
 * A CSV table as raw numbers (no standardisation), for a network spec used as it is (explain,
 * gradcheck, landscape with --data file.csv --target col). Every used cell must be a number.
 *
 * @example
 * numericDataset(parseCsv('a,b,y\n0,1,1\n1,1,0'), { target: 'y' }).inputs // [[0, 1], [1, 1]]
 */
export function numericDataset(table: CsvTable, options: NumericDatasetOptions): Dataset {
  checkOptions('numericDataset', options, ['target', 'exclude']);
  const targets = typeof options?.target === 'string' ? [options.target] : options?.target;
  if (!Array.isArray(targets) || targets.length === 0 || targets.some((t) => typeof t !== 'string')) {
    throw new ValueError(`numericDataset: option 'target' must name a column (or several); the columns are ${listNames(table.columns)}`);
  }
  const exclude = options.exclude ?? [];
  for (const name of [...targets, ...exclude]) {
    if (!table.columns.includes(name)) throw new DataError(`${table.source}: no column ${quoteCell(name)}; the columns are ${listNames(table.columns)}`);
  }
  const inputNames = table.columns.filter((c) => !targets.includes(c) && !exclude.includes(c));
  if (inputNames.length === 0) throw new DataError(`${table.source}: no input columns left besides the target; the file needs at least one input column`);
  const read = (names: string[]) => {
    const cols = names.map((n) => table.columns.indexOf(n));
    return table.rows.map((row, r) =>
      cols.map((c) => {
        const v = parseNumber(row[c]);
        if (v === null) {
          const what = isMissing(row[c]) ? 'missing value' : `${quoteCell(row[c].trim())} is not a number`;
          throw new DataError(`${table.source} line ${table.lines[r]}, column ${quoteCell(table.columns[c])}: ${what}; this network takes the file's numbers as they are, so every cell must be a number`);
        }
        return v;
      }),
    );
  };
  return { name: table.source, inputs: read(inputNames), targets: read(targets), inputNames, targetNames: [...targets] };
}
