/**
 * Prims that cut and join tensors (issue 12): slice (a box of x: per-axis begin and size, as
 * tf.slice; narrow is PyTorch's one-axis form of it), its adjoint sliceGrad (the box written into
 * zeros), and concat (two tensors joined along an axis; concat of many is a chain of them).
 */
import { promote } from '../tensor/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { normalizeAxis, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { checkTensor } from './kernels.js';
import { apply, type Prim } from './prim.js';

/**
 * For each element of the box [begin, begin + size) of a tensor of `shape` (row-major over the
 * box), its flat index in that tensor.
 */
function boxIndex(shape: Shape, begin: readonly number[], size: Shape): number[] {
  const xs = stridesOf(shape);
  const total = sizeOf(size);
  const out = new Array<number>(total);
  const idx = new Array<number>(size.length).fill(0);
  for (let i = 0; i < total; i++) {
    let o = 0;
    for (let ax = 0; ax < size.length; ax++) o += (begin[ax] + idx[ax]) * xs[ax];
    out[i] = o;
    for (let ax = size.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < size[ax]) break;
      idx[ax] = 0;
    }
  }
  return out;
}

/**
 * Copies between a tensor of `shape` and its box [begin, begin + size), row by row (the last axis
 * is contiguous in both): box → out when `into` is false (slice), out ← box when true (sliceGrad).
 */
function boxCopy(big: TypedArray, box: TypedArray, shape: Shape, begin: readonly number[], size: Shape, intoBig: boolean): void {
  const rank = size.length;
  const total = sizeOf(size);
  if (total === 0) return;
  if (rank === 0) { if (intoBig) big[0] = box[0]; else box[0] = big[0]; return; }
  const xs = stridesOf(shape);
  const len = size[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let ax = 0; ax < rank; ax++) src += begin[ax] * xs[ax];
  for (let o = 0; o < total; o += len) {
    if (intoBig) for (let j = 0; j < len; j++) big[src + j] = box[o + j];
    else for (let j = 0; j < len; j++) box[o + j] = big[src + j];
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      src += xs[ax];
      if (idx[ax] < size[ax]) break;
      src -= xs[ax] * size[ax];
      idx[ax] = 0;
    }
  }
}

interface SliceAttrs {
  readonly begin: readonly number[];
  readonly size: readonly number[];
}

export const SLICE: Prim<SliceAttrs> = {
  name: 'slice',
  prepare([x], { begin, size }) {
    const shape = x.shape;
    return { shape: [...size], dtype: x.dtype, run: (out, a) => boxCopy(a, out, shape, begin, size, false) };
  },
  // Each element of the box is one element of x: the gradient goes back into its place, 0 elsewhere.
  backward: (g, [x], _, { begin }) => [apply(SLICE_GRAD, [g], { begin, shape: x.shape })],
  unroll: ([a], [shape], _, { begin, size }) => boxIndex(shape, begin, size).map((i) => a[i]),
};

/** slice's adjoint: g (the box's gradient) written into zeros of the sliced tensor's shape. */
export const SLICE_GRAD: Prim<{ readonly begin: readonly number[]; readonly shape: Shape }> = {
  name: 'sliceGrad',
  prepare([g], { begin, shape }) {
    const size = g.shape;
    return { shape: [...shape], dtype: g.dtype, run: (out, gd) => { out.fill(0); boxCopy(out, gd, shape, begin, size, true); } };
  },
  // Linear in g, and its adjoint is the slice again.
  backward: (gg, [g], _, { begin }) => [apply(SLICE, [gg], { begin, size: g.shape })],
  unroll: ([a], [size], shape, { begin }) => {
    const out = new Array<string>(sizeOf(shape)).fill('0');
    boxIndex(shape, begin, size).forEach((at, i) => (out[at] = a[i]));
    return out;
  },
};

function checkWhole(op: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValueError(`${op}: ${what} must be a whole number, got ${String(v)}`);
  return v;
}

/**
 * The box of x that starts at `begin` and has `size` (tf.slice's semantics): `begin[i]` ≥ 0 and
 * `size[i]` a length or −1 for "to the end of the axis"; axes past the arrays' ends are taken whole.
 * Shares no storage (a copy); the gradient flows back into the box.
 * @example slice(tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]) // [[2, 3], [5, 6]]
 */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[] = []): Tensor {
  checkTensor('slice', 'x', x);
  if (!Array.isArray(begin) || !Array.isArray(size)) throw new ValueError('slice: begin and size must be arrays of numbers, one per axis (missing axes are taken whole)');
  const rank = x.rank;
  if (begin.length > rank || size.length > rank) {
    throw new ShapeError(`slice: begin ${fmtShape(begin)} and size ${fmtShape(size)} name more axes than the ${rank} of a tensor of shape ${fmtShape(x.shape)}`);
  }
  const b: number[] = [], s: number[] = [];
  for (let ax = 0; ax < rank; ax++) {
    const dim = x.shape[ax];
    const from = ax < begin.length ? checkWhole('slice', `begin[${ax}]`, begin[ax]) : 0;
    const len = ax < size.length ? checkWhole('slice', `size[${ax}]`, size[ax]) : -1;
    if (from < 0 || from > dim) throw new ShapeError(`slice: begin[${ax}] is ${from}, outside 0..${dim} for axis ${ax} of shape ${fmtShape(x.shape)}`);
    const n = len === -1 ? dim - from : len;
    if (n < 0 || from + n > dim) throw new ShapeError(`slice: size[${ax}] is ${len}; from begin ${from} axis ${ax} of shape ${fmtShape(x.shape)} has ${dim - from} elements (use -1 for all of them)`);
    b.push(from);
    s.push(n);
  }
  return apply(SLICE, [x], { begin: b, size: s });
}

