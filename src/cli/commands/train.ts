/**
 * `backprop train <data.csv> --target <column>`: fits the preprocessing, trains a network with
 * measured defaults (README, "Defaults"), and saves model + preprocessing + a training summary
 * atomically. Training runs in a worker thread so the progress bar stays live and Ctrl-C stops
 * cleanly, saving the best model so far (exit code 130). Every option is checked before data is read.
 */
import { HIDDEN_ACTIVATIONS } from '../../nn/activations.js';
import type { Command } from 'commander';
import { Worker } from 'node:worker_threads';
import { DataError, DivergenceError, ShapeError, ValueError, BackpropError } from '../../tensor/errors.js';
import { ACTIVATIONS, LOSSES, layerType, type ActivationName, type LayerSpec, type LossName, type NetworkSpec } from '../../spec/index.js';
import { readFile } from 'node:fs/promises';
import { Network, validateSpec } from '../../train/network.js';
import type { History } from '../../train/fit.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../../optim/index.js';
import { trainTestSplit } from '../../data/split.js';
import type { Task } from '../../data/tabular.js';
import { serializeModel } from '../../io/model.js';
import { existsSync } from 'node:fs';
import { IMPUTE_STRATEGIES } from '../../data/tabular.js';
import { MAX_SAVED_PARAMETERS, parameterCount, checkNetworkSize, getMemoryLimit } from '../../train/size.js';
import { checkOutputs, outputFile, writeOutput } from '../outputs.js';
import { action, parseNumber, parseSeed, UsageError } from '../run.js';
import { progressMode, TrainingProgress } from '../progress.js';
import { plotFormat, saveLossPlot } from '../plot.js';
import {
  checkSource, checkTokenIds, columnOptions, dataInput, parseEncoding, loadTrainingData, networkSpec, parseDelimiter, report, subset,
  type ClassificationReport, type RegressionReport, type ImageInfo, type ModelPreprocessing,
} from '../tabular.js';
import type { RefitResult, WorkerInput, WorkerMessage } from '../train-worker.js';

/**
 * The defaults `backprop train` uses when an option is not given, chosen by measurement on small
 * tabular datasets (README, "Defaults"): one hidden layer of 64 ReLU units, Adam at 0.01 with an L2
 * penalty of 0.01, batches of 32, up to 300 epochs stopped early after 20 epochs without a better
 * validation loss on a 20% validation split, then a refit on all rows for the best epoch count.
 */
export const TRAIN_DEFAULTS = {
  hidden: [64] as number[],
  activation: 'relu' as ActivationName,
  optimizer: 'adam' as OptimizerName,
  /** For up to 64 encoded inputs; see defaultLearningRate. */
  learningRate: 0.01,
  /** For up to 400 training rows; see defaultWeightDecay. */
  weightDecay: 0.01,
  epochs: 300,
  batchSize: 32 as number | 'full',
  validationSplit: 0.2,
  patience: 20,
  refit: true,
  seed: 0,
};



/**
 * The network `backprop train --images … --labels …` trains when neither --hidden nor
 * --architecture is given: two 3×3 convolutions (16 and 32 filters, ReLU, 'same' padding), each
 * followed by 2×2 max pooling, then dropout 0.25, a dense layer of 128 ReLU units and the softmax
 * output. The convolutions see each 3×3 neighbourhood with shared weights, so they learn edges and
 * textures anywhere in the image with 4,800 weights where an MLP's first layer needs 100,000; the
 * MLP tops out near 88% on Fashion-MNIST, this CNN passes 90.5% in a few epochs (README,
 * "Fashion-MNIST"). On images under 2 pixels a side a pooling is left out.
 * @example imageCnn([28, 28], 10).layers.length // 8
 */
