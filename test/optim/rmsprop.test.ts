/**
 * RMSProp (plain, centered, with momentum, with weight decay) against its formulas worked by hand for
 * two steps on p = [1, −2] with gradients g1 = [0.5, −1], g2 = [0.25, 0.5], lr 0.01, α 0.99, eps 1e-8.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { RMSProp, type RMSPropOptions } from '../../src/optim/index.js';
import { close, trajectory } from './trajectory.js';

const G = [[0.5, -1], [0.25, 0.5]];

const cases: Array<{ name: string; options: RMSPropOptions; expected: number[][] }> = [
  // t=1: s = 0.01·g1² = [0.0025, 0.01], √s = [0.05, 0.1]; step 0.01·g/(√s + 1e-8) = [0.09999998, −0.09999999]
  // t=2: s = 0.99·s + 0.01·g2² = [0.0031, 0.0124]; step 0.01·[0.25/√0.0031, 0.5/√0.0124] = 0.01·4.4901325 each
  { name: 'plain', options: {}, expected: [[0.900000019999996, -1.900000009999999], [0.855098702557817, -1.944901331474435]] },
  // t=1: ḡ = 0.01·g1 = [0.005, −0.01], s − ḡ² = [0.002475, 0.0099], √ = [0.04974937, 0.09949874]; step ±0.10050378
  // t=2: ḡ = [0.00745, −0.0049], s − ḡ² = [0.0030444975, 0.01237599]; step 0.01·[0.25/0.05517696, 0.5/0.11124743]
  { name: 'centered', options: { centered: true }, expected: [[0.899496238676095, -1.8994962285750878], [0.8541874846842108, -1.9444410842741218]] },
  // b1 = g1/d1 = [9.999998, −9.999999] (the first step equals plain); b2 = 0.9·b1 + g2/d2 = [13.490130, −4.509867],
  // p2 = p1 − 0.01·b2 = [0.7650987, −1.8549013]
  { name: 'momentum', options: { momentum: 0.9 }, expected: [[0.900000019999996, -1.900000009999999], [0.7650987205578135, -1.8549013404744341]] },
  // g1' = g1 + 0.1·p0 = [0.6, −1.2]: again a step of ≈ lr·sign; g2' = g2 + 0.1·p1 = [0.34, 0.31]
  { name: 'weight decay', options: { weightDecay: 0.1 }, expected: [[0.900000016666664, -1.9000000083333326], [0.8505111103590103, -1.925130277323123]] },
];

for (const { name, options, expected } of cases) {
  test(`RMSProp ${name}: first two steps, float64`, () => close(trajectory((ps) => new RMSProp(ps, options), [1, -2], G, 'float64'), expected, 1e-12));
  test(`RMSProp ${name}: first two steps, float32`, () => close(trajectory((ps) => new RMSProp(ps, options), [1, -2], G, 'float32'), expected, 2e-6));
}

test('RMSProp defaults follow PyTorch: lr 1e-2, alpha 0.99, eps 1e-8', () => {
  assert.deepEqual({ ...new RMSProp([tensor([1])]).defaults }, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
});

test('RMSProp centered never gives NaN when s − ḡ² rounds below 0', () => {
  // With a constant float32 gradient 0.3 and alpha 0.5, float32 rounding makes s − ḡ² negative from step 25 on;
  // unclamped, √ of it is NaN. (The true variance is ~0 there, so the steps are large: that is the method.)
  const p = tensor([1], { dtype: 'float32', requiresGrad: true });
  const opt = new RMSProp([p], { centered: true, alpha: 0.5 });
  for (let i = 0; i < 50; i++) {
    p.grad = tensor([0.3], { dtype: 'float32' });
    opt.step();
    assert.ok(Number.isFinite(p.data[0]), `step ${i + 1}: ${p.data[0]}`);
  }
});
