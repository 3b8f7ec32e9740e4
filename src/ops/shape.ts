/** Shape-changing primitives: reshape (shares storage) and transpose (any permutation). */
import { record } from '../autograd/graph.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { normalizeAxis, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor, permuteCopy } from './kernels.js';

/**
 * The same elements in another shape; one size may be -1 (inferred). Shares storage with x.
 * @example reshape(tensor([1, 2, 3, 4]), [2, -1]) // [[1, 2], [3, 4]]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  const target = [...shape];
  const unknown = target.indexOf(-1);
  if (target.filter((d) => d === -1).length > 1) throw new ShapeError(`reshape: only one size can be -1, got ${fmtShape(shape)}`);
  if (target.some((d, i) => i !== unknown && (!Number.isInteger(d) || d < 0))) {
    throw new ShapeError(`reshape: invalid target shape ${fmtShape(shape)}`);
  }
  if (unknown >= 0) {
    const known = sizeOf(target.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
    }
    target[unknown] = x.size / known;
  }
  if (sizeOf(target) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(target)} (${sizeOf(target)} elements)`);
  }
  const out = new Tensor(x.data, target);
  // reshape only relabels elements: the gradient is reshaped back
  return record(out, 'reshape', [x], (g) => [new Tensor(g.data, x.shape)]);
}

/**
 * Permutes axes; without `axes` reverses them (the matrix transpose for 2-D).
 * @example transpose(tensor([[1, 2, 3]])) // [[1], [2], [3]]
 */
export function transpose(x: Tensor, axes?: readonly number[]): Tensor {
  checkTensor('transpose', 'x', x);
  const rank = x.rank;
  const perm = axes === undefined ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : axes.map((a) => normalizeAxis('transpose', a, rank));
  if (perm.length !== rank || new Set(perm).size !== rank) {
    throw new ValueError(`transpose: axes ${fmtShape(axes ?? [])} are not a permutation of the ${rank} axes of a tensor of shape ${fmtShape(x.shape)}`);
  }
  const out = permuteCopy(x, perm);
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  // a permutation's adjoint is the inverse permutation
  return record(out, 'transpose', [x], (g) => [permuteCopy(g, inverse)]);
}
