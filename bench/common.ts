/**
 * What every runner shares: the workload sizes of each mode, the result shapes a child process
 * reports, the timing helpers (warm-up excluded, gc before each timed section) and the seeded
 * Math.random that makes the peers' own initialisation and shuffling repeatable.
 * Nothing here imports a library under test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const LIBS = ['backprop', 'backprop-module', 'tfjs-wasm', 'tfjs-cpu', 'jaxjs', 'pytorch-1', 'pytorch', 'brain', 'synaptic'] as const;
export type LibName = (typeof LIBS)[number];

export const WORKLOADS = ['xor', 'fashion', 'cnn', 'matmul', 'elementwise', 'adam', 'memory', 'lstm'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export type Mode = 'full' | 'quick' | 'tiny';

/** The sizes of every workload in one mode. */
export interface Sizes {
  xorEpochs: number;
  /** Training images used (60,000 is the whole set); the test set is always evaluated whole unless testLimit says otherwise. */
  fashionTrain: number;
  fashionTest: number;
  /** Batches trained on a throw-away model before the timed epoch. */
  fashionWarmupBatches: number;
  /** The matmul workload's square sizes n (n×n · n×n), smallest first: one figure each. */
  matmulSizes: readonly number[];
  elementwiseSize: number;
  /** Each throughput section repeats its op until this many seconds have passed. */
  minSeconds: number;
  /** Memory workload: the Fashion MLP trained this many epochs on the first `memorySamples` images. */
  memoryEpochs: number;
  memorySamples: number;
  /** LSTM workload (issue 12): training sequences, epochs timed, test sequences, warm-up batches on a throw-away model. */
  lstmTrain: number;
  lstmEpochs: number;
  lstmTest: number;
  lstmWarmupBatches: number;
  /** CNN workload: training images of its one epoch, and test images evaluated after it. */
  cnnTrain: number;
  cnnTest: number;
}

export const SIZES: Record<Mode, Sizes> = {
  full: { xorEpochs: 2000, fashionTrain: 60000, fashionTest: 10000, fashionWarmupBatches: 20, matmulSizes: [256, 1024], elementwiseSize: 1_000_000, minSeconds: 1, memoryEpochs: 20, memorySamples: 2048, lstmTrain: 4096, lstmEpochs: 2, lstmTest: 1024, lstmWarmupBatches: 10, cnnTrain: 60000, cnnTest: 10000 },
  quick: { xorEpochs: 2000, fashionTrain: 10000, fashionTest: 2000, fashionWarmupBatches: 10, matmulSizes: [256, 1024], elementwiseSize: 1_000_000, minSeconds: 0.25, memoryEpochs: 20, memorySamples: 1024, lstmTrain: 2048, lstmEpochs: 1, lstmTest: 512, lstmWarmupBatches: 5, cnnTrain: 6400, cnnTest: 2000 },
  tiny: { xorEpochs: 20, fashionTrain: 512, fashionTest: 128, fashionWarmupBatches: 2, matmulSizes: [32, 64], elementwiseSize: 10_000, minSeconds: 0.01, memoryEpochs: 3, memorySamples: 128, lstmTrain: 128, lstmEpochs: 1, lstmTest: 64, lstmWarmupBatches: 1, cnnTrain: 256, cnnTest: 128 },
};

/** The fixed hyper-parameters of the workloads (the same for every library). */
export const XOR = { learningRate: 0.5, hidden: 4 } as const;
export const FASHION = { hidden: 128, classes: 10, learningRate: 1e-3, batchSize: 64 } as const;
/**
 * The Fashion-MNIST CNN: conv(16, 3×3, same)-relu-maxpool2-conv(32, 3×3, same)-relu-maxpool2-
 * flatten-dense10, Adam lr 1e-3, batch 64, cross-entropy on logits; inputs [batch, 1, 28, 28].
 * Every library starts from its own default initialisation (PyTorch's kaiming-uniform in backprop
 * and PyTorch, glorot-uniform in TensorFlow.js), each seeded.
 */
export const CNN = { channels: [16, 32], kernel: 3, classes: 10, learningRate: 1e-3, batchSize: 64, warmupBatches: 5 } as const;
/** Adam-update throughput steps the Fashion MLP's own parameter shapes (784×128, 128, 128×10, 10). */
export const ADAM_SHAPES: readonly (readonly number[])[] = [[784, 128], [128], [128, 10], [10]];

