/**
 * SGD against numbers worked out by hand (below each case) for two steps on p = [1, −2] with the
 * gradients g1 = [0.5, −1] and g2 = [0.25, 0.5] and lr 0.1, in float64 and float32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { SGD, sgdUpdate, SGD_DEFAULTS, type SGDOptions } from '../../src/optim/index.js';
import { close, trajectory } from './trajectory.js';

const G = [[0.5, -1], [0.25, 0.5]];

const cases: Array<{ name: string; options: SGDOptions; expected: number[][] }> = [
  // p1 = p − 0.1·g1 = [0.95, −1.9]; p2 = p1 − 0.1·g2 = [0.925, −1.95]
  { name: 'plain', options: { lr: 0.1 }, expected: [[0.95, -1.9], [0.925, -1.95]] },
  // b1 = g1 (the first step copies the gradient), p1 = [0.95, −1.9];
  // b2 = 0.9·b1 + g2 = [0.7, −0.4], p2 = p1 − 0.1·b2 = [0.88, −1.86]
  { name: 'momentum', options: { lr: 0.1, momentum: 0.9 }, expected: [[0.95, -1.9], [0.88, -1.86]] },
  // b1 = g1 (not dampened on the first step); b2 = 0.9·b1 + 0.5·g2 = [0.575, −0.65], p2 = [0.8925, −1.835]
  { name: 'momentum with dampening', options: { lr: 0.1, momentum: 0.9, dampening: 0.5 }, expected: [[0.95, -1.9], [0.8925, -1.835]] },
  // b1 = g1, d1 = g1 + 0.9·b1 = [0.95, −1.9], p1 = [0.905, −1.81];
  // b2 = [0.7, −0.4], d2 = g2 + 0.9·b2 = [0.88, 0.14], p2 = [0.817, −1.824]
  { name: 'nesterov', options: { lr: 0.1, momentum: 0.9, nesterov: true }, expected: [[0.905, -1.81], [0.817, -1.824]] },
  // g1' = g1 + 0.1·p0 = [0.6, −1.2], p1 = [0.94, −1.88];
  // g2' = g2 + 0.1·p1 = [0.344, 0.312], p2 = [0.9056, −1.9112]
  { name: 'weight decay', options: { lr: 0.1, weightDecay: 0.1 }, expected: [[0.94, -1.88], [0.9056, -1.9112]] },
  // g1' = [0.6, −1.2] = b1, p1 = [0.94, −1.88]; g2' = [0.344, 0.312], b2 = 0.9·b1 + g2' = [0.884, −0.768],
  // p2 = [0.94 − 0.0884, −1.88 + 0.0768] = [0.8516, −1.8032]
  { name: 'momentum and weight decay', options: { lr: 0.1, momentum: 0.9, weightDecay: 0.1 }, expected: [[0.94, -1.88], [0.8516, -1.8032]] },
];

for (const { name, options, expected } of cases) {
  test(`SGD ${name}: first two steps, float64`, () => close(trajectory((ps) => new SGD(ps, options), [1, -2], G, 'float64'), expected, 1e-14));
  test(`SGD ${name}: first two steps, float32`, () => close(trajectory((ps) => new SGD(ps, options), [1, -2], G, 'float32'), expected, 1e-6));
}

test('SGD: lr defaults to 0.01', () => {
  const p = tensor([1], { dtype: 'float64' });
  const opt = new SGD([p]);
  assert.equal(opt.learningRate, 0.01);
  p.grad = tensor([2], { dtype: 'float64' });
  opt.step();
  assert.equal(p.data[0], 1 - 0.01 * 2);
});

test('sgdUpdate works on bare typed arrays (one flat buffer for many parameters)', () => {
  const param = new Float64Array([1, -2]);
  const state = { step: 0, momentumBuffer: null };
  sgdUpdate(param, new Float64Array([0.5, -1]), state, { ...SGD_DEFAULTS, lr: 0.1, momentum: 0.9 });
  sgdUpdate(param, new Float64Array([0.25, 0.5]), state, { ...SGD_DEFAULTS, lr: 0.1, momentum: 0.9 });
  close([Array.from(param)], [[0.88, -1.86]], 1e-14);
  assert.equal(state.step, 2);
});
