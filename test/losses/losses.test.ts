// Each loss against numbers worked by hand, its gradient against central differences, and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor, gradcheck, sigmoid, mse, sse, mae, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, lossByName,
} from '../../src/index.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });

test('mse is the mean of squared errors', () => {
  close(mse(f64([1, 2, 3]), f64([1, 4, 6])).item(), (0 + 4 + 9) / 3);
});

test('sse reproduces seed 003: W = 3 on inputs 0..4, targets 2x, gives 30', () => {
  const x = [0, 1, 2, 3, 4];
  close(sse(f64(x.map((v) => 3 * v)), f64(x.map((v) => 2 * v))).item(), 30);
  close(sse(f64(x.map((v) => 3.0001 * v)), f64(x.map((v) => 2 * v))).item(), 30.006, 1e-6);
});

test('mae is the mean absolute error', () => {
  close(mae(f64([1, -2]), f64([2, 2])).item(), (1 + 4) / 2);
});

test('bce on probabilities matches −mean(t log p + (1−t) log(1−p))', () => {
  const expected = -(Math.log(0.9) + Math.log(1 - 0.2)) / 2;
  close(binaryCrossEntropy(f64([0.9, 0.2]), f64([1, 0])).item(), expected);
});

test('bce clamps probabilities of exactly 0 and 1 instead of returning Infinity', () => {
  const v = binaryCrossEntropy(f64([0, 1]), f64([1, 0])).item();
  assert.ok(Number.isFinite(v));
  close(v, -Math.log(1e-7), 1e-6);
});

test('bce from logits equals bce of the sigmoid, and stays finite at logits of ±1000', () => {
  const z = f64([-2, 0.5, 3]);
  const t = f64([0, 1, 1]);
  close(binaryCrossEntropyWithLogits(z, t).item(), binaryCrossEntropy(sigmoid(z), t).item(), 1e-9);
  const extreme = binaryCrossEntropyWithLogits(f64([1000, -1000]), f64([0, 1])).item();
  close(extreme, 1000, 1e-9);
});

test('bce from logits has the true gradient σ(z) − t at exactly z = 0 (regression: the |z| form gave −t)', () => {
  const z = tensor([0, 0, 2], { dtype: 'float64', requiresGrad: true });
  binaryCrossEntropyWithLogits(z, f64([1, 0, 1])).backward();
  const g = Array.from(z.grad!.data);
  close(g[0], (0.5 - 1) / 3, 1e-12);
  close(g[1], (0.5 - 0) / 3, 1e-12);
  close(g[2], (1 / (1 + Math.exp(-2)) - 1) / 3, 1e-12);
});

test('crossEntropy takes class indices or one-hot rows and agrees with −log softmax', () => {
  const logits = f64([[2, 0, -1], [0, 1, 0]]);
  const p0 = Math.exp(2) / (Math.exp(2) + 1 + Math.exp(-1));
  const p1 = Math.exp(1) / (2 + Math.exp(1));
  const expected = -(Math.log(p0) + Math.log(p1)) / 2;
  close(crossEntropy(logits, [0, 1]).item(), expected);
  close(crossEntropy(logits, f64([[1, 0, 0], [0, 1, 0]])).item(), expected);
  close(crossEntropy(logits, tensor([0, 1])).item(), expected);
  assert.ok(Number.isFinite(crossEntropy(f64([[1000, 0]]), [1]).item()));
});

test('every loss has a correct gradient (central differences, float64)', () => {
  const pred = f64([[0.2, 0.7], [0.6, 0.1]]);
  const target = f64([[0, 1], [1, 0]]);
  for (const [name, fn] of Object.entries({ mse, sse, mae, binaryCrossEntropy, binaryCrossEntropyWithLogits })) {
    const r = gradcheck((p) => fn(p, target), [pred]);
    assert.ok(r.ok, `${name}: ${JSON.stringify(r.worst)}`);
  }
  const r = gradcheck((z) => crossEntropy(z, [1, 0]), [f64([[0.3, -1.2], [2, 0.5]])]);
  assert.ok(r.ok);
});

test('loss errors name the loss and both shapes', () => {
  assert.throws(() => mse(tensor([1, 2]), tensor([1, 2, 3])), /mse: predictions \[2\] and targets \[3\]/);
  assert.throws(() => crossEntropy(tensor([[1, 2]]), [2]), /crossEntropy: target 0 is 2, expected a class index 0\.\.1/);
  assert.throws(() => lossByName('hinge' as never), /unknown loss 'hinge'/);
});