export function imageCnn(shape: readonly number[], classes: number): Pick<NetworkSpec, 'inputs' | 'layers'> {
  // Each pooling halves the map; on images too small for it (under 2 pixels a side) it is left out.
  let [h, w] = [shape[0], shape[shape.length - 1]];
  const pool = (): LayerSpec[] => {
    if (h < 2 || w < 2) return [];
    h = Math.floor(h / 2); w = Math.floor(w / 2);
    return [{ type: 'maxPool2d', poolSize: 2 }];
  };
  return {
    inputs: [1, ...shape],
    layers: [
      { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
      ...pool(),
      { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
      ...pool(),
      { type: 'flatten' },
      { type: 'dropout', rate: 0.25 },
      { units: 128, activation: 'relu' },
      { units: classes, activation: 'softmax' },
    ],
  };
}

/**
 * The training defaults of that CNN (each flag still overrides its own): Adam at 1e-3 without an L2
 * penalty (dropout regularises), batches of 64, 8 epochs with a 10% validation split keeping the
 * best epoch, and no refit (a refit would train the whole thing a second time). At PyTorch-like
 * convolution speed (about 2,000 images/s on these 2 cores) that is 8 × 54,000 images, under 4 minutes.
 */
export const IMAGE_CNN_DEFAULTS = {
  optimizer: 'adam' as OptimizerName,
  learningRate: 1e-3,
  weightDecay: 0,
  epochs: 8,
  batchSize: 64,
  validationSplit: 0.1,
  refit: false,
};

export interface TrainFlags {
  target?: string;
  architecture?: string;
  out: string;
  hidden?: string;
  activation?: string;
  loss?: string;
  optimizer?: string;
  learningRate?: string;
  weightDecay?: string;
  epochs?: string;
  batchSize?: string;
  validationSplit?: string;
  testSplit?: string;
  earlyStopping?: boolean | string;
  refit?: boolean;
  seed?: string;
  task?: string;
  json?: boolean;
  quiet?: boolean;
  plot?: string;
  delimiter?: string;
  dropMissing?: boolean;
  images?: string;
  labels?: string;
  labelNames?: string;
  categorical?: string;
  exclude?: string;
  impute?: string;
  classes?: string;
  encoding?: string;
}

export interface TrainSettings {
  /** 'mlp': Dense layers from --hidden; 'cnn': imageCnn (images without --hidden); 'file': --architecture. */
  network: 'mlp' | 'cnn' | 'file';
  hidden: number[];
  activation: ActivationName;
  loss?: LossName;
  optimizer: OptimizerName;
  /** undefined: the optimizer's own default; 'auto': defaultLearningRate(inputs) (the default optimizer). */
  learningRate?: number | 'auto';
  /** L2 penalty (decoupled for adamw); undefined: the optimizer's own default; 'auto': defaultWeightDecay(rows). */
  weightDecay?: number | 'auto';
  epochs: number;
  batchSize: number | 'full';
  validationSplit: number;
  testSplit: number;
  /** Patience in epochs, or false. */
  earlyStopping: number | false;
  /** Retrain on all rows (validation included) for the best epoch count. */
  refit: boolean;
  seed: number;
  task?: Task;
}

/** "16,8" → [16, 8]; "none" or "0" → no hidden layer. */
export function parseHidden(value: string): number[] {
  const v = value.trim();
  if (v === 'none' || v === '0' || v === '') return [];
  return v.split(',').map((s, i) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 100_000) {
      throw new UsageError(`--hidden: item ${i + 1} ('${s}') must be a whole number of units ≥ 1, e.g. --hidden 16,8 (or 'none' for no hidden layer)`);
    }
    return n;
  });
}

function pick<T extends string>(option: string, value: string, known: readonly T[]): T {
  const hit = known.find((k) => k.toLowerCase() === value.toLowerCase());
  if (hit === undefined) throw new UsageError(`${option} must be one of ${known.join(', ')}; got '${value}'`);
  return hit;
}

