/**
 * fit(): the training loop. Epochs of seeded-shuffled batches — `batchSize: 'full'` is batch learning
 * (one update per epoch), 1 is online/stochastic learning, N is mini-batch (⌈rows/N⌉ updates), as
 * seed 003 describes — with validation, accuracy, callbacks, an AbortSignal, early stopping, a
 * convergence tolerance and divergence detection. Returns the per-epoch history.
 */
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { DivergenceError, TraceError, ValueError } from '../tensor/errors.js';
import { jit } from '../compile/jit.js';
import { Optimizer } from '../optim/optimizer.js';
import { noGrad } from '../autograd/graph.js';
import { BatchGatherer, selectRows } from './data.js';

/** What fit needs of a model: a forward pass and its parameters (Module and Network both fit). */
export interface Trainable {
  forward(x: Tensor): Tensor;
  parameters(): Tensor[];
  train?(mode?: boolean): unknown;
  eval?(): unknown;
}

/** What fit needs of an optimizer (every optim.* class). */
export interface OptimizerLike {
  zeroGrad(): void;
  step(): void;
  learningRate: number;
}

/** The part of AbortSignal fit reads; declared here because the core compiles without DOM or Node types. */
export interface AbortSignalLike {
  readonly aborted: boolean;
}

export interface EpochLogs {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's batches (weighted by batch size). */
  loss: number;
  valLoss?: number;
  accuracy?: number;
  valAccuracy?: number;
  learningRate: number;
  /** Parameter updates made so far. */
  updates: number;
  /** Seconds since fit started. */
  seconds: number;
}

export interface BatchLogs {
  epoch: number;
  /** 1-based within the epoch. */
  batch: number;
  batches: number;
  loss: number;
  size: number;
}

export type StopReason = 'completed' | 'tolerance' | 'earlyStopping' | 'aborted' | 'callback';

export interface History {
  epochs: EpochLogs[];
  stopReason: StopReason;
  /** Total parameter updates. */
  updates: number;
  /** The epoch whose weights the model holds at the end (differs from the last with restoreBest). */
  bestEpoch: number | null;
}

export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping (default 10). */
  patience?: number;
  /** Smallest decrease that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'valLoss' when validation data exists, else 'loss'. */
  monitor?: 'loss' | 'valLoss';
  /** Put back the best weights when stopping (default true). */
  restoreBest?: boolean;
}

export interface FitOptions {
  /** The loss: (predictions, targets) → scalar tensor. */
  loss: (pred: Tensor, target: Tensor) => Tensor;
  optimizer: OptimizerLike;
  /** Default 1. */
  epochs?: number;
  /** Rows per update: a number, 'full' (all rows: batch learning) or 1 (online). Default 32. */
  batchSize?: number | 'full';
  /** Reshuffle rows every epoch (default true), from `seed`. */
  shuffle?: boolean;
  /** Seed for shuffling and the validation split (default 0). */
  seed?: number;
  /** Fraction of rows held out for validation (0 ≤ f < 1), chosen by a seeded shuffle. */
  validationSplit?: number;
  validationData?: [Tensor, Tensor];
  /** Accuracy of outputs against targets, reported per epoch (Network supplies one for classifiers). */
  accuracy?: (output: Tensor, target: Tensor) => number;
  onEpochEnd?: (logs: EpochLogs) => void | boolean;
  onBatchEnd?: (logs: BatchLogs) => void;
  /** An AbortSignal (or anything with `aborted`): training stops between batches once it is set. */
  signal?: AbortSignalLike;
  earlyStopping?: EarlyStoppingOptions | boolean;
  /** Stop once the epoch's training loss is below this ("iterate until convergence"). */
  tolerance?: number;
  /** Stop as diverged when the loss exceeds this multiple of the first batch's loss (default 1e4). */
  divergenceFactor?: number;
  /** Called once per epoch after its updates (e.g. a learning-rate schedule's step). */
  scheduler?: { step(): void };
  /** Compile each step with `jit` (default true); false runs the eager autograd path. */
  compiled?: boolean;
}

