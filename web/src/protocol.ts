/**
 * The messages between the page and the training worker. The page sends commands; the worker owns
 * the Network and answers with snapshots (plain data, typed arrays transferred) that the views
 * render. Every reply carries the `generation` of the reset it belongs to, so replies from an older
 * network are dropped.
 */
import type { DenseNetworkSpec as NetworkSpec } from '../../src/index.js';
import type { Domain, Points } from './experiment.js';
import type { Feature } from './state.js';

export interface TrainConfig {
  spec: NetworkSpec;
  /** Weights to start from (an imported model) instead of the spec's seeded initialisation. */
  weights?: NetworkSpec;
  optimizer: string;
  learningRate: number;
  batchSize: number | 'full';
  seed: number;
  train: Points;
  test: Points;
  domain: Domain;
  /** Heat map resolution (cells per side). */
  gridSize: number;
  /** The parameters whose path the landscape shows. */
  landscape: [string, string];
  /** The inputs the network sees, computed from each point (default x1, x2). */
  features?: Feature[];
  /** L2 regularisation λ, the optimizer's weightDecay (default 0). */
  l2?: number;
  /** Index into SPEEDS (default: as fast as possible). */
  speed?: number;
  /** 'regress': the labels are numbers to predict, and there is no accuracy (default 'classify'). */
  task?: 'classify' | 'regress';
}

export type ToWorker =
  | { type: 'reset'; generation: number; config: TrainConfig }
  // seq numbers the Train/Pause/Step commands, so the page can tell snapshots sent before the latest one.
  | { type: 'train'; seq: number }
  | { type: 'pause'; seq: number }
  | { type: 'step'; seq: number }
  | { type: 'learningRate'; value: number }
  | { type: 'speed'; value: number }
  | { type: 'landscape'; params: [string, string]; size: number }
  | { type: 'probe'; id: number; points: number[][] };

export interface HistoryPoint {
  /** Epochs as a fraction: updates / updates per epoch. */
  epoch: number;
  trainLoss: number;
  testLoss: number;
}

export interface Snapshot {
  generation: number;
  running: boolean;
  /** The last Train/Pause/Step command the worker had handled when it sent this (0: none yet). */
  seq: number;
  /** Whole epochs finished. */
  epoch: number;
  /** Updates (optimizer steps) made. */
  updates: number;
  batchesPerEpoch: number;
  trainLoss: number;
  testLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** History points added since the last snapshot (all of them after a reset). */
  history: HistoryPoint[];
  /** The network with its current weights. */
  spec: NetworkSpec;
  /** Cells per side of every heat map. */
  gridSize: number;
  /** Class-1 score over the domain, row-major from the top-left (yMax) corner. */
  boundary: Float32Array;
  /** Per layer (inputs first, then hidden layers), per neuron: its activation over the domain. */
  neurons: Float32Array[][];
  /** The landscape parameters' values after each update so far (decimated), [x0, y0, x1, y1, …]. */
  path: Float32Array;
  /** The active compute backend, described: 'wasm (relaxed SIMD)', 'wasm-threads (SIMD, 2 threads)', 'js'. */
  backend: string;
  /** Epochs the training loss has been flat while the problem is unsolved (0: not stalled). */
  stalled: number;
}

export interface LandscapeResult {
  generation: number;
  params: [string, string];
  /** Parameter ranges of the grid. */
  xRange: [number, number];
  yRange: [number, number];
  size: number;
  /** Training loss at each grid cell, row-major from the top (largest y). */
  loss: Float32Array;
  path: Float32Array;
  /** The epoch the other weights were taken at. */
  epoch: number;
}

export type FromWorker =
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'landscape'; result: LandscapeResult }
  | { type: 'probe'; generation: number; id: number; outputs: number[][] }
  | { type: 'error'; generation: number; message: string };
