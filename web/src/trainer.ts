/**
 * The trainer the worker runs: one Network with its optimizer and the library's resumable Training
 * (whole epochs while training, single updates for Step), plus everything a snapshot needs (losses,
 * accuracies, heat-map grids, the parameters' path, the loss landscape). Batch order, epochs and
 * updates are the Training's own, so Step after Step makes exactly the updates Train would. No DOM
 * and no worker API here, so Node tests can run it.
 */
import { backendInfo, landscape, Network, noGrad, optim, tensor, ValueError, type Tensor, type Training, type DenseNetworkSpec } from '../../src/index.js';
import { classScore, targetsFor } from './experiment.js';
import type { HistoryPoint, LandscapeResult, Snapshot, TrainConfig } from './protocol.js';
import { featurize, SPEEDS, type Feature, type Speed } from './state.js';

/** Most trajectory points kept per run (older ones are thinned 2:1 when it fills). */
const MAX_PATH = 4000;
/** Training counts as stalled when the loss has not gone 1% below its best for STALL_EPOCHS epochs … */
const STALL_CHANGE = 0.01;
export const STALL_EPOCHS = 50;
/** … while the training accuracy is below this (a solved problem's flat loss is no stall). */
const STALL_ACCURACY = 0.9;

export class Trainer {
  readonly net: Network;
  private readonly opt: optim.Optimizer;
  private readonly trainX: Tensor;
  private readonly trainY: number[] | number[][];
  private readonly testX: Tensor;
  private readonly testY: number[] | number[][];
  private readonly gridX: Tensor;
  private readonly rows: number;
  private readonly batch: number;
  readonly batchesPerEpoch: number;
  epoch = 0;
  updates = 0;
  /** The run: one Training for the trainer's life (its epochs end only when the trainer is replaced). */
  private readonly training: Training;
  private pending: HistoryPoint[] = [];
  private trajectory: Float32Array[] = [];
  private stride = 1;
  private paramIndex: [number, number, number, number] = [0, 0, 0, 0];
  /** The training loss after each whole epoch (for the stall hint). */
  private readonly epochLosses: number[] = [];
  private lastAccuracy = NaN;
  readonly features: Feature[];

  constructor(readonly generation: number, readonly config: TrainConfig) {
    this.net = new Network(config.weights ?? config.spec);
    this.features = config.features ?? ['x1', 'x2'];
    this.opt = optim.optimizerByName(config.optimizer, this.net.parameters(), { lr: config.learningRate, weightDecay: config.l2 ?? 0 });
    this.trainX = tensor(config.train.x.map((p) => featurize(p, this.features)));
    this.trainY = targetsFor(config.spec, config.train.label);
    this.testX = tensor(config.test.x.map((p) => featurize(p, this.features)));
    this.testY = targetsFor(config.spec, config.test.label);
    this.rows = config.train.x.length;
    this.batch = config.batchSize === 'full' ? this.rows : Math.min(config.batchSize, this.rows);
    this.batchesPerEpoch = Math.ceil(this.rows / this.batch);
    this.gridX = tensor(gridPoints(config).map((p) => featurize(p, this.features)));
    this.training = this.net.training(this.trainX, this.trainY, {
      epochs: Number.MAX_SAFE_INTEGER, optimizer: this.opt, batchSize: this.batch, seed: config.seed,
      onBatchEnd: () => { this.updates++; this.record(); },
    });
    this.track(config.landscape);
    this.record();
    this.pending.push(this.historyPoint());
  }

  set learningRate(lr: number) {
    this.opt.learningRate = lr;
  }

  /** Which parameters' values the snapshots' path follows. */
  track(params: [string, string]): void {
    this.config.landscape = params;
    this.paramIndex = [...paramLocation(this.net, params[0]), ...paramLocation(this.net, params[1])];
  }

