/**
 * The data glue under train, evaluate and predict: a CSV file or an IDX images + labels pair →
 * network-ready tensors, the preprocessing saved in the model file (tabular statistics and labels,
 * or the image shape and labels), the network spec a task implies, output decoding, and the metrics
 * evaluate reports. Anything a user can get wrong ends in a BackpropError naming the file, the
 * line/column or field, and the fix.
 */
import { DataError, ValueError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/graph.js';
import type { Network } from '../train/network.js';
import type { ActivationName, InitName, LossName, NetworkSpec } from '../spec/index.js';
import type { CsvTable } from '../data/csv.js';
import {
  applyPreprocessor, checkFeatureCount, featureWidth, fitPreprocessor, parsePreprocessor, type Preprocessor, type Task,
} from '../data/tabular.js';
import { loadCsvFile, loadIdxFile, loadImageDataset } from '../io/datasets.js';
import { UsageError } from './run.js';
import { loadModel } from '../io/model-file.js';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * What a model trained on IDX images records in its metadata (`metadata.images`), so evaluate and
 * predict can ask for images of the right size. The preprocessing itself is an ordinary tabular one:
 * one numeric feature per pixel (`pixel0`, `pixel1`, …, row-major) standardised with the training
 * images' statistics, applied after the reader's bytes / 255 scaling.
 */
export interface ImageInfo {
  shape: number[];
}

export type ModelPreprocessing = Preprocessor;

/** Encoded rows: inputs row-major n × width, targets (class indices or standardised values) if known. */
export interface Encoded {
  inputs: Float32Array;
  n: number;
  width: number;
  targets?: Float32Array;
  /** What the rows came from, for messages and the model's metadata. */
  source: string;
  /** CSV input only: the table and, for each encoded row, its index in table.rows. */
  table?: CsvTable;
  rows?: number[];
  /** File lines skipped for missing values (--drop-missing). */
  droppedLines: number[];
}

/** Where data comes from: a CSV path ('-' for stdin) or an IDX images file (+ labels). */
export interface DataSource {
  csv?: string;
  images?: string;
  labels?: string;
  delimiter?: string;
  dropMissing?: boolean;
}

/**
 * '--delimiter' as typed: one character, or 'tab' / '\t' for a tab.
 * @example parseDelimiter('tab') // '\t'
 */
export function parseDelimiter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === 'tab' || value === '\\t' || value === '\t') return '\t';
  if (value === 'semicolon') return ';';
  if (value.length !== 1 || value === '"' || value === '\n' || value === '\r') {
    throw new UsageError(`--delimiter must be one character (e.g. ';') or 'tab', got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks that exactly one kind of input was named, with a usage message otherwise. */
export function checkSource(command: string, src: DataSource, needLabels: boolean): void {
  if (src.csv !== undefined && (src.images !== undefined || src.labels !== undefined)) {
    throw new UsageError(`${command}: give either a CSV file or --images/--labels, not both`);
  }
  if (src.csv === undefined && src.images === undefined) {
    throw new UsageError(`${command}: no data: give a CSV file (or - for stdin), or --images <file>${needLabels ? ' --labels <file>' : ''}`);
  }
  if (src.images !== undefined && needLabels && src.labels === undefined) throw new UsageError(`${command}: --images needs --labels <file> (the class of each image)`);
  if (src.labels !== undefined && src.images === undefined) throw new UsageError(`${command}: --labels needs --images <file>`);
}


export interface TrainingData {
  pre: ModelPreprocessing;
  data: Encoded;
  task: Task;
  /** Set for IDX images: stored as metadata.images. */
  images?: ImageInfo;
}

/**
 * Reads training data and fits its preprocessing: a CSV with --target (task inferred unless given),
 * or an IDX pair (always classification; labels '0', '1', … unless `labelNames`).
 * @example const { pre, data } = loadTrainingData({ csv: 'iris.csv' }, { target: 'species' });
 */
export function loadTrainingData(
  src: DataSource,
  options: { target?: string; task?: Task; labelNames?: string[] },
): TrainingData {
  if (src.images !== undefined) {
    if (options.task === 'regress') throw new UsageError('train: --images/--labels data is for classification; drop --task regress');
    const d = loadImageDataset(src.images, src.labels!);
    if (d.n === 0) throw new DataError(`${src.images}: no images; the file holds 0 images`);
    if (d.classes < 2) throw new DataError(`${src.labels}: every label is ${d.labels[0] ?? 0}; classification needs at least two classes`);
    let labels = Array.from({ length: d.classes }, (_, i) => String(i));
    if (options.labelNames) {
      if (options.labelNames.length !== d.classes) {
        throw new UsageError(`--label-names gives ${options.labelNames.length} names but ${src.labels} has classes 0..${d.classes - 1}; give ${d.classes} names`);
      }
      if (new Set(options.labelNames).size !== d.classes || options.labelNames.includes('')) throw new UsageError('--label-names: every class needs its own non-empty name');
      labels = options.labelNames;
    }
    const pre = pixelPreprocessor(d.inputs, d.n, d.features, { name: options.target ?? 'label', kind: 'classify', labels });
    standardisePixels(pre, d.inputs);
    return { pre, task: 'classify', images: { shape: d.imageShape }, data: { inputs: d.inputs, n: d.n, width: d.features, targets: d.labels, source: src.images, droppedLines: [] } };
  }
  if (options.target === undefined) throw new UsageError('train: --target <column> is required with a CSV file: name the column to predict');
  if (options.labelNames) throw new UsageError('train: --label-names is for --images/--labels data; a CSV target column already holds the labels');
  const table = loadCsvFile(src.csv!, { delimiter: src.delimiter });
  const pre = fitPreprocessor(table, { target: options.target, task: options.task, dropMissing: src.dropMissing });
  const enc = applyPreprocessor(pre, table, { dropMissing: src.dropMissing });
  return {
    pre,
    task: pre.target.kind,
    data: { inputs: enc.inputs, n: enc.inputShape[0], width: enc.inputShape[1], targets: enc.targets, source: table.source, table, rows: enc.rows, droppedLines: enc.droppedLines },
  };
}

/** Per-pixel mean and standard deviation (0 → 1, as the data layer does) as a tabular preprocessor. */
function pixelPreprocessor(inputs: Float32Array, n: number, width: number, target: Preprocessor['target']): Preprocessor {
  const sum = new Float64Array(width), sq = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    const o = i * width;
    for (let j = 0; j < width; j++) { const v = inputs[o + j]; sum[j] += v; sq[j] += v * v; }
  }
  const features: Preprocessor['features'] = [];
  for (let j = 0; j < width; j++) {
    const mean = sum[j] / n;
    const std = Math.sqrt(Math.max(0, sq[j] / n - mean * mean));
    // Fewer digits keep the model file small; the same rounded numbers are used for training.
    features.push({ name: `pixel${j}`, kind: 'numeric', mean: Number(mean.toPrecision(6)), std: std > 1e-6 ? Number(std.toPrecision(6)) : 1 });
  }
  return { version: 1, features, target };
}

/** Applies per-pixel standardisation in place (images already scaled by the reader). */
function standardisePixels(pre: Preprocessor, inputs: Float32Array): void {
  const w = pre.features.length;
  const mean = new Float64Array(w), inv = new Float64Array(w);
  pre.features.forEach((f, j) => { if (f.kind === 'numeric') { mean[j] = f.mean; inv[j] = 1 / f.std; } });
  for (let o = 0; o < inputs.length; o += w) for (let j = 0; j < w; j++) inputs[o + j] = (inputs[o + j] - mean[j]) * inv[j];
}

/**
 * The image size a model was trained on (metadata.images.shape), or null for a CSV model.
 * @example imageInfo(model.metadata) // { shape: [28, 28] }
 */
export function imageInfo(metadata: Record<string, unknown> | undefined): ImageInfo | null {
  const im = metadata?.images as { shape?: unknown } | undefined;
  if (im && Array.isArray(im.shape) && im.shape.every((d) => Number.isInteger(d) && d >= 1)) return { shape: im.shape as number[] };
  return null;
}

/**
 * Checks that a loaded model can be used by evaluate/predict: it has preprocessing (it was written
 * by `backprop train`) and its outputs match the target (the loader already checked the inputs).
 */
export function checkTrainedModel(pre: Preprocessor | undefined, network: Network, source: string): Preprocessor {
  if (pre === undefined) {
    throw new DataError(`${source}: the model has no 'preprocessing' (it is a bare network, not one written by 'backprop train'); train a model with 'backprop train' first`);
  }
  checkFeatureCount(pre, network.inputs, source);
  const outputs = pre.target.kind === 'classify' ? pre.target.labels.length : 1;
  const ok = network.outputs === outputs || (pre.target.kind === 'classify' && outputs === 2 && network.outputs === 1);
  if (!ok) {
    throw new DataError(`${source}: the network has ${network.outputs} outputs but the target '${pre.target.name}' needs ${outputs}; the model file is inconsistent: retrain it`);
  }
  return pre;
}

/**
 * Encodes new data the way the model's preprocessing says: CSV columns found by name, or images of
 * the trained size (`images` set for a model trained on IDX images). With `requireTarget`, targets
 * are read too (evaluate).
 * @example const enc = loadForModel(pre, null, { csv: 'test.csv' }, true);
 */
export function loadForModel(pre: ModelPreprocessing, images: ImageInfo | null, src: DataSource, requireTarget: boolean): Encoded {
  if (src.images !== undefined) {
    if (!images) throw new UsageError(`${src.images}: this model was trained on a CSV file; give a CSV file instead of --images`);
    let d: { inputs: Float32Array; n: number; features: number; imageShape: number[]; targets?: Float32Array };
    if (src.labels !== undefined) {
      const full = loadImageDataset(src.images, src.labels);
      d = { ...full, targets: full.labels };
    } else d = loadImagesOnly(src.images);
    const want = featureWidth(pre);
    if (d.features !== want) {
      throw new DataError(`${src.images}: images are ${d.imageShape.join('×')} = ${d.features} values, but the model was trained on ${images.shape.join('×')} = ${want}; use images of the trained size`);
    }
    if (d.targets && pre.target.kind === 'classify') {
      const k = pre.target.labels.length;
      for (let i = 0; i < d.n; i++) {
        if (d.targets[i] >= k) throw new DataError(`${src.labels}: label ${i} is ${d.targets[i]}, but the model knows classes 0..${k - 1}; use labels of the same classes`);
      }
    }
    standardisePixels(pre, d.inputs);
    return { inputs: d.inputs, n: d.n, width: d.features, targets: d.targets, source: src.images, droppedLines: [] };
  }
  if (images) {
    throw new UsageError(`${src.csv}: this model was trained on ${images.shape.join('×')} images (IDX); give --images <file>${requireTarget ? ' --labels <file>' : ''} instead of a CSV file`);
  }
  const table = loadCsvFile(src.csv!, { delimiter: src.delimiter });
  const enc = applyPreprocessor(pre, table, { requireTarget, dropMissing: src.dropMissing });
  return {
    inputs: enc.inputs, n: enc.inputShape[0], width: enc.inputShape[1], targets: enc.targets, source: table.source, table, rows: enc.rows, droppedLines: enc.droppedLines,
  };
}

/** Images without labels (predict), scaled exactly as loadImageDataset scales them. */
function loadImagesOnly(path: string): { inputs: Float32Array; n: number; features: number; imageShape: number[] } {
  const images = loadIdxFile(path);
  if (images.dims.length < 2) throw new DataError(`${path}: images must have at least 2 dimensions (count × pixels), the file has dims [${images.dims.join(', ')}]; is this the labels file?`);
  const n = images.dims[0];
  const features = images.dims.slice(1).reduce((a, b) => a * b, 1);
  const src = images.data;
  const inputs = new Float32Array(src.length);
  if (src instanceof Uint8Array) for (let i = 0; i < src.length; i++) inputs[i] = src[i] / 255;
  else if (src instanceof Float32Array || src instanceof Float64Array) {
    for (let i = 0; i < src.length; i++) {
      if (!Number.isFinite(src[i])) throw new DataError(`${path}: value ${i} is ${src[i]}; image values must be finite numbers`);
      inputs[i] = src[i];
    }
  } else throw new DataError(`${path}: images must be unsigned bytes (IDX type 0x08) or floats (0x0D, 0x0E); convert the file`);
  return { inputs, n, features, imageShape: images.dims.slice(1) };
}

export interface ArchitectureOptions {
  /** Hidden layer widths, e.g. [64]; [] for none. */
  hidden: number[];
  activation: ActivationName;
  /** Loss; default crossEntropy for classification, mse for regression. */
  loss?: LossName;
  seed: number;
}

/** The loss a task uses when --loss is not given. */
export function defaultLoss(task: Task): LossName {
  return task === 'classify' ? 'crossEntropy' : 'mse';
}

/**
 * The network for a task: hidden layers, then K softmax outputs with cross-entropy (classification),
 * one sigmoid output with bce for two classes when --loss bce, or one linear output (regression).
 * @example networkSpec(pre, 10, { hidden: [64], activation: 'relu', seed: 0 }) // 10 → 64 relu → K softmax
 */
export function networkSpec(pre: ModelPreprocessing, inputs: number, o: ArchitectureOptions): NetworkSpec {
  const task = pre.target.kind;
  const loss = o.loss ?? defaultLoss(task);
  let units: number;
  let outAct: ActivationName;
  if (task === 'regress') {
    if (loss === 'bce' || loss === 'crossEntropy') {
      throw new UsageError(`--loss ${loss} is for classification, but '${pre.target.name}' is a regression target; use mse, mae or sse (or --task classify)`);
    }
    units = 1;
    outAct = 'linear';
  } else {
    const k = pre.target.labels.length;
    if (loss === 'bce') {
      units = k === 2 ? 1 : k;
      outAct = 'sigmoid';
    } else {
      units = k;
      outAct = 'softmax';
    }
  }
  const init: InitName = o.activation === 'relu' || o.activation === 'leakyRelu' ? 'he' : 'xavier';
  return {
    inputs,
    layers: [...o.hidden.map((u) => ({ units: u, activation: o.activation })), { units, activation: outAct }],
    loss,
    init,
    seed: o.seed,
  };
}

/**
 * Targets as the network's loss wants them: class indices (crossEntropy), 0/1 in one column (one
 * sigmoid output), one-hot rows (several outputs with another loss), or one standardised value per row.
 */
export function targetTensor(network: Network, task: Task, targets: Float32Array): Tensor {
  const n = targets.length;
  if (task === 'regress') return new Tensor(targets, [n, 1]);
  if (network.loss === 'crossEntropy') return new Tensor(targets, [n]);
  const k = network.outputs;
  if (k === 1) return new Tensor(targets, [n, 1]);
  const onehot = new Float32Array(n * k);
  for (let i = 0; i < n; i++) onehot[i * k + targets[i]] = 1;
  return new Tensor(onehot, [n, k]);
}

export interface Predictions {
  /** Classification: the class index per row. */
  classes?: Int32Array;
  /** Classification: n × labels probabilities (or scores), row-major. */
  probabilities?: Float32Array;
  /** Regression: values in the target's original units. */
  values?: Float64Array;
}

/**
 * Runs the network on encoded rows and decodes its outputs into classes + probabilities, or values
 * in original units. Works in chunks so a large file never holds one huge activation matrix.
 */
export function predictRows(network: Network, pre: ModelPreprocessing, data: Encoded): Predictions {
  const n = data.n;
  const out = network.outputs;
  const raw = new Float32Array(n * out);
  const chunk = 4096;
  noGrad(() => {
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const x = new Tensor(data.inputs.subarray(s * data.width, e * data.width), [e - s, data.width]);
      raw.set(network.predict(x).data, s * out);
    }
  });
  if (pre.target.kind === 'regress') {
    const { mean, std } = pre.target;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = raw[i] * std + mean;
    return { values };
  }
  const k = pre.target.labels.length;
  const probabilities = out === 1 ? new Float32Array(n * 2) : raw;
  if (out === 1) for (let i = 0; i < n; i++) { probabilities[2 * i] = 1 - raw[i]; probabilities[2 * i + 1] = raw[i]; }
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probabilities[i * k + j] > probabilities[i * k + best]) best = j;
    classes[i] = best;
  }
  return { classes, probabilities };
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose true class this is. */
  support: number;
}

export interface ClassificationReport {
  task: 'classify';
  rows: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 scores. */
  macroF1: number;
  classes: ClassMetrics[];
  /** Class labels in index order; confusionMatrix[actual][predicted]. */
  labels: string[];
  confusionMatrix: number[][];
}

export interface RegressionReport {
  task: 'regress';
  rows: number;
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
}

/**
 * Accuracy, per-class precision/recall/F1 (0 where undefined, as scikit-learn's zero_division=0)
 * and the confusion matrix (rows: actual class, columns: predicted class).
 * @example classificationReport(Float32Array.of(0, 1, 1), Int32Array.of(0, 1, 0), ['a', 'b']).accuracy // 0.667
 */
export function classificationReport(actual: Float32Array, predicted: Int32Array, labels: string[]): ClassificationReport {
  const k = labels.length;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    cm[actual[i]][predicted[i]]++;
    if (actual[i] === predicted[i]) correct++;
  }
  const classes = labels.map((label, c) => {
    let col = 0, row = 0;
    for (let j = 0; j < k; j++) { col += cm[j][c]; row += cm[c][j]; }
    const tp = cm[c][c];
    const precision = col === 0 ? 0 : tp / col;
    const recall = row === 0 ? 0 : tp / row;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support: row };
  });
  const macroF1 = classes.reduce((s, c) => s + c.f1, 0) / k;
  return { task: 'classify', rows: actual.length, accuracy: actual.length === 0 ? 0 : correct / actual.length, macroF1, classes, labels, confusionMatrix: cm };
}

/**
 * MSE, RMSE, MAE and R² (1 − SS_res/SS_tot; for a constant target 1 if perfect, else 0, as
 * scikit-learn) of predictions against actual values, both in original units.
 * @example regressionReport(Float64Array.of(1, 2, 3), Float64Array.of(1, 2, 4)).mae // 0.333
 */
export function regressionReport(actual: Float64Array, predicted: Float64Array): RegressionReport {
  const n = actual.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i];
  mean /= n || 1;
  let se = 0, ae = 0, tot = 0;
  for (let i = 0; i < n; i++) {
    const d = predicted[i] - actual[i];
    se += d * d;
    ae += Math.abs(d);
    tot += (actual[i] - mean) ** 2;
  }
  const mse = n === 0 ? 0 : se / n;
  const r2 = tot === 0 ? (se === 0 ? 1 : 0) : 1 - se / tot;
  return { task: 'regress', rows: n, mse, rmse: Math.sqrt(mse), mae: n === 0 ? 0 : ae / n, r2 };
}

/** The metrics of a model on encoded rows with targets. */
export function report(network: Network, pre: ModelPreprocessing, data: Encoded): ClassificationReport | RegressionReport {
  if (!data.targets) throw new ValueError('report: the data has no targets');
  const p = predictRows(network, pre, data);
  if (pre.target.kind === 'classify') return classificationReport(data.targets, p.classes!, pre.target.labels);
  const { mean, std } = pre.target;
  const actual = new Float64Array(data.n);
  for (let i = 0; i < data.n; i++) actual[i] = data.targets[i] * std + mean;
  return regressionReport(actual, p.values!);
}

/** Rows i of an encoded set (a seeded split's part), copied. */
export function subset(data: Encoded, indices: readonly number[], source = data.source): Encoded {
  const w = data.width;
  const inputs = new Float32Array(indices.length * w);
  const targets = data.targets ? new Float32Array(indices.length) : undefined;
  indices.forEach((r, i) => {
    inputs.set(data.inputs.subarray(r * w, r * w + w), i * w);
    if (targets) targets[i] = data.targets![r];
  });
  return { inputs, n: indices.length, width: w, targets, source, droppedLines: [] };
}

/**
 * Fails before any work when an output file could not be written at the end (its folder is missing
 * or read-only, or the path is a folder), so a long training run never ends in a lost result.
 * @example checkOutputPath('--out', 'models/model.json')
 */
export function checkOutputPath(option: string, path: string): void {
  const dir = dirname(resolve(path));
  let st;
  try { st = statSync(dir); } catch { throw new UsageError(`${option} ${path}: the folder ${dir} does not exist; create it first or choose another path`); }
  if (!st.isDirectory()) throw new UsageError(`${option} ${path}: ${dir} is not a folder`);
  try { accessSync(dir, constants.W_OK); } catch { throw new UsageError(`${option} ${path}: cannot write in ${dir} (permission denied); choose another path`); }
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${option} ${path}: is a folder; give a file name`);
}

/**
 * Loads a model written by `backprop train`: the network, its preprocessing, the image size for an
 * image model, and its metadata.
 * @example const { network, pre } = await loadTrainedModel('model.json');
 */
export async function loadTrainedModel(path: string): Promise<{ network: Network; pre: ModelPreprocessing; images: ImageInfo | null; metadata?: Record<string, unknown> }> {
  const model = await loadModel(path);
  const pre = checkTrainedModel(model.preprocessing, model.network, path);
  return { network: model.network, pre, images: imageInfo(model.metadata), metadata: model.metadata };
}
