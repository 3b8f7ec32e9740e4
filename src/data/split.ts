/**
 * Seeded splitting and row selection: the same seed gives the same split on every platform, and
 * every index appears in exactly one part.
 */
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError } from '../tensor/errors.js';

/**
 * Shuffles 0..n-1 with `seed` and cuts off round(n · testFraction) indices for the test part. A
 * positive fraction keeps at least one row on each side when n ≥ 2.
 *
 * @example
 * const { train, test } = trainTestSplit(10, 0.2, 42);
 * train.length // 8, test.length // 2, together a permutation of 0..9
 */
export function trainTestSplit(n: number, testFraction: number, seed: number): { train: number[]; test: number[] } {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`trainTestSplit: n must be a whole number ≥ 0, got ${n}`);
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction < 1)) {
    throw new ValueError(`trainTestSplit: testFraction must be in [0, 1), got ${testFraction}`);
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ValueError(`trainTestSplit: seed must be a finite number, got ${seed}`);
  const order = new Random(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  let nTest = Math.round(n * testFraction);
  if (testFraction > 0 && n >= 2) nTest = Math.min(Math.max(nTest, 1), n - 1);
  return { train: order.slice(nTest), test: order.slice(0, nTest) };
}

/**
 * Copies the rows `indices` of a row-major matrix with `width` columns.
 * @example takeRows(new Float32Array([1, 2, 3, 4, 5, 6]), 2, [2, 0]) // Float32Array [5, 6, 1, 2]
 */
export function takeRows(data: Float32Array, width: number, indices: readonly number[]): Float32Array {
  if (!Number.isInteger(width) || width < 1) throw new ValueError(`takeRows: width must be a whole number ≥ 1, got ${width}`);
  if (data.length % width !== 0) {
    throw new ShapeError(`takeRows: data has ${data.length} values, not a multiple of width ${width}; pass the number of columns as width`);
  }
  const rows = data.length / width;
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= rows) throw new ValueError(`takeRows: index ${r} at position ${i} is out of range for ${rows} rows`);
    out.set(data.subarray(r * width, r * width + width), i * width);
  }
  return out;
}
