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

/** out[i] = f(a[i], b[i]) with NumPy broadcasting. */
export function binaryMap(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const dtype = promote(a.dtype, b.dtype);
  const ad = a.data, bd = b.data;
  if (sameShape(a.shape, b.shape)) {
    const out = allocate(dtype, ad.length);
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], bd[i]);
    return new Tensor(out, a.shape);
  }
  if (b.size === 1 && b.rank <= a.rank) {
    const out = allocate(dtype, ad.length);
    const y = bd[0];
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], y);
    return new Tensor(out, a.shape);
  }
  if (a.size === 1 && a.rank <= b.rank) {
    const out = allocate(dtype, bd.length);
    const x = ad[0];
    for (let i = 0; i < out.length; i++) out[i] = f(x, bd[i]);
    return new Tensor(out, b.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  const rank = shape.length;
  // Row-broadcast fast path: [m, n] with [n] (a bias added to every row).
  if (rank >= 1 && b.rank === 1 && sameShape(a.shape, shape) && b.shape[0] === shape[rank - 1]) {
    const n = b.shape[0];
    for (let i = 0; i < out.length; i += n) for (let j = 0; j < n; j++) out[i + j] = f(ad[i + j], bd[j]);
    return new Tensor(out, shape);
  }
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = f(ad[ia], bd[ib]);
    // Advance the multi-index like an odometer, keeping both flat offsets in step.
    for (let ax = rank - 1; ax >= 0; ax--) {
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

/** out[i] = f(x[i]). */
export function unaryMap(x: Tensor, f: (v: number) => number): Tensor {
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < out.length; i++) out[i] = f(xd[i]);
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
