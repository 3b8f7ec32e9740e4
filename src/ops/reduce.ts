/**
 * Reductions and broadcasting as ops: sum, max (with `axis`/`keepDims`) and broadcastTo, plus
 * sumToShape, which the engine uses to undo broadcasting in gradients.
 */
import { record } from '../autograd/graph.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { broadcastShapes, normalizeAxes, reducedShape, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { binaryMap, broadcastCopy, checkTensor, reduceKeepDims } from './kernels.js';
import { div, mul } from './elementwise.js';
import { reshape } from './shape.js';

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

/**
 * Sum over `axis` (a number, several, or all when omitted).
 * @example sum(tensor([[1, 2], [3, 4]]), 0) // [4, 6]
 */
export function sum(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  checkTensor('sum', 'x', x);
  checkReduceOptions('sum', options);
  const axes = normalizeAxes('sum', axis, x.rank);
  const kept = reduceKeepDims(x, axes, 'sum');
  const out = reshapeData(kept, reducedShape(x.shape, axes, options.keepDims ?? false));
  // d(Σx)/dx = 1 for every summed element: broadcast the gradient back
  return record(out, 'sum', [x], (g) => [broadcastTo(reshapeData(g, kept.shape), x.shape)]);
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
  const axes = normalizeAxes('max', axis, x.rank);
  const kept = reduceKeepDims(x, axes, 'max');
  const out = reshapeData(kept, reducedShape(x.shape, axes, options.keepDims ?? false));
  // d max/dx = 1/(number of ties) where x equals the maximum, else 0
  return record(out, 'max', [x], (g) => {
    const mask = binaryMap('max', x, kept, (v, m) => (v === m ? 1 : 0));
    const ties = reduceKeepDims(mask, axes, 'sum');
    return [mul(mask, div(reshapeData(g, kept.shape), ties))];
  });
}

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
  const out = broadcastCopy(x, shape);
  // d broadcast/dx: each source element was copied, so its gradient is the sum of the copies'
  return record(out, 'broadcastTo', [x], (g) => [sumToShape(g, x.shape)]);
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
  const summed = sum(g, axes, { keepDims: true });
  // The reshape op, not reshapeData: called outside backward, the result must stay on the graph.
  return reshape(summed, shape);
}

/** A new Tensor over the same data with another shape of the same size (no autograd). */
function reshapeData(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return new Tensor(x.data, shape);
}
