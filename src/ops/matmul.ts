/**
 * Matrix products as prims on the active kernel backend. One prim covers the four transposed
 * variants (op(A)·op(B)), so the backward pass reads operands transposed in place and never copies
 * a transpose; `linear` (x·Wᵀ + b) is a prim for speed only.
 */
import { promote } from '../tensor/dtype.js';
import { ShapeError, fmtShape } from '../tensor/errors.js';
import { backend } from '../tensor/kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from './kernels.js';
import { apply, type Prim, type UnrollContext } from './prim.js';
import { sum } from './reduce.js';

interface MatmulAttrs {
  /** A is stored [k, m] (op(A) = Aᵀ). */
  readonly transA: boolean;
  /** B is stored [n, k]. */
  readonly transB: boolean;
}

/** (m, k, n) of op(A)·op(B) for stored shapes a and b. */
function dims(a: readonly number[], b: readonly number[], { transA, transB }: MatmulAttrs): [number, number, number, number] {
  const [m, k] = transA ? [a[1], a[0]] : [a[0], a[1]];
  const [k2, n] = transB ? [b[1], b[0]] : [b[0], b[1]];
  return [m, k, k2, n];
}

/** Σ_p A[i,p]·B[p,j] as expressions, for stored layouts given by the strides. */
function unrollProduct(a: readonly string[], b: readonly string[], m: number, k: number, n: number, sa: [number, number], sb: [number, number], cx: UnrollContext): string[] {
  const out: string[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const terms: string[] = [];
      for (let p = 0; p < k; p++) terms.push(`${a[i * sa[0] + p * sa[1]]} * ${b[p * sb[0] + j * sb[1]]}`);
      out.push(cx.let(terms.length ? terms.join(' + ') : '0'));
    }
  }
  return out;
}

export const MATMUL: Prim<MatmulAttrs> = {
  name: 'matmul',
  prepare([a, b], attrs) {
    const [m, k, k2, n] = dims(a.shape, b.shape, attrs);
    if (k !== k2) {
      throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not fit: a's columns (${k}) must equal b's rows (${k2})`);
    }
    const { transA, transB } = attrs;
    return { shape: [m, n], dtype: promote(a.dtype, b.dtype), run: (out, x, y) => backend().matmul(x, y, out, m, k, n, transA, transB) };
  },
  // C = op(A)·op(B): dop(A) = G·op(B)ᵀ, dop(B) = op(A)ᵀ·G, each read in its stored layout
  backward: (g, [a, b], _, { transA, transB }) => [
    a.requiresGrad ? (transA ? apply(MATMUL, [b, g], { transA: transB, transB: true }) : apply(MATMUL, [g, b], { transA: false, transB: !transB })) : null,
    b.requiresGrad ? (transB ? apply(MATMUL, [g, a], { transA: true, transB: transA }) : apply(MATMUL, [a, g], { transA: !transA, transB: false })) : null,
  ],
  unroll([a, b], [sa, sb], _, attrs, cx) {
    const [m, k, , n] = dims(sa, sb, attrs);
    return unrollProduct(a, b, m, k, n, attrs.transA ? [1, m] : [k, 1], attrs.transB ? [1, k] : [n, 1], cx);
  },
};

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
  return apply(MATMUL, [a, b], { transA: false, transB: false });
}

export const LINEAR: Prim<void> = {
  name: 'linear',
  prepare([x, weight, bias]) {
    const [m, k] = x.shape;
    const [n, k2] = weight.shape;
    if (k !== k2) {
      throw new ShapeError(`linear: input has ${k} features (shape ${fmtShape(x.shape)}) but weight ${fmtShape(weight.shape)} expects ${k2}`);
    }
    if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) {
      throw new ShapeError(`linear: bias must have shape [${n}], got ${fmtShape(bias.shape)}`);
    }
    const dtype = bias ? promote(promote(x.dtype, weight.dtype), bias.dtype) : promote(x.dtype, weight.dtype);
    return {
      shape: [m, n], dtype,
      run: (out, xd, wd, bd) => {
        backend().matmul(xd, wd, out, m, k, n, false, true);
        if (bd !== undefined) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] += bd[j];
      },
    };
  },
  // d(xWᵀ+b)/dx = G·W, d/dW = Gᵀ·x, d/db = Σ_rows G
  backward: (g, [x, weight, bias]) => {
    const gx = x.requiresGrad ? apply(MATMUL, [g, weight], { transA: false, transB: false }) : null;
    const gw = weight.requiresGrad ? apply(MATMUL, [g, x], { transA: true, transB: false }) : null;
    if (!bias) return [gx, gw];
    return [gx, gw, bias.requiresGrad ? sum(g, 0) : null];
  },
  unroll([x, w, b], [sx, sw], _, __, cx) {
    const [m, k] = sx;
    const n = sw[0];
    const prod = unrollProduct(x, w, m, k, n, [k, 1], [1, k], cx);
    return b === undefined ? prod : prod.map((e, i) => cx.let(`${e} + ${b[i % n]}`));
  },
};

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
  return apply(LINEAR, bias ? [x, weight, bias] : [x, weight], undefined);
}
