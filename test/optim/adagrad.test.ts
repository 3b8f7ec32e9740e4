/**
 * Adagrad against its formula worked by hand for two steps on p = [1, −2] with gradients
 * g1 = [0.5, −1], g2 = [0.25, 0.5], lr 0.1, eps 1e-10; with lrDecay, weightDecay and a starting sum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { Adagrad, type AdagradOptions } from '../../src/optim/index.js';
import { close, trajectory } from './trajectory.js';

const G = [[0.5, -1], [0.25, 0.5]];

const cases: Array<{ name: string; options: AdagradOptions; expected: number[][] }> = [
  // t=1: S = g1² = [0.25, 1]; step 0.1·g/(√S + 1e-10) = [0.09999999998, −0.09999999999]
  // t=2: S = [0.3125, 1.25]; step 0.1·[0.25/0.55901699, 0.5/1.11803399] = [0.04472136, 0.04472136]
  { name: 'plain', options: {}, expected: [[0.90000000002, -1.90000000001], [0.8552786404780043, -1.9447213595559958]] },
  // t=2: lr/(1 + 1·0.5) = 0.0666667, so the second step is 2/3 of plain's: 0.02981424
  { name: 'lrDecay', options: { lrDecay: 0.5 }, expected: [[0.90000000002, -1.90000000001], [0.8701857603253361, -1.9298142397073303]] },
  // g1' = g1 + 0.1·p0 = [0.6, −1.2], S = 0.1 + g1'² = [0.46, 1.54]; step 0.1·[0.6/0.67823300, −1.2/1.24096736]
  { name: 'initialAccumulatorValue and weightDecay', options: { initialAccumulatorValue: 0.1, weightDecay: 0.1 }, expected: [[0.9115348263201052, -1.9033012443247466], [0.8665989504942898, -1.92751271606929]] },
];

for (const { name, options, expected } of cases) {
  test(`Adagrad ${name}: first two steps, float64`, () => close(trajectory((ps) => new Adagrad(ps, { lr: 0.1, ...options }), [1, -2], G, 'float64'), expected, 1e-12));
  test(`Adagrad ${name}: first two steps, float32`, () => close(trajectory((ps) => new Adagrad(ps, { lr: 0.1, ...options }), [1, -2], G, 'float32'), expected, 2e-6));
}

test('Adagrad defaults follow PyTorch: lr 1e-2, eps 1e-10', () => {
  assert.deepEqual({ ...new Adagrad([tensor([1])]).defaults }, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
});
