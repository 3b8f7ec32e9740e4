/**
 * Gathering rows by index (issue 12): embedding (rows of a table picked by integer indices) and its
 * adjoint embeddingGrad (gradient rows scattered back into the table's shape, summed where an index
 * repeats). Indices are checked as the kernel reads them, so a bad one is one error naming it.
 */
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from './kernels.js';
import { apply, perTraceFunction, type Prim, type UnrollContext } from './prim.js';

/** Tiny graphs: each index checked once, as an expression naming its row. */
function unrolledRows(idx: readonly string[], rows: number, cx: UnrollContext): string[] {
  const check = cx.fn(perTraceFunction((i: number, v: number) => rowOf(i, v, rows)));
  return idx.map((e, i) => cx.let(`${check}(${i}, ${e})`));
}

/** The row an index names, or a one-line error naming its position and the valid range. */
function rowOf(i: number, v: number, rows: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= rows) {
    throw new ValueError(`embedding: index ${v} at position ${i} is not a row of the table (expected a whole number 0..${rows - 1})`);
  }
  return v;
}

export const EMBEDDING: Prim<void> = {
  name: 'embedding',
  prepare([indices, table]) {
    const n = indices.size;
    const [rows, dim] = table.shape;
    return {
      shape: [...indices.shape, dim], dtype: table.dtype,
      run(out, id, t) {
        for (let i = 0; i < n; i++) {
          const from = rowOf(i, id[i], rows) * dim;
          for (let j = 0; j < dim; j++) out[i * dim + j] = t[from + j];
        }
      },
    };
  },
  // Output row i is table row indices[i]: its gradient is added into that row (repeats sum).
  backward: (g, [indices, table]) => [null, table.requiresGrad ? apply(EMBEDDING_GRAD, [indices, g], { rows: table.shape[0] }) : null],
  unroll([idx, t], [, [rows, dim]], _, __, cx) {
    const out: string[] = [];
    for (const r of unrolledRows(idx, rows, cx)) {
      for (let j = 0; j < dim; j++) {
        let e = t[(rows - 1) * dim + j];
        for (let k = rows - 2; k >= 0; k--) e = `(${r} === ${k} ? ${t[k * dim + j]} : ${e})`;
        out.push(cx.let(e));
      }
    }
    return out;
  },
};

/** embedding's adjoint: g's rows ([...indices, dim]) summed into a [rows, dim] table of zeros. */
export const EMBEDDING_GRAD: Prim<{ readonly rows: number }> = {
  name: 'embeddingGrad',
  prepare([indices, g], { rows }) {
    const n = indices.size;
    const dim = g.shape[g.rank - 1];
    return {
      shape: [rows, dim], dtype: g.dtype,
      run(out, id, gd) {
        out.fill(0);
        for (let i = 0; i < n; i++) {
          const to = rowOf(i, id[i], rows) * dim;
          for (let j = 0; j < dim; j++) out[to + j] += gd[i * dim + j];
        }
      },
    };
  },
  // Linear in g; its adjoint gathers the rows again.
  backward: (gg, [indices]) => [null, apply(EMBEDDING, [indices, gg], undefined)],
  unroll([idx, g], _, [rows, dim], __, cx) {
    const rs = unrolledRows(idx, rows, cx);
    const out: string[] = [];
    for (let k = 0; k < rows; k++) {
      for (let j = 0; j < dim; j++) {
        const terms = rs.map((r, i) => `(${r} === ${k} ? ${g[i * dim + j]} : 0)`);
        out.push(cx.let(terms.length ? terms.join(' + ') : '0'));
      }
    }
    return out;
  },
};

/**
 * Rows of `table` ([rows, dim]) picked by `indices` (any shape, whole numbers 0..rows−1): the result
 * has shape [...indices.shape, dim]. The table's gradient is each output row's gradient added into
 * the row it came from (summed where an index repeats); the indices get none.
 * @example embedding(tensor([2, 0]), tensor([[1, 1], [2, 2], [3, 3]])) // [[3, 3], [1, 1]]
 */
export function embedding(indices: Tensor, table: Tensor): Tensor {
  checkTensor('embedding', 'indices', indices);
  checkTensor('embedding', 'table', table);
  if (table.rank !== 2) throw new ShapeError(`embedding: table must be 2-D [rows, dim], got ${fmtShape(table.shape)}`);
  if (table.shape[0] === 0) throw new ShapeError(`embedding: table ${fmtShape(table.shape)} has no rows to pick`);
  return apply(EMBEDDING, [indices, table], undefined);
}