/**
 * The LSTM workload (issue 12): LSTM(32) over sequences of 20 steps × 8 features, a dense softmax head
 * over 4 classes, cross-entropy, Adam 1e-3, batches of 32. The gates' activations are PyTorch's
 * (σ and tanh; tfjs is told recurrentActivation 'sigmoid', its default being hardSigmoid).
 */
export const LSTM_BENCH = { steps: 20, features: 8, hidden: 32, classes: 4, learningRate: 1e-3, batchSize: 32 } as const;

export const XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const XOR_TARGETS = [0, 1, 1, 0];

/** What the parent sends each child (as one JSON argument). */
export interface ChildConfig {
  /** Which runner. */
  lib: LibName;
  /** The name reported: the runner's name, or `backprop@<ref>` for an older build of backprop. */
  label: string;
  /**
   * The backprop build to use: a folder holding dist/src/ and package.json (a snapshot of this
   * checkout's dist/, taken when the run starts, or an older commit's build for --compare). Every
   * child reads Fashion-MNIST with this build's loader.
   */
  build: string;
  mode: Mode;
  workloads: WorkloadName[];
  seed: number;
  clock: Clock;
  /** Where the Fashion-MNIST .gz files are, or null to use seeded random "Fashion-like" data. */
  fashionDir: string | null;
}

/** `nets`: fresh networks trained back to back in the timed part; mse/learned are the first one's. */
export interface XorResult { updatesPerSec: number; seconds: number; nets: number; mse: number; learned: boolean }
export interface FashionResult { samplesPerSec: number; seconds: number; accuracy: number; trainSamples: number; testSamples: number; synthetic: boolean }
export interface LstmResult { samplesPerSec: number; seconds: number; accuracy: number; trainSamples: number; epochs: number }
export interface MatmulResult { gflops: number; n: number }
export interface ElementwiseResult { add: number; mul: number; exp: number; size: number }
export interface AdamResult { paramsPerSec: number; params: number }
/**
 * Bytes in use (V8 heap + external, which holds typed arrays' buffers) after a full gc at the end of
 * epoch 2 and of the last epoch, and the relative growth between them (the issue's target: ≤ 10%).
 */
export interface MemoryResult { epochs: number; samples: number; early: number; late: number; growth: number }

export interface WorkloadResults {
  xor?: XorResult;
  fashion?: FashionResult;
  /** The CNN's epoch: the same fields as the MLP's. */
  cnn?: FashionResult;
  /** One per size in Sizes.matmulSizes, in that order. */
  matmul?: MatmulResult[];
  elementwise?: ElementwiseResult;
  adam?: AdamResult;
  memory?: MemoryResult;
  lstm?: LstmResult;
}

/** One child's report for one round. */
export interface ChildReport {
  /** The label: a LibName, or `backprop@<ref>`. */
  lib: string;
  /** Library version and, where it has one, the kernel backend that ran. */
  detail: string;
  results: WorkloadResults;
  /** Workloads this library does not implement (brain.js has no Adam MLP, …), with the reason. */
  unsupported: Partial<Record<WorkloadName, string>>;
  /** Workloads that threw, with the error's one-line message. */
  errors: Partial<Record<WorkloadName, string>>;
  /** Set when the library is not installed here (no Python with torch): why, in one line. Not a failure. */
  missing?: string;
}

/** Thrown by a runner's factory when its library is not installed: the child reports it as missing, not as an error. */
export class PeerMissing extends Error {
  override name = 'PeerMissing';
}

/** A runner implements the workloads its library can express; the rest are reported unsupported. */
export interface Runner {
  detail(): string;
  xor?(sizes: Sizes, seed: number): Promise<XorResult>;
  fashion?(sizes: Sizes, data: FashionData, seed: number): Promise<FashionResult>;
  /** One epoch of the CNN (CNN above) on data.trainCount images, then test accuracy. */
  cnn?(sizes: Sizes, data: FashionData, seed: number): Promise<FashionResult>;
  matmul?(sizes: Sizes, n: number): Promise<MatmulResult>;
  elementwise?(sizes: Sizes): Promise<ElementwiseResult>;
  adam?(sizes: Sizes): Promise<AdamResult>;
  memory?(sizes: Sizes, data: FashionData, seed: number): Promise<MemoryResult>;
  lstm?(sizes: Sizes, data: SequenceData, seed: number): Promise<LstmResult>;
}

