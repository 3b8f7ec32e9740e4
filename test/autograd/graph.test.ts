/**
 * The tape: fan-out sums, accumulation across backward() calls, noGrad, explicit upstream gradients,
 * retained intermediate gradients, broadcasting undone once, the errors backward() raises, and a graph
 * 100,000 ops deep (the walk is iterative, so it cannot overflow the call stack).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError, Tensor, ValueError, backward, isGradEnabled, noGrad, tensor } from '../../src/index.js';

test('fan-out: for y = a·a + a, dy/da = 2a + 1', () => {
  for (const a0 of [-3, 0, 0.5, 4]) {
    const a = tensor(a0, { requiresGrad: true });
    const y = a.mul(a).add(a);
    y.backward();
    assert.equal(y.item(), a0 * a0 + a0);
    assert.equal(a.grad!.item(), 2 * a0 + 1);
  }
  // The same rule element-wise on a vector.
  const v = tensor([1, -2, 3], { requiresGrad: true });
  v.mul(v).add(v).sum().backward();
  assert.deepEqual(v.grad!.toArray(), [3, -3, 7]);
});

test('a diamond (one tensor reaching the output by two paths) sums both paths', () => {
  const x = tensor(2, { requiresGrad: true, dtype: 'float64' });
  const u = x.mul(3); // du/dx = 3
  const y = u.exp().add(u.mul(u)); // dy/du = e^u + 2u
  y.backward();
  assert.ok(Math.abs(x.grad!.item() - 3 * (Math.exp(6) + 12)) < 1e-9);
});

test('gradients accumulate across backward() calls until zeroGrad()', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const loss = () => w.mul(tensor([3, 4])).sum();
  loss().backward();
  assert.deepEqual(w.grad!.toArray(), [3, 4]);
  loss().backward();
  assert.deepEqual(w.grad!.toArray(), [6, 8]);
  // The same graph can be walked twice, too.
  const l = loss();
  l.backward();
  l.backward();
  assert.deepEqual(w.grad!.toArray(), [12, 16]);
  w.zeroGrad();
  assert.equal(w.grad, null);
  loss().backward();
  assert.deepEqual(w.grad!.toArray(), [3, 4]);
});

test('a leaf gradient is its own copy: later accumulation never writes into another tensor', () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const seed = tensor([5, 6]);
  a.mul(1).backward(seed);
  a.mul(1).backward(seed);
  assert.deepEqual(seed.toArray(), [5, 6]);
  assert.deepEqual(a.grad!.toArray(), [10, 12]);
});

test('only tensors that require a gradient get one, and results of ops on them require one', () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4]);
  const c = a.mul(b);
  assert.equal(c.requiresGrad, true);
  assert.equal(c.gradFn?.op, 'mul');
  assert.equal(b.mul(2).requiresGrad, false);
  c.sum().backward();
  assert.deepEqual(a.grad!.toArray(), [3, 4]);
  assert.equal(b.grad, null);
  assert.equal(c.grad, null, 'intermediate gradients are not kept unless retainGrad() was called');
});

test('retainGrad() keeps an intermediate gradient', () => {
  const a = tensor([1, 2, 3], { requiresGrad: true });
  const h = a.mul(2).retainGrad();
  h.mul(h).sum().backward();
  assert.deepEqual(h.grad!.toArray(), [4, 8, 12]); // d(h²)/dh = 2h
  assert.deepEqual(a.grad!.toArray(), [8, 16, 24]);
});

test('broadcasting is undone in the gradient: a bias added to every row gets the column sums', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const b = tensor([10, 20, 30], { requiresGrad: true });
  const s = tensor([[1], [2]], { requiresGrad: true }); // [2, 1] broadcast along columns
  const k = tensor(2, { requiresGrad: true }); // a scalar broadcast everywhere
  x.add(b).mul(s).mul(k).sum().backward();
  assert.deepEqual(b.grad!.shape, [3]);
  assert.deepEqual(b.grad!.toArray(), [6, 6, 6]); // Σ over rows of s·k = (1 + 2)·2
  assert.deepEqual(s.grad!.shape, [2, 1]);
  assert.deepEqual(s.grad!.toArray(), [[2 * (11 + 22 + 33)], [2 * (14 + 25 + 36)]]);
  assert.deepEqual(k.grad!.shape, []);
  assert.equal(k.grad!.item(), 11 + 22 + 33 + 2 * (14 + 25 + 36));
  assert.deepEqual(x.grad!.toArray(), [[2, 2, 2], [4, 4, 4]]);
});

test('backward(gradient) takes an explicit upstream gradient for a non-scalar output', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x);
  y.backward(tensor([1, 0, -1]));
  assert.deepEqual(x.grad!.toArray(), [2, 0, -6]);
  // The function form does the same.
  const z = tensor([1, 2], { requiresGrad: true });
  backward(z.mul(3), tensor([1, 1]));
  assert.deepEqual(z.grad!.toArray(), [3, 3]);
});

test('backward() errors: not a scalar, wrong gradient shape, nothing requires a gradient', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  assert.throws(() => x.mul(2).backward(), (e: Error) => e instanceof ShapeError && /^backward: .*\[3\].*not a scalar.*t\.backward\(grad\)/.test(e.message));
  assert.throws(() => x.mul(2).backward(tensor([1, 2])), (e: Error) => e instanceof ShapeError && /^backward: gradient of shape \[2\] .* \[3\]/.test(e.message));
  assert.throws(() => tensor([1]).mul(2).sum().backward(), (e: Error) => e instanceof ValueError && /^backward: .*requiresGrad: true/.test(e.message));
});

test('a one-element tensor of any rank counts as a scalar for backward()', () => {
  const x = tensor([[2]], { requiresGrad: true });
  x.mul(x).backward();
  assert.deepEqual(x.grad!.toArray(), [[4]]);
});

test('noGrad records nothing, nests, and restores the previous state even when fn throws', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => w.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.deepEqual(y.toArray(), [2, 4]);
  assert.equal(isGradEnabled(), true);
  noGrad(() => {
    noGrad(() => assert.equal(isGradEnabled(), false));
    assert.equal(isGradEnabled(), false);
  });
  assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
  assert.equal(isGradEnabled(), true);
  assert.equal(w.mul(2).requiresGrad, true);
});

test('detach() cuts the graph but shares the values', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const d = x.mul(3).detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  const y = x.mul(d).sum(); // d is a constant here: dy/dx = d = 3x
  y.backward();
  assert.deepEqual(x.grad!.toArray(), [3, 6]);
});

test('a graph 100,000 ops deep back-propagates without overflowing the stack', () => {
  const x = tensor(0.5, { requiresGrad: true, dtype: 'float64' });
  let y: Tensor = x;
  for (let i = 0; i < 100_000; i++) y = y.add(1e-5);
  y.backward();
  assert.ok(Math.abs(y.item() - 1.5) < 1e-9);
  assert.equal(x.grad!.item(), 1);
  // Deep and with fan-out at every level: each step is y ← y·c + y, so dy/dx multiplies by (c + 1).
  const z = tensor(1, { requiresGrad: true, dtype: 'float64' });
  let w: Tensor = z;
  for (let i = 0; i < 50_000; i++) w = w.mul(-1e-6).add(w);
  w.backward();
  const expected = Math.pow(1 - 1e-6, 50_000);
  assert.ok(Math.abs(z.grad!.item() - expected) < 1e-9, `${z.grad!.item()} vs ${expected}`);
});
