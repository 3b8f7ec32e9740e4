/**
 * Matrix products as prims on the active kernel backend. One prim covers the four transposed
 * variants (op(A)·op(B)), so the backward pass reads operands transposed in place and never copies
 * a transpose; `linear` (x·Wᵀ + b) is a prim for speed only.
 */
import { promote } from '../tensor/dtype.js';
import { ShapeError, fmtShape } from '../tensor/errors.js';
import { backend } from '../tensor/kernels/backend.js';
import { broadcastShapes, broadcastStrides, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from './kernels.js';
import { apply, type Prim, type UnrollContext } from './prim.js';
import { sum } from './reduce.js';

interface MatmulAttrs {
  /** A's matrices are stored [k, m] (op(A) = Aᵀ). */
  readonly transA: boolean;
  /** B's matrices are stored [n, k]. */
  readonly transB: boolean;
}

/** (m, k, k2, n) of op(A)·op(B) for stored shapes a and b (their last two axes). */
function dims(a: readonly number[], b: readonly number[], { transA, transB }: MatmulAttrs): [number, number, number, number] {
  const [a0, a1] = a.slice(-2), [b0, b1] = b.slice(-2);
  const [m, k] = transA ? [a1, a0] : [a0, a1];
  const [k2, n] = transB ? [b1, b0] : [b0, b1];
  return [m, k, k2, n];
}

/**
 * The batch: the broadcast of both operands' leading axes, and for each of its matrices (row-major)
 * the index of the matrix of A and of B it reads (broadcast axes read the same one).
 */
function batchOf(a: readonly number[], b: readonly number[]): { batch: number[]; ia: number[]; ib: number[] } {
  const la = a.slice(0, -2), lb = b.slice(0, -2);
  const batch = broadcastShapes('matmul', la, lb);
  const sa = broadcastStrides(la, batch), sb = broadcastStrides(lb, batch);
  const total = sizeOf(batch);
  const ia = new Array<number>(total), ib = new Array<number>(total);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < total; t++) {
    let oa = 0, ob = 0;
    for (let ax = 0; ax < batch.length; ax++) { oa += idx[ax] * sa[ax]; ob += idx[ax] * sb[ax]; }
    ia[t] = oa; ib[t] = ob;
    for (let ax = batch.length - 1; ax >= 0; ax--) { if (++idx[ax] < batch[ax]) break; idx[ax] = 0; }
  }
  return { batch, ia, ib };
}

/** Σ_p A[i,p]·B[p,j] as expressions, for stored layouts given by the strides, from offsets oa and ob. */
function unrollProduct(a: readonly string[], b: readonly string[], m: number, k: number, n: number, sa: [number, number], sb: [number, number], cx: UnrollContext, oa = 0, ob = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const terms: string[] = [];
      for (let p = 0; p < k; p++) terms.push(`${a[oa + i * sa[0] + p * sa[1]]} * ${b[ob + p * sb[0] + j * sb[1]]}`);
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
    const dtype = promote(a.dtype, b.dtype);
    if (a.rank === 2 && b.rank === 2) return { shape: [m, n], dtype, run: (out, x, y) => backend().matmul(x, y, out, m, k, n, transA, transB) };
    // Leading axes broadcast (torch.matmul): one product per matrix of the batch, on views.
    const { batch, ia, ib } = batchOf(a.shape, b.shape);
    const mk = m * k, kn = k * n, mn = m * n;
    return {
      shape: [...batch, m, n], dtype,
      run(out, x, y) {
        const be = backend();
        for (let t = 0; t < ia.length; t++) {
          be.matmul(x.subarray(ia[t] * mk, (ia[t] + 1) * mk), y.subarray(ib[t] * kn, (ib[t] + 1) * kn), out.subarray(t * mn, (t + 1) * mn), m, k, n, transA, transB);
        }
      },
    };
  },
  // C = op(A)·op(B): dop(A) = G·op(B)ᵀ, dop(B) = op(A)ᵀ·G, each read in its stored layout; over a
  // batch the products are per matrix, and the engine sums them over broadcast batch axes.
  backward: (g, [a, b], _, { transA, transB }) => [
    a.requiresGrad ? (transA ? apply(MATMUL, [b, g], { transA: transB, transB: true }) : apply(MATMUL, [g, b], { transA: false, transB: !transB })) : null,
    b.requiresGrad ? (transB ? apply(MATMUL, [g, a], { transA: true, transB: transA }) : apply(MATMUL, [a, g], { transA: !transA, transB: false })) : null,
  ],
  unroll([a, b], [sa, sb], _, attrs, cx) {
    const [m, k, , n] = dims(sa, sb, attrs);
    const strideA: [number, number] = attrs.transA ? [1, m] : [k, 1], strideB: [number, number] = attrs.transB ? [1, k] : [n, 1];
    if (sa.length === 2 && sb.length === 2) return unrollProduct(a, b, m, k, n, strideA, strideB, cx);
    const { ia, ib } = batchOf(sa, sb);
    return ia.flatMap((_, t) => unrollProduct(a, b, m, k, n, strideA, strideB, cx, ia[t] * m * k, ib[t] * k * n));
  },
};

/**
 * a · b: for 2-D operands [m, k]·[k, n] → [m, n]; with more axes, a batch of matrix products over
 * the last two axes whose leading axes broadcast (as torch.matmul: [2, 1, m, k]·[3, k, n] →
 * [2, 3, m, n]), the gradient summed over broadcast batch axes. Vectors are not promoted: reshape
 * them to [1, n] or [n, 1].
 * @example matmul(tensor([[1, 2]]), tensor([[3], [4]])) // [[11]]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(`matmul: both operands must be at least 2-D, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (reshape vectors to [1, n] or [n, 1])`);
  }
  const la = a.shape.slice(0, -2), lb = b.shape.slice(0, -2);
  try {
    broadcastShapes('matmul', la, lb);
  } catch {
    throw new ShapeError(`matmul: the batch axes ${fmtShape(la)} of ${fmtShape(a.shape)} and ${fmtShape(lb)} of ${fmtShape(b.shape)} cannot be broadcast together`);
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
        const be = backend();
        // The bias added in the product's own store where the backend has that kernel (same bits).
        if (bd !== undefined && be.linear?.(xd, wd, bd, out, m, k, n)) return;
        be.matmul(xd, wd, out, m, k, n, false, true);
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
