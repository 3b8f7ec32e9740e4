import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/data/csv.js';
import { BUILTIN_DATASETS, builtinDataset, isBuiltinDataset, numericDataset } from '../../src/data/builtin.js';
import { DataError, ValueError } from '../../src/tensor/errors.js';

test('gates list rows 00, 01, 10, 11 with their truth tables', () => {
  const inputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
  assert.deepEqual(builtinDataset('or'), { name: 'or', inputs, targets: [[0], [1], [1], [1]], inputNames: ['x1', 'x2'], targetNames: ['y'] });
  assert.deepEqual(builtinDataset('and').targets, [[0], [0], [0], [1]]);
  assert.deepEqual(builtinDataset('xor').targets, [[0], [1], [1], [0]]);
  assert.deepEqual(builtinDataset('xor').inputs, inputs);
});

test("seed 003's double: inputs 0..4, targets 2·input", () => {
  const d = builtinDataset('double');
  assert.deepEqual(d.inputs, [[0], [1], [2], [3], [4]]);
  assert.deepEqual(d.targets, [[0], [2], [4], [6], [8]]);
});

test('each call returns a fresh copy; the list and the name check agree', () => {
  const a = builtinDataset('or');
  a.inputs[0][0] = 9;
  assert.equal(builtinDataset('or').inputs[0][0], 0);
  assert.deepEqual([...BUILTIN_DATASETS], ['or', 'and', 'xor', 'double']);
  for (const n of BUILTIN_DATASETS) assert.ok(isBuiltinDataset(n));
  assert.ok(!isBuiltinDataset('data.csv'));
});

test('an unknown name lists the built-in datasets', () => {
  assert.throws(() => builtinDataset('nand'), (e: unknown) =>
    e instanceof ValueError && e.message === 'builtinDataset: unknown dataset "nand"; the built-in datasets are "or", "and", "xor", "double"');
});

test('numericDataset reads a CSV as raw numbers in the same shape', () => {
  const d = numericDataset(parseCsv('x1,id,x2,y\n0,7,1,1\n1,8,1,0\n', { source: 'g.csv' }), { target: 'y', exclude: ['id'] });
  assert.deepEqual(d, { name: 'g.csv', inputs: [[0, 1], [1, 1]], targets: [[1], [0]], inputNames: ['x1', 'x2'], targetNames: ['y'] });
  const two = numericDataset(parseCsv('a,t1,t2\n1,2,3\n'), { target: ['t1', 't2'] });
  assert.deepEqual(two.targets, [[2, 3]]);
  assert.throws(() => numericDataset(parseCsv('a,y\n1,x\n', { source: 'g.csv' }), { target: 'y' }),
    (e: unknown) => e instanceof DataError && /^g\.csv line 2, column "y": "x" is not a number/.test(e.message));
  assert.throws(() => numericDataset(parseCsv('a,y\n1,NA\n', { source: 'g.csv' }), { target: 'y' }), /line 2, column "y": missing value/);
  assert.throws(() => numericDataset(parseCsv('a,y\n1,2\n', { source: 'g.csv' }), { target: 'z' }), /g\.csv: no column "z"; the columns are "a", "y"/);
});
