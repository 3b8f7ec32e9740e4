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
import type { LossName } from '../spec/index.js';

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

/** The loss for a name in the network format. @example lossByName('mse')(y, t) */
export function lossByName(name: LossName): LossFn {
  switch (name) {
    case 'mse': return mse;
    case 'sse': return sse;
    case 'mae': return mae;
    case 'bce': return binaryCrossEntropy;
    case 'crossEntropy': return crossEntropy;
    default:
      throw new ValueError(`unknown loss '${String(name)}' (known: mse, sse, mae, bce, crossEntropy)`);
  }
}
