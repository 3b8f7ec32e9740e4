/**
 * Normalisation layers with PyTorch's semantics and names: BatchNorm1d/BatchNorm2d (batch
 * statistics in training, running statistics in eval; buffers `running_mean`, `running_var`,
 * `num_batches_tracked`) and LayerNorm (over the trailing dims). Forwards are built from ops; the
 * running-statistics update is a host call, so a compiled (`jit`) step makes it too.
 */
import { Tensor, ones, zeros } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { sizeOf } from '../tensor/shape.js';
import { add, mean, mul, pow, reshape, sub } from '../ops/index.js';
import { hostCall, traceCondition } from '../compile/jit.js';
import { Module } from './module.js';

/**
 * (x − mean) / √(var + eps) over `axes`, var the biased (population) variance, as every
 * normalisation layer computes it; also returns the mean and variance (kept dims).
 * @example normalize(x, [0], 1e-5).normalized // x's columns at mean 0, variance ≈ 1
 */
export function normalize(x: Tensor, axes: readonly number[], eps: number): { normalized: Tensor; mean: Tensor; variance: Tensor } {
  const mu = mean(x, axes, { keepDims: true });
  const centred = sub(x, mu);
  const variance = mean(mul(centred, centred), axes, { keepDims: true });
  return { normalized: mul(centred, pow(add(variance, eps), -0.5)), mean: mu, variance };
}

