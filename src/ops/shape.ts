/** Shape-changing primitives: reshape (shares storage) and transpose (any permutation). */
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { normalizeAxis, sameShape, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor, permuteInto } from './kernels.js';
import { apply, type Prim } from './prim.js';

const noKernel = (): void => {};

export const RESHAPE: Prim<{ readonly shape: Shape }> = {
  name: 'reshape',
  alias: true,
  prepare: ([x], { shape }) => ({ shape, dtype: x.dtype, run: noKernel }),
  // reshape only relabels elements: the gradient is reshaped back
  backward: (g, [x]) => [view(g, x.shape)],
  unroll: ([a]) => [...a],
};

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
  return apply(RESHAPE, [x], { shape: target });
}

/** x itself when it already has `shape`, else its reshape (the engine's own relabelling). */
export function view(x: Tensor, shape: Shape): Tensor {
  return sameShape(x.shape, shape) ? x : apply(RESHAPE, [x], { shape: [...shape] });
}

export const TRANSPOSE: Prim<{ readonly perm: readonly number[] }> = {
  name: 'transpose',
  prepare([x], { perm }) {
    const from = x.shape;
    return { shape: perm.map((p) => from[p]), dtype: x.dtype, run: (out, a) => permuteInto(out, a, from, perm) };
  },
  // a permutation's adjoint is the inverse permutation
  backward: (g, _, __, { perm }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [apply(TRANSPOSE, [g], { perm: inverse })];
  },
  unroll: ([a], [from], out, { perm }) => {
    const xs = stridesOf(from);
    const os = stridesOf(out);
    return Array.from({ length: sizeOf(out) }, (_, i) => {
      let src = 0;
      for (let ax = 0; ax < out.length; ax++) src += Math.floor(i / os[ax]) % out[ax] * xs[perm[ax]];
      return a[src];
    });
  },
};

/**
 * Permutes axes: `transpose(x, axes)` with a permutation, `transpose(x, dim0, dim1)` swapping two
 * axes (PyTorch's transpose; negative axes count from the end), and without axes reversing them (the
 * matrix transpose for 2-D).
 * @example transpose(tensor([[1, 2, 3]])) // [[1], [2], [3]]
 * @example transpose(zeros([2, 3, 4]), 0, 2).shape // [4, 3, 2]
 */
export function transpose(x: Tensor, axes?: readonly number[] | number, dim1?: number): Tensor {
  checkTensor('transpose', 'x', x);
  const rank = x.rank;
  if (typeof axes === 'number' || dim1 !== undefined) {
    if (typeof axes !== 'number' || typeof dim1 !== 'number') {
      throw new ValueError(`transpose: give two axes to swap, transpose(x, dim0, dim1), or one permutation, transpose(x, [..]); got ${String(axes)} and ${String(dim1)}`);
    }
    const a = normalizeAxis('transpose', axes, rank), b = normalizeAxis('transpose', dim1, rank);
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[a], perm[b]] = [perm[b], perm[a]];
    return apply(TRANSPOSE, [x], { perm });
  }
  return permuteAxes('transpose', x, axes === undefined ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : axes);
}

/**
 * Reorders the axes: result axis i is x's axis dims[i] (PyTorch's permute; negative axes count from
 * the end). The same prim as transpose.
 * @example permute(zeros([2, 3, 4]), [2, 0, 1]).shape // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', 'x', x);
  if (!Array.isArray(dims)) throw new ValueError(`permute: dims must be an array of the ${x.rank} axes in their new order, got ${String(dims)}`);
  return permuteAxes('permute', x, dims);
}

function permuteAxes(op: string, x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.rank;
  const perm = axes.map((a) => normalizeAxis(op, a, rank));
  if (perm.length !== rank || new Set(perm).size !== rank) {
    throw new ValueError(`${op}: axes ${fmtShape(axes)} are not a permutation of the ${rank} axes of a tensor of shape ${fmtShape(x.shape)}`);
  }
  return apply(TRANSPOSE, [x], { perm });
}
