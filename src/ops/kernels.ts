/**
 * The tensor-level side of the element-wise and reduction kernels: broadcasting, axis bookkeeping and
 * allocation, with the loops themselves on the active backend (src/tensor/kernels/). Also broadcast
 * copies and permutations. No autograd here: ops wrap these.
 */
import { allocate, promote, type DType, type TypedArray } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, sameShape, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import { Tensor, asTensor, type TensorLike } from '../tensor/tensor.js';
import { backend, type BinaryKind, type ReduceKind, type UnaryKind } from '../tensor/kernels/backend.js';
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

/** Kinds with a backend kernel; any other map is given as a callback (fine for rare ops). */
export type { BinaryKind, UnaryKind, ReduceKind } from '../tensor/kernels/backend.js';

type BinaryRun = (out: TypedArray, o: number, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, len: number) => void;

/** The active backend's run for `kind` (the JS reference where the backend has none), or a callback loop. */
function binaryRunner(kind: BinaryKind | ((x: number, y: number) => number)): BinaryRun {
  if (typeof kind === 'function') {
    return (out, o, a, ia, sa, b, ib, sb, len) => {
      for (const end = o + len; o < end; o++, ia += sa, ib += sb) out[o] = kind(a[ia], b[ib]);
    };
  }
  const k = backend();
  const run = k.binary ? k.binary.bind(k) : jsBackend.binary;
  return (out, o, a, ia, sa, b, ib, sb, len) => run(kind, out, o, a, ia, sa, b, ib, sb, len);
}

/**
 * out[i] = a[i] ∘ b[i] with NumPy broadcasting, where ∘ is `kind`'s backend kernel, or `f`
 * (a callback per element) when kind is a plain function.
 */
export function binaryMap(op: string, a: Tensor, b: Tensor, kind: BinaryKind | ((x: number, y: number) => number)): Tensor {
  const run = binaryRunner(kind);
  const dtype = promote(a.dtype, b.dtype);
  const ad = a.data, bd = b.data;
  if (sameShape(a.shape, b.shape)) {
    const out = allocate(dtype, ad.length);
    run(out, 0, ad, 0, 1, bd, 0, 1, out.length);
    return new Tensor(out, a.shape);
  }
  if (b.size === 1 && b.rank <= a.rank) {
    const out = allocate(dtype, ad.length);
    run(out, 0, ad, 0, 1, bd, 0, 0, out.length);
    return new Tensor(out, a.shape);
  }
  if (a.size === 1 && a.rank <= b.rank) {
    const out = allocate(dtype, bd.length);
    run(out, 0, ad, 0, 0, bd, 0, 1, out.length);
    return new Tensor(out, b.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  const rank = shape.length;
  const len = shape[rank - 1];
  if (out.length === 0) return new Tensor(out, shape);
  // Walk every axis but the last like an odometer, keeping both flat offsets in step, and hand each
  // row to the kernel (a row bias, [m, n] + [n], is the common case: one run per row).
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < out.length; o += len) {
    run(out, o, ad, ia, sa[rank - 1], bd, ib, sb[rank - 1], len);
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

/** out[i] = kind(x[i]) on the backend's kernel, or f(x[i]) when given a function (rare ops only). */
export function unaryMap(x: Tensor, kind: UnaryKind | ((v: number) => number)): Tensor {
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  if (typeof kind === 'function') {
    for (let i = 0; i < xd.length; i++) out[i] = kind(xd[i]);
  } else {
    const k = backend();
    if (k.unary) k.unary(kind, xd, out);
    else jsBackend.unary(kind, xd, out);
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

/**
 * Reduces over `axes` (sorted, unique) and returns the result with those axes kept as size 1.
 * Each run of adjacent reduced axes is one backend reduction of the middle axis of
 * [outer, len, inner], taken from the last run to the first.
 */
export function reduceKeepDims(x: Tensor, axes: readonly number[], kind: ReduceKind): Tensor {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  if (x.size === 0 || axes.length === 0) {
    const out = allocate(x.dtype, sizeOf(keptShape));
    if (x.size === 0) out.fill(kind === 'sum' ? 0 : -Infinity);
    else out.set(x.data);
    return new Tensor(out, keptShape);
  }
  const k = backend();
  const run = k.reduce ? k.reduce.bind(k) : jsBackend.reduce;
  const shape = [...x.shape];
  let data: TypedArray = x.data;
  for (let g = axes.length - 1; g >= 0;) {
    let first = g;
    while (first > 0 && axes[first - 1] === axes[first] - 1) first--;
    const from = axes[first], to = axes[g];
    const outer = sizeOf(shape.slice(0, from));
    const len = sizeOf(shape.slice(from, to + 1));
    const inner = sizeOf(shape.slice(to + 1));
    const out = allocate(x.dtype, outer * inner);
    run(kind, data, out, outer, len, inner);
    for (let i = from; i <= to; i++) shape[i] = 1;
    data = out;
    g = first - 1;
  }
  return new Tensor(data, keptShape);
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
