/**
 * fit(): the training loop. Epochs of seeded-shuffled batches — `batchSize: 'full'` is batch learning
 * (one update per epoch), 1 is online/stochastic learning, N is mini-batch (⌈rows/N⌉ updates), as
 * seed 003 describes — with validation, accuracy, callbacks, an AbortSignal, early stopping, a
 * convergence tolerance and divergence detection. Returns the per-epoch history.
 */
import { Tensor } from '../tensor/tensor.js';
import { TraceError, ValueError } from '../tensor/errors.js';
import { hostCall, jit } from '../compile/jit.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Optimizer } from '../optim/optimizer.js';
import { BatchGatherer } from './data.js';
import { Training } from './training.js';

/** What fit needs of a model: a forward pass and its parameters (Module and Network both fit). */
export interface Trainable {
  forward(x: Tensor): Tensor;
  parameters(): Tensor[];
  /** Non-trainable state (BatchNorm's running statistics), kept and restored with the best weights. */
  namedBuffers?(): [string, Tensor][];
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
  /**
   * Seconds since fit started, at the epoch's end (a millisecond clock). Inside run() (fit, learn)
   * with no onEpochEnd, epochs shorter than the clock's tick share a reading: the clock is read
   * every few epochs (at most 16) while its readings repeat, and again for the last epoch.
   */
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
  if (o.compiled !== undefined && typeof o.compiled !== 'boolean') throw new ValueError(`${where}: compiled must be true or false, got ${describe(o.compiled)}`);
  if (o.shuffle !== undefined && typeof o.shuffle !== 'boolean') throw new ValueError(`${where}: shuffle must be true or false, got ${describe(o.shuffle)}`);
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new ValueError(`${where}: seed must be a finite number, got ${describe(o.seed)}`);
  for (const k of ['onEpochEnd', 'onBatchEnd'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new ValueError(`${where}: ${k} must be a function, got ${describe(o[k])}`);
  }
  if (o.scheduler !== undefined && typeof (o.scheduler as { step?: unknown } | null)?.step !== 'function') {
    throw new ValueError(`${where}: scheduler must have a step() method, got ${describe(o.scheduler)}`);
  }
  if (o.signal !== undefined && (o.signal === null || typeof o.signal !== 'object' || !('aborted' in o.signal))) {
    throw new ValueError(`${where}: signal must be an AbortSignal (or an object with 'aborted'), got ${describe(o.signal)}`);
  }
  if (o.earlyStopping !== undefined && typeof o.earlyStopping !== 'boolean' && (o.earlyStopping === null || typeof o.earlyStopping !== 'object')) {
    throw new ValueError(`${where}: earlyStopping must be true, false or an options object, got ${describe(o.earlyStopping)}`);
  }
}

/** The options only fit() takes as objects (learn() takes names and arrays for them, and checks those itself). */
function checkFitObjects(where: string, o: FitOptions): void {
  for (const k of ['loss', 'accuracy'] as const) {
    if ((k === 'loss' || o[k] !== undefined) && typeof o[k] !== 'function') throw new ValueError(`${where}: ${k} must be a function, got ${describe(o[k])}`);
  }
  if (typeof (o.optimizer as { step?: unknown } | null | undefined)?.step !== 'function') {
    throw new ValueError(`${where}: optimizer must be an optimizer (an object with step() and zeroGrad()), got ${describe(o.optimizer)}`);
  }
  if (o.validationData !== undefined && !(Array.isArray(o.validationData) && o.validationData.length === 2 && o.validationData.every((t) => t instanceof Tensor))) {
    throw new ValueError(`${where}: validationData must be [inputs, targets], two tensors, got ${describe(o.validationData)}`);
  }
}

/** A value for an error message: its type, and the value itself where short. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object (${Object.keys(v as object).slice(0, 4).join(', ') || 'no keys'})`;
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
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
  return training(model, inputs, targets, options).run();
}

/**
 * The resumable Training behind fit(), with fit()'s options (checked here): step it, run it an
 * epoch at a time, stop it, restore its best weights.
 * @example const t = training(model, x, y, { loss: mse, optimizer, epochs: 5 }); t.step(); t.run();
 */
export function training(model: Trainable, inputs: Tensor, targets: Tensor, options: FitOptions, where = 'fit'): Training {
  checkFitOptions(where, options);
  checkFitObjects(where, options);
  const compiled = options.compiled ?? true;
  const t = new Training(model, inputs, targets, options, (x, y) =>
    compiled ? compiledStep(model, x, y, options.loss, options.optimizer) : autogradStep(model, x, y, options.loss, options.optimizer), where);
  retainIfSmall(model.parameters(), inputs, [t, options, model]);
  return t;
}

/**
 * One training step's work, the part that differs between the eager path (autogradStep) and the
 * compiled one (compiledStep); Training does everything around it.
 */
export interface TrainStep {
  /**
   * Forward pass, loss, backward pass and the optimizer's update on training rows
   * order[start, end); returns the batch's loss. `check` sees the loss before any update and throws
   * to stop the step (divergence), leaving the parameters as they were. It may return a bound: it
   * will do nothing for losses of at most that magnitude (a compiled loop then calls it only for
   * losses outside it, and once per run or runBatches call, where it may return a new bound).
   */
  run(order: ArrayLike<number>, start: number, end: number, check: LossCheck): number;
  /** The last batch's model outputs and targets (for `accuracy`), valid until the next run(). */
  output(): Tensor;
  target(): Tensor;
  /**
   * `count` batches of `size` rows from order[start] on, as one loop (no per-batch dispatch);
   * `each` gets each batch's loss after its update (output() and target() are that batch's
   * meanwhile) and returns false to stop. Returns the batches
   * run, or −1 when this step cannot loop (the caller runs them one by one). Optional.
   */
  runBatches?(order: ArrayLike<number>, start: number, count: number, size: number, check: LossCheck, each: (loss: number) => boolean): number;
}

/** A batch's loss check (see TrainStep.run): throws to stop; may return the magnitude up to which it does nothing. */
export type LossCheck = (loss: number) => number | void;

/** The eager step: gather the batch, record the graph, backward(), optimizer.step(). */
export function autogradStep(model: Trainable, trainX: Tensor, trainY: Tensor, lossFn: FitOptions['loss'], optimizer: OptimizerLike): TrainStep {
  const xGather = new BatchGatherer(trainX), yGather = new BatchGatherer(trainY);
  let out: Tensor | null = null, yb: Tensor | null = null;
  return {
    run(order, start, end, check) {
      const xb = xGather.gather(order, start, end);
      yb = yGather.gather(order, start, end);
      optimizer.zeroGrad();
      out = model.forward(xb);
      const loss = lossFn(out, yb);
      const value = loss.item();
      check(value);
      loss.backward();
      optimizer.step();
      return value;
    },
    output: () => out!,
    target: () => yb!,
  };
}

/** Below this many elements (parameters + training inputs) the last compiled training's objects are kept. */
const RETAIN_MAX_ELEMENTS = 1 << 16;
/** Written, never read: holding the reference is the point. */
let retained: unknown = null;

/**
 * Keeps the most recent small training's objects (the Training, its jitted step, optimizer, model)
 * reachable until the next one. Why: V8's optimised code for the replay and the update rules checks
 * the hidden classes of these objects, and a hidden class dies with the last object that has it; a
 * benchmark that trains fresh tiny networks with a full GC between them would otherwise throw that
 * code away and re-optimise it for every network (measured: 2.5× slower XOR). Bounded to one small
 * model and dataset, so the memory cost is negligible.
 */
function retainIfSmall(params: readonly Tensor[], inputs: Tensor, objects: unknown[]): void {
  let elements = inputs.size;
  for (const p of params) elements += p.size;
  if (elements <= RETAIN_MAX_ELEMENTS) retained = objects;
}

const NOT_AN_OPTIMIZER = "the optimizer is not one of the library's Optimizer classes (its step cannot be traced)";

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
  if (!(options.optimizer instanceof Optimizer)) return NOT_AN_OPTIMIZER;
  return eagerReasons.get(model) ?? null;
}

