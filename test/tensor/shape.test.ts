/**
 * Shape arithmetic: NumPy broadcasting (and its error naming the op and both shapes), strides, axis
 * normalisation and reduced shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError, ValueError } from '../../src/index.js';
import { broadcastShapes, broadcastStrides, checkShape, normalizeAxes, normalizeAxis, reducedShape, sizeOf, stridesOf } from '../../src/tensor/shape.js';

test('broadcastShapes follows NumPy: align right, sizes equal or one of them 1', () => {
  const cases: [number[], number[], number[]][] = [
    [[2, 3], [2, 3], [2, 3]],
    [[2, 3], [3], [2, 3]],
    [[2, 1], [1, 3], [2, 3]],
    [[4, 1, 3], [2, 1], [4, 2, 3]],
    [[], [2, 3], [2, 3]],
    [[5], [], [5]],
    [[1], [0], [0]],
    [[8, 1, 6, 1], [7, 1, 5], [8, 7, 6, 5]],
  ];
  for (const [a, b, want] of cases) {
    assert.deepEqual(broadcastShapes('add', a, b), want, `${a} with ${b}`);
    assert.deepEqual(broadcastShapes('add', b, a), want, `${b} with ${a}`);
  }
});

test('a broadcasting failure names the op, both shapes and the axis', () => {
  assert.throws(
    () => broadcastShapes('mul', [2, 3], [4, 3]),
    (e: Error) => e instanceof ShapeError && e.message === 'mul: shapes [2, 3] and [4, 3] cannot be broadcast together (axis 0 of the result: 2 vs 4; sizes must match or one of them be 1)',
  );
  assert.throws(() => broadcastShapes('add', [3], [0]), /add: shapes \[3\] and \[0\]/);
});

test('strides, sizes and broadcast strides', () => {
  assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(stridesOf([]), []);
  assert.equal(sizeOf([2, 3, 4]), 24);
  assert.equal(sizeOf([]), 1);
  assert.equal(sizeOf([3, 0]), 0);
  assert.deepEqual(broadcastStrides([3, 1], [2, 3, 4]), [0, 1, 0]);
  assert.deepEqual(broadcastStrides([4], [2, 4]), [0, 1]);
});

test('axes: negative axes count from the end; out of range names the op and rank', () => {
  assert.equal(normalizeAxis('sum', -1, 3), 2);
  assert.equal(normalizeAxis('sum', 0, 3), 0);
  assert.throws(() => normalizeAxis('sum', 3, 3), (e: Error) => e instanceof ValueError && e.message === 'sum: axis 3 is out of range for a tensor of rank 3');
  assert.throws(() => normalizeAxis('sum', -4, 3), ValueError);
  assert.throws(() => normalizeAxis('sum', 0.5, 3), ValueError);
  assert.deepEqual(normalizeAxes('sum', undefined, 3), [0, 1, 2]);
  assert.deepEqual(normalizeAxes('sum', [2, -3, 0], 3), [0, 2]);
  assert.deepEqual(reducedShape([2, 3, 4], [0, 2], false), [3]);
  assert.deepEqual(reducedShape([2, 3, 4], [0, 2], true), [1, 3, 1]);
});

test('checkShape accepts whole sizes ≥ 0 and names the op otherwise', () => {
  assert.deepEqual(checkShape('zeros', [2, 0, 3]), [2, 0, 3]);
  assert.throws(() => checkShape('zeros', [2, NaN]), (e: Error) => e instanceof ShapeError && /^zeros: invalid shape/.test(e.message));
});
