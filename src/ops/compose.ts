/**
 * Ops written as compositions of primitives: they have no calculus of their own, so their gradients
 * are right whenever the primitives' are.
 */
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { broadcastShapes, normalizeAxes, sizeOf } from '../tensor/shape.js';
import { add, mul, neg, pow, relu } from './elementwise.js';
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