/**
 * The compiled step: one jitted function doing what the eager step does — forward, loss,
 * backward, the loss handed to `check` (a host call the replay makes before any update, so a
 * diverging batch changes nothing, as on the eager path), then the optimizer's update. A trace
 * that fails with a TraceError (a forward that reads values, say) falls back to the eager step for
 * the rest of the fit, with the reason kept for whyNotCompiled.
 */
export function compiledStep(model: Trainable, trainX: Tensor, trainY: Tensor, lossFn: FitOptions['loss'], optimizer: OptimizerLike): TrainStep {
  if (!(optimizer instanceof Optimizer)) {
    eagerReasons.set(model, NOT_AN_OPTIMIZER);
    return autogradStep(model, trainX, trainY, lossFn, optimizer);
  }
  eagerReasons.delete(model);
  const xGather = new BatchGatherer(trainX), yGather = new BatchGatherer(trainY);
  const params = model.parameters();
  // The check of the step being run (the Training passes the same one each time; kept current anyway).
  let check: LossCheck = () => {};
  // Losses of at most this magnitude pass the check (what it last said; -1: ask it): the
  // compiled loop calls it only for the others, and once per run/runBatches call.
  const within = { value: -1 };
  const checkLoss = (values: TypedArray): void => {
    const bound = check(values[0]);
    within.value = typeof bound === 'number' ? bound : -1;
  };
  const step = jit((x: Tensor, y: Tensor) => {
    optimizer.zeroGrad();
    for (const p of params) p.grad = null;
    const out = model.forward(x);
    const loss = lossFn(out, y);
    loss.backward();
    hostCall(loss, checkLoss, within);
    optimizer.step();
    return [loss, out];
  });
  let eager: TrainStep | null = null;
  let out: Tensor | null = null, yb: Tensor | null = null;
  // runBatches: the sources of every batch, and the caller's per-batch function (kept current).
  const sources = [trainX, trainY];
  let onLoss: (loss: number) => boolean = () => true;
  // The looped batch in progress (its rows are gathered for target() only when asked).
  let loopOrder: ArrayLike<number> = [], loopStart = 0, loopSize = 0, loopK = -1;
  const eachBatch = (results: Tensor[], k: number): boolean => {
    out = results[1];
    loopK = k;
    yb = null;
    return onLoss(results[0].data[0]);
  };
  return {
    run(order, start, end, checkNow) {
      if (eager !== null) return eager.run(order, start, end, checkNow);
      check = checkNow;
      within.value = -1;
      const xb = xGather.gather(order, start, end);
      yb = yGather.gather(order, start, end);
      let result: Tensor[];
      try {
        result = step(xb, yb) as Tensor[];
      } catch (e) {
        if (!(e instanceof TraceError)) throw e;
        eagerReasons.set(model, e.message);
        eager = autogradStep(model, trainX, trainY, lossFn, optimizer);
        return eager.run(order, start, end, checkNow);
      }
      out = result[1];
      return result[0].item();
    },
    output: () => (eager !== null ? eager.output() : out!),
    target: () => {
      if (eager !== null) return eager.target();
      if (yb === null) {
        const from = loopStart + loopK * loopSize;
        yb = yGather.gather(loopOrder, from, from + loopSize);
      }
      return yb;
    },
    runBatches(order, start, count, size, checkNow, each) {
      if (eager !== null) return -1;
      check = checkNow;
      within.value = -1;
      onLoss = each;
      loopOrder = order; loopStart = start; loopSize = size;
      try {
        return step.rows(sources, order, start, count, size, eachBatch as (results: unknown, k: number) => boolean);
      } catch (e) {
        if (!(e instanceof TraceError)) throw e;
        eagerReasons.set(model, e.message);
        eager = autogradStep(model, trainX, trainY, lossFn, optimizer);
        return -1;
      }
    },
  };
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
