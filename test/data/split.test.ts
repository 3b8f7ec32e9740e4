import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeRows, trainTestSplit } from '../../src/data/split.js';
import { ShapeError, ValueError } from '../../src/tensor/errors.js';

test('a split is a seeded permutation cut at round(n · fraction)', () => {
  const { train, test: held } = trainTestSplit(10, 0.2, 42);
  assert.equal(train.length, 8);
  assert.equal(held.length, 2);
  assert.deepEqual([...train, ...held].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(trainTestSplit(10, 0.2, 42), { train, test: held });
  assert.notDeepEqual(trainTestSplit(10, 0.2, 43).test.concat(trainTestSplit(10, 0.2, 43).train), [...held, ...train]);
  assert.notDeepEqual(train, [...train].sort((a, b) => a - b)); // shuffled, not in order
});

test('edge sizes: fraction 0, tiny n, at least one row on each side', () => {
  assert.equal(trainTestSplit(5, 0, 1).test.length, 0);
  assert.equal(trainTestSplit(5, 0, 1).train.length, 5);
  assert.deepEqual(trainTestSplit(0, 0.5, 1), { train: [], test: [] });
  assert.equal(trainTestSplit(10, 0.01, 1).test.length, 1);
  assert.equal(trainTestSplit(10, 0.99, 1).train.length, 1);
  assert.equal(trainTestSplit(1, 0.5, 1).train.length + trainTestSplit(1, 0.5, 1).test.length, 1);
});

test('takeRows copies the chosen rows in order', () => {
  const data = new Float32Array([1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...takeRows(data, 2, [2, 0, 2])], [5, 6, 1, 2, 5, 6]);
  assert.deepEqual([...takeRows(data, 3, [])], []);
});

test('bad arguments', () => {
  assert.throws(() => trainTestSplit(10, 1, 0), ValueError);
  assert.throws(() => trainTestSplit(-1, 0.2, 0), ValueError);
  assert.throws(() => trainTestSplit(10, 0.2, Infinity), /seed must be a finite number/);
  assert.throws(() => takeRows(new Float32Array(5), 2, [0]), ShapeError);
  assert.throws(() => takeRows(new Float32Array(6), 2, [3]), /index 3 at position 0 is out of range for 3 rows/);
  assert.throws(() => takeRows(new Float32Array(6), 0, [0]), ValueError);
});
