/**
 * Prims that turn values into other kinds of values: oneHot (class indices → rows of 0 and 1, so
 * crossEntropy needs no JS loop over its targets and can be traced) and cast (dtype conversion).
 */
import { allocate, type DType } from '../tensor/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from './kernels.js';
import { apply, perTraceFunction, type Prim } from './prim.js';

/** Throws unless c is a class index below `classes`; `what` names the caller in the message. */
function checkClass(what: string, i: number, c: number, classes: number): number {
  if (!Number.isInteger(c) || c < 0 || c >= classes) throw new ValueError(`${what}: target ${i} is ${c}, expected a class index 0..${classes - 1}`);
  return c;
}

export const ONE_HOT: Prim<{ readonly classes: number; readonly dtype: DType; readonly what: string }> = {
  name: 'oneHot',
  prepare([idx], { classes, dtype, what }) {
    const batch = idx.shape[0];
    return {
      shape: [batch, classes], dtype,
      run(out, id) {
        out.fill(0);
        for (let i = 0; i < batch; i++) out[i * classes + checkClass(what, i, id[i], classes)] = 1;
      },
    };
  },
  // Class indices are labels, not quantities: no gradient flows into them.
  backward: () => [null],
  unroll([idx], _, [batch, classes], { what }, cx) {
    const check = cx.fn(perTraceFunction((i: number, c: number) => checkClass(what, i, c, classes)));
    const out: string[] = [];
    for (let i = 0; i < batch; i++) {
      const c = cx.let(`${check}(${i}, ${idx[i]})`);
      for (let j = 0; j < classes; j++) out.push(cx.let(`${c} === ${j} ? 1 : 0`));
    }
    return out;
  },
};

/**
 * Class indices [batch] as one-hot rows [batch, classes] of `dtype`; an index that is not a whole
 * number in 0..classes-1 is an error naming its position (and `what`, the caller).
 * @example oneHot(tensor([2, 0]), 3) // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(indices: Tensor, classes: number, options: { dtype?: DType; what?: string } = {}): Tensor {
  checkTensor('oneHot', 'indices', indices);
  if (indices.rank !== 1) throw new ShapeError(`${options.what ?? 'oneHot'}: class-index targets must be 1-D [batch], got ${fmtShape(indices.shape)}`);
  if (!Number.isInteger(classes) || classes < 1) throw new ValueError(`oneHot: classes must be a whole number ≥ 1, got ${classes}`);
  return apply(ONE_HOT, [indices], { classes, dtype: options.dtype ?? indices.dtype, what: options.what ?? 'oneHot' });
}

export const CAST: Prim<{ readonly dtype: DType }> = {
  name: 'cast',
  prepare: ([x], { dtype }) => ({ shape: x.shape, dtype, run: (out, a) => out.set(a) }),
  backward: (g, [x]) => [cast(g, x.dtype)],
  unroll: ([a]) => [...a],
};

/**
 * The same values in another dtype (x itself when it already has it), on the graph.
 * @example cast(tensor([1.5]), 'float64')
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', 'x', x);
  if (x.dtype === dtype) return x;
  return apply(CAST, [x], { dtype });
}

export { allocate };
