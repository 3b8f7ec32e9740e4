/**
 * Seed 002 reproduced: g = x·y + z at x = 3, y = −4, z = 2 gives f = −12, g = −10, ∂g/∂x = −4,
 * ∂g/∂y = 3, ∂g/∂z = 1, and one step of learning rate 0.1 down the gradient lowers g by 2.72.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main, seed002 } from '../../examples/seed002-graph.js';
import { tensor } from '../../src/index.js';

test('seed 002: forward values and every gradient from one backward()', () => {
  const r = seed002();
  assert.equal(r.f, -12);
  assert.equal(r.g, -10);
  assert.equal(r.dgdx, -4);
  assert.equal(r.dgdy, 3);
  assert.equal(r.dgdz, 1);
});

test('seed 002: one step of learning rate 0.1 lowers g by 2.72', () => {
  const r = seed002(0.1);
  assert.ok(Math.abs(r.x1 - 3.4) < 1e-12 && Math.abs(r.y1 + 4.3) < 1e-12 && Math.abs(r.z1 - 1.9) < 1e-12);
  assert.ok(Math.abs(r.gAfter + 12.72) < 1e-12, `g after the step is ${r.gAfter}`);
  assert.ok(Math.abs(r.decrease - 2.72) < 1e-12, `g fell by ${r.decrease}`);
});

test('seed 002 in float32 too (the default dtype): the same gradients, exactly', () => {
  const x = tensor(3, { requiresGrad: true }), y = tensor(-4, { requiresGrad: true }), z = tensor(2, { requiresGrad: true });
  const g = x.mul(y).add(z);
  g.backward();
  assert.deepEqual([g.item(), x.grad!.item(), y.grad!.item(), z.grad!.item()], [-10, -4, 3, 1]);
});

test('seed 002: the example passes its own checks and prints a walk-through', () => {
  const { report, checks } = main();
  assert.ok(report.length > 10);
  assert.ok(checks.length >= 3);
  for (const [what, ok] of checks) assert.ok(ok, what);
});
