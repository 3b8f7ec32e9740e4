/**
 * Element-wise and reduction loops shared by the ops: broadcasting binary maps, unary maps, reductions
 * over any set of axes, broadcast copies and permutations. No autograd here: ops wrap these.
 * Fast paths first (same shape, scalar operand, trailing/leading axes), the general strided walk last.
 */
import { allocate, promote, type DType, type TypedArray } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, sameShape, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import { Tensor, asTensor, type TensorLike } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';

/** Converts numbers to scalar tensors of the other operand's dtype. */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    if (typeof a !== 'number' || typeof b !== 'number') {
      throw new ValueError(`${op}: arguments must be Tensors or numbers, got ${typeof a} and ${typeof b}`);
    }
    return [asTensor(a), asTensor(b)];
  }
  const dtype = a instanceof Tensor ? a.dtype : (b as Tensor).dtype;
  return [toTensor(op, 'a', a, dtype), toTensor(op, 'b', b, dtype)];
}

export function toTensor(op: string, arg: string, x: TensorLike, dtype: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ValueError(`${op}: argument '${arg}' must be a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
  return asTensor(x, dtype);
}

export function checkTensor(op: string, arg: string, x: unknown): Tensor {
  if (x instanceof Tensor) return x;
  throw new ValueError(`${op}: argument '${arg}' must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

/**
 * Binary maps with a loop of their own. A callback per element is cheap only while one function
 * flows through the loop; once every op shares it the call cannot be inlined and costs ~7× the
 * arithmetic (bench/engine.ts), so the hot ones get dedicated loops. The fused gradient kinds take
 * (upstream gradient, saved tensor): reluGrad = g·[x > 0], sigmoidGrad = g·s(1 − s), tanhGrad = g·(1 − t²).
 */
export type BinaryKind = 'add' | 'mul' | 'div' | 'reluGrad' | 'sigmoidGrad' | 'tanhGrad';

/** out[o..o+len) = a[ia + i·sa] ∘ b[ib + i·sb]: one run along the last axis, strides 0 or 1. */
function binaryRun(
  kind: BinaryKind | null, f: ((x: number, y: number) => number) | null,
  out: TypedArray, o: number, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, len: number,
): void {
  const end = o + len;
  switch (kind) {
    case 'add': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] + b[ib]; return;
    case 'mul': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] * b[ib]; return;
    case 'div': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] / b[ib]; return;
    case 'reluGrad': for (; o < end; o++, ia += sa, ib += sb) out[o] = b[ib] > 0 ? a[ia] : 0; return;
    case 'sigmoidGrad': for (; o < end; o++, ia += sa, ib += sb) { const s = b[ib]; out[o] = a[ia] * s * (1 - s); } return;
    case 'tanhGrad': for (; o < end; o++, ia += sa, ib += sb) { const t = b[ib]; out[o] = a[ia] * (1 - t * t); } return;
    default: for (; o < end; o++, ia += sa, ib += sb) out[o] = f!(a[ia], b[ib]);
  }
}

/**
 * out[i] = a[i] ∘ b[i] with NumPy broadcasting, where ∘ is `kind`'s dedicated loop, or `f`
 * (a callback per element: fine for rare ops) when kind is a plain function.
 */
