/**
 * Ops written as compositions of primitives: they have no calculus of their own, so their gradients
 * are right whenever the primitives' are.
 */
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { broadcastShapes, normalizeAxes, sizeOf } from '../tensor/shape.js';
import { add, exp, log, mul, neg, pow, relu } from './elementwise.js';
import { checkReduceOptions, sum, type ReduceOptions } from './reduce.js';
import { checkTensor, operands } from './kernels.js';

/** a - b = a + (-b). @example sub(tensor([3]), 1) // [2] */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('sub', a, b);
  // Checked here so a mismatch is reported as sub's, not as the add it is built from.
  broadcastShapes('sub', x.shape, y.shape);
  return add(x, neg(y));
}

/** √x = x^½. @example sqrt(tensor([4, 9])) // [2, 3] */
export function sqrt(x: Tensor): Tensor {
  checkTensor('sqrt', 'x', x);
  return pow(x, 0.5);
}

/** Mean over `axis` (all when omitted) = sum / count. @example mean(tensor([1, 2, 3])) // 2 */
export function mean(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  checkTensor('mean', 'x', x);
  checkReduceOptions('mean', options);
  const axes = normalizeAxes('mean', axis, x.rank);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  return mul(sum(x, axes, options), 1 / count);
}

/**
 * x where x > 0, else alpha·x: relu(x) − alpha·relu(−x).
 * @example leakyRelu(tensor([-10, 5]), 0.1) // [-1, 5]
 */
export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  checkTensor('leakyRelu', 'x', x);
  if (!Number.isFinite(alpha)) throw new ValueError(`leakyRelu: alpha must be a finite number, got ${alpha}`);
  return add(relu(x), mul(relu(neg(x)), -alpha));
}

/**
 * softplus, ln(1 + eᶻ), computed as z + m + ln(e^−m + e^(−z−m)) with m = max(−z, 0): both exponents
 * stay ≤ 0, so nothing overflows, and since the value does not depend on m its gradient is σ(z)
 * everywhere (max(z, 0) + ln(1 + e^−|z|) has the same value but, through the kinks, gradient 0 at 0).
 * @example softplus(tensor([0])) // [0.693…]
 */
export function softplus(x: Tensor): Tensor {
  checkTensor('softplus', 'x', x);
  const m = relu(neg(x));
  return add(add(x, m), log(add(exp(neg(m)), exp(add(neg(x), neg(m))))));
}
