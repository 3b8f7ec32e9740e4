/**
 * Forward values of every op against hand-computed numbers, the method and function forms agreeing,
 * numbers as operands, dtype promotion, numerical stability (softmax at logits of 1000) and the error
 * messages users see (a mismatch names the op and both shapes). Gradients live in gradients.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../../src/ops/index.js';
import { BackpropError, ShapeError, Tensor, ValueError, tensor, type NestedArray } from '../../src/index.js';

/** Asserts nested arrays are equal within `tol` (float32 results are not exact decimals). */
function close(actual: NestedArray, expected: NestedArray, tol = 1e-6, path = 'value'): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${path}: expected a number, got ${JSON.stringify(actual)}`);
    const a = actual as number;
    if (Number.isNaN(expected)) return assert.ok(Number.isNaN(a), `${path}: expected NaN, got ${a}`);
    if (!Number.isFinite(expected)) return assert.equal(a, expected, path);
    assert.ok(Math.abs(a - expected) <= tol * Math.max(1, Math.abs(expected)), `${path}: ${a} is not within ${tol} of ${expected}`);
    return;
  }
  assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
  assert.equal(actual.length, expected.length, `${path}: length`);
  expected.forEach((e, i) => close((actual as NestedArray[])[i], e, tol, `${path}[${i}]`));
}

const m23 = () => tensor([[1, 2, 3], [4, 5, 6]]);

test('add, sub, mul, div and pow: element-wise values with broadcasting', () => {
  close(ops.add(m23(), tensor([10, 20, 30])).toArray(), [[11, 22, 33], [14, 25, 36]]);
  close(ops.sub(m23(), tensor([[1], [2]])).toArray(), [[0, 1, 2], [2, 3, 4]]);
  close(ops.mul(tensor([[1], [2]]), tensor([1, 10, 100])).toArray(), [[1, 10, 100], [2, 20, 200]]);
  close(ops.div(m23(), tensor([2])).toArray(), [[0.5, 1, 1.5], [2, 2.5, 3]]);
  close(ops.pow(m23(), 2).toArray(), [[1, 4, 9], [16, 25, 36]]);
  close(ops.pow(tensor([2, 3]), tensor([3, 0.5])).toArray(), [8, Math.sqrt(3)]);
  // The general strided path: ranks differ and both sides broadcast.
  const a = tensor([[[1, 2, 3]], [[4, 5, 6]]]); // [2, 1, 3]
  const b = tensor([[10], [20]]); // [2, 1]
  const c = ops.add(a, b);
  assert.deepEqual(c.shape, [2, 2, 3]);
  close(c.toArray(), [[[11, 12, 13], [21, 22, 23]], [[14, 15, 16], [24, 25, 26]]]);
});

test('numbers are accepted as operands on either side', () => {
  const x = tensor([1, 2, 4]);
  close(x.mul(2).toArray(), [2, 4, 8]);
  close(x.add(0.5).toArray(), [1.5, 2.5, 4.5]);
  close(ops.sub(10, x).toArray(), [9, 8, 6]);
  close(ops.div(8, x).toArray(), [8, 4, 2]);
  close(ops.pow(2, x).toArray(), [2, 4, 16]);
  assert.equal(ops.add(2, 3).item(), 5);
});

test('unary ops: neg exp log sqrt abs sigmoid tanh relu leakyRelu step clamp', () => {
  const x = tensor([-2, -0.5, 0, 0.5, 2], { dtype: 'float64' });
  close(ops.neg(x).toArray(), [2, 0.5, -0, -0.5, -2]);
  close(ops.exp(x).toArray(), [-2, -0.5, 0, 0.5, 2].map(Math.exp), 1e-12);
  close(ops.log(tensor([1, Math.E, 10], { dtype: 'float64' })).toArray(), [0, 1, Math.log(10)], 1e-12);
  close(ops.sqrt(tensor([4, 9, 2], { dtype: 'float64' })).toArray(), [2, 3, Math.SQRT2], 1e-12);
  close(ops.abs(x).toArray(), [2, 0.5, 0, 0.5, 2]);
  close(ops.sigmoid(x).toArray(), [-2, -0.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v))), 1e-12);
  close(ops.tanh(x).toArray(), [-2, -0.5, 0, 0.5, 2].map(Math.tanh), 1e-12);
  close(ops.relu(x).toArray(), [0, 0, 0, 0.5, 2]);
  close(ops.leakyRelu(x).toArray(), [-0.02, -0.005, 0, 0.5, 2], 1e-12);
  close(ops.leakyRelu(x, 0.2).toArray(), [-0.4, -0.1, 0, 0.5, 2], 1e-12);
  close(ops.step(x).toArray(), [0, 0, 0, 1, 1]);
  close(ops.clamp(x, -1, 1).toArray(), [-1, -0.5, 0, 0.5, 1]);
});

test('sigmoid saturates without overflow or NaN at ±1000, in float32 and float64', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    close(ops.sigmoid(tensor([-1000, 1000], { dtype })).toArray(), [0, 1]);
  }
});

test('step has zero gradient everywhere (the perceptron cannot learn by gradient descent)', () => {
  const x = tensor([-1, 0.3, 2], { requiresGrad: true });
  ops.step(x).mul(tensor([1, 2, 3])).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [0, 0, 0]);
});

test('relu, abs and clamp take gradient 0 at their kinks', () => {
  const x = tensor([0, 0, 0], { requiresGrad: true });
  ops.relu(x).add(ops.abs(x)).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [0, 0, 0]);
  const y = tensor([-2, 0.5, 2], { requiresGrad: true });
  ops.clamp(y, -1, 1).sum().backward();
  assert.deepEqual(y.grad?.toArray(), [0, 1, 0]);
});

test('sum and mean: all, each axis, several axes, negative axes and keepDims', () => {
  const x = tensor([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]); // [2, 3, 2]
  assert.equal(ops.sum(x).item(), 78);
  assert.deepEqual(ops.sum(x).shape, []);
  close(ops.sum(x, 0).toArray(), [[8, 10], [12, 14], [16, 18]]);
  close(ops.sum(x, 1).toArray(), [[9, 12], [27, 30]]);
  close(ops.sum(x, 2).toArray(), [[3, 7, 11], [15, 19, 23]]);
  close(ops.sum(x, -1).toArray(), ops.sum(x, 2).toArray());
  close(ops.sum(x, [0, 2]).toArray(), [18, 26, 34]);
  assert.deepEqual(ops.sum(x, 1, { keepDims: true }).shape, [2, 1, 2]);
  assert.deepEqual(ops.sum(x, undefined, { keepDims: true }).shape, [1, 1, 1]);
  assert.equal(ops.mean(x).item(), 6.5);
  close(ops.mean(x, 1).toArray(), [[3, 4], [9, 10]]);
  close(ops.mean(x, [0, 1], { keepDims: true }).toArray(), [[[6, 7]]]);
});

test('max: values over each axis, and ties share the gradient equally', () => {
  const x = tensor([[1, 5, 2], [7, 3, 7]]);
  assert.equal(ops.max(x).item(), 7);
  close(ops.max(x, 0).toArray(), [7, 5, 7]);
  close(ops.max(x, 1).toArray(), [5, 7]);
  close(ops.max(x, -1, { keepDims: true }).toArray(), [[5], [7]]);
  const t = tensor([[1, 5, 2], [7, 3, 7]], { requiresGrad: true });
  ops.max(t, 1).sum().backward();
  close(t.grad!.toArray(), [[0, 1, 0], [0.5, 0, 0.5]]);
  assert.throws(() => ops.max(tensor([])), (e: Error) => e instanceof ShapeError && /max: .*empty/.test(e.message));
});

test('softmax and logSoftmax: rows sum to 1, any axis, and no overflow at logits of 1000', () => {
  const p = ops.softmax(tensor([[1, 2, 3], [0, 0, 0]], { dtype: 'float64' }));
  const e = [1, 2, 3].map(Math.exp);
  const z = e[0] + e[1] + e[2];
  close(p.toArray(), [e.map((v) => v / z), [1 / 3, 1 / 3, 1 / 3]], 1e-12);
  close(ops.sum(p, 1).toArray(), [1, 1], 1e-12);
  close(ops.sum(ops.softmax(tensor([[1, 2, 3], [4, 5, 9]]), 0), 0).toArray(), [1, 1, 1]);
  for (const dtype of ['float32', 'float64'] as const) {
    const big = tensor([[1000, 1000], [1000, 0], [-1000, 1000]], { dtype });
    close(ops.softmax(big).toArray(), [[0.5, 0.5], [1, 0], [0, 1]]);
    close(ops.logSoftmax(big).toArray(), [[-Math.LN2, -Math.LN2], [0, -1000], [-2000, 0]], 1e-6);
  }
});

test('softmax gradient stays finite at logits of 1000', () => {
  const x = tensor([1000, 999, -1000], { requiresGrad: true });
  ops.softmax(x).mul(tensor([1, 2, 3])).sum().backward();
  assert.ok(x.grad!.toArray() instanceof Array);
  for (const v of x.grad!.data) assert.ok(Number.isFinite(v), `gradient ${v} is not finite`);
});

test('matmul, transpose and reshape values', () => {
  close(ops.matmul(m23(), tensor([[1, 0], [0, 1], [1, 1]])).toArray(), [[4, 5], [10, 11]]);
  close(ops.transpose(m23()).toArray(), [[1, 4], [2, 5], [3, 6]]);
  const x = tensor([[[1, 2], [3, 4], [5, 6]]]); // [1, 3, 2]
  close(ops.transpose(x, [2, 0, 1]).toArray(), [[[1, 3, 5]], [[2, 4, 6]]]);
  close(ops.reshape(m23(), [3, -1]).toArray(), [[1, 2], [3, 4], [5, 6]]);
  const base = m23();
  const r = ops.reshape(base, [6]);
  assert.equal(r.data, base.data, 'reshape shares storage with its input');
});

test('broadcastTo and sumToShape are adjoint: sizes and values', () => {
  const b = ops.broadcastTo(tensor([[1], [2]]), [3, 2, 4]);
  assert.deepEqual(b.shape, [3, 2, 4]);
  assert.equal(ops.sum(b).item(), 3 * 4 * (1 + 2));
  close(ops.sumToShape(b, [2, 1]).toArray(), [[12], [24]]);
  close(ops.sumToShape(m23(), [3]).toArray(), [5, 7, 9]);
});

test('every op of the issue is both a method and a function, and both give the same values', () => {
  const x = tensor([[0.5, -1.5, 2], [1, 0.25, -0.75]], { dtype: 'float64' });
  const pos = tensor([[0.5, 1.5, 2], [1, 0.25, 0.75]], { dtype: 'float64' });
  const w = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' });
  const cases: [string, () => Tensor, () => Tensor][] = [
    ['add', () => x.add(pos), () => ops.add(x, pos)],
    ['sub', () => x.sub(2), () => ops.sub(x, 2)],
    ['mul', () => x.mul(pos), () => ops.mul(x, pos)],
    ['div', () => x.div(pos), () => ops.div(x, pos)],
    ['neg', () => x.neg(), () => ops.neg(x)],
    ['pow', () => pos.pow(1.5), () => ops.pow(pos, 1.5)],
    ['exp', () => x.exp(), () => ops.exp(x)],
    ['log', () => pos.log(), () => ops.log(pos)],
    ['sqrt', () => pos.sqrt(), () => ops.sqrt(pos)],
    ['abs', () => x.abs(), () => ops.abs(x)],
    ['sigmoid', () => x.sigmoid(), () => ops.sigmoid(x)],
    ['tanh', () => x.tanh(), () => ops.tanh(x)],
    ['relu', () => x.relu(), () => ops.relu(x)],
    ['leakyRelu', () => x.leakyRelu(0.1), () => ops.leakyRelu(x, 0.1)],
    ['step', () => x.step(), () => ops.step(x)],
    ['clamp', () => x.clamp(-1, 1), () => ops.clamp(x, -1, 1)],
    ['softmax', () => x.softmax(0), () => ops.softmax(x, 0)],
    ['logSoftmax', () => x.logSoftmax(), () => ops.logSoftmax(x)],
    ['matmul', () => x.matmul(w), () => ops.matmul(x, w)],
    ['sum', () => x.sum(1, { keepDims: true }), () => ops.sum(x, 1, { keepDims: true })],
    ['mean', () => x.mean(0), () => ops.mean(x, 0)],
    ['max', () => x.max(1), () => ops.max(x, 1)],
    ['transpose', () => x.transpose(), () => ops.transpose(x)],
    ['reshape', () => x.reshape([3, 2]), () => ops.reshape(x, [3, 2])],
    ['broadcastTo', () => x.broadcastTo([2, 2, 3]), () => ops.broadcastTo(x, [2, 2, 3])],
  ];
  for (const [name, method, fn] of cases) {
    assert.equal(typeof (Tensor.prototype as unknown as Record<string, unknown>)[name], 'function', `${name} is not a method`);
    const a = method(), b = fn();
    assert.deepEqual(a.shape, b.shape, name);
    assert.deepEqual([...a.data], [...b.data], name);
  }
});

test('dtypes: float64 wins when mixed, number operands keep the tensor dtype', () => {
  const f32 = tensor([1, 2]);
  const f64 = tensor([1, 2], { dtype: 'float64' });
  assert.equal(f32.add(f64).dtype, 'float64');
  assert.equal(f64.mul(f32).dtype, 'float64');
  assert.equal(f32.mul(0.1).dtype, 'float32');
  assert.equal(f64.mul(0.1).dtype, 'float64');
  assert.equal(ops.matmul(tensor([[1]]), tensor([[2]], { dtype: 'float64' })).dtype, 'float64');
  // A gradient comes back in the dtype of the tensor it belongs to.
  const a = tensor([1, 2], { requiresGrad: true });
  a.mul(f64).sum().backward();
  assert.equal(a.grad!.dtype, 'float32');
  close(a.grad!.toArray(), [1, 2]);
});

test('shape mismatches name the op and both shapes', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([1, 2]);
  for (const op of ['add', 'sub', 'mul', 'div', 'pow'] as const) {
    assert.throws(
      () => ops[op](a, b),
      (e: Error) => e instanceof ShapeError && e.message.startsWith(`${op}:`) && e.message.includes('[2, 3]') && e.message.includes('[2]'),
      op,
    );
  }
  assert.throws(() => a.add(b), /^ShapeError: add: shapes \[2, 3\] and \[2\] cannot be broadcast/);
  assert.throws(() => ops.matmul(a, a), (e: Error) => e instanceof ShapeError && /^matmul: .*\[2, 3\] and \[2, 3\]/.test(e.message));
  assert.throws(() => ops.matmul(b, a), (e: Error) => e instanceof ShapeError && /^matmul: .*2-D.*\[2\] and \[2, 3\]/.test(e.message));
  assert.throws(() => ops.reshape(a, [4]), (e: Error) => e instanceof ShapeError && /^reshape: .*\[2, 3\].*\[4\]/.test(e.message));
  assert.throws(() => ops.broadcastTo(a, [3, 3]), (e: Error) => e instanceof ShapeError && /^broadcastTo: .*\[2, 3\].*\[3, 3\]/.test(e.message));
  assert.throws(() => ops.transpose(a, [0, 0]), (e: Error) => e instanceof ValueError && /^transpose: /.test(e.message));
});

test('bad arguments are BackpropErrors that name the op and the argument', () => {
  assert.throws(() => ops.sum(tensor([1, 2]), 1), (e: Error) => e instanceof ValueError && /^sum: axis 1 is out of range .* rank 1/.test(e.message));
  assert.throws(() => ops.softmax(tensor([[1, 2]]), 2), (e: Error) => e instanceof ValueError && /^softmax: axis 2/.test(e.message));
  assert.throws(() => ops.exp(3 as unknown as Tensor), (e: Error) => e instanceof ValueError && /^exp: argument 'x' must be a Tensor/.test(e.message));
  assert.throws(() => ops.add(tensor([1]), 'a' as unknown as number), (e: Error) => e instanceof BackpropError && /^add: argument 'b'/.test(e.message));
  assert.throws(() => ops.leakyRelu(tensor([1]), NaN), (e: Error) => e instanceof ValueError && /^leakyRelu: alpha/.test(e.message));
  // Regressions: a reversed or missing clamp range, and misspelt reduction options, used to pass silently.
  assert.throws(() => ops.clamp(tensor([1]), 1, 0), (e: Error) => e instanceof ValueError && /^clamp: need numbers min ≤ max, got min 1 and max 0/.test(e.message));
  assert.throws(() => ops.clamp(tensor([1]), 0, NaN), ValueError);
  assert.throws(() => ops.sum(tensor([[1]]), 0, { keepdims: true } as never), (e: Error) => e instanceof ValueError && e.message === "sum: unknown option 'keepdims' (known: keepDims)");
  assert.throws(() => ops.mean(tensor([[1]]), 0, { keepdim: true } as never), (e: Error) => e instanceof ValueError && /^mean: unknown option 'keepdim'/.test(e.message));
  assert.throws(() => tensor([[1]]).max(0, { dims: 1 } as never), (e: Error) => e instanceof ValueError && /^max: unknown option 'dims'/.test(e.message));
});