export function binaryMap(op: string, a: Tensor, b: Tensor, kind: BinaryKind | ((x: number, y: number) => number)): Tensor {
  const k = typeof kind === 'string' ? kind : null;
  const f = typeof kind === 'function' ? kind : null;
  const dtype = promote(a.dtype, b.dtype);
  const ad = a.data, bd = b.data;
  if (sameShape(a.shape, b.shape)) {
    const out = allocate(dtype, ad.length);
    binaryRun(k, f, out, 0, ad, 0, 1, bd, 0, 1, out.length);
    return new Tensor(out, a.shape);
  }
  if (b.size === 1 && b.rank <= a.rank) {
    const out = allocate(dtype, ad.length);
    binaryRun(k, f, out, 0, ad, 0, 1, bd, 0, 0, out.length);
    return new Tensor(out, a.shape);
  }
  if (a.size === 1 && a.rank <= b.rank) {
    const out = allocate(dtype, bd.length);
    binaryRun(k, f, out, 0, ad, 0, 0, bd, 0, 1, out.length);
    return new Tensor(out, b.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  const rank = shape.length;
  const len = shape[rank - 1];
  if (out.length === 0) return new Tensor(out, shape);
  // Walk every axis but the last like an odometer, keeping both flat offsets in step, and hand each
  // row to binaryRun (a row bias, [m, n] + [n], is the common case: one run per row).
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < out.length; o += len) {
    binaryRun(k, f, out, o, ad, ia, sa[rank - 1], bd, ib, sb[rank - 1], len);
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      ia += sa[ax];
      ib += sb[ax];
      if (idx[ax] < shape[ax]) break;
      ia -= sa[ax] * shape[ax];
      ib -= sb[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return new Tensor(out, shape);
}

/** Unary maps with a loop of their own (see BinaryKind for why). sign(0) is 0; step(0) is 0. */
export type UnaryKind = 'neg' | 'exp' | 'log' | 'abs' | 'sign' | 'sigmoid' | 'tanh' | 'relu' | 'step' | 'zero';

/** out[i] = kind(x[i]), or f(x[i]) when given a function (a callback per element: rare ops only). */
export function unaryMap(x: Tensor, kind: UnaryKind | ((v: number) => number)): Tensor {
  const xd = x.data;
  const n = xd.length;
  const out = allocate(x.dtype, n);
  switch (kind) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -xd[i]; break;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(xd[i]); break;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(xd[i]); break;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(xd[i]); break;
    case 'sign': for (let i = 0; i < n; i++) out[i] = Math.sign(xd[i]); break;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(xd[i]); break;
    case 'relu': for (let i = 0; i < n; i++) { const v = xd[i]; out[i] = v > 0 ? v : 0; } break;
    case 'step': for (let i = 0; i < n; i++) out[i] = xd[i] > 0 ? 1 : 0; break;
    case 'zero': break;
    case 'sigmoid':
      // Two branches so neither exponential overflows: e^(−v) for v ≥ 0, e^v otherwise.
      for (let i = 0; i < n; i++) {
        const v = xd[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      break;
    default: for (let i = 0; i < n; i++) out[i] = kind(xd[i]);
  }
  return new Tensor(out, x.shape);
}

/** Copies x into the larger shape it broadcasts to. */
export function broadcastCopy(x: Tensor, shape: Shape): Tensor {
  const out = allocate(x.dtype, sizeOf(shape));
  const xd = x.data;
  if (x.size === 1) {
    out.fill(xd[0]);
    return new Tensor(out, shape);
  }
  const rank = shape.length;
  const sx = broadcastStrides(x.shape, shape);
  const idx = new Array<number>(rank).fill(0);
  let ix = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = xd[ix];
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      ix += sx[ax];
      if (idx[ax] < shape[ax]) break;
      ix -= sx[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return new Tensor(out, shape);
}

export type ReduceKind = 'sum' | 'max';

/**
 * Reduces over `axes` (sorted, unique) and returns the result with those axes kept as size 1.
 */
export function reduceKeepDims(x: Tensor, axes: readonly number[], kind: ReduceKind): Tensor {
  const shape = x.shape;
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = allocate(x.dtype, sizeOf(keptShape));
  const xd = x.data;
  const init = kind === 'sum' ? 0 : -Infinity;
  out.fill(init);
  if (x.size === 0) return new Tensor(out, keptShape);
  const rank = shape.length;
  // Are the reduced axes one trailing block or one leading block? Then two plain loops suffice.
  let trailing = true, leading = true;
  for (let i = 0; i < axes.length; i++) {
    if (axes[i] !== rank - axes.length + i) trailing = false;
    if (axes[i] !== i) leading = false;
  }
  if (trailing) {
    const inner = sizeOf(shape.slice(rank - axes.length));
    const outer = out.length;
    for (let o = 0; o < outer; o++) {
      let acc = init;
      const base = o * inner;
      if (kind === 'sum') for (let j = 0; j < inner; j++) acc += xd[base + j];
      else for (let j = 0; j < inner; j++) { const v = xd[base + j]; if (v > acc || v !== v) acc = v; }
      out[o] = acc;
    }
    return new Tensor(out, keptShape);
  }
  if (leading) {
    const inner = out.length;
    const outer = xd.length / inner;
    for (let o = 0; o < outer; o++) {
      const base = o * inner;
      if (kind === 'sum') for (let j = 0; j < inner; j++) out[j] += xd[base + j];
      else for (let j = 0; j < inner; j++) { const v = xd[base + j]; if (v > out[j] || v !== v) out[j] = v; }
    }
    return new Tensor(out, keptShape);
  }
  const so = broadcastStrides(keptShape, shape);
  const idx = new Array<number>(rank).fill(0);
  let io = 0;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    if (kind === 'sum') out[io] += v;
    else if (v > out[io] || v !== v) out[io] = v;
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      io += so[ax];
      if (idx[ax] < shape[ax]) break;
      io -= so[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return new Tensor(out, keptShape);
}

/** Permutes axes: out.shape[i] = x.shape[perm[i]]. */
export function permuteCopy(x: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => x.shape[p]);
  const out = allocate(x.dtype, x.size);
  const xd = x.data;
  const rank = shape.length;
  if (rank === 2 && perm[0] === 1) {
    const rows = x.shape[0], cols = x.shape[1];
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = xd[i * cols + j];
    return new Tensor(out, shape);
  }
  const xs = stridesOf(x.shape);
  const sx = perm.map((p) => xs[p]);
  const idx = new Array<number>(rank).fill(0);
  let ix = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = xd[ix];
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      ix += sx[ax];
      if (idx[ax] < shape[ax]) break;
      ix -= sx[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return new Tensor(out, shape);
}

export function fromData(data: TypedArray, shape: Shape): Tensor {
  return new Tensor(data, shape);
}