const FIT_OPTIONS = ['loss', 'optimizer', 'epochs', 'batchSize', 'shuffle', 'seed', 'validationSplit', 'validationData', 'accuracy',
  'onEpochEnd', 'onBatchEnd', 'signal', 'earlyStopping', 'tolerance', 'divergenceFactor', 'scheduler', 'compiled'];

export function checkFitOptions(where: string, options: object, extra: readonly string[] = []): void {
  const known = [...FIT_OPTIONS, ...extra];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new ValueError(`${where}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
  const o = options as Partial<FitOptions>;
  if (o.epochs !== undefined && (!Number.isInteger(o.epochs) || o.epochs < 0)) throw new ValueError(`${where}: epochs must be a whole number ≥ 0, got ${o.epochs}`);
  if (o.batchSize !== undefined && o.batchSize !== 'full' && (!Number.isInteger(o.batchSize) || o.batchSize < 1)) {
    throw new ValueError(`${where}: batchSize must be a whole number ≥ 1 or 'full', got ${String(o.batchSize)}`);
  }
  if (o.validationSplit !== undefined && !(o.validationSplit >= 0 && o.validationSplit < 1)) {
    throw new ValueError(`${where}: validationSplit must be in [0, 1), got ${o.validationSplit}`);
  }
  if (o.tolerance !== undefined && !(o.tolerance >= 0)) throw new ValueError(`${where}: tolerance must be ≥ 0, got ${o.tolerance}`);
  if (o.divergenceFactor !== undefined && !(o.divergenceFactor > 1)) throw new ValueError(`${where}: divergenceFactor must be > 1, got ${o.divergenceFactor}`);
  if (o.compiled !== undefined && typeof o.compiled !== 'boolean') throw new ValueError(`${where}: compiled must be true or false, got ${String(o.compiled)}`);
}

/**
 * Trains `model` on inputs [rows, features] and targets ([rows, outputs] or class indices [rows]).
 * Each step is compiled (`jit`: traced once per batch shape, then replayed) unless `compiled` is
 * false or the model cannot be traced (see whyNotCompiled); the numbers are the eager path's.
 * @example
 * const model = new Sequential(new Dense(2, 4, { activation: 'tanh' }), new Dense(4, 1));
 * const history = fit(model, x, y, { loss: mse, optimizer: new optim.Adam(model.parameters()), epochs: 100 });
 */
export function fit(model: Trainable, inputs: Tensor, targets: Tensor, options: FitOptions): History {
  checkFitOptions('fit', options);
  const compiled = options.compiled ?? true;
  return trainLoop('fit', model, inputs, targets, options, (x, y) =>
    compiled ? compiledStep(model, x, y, options.loss, options.optimizer) : autogradStep(model, x, y, options.loss, options.optimizer));
}

/**
 * One training step's work, the part that differs between the eager path (autogradStep) and the
 * compiled one (compiledStep); trainLoop does everything around it.
 */
export interface TrainStep {
  /** Forward pass, loss and backward pass on training rows order[start, end); returns the batch's loss. */
  forward(order: ArrayLike<number>, start: number, end: number): number;
  /** The optimizer's update for the batch forward() just ran. */
  update(): void;
  /** The last batch's model outputs and targets (for `accuracy`), valid until the next forward(). */
  output(): Tensor;
  target(): Tensor;
}

/** The eager step: gather the batch, record the graph, backward(), optimizer.step(). */
export function autogradStep(model: Trainable, trainX: Tensor, trainY: Tensor, lossFn: FitOptions['loss'], optimizer: OptimizerLike): TrainStep {
  const xGather = new BatchGatherer(trainX), yGather = new BatchGatherer(trainY);
  let out: Tensor | null = null, yb: Tensor | null = null;
  return {
    forward(order, start, end) {
      const xb = xGather.gather(order, start, end);
      yb = yGather.gather(order, start, end);
      optimizer.zeroGrad();
      out = model.forward(xb);
      const loss = lossFn(out, yb);
      const value = loss.item();
      loss.backward();
      return value;
    },
    update() {
      optimizer.step();
    },
    output: () => out!,
    target: () => yb!,
  };
}

/** Below this many elements (parameters + training inputs) the last compiled training's objects are kept. */
const RETAIN_MAX_ELEMENTS = 1 << 16;
let retained: unknown = null;

/**
 * Keeps the most recent small training's objects (its jitted functions, optimizer, model) reachable
 * until the next one. Why: V8's optimised code for the replay and the update rules checks the
 * hidden classes of these objects, and a hidden class dies with the last object that has it; a
 * benchmark that trains fresh tiny networks with a full GC between them would otherwise throw that
 * code away and re-optimise it for every network (measured: 2.5× slower XOR). Bounded to one small
 * model and dataset, so the memory cost is negligible.
 */
function retainIfSmall(params: readonly Tensor[], inputs: Tensor, objects: unknown[]): void {
  let elements = inputs.size;
  for (const p of params) elements += p.size;
  if (elements <= RETAIN_MAX_ELEMENTS) retained = objects;
}

/** Why the last fit of a model ran eagerly (a trace that failed), by model. */
const eagerReasons = new WeakMap<object, string>();

/**
 * Why fit() would not compile this model's steps (null when it does): a one-line reason. Static
 * checks (an optimizer that is not one of the library's Optimizer classes cannot be traced), then
 * what the model's last fit found when it tried (a forward that reads values, for example).
 * @example whyNotCompiled(model, { loss: mse, optimizer }) // null
 */
export function whyNotCompiled(model: Trainable, options: { loss: FitOptions['loss']; optimizer: OptimizerLike; compiled?: boolean }): string | null {
  if (options.compiled === false) return 'compiled: false was asked for';
  if (typeof options.loss !== 'function') return 'the loss is not a function of (predictions, targets)';
  if (!(options.optimizer instanceof Optimizer)) return "the optimizer is not one of the library's Optimizer classes (its step cannot be traced)";
  return eagerReasons.get(model) ?? null;
}

/**
 * The compiled step: two jitted functions, forward + loss + backward (returning the loss, so
 * divergence is caught before any update, as on the eager path) and the optimizer's update (the
 * gradients passed in). A trace that fails with a TraceError (a forward that reads values, an
 * optimizer that is not the library's) falls back to the eager step for the rest of the fit, with
 * the reason kept for whyNotCompiled.
 */
export function compiledStep(model: Trainable, trainX: Tensor, trainY: Tensor, lossFn: FitOptions['loss'], optimizer: OptimizerLike): TrainStep {
  if (!(optimizer instanceof Optimizer)) {
    eagerReasons.set(model, "the optimizer is not one of the library's Optimizer classes (its step cannot be traced)");
    return autogradStep(model, trainX, trainY, lossFn, optimizer);
  }
  eagerReasons.delete(model);
  const xGather = new BatchGatherer(trainX), yGather = new BatchGatherer(trainY);
  const params = model.parameters();
  const forward = jit((x: Tensor, y: Tensor) => {
    optimizer.zeroGrad();
    for (const p of params) p.grad = null;
    const out = model.forward(x);
    const loss = lossFn(out, y);
    loss.backward();
    return [loss, out];
  });
  let stepped: Tensor[] = [];
  const grads: Tensor[] = [];
  const update = jit((...gs: Tensor[]) => {
    for (let i = 0; i < gs.length; i++) stepped[i].grad = gs[i];
    try {
      optimizer.step();
    } finally {
      for (let i = 0; i < gs.length; i++) stepped[i].grad = grads[i];
    }
  });
  let eager: TrainStep | null = null;
  let out: Tensor | null = null, yb: Tensor | null = null;
  retainIfSmall(params, trainX, [forward, update, optimizer, model, xGather, yGather]);
  return {
    forward(order, start, end) {
      if (eager !== null) return eager.forward(order, start, end);
      const xb = xGather.gather(order, start, end);
      yb = yGather.gather(order, start, end);
      let result: Tensor[];
      try {
        result = forward(xb, yb) as Tensor[];
      } catch (e) {
        if (!(e instanceof TraceError)) throw e;
        eagerReasons.set(model, e.message);
        eager = autogradStep(model, trainX, trainY, lossFn, optimizer);
        return eager.forward(order, start, end);
      }
      out = result[1];
      return result[0].item();
    },
    update() {
      if (eager !== null) return eager.update();
      // The parameters that got a gradient this step (a frozen one gets none, and is not stepped);
      // a replayed step hands out the same gradient tensors each time, so the lists are reused.
      let same = true, k = 0;
      for (let i = 0; i < params.length; i++) {
        const g = params[i].grad;
        if (g === null) continue;
        if (k >= grads.length || grads[k] !== g || stepped[k] !== params[i]) same = false;
        k++;
      }
      if (!same || k !== grads.length) {
        stepped = [];
        grads.length = 0;
        for (const p of params) if (p.grad !== null) { stepped.push(p); grads.push(p.grad); }
      }
      update(...grads);
    },
    output: () => (eager !== null ? eager.output() : out!),
    target: () => (eager !== null ? eager.target() : yb!),
  };
}

/**
 * The training loop shared by every path: the validation split, seeded shuffling, batching,
 * divergence detection, logs, validation, callbacks, AbortSignal, tolerance and early stopping.
 * `makeStep` gets the training rows (after any validation split) and returns the step to run.
 * `where` names the caller in errors. Options must already be checked (checkFitOptions).
 */
export function trainLoop(
  where: string, model: Trainable, inputs: Tensor, targets: Tensor, options: FitOptions,
  makeStep: (trainX: Tensor, trainY: Tensor) => TrainStep,
): History {
  const epochs = options.epochs ?? 1;
  const seed = options.seed ?? 0;
  const random = new Random(seed);
  const { loss: lossFn, optimizer } = options;
  if (inputs.shape[0] !== targets.shape[0]) {
    throw new ValueError(`${where}: ${inputs.shape[0]} input rows but ${targets.shape[0]} target rows`);
  }

  let trainX = inputs, trainY = targets, valX: Tensor | null = null, valY: Tensor | null = null;
  if (options.validationData) {
    [valX, valY] = options.validationData;
  } else if (options.validationSplit && options.validationSplit > 0) {
    const order = random.shuffle(Array.from({ length: inputs.shape[0] }, (_, i) => i));
    const nVal = Math.max(1, Math.round(order.length * options.validationSplit));
    if (nVal >= order.length) throw new ValueError(`${where}: validationSplit ${options.validationSplit} leaves no rows to train on (${order.length} rows)`);
    const trainIdx = order.slice(0, order.length - nVal).sort((a, b) => a - b);
    const valIdx = order.slice(order.length - nVal).sort((a, b) => a - b);
    trainX = selectRows(inputs, trainIdx); trainY = selectRows(targets, trainIdx);
    valX = selectRows(inputs, valIdx); valY = selectRows(targets, valIdx);
  }
  const rows = trainX.shape[0];
  if (rows === 0) throw new ValueError(`${where}: no training rows`);
  const batchSize = options.batchSize === 'full' ? rows : Math.min(options.batchSize ?? 32, rows);
  const batches = Math.ceil(rows / batchSize);
  const shuffle = options.shuffle ?? true;

  const es = options.earlyStopping === true ? {} : options.earlyStopping || null;
  const monitor = es ? (es.monitor ?? (valX ? 'valLoss' : 'loss')) : 'loss';
  if (es && monitor === 'valLoss' && !valX) throw new ValueError(`${where}: earlyStopping monitors 'valLoss' but there is no validation data (set validationSplit or validationData)`);
  const patience = es?.patience ?? 10;
  const minDelta = es?.minDelta ?? 0;
  const restoreBest = es?.restoreBest ?? true;
  const params = model.parameters();
  let best = Infinity, bestEpoch: number | null = null, bestWeights: Float64Array[] | null = null, sinceBest = 0;

  const order = Array.from({ length: rows }, (_, i) => i);
  const step = makeStep(trainX, trainY);
  const history: History = { epochs: [], stopReason: 'completed', updates: 0, bestEpoch: null };
  const started = Date.now();
  const divergenceFactor = options.divergenceFactor ?? 1e4;
  const { accuracy, onBatchEnd, signal } = options;
  let firstLoss: number | null = null;

  const diverged = (epoch: number, batch: number, value: number): never => {
    const why = Number.isNaN(value) ? 'the loss is NaN' : !Number.isFinite(value) ? 'the loss is infinite' : `the loss (${value.toPrecision(4)}) grew over ${divergenceFactor}× its first value (${firstLoss!.toPrecision(4)})`;
    const err = new DivergenceError(
      `training diverged at epoch ${epoch}, batch ${batch}: ${why}. Try a lower learning rate (now ${optimizer.learningRate}), ` +
        'standardised (scaled) inputs, or a smaller batch-to-learning-rate ratio.',
    );
    (err as DivergenceError & { history?: History }).history = history;
    throw err;
  };

  model.train?.(true);
  {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (signal?.aborted) { history.stopReason = 'aborted'; break; }
      if (shuffle) random.shuffle(order);
      let lossSum = 0, accSum = 0, seen = 0;
      let aborted = false;
      for (let b = 0; b < batches; b++) {
        if (signal?.aborted) { aborted = true; break; }
        const start = b * batchSize, end = Math.min(rows, start + batchSize);
        const value = step.forward(order, start, end);
        if (firstLoss === null) firstLoss = Math.max(Math.abs(value), 1e-12);
        if (!Number.isFinite(value) || Math.abs(value) > divergenceFactor * Math.max(firstLoss, 1e-3)) diverged(epoch, b + 1, value);
        step.update();
        history.updates++;
        const size = end - start;
        lossSum += value * size;
        if (accuracy) accSum += accuracy(step.output(), step.target()) * size;
        seen += size;
        onBatchEnd?.({ epoch, batch: b + 1, batches, loss: value, size });
      }
      if (seen === 0) { history.stopReason = 'aborted'; break; }
      options.scheduler?.step();
      const logs: EpochLogs = { epoch, loss: lossSum / seen, learningRate: optimizer.learningRate, updates: history.updates, seconds: (Date.now() - started) / 1000 };
      if (accuracy) logs.accuracy = accSum / seen;
      if (valX && valY) {
        model.eval?.();
        noGrad(() => {
          const out = model.forward(valX!);
          logs.valLoss = lossFn(out, valY!).item();
          if (accuracy) logs.valAccuracy = accuracy(out, valY!);
        });
        model.train?.(true);
      }
      history.epochs.push(logs);
      if (aborted) { history.stopReason = 'aborted'; break; }

      const watched = monitor === 'valLoss' ? logs.valLoss! : logs.loss;
      if (watched < best - minDelta) {
        best = watched; bestEpoch = epoch; sinceBest = 0;
        if (es && restoreBest) bestWeights = params.map((p) => Float64Array.from(p.data));
      } else sinceBest++;
      if (options.onEpochEnd?.(logs) === false) { history.stopReason = 'callback'; break; }
      if (options.tolerance !== undefined && logs.loss < options.tolerance) { history.stopReason = 'tolerance'; break; }
      if (es && sinceBest >= patience) { history.stopReason = 'earlyStopping'; break; }
    }
  }
  if (es && restoreBest && bestWeights && bestEpoch !== history.epochs.length) {
    params.forEach((p, i) => p.data.set(bestWeights![i]));
  }
  history.bestEpoch = es ? bestEpoch : history.epochs.length || null;
  model.eval?.();
  return history;
}

/** Accuracy of probabilities/scores: argmax per row for several outputs, > threshold for one. */
export function classificationAccuracy(output: Tensor, target: Tensor, threshold = 0.5): number {
  const n = output.shape[0];
  const k = output.rank === 2 ? output.shape[1] : 1;
  const o = output.data, t = target.data;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      const predicted = o[i] > threshold ? 1 : 0;
      const actual = t[i] > 0.5 ? 1 : 0;
      if (predicted === actual) correct++;
      continue;
    }
    let arg = 0;
    for (let j = 1; j < k; j++) if (o[i * k + j] > o[i * k + arg]) arg = j;
    let cls: number;
    if (target.rank === 1) cls = t[i];
    else {
      cls = 0;
      for (let j = 1; j < k; j++) if (t[i * k + j] > t[i * k + cls]) cls = j;
    }
    if (arg === cls) correct++;
  }
  return n === 0 ? 0 : correct / n;
}