/**
 * `length` elements of axis `dim` from `start` (PyTorch's narrow; a negative start counts from the
 * end). A copy, not a view; the gradient flows back into the narrowed part.
 * @example narrow(tensor([[1, 2, 3], [4, 5, 6]]), 1, 1, 2) // [[2, 3], [5, 6]]
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('narrow', 'x', x);
  if (x.rank === 0) throw new ShapeError('narrow: a scalar has no axis to narrow');
  const ax = normalizeAxis('narrow', checkWhole('narrow', 'dim', dim), x.rank);
  const size = x.shape[ax];
  let from = checkWhole('narrow', 'start', start);
  checkWhole('narrow', 'length', length);
  if (from < 0) from += size;
  if (from < 0 || from > size) throw new ShapeError(`narrow: start ${start} is outside axis ${ax} of shape ${fmtShape(x.shape)} (size ${size})`);
  if (length < 0 || from + length > size) {
    throw new ShapeError(`narrow: length ${length} from start ${from} runs past axis ${ax} of shape ${fmtShape(x.shape)} (at most ${size - from})`);
  }
  const begin = x.shape.map((_, i) => (i === ax ? from : 0));
  const sizes = x.shape.map((d, i) => (i === ax ? length : d));
  return apply(SLICE, [x], { begin, size: sizes });
}

export const CONCAT: Prim<{ readonly axis: number }> = {
  name: 'concat',
  prepare([a, b], { axis }) {
    const outer = sizeOf(a.shape.slice(0, axis));
    const ca = sizeOf(a.shape.slice(axis)), cb = sizeOf(b.shape.slice(axis));
    const shape = a.shape.map((d, i) => (i === axis ? d + b.shape[axis] : d));
    return {
      shape, dtype: promote(a.dtype, b.dtype),
      run(out, ad, bd) {
        let o = 0;
        for (let r = 0; r < outer; r++) {
          for (let j = 0; j < ca; j++) out[o++] = ad[r * ca + j];
          for (let j = 0; j < cb; j++) out[o++] = bd[r * cb + j];
        }
      },
    };
  },
  // Each input is a box of the result: its gradient is that box of g.
  backward: (g, [a, b], _, { axis }) => [
    a.requiresGrad ? apply(SLICE, [g], { begin: g.shape.map(() => 0), size: a.shape }) : null,
    b.requiresGrad ? apply(SLICE, [g], { begin: g.shape.map((_, i) => (i === axis ? a.shape[axis] : 0)), size: b.shape }) : null,
  ],
  unroll([a, b], [sa, sb], _, { axis }) {
    const outer = sizeOf(sa.slice(0, axis));
    const ca = sizeOf(sa.slice(axis)), cb = sizeOf(sb.slice(axis));
    const out: string[] = [];
    for (let r = 0; r < outer; r++) {
      for (let j = 0; j < ca; j++) out.push(a[r * ca + j]);
      for (let j = 0; j < cb; j++) out.push(b[r * cb + j]);
    }
    return out;
  },
};

/**
 * The tensors joined along `axis` (default 0; negative counts from the end): every other axis must
 * match. float64 wins when dtypes differ. One tensor is returned as is.
 * @example concat([tensor([[1, 2]]), tensor([[3, 4]])], 0) // [[1, 2], [3, 4]]
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('concat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor('concat', `tensors[${i}]`, t));
  const first = tensors[0];
  if (first.rank === 0) throw new ShapeError('concat: scalars have no axis to join along (reshape them to [1] first)');
  const ax = normalizeAxis('concat', checkWhole('concat', 'axis', axis), first.rank);
  tensors.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d: number, k: number) => k !== ax && d !== first.shape[k])) {
      throw new ShapeError(`concat: tensors[${i}] has shape ${fmtShape(t.shape)}, which does not fit ${fmtShape(first.shape)} along axis ${ax} (every other axis must match)`);
    }
  });
  let out = first;
  for (let i = 1; i < tensors.length; i++) out = apply(CONCAT, [out, tensors[i]], { axis: ax });
  return out;
}
