/**
 * Loss functions, each a composition of engine ops (no calculus of its own). Reductions follow
 * PyTorch: 'mean' over every element unless the name says sum. Predictions come first, targets second.
 * The *WithLogits / crossEntropy forms take pre-activation outputs and are the numerically stable
 * choice; Network switches to them automatically when a sigmoid or softmax output meets bce or
 * crossEntropy.
 */
import { Tensor, tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { sameShape } from '../tensor/shape.js';
import { abs, add, clamp, exp, log, logSoftmax, mean, mul, neg, oneHot, relu, sub, sum } from '../ops/index.js';
import { LOSSES, type ActivationName, type LossName } from '../spec/index.js';

/** Probabilities are clamped to [EPS, 1 − EPS] before the log, as seed 001's notebook does. */
export const BCE_EPSILON = 1e-7;

function sameShapes(op: string, pred: Tensor, target: Tensor): void {
  if (!sameShape(pred.shape, target.shape)) {
    throw new ShapeError(`${op}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} must have the same shape`);
  }
}

/** Mean squared error: mean((y − t)²) over all elements. @example mse(tensor([1, 2]), tensor([1, 4])) // 2 */
export function mse(pred: Tensor, target: Tensor): Tensor {
  sameShapes('mse', pred, target);
  const d = sub(pred, target);
  return mean(mul(d, d));
}

/** Sum of squared errors: Σ(y − t)² (seed 003's loss). @example sse(tensor([3, 6]), tensor([2, 4])) // 5 */
export function sse(pred: Tensor, target: Tensor): Tensor {
  sameShapes('sse', pred, target);
  const d = sub(pred, target);
  return sum(mul(d, d));
}

/** Mean absolute error: mean(|y − t|). @example mae(tensor([1, 2]), tensor([2, 4])) // 1.5 */
export function mae(pred: Tensor, target: Tensor): Tensor {
  sameShapes('mae', pred, target);
  return mean(abs(sub(pred, target)));
}

/**
 * Binary cross-entropy on probabilities: −mean(t·log p + (1−t)·log(1−p)), p clamped to [1e-7, 1−1e-7].
 * @example binaryCrossEntropy(tensor([0.9]), tensor([1])) // 0.105…
 */
export function binaryCrossEntropy(prob: Tensor, target: Tensor): Tensor {
  sameShapes('bce', prob, target);
  const p = clamp(prob, BCE_EPSILON, 1 - BCE_EPSILON);
  const pos = mul(target, log(p));
  const negative = mul(sub(1, target), log(sub(1, p)));
  return neg(mean(add(pos, negative)));
}

/**
 * Binary cross-entropy from logits z (before the sigmoid), stable for any z:
 * (1 − t)·z + m + log(e^−m + e^(−z−m)) with m = max(−z, 0), PyTorch's form. The shorter
 * max(z, 0) − z·t + log(1 + e^−|z|) has the same value but, through the kinks of max and |z|, the
 * wrong gradient at exactly z = 0 (−t instead of σ(0) − t = ½ − t); this form has none there.
 * @example binaryCrossEntropyWithLogits(tensor([0]), tensor([1])) // 0.693…
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor): Tensor {
  sameShapes('bceWithLogits', logits, target);
  const m = relu(neg(logits));
  const logSum = log(add(exp(neg(m)), exp(sub(neg(logits), m))));
  return mean(add(add(mul(sub(1, target), logits), m), logSum));
}

/**
 * Categorical cross-entropy from logits [batch, classes] (softmax applied inside, max-shifted).
 * Targets are class indices ([batch] tensor or number[]) or one-hot / probability rows [batch, classes].
 * @example crossEntropy(tensor([[2, 0]]), [0]) // 0.127…
 */
export function crossEntropy(logits: Tensor, target: Tensor | readonly number[]): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy: logits must be 2-D [batch, classes], got ${fmtShape(logits.shape)}`);
  const [batch, classes] = logits.shape;
  const oneHot = toOneHot(target, batch, classes, logits.dtype);
  const logp = logSoftmax(logits, 1);
  return neg(mul(sum(mul(oneHot, logp)), 1 / batch));
}

/** Class indices (or already one-hot rows) as a one-hot tensor, validated (the oneHot prim, so it traces). */
export function toOneHot(target: Tensor | readonly number[], batch: number, classes: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  if (target instanceof Tensor && target.rank === 2) {
    if (target.shape[0] !== batch || target.shape[1] !== classes) {
      throw new ShapeError(`crossEntropy: one-hot targets ${fmtShape(target.shape)} must be [${batch}, ${classes}] like the logits`);
    }
    return target;
  }
  if (target instanceof Tensor && target.rank !== 1) {
    throw new ShapeError(`crossEntropy: class-index targets must be 1-D [batch], got ${fmtShape(target.shape)}`);
  }
  const idx = target instanceof Tensor ? target : tensor(Float64Array.from(target as readonly number[]), { dtype: 'float64' });
  if (idx.size !== batch) throw new ShapeError(`crossEntropy: ${idx.size} targets for a batch of ${batch}`);
  return oneHot(idx, classes, { dtype, what: 'crossEntropy' });
}

export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/** One row of the loss table. */
export interface LossEntry {
  readonly name: LossName;
  /** (predictions, targets) → scalar, built from ops (autograd and jit derive its gradient). */
  readonly fn: LossFn;
  /** The loss over a batch of N samples with m outputs, in the explainer's notation. */
  readonly formula: string;
  /** ∂L/∂y for one output, in the same notation. */
  readonly derivative: string;
  /**
   * The numerically stable form a Network trains with when its output activation is `activation`:
   * the loss then receives logits (pre-activations) instead of outputs.
   */
  readonly fused: { readonly activation: ActivationName; readonly fn: LossFn; readonly derivative: string } | null;
  /** Targets are class indices [rows] (one-hot rows are accepted too). */
  readonly classIndexTargets: boolean;
  /** A classification loss: accuracy is reported. */
  readonly classifier: boolean;
  /** The TensorFlow.js/Keras loss name exporters write. */
  readonly tfjs: string;
}

/**
 * The loss table: every loss the library names (src/spec's LOSSES), read by Network (which loss,
 * which fused form, which targets), the explainer (formulas) and the exporters (names).
 */
export const LOSS_TABLE: { readonly [K in LossName]: LossEntry & { readonly name: K } } = {
  mse: { name: 'mse', fn: mse, formula: '(1/(N·m)) Σ (y − t)²', derivative: '2(y − t)/(N·m)', fused: null, classIndexTargets: false, classifier: false, tfjs: 'meanSquaredError' },
  sse: { name: 'sse', fn: sse, formula: 'Σ (y − t)²', derivative: '2(y − t)', fused: null, classIndexTargets: false, classifier: false, tfjs: 'meanSquaredError' },
  mae: { name: 'mae', fn: mae, formula: '(1/(N·m)) Σ |y − t|', derivative: 'sign(y − t)/(N·m)', fused: null, classIndexTargets: false, classifier: false, tfjs: 'meanAbsoluteError' },
  bce: {
    name: 'bce', fn: binaryCrossEntropy, formula: '−(1/(N·m)) Σ [t·ln p + (1 − t)·ln(1 − p)], p = clamp(y, 1e-7, 1 − 1e-7)',
    derivative: '(p − t)/(p(1 − p)·N·m)', fused: { activation: 'sigmoid', fn: binaryCrossEntropyWithLogits, derivative: '(y − t)/(y(1 − y)·N·m), so δ = (σ(z) − t)/(N·m)' },
    classIndexTargets: false, classifier: true, tfjs: 'binaryCrossentropy',
  },
  crossEntropy: {
    name: 'crossEntropy', fn: crossEntropy, formula: '−(1/N) Σ t·ln p, p = softmax(logits)', derivative: '(softmax(y) − t)/N',
    fused: { activation: 'softmax', fn: crossEntropy, derivative: '−t/(N·y), so δ = (softmax(z) − t)/N' }, classIndexTargets: true, classifier: true, tfjs: 'categoricalCrossentropy',
  },
};

/** The loss for a name in the network format. @example lossByName('mse')(y, t) */
export function lossByName(name: LossName): LossFn {
  const entry = (LOSS_TABLE as Record<string, LossEntry | undefined>)[name];
  if (entry === undefined || !Object.prototype.hasOwnProperty.call(LOSS_TABLE, name)) {
    throw new ValueError(`unknown loss '${String(name)}' (known: ${LOSSES.join(', ')})`);
  }
  return entry.fn;
}
