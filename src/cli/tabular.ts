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
import { firstBadTokenId, tokenIdRule, type Network } from '../train/network.js';
import type { ActivationName, InitName, LossName, NetworkSpec } from '../spec/index.js';
import type { CsvTable } from '../data/csv.js';
import {
  applyPreprocessor, checkFeatureCount, featureNames, featureWidth, fitPreprocessor, parsePreprocessor, type Preprocessor, type Task,
} from '../data/tabular.js';
import { quoteCell } from '../data/options.js';
import { loadCsvFile, loadIdxFile, loadImageDataset } from '../io/datasets.js';
import { UsageError } from './run.js';
import { loadModel } from '../io/model-file.js';
import type { TextEncoding } from '../data/text.js';
import { IMPUTE_STRATEGIES, UNKNOWN_POLICIES, type ImputeStrategy, type UnknownPolicy } from '../data/tabular.js';

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
  /** The CSV's text encoding (default utf8). */
  encoding?: TextEncoding;
  /** Unknown categories at predict/evaluate time (default 'error'). */
  unknown?: UnknownPolicy;
}

/** '--encoding' as typed: utf8 (also 'utf-8') or latin1 (also 'iso-8859-1', 'windows-1252', 'cp1252'). */
export function parseEncoding(value: string | undefined): TextEncoding | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (v === 'utf8') return 'utf8';
  if (['latin1', 'iso88591', 'windows1252', 'cp1252'].includes(v)) return 'latin1';
  throw new UsageError(`--encoding must be utf8 or latin1, got '${value}'`);
}

/** '--unknown' as typed. */
export function parseUnknown(value: string | undefined): UnknownPolicy | undefined {
  if (value === undefined) return undefined;
  if (!UNKNOWN_POLICIES.includes(value as UnknownPolicy)) throw new UsageError(`--unknown must be ${UNKNOWN_POLICIES.join(' or ')}, got '${value}'`);
  return value as UnknownPolicy;
}

function nameList(option: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((x) => x.trim());
  if (names.some((n) => n === '')) throw new UsageError(`${option}: give column names separated by commas, e.g. ${option} id,name; got '${value}'`);
  return names;
}

/** train's --categorical, --exclude and --impute, checked (the columns themselves are checked against the file). */
export function columnOptions(f: { categorical?: string; exclude?: string; impute?: string }): { categorical?: string[]; exclude?: string[]; impute?: ImputeStrategy } {
  if (f.impute !== undefined && !IMPUTE_STRATEGIES.includes(f.impute as ImputeStrategy)) {
    throw new UsageError(`--impute must be one of ${IMPUTE_STRATEGIES.join(', ')}, got '${f.impute}'`);
  }
  return { categorical: nameList('--categorical', f.categorical), exclude: nameList('--exclude', f.exclude), impute: f.impute as ImputeStrategy | undefined };
}