  private record(): void {
    const flat = new Float32Array(this.net.parameters().reduce((n, p) => n + p.size, 0));
    let o = 0;
    for (const p of this.net.parameters()) { flat.set(p.data, o); o += p.size; }
    if (this.updates % this.stride !== 0) return;
    this.trajectory.push(flat);
    if (this.trajectory.length >= MAX_PATH) {
      this.trajectory = this.trajectory.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** One whole epoch (the rest of the current one, if Step left it part-done). */
  epochStep(): void {
    this.training.epoch();
    this.epoch = this.training.history.epochs.length;
    const point = this.historyPoint();
    this.pending.push(point);
    this.epochLosses.push(point.trainLoss);
  }

  /** The point's inputs as the network sees them (its features). */
  inputsOf(p: readonly number[]): number[] {
    return featurize(p, this.features);
  }

  /**
   * How many epochs have passed since the training loss last reached a new low (by at least 1%),
   * while the training accuracy is below 90%: 0 until that has lasted STALL_EPOCHS epochs. A loss
   * that bounces around without getting lower counts as flat too (a too-large learning rate).
   */
  stalled(): number {
    const l = this.epochLosses;
    if (l.length < STALL_EPOCHS || !(this.lastAccuracy < STALL_ACCURACY)) return 0;
    let best = Infinity, since = 0;
    for (let k = 0; k < l.length; k++) {
      if (l[k] < best * (1 - STALL_CHANGE)) { best = l[k]; since = 0; } else since++;
    }
    return since >= STALL_EPOCHS ? since : 0;
  }

  /** The next batch's index in the current epoch (0: at an epoch's start). */
  get position(): number {
    return this.training.position.batch;
  }

  /** One update: the next batch of the current epoch. */
  batchStep(): void {
    this.training.step();
    const finished = this.training.history.epochs.length > this.epoch;
    this.epoch = this.training.history.epochs.length;
    const point = this.historyPoint();
    this.pending.push(point);
    if (finished) this.epochLosses.push(point.trainLoss);
  }

  /** Trains for about `ms` milliseconds: finishes a partial epoch batch by batch, then whole epochs. */
  trainFor(ms: number): void {
    const t0 = performance.now();
    do {
      if (this.training.position.batch !== 0) this.batchStep();
      else this.epochStep();
    } while (performance.now() - t0 < ms);
  }

  private historyPoint(): HistoryPoint {
    const tr = this.evaluate(this.trainX, this.trainY);
    const te = this.evaluate(this.testX, this.testY);
    return { epoch: this.updates / this.batchesPerEpoch, trainLoss: tr.loss, testLoss: te.loss };
  }

  /** The loss, and the share of points on the right side of 0.5 (NaN for a regression set: no classes). */
  evaluate(x: Tensor, y: number[] | number[][]): { loss: number; accuracy: number } {
    const loss = this.net.evaluate(x, y).loss;
    if (this.config.task === 'regress') return { loss, accuracy: NaN };
    const out = this.net.predict(x);
    const k = out.shape[1];
    const labels = Array.isArray(y[0]) ? (y as number[][]).map((r) => r[0]) : (y as number[]);
    let correct = 0;
    for (let i = 0; i < out.shape[0]; i++) {
      const score = classScore(out.data.subarray(i * k, (i + 1) * k));
      if ((score > 0.5 ? 1 : 0) === (labels[i] > 0.5 ? 1 : 0)) correct++;
    }
    return { loss, accuracy: out.shape[0] === 0 ? NaN : correct / out.shape[0] };
  }

  path(): Float32Array {
    const [l1, o1, l2, o2] = this.paramIndex;
    const out = new Float32Array(this.trajectory.length * 2);
    const starts = this.paramStarts();
    this.trajectory.forEach((flat, i) => {
      out[2 * i] = flat[starts[l1] + o1];
      out[2 * i + 1] = flat[starts[l2] + o2];
    });
    return out;
  }

  private paramStarts(): number[] {
    const starts: number[] = [];
    let o = 0;
    for (const p of this.net.parameters()) { starts.push(o); o += p.size; }
    return starts;
  }

  snapshot(running: boolean, seq = 0): { snapshot: Snapshot; transfer: ArrayBufferLike[] } {
    const tr = this.evaluate(this.trainX, this.trainY);
    const te = this.evaluate(this.testX, this.testY);
    this.lastAccuracy = tr.accuracy;
    const { boundary, neurons } = this.grids();
    const path = this.path();
    const history = this.pending;
    this.pending = [];
    const snapshot: Snapshot = {
      generation: this.generation, running, seq, epoch: this.epoch, updates: this.updates, batchesPerEpoch: this.batchesPerEpoch,
      trainLoss: tr.loss, testLoss: te.loss, trainAccuracy: tr.accuracy, testAccuracy: te.accuracy, history,
      spec: this.net.toJSON() as DenseNetworkSpec, gridSize: this.config.gridSize, boundary, neurons, path, backend: describeBackend(),
      stalled: this.stalled(),
    };
    const transfer: ArrayBufferLike[] = [boundary.buffer, path.buffer, ...neurons.flat().map((a) => a.buffer)];
    return { snapshot, transfer };
  }

  /** Every neuron's activation over the domain grid, layer by layer (inputs first). */
  private grids(): { boundary: Float32Array; neurons: Float32Array[][] } {
    return noGrad(() => {
      const cells = this.gridX.shape[0];
      const columns = (t: Tensor): Float32Array[] => {
        const k = t.shape[1];
        return Array.from({ length: k }, (_, j) => {
          const col = new Float32Array(cells);
          for (let i = 0; i < cells; i++) col[i] = t.data[i * k + j];
          return col;
        });
      };
      const neurons: Float32Array[][] = [columns(this.gridX)];
      let a = this.gridX;
      for (let l = 0; l < this.net.layers.length; l++) {
        a = this.net.layers[l].forward(a);
        if (l < this.net.layers.length - 1) neurons.push(columns(a));
      }
      const k = a.shape[1];
      const boundary = new Float32Array(cells);
      for (let i = 0; i < cells; i++) boundary[i] = classScore(a.data.subarray(i * k, (i + 1) * k));
      return { boundary, neurons };
    });
  }

  /** The training loss over a grid of the two parameters around the path (library: explain/landscape). */
  landscape(params: [string, string], size: number): LandscapeResult {
    this.track(params);
    const path = this.path();
    const spec = this.net.toJSON();
    const [cx, cy] = [path[path.length - 2], path[path.length - 1]];
    let xLo = cx, xHi = cx, yLo = cy, yHi = cy;
    for (let i = 0; i < path.length; i += 2) {
      xLo = Math.min(xLo, path[i]); xHi = Math.max(xHi, path[i]);
      yLo = Math.min(yLo, path[i + 1]); yHi = Math.max(yHi, path[i + 1]);
    }
    const half = Math.max(1.5, 0.65 * Math.max(xHi - xLo, yHi - yLo));
    const xMid = (xLo + xHi) / 2, yMid = (yLo + yHi) / 2;
    const xRange: [number, number] = [xMid - half, xMid + half];
    const yRange: [number, number] = [yMid - half, yMid + half];
    const data = { inputs: this.config.train.x.map((p) => featurize(p, this.features)), targets: (this.trainY as (number | number[])[]).map((t) => (Array.isArray(t) ? t : [t])) };
    const land = landscape(spec, data, { params, range: { x: xRange, y: yRange }, grid: size });
    // The library's rows run from the smallest y up; the picture's rows run from the top down.
    const loss = new Float32Array(size * size);
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) loss[(size - 1 - r) * size + c] = land.values[r * size + c];
    return { generation: this.generation, params, xRange, yRange, size, loss, path, epoch: this.updates / this.batchesPerEpoch };
  }

