/**
 * Reductions and broadcasting as prims: sum, max (with `axis`/`keepDims`) and broadcastTo, plus
 * sumToShape, which the engine uses to undo broadcasting in gradients.
 */
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { broadcastShapes, normalizeAxes, reducedShape, sameShape, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastIndex, broadcastInto, checkTensor, reduceInto, reductionGroups } from './kernels.js';
import { DIV, EQUAL, MUL } from './elementwise.js';
import { apply, type Prim } from './prim.js';
import { reshape, view } from './shape.js';

export interface ReduceOptions {
  /** Keep reduced axes as size 1, so the result broadcasts against the input. */
  keepDims?: boolean;
}

/** A misspelt option (`keepdims`) would silently change the result's shape: reject it instead. */
export function checkReduceOptions(op: string, options: ReduceOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValueError(`${op}: options must be an object like { keepDims: true }, got ${options === null ? 'null' : typeof options}`);
  }
  const unknown = Object.keys(options).filter((k) => k !== 'keepDims');
  if (unknown.length) throw new ValueError(`${op}: unknown option '${unknown[0]}' (known: keepDims)`);
}

interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

const kept = (shape: Shape, axes: readonly number[]): number[] => shape.map((d, i) => (axes.includes(i) ? 1 : d));

export const SUM: Prim<ReduceAttrs> = {
  name: 'sum',
  prepare([x], { axes, keepDims }) {
    const shape = x.shape;
    return { shape: reducedShape(shape, axes, keepDims), dtype: x.dtype, run: (out, a) => reduceInto(out, a, shape, axes, 'sum') };
  },
  // d(Σx)/dx = 1 for every summed element: broadcast the gradient back
  backward: (g, [x], _, { axes }) => [broadcastTo(view(g, kept(x.shape, axes)), x.shape)],
  unroll: ([a], [shape], _, { axes }, cx) => reductionGroups(shape, axes).map((group) => cx.let(group.length ? group.map((i) => a[i]).join(' + ') : '0')),
};

export const MAX: Prim<ReduceAttrs> = {
  name: 'max',
  prepare([x], { axes, keepDims }) {
    const shape = x.shape;
    return { shape: reducedShape(shape, axes, keepDims), dtype: x.dtype, run: (out, a) => reduceInto(out, a, shape, axes, 'max') };
  },
  // d max/dx = 1/(number of ties) where x equals the maximum, else 0
  backward: (g, [x], out, { axes }) => {
    const m = view(out, kept(x.shape, axes));
    const mask = apply(EQUAL, [x, m], undefined);
    const ties = apply(SUM, [mask], { axes, keepDims: true });
    return [apply(MUL, [mask, apply(DIV, [view(g, kept(x.shape, axes)), ties], undefined)], undefined)];
  },
  unroll: ([a], [shape], _, { axes }, cx) => {
    const f = cx.fn(maxOf);
    return reductionGroups(shape, axes).map((group) => group.slice(1).reduce((acc, i) => cx.let(`${f}(${acc}, ${a[i]})`), a[group[0]]));
  },
};

/** The reduce kernel's max: NaN propagates, as in the backend's reduce. */
function maxOf(acc: number, v: number): number {
  return v > acc || v !== v ? v : acc;
}

/**
 * Sum over `axis` (a number, several, or all when omitted).
 * @example sum(tensor([[1, 2], [3, 4]]), 0) // [4, 6]
 */
export function sum(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  checkTensor('sum', 'x', x);
  checkReduceOptions('sum', options);
  return apply(SUM, [x], { axes: normalizeAxes('sum', axis, x.rank), keepDims: options.keepDims ?? false });
}

/**
 * Maximum over `axis`. Where several elements tie for the maximum the gradient is shared
 * equally between them (like NumPy's amax and PyTorch's amax).
 * @example max(tensor([[1, 5], [3, 4]]), 1) // [5, 4]
 */
export function max(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  checkTensor('max', 'x', x);
  checkReduceOptions('max', options);
  if (x.size === 0) throw new ShapeError('max: cannot take the maximum of an empty tensor');
  return apply(MAX, [x], { axes: normalizeAxes('max', axis, x.rank), keepDims: options.keepDims ?? false });
}

export const BROADCAST: Prim<{ readonly shape: Shape }> = {
  name: 'broadcastTo',
  prepare([x], { shape }) {
    const from = x.shape;
    return { shape, dtype: x.dtype, run: (out, a) => broadcastInto(out, a, from, shape) };
  },
  // d broadcast/dx: each source element was copied, so its gradient is the sum of the copies'
  backward: (g, [x]) => [sumToShape(g, x.shape)],
  unroll: ([a], [from], out) => broadcastIndex(from, out).map((i) => a[i]),
};

/**
 * Repeats x along its size-1 (or missing leading) axes to `shape`.
 * @example broadcastTo(tensor([1, 2]), [2, 2]) // [[1, 2], [1, 2]]
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', 'x', x);
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(target, shape)) {
    throw new ShapeError(`broadcastTo: shape ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  return apply(BROADCAST, [x], { shape: [...shape] });
}

/**
 * Sums a broadcast result back down to `shape` (the adjoint of broadcastTo).
 * @example sumToShape(tensor([[1, 2], [3, 4]]), [2]) // [4, 6]
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw new ShapeError(`sumToShape: ${fmtShape(g.shape)} has fewer axes than ${fmtShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== g.shape[i]) {
      throw new ShapeError(`sumToShape: ${fmtShape(g.shape)} was not broadcast from ${fmtShape(shape)}`);
    }
  }
  return reshape(apply(SUM, [g], { axes, keepDims: true }), shape);
}