/**
 * The LSTM workload's seeded sequences: x [count, steps, features] row-major, values uniform in
 * [−1, 1); the label of a sequence is the feature among the first `classes` whose sum over all
 * steps is largest (a task an LSTM learns by accumulating, the same for every library).
 */
export interface SequenceData { trainX: Float32Array; trainY: Float32Array; testX: Float32Array; testY: Float32Array; trainCount: number; testCount: number }

export function sequenceData(trainCount: number, testCount: number, seed: number): SequenceData {
  const random = seededRandom(seed + 12);
  const { steps, features, classes } = LSTM_BENCH;
  const make = (count: number) => {
    const x = new Float32Array(count * steps * features);
    const y = new Float32Array(count);
    for (let s = 0; s < count; s++) {
      const sums = new Array<number>(classes).fill(0);
      for (let t = 0; t < steps; t++) {
        for (let f = 0; f < features; f++) {
          const v = Math.fround(random() * 2 - 1);
          x[(s * steps + t) * features + f] = v;
          if (f < classes) sums[f] += v;
        }
      }
      y[s] = sums.indexOf(Math.max(...sums));
    }
    return { x, y };
  };
  const train = make(trainCount), test = make(testCount);
  return { trainX: train.x, trainY: train.y, testX: test.x, testY: test.y, trainCount, testCount };
}

/** Fashion-MNIST (or its seeded random stand-in) as flat arrays: pixels scaled to [0, 1]. */
export interface FashionData {
  trainImages: Float32Array;
  trainLabels: Float32Array;
  testImages: Float32Array;
  testLabels: Float32Array;
  trainCount: number;
  testCount: number;
  features: number;
  synthetic: boolean;
}

/** The result line a child prints; the parent ignores every other line (tfjs prints banners). */
export const RESULT_MARKER = '@@backprop-bench-result ';

/** mulberry32: a tiny seeded generator, good enough to make peers' Math.random repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the collector if the child was started with --expose-gc, so garbage from set-up is not timed. */
export function collectGarbage(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

/** Bytes in use after a full gc: V8's heap plus external memory (typed arrays' buffers). */
export function bytesInUse(): number {
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** The memory result from bytesInUse() readings indexed by 1-based epoch. */
export function memoryResult(byEpoch: readonly number[], epochs: number, samples: number): MemoryResult {
  const early = byEpoch[Math.min(2, epochs)];
  const late = byEpoch[epochs];
  if (early === undefined || late === undefined) throw new Error(`memory: no reading after epoch ${early === undefined ? 2 : epochs}`);
  return { epochs, samples, early, late, growth: late / early - 1 };
}

export type Clock = 'wall' | 'cpu';
let clockKind: Clock = 'wall';

/** Chooses what every timing in this process measures: wall-clock time, or this process's CPU time. */
export function setClock(kind: Clock): void {
  clockKind = kind;
}

/** The clock setClock chose (the PyTorch runner passes it on to Python). */
export function getClock(): Clock {
  return clockKind;
}

/**
 * Seconds on the chosen clock. 'cpu' is user + system time of this process (all its threads): on
 * a machine shared with other work it does not count time slices taken by other processes, but it
 * also counts V8's background threads and any worker threads of the library itself.
 */
export function now(): number {
  if (clockKind === 'wall') return performance.now() / 1000;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Seconds taken by an async function (after a gc). */
export async function timeAsync(fn: () => Promise<void> | void): Promise<number> {
  collectGarbage();
  const t0 = now();
  await fn();
  return now() - t0;
}

/** Warm-up repetitions before timing a product of size n: 3, but 1 from 1024³ on (tfjs-cpu takes seconds per product there). */
export function matmulWarmup(n: number): number {
  return n >= 1024 ? 1 : 3;
}

/**
 * Calls `fn` (one repetition) a few times to warm up, then repeatedly until `minSeconds` have
 * passed (at least 3 times); returns repetitions per second of the timed part only.
 */
export async function rate(fn: () => void | Promise<void>, minSeconds: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  collectGarbage();
  let reps = 0;
  const t0 = now();
  let elapsed = 0;
  while (reps < 3 || elapsed < minSeconds) {
    await fn();
    reps++;
    elapsed = now() - t0;
  }
  return reps / elapsed;
}

/** Mean squared error of XOR predictions, and whether every prediction rounds to its target. */
export function xorQuality(outputs: ArrayLike<number>): { mse: number; learned: boolean } {
  let sq = 0;
  let learned = true;
  for (let i = 0; i < XOR_TARGETS.length; i++) {
    const d = outputs[i] - XOR_TARGETS[i];
    sq += d * d;
    if ((outputs[i] >= 0.5 ? 1 : 0) !== XOR_TARGETS[i]) learned = false;
  }
  return { mse: sq / XOR_TARGETS.length, learned };
}

/** Fraction of rows of a [rows × classes] score matrix whose arg-max is the label. */
export function accuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[r * classes + c] > scores[r * classes + best]) best = c;
    if (best === labels[r]) right++;
  }
  return right / labels.length;
}

