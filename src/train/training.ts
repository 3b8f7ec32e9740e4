/**
 * Training: the one training loop, as a resumable object. fit(), Network.learn(), the CLI's training
 * worker and the playground's Train/Step buttons all drive it, so the validation split, the seeded
 * shuffle order, batching, divergence detection, logs, validation, callbacks, the AbortSignal,
 * tolerance, early stopping and best-weights tracking are decided here and nowhere else.
 * `step()` makes one update, `epoch()` finishes the current epoch, `run()` goes to the end.
 */
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { DivergenceError, ValueError } from '../tensor/errors.js';
import { noGrad } from '../autograd/graph.js';
import { selectRows } from './data.js';
import type { BatchLogs, EpochLogs, FitOptions, History, Trainable, TrainStep } from './fit.js';

/** The best epoch so far by the monitored value (validation loss when there is validation data, else loss). */
export interface BestEpoch {
  epoch: number;
  value: number;
}

/** The most epochs between two readings of the clock inside run() (see Training.secondsNow). */
const CLOCK_STRIDE_MAX = 16;

export class Training {
  /** Per-epoch logs so far, the stop reason once done, updates made, the epoch whose weights the model holds. */
  readonly history: History;
  private readonly model: Trainable;
  private readonly options: FitOptions;
  private readonly stepper: TrainStep;
  private readonly random: Random;
  private readonly order: number[];
  private readonly rows: number;
  private readonly batchSize: number;
  private readonly batches: number;
  private readonly epochs: number;
  private readonly valX: Tensor | null;
  private readonly valY: Tensor | null;
  private readonly monitor: 'loss' | 'valLoss';
  private readonly es: { patience: number; minDelta: number; restoreBest: boolean } | null;
  /** What the best epoch's weights are: the parameters and the buffers (running statistics). */
  private readonly params: Tensor[];
  private readonly started = Date.now();
  /** 1-based epoch in progress (or next to start), and the next batch in it. */
  private epochNo = 1;
  private batch = 0;
  private lossSum = 0;
  private accSum = 0;
  private seen = 0;
  private firstLoss: number | null = null;
  private bestValue = Infinity;
  private bestEpoch: number | null = null;
  private bestWeights: Float64Array[] | null = null;
  private sinceBest = 0;
  private finished = false;

  /**
   * Sets up training of `model` on inputs [rows, features] and targets ([rows, outputs] or class
   * indices [rows]) with fit()'s options; nothing is trained until step(), epoch() or run().
   * `makeStep` builds the step (fit passes the compiled or the eager one). Options must be checked.
   * @example const t = new Training(model, x, y, { loss: mse, optimizer, epochs: 10 }, makeStep); t.step(); t.run();
   */
  constructor(model: Trainable, inputs: Tensor, targets: Tensor, options: FitOptions, makeStep: (trainX: Tensor, trainY: Tensor) => TrainStep, where = 'fit') {
    this.model = model;
    this.options = options;
    this.epochs = options.epochs ?? 1;
    this.random = new Random(options.seed ?? 0);
    if (inputs.shape[0] !== targets.shape[0]) {
      throw new ValueError(`${where}: ${inputs.shape[0]} input rows but ${targets.shape[0]} target rows`);
    }
    let trainX = inputs, trainY = targets, valX: Tensor | null = null, valY: Tensor | null = null;
    if (options.validationData) {
      [valX, valY] = options.validationData;
    } else if (options.validationSplit && options.validationSplit > 0) {
      const order = this.random.shuffle(Array.from({ length: inputs.shape[0] }, (_, i) => i));
      const nVal = Math.max(1, Math.round(order.length * options.validationSplit));
      if (nVal >= order.length) throw new ValueError(`${where}: validationSplit ${options.validationSplit} leaves no rows to train on (${order.length} rows)`);
      const trainIdx = order.slice(0, order.length - nVal).sort((a, b) => a - b);
      const valIdx = order.slice(order.length - nVal).sort((a, b) => a - b);
      trainX = selectRows(inputs, trainIdx); trainY = selectRows(targets, trainIdx);
      valX = selectRows(inputs, valIdx); valY = selectRows(targets, valIdx);
    }
    this.valX = valX;
    this.valY = valY;
    this.rows = trainX.shape[0];
    if (this.rows === 0) throw new ValueError(`${where}: no training rows`);
    this.batchSize = options.batchSize === 'full' ? this.rows : Math.min(options.batchSize ?? 32, this.rows);
    this.batches = Math.ceil(this.rows / this.batchSize);
    const es = options.earlyStopping === true ? {} : options.earlyStopping || null;
    this.monitor = es?.monitor ?? (valX ? 'valLoss' : 'loss');
    if (es && this.monitor === 'valLoss' && !valX) throw new ValueError(`${where}: earlyStopping monitors 'valLoss' but there is no validation data (set validationSplit or validationData)`);
    this.es = es ? { patience: es.patience ?? 10, minDelta: es.minDelta ?? 0, restoreBest: es.restoreBest ?? true } : null;
    this.keepBestWeights = this.es?.restoreBest ?? false;
    this.params = [...model.parameters(), ...(model.namedBuffers?.() ?? []).map(([, t]) => t)];
    this.order = Array.from({ length: this.rows }, (_, i) => i);
    this.stepper = makeStep(trainX, trainY);
    this.history = { epochs: [], stopReason: 'completed', updates: 0, bestEpoch: null };
    if (this.epochs === 0) this.finish('completed');
  }

