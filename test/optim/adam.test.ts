/**
 * Adam and AdamW against their formulas worked by hand for three steps, AMSGrad's running maximum,
 * and seed 000's C# Adam (which adds its update because its gradient is −∂L/∂p), in float64 and float32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { Adam, AdamW, adamInit, adamUpdate, ADAM_DEFAULTS, type AdamOptions } from '../../src/optim/index.js';
import { close, trajectory } from './trajectory.js';

/** Three steps on p = [1, −2, 0.5] with these gradients (one row per step). */
const G = [[0.5, 1, 0], [0.5, -1, 0], [0.5, 2, 0]];

// With lr 0.1, β1 0.9, β2 0.999, eps 1e-8; m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t), p −= lr·m̂/(√v̂ + eps).
// Element 0, constant g = 0.5: m̂ = 0.5 and v̂ = 0.25 at every t (bias correction undoes the zero start),
//   so each step is 0.1·0.5/(0.5 + 1e-8) = 0.099999998: 0.900000002, 0.800000004, 0.700000006.
// Element 1, g = 1, −1, 2:
//   t=1: m = 0.1, v = 0.001; m̂ = 1, v̂ = 1; step 0.1/(1 + 1e-8) = 0.099999999 → −2.099999999
//   t=2: m = 0.09 − 0.1 = −0.01, v = 0.000999 + 0.001 = 0.001999; m̂ = −0.01/0.19 = −1/19,
//        v̂ = 0.001999/(1 − 0.998001) = 1; step −0.1/19/(1 + 1e-8) = −0.00526315784 → −2.09473684116
//   t=3: m = −0.009 + 0.2 = 0.191, v = 0.001997001 + 0.004 = 0.005997001; m̂ = 0.191/0.271 = 0.70479704797,
//        v̂ = 0.005997001/0.002997001 = 2.00100066700, √v̂ = 1.41456730; step 0.0498242…→ −2.14456105520
// Element 2, g = 0: m = v = 0, so the step is 0/(0 + eps) = 0 and it stays 0.5.
const ADAM_EXPECTED = [
  [0.900000002, -2.099999999, 0.5],
  [0.800000004, -2.0947368411578946, 0.5],
  [0.700000006, -2.144561055200598, 0.5],
];

// L2 weight decay 0.1 (Adam): the gradient becomes g + 0.1·p before the moments. Element 2 now moves:
// t=1 g' = 0.05, so it steps by ~lr like any first Adam step: 0.5 − 0.1·0.05/(0.05 + 1e-8) = 0.40000002.
// (Later steps follow the same formulas with g' = g + 0.1·p; the other literals come from them.)
const ADAM_L2_EXPECTED = [
  [0.9000000016666666, -2.09999999875, 0.400000019999996],
  [0.8000473404883315, -2.074859045356938, 0.30118746101715554],
  [0.7001745748141189, -2.11231018365333, 0.20487131296416455],
];

// AdamW, weight decay 0.1: first p *= 1 − 0.1·0.1 = 0.99, then the plain Adam step on g.
// t=1: element 0: 0.99 − 0.099999998 = 0.890000002; element 1: −1.98 − 0.099999999 = −2.079999999;
//      element 2 (g = 0): 0.5·0.99 = 0.495, then 0.495·0.99 = 0.49005, then 0.4851495.
const ADAMW_EXPECTED = [
  [0.890000002, -2.079999999, 0.495],
  [0.7811000039800006, -2.0539368411678947, 0.49005],
  [0.6732890059402006, -2.083221686798919, 0.48514949999999996],
];

for (const dtype of ['float64', 'float32'] as const) {
  const tol = dtype === 'float64' ? 1e-12 : 2e-6;
  test(`Adam: first three steps match the hand-worked formulas, ${dtype}`, () => {
    close(trajectory((ps) => new Adam(ps, { lr: 0.1 }), [1, -2, 0.5], G, dtype), ADAM_EXPECTED, tol);
  });
  test(`Adam with L2 weight decay: three steps, ${dtype}`, () => {
    close(trajectory((ps) => new Adam(ps, { lr: 0.1, weightDecay: 0.1 }), [1, -2, 0.5], G, dtype), ADAM_L2_EXPECTED, tol);
  });
  test(`AdamW (decoupled weight decay): three steps, ${dtype}`, () => {
    close(trajectory((ps) => new AdamW(ps, { lr: 0.1, weightDecay: 0.1 }), [1, -2, 0.5], G, dtype), ADAMW_EXPECTED, tol);
  });
}

