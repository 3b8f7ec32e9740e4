/**
 * Log-softmax is a primitive for numerical stability: it subtracts the maximum before exponentiating,
 * so logits of 1000 do not overflow. softmax is its exponential.
 */
import { record } from '../autograd/graph.js';
import { allocate } from '../tensor/dtype.js';
import { normalizeAxis, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { exp, mul, add, neg } from './elementwise.js';
import { sum } from './reduce.js';
import { checkTensor } from './kernels.js';

/**
 * log(softmax(x)) along `axis` (default: the last), max-shifted.
 * @example logSoftmax(tensor([1000, 1000])) // [-0.693…, -0.693…]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor('logSoftmax', 'x', x);
  const ax = normalizeAxis('logSoftmax', axis, x.rank);
  const len = x.shape[ax];
  const inner = sizeOf(x.shape.slice(ax + 1));
  const outer = sizeOf(x.shape.slice(0, ax));
  const xd = x.data;
  const out = allocate(x.dtype, x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = -Infinity;
      for (let j = 0; j < len; j++) m = Math.max(m, xd[base + j * inner]);
      let s = 0;
      for (let j = 0; j < len; j++) s += Math.exp(xd[base + j * inner] - m);
      const lse = m + Math.log(s);
      for (let j = 0; j < len; j++) out[base + j * inner] = xd[base + j * inner] - lse;
    }
  }
  const result = new Tensor(out, x.shape);
  // d logsoftmax_i/dx_j = δij - softmax_j, so grad_x = g - softmax · Σ g
  return record(result, 'logSoftmax', [x], (g) => [add(g, neg(mul(exp(result), sum(g, ax, { keepDims: true }))))]);
}

/**
 * softmax along `axis` (default: the last); each slice sums to 1. Max-shifted through logSoftmax.
 * @example softmax(tensor([0, 0])) // [0.5, 0.5]
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor('softmax', 'x', x);
  // Checked here so a bad axis is reported as softmax's, not as the logSoftmax it is built from.
  normalizeAxis('softmax', axis, x.rank);
  return exp(logSoftmax(x, axis));
}
