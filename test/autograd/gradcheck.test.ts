/**
 * gradcheck itself: it passes right gradients, catches wrong ones (including a transposition bug that
 * a plain sum would hide), reports where the worst disagreement is, and rejects unknown options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, ValueError, gradcheck, tensor } from '../../src/index.js';
import { record } from '../../src/autograd/graph.js';
import { permuteInto } from '../../src/ops/kernels.js';

/** A transpose whose backward forgets to transpose back: shapes still fit for a square matrix. */
function badTranspose(x: Tensor): Tensor {
  const out = new Tensor(new Float64Array(x.size), [x.shape[1], x.shape[0]]);
  permuteInto(out.data, x.data, x.shape, [1, 0]);
  return record(out, 'badTranspose', [x], (g) => [g]);
}

/** x² with a gradient that is off by a tiny 1e-3 at one element. */
function almostSquare(x: Tensor): Tensor {
  const out = x.data.map((v) => v * v);
  return record(new Tensor(out, x.shape), 'almostSquare', [x], (g) => {
    const d = x.data.map((v, i) => 2 * v * g.data[i] + (i === 2 ? 1e-3 : 0));
    return [new Tensor(d, x.shape)];
  });
}

test('a correct gradient passes with errors near float64 rounding', () => {
  const r = gradcheck((a, b) => a.mul(b).add(a.exp()), [tensor([0.5, -1, 2]), tensor([1, 2, 3])]);
  assert.equal(r.ok, true);
  assert.ok(r.maxAbsError < 1e-7, `maxAbsError ${r.maxAbsError}`);
  assert.equal(r.analytic.length, 2);
  assert.ok(r.analytic[0] instanceof Float64Array);
  // Both inputs see the same random output weight w: ∂/∂b = w·a and ∂/∂a = w·(b + eᵃ).
  const a = [0.5, -1, 2], b = [1, 2, 3];
  a.forEach((ai, i) => {
    const ratio = r.analytic[1][i] / r.analytic[0][i];
    assert.ok(Math.abs(ratio - ai / (b[i] + Math.exp(ai))) < 1e-12, `element ${i}: ratio ${ratio}`);
  });
});

test('a transposition bug that a plain sum hides is caught by the random output weighting', () => {
  const x = tensor([[1, 2], [3, 4]]);
  // With every output weighted 1 the wrong gradient is all ones, exactly like the right one…
  const plain = x.clone();
  plain.requiresGrad = true;
  badTranspose(plain).sum().backward();
  assert.deepEqual(plain.grad!.toArray(), [[1, 1], [1, 1]]);
  // …but gradcheck weights outputs randomly, so it sees the mismatch.
  const r = gradcheck(badTranspose, [x]);
  assert.equal(r.ok, false);
  assert.ok(r.worst !== null && (r.worst.index === 1 || r.worst.index === 2), `worst ${JSON.stringify(r.worst)}`);
});

test('a small error at one element is found and located', () => {
  const r = gradcheck(almostSquare, [tensor([1, 2, 3, 4])]);
  assert.equal(r.ok, false);
  assert.deepEqual({ input: r.worst!.input, index: r.worst!.index }, { input: 0, index: 2 });
  assert.ok(Math.abs(r.maxAbsError - 1e-3) < 1e-6, `maxAbsError ${r.maxAbsError}`);
  assert.ok(Math.abs(r.worst!.analytic - r.worst!.numerical) > 9e-4);
  // A looser tolerance accepts it.
  assert.equal(gradcheck(almostSquare, [tensor([1, 2, 3, 4])], { atol: 1e-2 }).ok, true);
});

test('inputs are checked in float64 whatever their dtype, and the caller’s tensors are untouched', () => {
  const x = tensor([0.1, 0.2, 0.3]); // float32
  const r = gradcheck((a) => a.mul(a).mul(a), [x]);
  assert.equal(r.ok, true);
  assert.ok(r.maxAbsError < 1e-8);
  assert.equal(x.requiresGrad, false);
  assert.equal(x.grad, null);
  assert.equal(x.dtype, 'float32');
});

test('an input the function ignores gets a zero gradient and still passes', () => {
  const r = gradcheck((a) => a.mul(2), [tensor([1, 2]), tensor([5])]);
  assert.equal(r.ok, true);
  assert.deepEqual([...r.analytic[1]], [0]);
  assert.deepEqual([...r.numerical[1]], [0]);
});

test('NaN gradients fail the check', () => {
  const r = gradcheck((a) => a.log(), [tensor([-1, 2])]);
  assert.equal(r.ok, false);
  assert.ok(Number.isNaN(r.maxAbsError));
});

test('unknown and invalid options are errors', () => {
  assert.throws(() => gradcheck((a) => a, [tensor([1])], { epsilon: 1 } as never), (e: Error) => e instanceof ValueError && /^gradcheck: unknown option 'epsilon'/.test(e.message));
  assert.throws(() => gradcheck((a) => a, [tensor([1])], { eps: 0 }), (e: Error) => e instanceof ValueError && /^gradcheck: eps must be > 0/.test(e.message));
});
