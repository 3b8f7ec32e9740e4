/**
 * `backprop train` runs fit() in this worker thread so the main thread stays free to draw the
 * progress bar and to catch Ctrl-C: fit is synchronous, and a signal handler on the busy thread
 * would only run after training ended. Ctrl-C sets a flag in shared memory that fit reads as its
 * AbortSignal between batches; the worker then returns the best weights so far like any other stop.
 * With `refit`, a second phase trains a fresh network (same seed) on all rows, validation rows
 * included, for the epoch count early stopping chose; stopping during it keeps the first model.
 */
import '../node-threads.js';
import { parentPort, workerData } from 'node:worker_threads';
import '../index.js';
import { Tensor } from '../tensor/tensor.js';
import { BackpropError } from '../tensor/errors.js';
import { Network, type LearnOptions } from '../train/network.js';
import type { BatchLogs, EpochLogs, History } from '../train/fit.js';
import type { NetworkSpec } from '../spec/index.js';
import type { Task } from '../data/tabular.js';
import { targetTensor } from './tabular.js';
import { setMemoryLimit } from '../train/size.js';

export interface WorkerInput {
  spec: NetworkSpec;
  task: Task;
  inputs: Float32Array;
  targets: Float32Array;
  n: number;
  width: number;
  learn: Omit<LearnOptions, 'signal' | 'onEpochEnd' | 'onBatchEnd' | 'validationData'>;
  /** After early stopping on the validation split, train a fresh network on all rows for the best epoch count. */
  refit: boolean;
  /** Int32Array over a SharedArrayBuffer: [0] becomes 1 when the user asks to stop. */
  stopFlag: SharedArrayBuffer;
  /** The main thread's memory limit (--max-memory), which this thread's module state does not share. */
  memoryLimit: number;
}

/** The second phase: how long it ran and whether it finished (if not, the first phase's model is kept). */
export interface RefitResult {
  epochs: number;
  rows: number;
  completed: boolean;
  /** Training loss of its last epoch. */
  loss?: number;
}

export type WorkerMessage =
  | { type: 'batch'; logs: BatchLogs }
  | { type: 'epoch'; logs: EpochLogs }
  | { type: 'refit'; epochs: number; rows: number }
  | { type: 'done'; history: History; network: NetworkSpec; refit?: RefitResult; complete: boolean }
  | { type: 'error'; name: string; message: string; stack?: string; backprop: boolean };

function run(input: WorkerInput): void {
  setMemoryLimit(input.memoryLimit, '--max-memory');
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  const flag = new Int32Array(input.stopFlag);
  // A real AbortSignal cannot cross threads; fit only reads `aborted`.
  const signal = { get aborted() { return Atomics.load(flag, 0) === 1; } };
  const x = new Tensor(input.inputs, [input.n, input.width]);
  let lastPost = 0;
  const onBatchEnd = (logs: BatchLogs) => {
    const now = Date.now();
    if (now - lastPost >= 100 || logs.batch === logs.batches) { lastPost = now; post({ type: 'batch', logs }); }
  };

  const network = new Network(input.spec);
  const y = targetTensor(network, input.task, input.targets);
  // Without early stopping training keeps the last weights; an interrupted run should still keep
  // the best, which the Training tracks (the monitored validation loss, else the training loss).
  const es = input.learn.earlyStopping;
  const training = network.training(x, y, { ...input.learn, signal, onBatchEnd, onEpochEnd: (logs) => post({ type: 'epoch', logs }) });
  const history = training.keepBest().run();
  if (!es && history.stopReason === 'aborted') training.restoreBest();
  // Stopped inside the first epoch: no epoch finished, so there is no model worth saving.
  const complete = training.best !== null;
  const epochs = history.bestEpoch ?? 0;
  if (!complete || !input.refit || history.stopReason === 'aborted' || !(input.learn.validationSplit! > 0) || epochs < 1) {
    post({ type: 'done', history, network: network.toJSON(), complete });
    return;
  }

  // The validation rows chose the epoch count; now they train too. Same seed, so the same start.
  post({ type: 'refit', epochs, rows: input.n });
  const full = new Network(input.spec);
  const h2 = full.learn(x, y, {
    ...input.learn, validationSplit: 0, earlyStopping: false, epochs, signal, onBatchEnd,
    onEpochEnd: (logs) => post({ type: 'epoch', logs }),
  });
  const completed = h2.stopReason === 'completed';
  const refit: RefitResult = { epochs: h2.epochs.length, rows: input.n, completed, loss: h2.epochs.at(-1)?.loss };
  post({ type: 'done', history, network: (completed ? full : network).toJSON(), refit, complete });
}

try {
  run(workerData as WorkerInput);
} catch (err) {
  const e = err as Error;
  parentPort!.postMessage({ type: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(err), stack: e?.stack, backprop: err instanceof BackpropError } satisfies WorkerMessage);
}