  /** True once training has ended (all epochs, a stop condition, stop(), or the AbortSignal). */
  get done(): boolean {
    return this.finished;
  }

  /** The best epoch so far by the monitored value, or null before the first epoch ends. */
  get best(): BestEpoch | null {
    return this.bestEpoch === null ? null : { epoch: this.bestEpoch, value: this.bestValue };
  }

  /** The epoch in progress (1-based) and how many of its batches are done. */
  get position(): { epoch: number; batch: number; batches: number } {
    return { epoch: this.epochNo, batch: this.batch, batches: this.batches };
  }

  /**
   * One update: the next batch of the current epoch (shuffled at the epoch's start); after the
   * epoch's last batch the epoch is finished too (validation, logs, callbacks, stop conditions).
   * Returns the batch's logs, or null when training is already done (or stops before the batch).
   * @example while (!t.done) t.step();
   */
  step(): BatchLogs | null {
    const size = this.advance();
    if (size === 0) return null;
    const epoch = this.batch === 0 ? this.epochNo - 1 : this.epochNo;
    const batch = this.batch === 0 ? this.batches : this.batch;
    return { epoch, batch, batches: this.batches, loss: this.lastLoss, size };
  }

  /** The last batch's loss (what step() reports). */
  private lastLoss = NaN;
  /** Weights are copied at each new best only when something will put them back. */
  private keepBestWeights: boolean;

  /**
   * Keep a copy of the best epoch's weights from now on, so restoreBest() can put them back even
   * without early stopping (the CLI does this, to keep the best model when training is interrupted).
   * @example t.keepBest(); t.run(); if (t.history.stopReason === 'aborted') t.restoreBest();
   */
  keepBest(): this {
    this.keepBestWeights = true;
    return this;
  }

  /** Whether the epoch in progress has begun (shuffled, sums reset). */
  private begun = false;

  /** Before a batch: ends training on an abort, begins the epoch at its first batch. False when no batch may run. */
  private begin(): boolean {
    if (this.finished) return false;
    const { signal } = this.options;
    if (this.batch === 0) {
      if (signal?.aborted) { this.finish('aborted'); return false; }
      if (!this.begun) {
        if (this.epochNo === 1) this.model.train?.(true);
        if (this.options.shuffle ?? true) this.random.shuffle(this.order);
        this.lossSum = 0; this.accSum = 0; this.seen = 0;
        this.begun = true;
      }
    } else if (signal?.aborted) {
      this.endEpoch(true);
      return false;
    }
    return true;
  }

  /** One batch (the work of step() without its logs object); returns the batch size, 0 when nothing ran. */
  private advance(): number {
    if (!this.begin()) return 0;
    const b = this.batch;
    const start = b * this.batchSize, end = Math.min(this.rows, start + this.batchSize);
    const value = this.stepper.run(this.order, start, end, this.check);
    this.history.updates++;
    const size = end - start;
    this.lossSum += value * size;
    if (this.options.accuracy) this.accSum += this.options.accuracy(this.stepper.output(), this.stepper.target()) * size;
    this.seen += size;
    this.batch++;
    this.lastLoss = value;
    const onBatchEnd = this.options.onBatchEnd;
    if (onBatchEnd !== undefined) onBatchEnd({ epoch: this.epochNo, batch: b + 1, batches: this.batches, loss: value, size });
    if (this.batch === this.batches) this.endEpoch(false);
    return size;
  }

