/**
 * Tensor construction and the factories: from numbers, nested arrays and typed arrays (shared, not
 * copied, when the dtype matches), dtypes, the shape option, properties and item/toArray/detach/clone,
 * and the errors for ragged data, unknown options and bad shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError, ShapeError, Tensor, ValueError, assertFinite, full, ones, rand, randn, tensor, zeros } from '../../src/index.js';

test('from a number: a scalar of shape []', () => {
  const t = tensor(3.5);
  assert.deepEqual(t.shape, []);
  assert.equal(t.size, 1);
  assert.equal(t.rank, 0);
  assert.equal(t.item(), 3.5);
  assert.equal(t.toArray(), 3.5);
  assert.equal(t.dtype, 'float32');
  assert.equal(t.requiresGrad, false);
  assert.equal(t.grad, null);
});

test('from nested arrays: shape inferred, data row-major, float32 by default', () => {
  const t = tensor([[[1, 2], [3, 4], [5, 6]]]);
  assert.deepEqual(t.shape, [1, 3, 2]);
  assert.ok(t.data instanceof Float32Array);
  assert.deepEqual(Array.from(t.data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(t.toArray(), [[[1, 2], [3, 4], [5, 6]]]);
  // float32 storage rounds; float64 keeps the decimal's nearest double.
  assert.equal(tensor([0.1]).data[0], Math.fround(0.1));
  const d = tensor([0.1], { dtype: 'float64' });
  assert.ok(d.data instanceof Float64Array);
  assert.equal(d.data[0], 0.1);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[], []]).shape, [2, 0]);
  assert.deepEqual(tensor([[], []]).toArray(), [[], []]);
});

test('from a typed array: shared when the dtype matches, copied when it does not', () => {
  const f32 = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = tensor(f32, { shape: [2, 3] });
  assert.equal(t.data, f32, 'no copy');
  assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  const f64 = tensor(new Float64Array([1, 2]));
  assert.equal(f64.dtype, 'float64');
  assert.deepEqual(f64.shape, [2]);
  const converted = tensor(f32, { dtype: 'float64' });
  assert.notEqual(converted.data, f32);
  assert.equal(converted.dtype, 'float64');
  const ints = tensor(new Int32Array([7, -8]));
  assert.equal(ints.dtype, 'float32');
  assert.deepEqual(ints.toArray(), [7, -8]);
  assert.throws(() => tensor(new Float32Array(5), { shape: [2, 3] }), ShapeError);
});

test('the shape option reshapes nested data; a size mismatch names both', () => {
  assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), (e: Error) => e instanceof ShapeError && /^tensor: 3 values cannot take shape \[2, 2\] \(4 elements\)/.test(e.message));
  assert.throws(() => tensor([1, 2], { shape: [-1, 2] }), (e: Error) => e instanceof ShapeError && /^tensor: invalid shape \[-1, 2\]/.test(e.message));
});

test('from another tensor: a copy in the requested dtype', () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor(a);
  assert.notEqual(b.data, a.data);
  assert.equal(b.requiresGrad, false);
  const c = tensor(a, { dtype: 'float64', shape: [2, 1], requiresGrad: true });
  assert.deepEqual(c.toArray(), [[1], [2]]);
  assert.equal(c.dtype, 'float64');
  assert.equal(c.requiresGrad, true);
  b.data[0] = 9;
  assert.equal(a.data[0], 1);
});

test('ragged or non-numeric data is rejected with the path of the offending entry', () => {
  assert.throws(() => tensor([[1, 2], [3]]), (e: Error) => e instanceof ShapeError && /^tensor: ragged nested array: data\[1\] has 1 elements, expected 2/.test(e.message));
  assert.throws(() => tensor([1, [2]] as never), (e: Error) => e instanceof ShapeError && /data\[1\] is an array, expected a number/.test(e.message));
  // Regression: a string or null used to be reported as "is an array".
  assert.throws(() => tensor([1, 'a'] as never), (e: Error) => e instanceof ValueError && /^tensor: data\[1\] is string, expected a number/.test(e.message));
  assert.throws(() => tensor([[1, null]] as never), (e: Error) => e instanceof ValueError && /^tensor: data\[0\]\[1\] is null, expected a number/.test(e.message));
  assert.throws(() => tensor(['x'] as never), (e: Error) => e instanceof ValueError && /^tensor: data\[0\] is string/.test(e.message));
});

test('unknown options and dtypes are errors in tensor() and every factory', () => {
  assert.throws(() => tensor([1], { dtyp: 'float64' } as never), (e: Error) => e instanceof ValueError && /^tensor: unknown option 'dtyp' \(known: dtype, requiresGrad, shape\)/.test(e.message));
  assert.throws(() => tensor([1], { dtype: 'int32' } as never), (e: Error) => e instanceof ValueError && /^tensor: dtype must be 'float32' or 'float64', got 'int32'/.test(e.message));
  // Regression: the factories used to ignore options they did not know.
  assert.throws(() => zeros([2], { seed: 1 } as never), (e: Error) => e instanceof ValueError && /^zeros: unknown option 'seed'/.test(e.message));
  assert.throws(() => ones([2], { shape: [2] } as never), (e: Error) => e instanceof ValueError && /^ones: unknown option 'shape'/.test(e.message));
  assert.throws(() => full([2], 1, { dtype: 'float16' } as never), (e: Error) => e instanceof ValueError && /^full: dtype/.test(e.message));
  assert.throws(() => full([2], '1' as never), (e: Error) => e instanceof ValueError && /^full: value must be a number/.test(e.message));
  assert.throws(() => rand([2], { sed: 1 } as never), (e: Error) => e instanceof ValueError && /^rand: unknown option 'sed' \(known: dtype, requiresGrad, seed, random\)/.test(e.message));
  assert.throws(() => randn([2], { mean: 1 } as never), (e: Error) => e instanceof ValueError && /^randn: unknown option 'mean'/.test(e.message));
  assert.throws(() => zeros([2, 1.5]), (e: Error) => e instanceof ShapeError && /^zeros: invalid shape \[2, 1.5\]/.test(e.message));
});

test('zeros, ones, full, rand and randn: shape, values, dtype, requiresGrad', () => {
  assert.deepEqual(zeros([2, 3]).toArray(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(ones([2]).toArray(), [1, 1]);
  assert.deepEqual(full([2, 1], 0.5, { dtype: 'float64' }).toArray(), [[0.5], [0.5]]);
  assert.equal(full([1], 2, { dtype: 'float64' }).dtype, 'float64');
  assert.equal(zeros([3], { requiresGrad: true }).requiresGrad, true);
  assert.deepEqual(zeros([0, 4]).shape, [0, 4]);
  const u = rand([1000], { seed: 1 });
  assert.ok(u.data.every((v) => v >= 0 && v < 1));
  assert.deepEqual(u.data, rand([1000], { seed: 1 }).data);
  assert.notDeepEqual(u.data, rand([1000], { seed: 2 }).data);
  const n = randn([2, 3], { seed: 1, dtype: 'float64', requiresGrad: true });
  assert.deepEqual(n.shape, [2, 3]);
  assert.equal(n.dtype, 'float64');
  assert.equal(n.requiresGrad, true);
});

test('item() needs exactly one element; toArray() nests; toString() shows shape and dtype', () => {
  assert.equal(tensor([[7]]).item(), 7);
  assert.throws(() => tensor([1, 2]).item(), (e: Error) => e instanceof ShapeError && /^item: .*shape \[2\]/.test(e.message));
  assert.deepEqual(tensor([[1, 2], [3, 4]]).toArray(), [[1, 2], [3, 4]]);
  assert.equal(tensor([1, 2], { requiresGrad: true }).toString(), 'tensor([1,2], shape=[2], dtype=float32, requiresGrad)');
});

test('detach shares storage without the graph; clone copies; to() converts', () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const y = a.mul(2);
  const d = y.detach();
  assert.equal(d.data, y.data);
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  const c = a.clone();
  assert.notEqual(c.data, a.data);
  assert.deepEqual(c.toArray(), [1, 2]);
  assert.equal(a.to('float32'), a);
  const f = a.to('float64');
  assert.equal(f.dtype, 'float64');
  assert.deepEqual(f.toArray(), [1, 2]);
});

test('the constructor refuses data that does not fill the shape', () => {
  assert.throws(() => new Tensor(new Float32Array(3), [2, 2]), (e: Error) => e instanceof ShapeError && /3 elements cannot have shape \[2, 2\]/.test(e.message));
  assert.ok(Object.isFrozen(new Tensor(new Float32Array(4), [2, 2]).shape));
});

test('assertFinite names the element that is NaN or infinite', () => {
  assertFinite(tensor([1, 2]), 'weights');
  assert.throws(() => assertFinite(tensor([1, NaN]), 'weights'), (e: Error) => e instanceof DataError && /^weights: element 1 is NaN/.test(e.message));
  assert.throws(() => assertFinite(tensor([Infinity]), 'x'), /element 0 is Infinity/);
});