/** Test accuracy of a CNN whose scores for test images [from, from + n) `scores` returns, in batches of 500 (a whole test set at once would need gigabytes of activations). */
export async function cnnAccuracyAsync(data: FashionData, scores: (from: number, n: number) => ArrayLike<number> | Promise<ArrayLike<number>>): Promise<number> {
  let right = 0;
  for (let from = 0; from < data.testCount; from += 500) {
    const n = Math.min(500, data.testCount - from);
    right += accuracy(await scores(from, n), data.testLabels.subarray(from, from + n), CNN.classes) * n;
  }
  return right / data.testCount;
}

/** cnnAccuracyAsync for a synchronous scorer. */
export function cnnAccuracy(data: FashionData, scores: (from: number, n: number) => ArrayLike<number>): number {
  let right = 0;
  for (let from = 0; from < data.testCount; from += 500) {
    const n = Math.min(500, data.testCount - from);
    right += accuracy(scores(from, n), data.testLabels.subarray(from, from + n), CNN.classes) * n;
  }
  return right / data.testCount;
}

/** How one library builds, trains and queries an XOR network; runXor does the timing. */
export interface XorImpl<N> {
  make(): N;
  train(net: N, epochs: number): void | Promise<void>;
  outputs(net: N): ArrayLike<number> | Promise<ArrayLike<number>>;
  dispose?(net: N): void;
}

/**
 * XOR's timing, the same for every library: a warm-up of throw-away networks, each trained for the
 * full epoch count, for four times as long as the timed part will run (at least two networks), so each
 * library's JIT-compiled code is measured warm rather than its first calls in the interpreter
 * (every child is a fresh process, and V8 needs some thousand calls to settle each function); then
 * fresh networks each trained for the full epoch count until `minSeconds` of training have passed
 * (at least one), so the fast libraries' few-millisecond runs are not dominated by timer noise.
 */
export async function runXor<N>(sizes: Sizes, impl: XorImpl<N>): Promise<XorResult> {
  let warmSeconds = 0;
  for (let w = 0; w < 2 || warmSeconds < 4 * sizes.minSeconds; w++) {
    const warm = impl.make();
    warmSeconds += await timeAsync(() => impl.train(warm, sizes.xorEpochs));
    impl.dispose?.(warm);
  }
  let nets = 0;
  let seconds = 0;
  let quality = { mse: NaN, learned: false };
  while (nets < 1 || seconds < sizes.minSeconds) {
    const net = impl.make();
    seconds += await timeAsync(() => impl.train(net, sizes.xorEpochs));
    if (nets === 0) quality = xorQuality(await impl.outputs(net));
    impl.dispose?.(net);
    nets++;
  }
  return { updatesPerSec: (nets * sizes.xorEpochs * XOR_INPUTS.length) / seconds, seconds, nets, ...quality };
}

/**
 * The module a Node user's `import 'backprop'` loads from a build: node-entry.js (package.json's
 * "node" condition, which enables relaxed SIMD first) where the build has one, else index.js (older builds).
 */
export function entryOf(build: string): string {
  const node = join(build, 'dist', 'src', 'node-entry.js');
  return existsSync(node) ? node : join(build, 'dist', 'src', 'index.js');
}

/** ' (relaxed SIMD)' or ' (plain SIMD)': which wasm build a backprop build runs (nothing for builds that cannot say). */
export function variantOf(bp: { wasmKernels?: () => { variant: string } | null }): string {
  const v = typeof bp.wasmKernels === 'function' ? bp.wasmKernels()?.variant : undefined;
  return v === undefined ? '' : v === 'relaxed' ? ' (relaxed SIMD)' : ' (plain SIMD)';
}
