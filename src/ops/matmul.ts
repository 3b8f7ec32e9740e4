/**
 * Matrix product of two 2-D tensors on the active kernel backend. The backward pass calls the
 * backend's transposed variants, so no transpose is ever materialised.
 */
import { record } from '../autograd/graph.js';
import { allocate, promote } from '../tensor/dtype.js';
import { ShapeError, fmtShape } from '../tensor/errors.js';
import { backend } from '../tensor/kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from './kernels.js';

/**
 * a · b for a of shape [m, k] and b of shape [k, n].
 * @example matmul(tensor([[1, 2]]), tensor([[3], [4]])) // [[11]]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(`matmul: both operands must be 2-D, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (reshape vectors to [1, n] or [n, 1])`);
  }
  const [m, k] = a.shape;
  const [k2, n] = b.shape;
  if (k !== k2) {
    throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not fit: a's columns (${k}) must equal b's rows (${k2})`);
  }
  const dtype = promote(a.dtype, b.dtype);
  const ad = a.dtype === dtype ? a : a.to(dtype);
  const bd = b.dtype === dtype ? b : b.to(dtype);
  const out = allocate(dtype, m * n);
  backend().matmul(ad.data, bd.data, out, m, k, n, false, false);
  // d(AB)/dA = G·Bᵀ, d(AB)/dB = Aᵀ·G
  return record(new Tensor(out, [m, n]), 'matmul', [a, b], (g) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      const d = allocate(dtype, m * k);
      backend().matmul(g.data, bd.data, d, m, n, k, false, true);
      ga = new Tensor(d, [m, k]);
    }
    if (b.requiresGrad) {
      const d = allocate(dtype, k * n);
      backend().matmul(ad.data, g.data, d, k, m, n, true, false);
      gb = new Tensor(d, [k, n]);
    }
    return [ga, gb];
  });
}