function wholeAtLeast1(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${layer}: ${name} must be a whole number ≥ 1, got ${String(v)}`);
  return v;
}

function checkOptions(layer: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw new ValueError(`${layer}: options must be an object like { eps: 1e-5 }, got ${options === null ? 'null' : typeof options}`);
  for (const k of Object.keys(options)) if (!known.includes(k)) throw new ValueError(`${layer}: unknown option '${k}' (known: ${known.join(', ')})`);
}

function checkEps(layer: string, eps: unknown): number {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) throw new ValueError(`${layer}: eps must be a finite number > 0, got ${String(eps)}`);
  return eps;
}

function checkDtype(layer: string, dtype: unknown): 'float32' | 'float64' {
  if (dtype !== 'float32' && dtype !== 'float64') throw new ValueError(`${layer}: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
  return dtype;
}

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the batch statistic in the running average (default 0.1): running = (1 − momentum)·running
   * + momentum·batch. null: the cumulative average over every batch seen (PyTorch's momentum=None).
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` (ones) and shift `bias` (zeros) (default true). */
  affine?: boolean;
  /** Keep running_mean/running_var for eval (default true); false: batch statistics in eval too. */
  trackRunningStats?: boolean;
  dtype?: 'float32' | 'float64';
}

const BATCH_NORM_OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'] as const;

abstract class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  /** Buffers (null when trackRunningStats is false). */
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  /** Training batches seen (a whole number in the layer's dtype; PyTorch keeps it as int64). */
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(private readonly layer: string, readonly numFeatures: number, options: BatchNormOptions) {
    super();
    checkOptions(layer, options, BATCH_NORM_OPTIONS);
    wholeAtLeast1(layer, 'numFeatures', numFeatures);
    this.eps = checkEps(layer, options.eps ?? 1e-5);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new ValueError(`${layer}: momentum must be a number in [0, 1] or null (cumulative average), got ${String(momentum)}`);
    }
    this.momentum = momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = checkDtype(layer, options.dtype ?? 'float32');
    this.weight = this.affine ? this.registerParameter('weight', ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? this.registerParameter('bias', zeros([numFeatures], { dtype })) : null;
    if (this.trackRunningStats) {
      this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.runningVar = this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([], { dtype }));
    } else {
      this.runningMean = this.runningVar = this.numBatchesTracked = null;
    }
  }

  /** The input's expected layout, e.g. '[batch, C, height, width]', or null when x fits. */
  protected abstract layout(x: Tensor): string | null;

  forward(x: Tensor): Tensor {
    const training = this.training;
    const n = this.normalization(x);
    if (training && this.trackRunningStats) {
      // The update runs on the host, now and at this point of every compiled replay.
      hostCall(n.mean, (m) => this.updateMean(m));
      hostCall(n.variance, (v) => this.updateVar(v, n.count));
    }
    // The graph differs between train and eval: a compiled plan of one mode is not replayed in the other.
    if (this.trackRunningStats) traceCondition(() => this.training === training);
    const shape = x.shape.map((d, i) => (i === 1 ? d : 1));
    let y = n.normalized;
    if (this.weight !== null && this.bias !== null) y = add(mul(y, reshape(this.weight, shape)), reshape(this.bias, shape));
    return y;
  }

  /**
   * x̂ = (x − mean) / √(variance + eps) before the affine part, and the statistics used: the batch's
   * per channel (training, or without running statistics; `count` values each) or the running ones
   * (eval; `running` true). What forward and the explainer share.
   */
  normalization(x: Tensor): { normalized: Tensor; mean: Tensor; variance: Tensor; count: number; running: boolean } {
    const C = this.numFeatures;
    const want = this.layout(x);
    if (want !== null) throw new ShapeError(`${this.layer}(${C}): expected input of shape ${want.replace(/\bC\b/g, String(C))}, got ${fmtShape(x.shape)}`);
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const shape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const count = sizeOf(axes.map((a) => x.shape[a]));
    if (this.training || !this.trackRunningStats) {
      if (this.training && count <= 1) {
        throw new ShapeError(`${this.layer}(${C}): expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)} (use a batch of 2 or more, or eval())`);
      }
      return { ...normalize(x, axes, this.eps), count, running: false };
    }
    const mu = reshape(this.runningMean!, shape), variance = reshape(this.runningVar!, shape);
    return { normalized: mul(sub(x, mu), pow(add(variance, this.eps), -0.5)), mean: mu, variance, count, running: true };
  }

  /** The running average's weight for this batch (after counting it), PyTorch's exponential_average_factor. */
  private factor(): number {
    return this.momentum ?? 1 / this.numBatchesTracked!.data[0];
  }

  private updateMean(batchMean: TypedArray): void {
    this.numBatchesTracked!.data[0] += 1;
    const f = this.factor();
    const r = this.runningMean!.data;
    for (let c = 0; c < r.length; c++) r[c] = (1 - f) * r[c] + f * batchMean[c];
  }

  /** The running variance takes the unbiased batch variance, var · n/(n − 1), as PyTorch's does. */
  private updateVar(batchVar: TypedArray, n: number): void {
    const f = this.factor();
    const unbias = n / (n - 1);
    const r = this.runningVar!.data;
    for (let c = 0; c < r.length; c++) r[c] = (1 - f) * r[c] + f * batchVar[c] * unbias;
  }
}

/**
 * Batch normalisation over [batch, C] or [batch, C, length], PyTorch's nn.BatchNorm1d: each channel
 * normalised by its batch mean and biased variance in training (running_mean/running_var updated
 * with momentum, the variance unbiased), by the running statistics in eval; then weight·x̂ + bias.
 * @example const bn = new BatchNorm1d(4); bn.forward(randn([8, 4])); bn.eval().forward(randn([1, 4]))
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }

  protected layout(x: Tensor): string | null {
    return (x.rank === 2 || x.rank === 3) && x.shape[1] === this.numFeatures ? null : '[batch, C] or [batch, C, length]';
  }
}

/**
 * Batch normalisation over NCHW images, PyTorch's nn.BatchNorm2d: statistics per channel over
 * (batch, height, width).
 * @example new Sequential(new Conv2d(1, 16, 3), new BatchNorm2d(16), new ReLU())
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }

  protected layout(x: Tensor): string | null {
    return x.rank === 4 && x.shape[1] === this.numFeatures ? null : '[batch, C, height, width]';
  }
}

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn `weight` (ones) and `bias` (zeros) of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * Layer normalisation, PyTorch's nn.LayerNorm: each sample normalised over its trailing dims
 * (`normalizedShape`) by their mean and biased variance, then weight·x̂ + bias element-wise. The same
 * in training and eval.
 * @example new LayerNorm(8).forward(randn([2, 5, 8])) // each [.., 8] row at mean 0, variance ≈ 1
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'dtype']);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
    if (shape === null || shape.length === 0) throw new ValueError(`LayerNorm: normalizedShape must be a number or a non-empty array of numbers, got ${JSON.stringify(normalizedShape)}`);
    shape.forEach((d) => wholeAtLeast1('LayerNorm', 'normalizedShape', d));
    this.normalizedShape = shape;
    this.eps = checkEps('LayerNorm', options.eps ?? 1e-5);
    const dtype = checkDtype('LayerNorm', options.dtype ?? 'float32');
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones(shape, { dtype })) : null;
    this.bias = affine ? this.registerParameter('bias', zeros(shape, { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    let y = this.normalization(x).normalized;
    // weight and bias have the trailing shape, so they broadcast over the leading dims.
    if (this.weight !== null && this.bias !== null) y = add(mul(y, this.weight), this.bias);
    return y;
  }

  /** x̂ = (x − mean) / √(variance + eps) over the trailing normalizedShape, before the affine part, and the statistics (what forward and the explainer share). */
  normalization(x: Tensor): { normalized: Tensor; mean: Tensor; variance: Tensor; count: number; running: boolean } {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.rank - k);
    if (x.rank < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(`LayerNorm(${fmtShape(this.normalizedShape)}): expected input of shape [..., ${this.normalizedShape.join(', ')}], got ${fmtShape(x.shape)}`);
    }
    const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
    return { ...normalize(x, axes, this.eps), count: sizeOf(tail), running: false };
  }
}