test('Adam and AdamW defaults follow PyTorch (eps 1e-8, not TensorFlow.js 1e-7)', () => {
  const p = tensor([1]);
  assert.deepEqual({ ...new Adam([p]).defaults }, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
  assert.deepEqual({ ...new AdamW([p]).defaults }, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false });
});

test('AMSGrad divides by the largest v so far', () => {
  // Gradients 2, 0, 0 on p = 1, lr 0.1. t=1: m = 0.2, v = 0.004, a full step: 1 − 0.1·2/(2 + 1e-8) = 0.9000000005.
  // t=2: m = 0.18, v = 0.003996 falls, but AMSGrad keeps 0.004: m̂ = 0.18/0.19, v̂ = 0.004/0.001999,
  //   p = 0.9000000005 − 0.1·0.947368421/1.414567… = 0.8330276868524189 (plain Adam, with v 0.003996: 0.8329941755602673).
  const ams = trajectory((ps) => new Adam(ps, { lr: 0.1, amsgrad: true }), [1], [[2], [0], [0]], 'float64');
  const plain = trajectory((ps) => new Adam(ps, { lr: 0.1 }), [1], [[2], [0], [0]], 'float64');
  close(ams, [[0.9000000005], [0.8330276868524189], [0.7812837857490305]], 1e-12);
  close(plain, [[0.9000000005], [0.8329941755602673], [0.7811984787605275]], 1e-12);
});

test("seed 000's C# Adam gives the same weights: its error = target − output makes its gradient −∂L/∂p", () => {
  // Transcribed from seed 000: one neuron, sigmoid, online updates, "param.Value += lr·m̂/(√v̂ + eps)"
  // with gradient = error·σ'·x. Our Adam gets the standard ∂L/∂p of L = ½(target − output)² from autograd
  // and subtracts; the two must agree.
  const beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, lr = 0.1;
  const c = { w1: { v: -4, m: 0, vel: 0 }, w2: { v: -4, m: 0, vel: 0 }, b: { v: 0, m: 0, vel: 0 } };
  let timeStep = 0;
  const upd = (p: { v: number; m: number; vel: number }, gradient: number): void => {
    p.m = beta1 * p.m + (1 - beta1) * gradient;
    p.vel = beta2 * p.vel + (1 - beta2) * gradient * gradient;
    const mc = p.m / (1 - Math.pow(beta1, timeStep));
    const vc = p.vel / (1 - Math.pow(beta2, timeStep));
    p.v += (lr * mc) / (Math.sqrt(vc) + epsilon);
  };
  const sig = (z: number): number => 1 / (1 + Math.exp(-z));

  const w = tensor([-4, -4], { dtype: 'float64', requiresGrad: true });
  const b = tensor([0], { dtype: 'float64', requiresGrad: true });
  const opt = new Adam([w, b], { lr });
  const data: Array<[number, number, number]> = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]];
  for (let epoch = 0; epoch < 25; epoch++) {
    for (const [x1, x2, target] of data) {
      timeStep++;
      const out = sig(c.w1.v * x1 + c.w2.v * x2 + c.b.v);
      const error = target - out;
      const d = out * (1 - out);
      upd(c.w1, error * d * x1);
      upd(c.w2, error * d * x2);
      upd(c.b, error * d);

      const o = w.mul(tensor([x1, x2], { dtype: 'float64' })).sum().add(b).sigmoid();
      o.sub(target).pow(2).mul(0.5).sum().backward();
      opt.step();
      opt.zeroGrad();
    }
  }
  const ours = [w.data[0], w.data[1], b.data[0]];
  const theirs = [c.w1.v, c.w2.v, c.b.v];
  ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]) < 1e-9, `parameter ${i}: ${v} vs seed 000's ${theirs[i]}`));
  assert.ok(theirs[0] > -4 && theirs[1] > -4, 'the weights moved up from −4 towards solving OR');
});

test('adamUpdate works on bare typed arrays', () => {
  const param = new Float64Array([1, -2, 0.5]);
  const state = adamInit(param);
  for (const g of G) adamUpdate(param, new Float64Array(g), state, { ...ADAM_DEFAULTS, lr: 0.1 });
  close([Array.from(param)], [ADAM_EXPECTED[2]], 1e-12);
  assert.equal(state.step, 3);
});

test('Adam options are merged over the defaults per group', () => {
  const a = tensor([1]), b = tensor([2]);
  const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5, betas: [0.8, 0.99] }] as const, { eps: 1e-6 } satisfies AdamOptions);
  assert.equal(opt.paramGroups[0].lr, 1e-3);
  assert.equal(opt.paramGroups[0].eps, 1e-6);
  assert.equal(opt.paramGroups[1].lr, 0.5);
  assert.deepEqual(opt.paramGroups[1].betas, [0.8, 0.99]);
});
