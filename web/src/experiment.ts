/**
 * From a state to what training needs, using only the library: the points (built-in gates, the
 * seeded 2-D generators, or a CSV through the library's parser and preprocessing), the train/test
 * split, and the NetworkSpec. Pure functions, shared by the page and the worker; a bad CSV throws
 * the library's DataError with its line and column, and nothing here keeps state.
 */
import {
  applyPreprocessor, builtinDataset, DataError, fitPreprocessor, parseCsv, PREPROCESSOR_VERSION, Random, synthetic, trainTestSplit,
  type DenseNetworkSpec as NetworkSpec, type Preprocessor,
} from '../../src/index.js';
import { isGate, isRegression, type PlaygroundState } from './state.js';

/** Points: x[i] = [x1, x2]; label[i] ∈ {0, 1}, or for a regression set the value to predict (−1 … 1). */
export interface Points {
  x: number[][];
  label: number[];
}

export interface Domain {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

export interface ExperimentData {
  /** Two classes, or a number to predict (the regression sets). */
  task: 'classify' | 'regress';
  train: Points;
  test: Points;
  /** The square of input space the pictures show. */
  domain: Domain;
  inputNames: [string, string];
  /** Class names (index 0 and 1). */
  classes: [string, string];
  /**
   * Saved into exported model files so `backprop predict` reads CSV columns named like the inputs:
   * the CSV's fitted standardisation, or the identity for the built-in sets.
   */
  preprocessing: Preprocessor;
  /** One line for people, e.g. 'XOR quadrants: 100 training and 100 test points'. */
  summary: string;
}

/** Inputs used as they are (mean 0, std 1) and labels '0'/'1': what the built-in sets need. */
function identityPreprocessing(names: [string, string]): Preprocessor {
  return {
    version: PREPROCESSOR_VERSION,
    features: names.map((name) => ({ name, kind: 'numeric' as const, mean: 0, std: 1 })),
    target: { name: 'label', kind: 'classify', labels: ['0', '1'] },
  };
}

function take(p: Points, idx: readonly number[]): Points {
  return { x: idx.map((i) => p.x[i]), label: idx.map((i) => p.label[i]) };
}

function split(all: Points, s: PlaygroundState): { train: Points; test: Points } {
  const { train, test } = trainTestSplit(all.x.length, 1 - s.trainRatio, s.seed);
  const byIndex = (a: number, b: number) => a - b;
  return { train: take(all, train.sort(byIndex)), test: take(all, test.sort(byIndex)) };
}

function paddedDomain(x: number[][]): Domain {
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const [a, b] of x) {
    xMin = Math.min(xMin, a); xMax = Math.max(xMax, a);
    yMin = Math.min(yMin, b); yMax = Math.max(yMax, b);
  }
  const pad = (lo: number, hi: number): [number, number] => {
    const w = Math.max(hi - lo, 1e-6);
    return [lo - 0.1 * w, hi + 0.1 * w];
  };
  [xMin, xMax] = pad(xMin, xMax);
  [yMin, yMax] = pad(yMin, yMax);
  return { xMin, xMax, yMin, yMax };
}

/**
 * A CSV with two numeric input columns and a two-valued label column, standardised by the library's
 * preprocessing (which the exported model file carries, so `backprop predict` reads the raw CSV).
 */
function csvPoints(s: PlaygroundState): { all: Points; pre: Preprocessor; names: [string, string]; classes: [string, string] } {
  if (s.csv.trim() === '') throw new DataError('CSV: no data yet; paste CSV text (a header row, two numeric columns and a label column) or choose a file');
  const table = parseCsv(s.csv, { source: 'CSV' });
  const label = s.labelColumn.trim() === '' ? table.columns[table.columns.length - 1] : s.labelColumn.trim();
  if (!table.columns.includes(label)) {
    throw new DataError(`CSV: no label column '${label}'; the columns are ${table.columns.join(', ')} (set "Label column" to one of them)`);
  }
  if (table.columns.length !== 3) {
    throw new DataError(`CSV: expected 3 columns (two numeric inputs and the label '${label}'), found ${table.columns.length}: ${table.columns.join(', ')}`);
  }
  const pre = fitPreprocessor(table, { target: label, task: 'classify' });
  for (const f of pre.features) {
    if (f.kind !== 'numeric') throw new DataError(`CSV: column '${f.name}' is not numeric (it holds text such as '${f.categories[0]}'); the playground needs two numeric input columns`);
  }
  if (pre.target.kind !== 'classify' || pre.target.labels.length !== 2) {
    const n = pre.target.kind === 'classify' ? pre.target.labels.length : 'many';
    throw new DataError(`CSV: the label column '${label}' has ${n} different values; the playground draws two classes, so it needs exactly 2`);
  }
  const enc = applyPreprocessor(pre, table);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < enc.inputShape[0]; i++) {
    x.push([enc.inputs[2 * i], enc.inputs[2 * i + 1]]);
    y.push(enc.targets![i]);
  }
  if (x.length < 2) throw new DataError(`CSV: only ${x.length} data row; the playground needs at least 2 (some to train on, some to test)`);
  return { all: { x, label: y }, pre, names: [pre.features[0].name, pre.features[1].name], classes: [pre.target.labels[0], pre.target.labels[1]] };
}

/**
 * The points for a state. Throws DataError (with the CSV's line and column) for unusable CSV text.
 * @example buildData({ ...defaultState(), dataset: 'xor' }).train.x.length // 100
 */
