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

/**
 * x·Wᵀ + b: the dense layer's affine map, with W stored [out, in] as PyTorch does. A primitive for
 * speed only (it is exactly matmul(x, transpose(W)) + b): it reads W transposed in place instead of
 * copying a transpose on every forward pass, and its backward uses the NN/TN kernels directly.
 * @example linear(tensor([[1, 2]]), tensor([[3, 4]]), tensor([0.5])) // [[11.5]]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('linear', 'x', x);
  checkTensor('linear', 'weight', weight);
  if (x.rank !== 2 || weight.rank !== 2) {
    throw new ShapeError(`linear: x must be 2-D [batch, in] and weight 2-D [out, in], got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`);
  }
  const [m, k] = x.shape;
  const [n, k2] = weight.shape;
  if (k !== k2) {
    throw new ShapeError(`linear: input has ${k} features (shape ${fmtShape(x.shape)}) but weight ${fmtShape(weight.shape)} expects ${k2}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) {
    throw new ShapeError(`linear: bias must have shape [${n}], got ${fmtShape(bias.shape)}`);
  }
  const dtype = promote(x.dtype, weight.dtype);
  const xd = x.dtype === dtype ? x : x.to(dtype);
  const wd = weight.dtype === dtype ? weight : weight.to(dtype);
  const out = allocate(dtype, m * n);
  backend().matmul(xd.data, wd.data, out, m, k, n, false, true);
  if (bias) {
    const b = bias.data;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] += b[j];
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  // d(xWᵀ+b)/dx = G·W, d/dW = Gᵀ·x, d/db = Σ_rows G
  return record(new Tensor(out, [m, n]), 'linear', inputs, (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (x.requiresGrad) {
      const d = allocate(dtype, m * k);
      backend().matmul(g.data, wd.data, d, m, n, k, false, false);
      gx = new Tensor(d, [m, k]);
    }
    if (weight.requiresGrad) {
      const d = allocate(dtype, n * k);
      backend().matmul(g.data, xd.data, d, n, m, k, true, false);
      gw = new Tensor(d, [n, k]);
    }
    if (bias && bias.requiresGrad) {
      const d = allocate(dtype, n);
      const gd = g.data;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[j] += gd[i * n + j];
      gb = new Tensor(d, [n]);
    }
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}