/** Turns the command-line flags into checked settings (before any data is read). */
export function trainSettings(f: Omit<TrainFlags, 'out'>): TrainSettings {
  if (f.architecture !== undefined && (f.hidden !== undefined || f.activation !== undefined)) {
    throw new UsageError(`--architecture ${f.architecture} gives the whole network; drop --${f.hidden !== undefined ? 'hidden' : 'activation'}`);
  }
  const network = f.architecture !== undefined ? 'file' : f.images !== undefined && f.hidden === undefined ? 'cnn' : 'mlp';
  // The CNN's defaults where the MLP's are tuned for small tables; any flag given still wins.
  const cnn = network === 'cnn';
  const fraction = (name: string, v: string | undefined, dflt: number) =>
    v === undefined ? dflt : parseNumber(name, v, (n) => n >= 0 && n < 1, 'a fraction from 0 to below 1 (e.g. 0.2)');
  const optimizer = f.optimizer === undefined ? TRAIN_DEFAULTS.optimizer : pick('--optimizer', f.optimizer, OPTIMIZER_NAMES);
  let learningRate: number | 'auto' | undefined;
  if (f.learningRate !== undefined) learningRate = parseNumber('--learning-rate', f.learningRate, (n) => n > 0, 'a positive number (e.g. 0.01)');
  else if (cnn && optimizer === IMAGE_CNN_DEFAULTS.optimizer) learningRate = IMAGE_CNN_DEFAULTS.learningRate;
  else if (optimizer === TRAIN_DEFAULTS.optimizer) learningRate = 'auto';
  const weightDecay = f.weightDecay === undefined
    ? (cnn ? IMAGE_CNN_DEFAULTS.weightDecay : optimizer === TRAIN_DEFAULTS.optimizer ? 'auto' : undefined)
    : parseNumber('--weight-decay', f.weightDecay, (n) => n >= 0, 'a number ≥ 0 (e.g. 0.0001)');
  let batchSize: number | 'full' = cnn ? IMAGE_CNN_DEFAULTS.batchSize : TRAIN_DEFAULTS.batchSize;
  if (f.batchSize !== undefined) {
    batchSize = f.batchSize === 'full' ? 'full' : parseNumber('--batch-size', f.batchSize, (n) => Number.isInteger(n) && n >= 1, "a whole number ≥ 1 or 'full'");
  }
  const validationSplit = fraction('--validation-split', f.validationSplit, cnn ? IMAGE_CNN_DEFAULTS.validationSplit : TRAIN_DEFAULTS.validationSplit);
  const testSplit = fraction('--test-split', f.testSplit, 0);
  if (validationSplit + testSplit >= 0.95) throw new UsageError(`--validation-split ${validationSplit} and --test-split ${testSplit} leave too few rows to train on; keep their sum below 0.95`);
  let earlyStopping: number | false;
  if (f.earlyStopping === false) earlyStopping = false;
  else if (typeof f.earlyStopping === 'string') earlyStopping = parseNumber('--early-stopping', f.earlyStopping, (n) => Number.isInteger(n) && n >= 1, 'a patience in whole epochs ≥ 1');
  else if (f.earlyStopping === true) earlyStopping = TRAIN_DEFAULTS.patience;
  else earlyStopping = validationSplit > 0 ? TRAIN_DEFAULTS.patience : false;
  const activation = f.activation === undefined ? TRAIN_DEFAULTS.activation : pick('--activation', f.activation, ACTIVATIONS);
  if (!HIDDEN_ACTIVATIONS.includes(activation)) {
    throw new UsageError(`--activation ${activation} does not train hidden layers (no useful gradient, or it is an output activation); use one of ${HIDDEN_ACTIVATIONS.join(', ')}`);
  }
  return {
    network,
    hidden: f.hidden === undefined ? TRAIN_DEFAULTS.hidden : parseHidden(f.hidden),
    activation,
    loss: f.loss === undefined ? undefined : pick('--loss', f.loss, LOSSES),
    optimizer,
    learningRate,
    weightDecay,
    epochs: f.epochs === undefined ? (cnn ? IMAGE_CNN_DEFAULTS.epochs : TRAIN_DEFAULTS.epochs) : parseNumber('--epochs', f.epochs, (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1'),
    batchSize,
    validationSplit,
    testSplit,
    earlyStopping,
    refit: f.refit ?? (cnn ? IMAGE_CNN_DEFAULTS.refit : TRAIN_DEFAULTS.refit),
    seed: f.seed === undefined ? TRAIN_DEFAULTS.seed : parseSeed(f.seed),
    task: f.task === undefined ? undefined : pick('--task', f.task, ['classify', 'regress'] as const),
  };
}

/**
 * The default optimizer's learning rate for a network with `inputs` encoded inputs: 0.01, scaled by
 * 64/inputs above 64 inputs. Adam moves every weight by about the learning rate per step, so a
 * first-layer neuron's input moves by about rate × inputs; keeping that constant keeps wide inputs
 * (784 pixels) from overshooting. Measured: README, "Defaults".
 * @example defaultLearningRate(20) // 0.01;  defaultLearningRate(784) // 0.000816…
 */
export function defaultLearningRate(inputs: number): number {
  return TRAIN_DEFAULTS.learningRate * Math.min(1, 64 / inputs);
}

/**
 * The default optimizer's L2 penalty for `rows` training rows: 0.01 up to 400 rows, then 0.2/√rows
 * (0.00091 for Fashion-MNIST's 48,000), since more data needs less regularisation. Measured: README,
 * "Defaults" (0.01 on 48,000 images underfits: 85.5% test accuracy against 87.8% at 0.001).
 * @example defaultWeightDecay(300) // 0.01;  defaultWeightDecay(48000) // 0.000913
 */
export function defaultWeightDecay(rows: number): number {
  return Math.min(TRAIN_DEFAULTS.weightDecay, 0.2 / Math.sqrt(Math.max(1, rows)));
}

/**
 * The options Network.learn gets for these settings, `inputs` encoded inputs and `rows` training rows
 * (after the validation split); the measurements in scripts/cli-defaults.ts use it too.
 */
export function learnOptions(s: TrainSettings, inputs: number, rows: number): WorkerInput['learn'] {
  const weightDecay = s.weightDecay === 'auto' ? defaultWeightDecay(rows) : s.weightDecay;
  return {
    optimizer: s.optimizer, learningRate: s.learningRate === 'auto' ? defaultLearningRate(inputs) : s.learningRate, epochs: s.epochs, batchSize: s.batchSize, seed: s.seed,
    ...(weightDecay !== undefined ? { optimizerOptions: { weightDecay } } : {}),
    validationSplit: s.validationSplit,
    earlyStopping: s.earlyStopping === false ? false : { patience: s.earlyStopping, restoreBest: true },
  };
}

/**
 * Refuses, before training, a network a model file could not hold or whose training would not fit
 * in memory (the limit: half the machine's memory, or --max-memory).
 */
function checkTrainingSize(spec: NetworkSpec, hidden: string | undefined, batchSize: number, rows: number): void {
  const where = hidden === undefined ? 'the network' : `--hidden ${hidden}`;
  const count = parameterCount(spec);
  if (count > MAX_SAVED_PARAMETERS) {
    throw new UsageError(`${where}: ${describeSpec(spec, 'sizes')} is ${count.toLocaleString('en-US')} parameters, more than a model file holds (${MAX_SAVED_PARAMETERS.toLocaleString('en-US')}); use fewer or smaller layers`);
  }
  try {
    checkNetworkSize(spec, where, { batchSize, rows, flag: '--max-memory' });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const ERRORS: Record<string, new (m: string) => BackpropError> = { DataError, DivergenceError, ShapeError, ValueError, UsageError };

/** Runs fit in the worker; resolves with its result, reporting progress and handling Ctrl-C. */
function trainInWorker(
  input: WorkerInput,
  makeProgress: (epochs: number, label?: string, refit?: boolean) => TrainingProgress,
  maxEpochs: number,
): Promise<{ history: History; network: NetworkSpec; refit?: RefitResult; interrupted: boolean; complete: boolean }> {
  let progress = makeProgress(maxEpochs);
  // Built: dist/src/cli/train-worker.js. From source (node --import tsx) a worker does not get tsx's
  // loader, so an eval'd script registers it first and then imports the .ts file.
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`../train-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const boot = () => `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`;
  const worker = new Worker(fromSource ? boot() : url, {
    eval: fromSource,
    workerData: input,
    transferList: [input.inputs.buffer as ArrayBuffer, input.targets.buffer as ArrayBuffer],
  });
  const flag = new Int32Array(input.stopFlag);
  let interrupted = false;
  let started = false;
  const onSignal = () => {
    if (interrupted) {
      progress.note('backprop: stopped without saving');
      progress.abandon();
      process.exit(130);
    }
    interrupted = true;
    Atomics.store(flag, 0, 1);
    progress.note('backprop: stopping after this batch and saving the best model so far (Ctrl-C again to quit without saving)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return new Promise((resolvePromise, reject) => {
    const cleanup = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress.stop();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'batch') {
        if (!started) { started = true; progress.start(m.logs.batches); }
        progress.batch(m.logs);
      } else if (m.type === 'epoch') progress.epoch(m.logs);
      else if (m.type === 'refit') {
        progress.stop();
        progress.note(`refitting on all ${m.rows} rows for ${m.epochs} epoch${m.epochs === 1 ? '' : 's'} (the best count; --no-refit skips this)`);
        // the refit has no validation rows and no early stopping: its metrics are training metrics
        progress = makeProgress(m.epochs, 'refit ', true);
        started = false;
      } else if (m.type === 'done') {
        cleanup();
        resolvePromise({ history: m.history, network: m.network, refit: m.refit, interrupted, complete: m.complete });
      } else {
        cleanup();
        if (m.backprop) reject(new (ERRORS[m.name] ?? BackpropError)(m.message));
        else reject(Object.assign(new Error(m.message), { stack: m.stack }));
      }
    });
    worker.on('error', (err) => { cleanup(); reject(err); });
    worker.on('exit', (code) => { if (code !== 0) { cleanup(); reject(new Error(`training worker exited with code ${code}`)); } });
  });
}

/** The array itself when it owns its whole buffer (so it can be moved to the worker), else a copy. */
function transferable(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : a.slice();
}

/** "784 inputs → 64 relu → 10 softmax", or for layer types "[1, 28, 28] inputs → conv2d 16 relu → maxPool2d → …". */
function describeSpec(spec: NetworkSpec, how: 'full' | 'sizes' = 'full'): string {
  const inputs = Array.isArray(spec.inputs) ? `[${spec.inputs.join(', ')}]` : String(spec.inputs);
  const layers = spec.layers.map((l) => {
    const type = layerType(l);
    if (type === 'dense') return how === 'sizes' ? String(l.units) : `${l.units} ${l.activation ?? 'linear'}`;
    const size = l.filters !== undefined ? ` ${l.filters}` : l.rate !== undefined ? ` ${l.rate}` : '';
    return `${type}${size}${l.activation && l.activation !== 'linear' && how === 'full' ? ` ${l.activation}` : ''}`;
  });
  return [`${inputs} inputs`, ...layers].join(' → ');
}

function fmt(x: number | undefined, d = 4): string {
  return x === undefined ? '-' : Number(x.toPrecision(d)).toString();
}

function metricsLine(r: ClassificationReport | RegressionReport): string {
  return r.task === 'classify'
    ? `accuracy ${fmt(r.accuracy)}, macro F1 ${fmt(r.macroF1)}`
    : `RMSE ${fmt(r.rmse)}, MAE ${fmt(r.mae)}, R² ${fmt(r.r2)}`;
}

/**
 * The network to train: Dense layers from --hidden, the default CNN for images, or the spec in the
 * --architecture file (its `inputs` may be left out: the data's shape fills it in), checked against
 * the data's width and classes.
 */
/** The --architecture file's spec object, read and parsed (checked against the data later, in chooseSpec). */
async function readArchitecture(path: string): Promise<Partial<NetworkSpec>> {
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (err) { throw new UsageError(`--architecture ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`); }
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (err) { throw new UsageError(`--architecture ${path}: not valid JSON (${(err as Error).message})`); }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`--architecture ${path}: expected a network spec object like { "layers": [{ "units": 10, "activation": "softmax" }] }`);
  return raw as Partial<NetworkSpec>;
}

/** Whether a spec starts with an embedding: its inputs are token ids, to be fed as they are (not standardised). */
function takesTokenIds(spec: Partial<NetworkSpec> | undefined): boolean {
  const first = Array.isArray(spec?.layers) ? spec.layers[0] as { type?: unknown } | undefined : undefined;
  return first !== null && typeof first === 'object' && first.type === 'embedding';
}

async function chooseSpec(s: TrainSettings, f: TrainFlags, pre: ModelPreprocessing, width: number, images: ImageInfo | undefined, architecture?: Partial<NetworkSpec>): Promise<NetworkSpec> {
  const mlp = networkSpec(pre, width, { hidden: s.hidden, activation: s.activation, loss: s.loss, seed: s.seed });
  if (s.network === 'mlp') return mlp;
  const out = mlp.layers[mlp.layers.length - 1];
  if (s.network === 'cnn') {
    if (out.activation !== 'softmax') throw new UsageError(`--loss ${mlp.loss}: the default image CNN ends in softmax with crossEntropy; drop --loss, or give --hidden for an MLP`);
    return { ...imageCnn(images!.shape, out.units!), loss: mlp.loss, init: mlp.init, seed: s.seed };
  }
  const path = f.architecture!;
  const given = architecture!;
  const spec = { loss: mlp.loss, seed: s.seed, ...given, inputs: given.inputs ?? (images ? [1, ...images.shape] : width) } as NetworkSpec;
  try {
    validateSpec(spec, `--architecture ${path}`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const net = { inputs: Array.isArray(spec.inputs) ? spec.inputs.reduce((a, b) => a * b, 1) : spec.inputs, outputs: new Network(spec).outputs };
  if (net.inputs !== width) throw new UsageError(`--architecture ${path}: inputs ${JSON.stringify(spec.inputs)} is ${net.inputs} values per row, but the data has ${width}${images ? ` (${images.shape.join('×')} images: use [1, ${images.shape.join(', ')}])` : ''}`);
  if (net.outputs !== out.units) throw new UsageError(`--architecture ${path}: the last layer has ${net.outputs} outputs, but the target needs ${out.units}${pre.target.kind === 'classify' ? ` (${pre.target.labels.length} classes)` : ''}`);
  return spec;
}

async function train(file: string | undefined, f: TrainFlags): Promise<void> {
  const s = trainSettings(f);
  const src = { csv: file, images: f.images, labels: f.labels, delimiter: parseDelimiter(f.delimiter), dropMissing: f.dropMissing === true, encoding: parseEncoding(f.encoding) };
  checkSource('train', src, true);
  const columns = columnOptions(f);
  const classes = f.classes === undefined ? undefined : parseNumber('--classes', f.classes, (n) => Number.isInteger(n) && n >= 2 && n <= 65536, 'a whole number of classes from 2 to 65536');
  if (classes !== undefined && f.images === undefined) throw new UsageError('--classes goes with --images/--labels data (a CSV target column already says which classes there are)');
  const out = outputFile('--out', f.out, 'model.json');
  const plot = f.plot === undefined ? undefined : outputFile('--plot', f.plot, 'loss.svg');
  if (plot) plotFormat(plot.path);
  checkOutputs([out, plot], [dataInput(file), f.images === undefined ? undefined : { what: '--images', path: f.images }, f.labels === undefined ? undefined : { what: '--labels', path: f.labels }]);
  const labelNames = f.labelNames?.split(',').map((x) => x.trim());

  const architecture = f.architecture === undefined ? undefined : await readArchitecture(f.architecture);
  // An embedding-first network reads token ids: the CSV's numeric columns go in as they are.
  const tokenIds = takesTokenIds(architecture);
  if (tokenIds && f.images !== undefined) throw new UsageError(`--architecture ${f.architecture}: an embedding first layer takes token ids, not --images pixels`);
  const { pre, data, task, images } = loadTrainingData(src, { target: f.target, task: s.task, labelNames, classes, ...columns, ...(tokenIds ? { standardize: false } : {}) });
  let trainPart = data;
  let testPart = null;
  if (s.testSplit > 0) {
    const split = trainTestSplit(data.n, s.testSplit, s.seed);
    trainPart = subset(data, split.train);
    testPart = subset(data, split.test);
  }
  const valRows = s.validationSplit > 0 ? Math.max(1, Math.round(trainPart.n * s.validationSplit)) : 0;
  if (trainPart.n - valRows < 1) {
    throw new DataError(`${data.source}: only ${data.n} usable rows, too few to split for validation${testPart ? ' and test' : ''}; add rows or lower --validation-split/--test-split`);
  }
  if (s.earlyStopping !== false && valRows === 0 && f.earlyStopping === undefined) s.earlyStopping = false;

  const spec = await chooseSpec(s, f, pre, data.width, images, architecture);
  validateSpec(spec);
  // Token ids are checked here, where a bad one can be named by its file line (the worker sees a split).
  const first = spec.layers[0] as { type?: string; vocabulary?: number };
  if (first.type === 'embedding') checkTokenIds(first.vocabulary!, pre, data);
  checkTrainingSize(spec, f.hidden, s.batchSize === 'full' ? trainPart.n : s.batchSize, data.n);
  const classify = task === 'classify';
  const mode = progressMode(f.quiet === true);
  const makeProgress = (epochs: number, label?: string, refitting = false) => new TrainingProgress({
    mode, epochs, classify, label,
    validation: !refitting && valRows > 0,
    patience: refitting || s.earlyStopping === false ? undefined : s.earlyStopping,
  });
  if (!f.quiet && !f.json) {
    const dropped = data.droppedLines.length ? `, ${data.droppedLines.length} rows with missing values dropped` : '';
    process.stderr.write(`training ${describeSpec(spec)} on ${data.source} (${task === 'classify' ? 'classification' : 'regression'} of '${pre.target.name}'; ${trainPart.n - valRows} training, ${valRows} validation${testPart ? `, ${testPart.n} test` : ''} rows${dropped})\n`);
  }
  // The training rows move to the worker (no copy); only the test part stays here.
  const input: WorkerInput = {
    spec, task, inputs: transferable(trainPart.inputs), targets: transferable(trainPart.targets!),
    n: trainPart.n, width: trainPart.width,
    learn: learnOptions(s, data.width, trainPart.n - valRows),
    // Only an epoch count chosen by early stopping on validation rows is worth refitting for.
    refit: s.refit && valRows > 0 && s.earlyStopping !== false,
    stopFlag: new SharedArrayBuffer(4),
    memoryLimit: getMemoryLimit(),
  };
  const started = Date.now();
  const { history, network: trained, refit, interrupted, complete } = await trainInWorker(input, makeProgress, s.epochs);
  const seconds = (Date.now() - started) / 1000;
  if (!complete || history.epochs.length === 0) {
    // Never replace a model with one that has not seen a whole epoch.
    const kept = existsSync(out.path) ? `; ${out.path} is unchanged` : '';
    process.stderr.write(`backprop: training ${interrupted ? 'interrupted' : 'stopped'} before the first epoch finished; nothing was saved${kept}\n`);
    process.exitCode = interrupted ? 130 : 1;
    return;
  }

  const network = new Network(trained);
  const best = history.epochs[(history.bestEpoch ?? history.epochs.length) - 1];
  const test = testPart ? report(network, pre, testPart) : undefined;
  const summary = {
    model: out.path,
    task,
    target: pre.target.name,
    source: data.source,
    ...(classify ? { labels: pre.target.kind === 'classify' ? pre.target.labels : [] } : {}),
    inputs: network.inputs,
    ...(network.inputShape.length > 1 ? { inputShape: network.inputShape } : {}),
    outputs: network.outputs,
    rows: { train: trainPart.n - valRows, validation: valRows, test: testPart?.n ?? 0, dropped: data.droppedLines.length },
    network: {
      hidden: s.hidden, activation: s.activation, loss: network.loss, optimizer: s.optimizer, learningRate: best.learningRate,
      ...(input.learn.optimizerOptions ? { weightDecay: input.learn.optimizerOptions.weightDecay } : {}),
      batchSize: s.batchSize, maxEpochs: s.epochs, validationSplit: s.validationSplit, testSplit: s.testSplit,
      earlyStopping: s.earlyStopping, refit: input.refit, seed: s.seed,
    },
    epochs: history.epochs.length,
    bestEpoch: history.bestEpoch,
    stopReason: history.stopReason,
    seconds: Number(seconds.toFixed(3)),
    loss: best.loss,
    ...(best.valLoss !== undefined ? { valLoss: best.valLoss } : {}),
    ...(best.accuracy !== undefined ? { accuracy: best.accuracy } : {}),
    ...(best.valAccuracy !== undefined ? { valAccuracy: best.valAccuracy } : {}),
    ...(refit ? { refit } : {}),
    ...(test ? { test } : {}),
    ...(plot ? { plot: plot.path } : {}),
  };
  const metadata = {
    createdBy: 'backprop train', createdAt: new Date().toISOString(), ...summary, ...(images ? { images } : {}),
    history: history.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, valLoss: e.valLoss, accuracy: e.accuracy, valAccuracy: e.valAccuracy })),
  };
  delete (metadata as { model?: string }).model;
  const modelText = serializeModel({ network, preprocessing: pre, metadata });
  await writeOutput(out, modelText);
  if (plot) await saveLossPlot(plot.path, history.epochs, history.bestEpoch, { what: plot.what, createFolder: plot.createFolder });

  if (f.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!f.quiet) {
    const why = { completed: `all ${s.epochs} epochs`, earlyStopping: `early stopping at epoch ${history.epochs.length}`, tolerance: 'tolerance reached', aborted: `interrupted at epoch ${history.epochs.length}`, callback: 'stopped' }[history.stopReason];
    const val = best.valLoss === undefined ? '' : classify ? `, validation accuracy ${fmt(best.valAccuracy)}` : `, validation loss ${fmt(best.valLoss)}`;
    const lines = [
      `trained in ${seconds.toFixed(1)}s (${why}; best epoch ${history.bestEpoch}): loss ${fmt(best.loss)}${val}`,
      ...(refit?.completed ? [`then refit on all ${refit.rows} rows for ${refit.epochs} epochs: loss ${fmt(refit.loss)}`] : []),
      ...(test ? [`test (${testPart!.n} rows): ${metricsLine(test)}`] : []),
      `saved ${out.path}${plot ? ` and ${plot.path}` : ''}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (interrupted) {
    const which = refit && !refit.completed ? `epoch ${history.bestEpoch}, before the refit` : `epoch ${history.bestEpoch}`;
    process.stderr.write(`backprop: training interrupted; saved the best model so far (${which}) to ${out.path}\n`);
    process.exitCode = 130;
  }
  if (images && !f.quiet && !f.json && !test) {
    process.stderr.write(`evaluate it with: backprop evaluate ${out.path} --images <test-images> --labels <test-labels>\n`);
  }
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a network on a CSV file (or IDX images) and save it as a model file')
    .argument('[data.csv]', 'training data: a CSV file with a header row')
    .option('-t, --target <column>', 'the column to predict (required for CSV)')
    .option('-o, --out <model.json>', 'where to save the model', 'model.json')
    .option('--hidden <sizes>', `hidden layer sizes of an MLP, e.g. 16,8 ('none' for no hidden layer) (default: ${TRAIN_DEFAULTS.hidden.join(',')}; for --images a small CNN instead)`)
    .option('--architecture <spec.json>', 'train the network in this JSON spec (any layer types; "inputs" may be left out)')
    .option('--activation <name>', `hidden activation: ${HIDDEN_ACTIVATIONS.join(', ')} (default: ${TRAIN_DEFAULTS.activation})`)
    .option('--loss <name>', 'loss: crossEntropy or bce (classification), mse, mae or sse (regression) (default: crossEntropy / mse)')
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')} (default: ${TRAIN_DEFAULTS.optimizer})`)
    .option('--learning-rate <rate>', `step size (default for ${TRAIN_DEFAULTS.optimizer}: ${TRAIN_DEFAULTS.learningRate}, × 64/inputs above 64 inputs; else the optimizer's own)`)
    .option('--weight-decay <l2>', `L2 penalty on the parameters (decoupled for adamw) (default for ${TRAIN_DEFAULTS.optimizer}: ${TRAIN_DEFAULTS.weightDecay}, 0.2/√rows above 400 training rows; else the optimizer's own)`)
    .option('--epochs <n>', `maximum passes over the training rows (default: ${TRAIN_DEFAULTS.epochs})`)
    .option('--batch-size <n|full>', `rows per update; 'full' = batch learning, 1 = online (default: ${TRAIN_DEFAULTS.batchSize})`)
    .option('--validation-split <fraction>', `rows held out to watch for overfitting (default: ${TRAIN_DEFAULTS.validationSplit})`)
    .option('--test-split <fraction>', 'rows held out for a final test, reported at the end (default: 0)')
    .option('--early-stopping [patience]', `stop after this many epochs without a better validation loss, keeping the best (default: on, ${TRAIN_DEFAULTS.patience})`)
    .option('--no-early-stopping', 'train all --epochs')
    .option('--refit', 'after early stopping, retrain on all rows for the best epoch count (default: on; off for the default image CNN)')
    .option('--no-refit', 'keep the early-stopped model instead of retraining on all rows (validation rows too) for its best epoch count')
    .option('--seed <n>', `seed for weights, shuffling and splits (default: ${TRAIN_DEFAULTS.seed})`)
    .option('--task <task>', 'classify or regress (default: inferred: text, or a few distinct integers, is a class label)')
    .option('--json', 'print one JSON summary on stdout')
    .option('-q, --quiet', 'no progress output')
    .option('--plot <file>', 'save training and validation loss curves (.svg or .png)')
    .option('--delimiter <char>', "CSV field separator, e.g. ';' or tab (default: ,)")
    .option('--drop-missing', 'skip rows with missing values instead of stopping with an error')
    .option('--images <file>', 'IDX images file (MNIST-style, gzip or not) instead of a CSV')
    .option('--labels <file>', 'IDX labels file that goes with --images')
    .option('--label-names <names>', 'class names for IDX labels 0, 1, 2, … (comma-separated)')
    .option('--classes <n>', 'IDX labels: insist on n classes 0..n-1 even when some never appear (a warning names them)')
    .option('--categorical <columns>', 'one-hot encode these columns (comma-separated) even if they hold numbers, e.g. codes 1, 2, 3')
    .option('--exclude <columns>', 'do not use these columns (comma-separated) as inputs, e.g. --exclude id,name')
    .option(`--impute <${IMPUTE_STRATEGIES.join('|')}>`, 'fill missing input cells with the training column\'s mean, median or most frequent value (saved in the model; categorical columns always get the most frequent)')
    .option('--encoding <utf8|latin1>', 'the CSV file\'s text encoding (default: utf8; latin1 also reads Windows-1252)')
    .addHelpText('after', `
Examples:
  $ backprop train iris.csv --target species
  $ backprop train houses.csv --target price --hidden 32,16 --plot loss.svg --out houses.json
  $ backprop train data.csv --target label --epochs 50 --batch-size full --optimizer sgd --learning-rate 0.5
  $ backprop train --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz --out fashion.json   (a small CNN)
  $ backprop train --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz --hidden 128 --epochs 10 --out fashion-mlp.json
  $ backprop train data.csv --target label --architecture net.json

Progress goes to stderr: a live bar on a terminal, one line per epoch otherwise.
Ctrl-C stops training and saves the best model so far (exit code 130).`)
    .action(action((file: string | undefined, flags: TrainFlags) => train(file, flags)));
}