  /**
   * Runs the current epoch to its end; returns its logs (null when training was already done, or
   * stopped before any batch of it).
   * @example const logs = t.epoch(); console.log(logs?.loss);
   */
  epoch(): EpochLogs | null {
    if (this.finished) return null;
    const before = this.history.epochs.length;
    const epoch = this.epochNo;
    while (!this.finished && this.epochNo === epoch) if (!this.advanceMany()) this.advance();
    return this.history.epochs.length > before ? this.history.epochs[this.history.epochs.length - 1] : null;
  }

  /**
   * The rest of the epoch's full-size batches as one loop of the step (when it can loop and no
   * per-batch callback needs each batch): the same updates, sums and checks as
   * advance() batch by batch, without the per-batch dispatch. False when it did not apply.
   */
  private advanceMany(): boolean {
    const runBatches = this.stepper.runBatches;
    if (runBatches === undefined || this.options.onBatchEnd !== undefined) return false;
    const full = this.rows % this.batchSize === 0 ? this.batches : this.batches - 1;
    const count = full - this.batch;
    if (count < 2) return false;
    if (!this.begin()) return true;
    const ran = runBatches.call(this.stepper, this.order, this.batch * this.batchSize, count, this.batchSize, this.check, this.onLoopBatch);
    if (ran < 0) return false;
    if (this.batch === this.batches) this.endEpoch(false);
    return true;
  }

  /** A looped batch's bookkeeping, as advance() does it; false (stop the loop) once the AbortSignal is set. */
  private readonly onLoopBatch = (value: number): boolean => {
    const size = this.batchSize;
    this.history.updates++;
    this.lossSum += value * size;
    const accuracy = this.options.accuracy;
    if (accuracy !== undefined) this.accSum += accuracy(this.stepper.output(), this.stepper.target()) * size;
    this.seen += size;
    this.batch++;
    this.lastLoss = value;
    return this.options.signal?.aborted !== true;
  };

  /** Trains to the end and returns the history. @example const history = t.run(); */
  run(): History {
    this.running = true;
    try {
      while (!this.finished) this.epoch();
    } finally {
      this.running = false;
    }
    return this.history;
  }

  /** Whether run() is in progress (nothing outside sees an epoch's logs before it returns, unless a callback is set). */
  private running = false;
  /** The clock's last reading (milliseconds since the start), epochs until the next one, and the stride between readings. */
  private clockMs = 0;
  private clockSkip = 0;
  private clockStride = 1;
  /** Whether the last epoch's seconds is an earlier epoch's reading (see EpochLogs.seconds). */
  private clockStale = false;

  /**
   * Seconds since the start for the epoch ending now. The clock costs about as much as a tiny
   * network's whole epoch (a Date.now() is ~80–120 ns on a virtual machine; XOR's epoch of four
   * updates ~1 µs), so inside run(), with no onEpochEnd to see the logs as they come, it is read
   * every epoch only while readings differ: while they repeat (epochs shorter than its millisecond
   * tick) the stride between readings doubles, up to CLOCK_STRIDE_MAX, and the epochs in between
   * keep the last reading; training's end reads it again for the last epoch.
   */
  private secondsNow(exact: boolean): number {
    if (!exact && this.clockSkip > 0) {
      this.clockSkip--;
      this.clockStale = true;
      return this.clockMs / 1000;
    }
    const ms = Date.now() - this.started;
    this.clockStride = ms === this.clockMs ? Math.min(2 * this.clockStride, CLOCK_STRIDE_MAX) : 1;
    this.clockSkip = this.clockStride - 1;
    this.clockMs = ms;
    this.clockStale = false;
    return ms / 1000;
  }

  /** Ends training now (between batches): the stop reason is 'aborted', as for the AbortSignal. */
  stop(): void {
    if (this.finished) return;
    if (this.batch > 0) this.endEpoch(true);
    else this.finish('aborted');
  }