/** The data file as an input for the output checks ('-' is stdin, not a file). */
export function dataInput(file: string | undefined): { what: string; path: string } | undefined {
  return file === undefined || file === '-' ? undefined : { what: 'the data file', path: file };
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
  options: { target?: string; task?: Task; labelNames?: string[]; classes?: number; categorical?: string[]; exclude?: string[]; impute?: ImputeStrategy; standardize?: boolean },
): TrainingData {
  if (src.images !== undefined) {
    if (options.task === 'regress') throw new UsageError('train: --images/--labels data is for classification; drop --task regress');
    for (const flag of ['categorical', 'exclude', 'impute'] as const) {
      if (options[flag] !== undefined) throw new UsageError(`train: --${flag} is for CSV columns; --images/--labels data has none`);
    }
    const d = loadImageDataset(src.images, src.labels!);
    if (d.n === 0) throw new DataError(`${src.images}: no images; the file holds 0 images`);
    d.classes = imageClasses(d.labels, src.labels!, options.classes);
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
  if (options.classes !== undefined) throw new UsageError('train: --classes goes with --images/--labels data');
  const table = loadCsvFile(src.csv!, { delimiter: src.delimiter, encoding: src.encoding });
  const pre = fitPreprocessor(table, {
    target: options.target, task: options.task, dropMissing: src.dropMissing,
    ...(options.categorical ? { categorical: options.categorical } : {}), ...(options.exclude ? { exclude: options.exclude } : {}), ...(options.impute ? { impute: options.impute } : {}),
    ...(options.standardize === false ? { standardize: false } : {}),
  });
  const enc = applyPreprocessor(pre, table, { dropMissing: src.dropMissing });
  return {
    pre,
    task: pre.target.kind,
    data: { inputs: enc.inputs, n: enc.inputShape[0], width: enc.inputShape[1], targets: enc.targets, source: table.source, table, rows: enc.rows, droppedLines: enc.droppedLines },
  };
}

/**
 * The class count of IDX labels: the distinct labels seen, which must be 0..K−1 with none missing
 * and at least two of them; with `insist` (--classes N), any labels below N, with a warning naming
 * the classes that never appear.
 */
function imageClasses(labels: Float32Array, path: string, insist?: number): number {
  const seen = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) if (!seen.has(labels[i])) seen.set(labels[i], i);
  const values = [...seen.keys()].sort((a, b) => a - b);
  const max = values[values.length - 1] ?? 0;
  const show = (xs: number[]) => (xs.length > 6 ? `${xs.slice(0, 3).join(', ')}, …, ${xs.slice(-2).join(', ')}` : xs.join(', '));
  if (insist !== undefined) {
    if (max >= insist) throw new DataError(`${path}: label number ${seen.get(max)! + 1} is ${max}, but --classes ${insist} allows 0..${insist - 1}; fix the label or raise --classes`);
    const missing = Array.from({ length: insist }, (_, i) => i).filter((c) => !seen.has(c));
    if (missing.length) process.stderr.write(`backprop: warning: ${path}: ${missing.length} of the ${insist} classes ${missing.length === 1 ? 'never appears' : 'never appear'} (${show(missing)}); the model will never predict them\n`);
    return insist;
  }
  if (values.length < 2) throw new DataError(`${path}: every label is ${values[0] ?? 0}; classification needs at least two classes`);
  if (values.length !== max + 1) {
    const gaps: number[] = [];
    for (let c = 0, k = 0; c <= max; c++) { if (values[k] === c) k++; else gaps.push(c); }
    const missingCount = max + 1 - values.length;
    throw new DataError(
      `${path}: ${values.length} distinct labels (${show(values)}) but the largest is ${max} (label number ${seen.get(max)! + 1}), so ${missingCount} class${missingCount === 1 ? ' never appears' : 'es never appear'} (${show(gaps)}); ` +
        `fix the labels, or give --classes ${max + 1} to train ${max + 1} classes anyway`,
    );
  }
  return values.length;
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
  const table = loadCsvFile(src.csv!, { delimiter: src.delimiter, encoding: src.encoding });
  const enc = applyPreprocessor(pre, table, { requireTarget, dropMissing: src.dropMissing, ...(src.unknown ? { unknown: src.unknown } : {}) });
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
      if (!Number.isFinite(src[i]) || Math.abs(src[i]) > 3.4028234663852886e38) throw new DataError(`${path}: image ${Math.floor(i / features) + 1}, value ${(i % features) + 1} is ${src[i]}; image values must be finite numbers within float32's range`);
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
 * For an embedding-first network (vocabulary ≠ null): every input a token id, else one line naming
 * the file line and column of the first that is not (the network's own check could only name a row
 * of the chunk or split it was given).
 */
export function checkTokenIds(vocabulary: number | null, pre: ModelPreprocessing, data: Encoded): void {
  if (vocabulary === null) return;
  const i = firstBadTokenId(data.inputs, vocabulary);
  if (i < 0) return;
  const r = Math.floor(i / data.width), c = i % data.width;
  const names = featureNames(pre);
  const where = data.table && data.rows ? `line ${data.table.lines[data.rows[r]]}` : `row ${r + 1}`;
  throw new DataError(`${data.source} ${where}, column ${quoteCell(names[c] ?? String(c + 1))}: ${data.inputs[i]} is not a token id; ${tokenIdRule(vocabulary)}`);
}

/**
 * Runs the network on encoded rows and decodes its outputs into classes + probabilities, or values
 * in original units. Works in chunks so a large file never holds one huge activation matrix.
 */
export function predictRows(network: Network, pre: ModelPreprocessing, data: Encoded): Predictions {
  checkTokenIds(network.tokenVocabulary(), pre, data);
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
 * Loads a model written by `backprop train`: the network, its preprocessing, the image size for an
 * image model, and its metadata.
 * @example const { network, pre } = await loadTrainedModel('model.json');
 */
export async function loadTrainedModel(path: string): Promise<{ network: Network; pre: ModelPreprocessing; images: ImageInfo | null; metadata?: Record<string, unknown> }> {
  const model = await loadModel(path);
  const pre = checkTrainedModel(model.preprocessing, model.network, path);
  return { network: model.network, pre, images: imageInfo(model.metadata), metadata: model.metadata };
}
