/**
 * Log-softmax is a primitive for numerical stability: it subtracts the maximum before exponentiating,
 * so logits of 1000 do not overflow. softmax is its exponential.
 */
import { normalizeAxis, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { exp, mul, add, neg } from './elementwise.js';
import { sum } from './reduce.js';
import { checkTensor } from './kernels.js';
import { apply, type Prim } from './prim.js';

const logOf = (v: number): number => Math.log(v);
const expOf = (v: number): number => Math.exp(v);
const maxOf = (a: number, b: number): number => Math.max(a, b);

export const LOG_SOFTMAX: Prim<{ readonly axis: number }> = {
  name: 'logSoftmax',
  prepare([x], { axis }) {
    const len = x.shape[axis];
    const inner = sizeOf(x.shape.slice(axis + 1));
    const outer = sizeOf(x.shape.slice(0, axis));
    return {
      shape: x.shape, dtype: x.dtype,
      run(out, xd) {
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
      },
    };
  },
  // d logsoftmax_i/dx_j = δij - softmax_j, so grad_x = g - softmax · Σ g
  backward: (g, _, out, { axis }) => [add(g, neg(mul(exp(out), sum(g, axis, { keepDims: true }))))],
  unroll([a], [shape], _, { axis }, cx) {
    const len = shape[axis];
    const inner = sizeOf(shape.slice(axis + 1));
    const outer = sizeOf(shape.slice(0, axis));
    const M = cx.fn(maxOf), E = cx.fn(expOf), L = cx.fn(logOf);
    const out: string[] = new Array(a.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number): number => o * len * inner + i + j * inner;
        let m = '-Infinity';
        for (let j = 0; j < len; j++) m = cx.let(`${M}(${m}, ${a[at(j)]})`);
        let s = '0';
        for (let j = 0; j < len; j++) s = cx.let(`${s} + ${E}(${a[at(j)]} - ${m})`);
        const lse = cx.let(`${m} + ${L}(${s})`);
        for (let j = 0; j < len; j++) out[at(j)] = cx.let(`${a[at(j)]} - ${lse}`);
      }
    }
    return out;
  },
};

/**
 * log(softmax(x)) along `axis` (default: the last), max-shifted.
 * @example logSoftmax(tensor([1000, 1000])) // [-0.693…, -0.693…]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor('logSoftmax', 'x', x);
  return apply(LOG_SOFTMAX, [x], { axis: normalizeAxis('logSoftmax', axis, x.rank) });
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
