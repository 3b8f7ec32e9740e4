/**
 * Helpers the prims share: operand conversion and checks, and the loops behind broadcastTo, the
 * reductions (on the active backend's reduce) and transpose, each writing into a given output
 * (so the compiler can replay them on planned buffers). No autograd here: prims wrap these.
 */
import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import { Tensor, asTensor, type TensorLike } from '../tensor/tensor.js';
import { backend, type ReduceKind } from '../tensor/kernels/backend.js';
import { jsBackend } from '../tensor/kernels/js.js';
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

/** A number as a scalar tensor of x's dtype (clamp's bounds, a scale): a constant of the graph. */
export function scalarLike(v: number, x: Tensor): Tensor {
  return asTensor(v, x.dtype);
}

/** Copies x (of xShape) into out, the larger shape it broadcasts to. */
export function broadcastInto(out: TypedArray, xd: TypedArray, xShape: Shape, shape: Shape): void {
  if (xd.length === 1) {
    out.fill(xd[0]);
    return;
  }
  const rank = shape.length;
  const sx = broadcastStrides(xShape, shape);
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
}

/**
 * Reduces x (of `shape`) over `axes` (sorted, unique) into out (the kept-dims size). Each run of
 * adjacent reduced axes is one backend reduction of the middle axis of [outer, len, inner], taken
 * from the last run to the first; more than one run needs a scratch array.
 */
export function reduceInto(out: TypedArray, x: TypedArray, shape: Shape, axes: readonly number[], kind: ReduceKind): void {
  if (x.length === 0) {
    out.fill(kind === 'sum' ? 0 : -Infinity);
    return;
  }
  if (axes.length === 0) {
    out.set(x);
    return;
  }
  const k = backend();
  const run = k.reduce ? k.reduce.bind(k) : jsBackend.reduce;
  const dims = [...shape];
  let data: TypedArray = x;
  for (let g = axes.length - 1; g >= 0;) {
    let first = g;
    while (first > 0 && axes[first - 1] === axes[first] - 1) first--;
    const from = axes[first], to = axes[g];
    const outer = sizeOf(dims.slice(0, from));
    const len = sizeOf(dims.slice(from, to + 1));
    const inner = sizeOf(dims.slice(to + 1));
    const target = first === 0 ? out : allocate(x instanceof Float64Array ? 'float64' : 'float32', outer * inner);
    run(kind, data, target, outer, len, inner);
    for (let i = from; i <= to; i++) dims[i] = 1;
    data = target;
    g = first - 1;
  }
}

/** Permutes axes of x (of xShape) into out: out.shape[i] = xShape[perm[i]]. */
export function permuteInto(out: TypedArray, xd: TypedArray, xShape: Shape, perm: readonly number[]): void {
  const shape = perm.map((p) => xShape[p]);
  const rank = shape.length;
  if (rank === 2 && perm[0] === 1) {
    const rows = xShape[0], cols = xShape[1];
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = xd[i * cols + j];
    return;
  }
  const xs = stridesOf(xShape);
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
}

/** For each element of the kept-dims reduction of `shape` over `axes`, the flat indices it gathers (tiny graphs). */
export function reductionGroups(shape: Shape, axes: readonly number[]): number[][] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  const ks = stridesOf(kept);
  const total = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < total; i++) {
    let o = 0;
    for (let ax = 0; ax < shape.length; ax++) if (!axes.includes(ax)) o += idx[ax] * ks[ax];
    groups[o].push(i);
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < shape[ax]) break;
      idx[ax] = 0;
    }
  }
  return groups;
}

/** The flat index in `from` (broadcast to `to`) of each element of `to` (tiny graphs). */
export function broadcastIndex(from: Shape, to: Shape): number[] {
  const s = broadcastStrides(from, to);
  const total = sizeOf(to);
  const out = new Array<number>(total);
  const idx = new Array<number>(to.length).fill(0);
  for (let i = 0; i < total; i++) {
    let o = 0;
    for (let ax = 0; ax < to.length; ax++) o += idx[ax] * s[ax];
    out[i] = o;
    for (let ax = to.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < to[ax]) break;
      idx[ax] = 0;
    }
  }
  return out;
}