  /** Puts back the weights of the best epoch so far (kept with early stopping's restoreBest or after keepBest(); a no-op otherwise). */
  restoreBest(): void {
    if (this.bestWeights === null) return;
    this.params.forEach((p, i) => p.data.set(this.bestWeights![i]));
    this.history.bestEpoch = this.bestEpoch;
  }

  private endEpoch(aborted: boolean): void {
    const epoch = this.epochNo;
    this.batch = 0;
    this.begun = false;
    this.epochNo++;
    if (this.seen === 0) { this.finish('aborted'); return; }
    const { options, model } = this;
    options.scheduler?.step();
    const logs: EpochLogs = { epoch, loss: this.lossSum / this.seen, learningRate: options.optimizer.learningRate, updates: this.history.updates,
      seconds: this.secondsNow(!this.running || options.onEpochEnd !== undefined || epoch >= this.epochs) };
    if (options.accuracy) logs.accuracy = this.accSum / this.seen;
    if (this.valX && this.valY) {
      const valX = this.valX, valY = this.valY;
      model.eval?.();
      noGrad(() => {
        const out = model.forward(valX);
        logs.valLoss = options.loss(out, valY).item();
        if (options.accuracy) logs.valAccuracy = options.accuracy(out, valY);
      });
      model.train?.(true);
    }
    this.history.epochs.push(logs);
    if (aborted) { this.finish('aborted'); return; }
    const watched = this.monitor === 'valLoss' ? logs.valLoss! : logs.loss;
    const minDelta = this.es?.minDelta ?? 0;
    if (watched < this.bestValue - minDelta) {
      this.bestValue = watched; this.bestEpoch = epoch; this.sinceBest = 0;
      if (this.keepBestWeights) this.bestWeights = this.params.map((p) => Float64Array.from(p.data));
    } else this.sinceBest++;
    if (options.onEpochEnd?.(logs) === false) return this.finish('callback');
    if (options.tolerance !== undefined && logs.loss < options.tolerance) return this.finish('tolerance');
    if (this.es && this.sinceBest >= this.es.patience) return this.finish('earlyStopping');
    if (epoch >= this.epochs) this.finish('completed');
  }

  private finish(reason: History['stopReason']): void {
    if (this.finished) return;
    this.finished = true;
    const h = this.history;
    h.stopReason = reason;
    if (this.clockStale && h.epochs.length > 0) h.epochs[h.epochs.length - 1].seconds = this.secondsNow(true);
    const es = this.es;
    if (es && es.restoreBest && this.bestWeights && this.bestEpoch !== h.epochs.length) {
      this.params.forEach((p, i) => p.data.set(this.bestWeights![i]));
    }
    h.bestEpoch = es ? this.bestEpoch : h.epochs.length || null;
    this.model.eval?.();
  }

  /**
   * Sees each batch's loss before its update: the first loss sets the scale, a NaN, ∞ or explosion
   * stops training. Returns the magnitude up to which a loss passes (what a compiled loop compares with).
   */
  private readonly check = (value: number): number => {
    if (this.firstLoss === null) this.firstLoss = Math.max(Math.abs(value), 1e-12);
    const factor = this.options.divergenceFactor ?? 1e4;
    const limit = factor * Math.max(this.firstLoss, 1e-3);
    if (!Number.isFinite(value) || Math.abs(value) > limit) this.diverged(this.batch + 1, value, factor);
    return Math.min(limit, Number.MAX_VALUE);
  };

  private diverged(batch: number, value: number, factor: number): never {
    const why = Number.isNaN(value) ? 'the loss is NaN' : !Number.isFinite(value) ? 'the loss is infinite' : `the loss (${value.toPrecision(4)}) grew over ${factor}× its first value (${this.firstLoss!.toPrecision(4)})`;
    const err = new DivergenceError(
      `training diverged at epoch ${this.epochNo}, batch ${batch}: ${why}. Try a lower learning rate (now ${this.options.optimizer.learningRate}), ` +
        'standardised (scaled) inputs, or a smaller batch-to-learning-rate ratio.',
    );
    (err as DivergenceError & { history?: History }).history = this.history;
    this.finished = true;
    throw err;
  }
}