  probe(points: number[][]): number[][] {
    return this.net.predict(points.map((p) => featurize(p, this.features)));
  }
}

/**
 * The speed control's clock: how many updates or epochs are due at a paced speed, so training runs
 * at that rate whatever the machine. 'max' is always due. A backlog of more than a second (a slow
 * machine, a hidden tab) is dropped rather than caught up in a burst.
 * @example const p = new Pacer(SPEEDS[1], () => performance.now()); p.due() // 1: the first epoch now
 */
export class Pacer {
  private t0: number;
  private done = 0;

  constructor(readonly speed: Speed, private readonly now: () => number) {
    this.t0 = now();
  }

  /** Units (updates or epochs, as the speed says) due now. */
  due(): number {
    if (this.speed.unit === 'max') return Infinity;
    const want = Math.floor(((this.now() - this.t0) / 1000) * this.speed.perSecond) + 1;
    if (want - this.done > this.speed.perSecond + 1) {
      this.t0 = this.now();
      this.done = 0;
      return 1;
    }
    return Math.max(0, want - this.done);
  }

  /** Records units done. */
  did(n: number): void {
    this.done += n;
  }

  /** Milliseconds until the next unit is due (0 for 'max'). */
  wait(): number {
    if (this.speed.unit === 'max') return 0;
    const next = this.t0 + (this.done * 1000) / this.speed.perSecond;
    return Math.max(0, next - this.now());
  }
}

/** The speed for an index into SPEEDS (out of range: as fast as possible). */
export function speedOf(index: number | undefined): Speed {
  return SPEEDS[index ?? SPEEDS.length - 1] ?? SPEEDS[SPEEDS.length - 1];
}

/** Grid cell centres over the domain, row-major from the top-left corner. @example gridPoints(config).length // gridSize² */
export function gridPoints(config: TrainConfig): number[][] {
  const { xMin, xMax, yMin, yMax } = config.domain;
  const n = config.gridSize;
  const pts: number[][] = [];
  for (let r = 0; r < n; r++) {
    const y = yMax - ((r + 0.5) / n) * (yMax - yMin);
    for (let c = 0; c < n; c++) pts.push([xMin + ((c + 0.5) / n) * (xMax - xMin), y]);
  }
  return pts;
}

/**
 * 'layers.1.weight[0][2]' → [index of that tensor in parameters(), offset inside it].
 * @example paramLocation(net, 'layers.0.bias[3]') // [1, 3]
 */
export function paramLocation(net: Network, name: string): [number, number] {
  const m = /^layers\.(\d+)\.(weight|bias)\[(\d+)\](?:\[(\d+)\])?$/.exec(name);
  if (!m) throw new ValueError(`unknown parameter '${name}'`);
  const layer = Number(m[1]), row = Number(m[3]), col = m[4] === undefined ? -1 : Number(m[4]);
  const dense = net.layers[layer];
  if (!dense) throw new ValueError(`parameter '${name}': the network has no layer ${layer}`);
  const named = net.namedParameters();
  const index = named.findIndex(([n]) => n === `layers.${layer}.${m[2]}`);
  if (m[2] === 'weight') {
    if (col < 0 || row >= dense.outFeatures || col >= dense.inFeatures) throw new ValueError(`parameter '${name}' is outside layer ${layer}'s ${dense.outFeatures}×${dense.inFeatures} weights`);
    return [index, row * dense.inFeatures + col];
  }
  if (col >= 0 || row >= dense.outFeatures) throw new ValueError(`parameter '${name}' is outside layer ${layer}'s ${dense.outFeatures} biases`);
  return [index, row];
}

/** 'wasm (relaxed SIMD)', 'wasm-threads (relaxed SIMD, 2 threads)' or 'js': what the status line shows. */
function describeBackend(): string {
  const info = backendInfo();
  const parts = [info.wasm ? `${info.wasm === 'relaxed' ? 'relaxed SIMD' : 'SIMD'}` : null, info.threads > 1 ? `${info.threads} threads` : null].filter(Boolean);
  return parts.length ? `${info.name} (${parts.join(', ')})` : info.name;
}