export function buildData(s: PlaygroundState): ExperimentData {
  if (isGate(s.dataset)) {
    const d = builtinDataset(s.dataset.slice(5));
    const pts: Points = { x: d.inputs, label: d.targets.map((t) => t[0]) };
    // Four rows cannot be split: the gates train and test on the same truth table.
    return {
      train: pts, test: { x: pts.x.map((r) => [...r]), label: [...pts.label] },
      task: 'classify', domain: { xMin: -0.5, xMax: 1.5, yMin: -0.5, yMax: 1.5 }, inputNames: ['x1', 'x2'], classes: ['0', '1'], preprocessing: identityPreprocessing(['x1', 'x2']),
      summary: `${s.dataset.slice(5).toUpperCase()} gate: the 4 rows of its truth table (train and test are the same rows)`,
    };
  }
  if (s.dataset === 'csv') {
    const { all, pre, names, classes } = csvPoints(s);
    const { train, test } = split(all, s);
    return {
      task: 'classify', train, test, domain: paddedDomain(all.x), inputNames: names, classes, preprocessing: pre,
      summary: `CSV: ${train.x.length} training and ${test.x.length} test rows; inputs ${names.join(' and ')} standardised; classes ${classes.join(' / ')}`,
    };
  }
  if (isRegression(s.dataset)) {
    const { train, test } = split(regressionPoints(s.dataset, s.points, s.noise, s.seed), s);
    const preprocessing: Preprocessor = {
      version: PREPROCESSOR_VERSION,
      features: ['x1', 'x2'].map((name) => ({ name, kind: 'numeric' as const, mean: 0, std: 1 })),
      target: { name: 'target', kind: 'regress', mean: 0, std: 1 },
    };
    return {
      task: 'regress', train, test, domain: { xMin: -1.1, xMax: 1.1, yMin: -1.1, yMax: 1.1 }, inputNames: ['x1', 'x2'], classes: ['-1', '1'], preprocessing,
      summary: `${s.dataset}: ${train.x.length} training and ${test.x.length} test points to predict a number from −1 to 1, noise ${Math.round(s.noise * 100)}%`,
    };
  }
  const g = synthetic(s.dataset, { n: s.points, noise: s.noise, seed: s.seed });
  const { train, test } = split({ x: g.inputs, label: g.labels }, s);
  return {
    task: 'classify', train, test, domain: { xMin: -1.1, xMax: 1.1, yMin: -1.1, yMax: 1.1 }, inputNames: ['x1', 'x2'], classes: ['0', '1'], preprocessing: identityPreprocessing(['x1', 'x2']),
    summary: `${s.dataset}: ${train.x.length} training and ${test.x.length} test points, noise ${Math.round(s.noise * 100)}%`,
  };
}

/** Bumps of the 'reg-bumps' set: centre and sign (TensorFlow Playground's "multi-Gaussian"). */
const BUMPS: [number, number, number][] = [[-0.6, 0.6, 1], [0.6, 0.6, -1], [0, 0, 1], [-0.6, -0.6, -1], [0.6, -0.6, 1], [0, 0.7, -0.6], [0, -0.7, 0.6]];

/**
 * The regression sets, seeded: uniform points in the square with a value to predict from −1 to 1,
 * a plane ((x1 + x2)/2) or a sum of signed Gaussian bumps; noise adds up to ±noise/2 to the value.
 * @example regressionPoints('reg-plane', 4, 0, 1).label[0] === (x[0][0] + x[0][1]) / 2
 */
export function regressionPoints(kind: 'reg-plane' | 'reg-bumps', n: number, noise: number, seed: number): Points {
  const rng = new Random(seed);
  const x: number[][] = [], label: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.range(-1, 1), b = rng.range(-1, 1);
    let t = kind === 'reg-plane'
      ? (a + b) / 2
      : BUMPS.reduce((sum, [cx, cy, sign]) => sum + sign * Math.exp(-((a - cx) ** 2 + (b - cy) ** 2) / (2 * 0.25 ** 2)), 0);
    t += noise * rng.range(-0.5, 0.5);
    x.push([a, b]);
    label.push(Math.max(-1, Math.min(1, t)));
  }
  return { x, label };
}

/**
 * The network for a state: one input per feature (x1 and x2 by default), the hidden layers, and one output unit (two softmax units for
 * crossEntropy, whose targets are class indices).
 * @example networkSpec(defaultState()).layers.length // 3
 */
export function networkSpec(s: PlaygroundState): NetworkSpec {
  // a regression set predicts its number with one linear output and mean squared error
  const regress = isRegression(s.dataset);
  const out = regress ? { units: 1, activation: 'linear' as const } : s.loss === 'crossEntropy' ? { units: 2, activation: 'softmax' as const } : { units: 1, activation: s.output };
  return { inputs: s.features.length, layers: [...s.hidden.map((l) => ({ units: l.units, activation: l.activation })), out], loss: regress ? 'mse' : s.loss, seed: s.seed };
}

/** Targets in the form Network.learn takes for this loss. @example targetsFor(spec, [0, 1]) // [[0], [1]] (class indices [0, 1] for crossEntropy) */
export function targetsFor(spec: NetworkSpec, labels: readonly number[]): number[] | number[][] {
  return spec.loss === 'crossEntropy' ? [...labels] : labels.map((l) => [l]);
}

/** The class-1 score of one output row: the single output, or softmax's second unit. @example classScore([0.3, 0.7]) // 0.7 */
export function classScore(output: ArrayLike<number>): number {
  return output.length === 2 ? output[1] : output[0];
}
